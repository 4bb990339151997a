// Shape tensor inputs: int32/int64 inputs whose values decide output shapes (a Reshape target, a Range limit, an
// Expand shape). TensorRT makes them host tensors (location 'host'), takes min/opt/max values for them in each
// optimization profile and reads them on the host at every run. Checked here: what the engine says of them, runs on
// each path (on the JS thread, on the launcher, with CUDA graphs, with an output whose shape depends on the data),
// the validation of their values and feeds, and the build's refusals. Results are checked against onnxruntime-node.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuildFailedError, InvalidInputError, Runtime, Tensor, buildEngine, describeOnnx } from '../lib/index.js';
import type { BuildProfile } from '../lib/index.js';
import { simulator } from '../lib/testing/index.js';
import { expectLikeOrt } from './helpers/ort.js';
import { model, node, tensor, valueInfo } from './models/onnx-builder.js';

let runtime: Runtime;
beforeAll(() => {
  runtime = Runtime.create({ backend: 'simulator' });
});
afterAll(() => runtime.dispose());

// y = Reshape(x, target): the target is a shape tensor input.
const reshapeOnnx = model({
  inputs: [valueInfo('x', 'float32', ['n', 4]), valueInfo('target', 'int64', [2])],
  outputs: [valueInfo('y', 'float32', ['a', 'b'])],
  nodes: [node('Reshape', ['x', 'target'], ['y'])],
});
const reshapeProfile: BuildProfile = { x: { min: [1, 4], opt: [2, 4], max: [8, 4] }, target: { values: { min: [-1, 1], opt: [2, 4], max: [32, 32] } } };
const reshapeFeeds = (n: number, target: readonly number[]) => ({
  x: Tensor.from('float32', Float32Array.from({ length: n * 4 }, (_, i) => i * 0.5 - 3), [n, 4]),
  target: Tensor.from('int64', BigInt64Array.from(target, BigInt), [2]),
});

// y = Expand(v, shape) and sizes = Cast(shape): the shape decides y's shape and is computed with too.
const expandOnnx = model({
  inputs: [valueInfo('shape', 'int64', [2])],
  outputs: [valueInfo('y', 'float32', ['r', 3]), valueInfo('sizes', 'float32', [2])],
  initializers: [tensor('v', 'float32', [1, 3], [1.5, -2, 0.25])],
  nodes: [node('Expand', ['v', 'shape'], ['y']), node('Cast', ['shape'], ['sizes'], { to: 1 })],
});
const expandProfile: BuildProfile = { shape: { values: { min: [1, 3], opt: [4, 3], max: [16, 3] } } };
const shapeFeed = (values: readonly number[]) => ({ shape: Tensor.from('int64', BigInt64Array.from(values, BigInt), [2]) });

async function engineOf(onnx: Uint8Array, profiles: BuildProfile[]) {
  return runtime.deserialize(await buildEngine(onnx, { backend: 'simulator', profiles }));
}

async function buildError(onnx: Uint8Array, profiles: BuildProfile[]): Promise<BuildFailedError> {
  const error = await buildEngine(onnx, { backend: 'simulator', profiles }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(BuildFailedError);
  return error as BuildFailedError;
}

describe('what an engine says of a shape tensor input', () => {
  it('the input lives on the host and each profile gives its values; they travel through the plan', async () => {
    const second: BuildProfile = { x: { min: [1, 4], opt: [1, 4], max: [2, 4] }, target: { values: { min: [1, 1], opt: [2, 2], max: [4, 8] } } };
    using engine = await engineOf(reshapeOnnx, [reshapeProfile, second]);
    expect(engine.inputs.map((t) => [t.name, t.location, t.shape])).toEqual([['x', 'device', [-1, 4]], ['target', 'host', [2]]]);
    expect(engine.profiles[0]!.target).toEqual({ min: [2], opt: [2], max: [2], values: { min: [-1, 1], opt: [2, 4], max: [32, 32] } });
    expect(engine.profiles[1]!.target!.values).toEqual({ min: [1, 1], opt: [2, 2], max: [4, 8] });
    expect(engine.profiles[0]!.x!.values).toBeUndefined();
    using again = await runtime.deserialize(engine.serialize());
    expect(again.profiles).toEqual(engine.profiles);
    expect(again.inputs).toEqual(engine.inputs);
  });

  it('an engine without shape tensor inputs keeps its inputs on the device and its profiles without values', async () => {
    const plain = model({
      inputs: [valueInfo('x', 'float32', ['n', 4])],
      outputs: [valueInfo('y', 'float32', ['n', 4])],
      nodes: [node('Relu', ['x'], ['y'])],
    });
    using engine = await engineOf(plain, [{ x: { min: [1, 4], opt: [2, 4], max: [8, 4] } }]);
    expect(engine.inputs[0]!.location).toBe('device');
    expect(engine.profiles[0]!.x).toEqual({ min: [1, 4], opt: [2, 4], max: [8, 4] });
  });
});

describe('describeOnnx: what the parser makes of a model, before any build', () => {
  it('lists the inputs and outputs as TensorRT types them, and marks the shape tensor inputs', async () => {
    const described = await describeOnnx(expandOnnx, { backend: 'simulator' });
    expect(described).toEqual({
      inputs: [{ name: 'shape', dtype: 'int64', shape: [2], shapeTensor: true }],
      outputs: [
        { name: 'y', dtype: 'float32', shape: [-1, -1], shapeTensor: false }, // Expand's extents come from the values
        { name: 'sizes', dtype: 'float32', shape: [2], shapeTensor: false },
      ],
      plugins: [],
      warnings: [],
    });
    const reshape = await describeOnnx(reshapeOnnx, { backend: 'simulator' });
    expect(reshape.inputs.map((t) => [t.name, t.shapeTensor])).toEqual([['x', false], ['target', true]]);
  });

  it('a model the parser rejects is BUILD_FAILED naming the node; a backend that cannot load is LIBRARY_NOT_FOUND', async () => {
    const unsupported = model({ inputs: [valueInfo('x', 'float32', [4])], outputs: [valueInfo('y', 'float32', [4])], nodes: [node('NoSuchOp', ['x'], ['y'])] });
    const error = await describeOnnx(unsupported, { backend: 'simulator' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BuildFailedError);
    expect((error as Error).message).toMatch(/^the ONNX parser rejected the model: node 0 .*NoSuchOp/);
    await expect(describeOnnx(reshapeOnnx, { backend: 'tensorrt' })).rejects.toMatchObject({ code: 'LIBRARY_NOT_FOUND' });
    await expect(describeOnnx('model.onnx' as unknown as Uint8Array)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('runs read the values at every run', () => {
  it.each([
    ['on the JS thread', {}],
    ['after a warm-up', { warmUp: true }],
    ['on the launcher thread', { enqueueOn: 'launcher' as const }],
    ['with CUDA graphs', { cudaGraph: true }],
  ])('Reshape to a target given per run (%s), -1 included, the same target again after another', async (_, options) => {
    using engine = await engineOf(reshapeOnnx, [reshapeProfile]);
    using context = engine.createContext(options);
    const cases = [[2, [4, 2]], [2, [8, 1]], [4, [-1, 8]], [2, [4, 2]], [2, [4, 2]], [8, [32, 1]], [1, [1, 4]]] as const;
    for (const [n, target] of cases) {
      const feeds = reshapeFeeds(n, target);
      const result = await context.run(feeds);
      expect(result.y!.dims).toEqual(target[0] === -1 ? [(n * 4) / target[1], target[1]] : target);
      await expectLikeOrt(reshapeOnnx, feeds, result);
    }
  });

  it('with CUDA graphs, new values launch plainly and are captured again once they repeat, as new shapes do', async () => {
    using engine = await engineOf(reshapeOnnx, [reshapeProfile]);
    using context = engine.createContext({ cudaGraph: true });
    const before = simulator.counters();
    for (const target of [[4, 2], [4, 2], [4, 2], [8, 1], [8, 1], [8, 1]]) {
      const feeds = reshapeFeeds(2, target);
      await expectLikeOrt(reshapeOnnx, feeds, await context.run(feeds));
    }
    const after = simulator.counters();
    // [4,2]: plain, capture (then its launch), replay; [8,1] the same: a graph holds the values it was captured with.
    expect({ enqueues: after.enqueues - before.enqueues, graphLaunches: after.graphLaunches - before.graphLaunches }).toEqual({ enqueues: 4, graphLaunches: 4 });
  });

  it('64 runs in flight over 4 contexts, each with its own target, all right', async () => {
    using engine = await engineOf(reshapeOnnx, [reshapeProfile]);
    const contexts = Array.from({ length: 4 }, (_, i) => engine.createContext(i === 3 ? { enqueueOn: 'launcher' } : {}));
    try {
      const targets = [[8, 1], [1, 8], [4, 2], [2, 4], [-1, 2], [-1, 1]];
      const requests = Array.from({ length: 64 }, (_, i) => reshapeFeeds(2, targets[i % targets.length]!));
      const results = await Promise.all(requests.map((feeds, i) => contexts[i % 4]!.run(feeds)));
      for (let i = 0; i < requests.length; i++) {
        const target = targets[i % targets.length]!;
        expect(results[i]!.y!.dims).toEqual(target[0] === -1 ? [8 / target[1]!, target[1]] : target);
        expect(Array.from(results[i]!.y!.data as Float32Array)).toEqual(Array.from(requests[i]!.x.data));
      }
    } finally {
      for (const c of contexts) c.dispose();
    }
  });

  it('a 0-D int32 limit sizes a Range', async () => {
    const onnx = model({
      inputs: [valueInfo('n', 'int32', [])],
      outputs: [valueInfo('ids', 'int32', ['len'])],
      initializers: [tensor('zero', 'int32', [], [0]), tensor('two', 'int32', [], [2])],
      nodes: [node('Range', ['zero', 'n', 'two'], ['ids'])],
    });
    using engine = await engineOf(onnx, [{ n: { values: { min: [0], opt: [6], max: [40] } } }]);
    expect(engine.inputs[0]).toMatchObject({ name: 'n', location: 'host', dtype: 'int32', shape: [] });
    using context = engine.createContext();
    for (const n of [6, 1, 40, 0, 7, 7]) {
      const feeds = { n: Tensor.from('int32', Int32Array.of(n), []) };
      const result = await context.run(feeds);
      expect(result.ids!.dims).toEqual([Math.ceil(n / 2)]);
      await expectLikeOrt(onnx, feeds, result);
    }
  });

  it.each([
    ['on the JS thread', {}],
    ['on the launcher thread', { enqueueOn: 'launcher' as const }],
    ['with CUDA graphs', { cudaGraph: true }],
    // The launcher binds the values in the run's staging, at the address the pool gives the next run too: a graph
    // captured for [8,3] was replayed for [4,3] and [2,3] (sizes [8,3]).
    ['on the launcher thread with CUDA graphs', { enqueueOn: 'launcher' as const, cudaGraph: true }],
  ])('a shape tensor that is also computed with (Expand and Cast of one input), %s', async (_, options) => {
    using engine = await engineOf(expandOnnx, [expandProfile]);
    using context = engine.createContext(options);
    for (const rows of [4, 1, 16, 3, 8, 8, 8, 4, 4, 2]) {
      const feeds = shapeFeed([rows, 3]);
      const result = await context.run(feeds);
      expect(result.y!.dims).toEqual([rows, 3]);
      expect(Array.from(result.sizes!.data as Float32Array)).toEqual([rows, 3]);
      await expectLikeOrt(expandOnnx, feeds, result);
    }
  });

  it('the warm-up runs with the profile\'s optimum values (zeros would not expand [1,3])', async () => {
    using engine = await engineOf(expandOnnx, [expandProfile]);
    const loads = simulator.counters().kernelModulesLoaded;
    using context = await engine.createContextAsync({ warmUp: true });
    expect(simulator.counters().kernelModulesLoaded).toBeGreaterThan(loads);
    const result = await context.run(shapeFeed([4, 3]));
    await expectLikeOrt(expandOnnx, shapeFeed([4, 3]), result);
  });

  it('with an output whose shape depends on the data: NonZero of the reshaped input', async () => {
    const onnx = model({
      inputs: [valueInfo('x', 'float32', [8]), valueInfo('target', 'int64', [2])],
      outputs: [valueInfo('nz', 'int64', [2, 'k'])],
      nodes: [node('Reshape', ['x', 'target'], ['r']), node('NonZero', ['r'], ['nz'])],
    });
    using engine = await engineOf(onnx, [{ target: { values: { min: [1, 1], opt: [2, 4], max: [8, 8] } } }]);
    expect(engine.outputs[0]!.dataDependent).toBe(true);
    using context = engine.createContext();
    const x = Tensor.from('float32', Float32Array.of(0, 1, 0, 2, 3, 0, 0, 4), [8]);
    for (const target of [[2, 4], [4, 2], [8, 1]]) {
      const feeds = { x, target: Tensor.from('int64', BigInt64Array.from(target, BigInt), [2]) };
      await expectLikeOrt(onnx, feeds, await context.run(feeds));
    }
  });
});

describe('bad values and feeds', () => {
  it('a value outside the active profile is INVALID_INPUT naming the element and the range; the next run works', async () => {
    const second: BuildProfile = { x: { min: [1, 4], opt: [1, 4], max: [2, 4] }, target: { values: { min: [1, 1], opt: [2, 2], max: [4, 8] } } };
    using engine = await engineOf(reshapeOnnx, [reshapeProfile, second]);
    using context = engine.createContext();
    const error = await context.run(reshapeFeeds(2, [64, 1])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ code: 'INVALID_INPUT', tensor: 'target' });
    expect((error as Error).message).toBe("input 'target': value 0 is outside optimization profile 0: expected -1..32 (profile values [-1,1]..[32,32]), got 64 in [64,1]");
    await expectLikeOrt(reshapeOnnx, reshapeFeeds(2, [8, 1]), await context.run(reshapeFeeds(2, [8, 1])));
    // Profile 1 has its own range: 32 fits profile 0 but not profile 1.
    using other = engine.createContext({ profile: 1 });
    await expect(other.run(reshapeFeeds(1, [1, 32]))).rejects.toThrow("input 'target': value 1 is outside optimization profile 1: expected 1..8 (profile values [1,1]..[4,8]), got 32 in [1,32]");
    await expectLikeOrt(reshapeOnnx, reshapeFeeds(1, [2, 2]), await other.run(reshapeFeeds(1, [2, 2])));
  });

  it.each([['on the JS thread', 'caller'], ['on the launcher thread', 'launcher']] as const)(
    'values that fit the profile but not the data are refused by the layer, with TensorRT\'s reason (%s)',
    async (_, enqueueOn) => {
      using engine = await engineOf(reshapeOnnx, [reshapeProfile]);
      using context = engine.createContext({ enqueueOn });
      const error = await context.run(reshapeFeeds(2, [3, 3])).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as Error).message).toBe(
        "output 'y': TensorRT could not infer its shape from the input shapes and the shape tensor values given: IExecutionContext::inferShapes: Error Code 7: Internal Error (node 'Reshape_0' (Reshape): Reshape: cannot reshape [2,4] (8 elements) to [3,3] (9 elements))",
      );
      await expectLikeOrt(reshapeOnnx, reshapeFeeds(2, [2, 4]), await context.run(reshapeFeeds(2, [2, 4])));
    },
  );

  it('a DeviceTensor for a shape tensor input is refused: TensorRT reads the values on the host', async () => {
    using engine = await engineOf(expandOnnx, [expandProfile]);
    using context = engine.createContext();
    using device = await runtime.createDeviceTensor('int64', [2], shapeFeed([4, 3]).shape);
    const error = await context.run({ shape: device }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toBe("input 'shape': a shape tensor input is read on the host: expected a Tensor (its values decide output shapes), got a DeviceTensor");
  });
});

describe('building', () => {
  it('a shape tensor input without values, or with dims instead, says which form the profile needs', async () => {
    const missing = await buildError(reshapeOnnx, [{ x: reshapeProfile.x! }]);
    expect(missing.message).toBe("optimization profile 0, input 'target': a shape tensor (its values decide output shapes, and TensorRT reads them on the host): give its values as { values: { min, opt, max } }");
    const asDims = await buildError(reshapeOnnx, [{ x: reshapeProfile.x!, target: { min: [2], opt: [2], max: [2] } }]);
    expect(asDims.message).toMatch(/input 'target': a shape tensor .*give its values as \{ values: \{ min, opt, max \} \}, not dimensions$/);
    const noProfile = await buildError(expandOnnx, []);
    expect(noProfile.message).toMatch(/optimization profile 0, input 'shape': a shape tensor/);
  });

  it('values for an input that is no shape tensor are refused', async () => {
    const error = await buildError(reshapeOnnx, [{ x: { values: { min: [1, 4], opt: [2, 4], max: [8, 4] } }, target: reshapeProfile.target! }]);
    expect(error.message).toBe("optimization profile 0, input 'x': not a shape tensor (its values decide no shape): give its dimensions as { min, opt, max } instead of values");
  });

  it('TensorRT\'s rules: integer values, of fixed shape and rank 0 or 1, as many as elements, in order', async () => {
    const floatTarget = model({
      inputs: [valueInfo('x', 'float32', [2, 4]), valueInfo('f', 'float32', [2])],
      outputs: [valueInfo('y', 'float32', ['a', 'b'])],
      nodes: [node('Cast', ['f'], ['target'], { to: 7 }), node('Reshape', ['x', 'target'], ['y'])],
    });
    const floats = await buildError(floatTarget, [{ f: { values: { min: [1, 1], opt: [2, 4], max: [8, 8] } } }]);
    expect(floats.message).toMatch(/Network input f is a shape tensor \(its values decide a shape\), so it must be an int32 or int64 tensor of rank 0 or 1 with fixed dimensions; it is float32 \[2\]\./);
    const dynamicRepeats = model({
      inputs: [valueInfo('x', 'float32', [2, 4]), valueInfo('repeats', 'int64', ['k'])],
      outputs: [valueInfo('y', 'float32', ['a', 'b'])],
      nodes: [node('Tile', ['x', 'repeats'], ['y'])],
    });
    const dynamic = await buildError(dynamicRepeats, [{ repeats: { values: { min: [1, 1], opt: [2, 4], max: [8, 8] } } }]);
    expect(dynamic.message).toMatch(/it is int64 \[-1\]\./);
    const count = await buildError(reshapeOnnx, [{ x: reshapeProfile.x!, target: { values: { min: [1], opt: [2], max: [8] } } }]);
    expect(count.message).toMatch(/Optimization profile 0 has 1 values for shape input tensor target, which has 2 elements \[2\]\./);
    await expect(buildEngine(reshapeOnnx, { backend: 'simulator', profiles: [{ x: reshapeProfile.x!, target: { values: { min: [4, 1], opt: [2, 4], max: [8, 8] } } }] })).rejects.toThrow(
      "profile 0, input 'target': needs min <= opt <= max in every value (integers, one count), got min [4,1], opt [2,4], max [8,8]",
    );
  });
});
