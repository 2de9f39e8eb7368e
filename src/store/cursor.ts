import { KubeatlasError } from '../util/errors.js';

/** The sort key of a record in query order: (clusterId, namespace, name, kindKey). */
export interface QueryKey {
  readonly clusterId: string;
  readonly namespace: string;
  readonly name: string;
  readonly kindKey: string;
}

const VERSION = 1;

/**
 * A keyset cursor: base64url of the record's sort key. It names a position,
 * not an object, so it stays valid when the object changes or is deleted.
 */
export function encodeCursor(key: QueryKey): string {
  return Buffer.from(JSON.stringify([VERSION, key.clusterId, key.namespace, key.name, key.kindKey]), 'utf8').toString('base64url');
}

/** Decodes a cursor; BAD_USER_INPUT (field "after") when it is not one of ours. */
export function decodeCursor(cursor: string): QueryKey {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 5 ||
    parsed[0] !== VERSION ||
    !parsed.slice(1).every((p) => typeof p === 'string')
  ) {
    throw new KubeatlasError('BAD_USER_INPUT', 'after: not a valid cursor', { field: 'after' });
  }
  const [, clusterId, namespace, name, kindKey] = parsed as [number, string, string, string, string];
  return { clusterId, namespace, name, kindKey };
}
