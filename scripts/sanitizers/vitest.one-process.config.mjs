// The addon's tests in one process, for LeakSanitizer (scripts/test-native-sanitized.sh). LSan reports at process
// exit, and vitest stops its forked workers with SIGTERM (no exit handlers run), so the files run here in worker
// threads of one process instead, one after the other. The simulator's state is process-wide, so the list leaves out
// files that poison the device (sticky.test.ts: a poisoned device frees nothing, as on a GPU) or that need a
// process of their own.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..'),
  test: { pool: 'threads', maxWorkers: 1, include: ['test/**/*.test.ts'], testTimeout: 120_000 },
});
