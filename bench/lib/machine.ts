import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, hostname, totalmem, release, platform, loadavg } from 'node:os';

/** What a result row was measured on: machine, runtime and code revision. */
export interface MachineInfo {
  cpuModel: string;
  /** Logical CPUs the OS reports. */
  cores: number;
  /** CPUs this process may run on (affinity mask / cgroup cpuset), when known. */
  usableCpus: string | undefined;
  /** cgroup CPU quota ("max" = none), when known. */
  cpuQuota: string | undefined;
  ramGb: number;
  platform: string;
  kernel: string;
  hostname: string;
  node: string;
  v8: string;
  /** 1-minute load average when the run started (a busy machine shows here). */
  loadAverage1m: number;
  git: { commit: string; branch: string; dirty: boolean; dirtyFiles: number };
}

function run(cmd: string, args: string[]): string | undefined {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5_000 }).trim();
  } catch {
    return undefined;
  }
}

function readTrim(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  const affinity = run('taskset', ['-cp', String(process.pid)])?.split(':').pop()?.trim();
  const porcelain = run('git', ['status', '--porcelain']) ?? '';
  const dirtyFiles = porcelain ? porcelain.split('\n').filter(Boolean).length : 0;
  return {
    cpuModel: list[0]?.model?.trim() ?? 'unknown',
    cores: list.length,
    usableCpus: affinity ?? readTrim('/sys/fs/cgroup/cpuset.cpus.effective'),
    cpuQuota: readTrim('/sys/fs/cgroup/cpu.max'),
    ramGb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    platform: platform(),
    kernel: release(),
    hostname: hostname(),
    node: process.version,
    v8: process.versions.v8,
    loadAverage1m: Math.round(loadavg()[0] * 100) / 100,
    git: {
      commit: run('git', ['rev-parse', 'HEAD']) ?? 'unknown',
      branch: run('git', ['rev-parse', '--abbrev-ref', 'HEAD']) ?? 'unknown',
      dirty: dirtyFiles > 0,
      dirtyFiles,
    },
  };
}

/** One line for the header of the table. */
export function describeMachine(m: MachineInfo): string {
  return [
    `${m.cpuModel}, ${m.cores} logical CPUs${m.usableCpus ? ` (usable: ${m.usableCpus})` : ''}${m.cpuQuota && m.cpuQuota !== 'max 100000' ? `, cgroup cpu.max ${m.cpuQuota}` : ''}, ${m.ramGb} GB RAM`,
    `${m.platform} ${m.kernel}, Node ${m.node} (V8 ${m.v8}), load average ${m.loadAverage1m} at start`,
    `commit ${m.git.commit.slice(0, 12)} (${m.git.branch})${m.git.dirty ? `, working tree dirty: ${m.git.dirtyFiles} changed files` : ', clean'}`,
  ].join('\n');
}
