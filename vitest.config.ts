import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Each test file in its own process: the simulator's fault injection and sticky errors are process-wide, as
    // CUDA's are.
    pool: 'forks',
    // --expose-gc: the lifecycle tests check the FinalizationRegistry safety net.
    execArgv: ['--expose-gc'],
    include: ['test/**/*.test.ts'],
    // After every file, nothing native it created may be left alive (test/helpers/leaks.ts).
    setupFiles: ['test/setup/leak-check.ts'],
    testTimeout: 30_000,
  },
});
