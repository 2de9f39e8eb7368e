import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.js';
import { waitUntil } from '../helpers/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'kubeatlas-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Process {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

/** Starts `kubeatlas` (src/main.ts through tsx) in `dir`, as a user would. */
function start(args: string[], env: Record<string, string> = {}): Process {
  // tsx is resolved from the project, since the process runs in a scratch directory.
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const child = spawn(process.execPath, ['--import', tsx, join(process.cwd(), 'src/main.ts'), ...args], {
    cwd: dir,
    env: { ...process.env, KUBEATLAS_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

async function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = start(args, env);
  const timer = setTimeout(() => p.child.kill('SIGKILL'), 40_000);
  const code = await p.exited;
  clearTimeout(timer);
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

describe('the kubeatlas command', () => {
  it('exits 2 with one line naming an unknown config key, without echoing secrets', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'port: 4000\nclusters:\n  - clusterId: a\n    authMethod: TOKEN\n    server: https://127.0.0.1:1\n    token: s3cr3t-value\n    tokn: typo\n');
    const r = await run(['--config', file]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('clusters[0].tokn');
    expect(r.stderr).not.toContain('s3cr3t-value');
  });

  it('exits 2 naming an invalid value from the environment', async () => {
    const r = await run([], { KUBEATLAS_PORT: 'eighty' });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('KUBEATLAS_PORT');
  });

  it('says clearly that the port is taken, and exits 1', async () => {
    const blocker = createServer();
    const port = await freePort();
    await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', r));
    try {
      const r = await run(['--port', String(port), '--no-demo']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
    } finally {
      blocker.close();
    }
  });

  it('prints --help and exits 0', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--config');
  });

  it('runs the demo with no configuration: three READY clusters, a kubeconfig for kubectl, and a clean stop within 5 s on SIGTERM', async () => {
    const port = await freePort();
    const p = start(['--port', String(port)]);
    try {
      const t0 = Date.now();
      const body = await waitUntil(
        async () => {
          const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ query: '{ clusters { clusterId status version } }' }),
          });
          const b = (await res.json()) as { data: { clusters: Array<{ clusterId: string; status: string; version: string }> } };
          return b.data.clusters.length === 3 && b.data.clusters.every((c) => c.status === 'READY') ? b : undefined;
        },
        'three demo clusters READY',
        45_000,
        250,
      );
      console.info(`demo READY ${Date.now() - t0} ms after start`);
      expect(body.data.clusters.map((c) => c.clusterId)).toEqual(['demo-eu', 'demo-staging', 'demo-us']);
      expect(body.data.clusters.every((c) => c.version === 'v1.28.7')).toBe(true);
      expect(p.stdout()).toContain('.kubeatlas/demo.kubeconfig');
      expect(existsSync(join(dir, '.kubeatlas', 'demo.kubeconfig'))).toBe(true);
      const stopAt = Date.now();
      p.child.kill('SIGTERM');
      const code = await p.exited;
      expect(code).toBe(0);
      expect(Date.now() - stopAt).toBeLessThan(5_000);
    } finally {
      p.child.kill('SIGKILL');
    }
  }, 90_000);
});
