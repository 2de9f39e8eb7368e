/**
 * The messages a bench child process and the orchestrator exchange over the
 * Node IPC channel (serialization "advanced": structured clone, so Maps,
 * typed arrays and large arrays cross cheaply).
 *
 * - child -> parent, once, when its handlers are installed: `{ kind: 'ready' }`
 * - parent -> child: `{ kind: 'call', id, method, params }`
 * - child -> parent: `{ kind: 'reply', id, ok: true, result }` or `{ kind: 'reply', id, ok: false, error }`
 */

export interface ReadyMessage {
  kind: 'ready';
  pid: number;
}

export interface CallMessage {
  kind: 'call';
  id: number;
  method: string;
  params: unknown;
}

export type ReplyMessage = { kind: 'reply'; id: number; ok: true; result: unknown } | { kind: 'reply'; id: number; ok: false; error: string };

export type ChildMessage = ReadyMessage | ReplyMessage;

export function isChildMessage(m: unknown): m is ChildMessage {
  return typeof m === 'object' && m !== null && ((m as { kind?: unknown }).kind === 'ready' || (m as { kind?: unknown }).kind === 'reply');
}

export function isCallMessage(m: unknown): m is CallMessage {
  return typeof m === 'object' && m !== null && (m as { kind?: unknown }).kind === 'call' && typeof (m as { id?: unknown }).id === 'number';
}
