import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { freeConsecutivePorts, freePort } from '../helpers/ports.js';

/** `npm run sim` as a user (or the benchmark) runs it: a child process, its files, its signals and exit codes. */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'src/sim/cli.ts');
const dir = mkdtempSync(join(tmpdir(), 'sim-cli-'));
const children: ChildProcess[] = [];

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; at: number }>;
}

function runCli(args: string[]): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, env: { ...process.env, KUBEATLAS_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<{ code: number | null; at: number }>((resolve) => child.on('exit', (code) => resolve({ code, at: Date.now() })));
  return { child, stdout: () => out, stderr: () => err, exited };
}

async function waitFor(check: () => boolean, timeoutMs: number, what: string, run?: Run): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (run && run.child.exitCode !== null) throw new Error(`cli exited (${run.child.exitCode}) while waiting for ${what}: ${run.stderr()}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function exitWithin(run: Run, ms: number): Promise<{ code: number | null; at: number }> {
  const timer = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`cli did not exit within ${ms} ms`)), ms).unref());
  return Promise.race([run.exited, timer]);
}

const hasKubectl = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;

describe('npm run sim', () => {
  it('starts the clusters, writes the kubeconfig and ready file, serves kubectl, and stops on SIGTERM within 5 s', async () => {
    const port = await freeConsecutivePorts(2);
    const kubeconfig = join(dir, 'sim.kubeconfig');
    const ready = join(dir, 'ready.json');
    const run = runCli(['--clusters', '2', '--objects', '400', '--port', String(port), '--kubeconfig-out', kubeconfig, '--ready-file', ready, '--churn', '5', '--seed', '3']);
    await waitFor(() => existsSync(ready), 60_000, 'ready file', run);
    const doc = JSON.parse(readFileSync(ready, 'utf8')) as { ca: string; kubeconfig: string; clusters: Array<{ name: string; url: string; token: string; port: number }> };
    expect(doc.clusters.map((c) => c.name)).toEqual(['sim-1', 'sim-2']);
    expect(doc.clusters.map((c) => c.port)).toEqual([port, port + 1]);
    expect(statSync(ready).mode & 0o777).toBe(0o600);
    expect(statSync(kubeconfig).mode & 0o777).toBe(0o600);
    await waitFor(() => run.stdout().includes('try: kubectl'), 10_000, 'summary', run);
    for (const c of doc.clusters) expect(run.stdout()).toMatch(new RegExp(`${c.name}\\s+${c.url.replace(/[.]/g, '\\.')}\\s+\\d+ objects`));
    expect(run.stdout()).toContain(`kubectl --kubeconfig ${kubeconfig} --context sim-1 get pods -A`);
    // A real HTTPS client with the CA and token from the ready file.
    const agent = new Agent({ connect: { ca: doc.ca } });
    try {
      for (const c of doc.clusters) {
        const res = await request(`${c.url}/api/v1/nodes`, { dispatcher: agent, headers: { authorization: `Bearer ${c.token}` }, signal: AbortSignal.timeout(15_000) });
        expect(res.statusCode).toBe(200);
        expect(((await res.body.json()) as { items: unknown[] }).items.length).toBeGreaterThanOrEqual(3);
      }
    } finally {
      await agent.close();
    }
    if (hasKubectl) {
      const k = spawnSync('kubectl', ['--kubeconfig', kubeconfig, '--context', 'sim-2', 'get', 'pods', '-A'], { encoding: 'utf8', timeout: 60_000 });
      expect(k.status, k.stderr).toBe(0);
      expect(k.stdout.split('\n')[0]).toMatch(/^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE/);
      expect(k.stdout).toMatch(/\nkube-system\s+coredns-\S+\s+1\/1\s+Running/);
    } else {
      console.info('kubectl not on PATH: skipped the kubectl check');
    }
    const sent = Date.now();
    run.child.kill('SIGTERM');
    const { code, at } = await exitWithin(run, 5000);
    expect(code).toBe(0);
    expect(at - sent).toBeLessThan(5000);
    expect(run.stderr()).not.toMatch(/error/i);
  }, 120_000);

  it('rejects bad flags with exit code 2 and says which', async () => {
    const cases = [
      [['--clusters', 'two'], '--clusters must be an integer'],
      [['--objects=-5'], '--objects must be from 0'],
      [['--churn', 'fast'], '--churn must be a number'],
      [['--bogus'], "Unknown option '--bogus'"],
    ] as const;
    await Promise.all(
      cases.map(async ([args, message]) => {
        const run = runCli([...args]);
        const { code } = await exitWithin(run, 30_000);
        expect(code, args.join(' ')).toBe(2);
        expect(run.stderr()).toContain(message);
        expect(run.stderr()).toContain('Usage: npm run sim');
      }),
    );
  }, 120_000);

  it('exits 1 naming the port when it is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const taken = (blocker.address() as { port: number }).port;
    try {
      const run = runCli(['--port', String(taken), '--objects', '100', '--kubeconfig-out', join(dir, 'never.kubeconfig')]);
      const { code } = await exitWithin(run, 30_000);
      expect(code).toBe(1);
      expect(run.stderr()).toContain(`port ${taken} is already in use`);
      expect(existsSync(join(dir, 'never.kubeconfig'))).toBe(false);
    } finally {
      blocker.close();
    }
  }, 60_000);
});
