import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterRegistry } from '../../src/clusters/registry.js';
import { StateFilePersistence } from '../../src/clusters/stateFilePersistence.js';
import { loadConfig } from '../../src/config/index.js';
import { startSimProcess, type SimProcess } from './helpers/simProcess.js';
import { startStallMonitor } from './helpers/stallMonitor.js';
import { waitFor } from './helpers/waitFor.js';

const N = 300;
const dir = mkdtempSync(join(tmpdir(), 'kubeatlas-burst-'));
// The simulated clusters run in a child process: the event-loop delay measured is kubeatlas's own.
let child: SimProcess;

beforeAll(async () => {
  child = await startSimProcess(3);
});
afterAll(async () => {
  await child?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a burst of runtime adds', () => {
  it(`adds ${N} clusters at once without stalling the event loop; all connect and persist`, async () => {
    const config = loadConfig({ argv: ['--state-file', 'state.json'], env: {}, cwd: dir });
    const reg = new ClusterRegistry({ config, persistence: new StateFilePersistence({ path: config.stateFile }), health: { intervalMs: 60_000 } });
    await reg.start();
    const monitor = startStallMonitor();
    let stopped = false;
    try {
      const t0 = performance.now();
      const added = await Promise.all(
        Array.from({ length: N }, (_, i) => {
          const api = child.clusters[i % child.clusters.length];
          return reg.add({ clusterId: `burst-${String(i).padStart(3, '0')}`, authMethod: 'TOKEN', server: api.url, token: api.adminToken, tls: { caData: api.caPem } });
        }),
      );
      const addMs = performance.now() - t0;
      expect(added).toHaveLength(N);
      await waitFor(() => reg.list().every((c) => c.info().status === 'SYNCING'), `all ${N} clusters to connect`, 30_000, 50);
      const connectMs = performance.now() - t0;
      const m = monitor.stop();
      stopped = true;
      console.log(
        `burst: ${N} adds in ${addMs.toFixed(0)} ms, all connected after ${connectMs.toFixed(0)} ms; event-loop delay max ${m.maxWallDelayMs.toFixed(1)} ms (p99 ${m.p99WallDelayMs.toFixed(1)} ms), longest CPU-bound stall ${m.maxCpuStallMs.toFixed(1)} ms`,
      );
      expect(m.maxCpuStallMs).toBeLessThan(150);
      expect(reg.list().every((c) => c.info().version === 'v1.28.7')).toBe(true);
      const saved = JSON.parse(readFileSync(config.stateFile, 'utf8')) as { clusters: unknown[] };
      expect(saved.clusters).toHaveLength(N);
      expect(await child.versionRequests()).toBe(N);
    } finally {
      if (!stopped) monitor.stop();
      const t1 = performance.now();
      await reg.close();
      expect(performance.now() - t1).toBeLessThan(5_000);
    }
  }, 45_000);
});
