/**
 * A budget of synchronous work per turn of the event loop, shared by every
 * caller in the process. Work that arrives as many small async pieces (watch
 * stream chunks of hundreds of connections, each processed in the I/O
 * callback or microtask that delivered it) can otherwise hold the loop for
 * as long as there is data: timers, socket writes queued with setImmediate,
 * and other connections' I/O all wait. A caller asks `turnBudgetSpent()`
 * between pieces and, when it says so, awaits `nextTurn()` before the next
 * piece.
 *
 * A turn starts at the first call after the previous turn ended and ends at
 * the event loop's next check phase (setImmediate); the first call of a turn
 * always answers false, so every caller makes progress.
 */

/** Default budget: long enough that yielding costs nothing measurable, short enough for writes to leave promptly. */
export const TURN_BUDGET_MS = 10;

let turnStartedAt: number | undefined;

function endTurn(): void {
  turnStartedAt = undefined;
}

/** True when this turn of the event loop has run at least `budgetMs` since its first call. */
export function turnBudgetSpent(budgetMs: number = TURN_BUDGET_MS): boolean {
  const now = performance.now();
  if (turnStartedAt === undefined) {
    turnStartedAt = now;
    setImmediate(endTurn);
    return false;
  }
  return now - turnStartedAt >= budgetMs;
}

/** Resolves in a later turn of the event loop, after pending I/O, timers and earlier setImmediate callbacks. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
