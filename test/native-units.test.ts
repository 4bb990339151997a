// The simulator's C++ unit tests (operators, ONNX reader, the API-level test, stream concurrency), compiled and run
// as part of `npm test`. Here they are built without sanitizers to stay quick; `npm run test:native` runs the
// operator and reader tests under ASan and UBSan and the stream test under ThreadSanitizer.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(__dirname, '..');
const work = mkdtempSync(path.join(tmpdir(), 'trtn-native-tests-'));
// The folder of the built addon and the simulator's libraries, which the tests below link against.
const libs = path.dirname((createRequire(import.meta.url)('node-gyp-build') as { path(root: string): string }).path(root));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function compileAndRun(name: string, sources: string[], include: string, args: string[] = []) {
  const binary = path.join(work, name);
  await run('g++', ['-std=c++17', '-O1', `-I${path.join(root, include)}`, ...sources.map((s) => path.join(root, s)), '-o', binary], {
    maxBuffer: 16 << 20,
  });
  return run(binary, args, { maxBuffer: 16 << 20 });
}

describe('simulator C++ unit tests', () => {
  it('the TensorRT/CUDA stand-ins report misuse where and how TensorRT does (API-level test)', { timeout: 180_000 }, async () => {
    const { model, node, valueInfo } = await import('./models/onnx-builder.js');
    // The fixtures, in the order of sim_api_test's arguments (its header says what each is for).
    const fixtures = [
      ['relu.onnx', { inputs: [valueInfo('x', 'float32', ['batch', 4])], outputs: [valueInfo('y', 'float32', ['batch', 4])], nodes: [node('Relu', ['x'], ['y'])] }],
      ['nonzero.onnx', { inputs: [valueInfo('x', 'float32', ['n'])], outputs: [valueInfo('idx', 'int64', [1, 'count'])], nodes: [node('NonZero', ['x'], ['idx'])] }],
      ['reshape.onnx', {
        inputs: [valueInfo('x', 'float32', ['n', 4]), valueInfo('target', 'int64', [2])],
        outputs: [valueInfo('y', 'float32', ['a', 'b'])],
        nodes: [node('Reshape', ['x', 'target'], ['y'])],
      }],
      ['shape-of.onnx', {
        inputs: [valueInfo('x', 'float32', ['n', 4])],
        outputs: [valueInfo('y', 'float32', ['n', 4]), valueInfo('dims', 'int64', [2])],
        nodes: [node('Relu', ['x'], ['y']), node('Shape', ['x'], ['dims'])],
      }],
      ['neg.onnx', { inputs: [valueInfo('x', 'float32', [1, 3, 1, 2])], outputs: [valueInfo('y', 'float32', [1, 3, 1, 2])], nodes: [node('Neg', ['x'], ['y'])] }],
      ['swish.onnx', { inputs: [valueInfo('x', 'float32', [2, 3])], outputs: [valueInfo('y', 'float32', [2, 3])], nodes: [node('Swish_TRTN', ['x'], ['y'], { beta: 1.5 })] }],
    ] as const;
    const files = fixtures.map(([name, graph]) => {
      const file = path.join(work, name);
      writeFileSync(file, model({ ...graph, inputs: [...graph.inputs], outputs: [...graph.outputs], nodes: [...graph.nodes] }));
      return file;
    });
    const binary = path.join(work, 'sim_api_test');
    await run(
      'g++',
      ['-std=c++17', '-O1', `-I${path.join(root, 'native/sim/include')}`, path.join(root, 'native/sim/test/sim_api_test.cc'),
        `-L${libs}`, '-ltrtsim_nvonnxparser', '-ltrtsim_nvinfer', '-ltrtsim_cudart', `-Wl,-rpath,${libs}`, '-o', binary],
      { maxBuffer: 16 << 20 },
    );
    // A failing check exits 1: its FAIL lines are in stdout, which the assertion shows.
    const pluginLibrary = path.join(libs, 'libtrtsim_test_plugins.so');
    const { stdout } = (await run(binary, [...files, pluginLibrary]).catch((e: { stdout: string }) => e)) as { stdout: string };
    expect(stdout).toMatch(/\d+ checks, 0 failures/);
  });

  it('simulated streams keep order and lose nothing with three host threads, idle workers polling or sleeping', { timeout: 120_000 }, async () => {
    const binary = path.join(work, 'stream_stress_test');
    await run(
      'g++',
      ['-std=c++17', '-O1', `-I${path.join(root, 'native/sim/include')}`, path.join(root, 'native/sim/test/stream_stress_test.cc'),
        `-L${libs}`, '-ltrtsim_cudart', `-Wl,-rpath,${libs}`, '-lpthread', '-o', binary],
      { maxBuffer: 16 << 20 },
    );
    const { stdout } = await run(binary, ['400']);
    // 3 threads x 2 phases x 400 chains; each chain checks its bytes, then per thread order, status and clean-up.
    expect(stdout).toMatch(/^(\d+) checks, 0 failures/m);
    expect(Number(/^(\d+) checks/m.exec(stdout)![1])).toBeGreaterThan(2000);
  });

  it('the simulator header\'s API surface check is up to date and compiles (scripts/check-real-headers.sh compares it with NVIDIA\'s headers)', { timeout: 120_000 }, async () => {
    const regenerated = path.join(work, 'api_surface.cc');
    await run('python3', [path.join(root, 'scripts/gen-api-surface.py'), regenerated]);
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(regenerated, 'utf8')).toBe(readFileSync(path.join(root, 'native/sim/test/api_surface.cc'), 'utf8'));
    const binary = path.join(work, 'api_surface');
    await run('g++', ['-std=c++17', `-I${path.join(root, 'native/sim/include')}`, regenerated, '-o', binary]);
    const { stdout } = await run(binary, []);
    expect(stdout).toContain('nvinfer1::BuilderFlag::kVERSION_COMPATIBLE 13');
    expect(stdout).toContain('nvinfer1::DataType::kINT64 8');
    expect(stdout.trim().split('\n').length).toBeGreaterThan(100);
  });

  it('IO tensor formats: the layouts of TensorRT\'s vector-major and vector-minor formats, worked out by hand', { timeout: 60_000 }, async () => {
    const { stdout } = await compileAndRun('tensor_layout_test', ['native/common/test/tensor_layout_test.cc'], 'native/common');
    expect(stdout).toMatch(/\d+ checks, 0 failures/);
  });

  it('operators: shape inference, computation, errors, float16/bfloat16 conversion', { timeout: 180_000 }, async () => {
    // Against the operators built into the simulator's libnvinfer, the code that runs: compiling them again here
    // took over a minute, half of `npm test`. (`npm run test:native` compiles them from source, with sanitizers.)
    const binary = path.join(work, 'ops_test');
    await run(
      'g++',
      ['-std=c++17', '-O1', `-I${path.join(root, 'native/sim/nvinfer/ops')}`, path.join(root, 'native/sim/nvinfer/ops/test/ops_test.cc'),
        `-L${libs}`, '-ltrtsim_nvinfer', `-Wl,-rpath,${libs}`, '-o', binary],
      { maxBuffer: 16 << 20 },
    );
    const { stdout } = await run(binary, [], { maxBuffer: 16 << 20 });
    expect(stdout).toMatch(/\d+ checks, 0 failures/);
  });

  it('ONNX reader: valid models, every truncation, malformed wire data', { timeout: 180_000 }, async () => {
    const fixtures = path.join(work, 'onnx-fixtures');
    await run(process.execPath, [path.join(root, 'native/sim/onnxparser/test/make_fixtures.cjs'), fixtures]);
    const { stdout } = await compileAndRun(
      'onnx_model_test',
      ['native/sim/onnxparser/onnx_model.cc', 'native/sim/onnxparser/test/onnx_model_test.cc'],
      'native/sim/onnxparser',
      [fixtures],
    );
    expect(stdout).toMatch(/all \d+ checks passed/);
    expect(stdout).not.toMatch(/SKIPPED/);
  });
});
