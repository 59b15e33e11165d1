import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'test/**/*.test.ts',
      'examples/**/*.test.ts',
      'demo/**/*.test.ts',
    ],
    testTimeout: 60_000,
    pool: 'forks',
  },
});
