import { describe, expect, it } from 'vitest';
import { nextTurn, turnBudgetSpent } from '../../src/util/turnBudget.js';

function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

describe('turn budget', () => {
  it('is spent once a turn ran past the budget, for every caller, and renewed by the next turn', async () => {
    await nextTurn();
    expect(turnBudgetSpent(20)).toBe(false); // the first call of a turn starts it
    busy(5);
    expect(turnBudgetSpent(20)).toBe(false);
    busy(20);
    expect(turnBudgetSpent(20)).toBe(true);
    // still the same turn across microtasks (another caller's view is the same)
    await Promise.resolve();
    expect(turnBudgetSpent(20)).toBe(true);
    await nextTurn();
    expect(turnBudgetSpent(20)).toBe(false);
  });

  it('lets a timer and queued setImmediate work run between the pieces of a long job', async () => {
    const order: string[] = [];
    setImmediate(() => order.push('write'));
    const job = (async () => {
      for (let piece = 0; piece < 6; piece++) {
        busy(4);
        order.push(`piece ${piece}`);
        if (turnBudgetSpent(10)) await nextTurn();
      }
    })();
    await job;
    // the job ran in more than one turn, and the queued write went out before it finished
    expect(order.indexOf('write')).toBeGreaterThan(0);
    expect(order.indexOf('write')).toBeLessThan(order.length - 1);
  });
});
