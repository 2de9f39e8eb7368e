import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Integration tests start HTTPS servers, Redis and child processes; two cores.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
