import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface RemoteMiniServer {
  url: string;
  caPem: string;
  adminToken: string;
}

/** MiniApiServers in a child process (see miniApiServerMain.ts). */
export interface MiniApiServerProcess {
  servers: RemoteMiniServer[];
  /** Total /version requests the servers have answered. */
  versionRequests(): Promise<number>;
  close(): Promise<void>;
}

export async function startMiniApiServerProcess(count: number, timeoutMs = 20_000): Promise<MiniApiServerProcess> {
  const child: ChildProcess = fork(fileURLToPath(new URL('./miniApiServerMain.ts', import.meta.url)), [String(count)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env: { ...process.env, KUBEATLAS_LOG_LEVEL: 'silent' },
  });
  const servers = await new Promise<RemoteMiniServer[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('mini API server process did not start')), timeoutMs);
    child.once('exit', (code) => reject(new Error(`mini API server process exited with ${code}`)));
    child.on('message', (m: { type: string; servers?: RemoteMiniServer[] }) => {
      if (m.type === 'ready' && m.servers) {
        clearTimeout(timer);
        resolve(m.servers);
      }
    });
  });
  return {
    servers,
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
