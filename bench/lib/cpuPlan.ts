import { execFileSync } from 'node:child_process';
import { canPin } from './children.js';
import type { CpuPlan } from '../scenarios/types.js';

/** CPUs this process may run on, from its affinity mask ("0-1,4" -> [0, 1, 4]). */
function usableCpus(): number[] {
  try {
    const out = execFileSync('taskset', ['-cp', String(process.pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5_000 });
    const list = out.split(':').pop()!.trim();
    const cpus: number[] = [];
    for (const part of list.split(',')) {
      const [a, b] = part.split('-').map(Number);
      for (let c = a; c <= (b ?? a); c++) cpus.push(c);
    }
    return cpus.filter((c) => Number.isInteger(c));
  } catch {
    return [];
  }
}

/**
 * Splits the machine between the side under measurement and everything else:
 * kubeatlas (and each peer, in turn) on the first usable CPU, simulators and
 * load clients on the others. Without taskset, with one CPU, or with --no-pin,
 * nothing is pinned and the report says so.
 */
export function planCpus(pin: boolean): CpuPlan {
  const cpus = usableCpus();
  if (!pin) return { subject: undefined, others: undefined, description: 'not pinned (--no-pin): the OS schedules every process on any CPU' };
  if (!canPin() || cpus.length < 2) {
    return { subject: undefined, others: undefined, description: `not pinned (${cpus.length < 2 ? `${cpus.length || 'unknown'} usable CPU(s)` : 'taskset unavailable'}): the OS schedules every process on any CPU` };
  }
  const subject = String(cpus[0]);
  const others = cpus.slice(1).join(',');
  return {
    subject,
    others,
    description: `kubeatlas and each peer (makeInformer, JSON.parse) pinned to CPU ${subject}; simulated apiservers and load clients pinned to CPU ${others} (taskset; simulators seed on all CPUs first). Other processes on the machine are not confined, so each side's CPU time is reported too.`,
  };
}
