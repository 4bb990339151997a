// inspect: ONNX models are read without a backend (IO, opsets, op histogram); engines are deserialized and shown
// with their store sidecar.
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STACK_TRACE, cliPackage, json, runCli, scratch, writeExampleModel, writeZooModel } from './helpers.js';

const dir = scratch('inspect');
let embedding: string;
let engine: string;

beforeAll(async () => {
  await cliPackage();
  embedding = writeZooModel(dir, 'embedding');
  const mlp = await writeExampleModel(dir);
  const r = await runCli(['build', mlp, '--backend', 'simulator', '--profile', 'x:1x16:8x16:64x16', '--out', path.join(dir, 'engines'), '--json']);
  expect(r.code, r.stderr).toBe(0);
  engine = json(r).path;
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.concurrent('inspect', () => {
  it('an ONNX model: inputs with dim_param names, outputs, opset and the op histogram', async () => {
    const r = await runCli(['inspect', embedding]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/IR 8; opsets ai\.onnx 17; producer tensorrt-node-tests/);
    expect(r.stdout).toMatch(/9 nodes, 7 initializers/);
    expect(r.stdout).toMatch(/input_ids\s+int64\s+\[batch,seq\]/);
    expect(r.stdout).toMatch(/hidden\s+float32\s+\[batch,seq,16\]/);
    // The histogram is sorted by count: Mul appears twice, so it comes first.
    expect(r.stdout).toMatch(/ops:\nOP\s+COUNT\n[- ]+\nMul\s+2\n/);
    expect(r.stdout).toMatch(/LayerNormalization\s+1/);
  });

  it('an ONNX model --json has the documented fields', async () => {
    const r = await runCli(['inspect', embedding, '--json']);
    expect(r.code).toBe(0);
    expect(json(r)).toEqual({
      command: 'inspect',
      ok: true,
      kind: 'onnx',
      file: embedding,
      bytes: expect.any(Number),
      irVersion: 8,
      producerName: 'tensorrt-node-tests',
      producerVersion: '',
      opsets: [{ domain: '', version: 17 }],
      graphName: 'graph',
      inputs: [{ name: 'input_ids', dtype: 'int64', dims: ['batch', 'seq'] }],
      outputs: [
        { name: 'pooled', dtype: 'float32', dims: ['batch', 16] },
        { name: 'hidden', dtype: 'float32', dims: ['batch', 'seq', 16] },
      ],
      initializers: 7,
      parameters: expect.any(Number),
      nodes: 9,
      ops: { Mul: 2, Add: 1, Div: 1, Erf: 1, Gather: 1, LayerNormalization: 1, MatMul: 1, ReduceMean: 1 },
      // The default backend cannot load here: the parser's view is left out, saying why.
      network: null,
      networkError: { code: 'LIBRARY_NOT_FOUND', message: expect.stringContaining('libnvinfer') },
    });
  });

  it('an ONNX model through a backend\'s parser: whether it takes the model, and which inputs are shape tensors', async () => {
    const { model, node, valueInfo } = await import('../models/onnx-builder.js');
    const reshape = path.join(dir, 'reshape-inspect.onnx');
    writeFileSync(reshape, model({
      inputs: [valueInfo('x', 'float32', ['n', 4]), valueInfo('target', 'int64', [2])],
      outputs: [valueInfo('y', 'float32', ['a', 'b'])],
      nodes: [node('Reshape', ['x', 'target'], ['y'])],
    }));
    const shown = await runCli(['inspect', reshape, '--backend', 'simulator']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain("parser  the simulator backend's ONNX parser takes the model");
    expect(shown.stdout).toMatch(/target\s+int64\s+\[2\]\s+shape tensor \(--values\)/);
    expect(shown.stdout).toMatch(/x\s+float32\s+\[n,4\]\s*\n/);
    const asJson = json(await runCli(['inspect', reshape, '--backend', 'simulator', '--json']));
    expect(asJson.network.inputs).toEqual([
      { name: 'x', dtype: 'float32', shape: [-1, 4], shapeTensor: false },
      { name: 'target', dtype: 'int64', shape: [2], shapeTensor: true },
    ]);
    const unsupported = path.join(dir, 'unsupported-inspect.onnx');
    writeFileSync(unsupported, model({ inputs: [valueInfo('x', 'float32', [4])], outputs: [valueInfo('y', 'float32', [4])], nodes: [node('NoSuchOp', ['x'], ['y'])] }));
    const rejected = await runCli(['inspect', unsupported, '--backend', 'simulator']);
    expect(rejected.code, rejected.stderr).toBe(0);
    expect(rejected.stdout).toMatch(/parser  the simulator backend's ONNX parser rejects the model: node 0 \(NoSuchOp_0, NoSuchOp\): Plugin not found, .* \(a plugin: load its library with --plugin <library>\)/);
  });

  it('an engine: IO tensors, profile, device memory, layers and the sidecar', async () => {
    const r = await runCli(['inspect', engine, '--backend', 'simulator']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/TensorRT 10\.16\.1 per its header/);
    expect(r.stdout).toMatch(/\d+ layers; device memory per context/);
    expect(r.stdout).toMatch(/x\s+input\s+float32\s+\[-1,16\]\s+\S+\s+device/);
    expect(r.stdout).toMatch(/y\s+output\s+float32\s+\[-1,8\]/);
    expect(r.stdout).toContain('0: x min [1,16] opt [8,16] max [64,16]');
    expect(r.stdout).toMatch(/sidecar .*\.json:\n\s+model\s+default\.mlp revision [0-9a-f]{12}/);
  });

  it('an engine --json has the documented fields', async () => {
    const r = await runCli(['inspect', engine, '--backend', 'simulator', '--json']);
    expect(r.code).toBe(0);
    const doc = json(r);
    expect(doc).toMatchObject({ command: 'inspect', ok: true, kind: 'engine', file: engine, backend: 'simulator', planTrtVersion: '10.16.1', sidecarError: null });
    expect(doc.engine.inputs).toEqual([{ name: 'x', mode: 'input', dtype: 'float32', shape: [-1, 16], format: expect.any(String), location: 'device', dataDependent: false }]);
    expect(doc.engine.outputs).toEqual([{ name: 'y', mode: 'output', dtype: 'float32', shape: [-1, 8], format: expect.any(String), location: 'device', dataDependent: false }]);
    expect(doc.engine.profiles).toEqual([{ x: { min: [1, 16], opt: [8, 16], max: [64, 16] } }]);
    expect(doc.engine.layers).toBeGreaterThan(0);
    expect(doc.engine.deviceMemoryBytes).toBeGreaterThan(0);
    expect(doc.sidecar).toMatchObject({ format: 'tensorrt-node-engine/1', model_name: 'mlp', backend: 'simulator', precision: 'fp32' });
  });

  it('an engine without a sidecar is still inspected', async () => {
    const lone = path.join(dir, 'lone');
    mkdirSync(lone, { recursive: true });
    copyFileSync(engine, path.join(lone, 'copy.engine'));
    const r = await runCli(['inspect', path.join(lone, 'copy.engine'), '--backend', 'simulator', '--json']);
    expect(r.code).toBe(0);
    expect(json(r)).toMatchObject({ kind: 'engine', sidecar: null, sidecarError: null });
  });

  it('a file that is neither exits 1 saying so', async () => {
    const junk = path.join(dir, 'junk.bin');
    writeFileSync(junk, 'this is not a model at all');
    const r = await runCli(['inspect', junk]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error \[NOT_ONNX\]: .*junk\.bin is neither a TensorRT engine \(it does not start with the "ftrt" tag\) nor an ONNX model/);
    expect(r.stderr).not.toMatch(STACK_TRACE);
  });

  it('a version-compatible engine needs --allow-engine-host-code, and the hint says so instead of "rebuild"', async () => {
    const { buildEngine } = await import('../../lib/index.js');
    const { getModel } = await import('../models/index.js');
    const file = path.join(dir, 'version-compatible.engine');
    writeFileSync(file, await buildEngine(getModel('mlp').onnx, { backend: 'simulator', profiles: [{ x: { min: [1, 16], opt: [2, 16], max: [4, 16] } }], versionCompatible: true }));
    const refused = await runCli(['inspect', file, '--backend', 'simulator']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error \[ENGINE_INCOMPATIBLE\]: IRuntime::deserializeCudaEngine: /);
    expect(refused.stderr).toContain('hint: the engine is version-compatible: --allow-engine-host-code loads it (only for engines you trust)');
    const allowed = await runCli(['inspect', file, '--backend', 'simulator', '--allow-engine-host-code', '--json']);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(json(allowed)).toMatchObject({ kind: 'engine', engine: { inputs: [expect.objectContaining({ name: 'x', shape: [-1, 16] })] } });
    const ran = await runCli(['run', file, '--backend', 'simulator', '--allow-engine-host-code', '--shapes', 'x:2x16', '--input', 'x=random', '--onnx', writeZooModel(dir, 'mlp', 'vc-mlp.onnx'), '--compare', 'cpu']);
    expect(ran.code, ran.stdout + ran.stderr).toBe(0);
    expect(ran.stdout).toMatch(/: PASS/);
  });

  it('an engine with a backend that cannot load exits 1 with the typed error, not a stack trace', async () => {
    const r = await runCli(['inspect', engine], { env: { TENSORRT_NODE_LIB_DIR: path.join(dir, 'lone') } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error \[LIBRARY_NOT_FOUND\]: TensorRT \(libnvinfer\) could not be loaded/);
    expect(r.stderr).not.toMatch(STACK_TRACE);
    expect(readdirSync(path.dirname(engine)).filter((f) => f.endsWith('.engine'))).toHaveLength(1);
  });
});
