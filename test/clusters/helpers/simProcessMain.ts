/**
 * Child-process entry: starts `count` simulated clusters (src/sim) and talks
 * to the parent over IPC, so that load tests measure kubeatlas's event loop,
 * not the simulators'. Parent → { type: 'requests' } asks for the number of
 * /version requests served; → { type: 'close' } stops. Child → { type:
 * 'ready', clusters } and { type: 'requests', versionRequests }.
 */
import { startSimCluster } from '../../../src/sim/cluster.js';
import type { SimCluster } from '../../../src/sim/types.js';

const count = Number(process.argv[2] ?? '1');
const sims: SimCluster[] = [];
for (let i = 0; i < count; i++) sims.push(await startSimCluster({ name: `child-${i}`, objects: 0 }));
process.send?.({ type: 'ready', clusters: sims.map((s) => ({ url: s.url, caPem: s.ca.certPem, adminToken: s.adminToken })) });
process.on('message', (m: { type: string }) => {
  if (m.type === 'requests') process.send?.({ type: 'requests', versionRequests: sims.reduce((n, s) => n + s.requests().filter((r) => r.path === '/version').length, 0) });
  if (m.type === 'close') void Promise.all(sims.map((s) => s.close())).then(() => process.exit(0));
});
process.on('disconnect', () => process.exit(0));
