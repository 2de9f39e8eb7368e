import { createServer } from 'node:net';

/**
 * A TCP port that was free a moment ago on 127.0.0.1, for a server a test
 * starts later on a fixed port (or for a port that must stay closed). Taken
 * below the kernel's ephemeral range so that servers other test files open
 * on port 0 meanwhile cannot grab it.
 */
export async function freePort(): Promise<number> {
  return freeConsecutivePorts(1);
}

/**
 * `count` consecutive free ports (for programs that take a base port and use
 * the next ones too). Chosen below the kernel's ephemeral range (32768+), so
 * that servers other tests open on port 0 cannot take them in the meantime.
 */
export async function freeConsecutivePorts(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * (12_000 - count));
    const free = await Promise.all(Array.from({ length: count }, (_, i) => isFree(base + i)));
    if (free.every(Boolean)) return base;
  }
  throw new Error(`no ${count} consecutive free ports found`);
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}
