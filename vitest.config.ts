import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // graphql 16 has no "exports" map: Node loads its CJS main while Vite would pick
    // the "module" (.mjs) build, giving two copies ("another module or realm").
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
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
