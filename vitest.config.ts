import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // integration tests start real containers; two cores, so keep files from fighting for them
    maxWorkers: 2,
  },
});
