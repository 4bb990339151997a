// Shape tensor outputs: int32/int64 outputs of fixed size whose values follow from the input shapes and shape tensor
// inputs alone (a Shape of an input, a size computed from it). Built with `shapeOutputs` (TensorRT's
// markOutputForShapes), TensorRT computes them on the host while it infers shapes and writes them to host memory, so
// the engine reports them with location 'host'. Checked here: what the engine says of them, their values on every run
// path (on the JS thread, after a warm-up, on the launcher, with CUDA graph replays, many contexts at once) against
// onnxruntime-node, output targets, the build's refusals, and that device memory returns to zero.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuildFailedError, InvalidArgumentError, InvalidInputError, Runtime, Tensor, buildEngine } from '../lib/index.js';
import type { BuildProfile } from '../lib/index.js';
import { simulator } from '../lib/testing/index.js';
import { expectLikeOrt } from './helpers/ort.js';
import { model, node, tensor, valueInfo } from './models/onnx-builder.js';

let runtime: Runtime;
beforeAll(() => {
  runtime = Runtime.create({ backend: 'simulator' });
});
afterAll(() => runtime.dispose());

// y = Relu(x); dims = Shape(x); dims7 = Concat(Shape(x), [7]): two shape outputs of a dynamic input.
const shapeOfOnnx = model({
  inputs: [valueInfo('x', 'float32', ['n', 4])],
  outputs: [valueInfo('y', 'float32', ['n', 4]), valueInfo('dims', 'int64', [2]), valueInfo('dims7', 'int64', [3])],
  initializers: [tensor('seven', 'int64', [1], [7])],
  nodes: [node('Relu', ['x'], ['y']), node('Shape', ['x'], ['dims']), node('Concat', ['dims', 'seven'], ['dims7'], { axis: 0 })],
});
const xProfile: BuildProfile = { x: { min: [1, 4], opt: [2, 4], max: [8, 4] } };
const xFeed = (n: number) => ({ x: Tensor.from('float32', Float32Array.from({ length: n * 4 }, (_, i) => i * 0.5 - 3), [n, 4]) });

async function engineOf(onnx: Uint8Array, profiles: BuildProfile[], shapeOutputs: string[]) {
  return runtime.deserialize(await buildEngine(onnx, { backend: 'simulator', profiles, shapeOutputs }));
}

describe('what an engine says of a shape tensor output', () => {
  it('the marked outputs live on the host with their fixed shapes; the others stay on the device; they travel through the plan', async () => {
    using engine = await engineOf(shapeOfOnnx, [xProfile], ['dims', 'dims7']);
    expect(engine.outputs.map((t) => [t.name, t.location, t.dtype, t.shape])).toEqual([
      ['y', 'device', 'float32', [-1, 4]],
      ['dims', 'host', 'int64', [2]],
      ['dims7', 'host', 'int64', [3]],
    ]);
    using again = await runtime.deserialize(engine.serialize());
    expect(again.outputs).toEqual(engine.outputs);
  });

  it('without shapeOutputs the same outputs are ordinary device outputs', async () => {
    using engine = await engineOf(shapeOfOnnx, [xProfile], []);
    expect(engine.outputs.map((t) => t.location)).toEqual(['device', 'device', 'device']);
  });
});

describe('runs give the values for their own input shapes', () => {
  it.each([
    ['on the JS thread', {}],
    ['after a warm-up', { warmUp: true }],
    ['on the launcher thread', { enqueueOn: 'launcher' as const }],
    ['with CUDA graphs', { cudaGraph: true }],
  ])('%s, shapes changing and repeating', async (_, options) => {
    using engine = await engineOf(shapeOfOnnx, [xProfile], ['dims', 'dims7']);
    using context = engine.createContext(options);
    for (const n of [2, 5, 5, 5, 2, 8, 1, 1, 1]) {
      const result = await context.run(xFeed(n));
      expect(result.dims!.dims).toEqual([2]);
      expect(Array.from(result.dims!.data as BigInt64Array)).toEqual([BigInt(n), 4n]);
      expect(Array.from(result.dims7!.data as BigInt64Array)).toEqual([BigInt(n), 4n, 7n]);
      await expectLikeOrt(shapeOfOnnx, xFeed(n), result);
    }
  });

  it('a CUDA graph replay, which runs no TensorRT code, still gives the values of its shapes', async () => {
    using engine = await engineOf(shapeOfOnnx, [xProfile], ['dims', 'dims7']);
    using context = engine.createContext({ cudaGraph: true });
    const before = simulator.counters();
    for (const n of [3, 3, 3, 3, 6, 6, 6, 6]) {
      const result = await context.run(xFeed(n));
      expect(Array.from(result.dims!.data as BigInt64Array)).toEqual([BigInt(n), 4n]);
    }
    const after = simulator.counters();
    // Per shape: a plain enqueue, a capture (then its launch) and two replays.
    expect({ enqueues: after.enqueues - before.enqueues, graphLaunches: after.graphLaunches - before.graphLaunches }).toEqual({ enqueues: 4, graphLaunches: 6 });
  });

  it('64 runs in flight over 4 contexts, each with its own shape, all right', async () => {
    using engine = await engineOf(shapeOfOnnx, [xProfile], ['dims', 'dims7']);
    const contexts = Array.from({ length: 4 }, (_, i) => engine.createContext(i === 3 ? { enqueueOn: 'launcher' } : i === 2 ? { cudaGraph: true } : {}));
    try {
      const sizes = Array.from({ length: 64 }, (_, i) => 1 + ((i * 5) % 8));
      const results = await Promise.all(sizes.map((n, i) => contexts[i % 4]!.run(xFeed(n))));
      for (let i = 0; i < sizes.length; i++) {
        expect(Array.from(results[i]!.dims7!.data as BigInt64Array)).toEqual([BigInt(sizes[i]!), 4n, 7n]);
        expect(results[i]!.y!.dims).toEqual([sizes[i], 4]);
      }
    } finally {
      for (const c of contexts) c.dispose();
    }
  });

  it('with a shape tensor input: the shape of a Reshape to a target given per run, -1 included', async () => {
    const onnx = model({
      inputs: [valueInfo('x', 'float32', ['n', 4]), valueInfo('target', 'int64', [2])],
      outputs: [valueInfo('y', 'float32', ['a', 'b']), valueInfo('yDims', 'int64', [2])],
      nodes: [node('Reshape', ['x', 'target'], ['y']), node('Shape', ['y'], ['yDims'])],
    });
    const profile: BuildProfile = { ...xProfile, target: { values: { min: [-1, 1], opt: [2, 4], max: [32, 32] } } };
    using engine = await engineOf(onnx, [profile], ['yDims']);
    expect(engine.outputs.map((t) => t.location)).toEqual(['device', 'host']);
    for (const enqueueOn of ['caller', 'launcher'] as const) {
      using context = engine.createContext({ enqueueOn });
      for (const [n, target] of [[2, [4, 2]], [4, [-1, 8]], [4, [-1, 8]], [8, [32, 1]], [1, [-1, 1]]] as const) {
        const feeds = { ...xFeed(n), target: Tensor.from('int64', BigInt64Array.from(target, BigInt), [2]) };
        const result = await context.run(feeds);
        expect(Array.from(result.yDims!.data as BigInt64Array).map(Number)).toEqual(result.y!.dims);
        await expectLikeOrt(onnx, feeds, result);
      }
    }
  });

  it('an int32 shape output of a static input (a constant the plan holds)', async () => {
    const onnx = model({
      inputs: [valueInfo('x', 'float32', [3, 5])],
      outputs: [valueInfo('y', 'float32', [3, 5]), valueInfo('count', 'int32', [])],
      nodes: [node('Neg', ['x'], ['y']), node('Size', ['x'], ['size']), node('Cast', ['size'], ['count'], { to: 6 })],
    });
    using engine = await engineOf(onnx, [], ['count']);
    expect(engine.outputs[1]).toMatchObject({ name: 'count', location: 'host', dtype: 'int32', shape: [] });
    using context = engine.createContext();
    const feeds = { x: Tensor.from('float32', Float32Array.from({ length: 15 }, (_, i) => i), [3, 5]) };
    const result = await context.run(feeds);
    expect(Array.from(result.count!.data as Int32Array)).toEqual([15]);
    await expectLikeOrt(onnx, feeds, result);
  });
});

describe('output targets', () => {
  it('a TypedArray given for a shape output is filled; a DeviceTensor is INVALID_INPUT naming it, and the next run works', async () => {
    using engine = await engineOf(shapeOfOnnx, [xProfile], ['dims', 'dims7']);
    using context = engine.createContext();
    const into = new BigInt64Array(2);
    const result = await context.run(xFeed(3), { outputs: { dims: into } });
    expect(Array.from(into)).toEqual([3n, 4n]);
    expect(result.dims!.data).toBe(into);
    using device = await runtime.createDeviceTensor('int64', [2]);
    const error = await context.run(xFeed(3), { outputs: { dims: device } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ tensor: 'dims' });
    expect((error as Error).message).toBe("output 'dims' is a shape tensor output, which TensorRT writes on the host: give it a BigInt64Array or nothing, not a DeviceTensor");
    // An ordinary output may still go to a DeviceTensor beside it.
    using yOnDevice = await runtime.createDeviceTensor('float32', [3, 4]);
    const mixed = await context.run(xFeed(3), { outputs: { y: yOnDevice } });
    expect(Array.from((mixed.dims7 as Tensor).data as BigInt64Array)).toEqual([3n, 4n, 7n]);
    expect(Array.from((await yOnDevice.toTensor()).data)).toEqual(Array.from(xFeed(3).x.data, (v) => Math.max(v, 0)));
  });
});

describe('the build refuses what cannot be a shape output, naming it', () => {
  async function buildError(onnx: Uint8Array, profiles: BuildProfile[], shapeOutputs: unknown): Promise<Error> {
    const error = await buildEngine(onnx, { backend: 'simulator', profiles, shapeOutputs: shapeOutputs as string[] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    return error as Error;
  }

  it('a name that is no output of the model', async () => {
    const error = await buildError(shapeOfOnnx, [xProfile], ['size']);
    expect(error).toBeInstanceOf(BuildFailedError);
    expect(error).toMatchObject({ tensor: 'size', message: "shape output 'size': the model has no output of that name (its outputs: y, dims, dims7)" });
  });

  it('a float output, and one of dynamic size', async () => {
    const float = await buildError(shapeOfOnnx, [xProfile], ['y']);
    expect(float).toMatchObject({ code: 'BUILD_FAILED', tensor: 'y' });
    expect(float.message).toBe("shape output 'y': a shape tensor output must be int32 or int64, of rank 0 or 1, with fixed dimensions; it is float32 [-1,4]");
    const nonzero = model({
      inputs: [valueInfo('x', 'float32', [6])],
      outputs: [valueInfo('ids', 'int64', [1, 'k'])],
      nodes: [node('NonZero', ['x'], ['ids'])],
    });
    expect((await buildError(nonzero, [], ['ids'])).message).toBe("shape output 'ids': a shape tensor output must be int32 or int64, of rank 0 or 1, with fixed dimensions; it is int64 [1,-1]");
  });

  it('an output whose values depend on the data (the shape of a NonZero): TensorRT\'s builder says so', async () => {
    const nonzero = model({
      inputs: [valueInfo('x', 'float32', [6])],
      outputs: [valueInfo('found', 'int64', [2])],
      nodes: [node('NonZero', ['x'], ['ids']), node('Shape', ['ids'], ['found'])],
    });
    const error = await buildError(nonzero, [], ['found']);
    expect(error).toBeInstanceOf(BuildFailedError);
    expect(error.message).toBe('IBuilder::buildSerializedNetwork failed: IBuilder::buildSerializedNetwork: Error Code 3: API Usage Error (Network output found is marked as a shape output (markOutputForShapes), but at optimization profile 0 its values depend on execution tensor data, not only on input shapes and shape tensor values.)');
  });

  it('an output computed from an input\'s values makes that input a shape tensor, which needs values', async () => {
    const argmax = model({
      inputs: [valueInfo('x', 'float32', [2, 4])],
      outputs: [valueInfo('best', 'int64', [2])],
      nodes: [node('ArgMax', ['x'], ['best'], { axis: 1, keepdims: 0 })],
    });
    const error = await buildError(argmax, [], ['best']);
    expect(error).toMatchObject({ code: 'BUILD_FAILED', tensor: 'x' });
    expect(error.message).toBe("optimization profile 0, input 'x': a shape tensor (its values decide output shapes or shape outputs, and TensorRT reads them on the host): give its values as { values: { min, opt, max } }");
  });

  it.each([['not an array', 'dims'], ['an empty name', ['']], ['a name twice', ['dims', 'dims']]])('shapeOutputs that is %s is INVALID_ARGUMENT', async (_, shapeOutputs) => {
    await expect(buildError(shapeOfOnnx, [xProfile], shapeOutputs)).resolves.toBeInstanceOf(InvalidArgumentError);
  });
});

it('device memory returns to zero once the contexts and the engine are disposed', async () => {
  const before = simulator.counters().liveDeviceAllocations;
  {
    using engine = await engineOf(shapeOfOnnx, [xProfile], ['dims', 'dims7']);
    using a = engine.createContext({ warmUp: true });
    using b = engine.createContext({ enqueueOn: 'launcher' });
    await Promise.all([a.run(xFeed(4)), b.run(xFeed(2)), a.run(xFeed(1))]);
  }
  runtime.synchronize();
  await expect.poll(() => simulator.counters().liveDeviceAllocations, { timeout: 5000 }).toBe(before);
});
