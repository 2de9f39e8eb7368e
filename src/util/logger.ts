import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

/**
 * Paths pino censors wherever they appear in a log object. Credentials must
 * never reach a log line; this is the safety net, not the first line of defence.
 */
const REDACT_PATHS = [
  'token', '*.token', 'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization',
  'keyData', '*.keyData', 'tls.keyData', '*.tls.keyData', 'certData', '*.certData', 'kubeconfig', '*.kubeconfig',
  'password', '*.password', 'secret', '*.secret',
];

let root: Logger | undefined;

/**
 * The process-wide root logger. Level from KUBEATLAS_LOG_LEVEL (default info;
 * "silent" in tests). Format from KUBEATLAS_LOG_FORMAT: "json" (one object per
 * line, for log collectors) or "pretty" (for people); default pretty when
 * stdout is a terminal, json otherwise.
 */
export function rootLogger(): Logger {
  if (!root) {
    const level = process.env.KUBEATLAS_LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info');
    const options = { level, base: { service: 'kubeatlas' }, redact: { paths: REDACT_PATHS, censor: '[REDACTED]' } };
    const format = process.env.KUBEATLAS_LOG_FORMAT ?? (process.stdout.isTTY ? 'pretty' : 'json');
    root =
      format === 'pretty'
        ? pino(options, pretty({ colorize: process.stdout.isTTY, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service,component', messageFormat: '{component}: {msg}', singleLine: true, sync: true }))
        : pino(options);
  }
  return root;
}

/** A child logger for one component, e.g. `logger('reflector', { clusterId, kind })`. */
export function logger(component: string, bindings: Record<string, unknown> = {}): Logger {
  return rootLogger().child({ component, ...bindings });
}
