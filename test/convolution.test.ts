// Convolution, pooling, padding and batch normalization beyond one operator at a time: a Pad whose amounts are
// computed from a dynamic input's extents (pad to a multiple of 8, as exported vision and audio models do), dynamic
// image sizes through one profile, and what TensorRT's parser refuses, refused at build time with the node named.
// Results are checked against onnxruntime-node (FP32_TOLERANCE).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuildFailedError, Runtime, Tensor, buildEngine } from '../lib/index.js';
import type { ShapeRange } from '../lib/index.js';
import { expectLikeOrt } from './helpers/ort.js';
import { float8Zeros, floatAttr, model, node, tensor, valueInfo } from './models/onnx-builder.js';
import type { AttrValue, DType } from './models/onnx-builder.js';
import { rng } from './models/rng.js';

let runtime: Runtime;
beforeAll(() => {
  runtime = Runtime.create({ backend: 'simulator' });
});
afterAll(() => runtime.dispose());

async function buildError(onnx: Uint8Array, profiles: Record<string, ShapeRange>[] = []): Promise<string> {
  const e = await buildEngine(onnx, { backend: 'simulator', profiles }).catch((err: unknown) => err);
  expect(e).toBeInstanceOf(BuildFailedError);
  const error = e as BuildFailedError;
  return [error.message, ...error.details].join('\n');
}

/** One node over a float32 input x (and initializers), declared output y. */
function oneNode(op: string, x: (number | string)[], extraInputs: string[], attrs: Record<string, AttrValue>, options: { initializers?: ReturnType<typeof tensor>[]; outputs?: string[]; dtype?: DType; opset?: number } = {}) {
  const outputs = options.outputs ?? ['y'];
  return model({
    inputs: [valueInfo('x', options.dtype ?? 'float32', x)],
    outputs: outputs.map((o) => valueInfo(o, o === 'indices' ? 'int64' : options.dtype ?? 'float32', [])),
    initializers: options.initializers ?? [],
    nodes: [node(op, ['x', ...extraInputs], outputs, attrs, 'the_node')],
    opset: options.opset,
  });
}

describe('Pad with amounts computed from the input extents', () => {
  it('pads every length up to 16 with -1 (pads = [0, 0, 0, 16 - len]), like onnxruntime', async () => {
    const onnx = model({
      inputs: [valueInfo('x', 'float32', ['batch', 'len'])],
      outputs: [valueInfo('y', 'float32', ['batch', 16])],
      initializers: [
        tensor('idx1', 'int64', [1], [1n]),
        tensor('sixteen', 'int64', [1], [16n]),
        tensor('zeros', 'int64', [3], [0n, 0n, 0n]),
        tensor('fill', 'float32', [], [-1]),
      ],
      nodes: [
        node('Shape', ['x'], ['xs']),
        node('Gather', ['xs', 'idx1'], ['len'], { axis: 0 }),
        node('Sub', ['sixteen', 'len'], ['tail']),
        node('Concat', ['zeros', 'tail'], ['pads'], { axis: 0 }),
        node('Pad', ['x', 'pads', 'fill'], ['y']),
      ],
    });
    using engine = await runtime.deserialize(await buildEngine(onnx, { backend: 'simulator', profiles: [{ x: { min: [1, 1], opt: [2, 8], max: [4, 16] } }] }));
    using context = engine.createContext();
    for (const [batch, len] of [[2, 9], [4, 16], [1, 1]] as const) {
      const x = rng(batch * 100 + len).uniform(batch * len);
      const result = await context.run({ x: Tensor.from('float32', x, [batch, len]) });
      expect(result.y!.dims).toEqual([batch, 16]);
      await expectLikeOrt(onnx, { x: { dtype: 'float32', dims: [batch, len], data: x } }, result);
    }
  });

  it('pads given as an input are a shape tensor read per run; pads computed from float data are refused at build time', async () => {
    const onnx = model({
      inputs: [valueInfo('x', 'float32', [2, 3]), valueInfo('p', 'int64', [4])],
      outputs: [valueInfo('y', 'float32', [])],
      nodes: [node('Pad', ['x', 'p'], ['y'], {}, 'the_node')],
    });
    using engine = await runtime.deserialize(await buildEngine(onnx, { backend: 'simulator', profiles: [{ p: { values: { min: [0, 0, 0, 0], opt: [1, 1, 1, 1], max: [2, 3, 2, 3] } } }] }));
    using context = engine.createContext();
    for (const pads of [[1, 1, 1, 1], [0, 3, 2, 0], [0, 0, 0, 0]]) {
      const feeds = { x: Tensor.from('float32', Float32Array.of(1, 2, 3, 4, 5, 6), [2, 3]), p: Tensor.from('int64', BigInt64Array.from(pads, BigInt), [4]) };
      const result = await context.run(feeds);
      expect(result.y!.dims).toEqual([2 + pads[0]! + pads[2]!, 3 + pads[1]! + pads[3]!]);
      await expectLikeOrt(onnx, feeds, result);
    }
    const fromData = model({
      inputs: [valueInfo('x', 'float32', [2, 3]), valueInfo('f', 'float32', [4])],
      outputs: [valueInfo('y', 'float32', [])],
      nodes: [node('Cast', ['f'], ['p'], { to: 7 }), node('Pad', ['x', 'p'], ['y'], {}, 'the_node')],
    });
    const error = await buildEngine(fromData, { backend: 'simulator', profiles: [{ f: { values: { min: [0, 0, 0, 0], opt: [1, 1, 1, 1], max: [2, 2, 2, 2] } } }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BuildFailedError);
    expect((error as Error).message).toMatch(/Network input f is a shape tensor \(its values decide a shape\), so it must be an int32 or int64 tensor/);
  });
});

describe('a small CNN over dynamic image sizes', () => {
  // Conv (SAME_LOWER, stride 2) -> AveragePool 3x3 with padding (ceil_mode) -> Conv 1x1: the output size follows
  // the input size, through one profile.
  const r = rng(909);
  const onnx = model({
    inputs: [valueInfo('x', 'float32', ['batch', 2, 'h', 'w'])],
    outputs: [valueInfo('y', 'float32', ['batch', 3, 'oh', 'ow'])],
    initializers: [tensor('w1', 'float32', [4, 2, 3, 3], r.uniform(72, -0.5, 0.5)), tensor('w2', 'float32', [3, 4, 1, 1], r.uniform(12, -1, 1)), tensor('b2', 'float32', [3], r.uniform(3))],
    nodes: [
      node('Conv', ['x', 'w1'], ['c1'], { auto_pad: 'SAME_LOWER', strides: [2, 2] }),
      node('AveragePool', ['c1'], ['p1'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [2, 2], ceil_mode: 1 }),
      node('Conv', ['p1', 'w2', 'b2'], ['y']),
    ],
  });

  it('gives the output extents and values onnxruntime gives, at three image sizes', async () => {
    using engine = await runtime.deserialize(await buildEngine(onnx, { backend: 'simulator', profiles: [{ x: { min: [1, 2, 3, 3], opt: [1, 2, 12, 12], max: [3, 2, 31, 24] } }] }));
    using context = engine.createContext();
    for (const [batch, h, w, oh, ow] of [[1, 12, 12, 4, 4], [3, 31, 24, 9, 7], [2, 3, 5, 2, 2]] as const) {
      const x = rng(h * w).uniform(batch * 2 * h * w);
      const result = await context.run({ x: Tensor.from('float32', x, [batch, 2, h, w]) });
      expect(result.y!.dims).toEqual([batch, 3, oh, ow]);
      await expectLikeOrt(onnx, { x: { dtype: 'float32', dims: [batch, 2, h, w], data: x } }, result);
    }
  });

  it('refuses a profile whose smallest image is smaller than a kernel, naming the node', async () => {
    const valid = model({
      inputs: [valueInfo('x', 'float32', [1, 1, 'h', 'w'])],
      outputs: [valueInfo('y', 'float32', [1, 1, 'oh', 'ow'])],
      initializers: [tensor('k', 'float32', [1, 1, 3, 3], new Float32Array(9).fill(1))],
      nodes: [node('Conv', ['x', 'k'], ['y'], {}, 'valid_conv')],
    });
    const message = await buildError(valid, [{ x: { min: [1, 1, 2, 4], opt: [1, 1, 8, 8], max: [1, 1, 16, 16] } }]);
    expect(message).toMatch(/valid_conv.*spatial axis 0: the kernel spans 3 elements, more than the padded input's 2/s);
  });
});

describe('Resize to another tensor\'s size (a feature pyramid\'s top-down path)', () => {
  it('upsamples the coarse map to the fine map\'s extents at every size, like onnxruntime', async () => {
    // up = Resize(coarse, sizes = Shape(fine)), nearest; y = fine + up.
    const onnx = model({
      inputs: [valueInfo('fine', 'float32', [1, 2, 'h', 'w']), valueInfo('coarse', 'float32', [1, 2, 'ch', 'cw'])],
      outputs: [valueInfo('y', 'float32', [1, 2, 'h', 'w'])],
      nodes: [node('Shape', ['fine'], ['size']), node('Resize', ['coarse', '', '', 'size'], ['up'], { mode: 'nearest' }), node('Add', ['fine', 'up'], ['y'])],
    });
    const profile = { fine: { min: [1, 2, 2, 2], opt: [1, 2, 8, 8], max: [1, 2, 16, 16] }, coarse: { min: [1, 2, 1, 1], opt: [1, 2, 4, 4], max: [1, 2, 8, 8] } };
    using engine = await runtime.deserialize(await buildEngine(onnx, { backend: 'simulator', profiles: [profile] }));
    using context = engine.createContext();
    for (const [h, w, ch, cw] of [[8, 8, 4, 4], [16, 10, 8, 5], [3, 2, 2, 1]] as const) {
      const fine = rng(h).uniform(2 * h * w);
      const coarse = rng(ch + 100).uniform(2 * ch * cw);
      const result = await context.run({ fine: Tensor.from('float32', fine, [1, 2, h, w]), coarse: Tensor.from('float32', coarse, [1, 2, ch, cw]) });
      expect(result.y!.dims).toEqual([1, 2, h, w]);
      await expectLikeOrt(onnx, { fine: { dtype: 'float32', dims: [1, 2, h, w], data: fine }, coarse: { dtype: 'float32', dims: [1, 2, ch, cw], data: coarse } }, result);
    }
  });
});

describe('a detection head: NonMaxSuppression, then the kept boxes gathered', () => {
  it('keeps and gathers the boxes onnxruntime keeps, for several box counts, the row count known only after the run', async () => {
    // kept = NMS(boxes, scores, 4, 0.4, 0.3); which = kept[:, 2]; picked = boxes[0][which]: [n, 4], n data-dependent.
    const onnx = model({
      inputs: [valueInfo('boxes', 'float32', [1, 'n', 4]), valueInfo('scores', 'float32', [1, 2, 'n'])],
      outputs: [valueInfo('kept', 'int64', ['k', 3]), valueInfo('picked', 'float32', ['k', 4])],
      initializers: [
        tensor('max_out', 'int64', [1], [4n]),
        tensor('iou', 'float32', [1], [0.4]),
        tensor('threshold', 'float32', [1], [0.3]),
        tensor('col2', 'int64', [], [2n]),
        tensor('zero', 'int64', [], [0n]),
      ],
      nodes: [
        node('NonMaxSuppression', ['boxes', 'scores', 'max_out', 'iou', 'threshold'], ['kept']),
        node('Gather', ['kept', 'col2'], ['which'], { axis: 1 }),
        node('Gather', ['boxes', 'zero'], ['image_boxes'], { axis: 0 }),
        node('Gather', ['image_boxes', 'which'], ['picked'], { axis: 0 }),
      ],
    });
    using engine = await runtime.deserialize(await buildEngine(onnx, { backend: 'simulator', profiles: [{ boxes: { min: [1, 1, 4], opt: [1, 8, 4], max: [1, 32, 4] }, scores: { min: [1, 2, 1], opt: [1, 2, 8], max: [1, 2, 32] } }] }));
    using context = engine.createContext();
    const counts = new Set<number>();
    for (const n of [8, 32, 1]) {
      const r = rng(n + 7);
      // Boxes clustered on a coarse grid so that many overlap.
      const corners = Array.from({ length: n }, () => {
        const [y, x] = [Math.floor(r.next() * 4), Math.floor(r.next() * 4)];
        return [y + r.next() * 0.3, x + r.next() * 0.3, y + 1 + r.next() * 0.3, x + 1 + r.next() * 0.3];
      }).flat();
      const boxes = Float32Array.from(corners);
      const scores = r.uniform(2 * n, 0, 1);
      const result = await context.run({ boxes: Tensor.from('float32', boxes, [1, n, 4]), scores: Tensor.from('float32', scores, [1, 2, n]) });
      counts.add(result.kept!.dims[0]!);
      expect(result.picked!.dims).toEqual([result.kept!.dims[0], 4]);
      await expectLikeOrt(onnx, { boxes: { dtype: 'float32', dims: [1, n, 4], data: boxes }, scores: { dtype: 'float32', dims: [1, 2, n], data: scores } }, result);
    }
    expect(counts.size).toBeGreaterThan(1);
  });
});

describe('what TensorRT refuses is refused at build time, naming the node', () => {
  const weights = (name: string, dims: number[]) => tensor(name, 'float32', dims, new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(0.5));

  it.each([
    ['MaxPool with dilations', oneNode('MaxPool', [1, 1, 6, 6], [], { kernel_shape: [2, 2], dilations: [2, 2] }), /dilations other than 1 are not supported/],
    ['AveragePool with dilations (opset 19)', oneNode('AveragePool', [1, 1, 6, 6], [], { kernel_shape: [2, 2], dilations: [1, 2] }, { opset: 19 }), /dilations other than 1 are not supported/],
    ['MaxPool asked for its Indices output', oneNode('MaxPool', [1, 1, 4, 4], [], { kernel_shape: [2, 2] }, { outputs: ['y', 'indices'] }), /MaxPool produces 1 outputs, the node names 2/],
    ['pooling over 4 spatial axes', oneNode('MaxPool', [1, 1, 2, 2, 2, 2], [], { kernel_shape: [1, 1, 1, 1] }), /kernel_shape has 4 axes; pooling supports 1 to 3/],
    ['Conv over 4 spatial axes', oneNode('Conv', [1, 1, 2, 2, 2, 2], ['w'], {}, { initializers: [weights('w', [1, 1, 1, 1, 1, 1])] }), /input X must have 1 to 3 spatial axes/],
    ['Conv whose channel extent is dynamic', oneNode('Conv', [1, 'c', 4, 4], ['w'], {}, { initializers: [weights('w', [2, 3, 1, 1])] }), /channel extent of input X must be known at build time/],
    ['Conv whose weights do not match the channels', oneNode('Conv', [1, 4, 4, 4], ['w'], { group: 2 }, { initializers: [weights('w', [2, 3, 1, 1])] }), /expect 6 input channels, X has 4/],
    ["Conv with kernel_shape other than the weights'", oneNode('Conv', [1, 1, 4, 4], ['w'], { kernel_shape: [3, 3] }, { initializers: [weights('w', [1, 1, 2, 2])] }), /kernel_shape \[3,3\] differs from the weights' spatial extents \[2,2\]/],
    ['Conv with pads and SAME_UPPER', oneNode('Conv', [1, 1, 4, 4], ['w'], { pads: [1, 1, 1, 1], auto_pad: 'SAME_UPPER' }, { initializers: [weights('w', [1, 1, 2, 2])] }), /pads must not be given with auto_pad SAME_UPPER/],
    ['Conv of int8 data', oneNode('Conv', [1, 1, 4, 4], ['w'], {}, { dtype: 'int8', initializers: [tensor('w', 'int8', [1, 1, 2, 2], [1, 1, 1, 1])] }), /input X has unsupported type int8/],
    ['Pad of uint8 data', oneNode('Pad', [2, 2], ['p'], {}, { dtype: 'uint8', initializers: [tensor('p', 'int64', [4], [1n, 1n, 1n, 1n])] }), /data has unsupported type uint8/],
    ['Pad with a mode TensorRT lacks', oneNode('Pad', [2, 2], ['p'], { mode: 'mirror' }, { initializers: [tensor('p', 'int64', [4], [1n, 1n, 1n, 1n])] }), /unsupported attribute 'mode' \(mirror\)/],
    ['Pad that crops more than an extent', oneNode('Pad', [2, 2], ['p'], {}, { initializers: [tensor('p', 'int64', [4], [0n, -2n, 0n, -1n])] }), /axis 1: pads -2 and -1 remove more than its extent 2/],
    ['BatchNormalization with parameters not of shape (C, )', oneNode('BatchNormalization', [1, 3, 2], ['s', 'b', 'm', 'v'], { epsilon: floatAttr(1e-5) }, { initializers: [weights('s', [3]), weights('b', [3]), weights('m', [1, 3]), weights('v', [3])] }), /the shape of the input_mean input must be \(C, \) with C = 3, got \[1,3\]/],
    ['Resize cubic over a 3rd innermost axis', oneNode('Resize', [1, 2, 2, 2], ['', 's'], { mode: 'cubic' }, { initializers: [tensor('s', 'float32', [4], [1, 2, 1, 1])] }), /cubic resize changes at most the 2 innermost axes/],
    ['LRN of an even size', oneNode('LRN', [1, 4, 2, 2], [], { size: 4 }), /LRN: size is 4; TensorRT's LRN layer takes an odd window from 1 to 15/],
    ['LRN wider than 15 channels', oneNode('LRN', [1, 4, 2, 2], [], { size: 17 }), /size is 17; TensorRT's LRN layer takes an odd window from 1 to 15/],
    ['LRN with beta below 0.01', oneNode('LRN', [1, 4, 2, 2], [], { size: 3, beta: floatAttr(0.001) }), /beta is 0.001; TensorRT's LRN layer takes \[0.01, 100000\]/],
    ['LRN with a bias of 0', oneNode('LRN', [1, 4, 2, 2], [], { size: 3, bias: floatAttr(0) }), /bias is 0; TensorRT's LRN layer takes \[1e-05, 1e\+10\]/],
    ['LRN of a 3-D input', oneNode('LRN', [1, 4, 2], [], { size: 3 }), /input X of shape \[1,4,2\] is not 4-D: the simulator models LRN over NCHW inputs only/],
    ['LRN of float16 data', oneNode('LRN', [1, 4, 2, 2], [], { size: 3 }, { dtype: 'float16' }), /LRN: X has unsupported type float16 \(supported: float32\)/],
    ['Hardmax of int32 data', oneNode('Hardmax', [2, 3], [], {}, { dtype: 'int32', opset: 13 }), /input has unsupported type int32/],
    ['Hardmax along an empty axis', oneNode('Hardmax', [2, 0], [], {}, { opset: 13 }), /axis -1 of shape \[2,0\] holds no element: TensorRT's parser builds Hardmax from a TopK with K = 1/],
    ['GridSample of a 5-D input (opset 20)', oneNode('GridSample', [1, 1, 2, 2, 2], ['g'], {}, { opset: 20, initializers: [tensor('g', 'float32', [1, 1, 1, 1, 3], [0, 0, 0])] }), /input X must be 4-D \(N, C, H, W\), got shape \[1,1,2,2,2\]: TensorRT's grid sample layer is 4-D only/],
    ["GridSample with opset 20's mode name linear", oneNode('GridSample', [1, 1, 2, 2], ['g'], { mode: 'linear' }, { opset: 20, initializers: [tensor('g', 'float32', [1, 1, 1, 2], [0, 0])] }), /mode linear \(opset 20's name\) is not supported: TensorRT's parser reads bilinear, nearest and bicubic/],
    ['GridSample with a grid of 3 coordinates per location', oneNode('GridSample', [1, 1, 2, 2], ['g'], {}, { opset: 16, initializers: [tensor('g', 'float32', [1, 1, 1, 3], [0, 0, 0])] }), /the last extent of grid must be 2, got shape \[1,1,1,3\]/],
    ['GridSample with a grid for another batch', oneNode('GridSample', [2, 1, 2, 2], ['g'], {}, { opset: 16, initializers: [tensor('g', 'float32', [1, 1, 1, 2], [0, 0])] }), /the batch extents of X \[2,1,2,2\] and grid \[1,1,1,2\] differ/],
    ['GridSample with a float16 grid over float32 data', oneNode('GridSample', [1, 1, 2, 2], ['g'], {}, { opset: 16, initializers: [tensor('g', 'float16', [1, 1, 1, 2], [0, 0])] }), /GridSample: X and grid must have the same type \(got float32 and float16\)/],
    ['Resize tf_crop_and_resize', oneNode('Resize', [1, 1, 2, 2], ['', 's'], { coordinate_transformation_mode: 'tf_crop_and_resize' }, { initializers: [tensor('s', 'float32', [4], [1, 1, 2, 2])] }), /coordinate_transformation_mode tf_crop_and_resize is not supported/],
    ['Resize with antialias', oneNode('Resize', [1, 1, 4, 4], ['', 's'], { mode: 'linear', antialias: 1 }, { opset: 18, initializers: [tensor('s', 'float32', [4], [1, 1, 0.5, 0.5])] }), /antialias is not supported/],
    ['Resize linear over a 4th innermost axis', oneNode('Resize', [2, 2, 2, 2], ['', 's'], { mode: 'linear' }, { initializers: [tensor('s', 'float32', [4], [2, 1, 1, 1])] }), /linear resize changes at most the 3 innermost axes/],
    ['Resize with both scales and sizes', oneNode('Resize', [1, 1, 2, 2], ['', 's', 'z'], {}, { initializers: [tensor('s', 'float32', [4], [1, 1, 2, 2]), tensor('z', 'int64', [4], [1n, 1n, 4n, 4n])] }), /exactly one of scales and sizes must be given/],
    ['ScatterND with a reduction attribute, even none', oneNode('ScatterND', [2, 2], ['i', 'u'], { reduction: 'none' }, { opset: 16, initializers: [tensor('i', 'int64', [1, 1], [0n]), tensor('u', 'float32', [1, 2], [1, 2])] }), /the reduction attribute is not supported/],
    ['ScatterElements adding', oneNode('ScatterElements', [2, 2], ['i', 'u'], { reduction: 'add' }, { opset: 16, initializers: [tensor('i', 'int64', [1, 1], [0n]), tensor('u', 'float32', [1, 1], [1])] }), /reduction add is not supported/],
    ['DepthToSpace of a 3-D tensor', oneNode('DepthToSpace', [4, 2, 2], [], { blocksize: 2 }), /the input must be 4-D \(NCHW\)/],
    ['InstanceNormalization of int32', oneNode('InstanceNormalization', [1, 2, 2], ['s', 'b'], {}, { dtype: 'int32', initializers: [tensor('s', 'int32', [2], [1, 1]), tensor('b', 'int32', [2], [0, 0])] }), /input has unsupported type int32/],
    ['ConvTranspose whose channel extent is dynamic', oneNode('ConvTranspose', [1, 'c', 2, 2], ['w'], {}, { initializers: [weights('w', [2, 1, 2, 2])] }), /channel extent of input X must be known at build time/],
    ['ConvTranspose to an output_shape larger than it gives', oneNode('ConvTranspose', [1, 1, 2, 2], ['w'], { output_shape: [9, 3] }, { initializers: [weights('w', [1, 1, 2, 2])] }), /output_shape 9 on axis 0 is larger than the deconvolution gives \(3\)/],
    ['ArgMax of bool', oneNode('ArgMax', [2, 2], [], {}, { dtype: 'bool' }), /data has unsupported type bool/],
    ['GatherND whose index rows are longer than data has axes', oneNode('GatherND', [2, 3], ['i'], {}, { initializers: [tensor('i', 'int64', [1, 3], [0n, 0n, 0n])] }), /the last extent of indices \[1,3\] must be from 1 to 2 \(the rank of data \[2,3\] less batch_dims\)/],
    ['GatherND with a constant index out of range', oneNode('GatherND', [2, 3], ['i'], {}, { initializers: [tensor('i', 'int64', [1, 2], [1n, 3n])] }), /GatherND: index 3 is out of range/],
    ['GatherND with batch_dims as large as the indices rank', oneNode('GatherND', [2, 3], ['i'], { batch_dims: 1 }, { initializers: [tensor('i', 'int64', [1], [0n])] }), /batch_dims 1 must be below the ranks of data \(2\) and indices \(1\)/],
    ['GatherND of uint8 data', oneNode('GatherND', [2, 3], ['i'], {}, { dtype: 'uint8', initializers: [tensor('i', 'int64', [1, 1], [0n])] }), /data has unsupported type uint8/],
    ['EyeLike of a dynamic shape', oneNode('EyeLike', ['n', 3], [], {}), /the shape \[-1,3\] must be known at build time \(TensorRT's parser makes EyeLike a constant\)/],
    ['EyeLike of a 3-D input', oneNode('EyeLike', [2, 2, 2], [], {}), /only 2-D inputs are supported, got shape \[2,2,2\]/],
    ['Shrink of uint8', oneNode('Shrink', [2], [], {}, { dtype: 'uint8' }), /input X has unsupported type uint8/],
    ['Tan of int32', oneNode('Tan', [2], [], {}, { dtype: 'int32' }), /input X has unsupported type int32/],
    ['ReduceLogSum of int32', oneNode('ReduceLogSum', [2], [], {}, { dtype: 'int32' }), /input data has unsupported type int32/],
    ['LpNormalization with p = 3', oneNode('LpNormalization', [2, 2], [], { p: 3 }), /p is 3; only the L1 and L2 norms \(p = 1 or 2\) are supported/],
    ['MeanVarianceNormalization of a 3-D input with the default axes', oneNode('MeanVarianceNormalization', [2, 2, 2], [], {}), /axis 3 is out of range/],
    ['Upsample (opset 7) without scales', oneNode('Upsample', [1, 1, 2, 2], [], {}, { opset: 7 }), /Upsample: Attribute scales is missing/],
    ['Upsample with mode cubic', oneNode('Upsample', [1, 1, 2, 2], ['s'], { mode: 'cubic' }, { opset: 9, initializers: [tensor('s', 'float32', [4], [1, 1, 2, 2])] }), /Upsample: unsupported attribute 'mode' \(cubic\)/],
    ['Upsample linear over a 4th innermost axis', oneNode('Upsample', [2, 2, 2, 2], ['s'], { mode: 'linear' }, { opset: 9, initializers: [tensor('s', 'float32', [4], [2, 1, 1, 1])] }), /linear resize changes at most the 3 innermost axes/],
    ['LpPool with p = 3', oneNode('LpPool', [1, 1, 4, 4], [], { kernel_shape: [2, 2], p: 3 }), /p is 3; only the L1 and L2 norms \(p = 1 or 2\) are supported/],
    ['GlobalLpPool with p = 1', oneNode('GlobalLpPool', [1, 1, 4, 4], [], { p: 1 }), /p is 1; only p = 2 is modelled/],
    ['LpPool with dilations (opset 18)', oneNode('LpPool', [1, 1, 4, 4], [], { kernel_shape: [2, 2], dilations: [2, 2] }, { opset: 18 }), /dilations other than 1 are not supported/],
    ['ReverseSequence with one axis for batch and time', oneNode('ReverseSequence', [2, 3], ['l'], { batch_axis: 0, time_axis: 0 }, { initializers: [tensor('l', 'int64', [2], [1n, 1n])] }), /batch_axis and time_axis must differ, both are 0/],
    ['ReverseSequence with lengths for another batch', oneNode('ReverseSequence', [2, 3], ['l'], {}, { initializers: [tensor('l', 'int64', [2], [1n, 1n])] }), /sequence_lens has 2 values for a batch of 3 \(axis 1 of \[2,3\]\)/],
    ['CastLike to float8', oneNode('CastLike', [2], ['t'], {}, { opset: 19, initializers: [float8Zeros('t', [1])] }), /target_type has unsupported type fp8/],
  ] as const)('%s', async (_, onnx, message) => {
    const error = await buildError(onnx);
    expect(error).toMatch(message);
    expect(error).toMatch(/the_node/);
  });
});
