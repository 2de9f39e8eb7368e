import { pino } from 'pino';
import { rootLogger } from '../../../src/util/logger.js';

/**
 * Captures every log line of the process-wide logger (at `level`) so tests can
 * assert that no credential ever reaches a log. `restore()` puts the original
 * stream and level back.
 */
export function captureLogs(level: 'debug' | 'trace' | 'info' = 'debug'): { lines: string[]; text(): string; restore(): void } {
  const root = rootLogger() as unknown as Record<symbol, unknown> & { level: string };
  const sym = pino.symbols.streamSym;
  const previous = { stream: root[sym], level: root.level };
  const lines: string[] = [];
  root[sym] = { write: (s: string) => lines.push(s) };
  root.level = level;
  return {
    lines,
    text: () => lines.join(''),
    restore() {
      root[sym] = previous.stream;
      root.level = previous.level;
    },
  };
}
