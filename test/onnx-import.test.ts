// How the simulator's ONNX parser imports models, where TensorRT's parser (onnx-tensorrt) has rules of its own:
// nodes listed out of order, repeated reduction axes, LayerNormalization's stash_type, and graph outputs declared
// with another type than the one computed. Each was found by fuzzing the simulator against onnxruntime; results
// are checked against onnxruntime where both accept the model (tolerance: FP32_TOLERANCE unless stated).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuildFailedError, Runtime, Tensor, buildEngine } from '../lib/index.js';
import type { DType as TensorDType } from '../lib/index.js';
import { expectLikeOrt, runOrt } from './helpers/ort.js';
import type { TensorMap } from './helpers/ort.js';
import { floatAttr, model, node, tensor, tensorAttr, valueInfo } from './models/onnx-builder.js';

let runtime: Runtime;
beforeAll(() => {
  runtime = Runtime.create({ backend: 'simulator' });
});
afterAll(() => runtime.dispose());

const x23 = { x: { dtype: 'float32' as const, dims: [2, 3], data: Float32Array.of(-2.5, -0.75, 0.5, 1.25, 3, 7.5) } };

async function runSimulator(onnx: Uint8Array, feeds: TensorMap) {
  using engine = await runtime.deserialize(await buildEngine(onnx, { backend: 'simulator' }));
  using context = engine.createContext();
  const tensors = Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, Tensor.from(t.dtype as TensorDType, t.data as never, t.dims)]));
  return { result: await context.run(tensors), outputs: engine.outputs };
}

async function buildError(onnx: Uint8Array): Promise<BuildFailedError> {
  const e = await buildEngine(onnx, { backend: 'simulator' }).catch((err: unknown) => err);
  expect(e).toBeInstanceOf(BuildFailedError);
  return e as BuildFailedError;
}

describe('importing ONNX as TensorRT does', () => {
  it('sorts nodes listed out of order, as TensorRT and onnxruntime both run them', async () => {
    const onnx = model({
      inputs: [valueInfo('x', 'float32', [2, 3])],
      outputs: [valueInfo('y', 'float32', [2, 3])],
      nodes: [node('Neg', ['t'], ['y']), node('Mul', ['r', 'r'], ['t']), node('Relu', ['x'], ['r'])],
    });
    await expectLikeOrt(onnx, x23, (await runSimulator(onnx, x23)).result);
  });

  it('refuses a graph with a cycle, naming a node on it', async () => {
    const onnx = model({
      inputs: [valueInfo('x', 'float32', [2, 3])],
      outputs: [valueInfo('y', 'float32', [2, 3])],
      nodes: [node('Add', ['x', 'b'], ['a'], {}, 'first'), node('Relu', ['a'], ['b'], {}, 'second'), node('Neg', ['a'], ['y'])],
    });
    expect((await buildError(onnx)).details.join('\n')).toMatch(/Failed to sort the model topologically: the graph has a cycle through node first/);
  });

  it('reduces an axis listed twice once, as onnxruntime does (TensorRT ORs the axes into a mask)', async () => {
    const onnx = model({
      inputs: [valueInfo('x', 'float32', [2, 3])],
      outputs: [valueInfo('y', 'float32', [2, 1])],
      initializers: [tensor('axes', 'int64', [2], [1n, -1n])],
      nodes: [node('ReduceSum', ['x', 'axes'], ['y'])],
    });
    await expectLikeOrt(onnx, x23, (await runSimulator(onnx, x23)).result);
  });

  it('slices and expands with ranges and shapes computed from a dynamic input\'s extents, as exported models do', async () => {
    // y = Slice(x, [1], [len - 1], [1]) and m = Expand(mask, Shape(y)): "drop the first and last token" and "a
    // mask per row, as wide as y", over a dynamic batch and sequence length.
    const onnx = model({
      inputs: [valueInfo('x', 'float32', ['batch', 'len']), valueInfo('mask', 'float32', ['batch', 1])],
      outputs: [valueInfo('y', 'float32', ['batch', 'inner']), valueInfo('m', 'float32', ['batch', 'inner'])],
      initializers: [tensor('one', 'int64', [1], [1n]), tensor('axis1', 'int64', [1], [1n]), tensor('idx1', 'int64', [1], [1n])],
      nodes: [
        node('Shape', ['x'], ['xs']),
        node('Gather', ['xs', 'idx1'], ['len'], { axis: 0 }),
        node('Sub', ['len', 'one'], ['end']),
        node('Slice', ['x', 'one', 'end', 'axis1'], ['y']),
        node('Shape', ['y'], ['ys']),
        node('Expand', ['mask', 'ys'], ['m']),
      ],
    });
    const plan = await buildEngine(onnx, { backend: 'simulator', profiles: [{ x: { min: [1, 2], opt: [2, 6], max: [4, 9] }, mask: { min: [1, 1], opt: [2, 1], max: [4, 1] } }] });
    using engine = await runtime.deserialize(plan);
    using context = engine.createContext();
    for (const [batch, len] of [[2, 6], [3, 9], [1, 2]] as const) {
      const x = Float32Array.from({ length: batch * len }, (_, i) => i * 0.5 - 3);
      const mask = Float32Array.from({ length: batch }, (_, i) => i + 1);
      const feeds = { x: { dtype: 'float32' as const, dims: [batch, len], data: x }, mask: { dtype: 'float32' as const, dims: [batch, 1], data: mask } };
      const result = await context.run({ x: Tensor.from('float32', x, [batch, len]), mask: Tensor.from('float32', mask, [batch, 1]) });
      expect(result.y!.dims).toEqual([batch, len - 2]);
      await expectLikeOrt(onnx, feeds, result);
    }
  });

  it('slices a static position table to a dynamic sequence length, and refuses a slice whose end is data', async () => {
    // pos = Slice(table, [0], [len], [0]) where len = Shape(ids)[1]: the static [16, 4] table is cut to the input's
    // length, as exported transformers add position embeddings. With the end fed as data instead, no input extent
    // decides the output's, and the build's profile check refuses it, naming the node.
    const table = Float32Array.from({ length: 64 }, (_, i) => i * 0.25 - 8);
    const positions = (endFromData: boolean) =>
      model({
        inputs: [valueInfo('ids', 'int64', ['batch', 'len']), ...(endFromData ? [valueInfo('end', 'int64', [1])] : [])],
        outputs: [valueInfo('pos', 'float32', ['len', 4])],
        initializers: [tensor('table', 'float32', [16, 4], table), tensor('zero', 'int64', [1], [0n]), tensor('idx1', 'int64', [1], [1n])],
        nodes: [
          ...(endFromData ? [] : [node('Shape', ['ids'], ['shape']), node('Gather', ['shape', 'idx1'], ['end'], { axis: 0 })]),
          node('Slice', ['table', 'zero', 'end', 'zero'], ['pos'], {}, 'position_slice'),
        ],
      });
    const profile = { ids: { min: [1, 1], opt: [1, 8], max: [2, 16] } };
    const onnx = positions(false);
    using engine = await runtime.deserialize(await buildEngine(onnx, { backend: 'simulator', profiles: [profile] }));
    using context = engine.createContext();
    for (const len of [8, 16, 1]) {
      const ids = new BigInt64Array(len);
      const result = await context.run({ ids: Tensor.from('int64', ids, [1, len]) });
      expect(result.pos!.dims).toEqual([len, 4]);
      await expectLikeOrt(onnx, { ids: { dtype: 'int64', dims: [1, len], data: ids } }, result);
    }
    // An end given as an input is a shape tensor: the profile gives its values, and each run reads them on the host.
    const error = await buildEngine(positions(true), { backend: 'simulator', profiles: [profile] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BuildFailedError);
    expect((error as BuildFailedError).message).toMatch(/optimization profile 0, input 'end': a shape tensor .*give its values as \{ values: \{ min, opt, max \} \}/);
    const fromData = positions(true);
    using byValue = await runtime.deserialize(await buildEngine(fromData, { backend: 'simulator', profiles: [{ ...profile, end: { values: { min: [1], opt: [8], max: [16] } } }] }));
    using byValueContext = byValue.createContext();
    for (const end of [8, 16, 1]) {
      const feeds = { ids: Tensor.from('int64', new BigInt64Array(2), [1, 2]), end: Tensor.from('int64', BigInt64Array.of(BigInt(end)), [1]) };
      const result = await byValueContext.run(feeds);
      expect(result.pos!.dims).toEqual([end, 4]);
      await expectLikeOrt(fromData, feeds, result);
    }
  });

  it('ConstantOfShape and Tile over a dynamic input\'s extents (an attention mask, a row per batch entry), through the plan', async () => {
    // mask = ConstantOfShape(Shape(ids), value=int64 1); rows = Tile(row, [batch, 1]). Neither folds at build time, so
    // ConstantOfShape's tensor attribute goes through the serialized plan.
    const onnx = model({
      inputs: [valueInfo('ids', 'int64', ['batch', 'len']), valueInfo('row', 'float32', [1, 3])],
      outputs: [valueInfo('mask', 'int64', ['batch', 'len']), valueInfo('rows', 'float32', ['batch', 3])],
      initializers: [tensor('idx0', 'int64', [1], [0n]), tensor('one', 'int64', [1], [1n])],
      nodes: [
        node('Shape', ['ids'], ['shape']),
        node('ConstantOfShape', ['shape'], ['mask'], { value: tensorAttr(tensor('v', 'int64', [1], [1n])) }),
        node('Gather', ['shape', 'idx0'], ['batch'], { axis: 0 }),
        node('Concat', ['batch', 'one'], ['repeats'], { axis: 0 }),
        node('Tile', ['row', 'repeats'], ['rows']),
      ],
    });
    const plan = await buildEngine(onnx, { backend: 'simulator', profiles: [{ ids: { min: [1, 1], opt: [2, 4], max: [4, 8] } }] });
    using engine = await runtime.deserialize(plan);
    using context = engine.createContext();
    const row = Float32Array.of(0.5, -1, 2);
    for (const [batch, len] of [[2, 4], [4, 8], [1, 1]] as const) {
      const ids = BigInt64Array.from({ length: batch * len }, (_, i) => BigInt(i));
      const result = await context.run({ ids: Tensor.from('int64', ids, [batch, len]), row: Tensor.from('float32', row, [1, 3]) });
      expect(result.mask!.dims).toEqual([batch, len]);
      expect(result.rows!.dims).toEqual([batch, 3]);
      await expectLikeOrt(onnx, { ids: { dtype: 'int64', dims: [batch, len], data: ids }, row: { dtype: 'float32', dims: [1, 3], data: row } }, result);
    }
  });

  it('Range over a dynamic length (position ids) is known at run time; a Range whose limit is data fails to build', async () => {
    const positions = (limitFromData: boolean) =>
      model({
        inputs: [valueInfo('x', 'float32', ['batch', 'len']), ...(limitFromData ? [valueInfo('n', 'int64', [])] : [])],
        outputs: [valueInfo('ids', 'int64', ['len'])],
        initializers: [tensor('zero', 'int64', [], [0n]), tensor('step', 'int64', [], [1n]), tensor('idx1', 'int64', [], [1n])],
        nodes: limitFromData
          ? [node('Range', ['zero', 'n', 'step'], ['ids'])]
          : [node('Shape', ['x'], ['xs']), node('Gather', ['xs', 'idx1'], ['len'], { axis: 0 }), node('Range', ['zero', 'len', 'step'], ['ids'])],
      });
    const profile = { x: { min: [1, 1], opt: [2, 4], max: [4, 9] } };
    const onnx = positions(false);
    using engine = await runtime.deserialize(await buildEngine(onnx, { backend: 'simulator', profiles: [profile] }));
    using context = engine.createContext();
    for (const len of [4, 9, 1]) {
      const x = new Float32Array(2 * len);
      const result = await context.run({ x: Tensor.from('float32', x, [2, len]) });
      await expectLikeOrt(onnx, { x: { dtype: 'float32', dims: [2, len], data: x } }, result);
    }
    // A limit given as an input is a shape tensor: without values in the profile the build says so.
    const error = await buildEngine(positions(true), { backend: 'simulator', profiles: [profile] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BuildFailedError);
    expect((error as BuildFailedError).message).toMatch(/optimization profile 0, input 'n': a shape tensor/);
  });

  describe('LayerNormalization stash_type: the precision TensorRT computes in', () => {
    const feeds = { x: { dtype: 'float32' as const, dims: [2, 4], data: Float32Array.of(1000, 1000.25, 1000.5, 1000.75, -1.5, 0.25, 2, 0.5) } };
    const layerNorm = (stashType: number) =>
      model({
        inputs: [valueInfo('x', 'float32', [2, 4])],
        outputs: [valueInfo('y', 'float32', [2, 4])],
        initializers: [tensor('scale', 'float32', [4], [1, 1, 1, 1])],
        nodes: [node('LayerNormalization', ['x', 'scale'], ['y'], { axis: -1, epsilon: floatAttr(1e-5), stash_type: stashType })],
      });

    it('0 (not a float type) and 1 compute in float32, like onnxruntime', async () => {
      for (const stash of [0, 1]) await expectLikeOrt(layerNorm(stash), feeds, (await runSimulator(layerNorm(stash), feeds)).result);
    });

    it('16 keeps the statistics in bfloat16: a large mean loses its fraction, which onnxruntime (float32) keeps', async () => {
      const onnx = layerNorm(16);
      const y = (await runSimulator(onnx, feeds)).result.y!.data as Float32Array;
      const ort = (await runOrt(onnx, feeds)).y!.data as Float32Array;
      // Row 0: mean 1000.375 is 1000 in bfloat16 and 1/stddev 3.5775 is 3.578125, so y = (x - 1000) * 3.578125.
      expect(Array.from(y.subarray(0, 4))).toEqual([0, 0.89453125, 1.7890625, 2.68359375]);
      expect(ort[0]).toBeCloseTo(-1.3415, 3);
      // Row 1 (mean 0.3125): within bfloat16's relative precision (2^-8) of onnxruntime.
      for (let i = 4; i < 8; i++) expect(Math.abs(y[i]! - ort[i]!)).toBeLessThan(2 ** -8 * 2 * Math.max(1, Math.abs(ort[i]!)));
    });
  });

  describe('a graph output declared with another type than the one computed', () => {
    const declared = (dtype: 'float16' | 'float32' | 'bool', inner: 'float32' | 'int64' | 'int32') =>
      model({
        inputs: [valueInfo('x', inner, [2, 3])],
        outputs: [valueInfo('y', dtype, [2, 3])],
        nodes: [node(inner === 'float32' ? 'Relu' : 'Neg', ['x'], ['y'])],
      });
    // The same network with the conversion spelt out as a Cast, which onnxruntime accepts as a reference.
    const explicit = (dtype: 'float16' | 'float32' | 'bool', to: number, inner: 'float32' | 'int64') =>
      model({
        inputs: [valueInfo('x', inner, [2, 3])],
        outputs: [valueInfo('y', dtype, [2, 3])],
        nodes: [node(inner === 'float32' ? 'Relu' : 'Neg', ['x'], ['t']), node('Cast', ['t'], ['y'], { to })],
      });
    const i64 = { x: { dtype: 'int64' as const, dims: [2, 3], data: BigInt64Array.of(-3n, 0n, 5n, 2n ** 40n, -7n, 1n) } };

    it.each([
      ['float32 declared float16', 'float16', 10, 'float32', x23],
      ['float32 declared bool', 'bool', 9, 'float32', x23],
      ['int64 declared float32', 'float32', 1, 'int64', i64],
    ] as const)('%s: the engine output has the declared type, converted as a Cast would', async (_, dtype, to, inner, feeds) => {
      const { result, outputs } = await runSimulator(declared(dtype, inner), feeds);
      expect(outputs.map((o) => [o.name, o.dtype])).toEqual([['y', dtype]]);
      await expectLikeOrt(explicit(dtype, to, inner), feeds, result);
    });

    it('int32 declared as anything else: BUILD_FAILED with TensorRT\'s rule', async () => {
      const e = await buildError(declared('float32', 'int32'));
      expect(e.details.join('\n')).toMatch(/For INT32 tensors, the output type must also be INT32\. Graph output y is int32 and declared float/);
    });
  });
});
