/**
 * Child-process entry: starts `count` MiniApiServers and talks to the parent
 * over IPC, so that load tests measure kubeatlas's event loop, not the
 * servers'. Messages: parent → { type: 'requests' } asks for /version counts;
 * → { type: 'close' } stops. Child → { type: 'ready', servers } and
 * { type: 'requests', versionRequests }.
 */
import { startMiniApiServer, type MiniApiServer } from './miniApiServer.js';

const count = Number(process.argv[2] ?? '1');
const servers: MiniApiServer[] = [];
for (let i = 0; i < count; i++) servers.push(await startMiniApiServer({ name: `child-${i}` }));
process.send?.({ type: 'ready', servers: servers.map((s) => ({ url: s.url, caPem: s.ca.certPem, adminToken: s.adminToken })) });
process.on('message', (m: { type: string }) => {
  if (m.type === 'requests') process.send?.({ type: 'requests', versionRequests: servers.reduce((n, s) => n + s.requests().filter((r) => r.path === '/version').length, 0) });
  if (m.type === 'close') void Promise.all(servers.map((s) => s.close())).then(() => process.exit(0));
});
process.on('disconnect', () => process.exit(0));
