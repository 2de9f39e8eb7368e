import type { Collection } from './collection.js';

/** Longest run of indexing steps per event-loop turn. */
const SLICE_MS = 4;

/**
 * Completes deferred label indexes in the background, a namespace at a
 * time, yielding to the event loop between slices of at most a few
 * milliseconds (plus one namespace). A reader that needs an index before
 * its turn completes it itself (`Collection.labels`); the indexer then
 * finds nothing left to do.
 */
export class BackgroundLabelIndexer {
  private readonly queue = new Set<Collection>();
  private scheduled = false;

  /** Queues a collection whose label index is incomplete (no-op when it is complete). */
  schedule(coll: Collection): void {
    if (coll.labelsIndexed) return;
    this.queue.add(coll);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.run()).unref();
  }

  /** Collections still queued. */
  get pending(): number {
    return this.queue.size;
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
