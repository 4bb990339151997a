// The loader's version checks, against simulator libraries that say they are of other TensorRT versions: libnvinfer
// through getInferLibVersion (TRTSIM_LIBRARY_VERSION), the ONNX parser and the standard plugins through their file
// names (a copy named "libtrtsim_nvonnxparser.so.10.15.0" behind the usual name, as TensorRT's installs lay them
// out). A backend's libraries load once per process, so each case runs in a child process of its own.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEngine, plugins } from '../lib/index.js';
import { packageRoot } from '../lib/native.js';
import { getModel } from './models/index.js';
import { cliPackage, json, runCli } from './cli/helpers.js';

const simulatorDir = () => path.dirname(plugins({ backend: 'simulator' }).standard.path!);
const folders: string[] = [];
beforeAll(() => cliPackage(), 60_000);
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/** A folder of the simulator's libraries (links to the built ones) in which `versioned` libraries are copies whose
 * file names carry a version, behind links of the usual name. */
function simulatorFolder(versioned: Record<string, string> = {}): string {
  const folder = mkdtempSync(path.join(tmpdir(), 'trtn-versions-'));
  folders.push(folder);
  for (const file of readdirSync(simulatorDir()).filter((f) => /^libtrtsim_.*\.so$/.test(f))) {
    const version = versioned[file];
    if (version === undefined) {
      symlinkSync(path.join(simulatorDir(), file), path.join(folder, file));
    } else {
      copyFileSync(path.join(simulatorDir(), file), path.join(folder, `${file}.${version}`));
      symlinkSync(`${file}.${version}`, path.join(folder, file));
    }
  }
  return folder;
}

// Opens a simulator runtime, then tries a build; prints what each gave.
const CHILD = `
const { Runtime, buildEngine, plugins } = require(process.argv[1]);
const report = (e) => ({ code: e.code, message: e.message });
(async () => {
  const out = {};
  try {
    const runtime = Runtime.create({ backend: 'simulator' });
    const info = runtime.info;
    out.runtime = { version: runtime.tensorrtVersion.join('.'), libraries: info.libraryPaths.map((p) => p.split('/').pop()), onnxParserError: info.onnxParserError && report(info.onnxParserError) };
    const standard = plugins({ backend: 'simulator' }).standard;
    out.standardPlugins = { path: standard.path, error: standard.error };
    runtime.dispose();
  } catch (e) {
    out.runtime = report(e);
  }
  let plan;
  out.build = await buildEngine(Buffer.from(process.argv[2], 'base64'), { backend: 'simulator' }).then((p) => ((plan = p), 'built'), report);
  if (process.argv[3] && out.build === 'built') {
    // A plan of the default simulator (argv[3]), and the one just built, loaded by this library.
    const runtime = Runtime.create({ backend: 'simulator' });
    const load = (bytes) => runtime.deserialize(bytes).then((e) => (e.dispose(), 'loaded'), report);
    out.loads = { given: await load(Buffer.from(process.argv[3], 'base64')), built: await load(plan) };
    runtime.dispose();
  }
  console.log(JSON.stringify(out));
})();
`;

async function child(env: Record<string, string>, plan?: Uint8Array) {
  const onnx = Buffer.from(getModel('tiny_add').onnx).toString('base64');
  const args = ['-e', CHILD, path.join(packageRoot, 'dist/index.cjs'), onnx, ...(plan ? [Buffer.from(plan).toString('base64')] : [])];
  const { stdout } = await promisify(execFile)(process.execPath, args, {
    timeout: 20_000,
    env: { ...process.env, ...env },
  });
  return JSON.parse(stdout);
}

describe('libnvinfer of another version than the headers', () => {
  it.concurrent.each([
    ['an older one of the same major', '10.15.1'],
    ['one of another major', '11.0.0'],
  ])('%s is LIBRARY_VERSION naming both versions and the fix', async (_, version) => {
    const seen = await child({ TRTSIM_LIBRARY_VERSION: version });
    expect(seen.runtime.code).toBe('LIBRARY_VERSION');
    expect(seen.runtime.message).toMatch(
      new RegExp(`^TensorRT library ${version.replace(/\./g, '\\.')} at \\S*libtrtsim_nvinfer\\.so cannot serve this addon, compiled against TensorRT 10\\.16\\.1 headers; install TensorRT 10\\.x >= 10\\.16\\.1 or rebuild the addon against your version`),
    );
    expect(seen.build).toMatchObject({ code: 'LIBRARY_VERSION' });
  });

  it.concurrent('a newer one of the same major serves it (its vtables only grow), and like TensorRT 10.17 loads only its own plans', async () => {
    const plan = await buildEngine(getModel('tiny_add').onnx, { backend: 'simulator' }); // by 10.16.1, this process's
    const seen = await child({ TRTSIM_LIBRARY_VERSION: '10.17.0' }, plan);
    expect(seen.runtime).toMatchObject({ version: '10.17.0', onnxParserError: null });
    expect(seen.loads.given).toMatchObject({ code: 'ENGINE_INCOMPATIBLE' });
    expect(seen.loads.built).toBe('loaded');
  });
});

describe('the ONNX parser and the standard plugins of another version than libnvinfer', () => {
  it.concurrent('a parser whose file says 10.15.0 is not used: the runtime works, a build is LIBRARY_VERSION naming both files', async () => {
    const folder = simulatorFolder({ 'libtrtsim_nvonnxparser.so': '10.15.0' });
    const seen = await child({ TENSORRT_NODE_SIM_DIR: folder });
    expect(seen.runtime.libraries).toEqual(['libtrtsim_nvinfer.so', 'libtrtsim_cudart.so']);
    const message =
      `the ONNX parser at ${folder}/libtrtsim_nvonnxparser.so.10.15.0 is TensorRT 10.15.0 (by its file name), but libnvinfer at ` +
      `${folder}/libtrtsim_nvinfer.so is 10.16.1: TensorRT's libraries must be of one version. Install the one of TensorRT 10.16, ` +
      'or point TENSORRT_NODE_LIB_DIR at the lib folder of one TensorRT install';
    expect(seen.runtime.onnxParserError).toEqual({ code: 'LIBRARY_VERSION', message });
    expect(seen.build).toEqual({ code: 'LIBRARY_VERSION', message });
    expect(seen.standardPlugins).toEqual({ path: `${folder}/libtrtsim_nvinfer_plugin.so` });
  });

  it.concurrent('another patch of the same version is used; so is a file whose name carries no version', async () => {
    const patch = await child({ TENSORRT_NODE_SIM_DIR: simulatorFolder({ 'libtrtsim_nvonnxparser.so': '10.16.0', 'libtrtsim_nvinfer_plugin.so': '10.16.3' }) });
    expect(patch.runtime.onnxParserError).toBeNull();
    expect(patch.standardPlugins.error).toBeUndefined();
    expect(patch.build).toBe('built');
    const plain = await child({ TENSORRT_NODE_SIM_DIR: simulatorFolder() });
    expect(plain.build).toBe('built');
  });

  it.concurrent("standard plugins whose file says 10.17.2 are not registered, saying why; builds without plugins still work", async () => {
    const folder = simulatorFolder({ 'libtrtsim_nvinfer_plugin.so': '10.17.2' });
    const seen = await child({ TENSORRT_NODE_SIM_DIR: folder });
    expect(seen.standardPlugins).toEqual({
      path: null,
      error: `libnvinfer_plugin at ${folder}/libtrtsim_nvinfer_plugin.so.10.17.2 is TensorRT 10.17.2 (by its file name), but libnvinfer at ${folder}/libtrtsim_nvinfer.so is 10.16.1: TensorRT's libraries must be of one version. Install the one of TensorRT 10.16, or point TENSORRT_NODE_LIB_DIR at the lib folder of one TensorRT install`,
    });
    expect(seen.build).toBe('built');
  });

  it.concurrent('a missing parser: the runtime works, and says a build would be LIBRARY_NOT_FOUND with the paths tried', async () => {
    const folder = simulatorFolder();
    rmSync(path.join(folder, 'libtrtsim_nvonnxparser.so'));
    const seen = await child({ TENSORRT_NODE_SIM_DIR: folder });
    expect(seen.runtime.onnxParserError).toEqual({ code: 'LIBRARY_NOT_FOUND', message: 'the ONNX parser library could not be loaded' });
    expect(seen.build).toEqual(seen.runtime.onnxParserError);
    const doc = json(await runCli(['doctor', '--backend', 'simulator', '--json'], { env: { TENSORRT_NODE_SIM_DIR: folder } }));
    expect(doc.ok).toBe(true);
    expect(doc.libraries.at(-1)).toMatchObject({ name: 'libnvonnxparser', status: 'warn', error: { code: 'LIBRARY_NOT_FOUND' } });
    expect(doc.libraries.at(-1).tried).toEqual([`${folder}/libtrtsim_nvonnxparser.so: cannot open shared object file: No such file or directory`]);
  });

  it.concurrent('doctor warns about the parser (builds need it), and still exits 0: engines run without it', async () => {
    const folder = simulatorFolder({ 'libtrtsim_nvonnxparser.so': '10.15.0' });
    const r = await runCli(['doctor', '--backend', 'simulator'], { env: { TENSORRT_NODE_SIM_DIR: folder } });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/libnvonnxparser\s+WARN\s+LIBRARY_VERSION: the ONNX parser at \S+libtrtsim_nvonnxparser\.so\.10\.15\.0 is TensorRT 10\.15\.0 \(by its file name\)/);
    expect(r.stdout).toContain("fix: Builds from ONNX need the parser of libnvinfer's TensorRT version");
    expect(r.stdout).toContain("verdict: the 'simulator' backend can run on this machine, but it cannot build engines from ONNX (libnvonnxparser: LIBRARY_VERSION)");
    const doc = json(await runCli(['doctor', '--backend', 'simulator', '--json'], { env: { TENSORRT_NODE_SIM_DIR: folder } }));
    expect(doc.libraries.map((l: { name: string; status: string }) => [l.name, l.status])).toEqual([
      ['libnvinfer', 'ok'],
      ['libcudart', 'ok'],
      ['libnvonnxparser', 'warn'],
    ]);
  });
});
