import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isChildMessage, type ReplyMessage } from './rpcProtocol.js';

/**
 * Child processes of a bench run, with guaranteed cleanup: every child is
 * the leader of its own process group and is tracked here; `stopAll` asks
 * each to stop (SIGTERM to the group), then SIGKILLs what is left after a
 * deadline; a synchronous 'exit' hook SIGKILLs anything still alive, and
 * `installCleanup` wires SIGINT/SIGTERM/uncaught errors to `stopAll`. A child
 * started with an IPC channel also exits by itself when the orchestrator
 * disappears (see rpcServer.ts).
 */

export interface SpawnOptions {
  /** Shown in errors and in the report ("kubeatlas", "sim-a"...). */
  name: string;
  /** A TypeScript file run with the tsx loader, or any executable when `raw` is set. */
  script: string;
  args?: string[];
  /** CPUs for taskset -c ("0", "1", "0,1"); undefined = no pinning. */
  cpus?: string;
  /** V8 old-space limit in MB. */
  heapMb?: number;
  /** Pass --expose-gc (for settled memory figures). */
  exposeGc?: boolean;
  /** More node flags (e.g. --cpu-prof while investigating). */
  nodeArgs?: string[];
  env?: Record<string, string>;
  /** Deadline for the child's 'ready' message (tsx compiles on start). */
  readyTimeoutMs?: number;
  cwd?: string;
}

export interface BenchChild {
  readonly name: string;
  readonly pid: number;
  readonly cpus: string | undefined;
  /** Calls a method of the child (its rpcServer handlers); rejects after `timeoutMs` or if the child dies. */
  call<T>(method: string, params?: unknown, timeoutMs?: number): Promise<T>;
  /** Asks the child to exit, then SIGTERM, then SIGKILL its process group; resolves once it is gone. */
  stop(graceMs?: number): Promise<void>;
  /** Last lines of its stderr (for error messages). */
  stderrTail(): string;
  readonly exited: Promise<number | null>;
}

/**
 * Environment of every child: quiet logs, and NODE_ENV=production as
 * deploy/Dockerfile sets it (graphql-js, for one, skips development-only
 * checks then). Either can be overridden from the caller's environment.
 */
export function benchChildEnv(): Record<string, string> {
  return { KUBEATLAS_LOG_LEVEL: process.env.KUBEATLAS_LOG_LEVEL ?? 'error', NODE_ENV: process.env.NODE_ENV ?? 'production' };
}

const live = new Set<{ child: ChildProcess; name: string }>();
let cleanupInstalled = false;

const TSX_IMPORT = import.meta.resolve('tsx');

let tasksetChecked: boolean | undefined;
/** Whether `taskset -c` works here (util-linux installed, affinity changes allowed). */
export function canPin(): boolean {
  if (tasksetChecked === undefined) {
    const r = spawnSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore', timeout: 5_000 });
    tasksetChecked = r.status === 0;
  }
  return tasksetChecked;
}

/**
 * Moves a running child (every thread of it) to `cpus` — used to let the
 * simulators seed on every core, then confine them before measuring.
 */
export function repin(child: BenchChild, cpus: string | undefined): void {
  if (cpus === undefined) return;
  const r = spawnSync('taskset', ['-a', '-p', '-c', cpus, String(child.pid)], { stdio: 'ignore', timeout: 5_000 });
  if (r.status !== 0) throw new Error(`taskset could not move ${child.name} (pid ${child.pid}) to CPU ${cpus}`);
}

function tail(buf: string[], chunk: string): void {
  buf.push(chunk);
  let size = buf.reduce((n, s) => n + s.length, 0);
  while (size > 8_000 && buf.length > 1) size -= buf.shift()!.length;
}

/** Starts a TypeScript child with an IPC channel and waits for its 'ready' message. */
export async function spawnChild(opts: SpawnOptions): Promise<BenchChild> {
  const nodeArgs = ['--import', TSX_IMPORT];
  if (opts.exposeGc) nodeArgs.push('--expose-gc');
  if (opts.heapMb) nodeArgs.push(`--max-old-space-size=${opts.heapMb}`);
  nodeArgs.push(...(opts.nodeArgs ?? []));
  const scriptPath = opts.script.startsWith('file:') ? fileURLToPath(opts.script) : opts.script;
  const argv = [...nodeArgs, scriptPath, ...(opts.args ?? [])];
  const [command, args] = opts.cpus !== undefined ? ['taskset', ['-c', opts.cpus, process.execPath, ...argv]] : [process.execPath, argv];
  const child = spawn(command, args, {
    cwd: opts.cwd,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    serialization: 'advanced',
    env: { ...process.env, ...benchChildEnv(), ...(opts.env ?? {}) },
  });
  const entry = { child, name: opts.name };
  live.add(entry);
  const stderr: string[] = [];
  child.stderr?.setEncoding('utf8').on('data', (s: string) => tail(stderr, s));
  child.stdout?.setEncoding('utf8').on('data', (s: string) => tail(stderr, s));
  // BENCH_CHILD_OUTPUT_DIR: keep each child's whole output (e.g. with BENCH_KUBEATLAS_NODE_ARGS=--trace-gc) in DIR/NAME.log
  const outputDir = process.env.BENCH_CHILD_OUTPUT_DIR;
  if (outputDir) {
    mkdirSync(outputDir, { recursive: true });
    const file = createWriteStream(join(outputDir, `${opts.name}.log`), { flags: 'a' });
    child.stdout?.on('data', (s: string) => file.write(s));
    child.stderr?.on('data', (s: string) => file.write(s));
    child.once('exit', () => file.end());
  }
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(entry);
      for (const p of pending.values()) p.reject(new Error(`${opts.name} exited (${signal ?? code}) during ${p.method}: ${stderr.join('').trim().slice(-2_000)}`));
      pending.clear();
      resolve(code ?? (signal ? 128 : null));
    });
  });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; method: string }>();
  let nextId = 1;
  let readyResolve!: () => void;
  const ready = new Promise<void>((r) => (readyResolve = r));
  child.on('message', (m: unknown) => {
    if (!isChildMessage(m)) return;
    if (m.kind === 'ready') return readyResolve();
    const p = pending.get((m as ReplyMessage).id);
    if (!p) return;
    pending.delete(m.id);
    if (m.ok) p.resolve(m.result);
    else p.reject(new Error(`${opts.name}.${p.method}: ${m.error}`));
  });
  child.on('error', () => {}); // spawn failures surface through 'exit'

  const stop = async (graceMs = 5_000): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    if (child.connected) child.send({ kind: 'call', id: 0, method: 'exit', params: null }, () => {});
    const timer = setTimeout(() => signalGroup(child, 'SIGTERM'), Math.min(1_500, graceMs / 2));
    const killer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
    clearTimeout(killer);
    signalGroup(child, 'SIGKILL'); // anything the child left in its group
  };

  const readyTimeout = opts.readyTimeoutMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    ready.then(() => 'ready' as const),
    exited.then(() => 'exited' as const),
    new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), readyTimeout))),
  ]);
  clearTimeout(timer);
  if (outcome !== 'ready') {
    await stop(1_000);
    throw new Error(`${opts.name} did not start (${outcome === 'timeout' ? `no ready message within ${readyTimeout} ms` : 'exited'}): ${stderr.join('').trim().slice(-2_000)}`);
  }

  return {
    name: opts.name,
    pid: child.pid!,
    cpus: opts.cpus,
    exited,
    stderrTail: () => stderr.join('').trim().slice(-2_000),
    stop,
    call<T>(method: string, params?: unknown, timeoutMs = 120_000): Promise<T> {
      if (!child.connected) return Promise.reject(new Error(`${opts.name} is not running (calling ${method})`));
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        const t = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${opts.name}.${method} did not answer within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, {
          method,
          resolve: (v) => {
            clearTimeout(t);
            resolve(v as T);
          },
          reject: (e) => {
            clearTimeout(t);
            reject(e);
          },
        });
        child.send({ kind: 'call', id, method, params: params ?? null }, (err) => {
          if (err && pending.delete(id)) {
            clearTimeout(t);
            reject(new Error(`${opts.name}.${method}: cannot send: ${err.message}`));
          }
        });
      });
    },
  };
}

/**
 * Runs a program (not a bench child: no IPC) in its own process group with
 * a deadline, tracked for cleanup like the others; resolves with its exit
 * code and output.
 */
export function runProgram(opts: { name: string; command: string; args: string[]; cpus?: string; timeoutMs: number; env?: Record<string, string>; cwd?: string }): Promise<{ code: number | null; stdout: string; stderr: string; timedOut: boolean }> {
  const [command, args] = opts.cpus !== undefined ? ['taskset', ['-c', opts.cpus, opts.command, ...opts.args]] : [opts.command, opts.args];
  const child = spawn(command, args, { cwd: opts.cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...benchChildEnv(), ...(opts.env ?? {}) } });
  const entry = { child, name: opts.name };
  live.add(entry);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr = (stderr + s).slice(-20_000)));
  child.on('error', (e) => (stderr += `\n${e.message}`));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    signalGroup(child, 'SIGTERM');
    setTimeout(() => signalGroup(child, 'SIGKILL'), 5_000).unref();
  }, opts.timeoutMs);
  return new Promise((resolve) => {
    child.once('close', (code) => {
      clearTimeout(timer);
      live.delete(entry);
      signalGroup(child, 'SIGKILL');
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is gone
  }
}

/** Stops every live child: SIGTERM to each group, SIGKILL after `graceMs`. */
export async function stopAll(graceMs = 4_000): Promise<void> {
  const all = [...live];
  if (all.length === 0) return;
  await Promise.all(
    all.map(
      ({ child }) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const killer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
          child.once('exit', () => {
            clearTimeout(killer);
            signalGroup(child, 'SIGKILL');
            resolve();
          });
          signalGroup(child, 'SIGTERM');
        }),
    ),
  );
}

/** Names of the children still running (for a final check). */
export function liveChildren(): string[] {
  return [...live].map((e) => `${e.name} (pid ${e.child.pid})`);
}

/**
 * Makes the orchestrator clean up on every way out: Ctrl-C / SIGTERM stop the
 * children then exit (130 / 143), an uncaught error stops them then exits 1,
 * and process exit SIGKILLs whatever is left.
 */
export function installCleanup(onSignal?: (signal: string) => void): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  let stopping = false;
  const bail = (code: number, why: string): void => {
    if (stopping) {
      for (const { child } of live) signalGroup(child, 'SIGKILL');
      process.exit(code);
    }
    stopping = true;
    onSignal?.(why);
    const force = setTimeout(() => process.exit(code), 8_000);
    force.unref();
    void stopAll().finally(() => process.exit(code));
  };
  process.on('SIGINT', () => bail(130, 'SIGINT'));
  process.on('SIGTERM', () => bail(143, 'SIGTERM'));
  process.on('SIGHUP', () => bail(129, 'SIGHUP'));
  process.on('uncaughtException', (e) => {
    process.stderr.write(`bench: uncaught error: ${e.stack ?? String(e)}\n`);
    bail(1, 'uncaught error');
  });
  process.on('unhandledRejection', (e) => {
    process.stderr.write(`bench: unhandled rejection: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    bail(1, 'unhandled rejection');
  });
  process.on('exit', () => {
    for (const { child } of live) signalGroup(child, 'SIGKILL');
  });
}
