/** A running V8 CPU profile of this process. */
export interface RunningProfile {
  /** Stops the profile and returns it as .cpuprofile JSON (open in Chrome DevTools, or bench/profileSummary.ts). */
  stop(): Promise<string>;
}

/** Starts a V8 CPU profile of this process (sampling every 500 µs) through the inspector. */
export async function startProfile(): Promise<RunningProfile> {
  const { Session } = await import('node:inspector');
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) => session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res))));
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 500 });
  await post('Profiler.start');
  return {
    stop: async () => {
      const { profile } = (await post('Profiler.stop')) as { profile: unknown };
      session.disconnect();
      return JSON.stringify(profile);
    },
  };
}
