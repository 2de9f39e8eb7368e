import { KubeatlasError } from '../util/errors.js';

/**
 * The error for an invalid cluster entry: code BAD_USER_INPUT, `details.field`
 * naming the field ("tls.caFile", "context"), message "field: problem".
 * Callers pass problems that never quote a value or a file's contents.
 */
export function badInput(field: string, problem: string, details: Record<string, unknown> = {}): KubeatlasError {
  return new KubeatlasError('BAD_USER_INPUT', `${field}: ${problem}`.replace(/\s+/g, ' '), { field, ...details });
}
