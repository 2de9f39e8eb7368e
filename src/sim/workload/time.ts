/** Timestamps in the wire format of the apiserver (RFC 3339, seconds, UTC). */

let dayStart = NaN;
let dayPrefix = '';

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** "2026-11-23T13:51:14Z" for an epoch in ms (the date part is cached: generators call this per object). */
export function isoSeconds(epochMs: number): string {
  const t = Math.floor(epochMs / 1000) * 1000;
  let offset = t - dayStart;
  if (!(offset >= 0 && offset < 86_400_000)) {
    dayStart = t - (((t % 86_400_000) + 86_400_000) % 86_400_000);
    dayPrefix = new Date(dayStart).toISOString().slice(0, 11);
    offset = t - dayStart;
  }
  const secs = offset / 1000;
  return `${dayPrefix}${pad2(Math.floor(secs / 3600))}:${pad2(Math.floor(secs / 60) % 60)}:${pad2(secs % 60)}Z`;
}

/** "2026-11-23T13:53:20.906772Z" (microseconds, as MicroTime fields such as Lease renewTime are written). */
export function isoMicros(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
