import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * Measures event-loop stalls two ways: `monitorEventLoopDelay` (wall time:
 * includes the time the OS did not run us, which on a shared 2-core machine
 * can be hundreds of ms) and the CPU time this process used between two
 * consecutive 5 ms timer ticks (what our own synchronous work blocked).
 * Assert on `maxCpuStallMs`; report both.
 */
export function startStallMonitor(): { stop(): { maxWallDelayMs: number; p99WallDelayMs: number; maxCpuStallMs: number } } {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  let lastWall = performance.now();
  let lastCpu = process.cpuUsage();
  let maxCpuStallMs = 0;
  const tick = setInterval(() => {
    const now = performance.now();
    const cpu = process.cpuUsage(lastCpu);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    // Time between ticks beyond the 5 ms period that was spent running (not waiting to be scheduled).
    maxCpuStallMs = Math.max(maxCpuStallMs, Math.min(now - lastWall, cpuMs) - 5);
    lastWall = now;
    lastCpu = process.cpuUsage();
  }, 5);
  return {
    stop() {
      clearInterval(tick);
      h.disable();
      return { maxWallDelayMs: h.max / 1e6, p99WallDelayMs: h.percentile(99) / 1e6, maxCpuStallMs };
    },
  };
}
