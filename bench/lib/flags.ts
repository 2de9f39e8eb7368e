/**
 * A whole-number flag of a bench program: its value, or `fallback` when it
 * is absent. Anything else than an integer >= `min` ends the program with
 * exit 2 and one line naming the program and the flag.
 */
export function integerFlag(program: string, flag: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n) || n < min) {
    process.stderr.write(`${program}: --${flag} must be a whole number >= ${min}, got ${JSON.stringify(raw)}\n`);
    process.exit(2);
  }
  return n;
}
