import { isCallMessage, type ReplyMessage } from './rpcProtocol.js';

/** A child's methods: each takes the parameters the orchestrator sent and returns a structured-cloneable result. */
export type RpcHandlers = Record<string, (params: never) => unknown>;

/**
 * Serves `handlers` to the orchestrator over the IPC channel, then announces
 * readiness. The child exits (after `cleanup`, bounded by `cleanupMs`) when
 * the orchestrator goes away (IPC disconnect, also after a SIGKILL of the
 * parent), on SIGINT/SIGTERM, or when a handler named "exit" is called — so
 * no bench child outlives the run.
 */
export function serveRpc(handlers: RpcHandlers, cleanup: () => Promise<void> = async () => {}, cleanupMs = 5_000): void {
  if (!process.send) {
    process.stderr.write('this is a bench child process: start it through bench/run.ts (it needs an IPC channel)\n');
    process.exit(2);
  }
  let exiting = false;
  const exit = (code: number): void => {
    if (exiting) return;
    exiting = true;
    const force = setTimeout(() => process.exit(code), cleanupMs);
    force.unref();
    cleanup()
      .catch((e: unknown) => process.stderr.write(`cleanup failed: ${String(e)}\n`))
      .finally(() => process.exit(code));
  };
  process.on('disconnect', () => exit(0));
  process.on('SIGINT', () => exit(130));
  process.on('SIGTERM', () => exit(143));
  process.on('message', (m: unknown) => {
    if (!isCallMessage(m)) return;
    if (m.method === 'exit') {
      reply({ kind: 'reply', id: m.id, ok: true, result: null });
      exit(0);
      return;
    }
    const handler = handlers[m.method];
    if (!handler) {
      reply({ kind: 'reply', id: m.id, ok: false, error: `unknown method ${m.method}` });
      return;
    }
    Promise.resolve()
      .then(() => handler(m.params as never))
      .then(
        (result) => reply({ kind: 'reply', id: m.id, ok: true, result: result ?? null }),
        (e: unknown) => reply({ kind: 'reply', id: m.id, ok: false, error: e instanceof Error ? e.message : String(e) }),
      );
  });
  process.send({ kind: 'ready', pid: process.pid });
}

function reply(r: ReplyMessage): void {
  if (process.connected) process.send?.(r);
}

/** process.memoryUsage() after full collections (needs --expose-gc; without it, as is). */
export async function settledMemory(): Promise<NodeJS.MemoryUsage> {
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((r) => setImmediate(r));
  }
  return process.memoryUsage();
}
