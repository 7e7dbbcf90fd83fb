import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql 16 ships both index.mjs ("module") and index.js ("main"). Node, and so every
    // dependency vitest leaves to Node (Pothos, Yoga), loads index.js; vite would give our own
    // files index.mjs, and two copies of graphql break instanceof checks. Use the one Node uses.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    // tools/ (benchmarks, load test, build) is a package of its own; its few unit tests run here,
    // and so do the dashboard's tests of plain logic (client/src/lib).
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', '../tools/src/**/*.test.ts', '../client/src/lib/**/*.test.ts'],
    // Whole-stack tests start servers, workers and Chromium: give them room on a 2-core box.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    globalSetup: ['test/global-setup.ts'],
  },
});
