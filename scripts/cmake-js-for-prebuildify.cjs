#!/usr/bin/env node
'use strict';
// prebuildify spawns node-gyp with `rebuild --target=<node> --devdir=<cache> [--arch=x] --release`. cmake-js reads
// --target as a CMake target, so this wrapper keeps only what cmake-js understands and runs `cmake-js rebuild`.
// (Node-API builds need no node headers download: package.json's binary.napi_versions puts cmake-js in Node-API
// mode with node-api-headers.)
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const args = ['rebuild'];
for (const arg of process.argv.slice(2)) {
  if (arg.startsWith('--arch=')) args.push('--arch', arg.slice('--arch='.length));
  else if (arg === '--debug') args.push('--debug');
  // rebuild, --target=, --devdir=, --release and electron flags have no cmake-js meaning here
}
const cmakeJs = require.resolve('cmake-js/bin/cmake-js');
const result = spawnSync(process.execPath, [cmakeJs, ...args], {
  cwd: path.resolve(__dirname, '..'),
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
