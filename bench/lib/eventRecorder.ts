import { SampleBuffer, summarize } from './stats.js';
import type { EventResults, EventWindowRequest } from './loadTypes.js';

/**
 * What one event receiver (a kubeatlas subscriber, or a watch straight on an
 * apiserver) got: per event its resourceVersion, receipt time and the
 * changed-at stamp it carried — kept in typed arrays, compared with what the
 * simulators committed only at the end.
 */
export interface Receiver {
  /** The cluster whose pods it follows. */
  readonly cluster: string;
  readonly rvs: SampleBuffer;
  readonly receivedAt: SampleBuffer;
  /** The event's changed-at stamp (NaN when absent). */
  readonly stamps: SampleBuffer;
  readonly errors: string[];
  close(): void;
}

export function newReceiver(cluster: string): Receiver {
  return { cluster, rvs: new SampleBuffer(), receivedAt: new SampleBuffer(), stamps: new SampleBuffer(), errors: [], close: () => {} };
}

export function recordEvent(r: Receiver, resourceVersion: string | undefined, stamp: string | undefined, receivedAt: number): void {
  r.rvs.push(Number(resourceVersion));
  r.receivedAt.push(receivedAt);
  r.stamps.push(stamp === undefined ? NaN : Number(stamp));
}

/** Distinct events each receiver got with from < rv <= to for its cluster. */
export function countInWindow(receivers: readonly Receiver[], windows: EventWindowRequest['windows']): number[] {
  return receivers.map((r) => {
    const w = windows[r.cluster];
    const seen = new Set<number>();
    const rvs = r.rvs.values();
    for (let i = 0; i < rvs.length; i++) if (w && rvs[i] > w.from && rvs[i] <= w.to) seen.add(rvs[i]);
    return seen.size;
  });
}

/**
 * Compares what each receiver got in the window with what its cluster
 * committed: every Pod change in the window must arrive exactly once;
 * latency samples are the stamping writes (receipt - stamp). With
 * `reference` (receivers of the same clusters, e.g. plain watches on the
 * apiservers), `overReference` pairs each event with the reference's
 * receipt of the same (cluster, resourceVersion): what this path adds to
 * that one event, free of the simulator's own delay that both share.
 */
export function account(receivers: readonly Receiver[], params: EventWindowRequest, reference?: readonly Receiver[]): EventResults {
  const referenceAt = new Map<string, Map<number, number>>();
  for (const r of reference ?? []) {
    let m = referenceAt.get(r.cluster);
    if (!m) referenceAt.set(r.cluster, (m = new Map()));
    const rvs = r.rvs.values();
    const at = r.receivedAt.values();
    for (let i = 0; i < rvs.length; i++) if (!m.has(rvs[i])) m.set(rvs[i], at[i]);
  }
  const added = new SampleBuffer();
  const stamped = new Map<string, Map<number, number>>();
  for (const [cluster, rvs] of Object.entries(params.stampedRvs)) {
    const at = params.stampedAt[cluster];
    const m = new Map<number, number>();
    for (let i = 0; i < rvs.length; i++) m.set(rvs[i], at[i]);
    stamped.set(cluster, m);
  }
  const latencies = new SampleBuffer();
  const out = { expected: 0, received: 0, dropped: 0, short: 0, duplicates: 0, unexpected: 0, errors: 0, stampMismatches: 0 };
  let firstError: string | undefined;
  for (const r of receivers) {
    const w = params.windows[r.cluster];
    const want = params.expected[r.cluster] ?? 0;
    const stamps = stamped.get(r.cluster) ?? new Map<number, number>();
    const seen = new Set<number>();
    const rvs = r.rvs.values();
    const at = r.receivedAt.values();
    const evStamps = r.stamps.values();
    for (let i = 0; i < rvs.length; i++) {
      const rv = rvs[i];
      if (!w || rv <= w.from || rv > w.to) continue;
      if (seen.has(rv)) {
        out.duplicates++;
        continue;
      }
      seen.add(rv);
      const refAt = referenceAt.get(r.cluster)?.get(rv);
      if (refAt !== undefined) added.push(at[i] - refAt);
      const simStamp = stamps.get(rv);
      if (simStamp !== undefined) {
        latencies.push(at[i] - simStamp);
        if (evStamps[i] !== simStamp) out.stampMismatches++;
      }
    }
    out.expected += want;
    out.received += seen.size;
    const missing = Math.max(0, want - seen.size);
    out.unexpected += Math.max(0, seen.size - want);
    out.dropped += missing;
    if (missing > 0) out.short++;
    out.errors += r.errors.length;
    firstError ??= r.errors[0];
  }
  return {
    subscribers: receivers.length,
    expected: out.expected,
    received: out.received,
    dropped: out.dropped,
    subscribersShort: out.short,
    duplicates: out.duplicates,
    unexpected: out.unexpected,
    errors: out.errors,
    firstError,
    latency: summarize(latencies.values()),
    overReference: reference === undefined ? undefined : summarize(added.values()),
    stampMismatches: out.stampMismatches,
  };
}
