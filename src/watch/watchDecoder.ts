import type { KubeObject, Status, WatchEvent, WatchEventType } from '../kube/types.js';
import { isStatus } from '../kube/types.js';
import { KubeatlasError } from '../util/errors.js';

/** A decoded watch line: an object event, a bookmark, or an ERROR carrying a Status. */
export type DecodedWatchEvent =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK'; object: KubeObject; resourceVersion: string }
  | { type: 'ERROR'; status: Status };

const OBJECT_TYPES: ReadonlySet<WatchEventType> = new Set(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK']);

/**
 * Decodes one newline-framed watch line (`{"type":..,"object":{..}}`).
 * Throws WatchDecodeError for anything that is not a well-formed event: not
 * JSON, a truncated line, an unknown type, an object without
 * metadata.resourceVersion. The error message never quotes the line (it may
 * hold Secret values).
 */
export function decodeWatchLine(line: Buffer | string): DecodedWatchEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof line === 'string' ? line : line.toString('utf8'));
  } catch {
    throw new WatchDecodeError(`watch line of ${line.length} bytes is not valid JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null) throw new WatchDecodeError('watch line is not a JSON object');
  const { type, object } = parsed as Partial<WatchEvent<unknown>>;
  if (type === 'ERROR') {
    if (!isStatus(object)) throw new WatchDecodeError('watch ERROR event without a Status object');
    return { type, status: object };
  }
  if (typeof type !== 'string' || !OBJECT_TYPES.has(type)) throw new WatchDecodeError(`watch event of unknown type ${JSON.stringify(String(type)).slice(0, 40)}`);
  if (typeof object !== 'object' || object === null) throw new WatchDecodeError(`watch ${type} event without an object`);
  const metadata = (object as { metadata?: unknown }).metadata;
  if (typeof metadata !== 'object' || metadata === null) throw new WatchDecodeError(`watch ${type} event without metadata`);
  const rv = (metadata as { resourceVersion?: unknown }).resourceVersion;
  if (typeof rv !== 'string' || rv === '') throw new WatchDecodeError(`watch ${type} event without metadata.resourceVersion`);
  if (type !== 'BOOKMARK' && typeof (metadata as { name?: unknown }).name !== 'string') throw new WatchDecodeError(`watch ${type} event without metadata.name`);
  return { type: type as 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK', object: object as KubeObject, resourceVersion: rv };
}

/** A watch line that could not be decoded (garbage, truncated, wrong shape). */
export class WatchDecodeError extends KubeatlasError {
  constructor(message: string) {
    super('UPSTREAM_ERROR', message);
    this.name = 'WatchDecodeError';
  }
}
