import { readFileSync } from 'node:fs';
import type { ProcessUsage } from './simTypes.js';

/**
 * CPU time (all threads), time the main (JavaScript) thread spent runnable
 * but waiting for a CPU, and RSS of this process. The wait comes from
 * /proc/self/schedstat (second field, ns; 0 where /proc is unavailable): on
 * a shared machine it tells "kubeatlas was slow" apart from "kubeatlas did
 * not get a CPU".
 */
export function processUsage(): ProcessUsage {
  const cpu = process.cpuUsage();
  return { cpuMs: (cpu.user + cpu.system) / 1000, runQueueMs: mainThreadRunQueueMs(), rss: process.memoryUsage().rss, pid: process.pid };
}

function mainThreadRunQueueMs(): number {
  try {
    return (Number(readFileSync('/proc/self/schedstat', 'utf8').split(' ')[1]) || 0) / 1e6;
  } catch {
    return 0;
  }
}
