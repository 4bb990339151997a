import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'lib/index.ts', testing: 'lib/testing/index.ts', cli: 'lib/cli/main.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  // __dirname in the ESM build: native.ts finds the package root (and the addon) relative to dist/.
  shims: true,
  target: 'node20',
  platform: 'node',
  external: ['node-gyp-build'],
});
