// Reduced precision on the simulator, against onnxruntime-node's float32 results on the same model and inputs.
// Tolerances (|a - e| <= atol + rtol * |e|): fp16 atol 5e-3 rtol 5e-3; bf16 atol 3e-2 rtol 3e-2; int8 (per-tensor
// scales from a calibration cache computed on the calibration inputs) atol 0.1 rtol 0.1. Measured worst absolute
// errors: mlp 1.3e-4 / 6.2e-4 / 1.1e-2, embedding 2.1e-3 / 1.5e-2 / 4.1e-2 (fp16 / bf16 / int8). Each precision must also
// really differ from fp32, so a simulator that ignored the flag would fail.
import { mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuildFailedError, InvalidArgumentError, Runtime, Tensor as TensorClass, buildEngine, floatToHalfBits, halfBitsToFloat } from '../lib/index.js';
import type { Precision, Tensor } from '../lib/index.js';
import { simulator } from '../lib/testing/index.js';
import { PROFILES } from './helpers/engines.js';
import { compareOutputs, formatComparison, runOrt } from './helpers/ort.js';
import type { TensorMap } from './helpers/ort.js';
import { getModel } from './models/index.js';
import { model, node, valueInfo } from './models/onnx-builder.js';
import type { ModelName } from './models/index.js';

const TOLERANCE: Record<Precision, { atol: number; rtol: number }> = {
  fp32: { atol: 1e-5, rtol: 1e-4 },
  fp16: { atol: 5e-3, rtol: 5e-3 },
  bf16: { atol: 3e-2, rtol: 3e-2 },
  int8: { atol: 0.1, rtol: 0.1 },
};

let runtime: Runtime;
beforeAll(() => {
  runtime = Runtime.create({ backend: 'simulator' });
});
afterAll(() => runtime.dispose());

/** Max |x| of every float tensor the model computes, from onnxruntime, as a TensorRT calibration cache. */
async function calibrationCache(name: ModelName): Promise<string> {
  const model = getModel(name);
  const decoded = onnxProto.onnx.ModelProto.decode(model.onnx);
  const graph = decoded.graph!;
  const outputs = new Set(graph.output!.map((o) => o.name!));
  for (const node of graph.node!) {
    for (const out of node.output!) {
      if (!outputs.has(out)) graph.output!.push({ name: out });
    }
  }
  const session = await ort.InferenceSession.create(onnxProto.onnx.ModelProto.encode(decoded).finish(), {
    executionProviders: ['cpu'],
  });
  const amax = new Map<string, number>();
  for (let seed = 100; seed < 104; seed++) {
    const feeds = model.makeFeeds({ seed, batch: 4, seq: 8 });
    const ortFeeds = Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, new ort.Tensor(t.dtype as never, t.data as never, t.dims)]));
    const results = await session.run(ortFeeds);
    for (const [tensor, value] of Object.entries(results)) {
      if (value.type !== 'float32') continue;
      const data = value.data as Float32Array;
      let most = amax.get(tensor) ?? 0;
      for (const v of data) most = Math.max(most, Math.abs(v));
      amax.set(tensor, most);
    }
  }
  await session.release();
  const bits = new DataView(new ArrayBuffer(4));
  const lines = ['TRT-101601-EntropyCalibration2'];
  for (const [tensor, most] of amax) {
    bits.setFloat32(0, Math.max(most, 1e-6) / 127);
    lines.push(`${tensor}: ${bits.getUint32(0).toString(16).padStart(8, '0')}`);
  }
  return lines.join('\n') + '\n';
}

async function runAt(name: ModelName, precision: Precision, calibration?: string) {
  const plan = await buildEngine(getModel(name).onnx, {
    backend: 'simulator',
    precision,
    profiles: [PROFILES[name]!],
    calibrationCache: calibration === undefined ? undefined : new TextEncoder().encode(calibration),
  });
  const engine = await runtime.deserialize(plan);
  const context = engine.createContext();
  const feeds = getModel(name).makeFeeds({ seed: 7, batch: 3, seq: 6 });
  const out = await context.run(feeds);
  context.dispose();
  engine.dispose();
  const actual: TensorMap = {};
  for (const [k, t] of Object.entries(out)) actual[k] = { dtype: (t as Tensor).dtype as never, dims: [...t.dims], data: (t as Tensor).data as never };
  return { actual, expected: await runOrt(getModel(name).onnx, feeds) };
}

function maxAbsDiff(a: TensorMap, b: TensorMap): number {
  let most = 0;
  for (const k of Object.keys(a)) {
    const x = a[k]!.data as Float32Array;
    const y = b[k]!.data as Float32Array;
    for (let i = 0; i < x.length; i++) most = Math.max(most, Math.abs(x[i]! - y[i]!));
  }
  return most;
}

describe('precision', () => {
  for (const name of ['mlp', 'embedding'] as const) {
    for (const precision of ['fp16', 'bf16', 'int8'] as const) {
      it(`${name} at ${precision}: within ${JSON.stringify(TOLERANCE[precision])} of fp32 onnxruntime, and not equal to fp32`, async () => {
        const calibration = precision === 'int8' ? await calibrationCache(name) : undefined;
        const { actual, expected } = await runAt(name, precision, calibration);
        const comparison = compareOutputs(actual, expected, TOLERANCE[precision]);
        expect(comparison.pass, formatComparison(comparison)).toBe(true);
        const fp32 = await runAt(name, 'fp32');
        expect(maxAbsDiff(actual, fp32.actual)).toBeGreaterThan(0);
      });
    }
  }

  it('fp16 applies to the layers inside an If branch too, each output rounded as a top-level layer\'s is', async () => {
    const { graphAttr, model, node, tensor, valueInfo } = await import('./models/onnx-builder.js');
    // then: ((x + 0.001) * 1000) - 100, three layers; else: -x.
    const onnx = model({
      inputs: [valueInfo('c', 'bool', []), valueInfo('x', 'float32', [1])],
      outputs: [valueInfo('y', 'float32', [1])],
      initializers: [tensor('c1', 'float32', [1], [0.001]), tensor('c2', 'float32', [1], [1000]), tensor('c3', 'float32', [1], [100])],
      nodes: [node('If', ['c'], ['y'], {
        then_branch: graphAttr('then', [valueInfo('t3', 'float32', [1])], [node('Add', ['x', 'c1'], ['t1']), node('Mul', ['t1', 'c2'], ['t2']), node('Sub', ['t2', 'c3'], ['t3'])]),
        else_branch: graphAttr('else', [valueInfo('n', 'float32', [1])], [node('Neg', ['x'], ['n'])]),
      })],
    });
    using engine = await runtime.deserialize(await buildEngine(onnx, { backend: 'simulator', precision: 'fp16' }));
    using context = engine.createContext();
    const half = (v: number) => halfBitsToFloat(floatToHalfBits(v));
    const [x, c1, c2, c3] = [0.1003, 0.001, 1000, 100].map(Math.fround) as [number, number, number, number];
    const run = async (c: boolean) =>
      (await context.run({ c: TensorClass.from('bool', Uint8Array.of(c ? 1 : 0), []), x: TensorClass.from('float32', Float32Array.of(x), [1]) })).y!.data[0];
    const perLayer = half(Math.fround(half(Math.fround(half(Math.fround(x + c1)) * c2)) - c3));
    const lastOnly = half(Math.fround(Math.fround(Math.fround(x + c1) * c2) - c3));
    expect(perLayer).not.toBe(lastOnly); // 1.3125 and 1.2998046875: the inputs tell the two apart
    expect(await run(true)).toBe(perLayer);
    expect(await run(false)).toBe(half(-x));
  });

  it('precision flags come with a deprecation warning (TensorRT 10.12+), a strongly typed build without', async () => {
    const warnings: string[] = [];
    const onWarning = (m: string) => warnings.push(m);
    await buildEngine(getModel('mlp').onnx, { backend: 'simulator', precision: 'fp16', profiles: [PROFILES.mlp!], onWarning });
    expect(warnings).toEqual([expect.stringMatching(/deprecated since TensorRT 10\.12 .* export the ONNX model in fp16 and build with stronglyTyped: true/)]);
    await buildEngine(getModel('mlp').onnx, { backend: 'simulator', stronglyTyped: true, profiles: [PROFILES.mlp!], onWarning });
    expect(warnings).toHaveLength(1);
  });

  it("int8 with a calibration cache that leaves tensors out: TensorRT's warning for each through onWarning, then the package's advice", async () => {
    // The cache has every node output's scale (h, h_relu, y) but not the input x's; leave h out as well.
    const cache = (await calibrationCache('mlp')).split('\n').filter((line) => !line.startsWith('h:')).join('\n');
    const warnings: [string, string][] = [];
    await buildEngine(getModel('mlp').onnx, {
      backend: 'simulator',
      precision: 'int8',
      profiles: [PROFILES.mlp!],
      calibrationCache: new TextEncoder().encode(cache),
      onWarning: (message, from) => warnings.push([message, from]),
    });
    const missing = (tensor: string) => `Missing scale and zero-point for tensor ${tensor}, expect fall back to non-int8 implementation for any layer consuming or producing given tensor`;
    expect(warnings).toEqual([
      [missing('x'), 'tensorrt'],
      [missing('h'), 'tensorrt'],
      [expect.stringMatching(/^precision 'int8' uses TensorRT builder flags and implicit INT8 calibration, deprecated since TensorRT 10\.12/), 'tensorrt-node'],
    ]);
  });

  it('many warnings: the first 16 and the latest 16 of what TensorRT logged, with a line that counts those left out between', async () => {
    // 40 Relus in a chain, and a cache with a scale for the output only: one warning per other tensor, x0 to x39.
    const chain = model({
      inputs: [valueInfo('x0', 'float32', [2, 4])],
      outputs: [valueInfo('x40', 'float32', [2, 4])],
      nodes: Array.from({ length: 40 }, (_, i) => node('Relu', [`x${i}`], [`x${i + 1}`])),
    });
    const warnings: [string, string][] = [];
    await buildEngine(chain, {
      backend: 'simulator',
      precision: 'int8',
      calibrationCache: new TextEncoder().encode('TRT-101601-EntropyCalibration2\nx40: 3c010204\n'),
      onWarning: (message, from) => warnings.push([message, from]),
    });
    const missing = (i: number) => `Missing scale and zero-point for tensor x${i}, expect fall back to non-int8 implementation for any layer consuming or producing given tensor`;
    const fromTensorRT = warnings.filter(([, from]) => from === 'tensorrt').map(([message]) => message);
    expect(fromTensorRT).toEqual([
      ...Array.from({ length: 16 }, (_, i) => missing(i)),
      '(8 lines left out)',
      ...Array.from({ length: 16 }, (_, i) => missing(24 + i)),
    ]);
  });

  it('int8 without a calibration cache on a model without Q/DQ nodes: BUILD_FAILED with TensorRT\'s message and what to give', async () => {
    const e = await buildEngine(getModel('mlp').onnx, { backend: 'simulator', precision: 'int8', profiles: [PROFILES.mlp!] }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(BuildFailedError);
    expect((e as Error).message).toMatch(
      /Calibration failure occurred with no scaling factors detected.*\. precision int8 needs a calibration cache \(calibrationCache: bytes or a file path\), or a model with Q\/DQ \(QuantizeLinear\/DequantizeLinear\) nodes$/,
    );
  });

  it('an empty calibration cache: BUILD_FAILED with TensorRT\'s calibration message', async () => {
    const e = await buildEngine(getModel('mlp').onnx, {
      backend: 'simulator',
      precision: 'int8',
      profiles: [PROFILES.mlp!],
      calibrationCache: new TextEncoder().encode('TRT-101601-EntropyCalibration2\n'),
    }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(BuildFailedError);
    expect((e as Error).message).toMatch(/Calibration failure occurred with no scaling factors detected/);
  });

  it('precision flags on a strongly typed network: BUILD_FAILED', async () => {
    const e = await buildEngine(getModel('mlp').onnx, {
      backend: 'simulator',
      precision: 'fp16',
      stronglyTyped: true,
      profiles: [PROFILES.mlp!],
    }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(BuildFailedError);
    expect((e as Error).message).toMatch(/strongly typed/);
  });
});

describe('timing cache', () => {
  it('is written after a build and reused by the next one', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'trtn-tc-')), 'model.timing-cache');
    const options = { backend: 'simulator' as const, profiles: [PROFILES.embedding!], timingCachePath: file };
    const before = simulator.counters();
    await buildEngine(getModel('embedding').onnx, options);
    const first = simulator.counters();
    expect(first.timingCacheHits - before.timingCacheHits).toBe(0);
    const layers = first.timingCacheMisses - before.timingCacheMisses;
    expect(layers).toBeGreaterThan(3);
    expect((await readFile(file)).length).toBeGreaterThan(0);
    await buildEngine(getModel('embedding').onnx, options);
    const second = simulator.counters();
    expect(second.timingCacheHits - first.timingCacheHits).toBe(layers);
    expect(second.timingCacheMisses - first.timingCacheMisses).toBe(0);
  });

  it('a cache shared through a symlink stays shared, and a private one stays private: the file the path names is updated', async () => {
    const fsp = await import('node:fs/promises');
    const dir = mkdtempSync(path.join(tmpdir(), 'trtn-tc-'));
    const shared = path.join(dir, 'shared.cache');
    const link = path.join(dir, 'link.cache');
    await buildEngine(getModel('mlp').onnx, { backend: 'simulator', profiles: [PROFILES.mlp!], timingCachePath: shared });
    await fsp.chmod(shared, 0o600);
    await fsp.symlink(shared, link);
    const before = (await fsp.stat(shared)).mtimeMs;
    await new Promise((resolve) => setTimeout(resolve, 20));
    await buildEngine(getModel('embedding').onnx, { backend: 'simulator', profiles: [PROFILES.embedding!], timingCachePath: link });
    expect((await fsp.lstat(link)).isSymbolicLink()).toBe(true);
    const after = await fsp.stat(shared);
    expect(after.mtimeMs).toBeGreaterThan(before);
    expect(after.mode & 0o777).toBe(0o600);
  });

  it('a timing cache path that cannot be read or written: INVALID_ARGUMENT naming it (a missing file is just a first build)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'trtn-tc-'));
    const build = (timingCachePath: string) =>
      buildEngine(getModel('mlp').onnx, { backend: 'simulator', profiles: [PROFILES.mlp!], timingCachePath }).catch((err: unknown) => err);
    const unreadable = await build(dir); // a folder
    expect(unreadable).toBeInstanceOf(InvalidArgumentError);
    expect((unreadable as Error).message).toBe(`the timing cache "${dir}" cannot be read: EISDIR: illegal operation on a directory, read`);
    const unwritable = path.join(dir, 'no-such-folder', 'mlp.cache');
    const e = await build(unwritable);
    expect(e).toBeInstanceOf(InvalidArgumentError);
    expect((e as Error).message).toMatch(new RegExp(`^the timing cache "${unwritable}" cannot be written: ENOENT`));
  });

  it('a file that is not a timing cache: BUILD_FAILED', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'trtn-tc-')), 'bad.cache');
    await (await import('node:fs/promises')).writeFile(file, 'not a cache');
    const e = await buildEngine(getModel('mlp').onnx, { backend: 'simulator', profiles: [PROFILES.mlp!], timingCachePath: file }).catch(
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(BuildFailedError);
    expect((e as Error).message).toMatch(/timing cache/);
  });
});
