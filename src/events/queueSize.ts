import { KubeatlasError } from '../util/errors.js';

/** The queue size a subscriber gets: its request (1..max) or the default; BAD_USER_INPUT otherwise. */
export function resolveQueueSize(requested: number | undefined, fallback: number, max: number): number {
  if (requested === undefined) return fallback;
  if (!Number.isInteger(requested) || requested < 1 || requested > max) {
    throw new KubeatlasError('BAD_USER_INPUT', `queueSize must be an integer between 1 and ${max}`, { field: 'queueSize', max });
  }
  return requested;
}
