import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runProgram } from '../lib/children.js';
import * as f from '../lib/format.js';
import type { Scenario, ScenarioOutcome } from './types.js';
import { SkipScenario } from './types.js';

/**
 * Scenario 6 — warm restart from the Redis L2 vs a cold sync, measured by
 * the cache module's own script, bench/warmRestart.ts (it owns the details:
 * a private redis-server, the simulated cluster in a child process,
 * kubeatlas in its main process, a cold sync with empty Redis, then a
 * restart that must transfer no state). This scenario runs it as a separate
 * program with `--objects N --warm-repeats K --json` and reads the JSON summary on its last
 * line. It skips (with the reason) when the script or redis-server is
 * missing.
 */

const SCRIPT = fileURLToPath(new URL('../warmRestart.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../..', import.meta.url));

interface WarmSummary {
  objects: number;
  runs: number;
  coldSeconds: number;
  warmSeconds: number;
  warmToColdRatio: number;
  snapshotWriteSeconds: number;
  coldStateTransfers: number;
  warmStateTransfers: number;
  warmWatches: number;
}

function isSummary(x: unknown): x is WarmSummary {
  const s = x as Partial<WarmSummary> | null;
  return typeof s === 'object' && s !== null && typeof s.coldSeconds === 'number' && typeof s.warmSeconds === 'number';
}

export const warmRestart: Scenario = {
  name: 'warm',
  n: 6,
  title: 'Warm restart from the Redis L2 vs cold sync',
  usesFleet: false,
  async run(ctx): Promise<ScenarioOutcome> {
    if (!existsSync(SCRIPT)) throw new SkipScenario('bench/warmRestart.ts is not in this tree');
    if (spawnSync('redis-server', ['--version'], { stdio: 'ignore', timeout: 5_000 }).status !== 0) throw new SkipScenario('redis-server is not installed');
    const objects = ctx.params.warmObjects;
    ctx.log(`warm: bench/warmRestart.ts --objects ${objects} (cold sync, then restart from Redis)`);
    // Cold sync + warm restart of 5k objects take well under a minute; --quick must stay under 3 minutes.
    const timeoutMs = ctx.params.mode === 'quick' ? 90_000 : 300_000 + objects * 6;
    // the warm figure is the median of 3 restarts after the cold sync (one in --quick)
    const warmRepeats = ctx.params.mode === 'quick' ? 1 : 3;
    const r = await runProgram({
      name: 'warmRestart.ts',
      command: process.execPath,
      args: ['--import', import.meta.resolve('tsx'), SCRIPT, '--objects', String(objects), '--warm-repeats', String(warmRepeats), '--json'],
      timeoutMs,
      cwd: REPO,
    });
    const last = r.stdout.trim().split('\n').reverse().find((l) => l.startsWith('{'));
    let summary: unknown;
    try {
      summary = last ? JSON.parse(last) : undefined;
    } catch {
      summary = undefined;
    }
    if (r.timedOut) throw new Error(`bench/warmRestart.ts did not finish within ${timeoutMs} ms`);
    if (r.code !== 0 || !isSummary(summary)) throw new Error(`bench/warmRestart.ts exited ${r.code}${isSummary(summary) ? '' : ' without a JSON summary'}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    const s = summary;
    return {
      rows: [
        {
          n: 6,
          scenario: 'Warm restart',
          case: `1 cluster, ${f.int(s.objects)} objects, Redis L2`,
          kubeatlas: `warm restart to READY in ${f.seconds(s.warmSeconds)}${warmRepeats > 1 ? ` (median of ${warmRepeats})` : ''}; ${s.warmStateTransfers} LIST/WatchList requests, ${s.warmWatches} WATCHes; ${s.snapshotWriteSeconds > 0 ? `snapshot complete in Redis ${f.seconds(s.snapshotWriteSeconds)} after the cold READY` : 'snapshot already complete in Redis at the cold READY'}`,
          peer: `cold sync (empty Redis): ${f.seconds(s.coldSeconds)}; ${s.coldStateTransfers} LIST/WatchList requests`,
          ratio: `warm / cold ${f.ratio(s.warmToColdRatio)}`,
        },
      ],
      data: { ...s, script: 'bench/warmRestart.ts', pinned: false },
    };
  },
};
