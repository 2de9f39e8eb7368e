import type { Collection } from './collection.js';

/** Longest run of indexing steps per event-loop turn. */
const SLICE_MS = 4;
/** The work starts once no collection was queued for this long: a start-up's loads and watch starts go first. */
const QUIET_MS = 200;

/**
 * Completes deferred label indexes in the background, a namespace at a
 * time, yielding to the event loop between slices of at most a few
 * milliseconds (plus one namespace), from QUIET_MS after the last
 * collection was queued. A reader that needs an index before
 * its turn completes it itself (`Collection.labels`); the indexer then
 * finds nothing left to do.
 */
export class BackgroundLabelIndexer {
  private readonly queue = new Set<Collection>();
  private scheduled = false;
  private quiet: NodeJS.Timeout | undefined;

  /** Queues a collection whose label index is incomplete (no-op when it is complete). */
  schedule(coll: Collection): void {
    if (coll.labelsIndexed) return;
    this.queue.add(coll);
    if (this.quiet !== undefined) clearTimeout(this.quiet);
    this.quiet = setTimeout(() => {
      this.quiet = undefined;
      this.again();
    }, QUIET_MS);
    this.quiet.unref();
  }

  private run(): void {
    this.scheduled = false;
    const until = performance.now() + SLICE_MS;
    for (const coll of this.queue) {
      while (!coll.indexLabelsStep()) if (performance.now() >= until) return this.again();
      this.queue.delete(coll);
      if (performance.now() >= until) return this.again();
    }
  }

  private again(): void {
    if (this.scheduled || this.queue.size === 0) return;
    this.scheduled = true;
    setImmediate(() => this.run()).unref();
  }
}
