/** Number formatting for result cells: short, unit-bearing, locale-independent. */

/** 12345 -> "12,345". */
export function int(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Milliseconds with a precision that suits the magnitude: 0.42 ms, 3.1 ms, 250 ms, 4.2 s. */
export function ms(x: number): string {
  if (!Number.isFinite(x)) return 'n/a';
  if (x < 0) return `-${ms(-x)}`;
  if (x >= 10_000) return `${(x / 1000).toFixed(1)} s`;
  if (x >= 1_000) return `${(x / 1000).toFixed(2)} s`;
  if (x >= 100) return `${x.toFixed(0)} ms`;
  if (x >= 10) return `${x.toFixed(1)} ms`;
  return `${x.toFixed(2)} ms`;
}

export function seconds(s: number): string {
  return ms(s * 1000);
}

/** Bytes as KB (1024) with one decimal, or MB/GB when large. */
export function bytes(b: number): string {
  if (!Number.isFinite(b)) return 'n/a';
  const a = Math.abs(b);
  if (a >= 1024 ** 3) return `${(b / 1024 ** 3).toFixed(2)} GB`;
  if (a >= 1024 ** 2) return `${(b / 1024 ** 2).toFixed(1)} MB`;
  return `${(b / 1024).toFixed(1)} KB`;
}

/** Events, objects or requests per second. */
export function rate(n: number, unit: string): string {
  if (!Number.isFinite(n)) return 'n/a';
  return `${n >= 100 ? int(n) : n.toFixed(1)} ${unit}/s`;
}

/** A ratio printed as "0.23x" (two significant digits below 10). */
export function ratio(x: number): string {
  if (!Number.isFinite(x)) return 'n/a';
  if (x >= 10) return `${x.toFixed(0)}x`;
  if (x >= 1) return `${x.toFixed(2)}x`;
  return `${x.toPrecision(2)}x`;
}

/** "1.2k", "25k", "1M" for case labels. */
export function short(n: number): string {
  if (n >= 1_000_000 && n % 100_000 === 0) return `${n / 1_000_000}M`;
  if (n >= 1_000 && n % 100 === 0) return `${n / 1_000}k`;
  return int(n);
}

/** CPU time over wall time: how many cores a process kept busy. */
export function cores(cpuMs: number, wallMs: number): string {
  return wallMs > 0 ? (cpuMs / wallMs).toFixed(2) : 'n/a';
}
