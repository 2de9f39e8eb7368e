import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface RemoteSimCluster {
  url: string;
  caPem: string;
  adminToken: string;
}

/** Simulated clusters in a child process (see simProcessMain.ts). */
export interface SimProcess {
  clusters: RemoteSimCluster[];
  /** Total /version requests the simulated clusters have answered. */
  versionRequests(): Promise<number>;
  close(): Promise<void>;
}

export async function startSimProcess(count: number, timeoutMs = 30_000): Promise<SimProcess> {
  const child: ChildProcess = fork(fileURLToPath(new URL('./simProcessMain.ts', import.meta.url)), [String(count)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env: { ...process.env, KUBEATLAS_LOG_LEVEL: 'silent' },
  });
  const clusters = await new Promise<RemoteSimCluster[]>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('the simulator process did not start in time'));
    }, timeoutMs);
    child.once('exit', (code) => reject(new Error(`the simulator process exited with ${code}`)));
    child.on('message', (m: { type: string; clusters?: RemoteSimCluster[] }) => {
      if (m.type === 'ready' && m.clusters) {
        clearTimeout(timer);
        resolve(m.clusters);
      }
    });
  });
  return {
    clusters,
    versionRequests: () =>
      new Promise((resolve) => {
        const onMessage = (m: { type: string; versionRequests?: number }) => {
          if (m.type !== 'requests') return;
          child.off('message', onMessage);
          resolve(m.versionRequests ?? 0);
        };
        child.on('message', onMessage);
        child.send({ type: 'requests' });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.send({ type: 'close' });
      }),
  };
}
