// The package as a user gets it: `npm pack`, installed into a scratch project, imported from ESM and CommonJS, with
// the addon and the simulator libraries laid out as prebuildify ships them (prebuilds/<platform>-<arch>/).
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withCheckoutLock } from './helpers/checkout-lock.js';

const run = promisify(execFile);
const root = path.resolve(__dirname, '..');
const scratch = mkdtempSync(path.join(tmpdir(), 'trtn-consumer-'));
const installed = path.join(scratch, 'app', 'node_modules', 'tensorrt-node');
// What the package does before its addon exists (an install whose script did not run): printed by a child process.
let withoutAddon: { required: boolean; code?: string; message?: string };
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

beforeAll(async () => {
  const env = { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
  const { stdout } = await withCheckoutLock(root, 'npm-pack', () =>
    run('npm', ['pack', '--silent', '--pack-destination', scratch], { cwd: root, env, maxBuffer: 64 << 20 }),
  );
  const tarball = path.join(scratch, stdout.trim().split('\n').pop()!);
  const app = path.join(scratch, 'app');
  mkdirSync(app);
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'commonjs' }));
  // --ignore-scripts: the addon is not rebuilt here (the repository's own install does that); instead the build is
  // placed where prebuildify puts it, which is what a published package carries.
  await run('npm', ['install', '--ignore-scripts', '--no-package-lock', tarball], { cwd: app, env, maxBuffer: 64 << 20 });
  const probe = path.join(app, 'without-addon.cjs');
  writeFileSync(probe, `
const trt = require('tensorrt-node');
try {
  trt.Runtime.create({ backend: 'simulator' });
  console.log(JSON.stringify({ required: true }));
} catch (e) {
  console.log(JSON.stringify({ required: true, code: e.code, message: e.message }));
}`);
  withoutAddon = JSON.parse((await run(process.execPath, [probe], { cwd: app })).stdout);
  const prebuilds = path.join(installed, 'prebuilds', `${process.platform}-${process.arch}`);
  mkdirSync(prebuilds, { recursive: true });
  const release = path.join(root, 'build', 'Release');
  for (const file of readdirSync(release)) {
    if (file.endsWith('.so')) cpSync(path.join(release, file), path.join(prebuilds, file));
  }
  cpSync(path.join(release, 'tensorrt_node.node'), path.join(prebuilds, 'tensorrt-node.node'));
}, 240_000);

const program = (importLine: string) => `
${importLine}
(async () => {
  const info = buildInfo();
  const runtime = Runtime.create({ backend: 'simulator' });
  const { simulator } = testing;
  process.stdout.write(JSON.stringify({
    backends: info.backends.map((b) => b.kind),
    libraryPaths: runtime.info.libraryPaths,
    counters: typeof simulator.counters().liveRuntimes,
    tensor: Array.from(Tensor.from('float32', [1, 2, 3]).data),
  }));
  runtime.dispose();
})();
`;

async function runIn(file: string, source: string) {
  const target = path.join(scratch, 'app', file);
  writeFileSync(target, source);
  const { stdout } = await run(process.execPath, [target], { cwd: path.join(scratch, 'app') });
  return JSON.parse(stdout) as { backends: string[]; libraryPaths: string[]; counters: string; tensor: number[] };
}

describe('the packed package', () => {
  it('before its addon is built, loads and says how to build it (ADDON_NOT_BUILT), never a crash at require()', () => {
    expect(withoutAddon.required).toBe(true);
    expect(withoutAddon.code).toBe('ADDON_NOT_BUILT');
    expect(withoutAddon.message).toContain(`no prebuild for ${process.platform}-${process.arch} and no local build`);
    expect(withoutAddon.message).toContain('npm install-scripts approve tensorrt-node && npm rebuild tensorrt-node');
  });

  it('ships what it needs and nothing from the build tree', () => {
    const files = readdirSync(installed);
    expect(files).toEqual(expect.arrayContaining(['dist', 'native', 'CMakeLists.txt', 'package.json', 'README.md']));
    expect(files).not.toContain('test');
    expect(files).not.toContain('build');
  });

  it('works from CommonJS', async () => {
    const out = await runIn(
      'main.cjs',
      program(`const { buildInfo, Runtime, Tensor } = require('tensorrt-node'); const testing = require('tensorrt-node/testing');`),
    );
    expect(out.backends).toContain('simulator');
    expect(out.libraryPaths[0]).toContain(path.join('node_modules', 'tensorrt-node', 'prebuilds'));
    expect(out.counters).toBe('number');
    expect(out.tensor).toEqual([1, 2, 3]);
  });

  it('works from ESM', async () => {
    const out = await runIn(
      'main.mjs',
      program(`import { buildInfo, Runtime, Tensor } from 'tensorrt-node'; import * as testing from 'tensorrt-node/testing';`),
    );
    expect(out.backends).toContain('simulator');
    expect(out.libraryPaths[0]).toContain(path.join('node_modules', 'tensorrt-node', 'prebuilds'));
    expect(out.tensor).toEqual([1, 2, 3]);
  });

  it('type-checks the README quick start, as written, against the types the package ships', () => {
    const snippet = /## Quick start\n\n```ts\n([\s\S]*?)```/.exec(readFileSync(path.join(root, 'README.md'), 'utf8'))?.[1];
    const file = path.join(scratch, 'app', 'quick-start-typed.mts');
    writeFileSync(file, snippet!);
    const program = ts.createProgram([file], {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      lib: ['lib.es2022.d.ts', 'lib.esnext.disposable.d.ts'],
      strict: true,
      noEmit: true,
      types: ['node'],
      typeRoots: [path.join(root, 'node_modules', '@types')], // the app has no @types/node of its own
    });
    const errors = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(errors).toEqual([]);
  });

  it('runs the README quick start as written, on the simulator', async () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    const snippet = /## Quick start\n\n```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(snippet, 'the README has a Quick start ts block').toBeDefined();
    // The one change: this machine has no TensorRT. Node 20 has no `using`, so TypeScript lowers it, as a user's
    // build would.
    const onSimulator = snippet!.replaceAll("backend: 'tensorrt'", "backend: 'simulator'");
    expect(onSimulator.match(/backend: 'simulator'/g)).toHaveLength(2);
    const checkLeftovers = `
import { simulator as leftovers } from 'tensorrt-node/testing';
process.on('exit', () => {
  leftovers.synchronize(); // releases run on the addon's reaper thread, off the JS thread: wait for them
  const c = leftovers.counters();
  console.log('LIVE ' + JSON.stringify([c.liveRuntimes, c.liveEngines, c.liveContexts, c.liveStreams, c.liveDeviceAllocations]));
});
`;
    const { outputText } = ts.transpileModule(checkLeftovers + onSimulator, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    const app = path.join(scratch, 'app');
    // Written afresh, not copied from examples/: a concurrent `npm pack` in this checkout rewrites that file.
    await run(process.execPath, [path.join(root, 'examples', 'make-example-model.mjs'), path.join(app, 'mlp.onnx')], { cwd: root });
    writeFileSync(path.join(app, 'quick-start.mjs'), outputText);
    const { stdout, stderr } = await run(process.execPath, ['quick-start.mjs'], { cwd: app });
    expect(stderr).toBe(''); // nothing logged at warning level or above, no Node warnings
    expect(stdout).toContain('start Building engine');
    expect(stdout).toContain('finish Building engine');
    expect(stdout).toContain("name: 'x'");
    expect(stdout).toMatch(/\[ 8, 8 \] Float32Array\(64\)/); // y.dims, y.data
    // `using` disposed the context, engine and runtime when the module finished.
    expect(stdout.trim().split('\n').pop()).toBe('LIVE [0,0,0,0,0]');
  });
});
