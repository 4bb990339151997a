// IO tensor formats: engines whose inputs or outputs TensorRT lays out other than row-major (vector-major chw4/chw32,
// vector-minor hwc/hwc8, ...: `ioFormats`, trtexec's --inputIOFormats). The simulator computes with those layouts as
// TensorRT does, so a run that handed it row-major bytes would compute garbage; the binding converts each run's
// row-major Tensors to and from the engine's layout. Checked here: what the engine says of the formats, results of
// each format and run path against onnxruntime-node, output targets, DeviceTensors refused, and the build's refusals.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuildFailedError, InvalidArgumentError, InvalidInputError, Runtime, Tensor, buildEngine } from '../lib/index.js';
import type { BuildProfile, IoFormat } from '../lib/index.js';
import { expectLikeOrt } from './helpers/ort.js';
import { model, node, valueInfo } from './models/onnx-builder.js';

type FormatTestType = 'float32' | 'float16' | 'int8' | 'uint8';

let runtime: Runtime;
beforeAll(() => {
  runtime = Runtime.create({ backend: 'simulator' });
});
afterAll(() => runtime.dispose());

// y = Neg(x) (or Cast to float32 for int8, which Neg does not take in onnxruntime): each element keeps its
// coordinates, so a layout mistake on either side moves values to other places.
function negModel(dtype: FormatTestType, dims: (number | string)[]) {
  const int8 = dtype === 'int8' || dtype === 'uint8';
  return model({
    inputs: [valueInfo('x', dtype, dims)],
    outputs: [valueInfo('y', int8 ? 'float32' : dtype, dims)],
    nodes: [int8 ? node('Cast', ['x'], ['y'], { to: 1 }) : node('Neg', ['x'], ['y'])],
  });
}

function feedOf(dtype: FormatTestType, dims: number[]) {
  const size = dims.reduce((a, b) => a * b, 1);
  const values = Array.from({ length: size }, (_, i) => (i % 2 ? 1 : -1) * (i + 1));
  if (dtype === 'float16') return { x: Tensor.from('float16', values, dims) };
  if (dtype === 'uint8') return { x: Tensor.from('uint8', Uint8Array.from(values, Math.abs), dims) };
  if (dtype === 'int8') return { x: Tensor.from('int8', Int8Array.from(values, (v) => Math.max(-128, Math.min(127, v))), dims) };
  return { x: Tensor.from('float32', Float32Array.from(values), dims) };
}

async function engineOf(onnx: Uint8Array, ioFormats: Record<string, IoFormat>, profiles?: BuildProfile[]) {
  return runtime.deserialize(await buildEngine(onnx, { backend: 'simulator', ioFormats, profiles }));
}

describe('each format, converted both ways', () => {
  it.each([
    ['chw32', 'float32', [1, 3, 2, 2]],
    ['hwc', 'float32', [1, 3, 2, 2]],
    ['hwc', 'uint8', [1, 5, 1, 3]],
    ['chw4', 'int8', [1, 5, 1, 3]],
    ['chw32', 'int8', [2, 3, 2, 1]],
    ['chw2', 'float16', [1, 3, 2, 2]],
    ['hwc8', 'float16', [1, 3, 2, 2]],
    ['hwc16', 'float16', [1, 17, 1, 2]],
    ['dhwc8', 'float16', [1, 3, 2, 1, 2]],
    ['cdhw32', 'float16', [1, 3, 2, 1, 2]],
    ['dhwc', 'float32', [1, 3, 2, 1, 2]],
    ['hwc8', 'float16', [3, 2, 2]],
  ] as const)('%s %s %j: the engine reports it; results match onnxruntime', async (format, dtype, dims) => {
    const onnx = negModel(dtype, [...dims]);
    const int8 = dtype === 'int8' || dtype === 'uint8';
    // The output takes the same format when its type allows it (a Cast's float32 output: chw32 or hwc if the input's).
    const outputFormat = !int8 || format === 'chw32' || format === 'hwc' ? format : 'linear';
    using engine = await engineOf(onnx, { x: format, y: outputFormat });
    expect([engine.inputs[0]!.format, engine.outputs[0]!.format]).toEqual([format, outputFormat]);
    using context = engine.createContext();
    const feeds = feedOf(dtype, [...dims]);
    await expectLikeOrt(onnx, feeds, await context.run(feeds));
  });
});

describe('every run path converts', () => {
  const onnx = negModel('float32', ['n', 3, 2, 2]);
  const profiles: BuildProfile[] = [{ x: { min: [1, 3, 2, 2], opt: [2, 3, 2, 2], max: [8, 3, 2, 2] } }];

  it.each([
    ['on the JS thread', {}],
    ['after a warm-up', { warmUp: true }],
    ['on the launcher thread', { enqueueOn: 'launcher' as const }],
    ['with CUDA graphs', { cudaGraph: true }],
  ])('%s, the batch changing and repeating', async (_, options) => {
    using engine = await engineOf(onnx, { x: 'chw32', y: 'hwc' }, profiles);
    using context = engine.createContext(options);
    for (const n of [2, 5, 5, 5, 1, 8, 8]) {
      const feeds = feedOf('float32', [n, 3, 2, 2]);
      await expectLikeOrt(onnx, feeds, await context.run(feeds));
    }
  });

  it('64 runs in flight over 4 contexts, all right', async () => {
    using engine = await engineOf(onnx, { x: 'hwc', y: 'chw32' }, profiles);
    const contexts = Array.from({ length: 4 }, (_, i) => engine.createContext(i === 3 ? { enqueueOn: 'launcher' } : {}));
    try {
      const sizes = Array.from({ length: 64 }, (_, i) => 1 + (i % 8));
      const feeds = sizes.map((n) => feedOf('float32', [n, 3, 2, 2]));
      const results = await Promise.all(feeds.map((f, i) => contexts[i % 4]!.run(f)));
      results.forEach((r, i) => expect(Array.from(r.y!.data as Float32Array)).toEqual(Array.from(feeds[i]!.x.data as Float32Array, (v) => -v)));
    } finally {
      for (const c of contexts) c.dispose();
    }
  });

  it('an output written into the caller\'s TypedArray is converted too', async () => {
    using engine = await engineOf(onnx, { x: 'chw32', y: 'hwc' }, profiles);
    using context = engine.createContext();
    const into = new Float32Array(3 * 12);
    const feeds = feedOf('float32', [3, 3, 2, 2]);
    const result = await context.run(feeds, { outputs: { y: into } });
    expect(result.y!.data).toBe(into);
    expect(Array.from(into)).toEqual(Array.from(feeds.x.data as Float32Array, (v) => -v));
  });

  it('a DeviceTensor for a formatted input or output is INVALID_INPUT naming it; the next run works', async () => {
    using engine = await engineOf(onnx, { x: 'chw32', y: 'hwc' }, profiles);
    using context = engine.createContext();
    using device = await runtime.createDeviceTensor('float32', [2, 3, 2, 2]);
    const asInput = await context.run({ x: device }).catch((e: unknown) => e);
    expect(asInput).toBeInstanceOf(InvalidInputError);
    expect(asInput).toMatchObject({ tensor: 'x' });
    expect((asInput as Error).message).toBe("input 'x' is laid out as chw32 by the engine, and a DeviceTensor holds row-major data: give a TypedArray, which the run converts");
    const asOutput = await context.run(feedOf('float32', [2, 3, 2, 2]), { outputs: { y: device } }).catch((e: unknown) => e);
    expect(asOutput).toMatchObject({ code: 'INVALID_INPUT', tensor: 'y' });
    const feeds = feedOf('float32', [2, 3, 2, 2]);
    await expectLikeOrt(onnx, feeds, await context.run(feeds));
  });
});

describe('the build refuses what a format cannot hold, naming the tensor', () => {
  async function buildError(onnx: Uint8Array, ioFormats: unknown, profiles?: BuildProfile[]): Promise<Error> {
    return (await buildEngine(onnx, { backend: 'simulator', ioFormats: ioFormats as Record<string, IoFormat>, profiles }).catch((e: unknown) => e)) as Error;
  }

  it('a format for another type (chw4 takes int8), too few dimensions, and a vectorized dimension that varies', async () => {
    const float = await buildError(negModel('float32', [1, 3, 2, 2]), { x: 'chw4' });
    expect(float).toBeInstanceOf(BuildFailedError);
    expect(float.message).toContain('Network input x: none of its allowed formats (kCHW4) can hold a float32 tensor of dimensions [1,3,2,2]');
    const flat = await buildError(negModel('float16', [4, 8]), { y: 'hwc8' });
    expect(flat.message).toContain('Network output y: none of its allowed formats (kHWC8) can hold a float16 tensor of dimensions [4,8]');
    const varying = await buildError(negModel('float32', [1, 'c', 2, 2]), { x: 'chw32' }, [{ x: { min: [1, 1, 2, 2], opt: [1, 3, 2, 2], max: [1, 8, 2, 2] } }]);
    expect(varying.message).toContain('none of its allowed formats (kCHW32) can hold a float32 tensor of dimensions [1,-1,2,2]');
  });

  it('a name that is no input or output, and a format that is none (INVALID_ARGUMENT before building)', async () => {
    const unknown = await buildError(negModel('float32', [1, 3, 2, 2]), { z: 'hwc' });
    expect(unknown).toMatchObject({ code: 'BUILD_FAILED', tensor: 'z', message: "IO format for 'z': the model has no input or output of that name" });
    expect(await buildError(negModel('float32', [1, 3, 2, 2]), { x: 'nhwc' })).toBeInstanceOf(InvalidArgumentError);
    expect(await buildError(negModel('float32', [1, 3, 2, 2]), ['x'])).toBeInstanceOf(InvalidArgumentError);
  });
});
