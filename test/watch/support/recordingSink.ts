import type { KindInfo } from '../../../src/kube/kinds.js';
import { kindKey } from '../../../src/kube/kinds.js';
import type { KubeObject } from '../../../src/kube/types.js';
import type { ReflectorSink } from '../../../src/watch/sink.js';

/** One change a sink emitted, as the ResourceStore would emit it. */
export interface RecordedChange {
  seq: number;
  kind: string;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  key: string;
  resourceVersion: string;
  origin: 'watch' | 'relist';
}

export function objectKey(obj: KubeObject): string {
  return `${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;
}

/**
 * A real, minimal ReflectorSink over a Map that follows the sink.ts contract
 * and records every change it emits, plus every call that a correct
 * reflector fed by a correct server should never make (an ADDED for an
 * object it holds, a MODIFIED or DELETED for one it does not, a MODIFIED
 * that changes nothing): those go to `anomalies`.
 */
export class RecordingSink implements ReflectorSink {
  readonly objects = new Map<string, KubeObject>();
  resourceVersion: string | undefined;
  readonly calls = { beginReplace: 0, endReplace: 0, abortReplace: 0, replaceItem: 0, apply: 0, setResourceVersion: 0 };
  private seen: Set<string> | undefined;

  constructor(
    readonly kind: string,
    private readonly log: RecordedChange[] = [],
    readonly anomalies: string[] = [],
  ) {}

  get changes(): readonly RecordedChange[] {
    return this.log;
  }

  beginReplace(): void {
    this.calls.beginReplace++;
    if (this.seen) this.anomalies.push(`${this.kind}: beginReplace while a replace is open`);
    this.seen = new Set();
  }

  replaceItem(obj: KubeObject): void {
    this.calls.replaceItem++;
    if (!this.seen) {
      this.anomalies.push(`${this.kind}: replaceItem outside a replace`);
      return;
    }
    const key = objectKey(obj);
    this.seen.add(key);
    const existing = this.objects.get(key);
    if (!existing) this.emit('ADDED', key, obj, 'relist');
    else if (existing.metadata.resourceVersion !== obj.metadata.resourceVersion) this.emit('MODIFIED', key, obj, 'relist');
    this.objects.set(key, obj);
  }

  endReplace(resourceVersion: string): void {
    this.calls.endReplace++;
    if (!this.seen) {
      this.anomalies.push(`${this.kind}: endReplace outside a replace`);
      return;
    }
    for (const [key, obj] of [...this.objects]) {
      if (this.seen.has(key)) continue;
      this.objects.delete(key);
      this.emit('DELETED', key, obj, 'relist');
    }
    this.seen = undefined;
    this.resourceVersion = resourceVersion;
  }

  abortReplace(): void {
    this.calls.abortReplace++;
    this.seen = undefined;
  }

  apply(type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: KubeObject): void {
    this.calls.apply++;
    const key = objectKey(obj);
    const existing = this.objects.get(key);
    if (type === 'DELETED') {
      if (!existing) {
        this.anomalies.push(`${this.kind}: DELETED for unknown ${key} at ${obj.metadata.resourceVersion}`);
        return;
      }
      this.objects.delete(key);
      this.seen?.delete(key);
      this.emit('DELETED', key, obj, 'watch');
      return;
    }
    if (type === 'ADDED' && existing) this.anomalies.push(`${this.kind}: ADDED for existing ${key} (${existing.metadata.resourceVersion} -> ${obj.metadata.resourceVersion})`);
    if (type === 'MODIFIED' && !existing) this.anomalies.push(`${this.kind}: MODIFIED for unknown ${key} at ${obj.metadata.resourceVersion}`);
    if (existing && existing.metadata.resourceVersion === obj.metadata.resourceVersion) {
      this.anomalies.push(`${this.kind}: duplicate ${type} for ${key} at ${obj.metadata.resourceVersion}`);
      return;
    }
    this.objects.set(key, obj);
    this.seen?.add(key);
    this.emit(existing ? 'MODIFIED' : 'ADDED', key, obj, 'watch');
  }

  setResourceVersion(resourceVersion: string): void {
    this.calls.setResourceVersion++;
    this.resourceVersion = resourceVersion;
  }

  /** name -> resourceVersion of what the sink holds. */
  snapshot(): Map<string, string> {
    return new Map([...this.objects].map(([k, o]) => [k, o.metadata.resourceVersion ?? '']));
  }

  private emit(type: RecordedChange['type'], key: string, obj: KubeObject, origin: RecordedChange['origin']): void {
    this.log.push({ seq: this.log.length, kind: this.kind, type, key, resourceVersion: obj.metadata.resourceVersion ?? '', origin });
  }
}

/** Sinks for several kinds sharing one ordered change log (what a store's onChange would deliver). */
export class RecordingSinks {
  readonly changes: RecordedChange[] = [];
  readonly anomalies: string[] = [];
  private readonly sinks = new Map<string, RecordingSink>();

  sinkFor(kind: KindInfo): RecordingSink {
    const key = kindKey(kind);
    let sink = this.sinks.get(key);
    if (!sink) {
      sink = new RecordingSink(key, this.changes, this.anomalies);
      this.sinks.set(key, sink);
    }
    return sink;
  }

  get(kind: KindInfo | string): RecordingSink | undefined {
    return this.sinks.get(typeof kind === 'string' ? kind : kindKey(kind));
  }
}

/**
 * Applies a change log in order to an empty state, strictly: an ADDED must
 * be new, a MODIFIED or DELETED must hit a present object, a MODIFIED must
 * change the resourceVersion. Returns the final state per kind (key -> rv)
 * and every violation.
 */
export function replay(changes: readonly RecordedChange[]): { state: Map<string, Map<string, string>>; violations: string[] } {
  const state = new Map<string, Map<string, string>>();
  const violations: string[] = [];
  for (const c of changes) {
    let m = state.get(c.kind);
    if (!m) state.set(c.kind, (m = new Map()));
    const had = m.get(c.key);
    if (c.type === 'ADDED') {
      if (had !== undefined) violations.push(`#${c.seq} ADDED ${c.kind} ${c.key} already present at ${had}`);
      m.set(c.key, c.resourceVersion);
    } else if (c.type === 'MODIFIED') {
      if (had === undefined) violations.push(`#${c.seq} MODIFIED ${c.kind} ${c.key} not present`);
      else if (had === c.resourceVersion) violations.push(`#${c.seq} MODIFIED ${c.kind} ${c.key} without a new resourceVersion`);
      else if (/^\d+$/.test(had) && /^\d+$/.test(c.resourceVersion) && Number(c.resourceVersion) < Number(had)) {
        violations.push(`#${c.seq} MODIFIED ${c.kind} ${c.key} went back from ${had} to ${c.resourceVersion}`);
      }
      m.set(c.key, c.resourceVersion);
    } else {
      if (had === undefined) violations.push(`#${c.seq} DELETED ${c.kind} ${c.key} not present`);
      m.delete(c.key);
    }
  }
  return { state, violations };
}
