/**
 * Caps how many state transfers (LIST or WatchList initial events) run at
 * once against one cluster: API Priority and Fairness charges lists by
 * object count, so 25 kinds listing together would stampede the server.
 *
 * `acquire` resolves with a release function once a slot is free (FIFO), or
 * rejects with the signal's reason when the signal aborts first. Calling the
 * release function more than once is harmless.
 *
 * Hand-written: a FIFO counting semaphore with abortable waiters is a dozen
 * lines, and none of the installed packages provides one.
 */
export interface ListGate {
  acquire(signal?: AbortSignal): Promise<() => void>;
}

/** A gate that never waits (no cap). */
export const UNLIMITED_LIST_GATE: ListGate = { acquire: async () => () => undefined };

export function createListGate(maxConcurrent: number): ListGate {
  if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1) throw new RangeError(`maxConcurrent must be a positive integer, got ${maxConcurrent}`);
  let running = 0;
  const waiters: Array<{ grant: () => void }> = [];

  const makeRelease = (): (() => void) => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      running--;
      const next = waiters.shift();
      if (next) next.grant();
    };
  };

  return {
    acquire(signal?: AbortSignal): Promise<() => void> {
      if (signal?.aborted) return Promise.reject(signal.reason);
      if (running < maxConcurrent) {
        running++;
        return Promise.resolve(makeRelease());
      }
      return new Promise((resolve, reject) => {
        const waiter = {
          grant: () => {
            signal?.removeEventListener('abort', onAbort);
            running++;
            resolve(makeRelease());
          },
        };
        const onAbort = () => {
          const i = waiters.indexOf(waiter);
          if (i >= 0) waiters.splice(i, 1);
          reject(signal?.reason);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        waiters.push(waiter);
      });
    },
  };
}
