// run: one inference on an ONNX model (through a temporary engine) or an engine, with --compare cpu against
// onnxruntime-node.
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STACK_TRACE, cliPackage, cliPackageWithoutOrt, json, runCli, scratch, writeExampleModel, writeZooModel } from './helpers.js';

const dir = scratch('run');
const SIM = ['--backend', 'simulator'];
let example: string;
let zooMlp: string;
let exampleEngine: string;
let zooEngine: string;

async function buildInto(model: string, out: string): Promise<string> {
  const r = await runCli(['build', model, ...SIM, '--profile', 'x:1x16:4x16:16x16', '--out', path.join(dir, out), '--json']);
  expect(r.code, r.stderr).toBe(0);
  return json(r).path;
}

/** A .npy file (format 1.0, little-endian float32, C order). */
function writeNpy(file: string, dims: number[], values: Float32Array): void {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims.join(', ')}${dims.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n'; // numpy pads the header to 64 bytes
  const head = Buffer.alloc(10);
  head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  head.writeUInt16LE(header.length, 8);
  writeFileSync(file, Buffer.concat([head, Buffer.from(header, 'latin1'), Buffer.from(values.buffer)]));
}

beforeAll(async () => {
  await cliPackage();
  example = await writeExampleModel(dir);
  zooMlp = writeZooModel(dir, 'mlp', 'zoo-mlp.onnx'); // same IO as the example (x [batch,16] → y [batch,8]), other weights
  [exampleEngine, zooEngine] = await Promise.all([buildInto(example, 'example'), buildInto(zooMlp, 'zoo')]);
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.concurrent('run', () => {
  it("the README's first example passes --compare cpu", async () => {
    const r = await runCli(['run', example, ...SIM, '--shapes', 'x:2x16', '--input', 'x=random', '--compare', 'cpu']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/onnx, built into a temporary fp32 engine in [\d.]+ s; backend simulator/);
    expect(r.stdout).toMatch(/inputs\s+x float32 \[2,16\] from random/);
    expect(r.stdout).toMatch(/latency\s+[\d.]+ ms \(one inference; enqueueV3 took [\d.]+ ms of it on the calling thread\)/);
    expect(r.stdout).toMatch(/\ny\s+float32\s+\[2,8\]\s+-?[\d.e-]+\s+-?[\d.e-]+\s+-?[\d.e-]+\s+.+, …\n/);
    expect(r.stdout).toMatch(/compare with onnxruntime-node 1\.30\.0 \(cpu\) on .*mlp\.onnx, atol 0\.00001 rtol 0\.0001: PASS/);
    expect(r.stdout).toMatch(/\ny\s+pass\s+\S+\s+\S+\s+0\/16\s+\[\d,\d\] \(index \d+\): engine \S+ vs cpu \S+/);
  });

  it('--device runs on that GPU (build, verify and run of an engine there); a device the machine lacks exits 2', async () => {
    const twoGpus = { env: { TRTSIM_DEVICE_COUNT: '2' } };
    const built = await runCli(['build', example, ...SIM, '--device', '1', '--profile', 'x:1x16:4x16:16x16', '--out', path.join(dir, 'gpu1'), '--json'], twoGpus);
    expect(built.code, built.stderr).toBe(0);
    const engine = json(built).path as string;
    const verified = await runCli(['verify', engine, ...SIM, '--device', '1'], twoGpus);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    const r = await runCli(['run', engine, ...SIM, '--device', '1', '--shapes', 'x:2x16', '--input', 'x=random', '--onnx', example, '--compare', 'cpu'], twoGpus);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/: PASS/);
    const missing = await runCli(['run', engine, ...SIM, '--device', '2', '--shapes', 'x:2x16'], twoGpus);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('CUDA device 2 does not exist: this machine has 2 (0..1)');
    const malformed = await runCli(['run', engine, ...SIM, '--device', 'first']);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('--device must be a CUDA device index');
  });

  it('--device with an ONNX model builds the temporary engine on that GPU, which may be of another kind', async () => {
    const unlike = { env: { TRTSIM_DEVICE_COUNT: '2', TRTSIM_DEVICE_CC: '8.9,9.0' } };
    const r = await runCli(['run', example, ...SIM, '--device', '1', '--shapes', 'x:2x16', '--input', 'x=random', '--compare', 'cpu'], unlike);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/: PASS/);
    // The same plan on the other GPU is refused: the engine was built for device 1's compute capability.
    const onDevice0 = await runCli(['build', example, ...SIM, '--device', '1', '--profile', 'x:1x16:4x16:16x16', '--out', path.join(dir, 'cc90'), '--json'], unlike);
    expect(onDevice0.code, onDevice0.stderr).toBe(0);
    const refused = await runCli(['run', json(onDevice0).path, ...SIM, '--device', '0', '--shapes', 'x:2x16'], unlike);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/ENGINE_INCOMPATIBLE[\s\S]*9\.0[\s\S]*8\.9|ENGINE_INCOMPATIBLE[\s\S]*8\.9[\s\S]*9\.0/);
  });

  it('warms the context up first, so the latency is a warm one; --no-warm-up times the cold first run', async () => {
    // 50 ms of simulated CUDA module loading per kernel at its first launch (3 layers): paid by the warm-up, or by
    // the one inference.
    const cold = { env: { TRTSIM_MODULE_LOAD_US: '50000' } };
    const args = ['run', example, ...SIM, '--shapes', 'x:2x16', '--input', 'x=random', '--json'];
    const warm = json(await runCli(args, cold));
    expect(warm).toMatchObject({ ok: true, warmUp: true });
    expect(warm.contextMs).toBeGreaterThanOrEqual(150);
    expect(warm.enqueueMs).toBeLessThan(50); // no kernel loaded during the inference
    const first = json(await runCli([...args, '--no-warm-up'], cold));
    expect(first).toMatchObject({ ok: true, warmUp: false });
    expect(first.enqueueMs).toBeGreaterThanOrEqual(150);
    const text = await runCli(['run', example, ...SIM, '--shapes', 'x:2x16', '--input', 'x=random', '--no-warm-up']);
    expect(text.stdout).toMatch(/context\s+[\d.]+ ms to create \(no warm-up: the inference below is its cold first run\)/);
  });

  it('--json has the documented fields', async () => {
    const r = await runCli(['run', example, ...SIM, '--shapes', 'x:3x16', '--input', 'x=random', '--compare', 'cpu', '--json']);
    expect(r.code).toBe(0);
    const doc = json(r);
    expect(doc).toMatchObject({ command: 'run', ok: true, file: example, kind: 'onnx', backend: 'simulator', warnings: [] });
    expect(doc.buildSeconds).toEqual(expect.any(Number));
    expect(doc.latencyMs).toEqual(expect.any(Number));
    expect(doc.enqueueMs).toBeGreaterThan(0); // the engine's enqueueV3, inside the run
    expect(doc.enqueueMs).toBeLessThanOrEqual(doc.latencyMs);
    expect(doc.enqueueOn).toBe('caller'); // the JS thread, for this engine without data-dependent shapes
    expect(doc.warmUp).toBe(true);
    expect(doc.contextMs).toEqual(expect.any(Number));
    expect(doc.inputs).toEqual([{ name: 'x', dtype: 'float32', shape: [3, 16], shapeFrom: 'shapes', source: 'random' }]);
    const [y] = doc.outputs;
    expect(y).toMatchObject({ name: 'y', dtype: 'float32', shape: [3, 8], nan: 0 });
    expect(y.first).toHaveLength(8);
    expect(y.min).toBeLessThanOrEqual(y.mean);
    expect(y.mean).toBeLessThanOrEqual(y.max);
    expect(doc.compare).toMatchObject({ reference: 'onnxruntime-node', version: '1.30.0', executionProvider: 'cpu', onnx: example, atol: 1e-5, rtol: 1e-4, pass: true });
    expect(doc.compare.outputs[0]).toMatchObject({ name: 'y', pass: true, elements: 24, mismatches: 0 });
    expect(doc.compare.outputs[0].maxAbsError).toBeLessThan(1e-5);
    expect(doc.compare.outputs[0].worst).toEqual({
      index: expect.any(Number),
      coords: [expect.any(Number), expect.any(Number)],
      actual: expect.any(Number),
      expected: expect.any(Number),
      absError: expect.any(Number),
      relError: expect.any(Number),
    });
  });

  it('an engine built from another model fails --compare (exit 1) naming the worst element', async () => {
    const r = await runCli(['run', zooEngine, ...SIM, '--onnx', example, '--shapes', 'x:2x16', '--input', 'x=random', '--compare', 'cpu']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/: FAIL\n/);
    expect(r.stdout).toMatch(/FAIL y: \d+ of 16 elements outside atol 0\.00001 \+ rtol 0\.0001 × \|cpu\|; worst element \[\d,\d\] \(index \d+\): engine \S+ vs cpu \S+, abs error \S+/);
    // The sidecar knows which ONNX the engine came from, so the mix-up is pointed out.
    expect(r.stderr).toMatch(/warning: the engine's sidecar says it was built from ONNX sha256 .* but --onnx .* is /);
    const doc = json(await runCli(['run', zooEngine, ...SIM, '--onnx', example, '--shapes', 'x:2x16', '--input', 'x=random', '--compare', 'cpu', '--json']));
    expect(doc).toMatchObject({ ok: false, kind: 'engine', compare: { pass: false } });
    const y = doc.compare.outputs[0];
    expect(y.mismatches).toBeGreaterThan(0);
    expect(y.worst.absError).toBeGreaterThan(1e-5 + 1e-4 * Math.abs(y.worst.expected));
    expect(y.worst.coords).toEqual([Math.floor(y.worst.index / 8), y.worst.index % 8]);
  });

  it("an engine with the right --onnx passes; without --shapes its dynamic input takes the profile's opt shape", async () => {
    const r = await runCli(['run', exampleEngine, ...SIM, '--onnx', example, '--input', 'x=random', '--compare', 'cpu', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = json(r);
    expect(doc.inputs[0]).toMatchObject({ shape: [4, 16], shapeFrom: 'profile' });
    expect(doc.compare.pass).toBe(true);
  });

  it('inputs from .npy and .json give the same outputs', async () => {
    const values = Float32Array.from({ length: 32 }, (_, i) => Math.sin(i) * 0.9);
    const npy = path.join(dir, 'x.npy');
    const jsonFile = path.join(dir, 'x.json');
    writeNpy(npy, [2, 16], values);
    writeFileSync(jsonFile, JSON.stringify([Array.from(values.subarray(0, 16)), Array.from(values.subarray(16))]));
    const a = await runCli(['run', example, ...SIM, '--input', `x=${npy}`, '--compare', 'cpu', '--json']);
    const b = await runCli(['run', example, ...SIM, '--input', `x=${jsonFile}`, '--compare', 'cpu', '--json']);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(json(a).inputs[0]).toMatchObject({ shape: [2, 16], shapeFrom: 'file', source: npy });
    expect(json(a).outputs).toEqual(json(b).outputs);
  });

  it('a file whose shape contradicts --shapes, or that does not fit the model, exits 2', async () => {
    const npy = path.join(dir, 'wide.npy');
    writeNpy(npy, [2, 8], new Float32Array(16));
    const r = await runCli(['run', example, ...SIM, '--input', `x=${npy}`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the file shape \[2,8\] for 'x' gives dim 1 the size 8, but the model fixes it to 16/);
    const flat = path.join(dir, 'flat.json');
    writeFileSync(flat, JSON.stringify([1, 2, 3]));
    const f = await runCli(['run', example, ...SIM, '--input', `x=${flat}`, '--shapes', 'x:1x16']);
    expect(f.code).toBe(2);
    expect(f.stderr).toMatch(/input 'x': .*flat\.json holds 3 values but the shape \[1,16\] needs 16/);
  });

  it('a --shapes too large to allocate exits 2 naming the input and its element count', async () => {
    const r = await runCli(['run', example, ...SIM, '--shapes', 'x:100000000000x16', '--input', 'x=random']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/error \[USAGE\]: input 'x': the shape \[100000000000,16\] has 1600000000000 elements, more than the \d+ a float32 tensor can hold here/);
    expect(r.stderr).not.toMatch(STACK_TRACE);
  });

  it('int64 and bool inputs and outputs compare exactly', async () => {
    const model = writeZooModel(dir, 'int64_bool');
    const r = await runCli(['run', model, ...SIM, '--shapes', 'ids:2x6', '--shapes', 'mask:2x6', '--input', 'ids=random', '--input', 'mask=random', '--compare', 'cpu', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = json(r);
    expect(doc.outputs.map((o: { name: string; dtype: string }) => [o.name, o.dtype])).toEqual([['masked_ids', 'int64'], ['count', 'int64'], ['any_big', 'bool']]);
    expect(doc.compare.outputs.every((o: { pass: boolean; maxAbsError: number }) => o.pass && o.maxAbsError === 0)).toBe(true);
  });

  it('--compare on an engine needs --onnx, and an --onnx with other inputs is refused (exit 2)', async () => {
    const a = await runCli(['run', exampleEngine, ...SIM, '--input', 'x=random', '--compare', 'cpu']);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/--compare cpu needs the ONNX model the engine was built from.*Add --onnx <model\.onnx>/);
    const embedding = writeZooModel(dir, 'embedding');
    const b = await runCli(['run', exampleEngine, ...SIM, '--onnx', embedding, '--input', 'x=random', '--compare', 'cpu']);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/--onnx .*embedding\.onnx has inputs \[input_ids\] but the engine has \[x\]/);
  });

  it('without onnxruntime-node, --compare says how to install it; a plain run still works', async () => {
    const pkg = await cliPackageWithoutOrt();
    const r = await runCli(['run', example, ...SIM, '--shapes', 'x:2x16', '--input', 'x=random', '--compare', 'cpu'], { pkg });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error \[ORT_NOT_INSTALLED\]: --compare cpu needs onnxruntime-node, which is not installed\. Install it next to tensorrt-node: ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node/);
    expect(r.stderr).not.toMatch(STACK_TRACE);
    const plain = await runCli(['run', example, ...SIM, '--shapes', 'x:2x16', '--input', 'x=random'], { pkg });
    expect(plain.code, plain.stderr).toBe(0);
  });
});
