// Loads the addon lazily: importing the package never fails, even without a build or without TensorRT; the first
// use of the native layer reports what is missing.
import path from 'node:path';
import { createRequire } from 'node:module';
import type { NativeBinding } from '../binding.js';
import { makeError } from './errors.js';
import { settleBatch, settlementArena } from './settlements.js';

let binding: NativeBinding | undefined;
let loadError: Error | undefined;

/** The package root: dist/ or lib/ sit one level below it. */
export const packageRoot = path.resolve(__dirname, '..');

/** Whether this process has loaded the addon (for tests: nothing native can exist before). */
export function nativeLoaded(): boolean {
  return binding !== undefined;
}

/** The addon; throws ADDON_NOT_BUILT when neither a prebuild nor a local build loads. */
export function getNative(): NativeBinding {
  if (binding) return binding;
  if (!loadError) {
    try {
      const require = createRequire(path.join(packageRoot, 'package.json'));
      const load = require('node-gyp-build') as (root: string) => unknown;
      const loaded = load(packageRoot) as NativeBinding;
      loaded.installSettle(settleBatch, settlementArena); // before anything can be settled
      binding = loaded;
      return binding;
    } catch (error) {
      loadError = error as Error;
    }
  }
  throw makeError(
    'ADDON_NOT_BUILT',
    `the tensorrt-node addon could not be loaded from ${packageRoot} (no prebuild for ${process.platform}-${process.arch} and no local build). Its install script builds it (cmake and a C++17 compiler); recent npm runs that script only once approved: \`npm install-scripts approve tensorrt-node && npm rebuild tensorrt-node\`. Cause: ${loadError.message}`,
    { cause: loadError },
  );
}
