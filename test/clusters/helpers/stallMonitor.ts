import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const MAIN_THREAD_SCHEDSTAT = `/proc/self/task/${process.pid}/schedstat`;

/**
 * CPU time of the main thread alone in ms (Linux schedstat: GC helper and
 * libuv threads excluded), else the whole process's.
 */
function mainThreadCpuMs(): number {
  try {
    return Number(readFileSync(MAIN_THREAD_SCHEDSTAT, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  }
}

/**
 * Measures event-loop stalls two ways: `monitorEventLoopDelay` (wall time:
 * includes the time the OS did not run us, which on a shared 2-core machine
 * can be hundreds of ms) and the CPU time the main thread used between two
 * consecutive 5 ms timer ticks (what our own synchronous work blocked; the
 * process's other threads, such as parallel GC, are not counted where Linux
 * tells them apart).
 * Assert on `maxCpuStallMs`; report both.
 */
export function startStallMonitor(): { stop(): { maxWallDelayMs: number; p99WallDelayMs: number; maxCpuStallMs: number } } {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  let lastWall = performance.now();
  let lastCpu = mainThreadCpuMs();
  let maxCpuStallMs = 0;
  const tick = setInterval(() => {
    const now = performance.now();
    const cpuNow = mainThreadCpuMs();
    const cpuMs = cpuNow - lastCpu;
    // Time between ticks beyond the 5 ms period that was spent running (not waiting to be scheduled).
    maxCpuStallMs = Math.max(maxCpuStallMs, Math.min(now - lastWall, cpuMs) - 5);
    lastWall = now;
    lastCpu = cpuNow;
  }, 5);
  return {
    stop() {
      clearInterval(tick);
      h.disable();
      return { maxWallDelayMs: h.max / 1e6, p99WallDelayMs: h.percentile(99) / 1e6, maxCpuStallMs };
    },
  };
}
