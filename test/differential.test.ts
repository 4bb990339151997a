// Random small models, simulator against onnxruntime-node (CPU): the fixed cases of operators.test.ts check each
// operator where its rules bite; these cover the combinations nobody wrote down (ranks 0 to 4, extents of 0 and 1,
// broadcasting either way, negative axes, attribute and input forms across opsets, int32 and int64 indices, static
// and dynamic input dims), with a unary operator after the first one half of the time. Seeded: a failure names its
// seed, and DIFF_SEED=<n> reruns that one case. Tolerance: float32 within atol 1e-5 + rtol 1e-4.
//
// Left out on purpose, each a difference found by fuzzing where the simulator does what TensorRT (or the ONNX spec)
// does and onnxruntime does not:
// - Gemm with K = 0: onnxruntime drops beta·C.
// - LayerNormalization over an empty axis: onnxruntime refuses.
// - Squeeze with an empty axes tensor: onnxruntime squeezes all.
// - Reductions over an axis of extent 0 or of an empty tensor: onnxruntime's kernels give other extents than its
//   own shape inference, which agrees with the spec and the simulator ([4,0,4,1] reduced over axis 0 comes out
//   [4,0,4,1], not [0,4,1]).
// - Slice with INT_MAX as the end of a backward slice: onnxruntime slices to the start, TensorRT's parser clamps
//   the end to the extent (an empty result), as the spec reads.
// - TopK of an empty tensor: onnxruntime's kernel divides by zero (SIGFPE).
// - Scan over an empty sequence: onnxruntime refuses it along axis 0 and divides by zero (SIGFPE) along axis 1
//   (ops_test.cc checks the simulator's).
// - Pooling with ceil_mode where the last window starts in the end padding: onnxruntime drops that window (a later
//   ONNX rule), TensorRT's round-up mode keeps it (ops_test.cc checks the simulator's).
// - Instance and group normalization over small groups whose values nearly agree (one element, or two 0.01 apart):
//   the variance is then tiny, onnxruntime's float statistics lose its precision (0.6% off in a 2-element group at
//   seed 1017565 of an earlier generator) and 1 / sqrt(var + epsilon) magnifies the difference; groups here hold at
//   least 4 elements.
// - Inputs onnxruntime's kernels refuse: linear or cubic Resize other than over 2-D inputs or the spatial axes of 4-D ones, roi
//   omitted before opset 13, pooling pads not below the kernel, SAME pooling with a stride above the kernel.
// - GridSample reflecting off an axis of one pixel with aligned corners: onnxruntime divides by the zero range.
// - Mod of floats: TensorRT's parser computes x - y * trunc(x / y) in float, which differs from onnxruntime's exact
//   fmod wherever x / y rounds to an integer (0.3 mod 0.1); operators.test.ts checks exact cases.
// - Per-channel quantization of an input (TensorRT quantizes only constants per channel) or over a channel extent of
//   0: TensorRT refuses both; onnxruntime runs them.
// - LSTM with clip: TensorRT's parser clips the cell state before the h activation, as the spec says clip applies to
//   every activation's input; onnxruntime clips only the gates (recurrent.test.ts checks the simulator's). A sequence
//   length of 0: onnxruntime's Y_h is 0, TensorRT's the initial state; beyond the sequence: onnxruntime refuses it.
// - The sign of a zero result: onnxruntime's Where gives +0 for a selected -0, and normalizing a constant row gives
//   0 of either sign by evaluation order (operators.test.ts checks -0 where an operator defines it).
import { afterAll, beforeAll, describe, it } from 'vitest';
import { Runtime, Tensor, buildEngine } from '../lib/index.js';
import type { BuildProfile, DType as TensorDType, ShapeRange, ShapeValuesRange } from '../lib/index.js';
import { FP32_TOLERANCE, expectLikeOrt } from './helpers/ort.js';
import type { TensorMap } from './helpers/ort.js';
import { Rng } from './models/rng.js';
import { float8Zeros, floatAttr, graphAttr, model, node, tensor, toTyped, valueInfo } from './models/onnx-builder.js';
import type { AttrValue, DType, NodeProto, TensorProto } from './models/onnx-builder.js';

interface Case {
  readonly title: string;
  readonly onnx: Uint8Array;
  readonly feeds: TensorMap;
  readonly profile?: BuildProfile;
  /** Q/DQ models build strongly typed (weakly typed they need the INT8 flag, which brings fp16 along). */
  readonly stronglyTyped: boolean;
}

const UNARY = ['Relu', 'Sigmoid', 'Tanh', 'Exp', 'Neg', 'Abs', 'Erf', 'Sqrt', 'Log', 'LeakyRelu', 'Elu', 'HardSigmoid', 'HardSwish', 'Softplus', 'Floor', 'Ceil', 'Round', 'Reciprocal', 'Sign', 'Sin', 'Cos', 'Selu', 'Celu', 'Softsign', 'ThresholdedRelu', 'Mish', 'Tan', 'Asin', 'Acos', 'Atan', 'Sinh', 'Cosh', 'Asinh', 'Acosh', 'Atanh', 'Shrink'] as const;
/** Unary ops newer than some of the opsets drawn: not before these. */
const SINCE: Record<string, number> = { HardSwish: 14, Mish: 18, Celu: 12 };
/** Not chained after another op: a result that should be 0 (or ±1, or a threshold) comes out a little off by
 * evaluation order, and these make a NaN, an infinity, a sign or a step of it. */
const NOT_CHAINED = new Set(['Sqrt', 'Log', 'Floor', 'Ceil', 'Round', 'Reciprocal', 'Sign', 'Tan', 'Asin', 'Acos', 'Acosh', 'Atanh', 'Shrink']);
const BINARY = ['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'Max', 'Min'] as const;
const COMPARISONS = new Set(['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual']);
const volume = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);
/** The value of a scalar initializer, for titles. */
const feedless = (initializers: readonly TensorProto[], name: string) => {
  const t = initializers.find((i) => i.name === name)!;
  return new DataView(t.rawData!.buffer, t.rawData!.byteOffset).getFloat32(0, true);
};

/** One random model and its feeds. */
function randomCase(seed: number): Case {
  const rng = new Rng(seed);
  const pick = <T>(items: readonly T[]): T => items[rng.int(0, items.length)]!;
  const chance = (p: number) => rng.next() < p;
  const dims = (rank: number, zeros = true) => Array.from({ length: rank }, () => (zeros && chance(0.06) ? 0 : pick([1, 1, 2, 3, 4])));
  /** A shape that broadcasts with `s` (a suffix of it, some extents 1). */
  const broadcastable = (s: number[]) => s.slice(s.length - rng.int(0, s.length + 1)).map((d) => (chance(0.3) ? 1 : d));
  const signedAxis = (axis: number, rank: number) => (chance(0.5) ? axis - rank : axis);
  const dynamic = chance(0.25);

  const inputs: { name: string; dtype: DType; dims: number[] }[] = [];
  const initializers: TensorProto[] = [];
  const feeds: TensorMap = {};
  const floatInput = (name: string, d: number[]) => {
    inputs.push({ name, dtype: 'float32', dims: d });
    // Positive and negative values with two decimals; a few exactly 0.
    feeds[name] = { dtype: 'float32', dims: d, data: Float32Array.from({ length: volume(d) }, () => (chance(0.05) ? 0 : Math.round((rng.next() * 8 - 4) * 100) / 100)) };
    return name;
  };
  const constant = (name: string, dtype: DType, d: number[], values: (number | bigint)[]) => {
    initializers.push(tensor(name, dtype, d, values));
    return name;
  };
  const int64s = (values: number[]) => values.map(BigInt);
  /** Shape tensor inputs: their values' range in the profile. */
  const shapeRanges: Record<string, ShapeRange> = {};
  /** An int64 vector an op reads for a shape (Slice's bounds, Expand's shape, Tile's repeats, Pad's pads): an
   * initializer, or a third of the time a shape tensor input, with a profile range of values around the one fed. */
  const shapeVector = (name: string, values: number[]) => {
    if (!values.length || !chance(1 / 3)) return constant(name, 'int64', [values.length], int64s(values));
    inputs.push({ name, dtype: 'int64', dims: [values.length] });
    feeds[name] = { dtype: 'int64', dims: [values.length], data: BigInt64Array.from(values, BigInt) };
    shapeRanges[name] = { min: values.map((v) => v - rng.int(0, 3)), opt: values, max: values.map((v) => v + rng.int(0, 3)) };
    return name;
  };

  let opset = 17;
  /** Axes of an input that stay static under `dynamic` (a convolution's channels). */
  const staticAxes: Record<string, number[]> = {};
  let title: string;
  let first: NodeProto;
  let out: { dtype: DType; rank: number };
  /** Nodes between the first and the chained unary (t is still the last one's output). */
  const extraNodes: NodeProto[] = [];
  let stronglyTyped = false;
  const kind = pick(['binary', 'unary', 'matmul', 'gemm', 'reduce', 'softmax', 'transpose', 'concat', 'gather', 'flatten', 'layernorm', 'where', 'squeeze', 'unsqueeze', 'clip', 'slice', 'expand', 'split', 'conv', 'pool', 'globalpool', 'batchnorm', 'pad', 'argextreme', 'variadic', 'tile', 'trilu', 'cumsum', 'topk', 'gatherelements', 'resize', 'depthspace', 'instancenorm', 'scatterelements', 'convtranspose', 'einsum', 'nms', 'qdq', 'hardmax', 'lrn', 'gridsample', 'gathernd', 'axisnorm', 'reversesequence', 'recurrent', 'if', 'loop', 'scan'] as const);
  const rank = rng.int(0, 5);
  const s = dims(rank);
  switch (kind) {
    case 'binary': {
      const op = pick(BINARY);
      const t = broadcastable(s);
      const [a, b] = chance(0.5) ? [s, t] : [t, s];
      first = node(op, [floatInput('a', a), floatInput('b', b)], ['t']);
      out = { dtype: COMPARISONS.has(op) ? 'bool' : 'float32', rank: Math.max(a.length, b.length) };
      title = `${op} [${a}] [${b}]`;
      break;
    }
    case 'unary': {
      const op = pick([...UNARY, 'Gelu']);
      if (op === 'Gelu') opset = 20;
      opset = Math.max(opset, SINCE[op] ?? 0);
      first = node(op, [floatInput('x', s)], ['t'], op === 'Gelu' && chance(0.5) ? { approximate: 'tanh' } : {});
      out = { dtype: 'float32', rank };
      title = `${op} [${s}]`;
      break;
    }
    case 'matmul': {
      const [m, k, n] = [pick([1, 2, 3]), pick([1, 2, 3, 7]), pick([1, 2, 4])];
      const batch = dims(rng.int(0, 3), false);
      const a = chance(0.2) ? [k] : [...broadcastable(batch), m, k];
      const b = chance(0.2) ? [k] : [...broadcastable(batch), k, n];
      first = node('MatMul', [floatInput('a', a), floatInput('b', b)], ['t']);
      const batchRank = Math.max(a.length, b.length) - 2;
      out = { dtype: 'float32', rank: Math.max(batchRank, 0) + (a.length > 1 ? 1 : 0) + (b.length > 1 ? 1 : 0) };
      title = `MatMul [${a}] [${b}]`;
      break;
    }
    case 'gemm': {
      const [m, k, n] = [rng.int(1, 4), rng.int(1, 4), rng.int(1, 4)];
      const [transA, transB] = [rng.int(0, 2), rng.int(0, 2)];
      const ins = [floatInput('a', transA ? [k, m] : [m, k]), floatInput('b', transB ? [n, k] : [k, n])];
      const c = pick([null, [n], [1, n], [m, 1], [m, n], [1]]);
      if (c) ins.push(floatInput('c', c));
      const alpha = pick([1, 0.5, -2]);
      const beta = pick([1, 0, 3]);
      first = node('Gemm', ins, ['t'], { transA, transB, alpha: floatAttr(alpha), beta: floatAttr(beta) });
      out = { dtype: 'float32', rank: 2 };
      title = `Gemm m${m} k${k} n${n} transA ${transA} transB ${transB} C [${c ?? '-'}] alpha ${alpha} beta ${beta}`;
      break;
    }
    case 'reduce': {
      const op = pick(['ReduceMean', 'ReduceSum', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1', 'ReduceL2', 'ReduceSumSquare', 'ReduceLogSumExp', 'ReduceLogSum'] as const);
      opset = pick([11, 13, 17, 18]);
      const keepdims = rng.int(0, 2);
      const axes = [...new Set(Array.from({ length: rank ? rng.int(0, rank + 1) : 0 }, () => rng.int(0, rank)))];
      const signed = axes.map((a) => signedAxis(a, rank));
      const axesAsInput = opset >= (op === 'ReduceSum' ? 13 : 18);
      const ins = [floatInput('x', s)];
      const attrs: Record<string, AttrValue> = { keepdims };
      if (signed.length && axesAsInput) ins.push(constant('axes', 'int64', [signed.length], int64s(signed)));
      if (signed.length && !axesAsInput) attrs.axes = signed;
      // Of an empty tensor, onnxruntime's kernels give other extents than its own shape inference (see the top of
      // this file); ReduceMax has no identity there anyway.
      if (volume(s) === 0) return randomCase(seed + 1_000_000);
      // The log of a sum that cancels to about 0 depends on the order of the additions: positive values only.
      if (op === 'ReduceLogSum') feeds.x!.data = (feeds.x!.data as Float32Array).map((v) => Math.abs(v) + 0.01);
      first = node(op, ins, ['t'], attrs);
      out = { dtype: 'float32', rank: keepdims ? rank : signed.length ? rank - signed.length : 0 };
      title = `${op} [${s}] axes ${JSON.stringify(signed)} keepdims ${keepdims} opset ${opset}`;
      break;
    }
    case 'softmax': {
      if (!rank) return randomCase(seed + 1_000_000);
      opset = pick([11, 13, 17]);
      const axis = signedAxis(rng.int(0, rank), rank);
      const op = pick(['Softmax', 'LogSoftmax'] as const);
      first = node(op, [floatInput('x', s)], ['t'], { axis });
      out = { dtype: 'float32', rank };
      title = `${op} [${s}] axis ${axis} opset ${opset}`;
      break;
    }
    case 'transpose': {
      const perm = [...Array(rank).keys()].map((a) => [rng.next(), a] as const).sort((p, q) => p[0] - q[0]).map((p) => p[1]);
      const attrs: Record<string, AttrValue> = chance(0.2) ? {} : { perm };
      first = node('Transpose', [floatInput('x', s)], ['t'], attrs);
      out = { dtype: 'float32', rank };
      title = `Transpose [${s}] perm ${'perm' in attrs ? perm : 'reversed'}`;
      break;
    }
    case 'concat': {
      if (!rank) return randomCase(seed + 1_000_000);
      const axis = rng.int(0, rank);
      const parts = Array.from({ length: rng.int(1, 4) }, (_, i) => {
        const d = s.slice();
        d[axis] = pick([0, 1, 2, 3]);
        return floatInput(`i${i}`, d);
      });
      first = node('Concat', parts, ['t'], { axis: signedAxis(axis, rank) });
      out = { dtype: 'float32', rank };
      title = `Concat ${parts.map((p) => `[${feeds[p]!.dims}]`).join(' ')} axis ${axis}`;
      break;
    }
    case 'gather': {
      if (!rank || s.some((d) => d === 0)) return randomCase(seed + 1_000_000);
      const axis = rng.int(0, rank);
      const indexDims = dims(rng.int(0, 3), false);
      const indices = Array.from({ length: volume(indexDims) }, () => rng.int(-s[axis]!, s[axis]!));
      const int32 = chance(0.3);
      const x = floatInput('x', s);
      let idx: string;
      if (chance(0.5)) {
        idx = constant('idx', int32 ? 'int32' : 'int64', indexDims, int32 ? indices : int64s(indices));
      } else {
        idx = 'idx';
        inputs.push({ name: idx, dtype: int32 ? 'int32' : 'int64', dims: indexDims });
        feeds[idx] = { dtype: int32 ? 'int32' : 'int64', dims: indexDims, data: toTyped(int32 ? 'int32' : 'int64', indices) };
      }
      first = node('Gather', [x, idx], ['t'], { axis: signedAxis(axis, rank) });
      out = { dtype: 'float32', rank: rank - 1 + indexDims.length };
      title = `Gather [${s}] indices [${indexDims}] ${JSON.stringify(indices)} axis ${axis}${int32 ? ' int32' : ''}`;
      break;
    }
    case 'flatten': {
      const axis = rng.int(0, rank + 1);
      first = node('Flatten', [floatInput('x', s)], ['t'], { axis: chance(0.5) && axis > 0 ? axis - rank : axis });
      out = { dtype: 'float32', rank: 2 };
      title = `Flatten [${s}] axis ${axis}`;
      break;
    }
    case 'layernorm': {
      if (!rank) return randomCase(seed + 1_000_000);
      const axis = rng.int(0, rank);
      if (volume(s.slice(axis)) === 0) return randomCase(seed + 1_000_000);
      const normalized = s.slice(axis);
      const ins = [floatInput('x', s), floatInput('scale', broadcastable(normalized))];
      if (chance(0.5)) ins.push(floatInput('bias', broadcastable(normalized)));
      const epsilon = pick([1e-5, 1e-3, 0.5]);
      first = node('LayerNormalization', ins, ['t'], { axis: signedAxis(axis, rank), epsilon: floatAttr(epsilon) });
      out = { dtype: 'float32', rank };
      title = `LayerNormalization [${s}] axis ${axis} scale [${feeds.scale!.dims}]${feeds.bias ? ` bias [${feeds.bias.dims}]` : ''} epsilon ${epsilon}`;
      break;
    }
    case 'where': {
      const c = broadcastable(s);
      const b = broadcastable(s);
      inputs.push({ name: 'c', dtype: 'bool', dims: c });
      feeds.c = { dtype: 'bool', dims: c, data: toTyped('bool', Array.from({ length: volume(c) }, () => chance(0.5))) };
      first = node('Where', ['c', floatInput('a', s), floatInput('b', b)], ['t']);
      out = { dtype: 'float32', rank };
      title = `Where [${c}] [${s}] [${b}]`;
      break;
    }
    case 'squeeze': {
      const ones = s.flatMap((d, i) => (d === 1 ? [i] : []));
      const axes = ones.filter(() => chance(0.6));
      if (!axes.length && dynamic) return randomCase(seed + 1_000_000); // TensorRT needs the axes of a dynamic input
      const ins = [floatInput('x', s)];
      if (axes.length) ins.push(constant('axes', 'int64', [axes.length], int64s(axes.map((a) => signedAxis(a, rank)))));
      first = node('Squeeze', ins, ['t']);
      out = { dtype: 'float32', rank: rank - (axes.length || ones.length) };
      title = `Squeeze [${s}] axes ${axes.length ? JSON.stringify(axes) : 'none'}`;
      break;
    }
    case 'unsqueeze': {
      const outRank = rank + rng.int(1, 3);
      const axes = [...Array(outRank).keys()].map((a) => [rng.next(), a] as const).sort((p, q) => p[0] - q[0]).slice(0, outRank - rank).map((p) => p[1]);
      first = node('Unsqueeze', [floatInput('x', s), constant('axes', 'int64', [axes.length], int64s(axes.map((a) => signedAxis(a, outRank))))], ['t']);
      out = { dtype: 'float32', rank: outRank };
      title = `Unsqueeze [${s}] axes ${JSON.stringify(axes)}`;
      break;
    }
    case 'clip': {
      const bound = (name: string) => (chance(0.3) ? '' : constant(name, 'float32', [], [Math.round((rng.next() * 6 - 3) * 4) / 4]));
      const [lo, hi] = [bound('lo'), bound('hi')];
      const ins = [floatInput('x', s), lo, hi];
      while (ins.length > 1 && ins[ins.length - 1] === '') ins.pop();
      first = node('Clip', ins, ['t']);
      out = { dtype: 'float32', rank };
      title = `Clip [${s}] min ${lo ? feedless(initializers, lo) : '-'} max ${hi ? feedless(initializers, hi) : '-'}`;
      break;
    }
    case 'slice': {
      if (!rank) return randomCase(seed + 1_000_000);
      const axes = [...Array(rank).keys()].filter(() => chance(0.6));
      if (!axes.length) axes.push(rng.int(0, rank));
      // Bounds inside, at and beyond the extents, either sign; steps of either sign.
      const position = (d: number) => pick([0, 1, d - 1, d, d + 3, -1, -d, -d - 2, 2 ** 31 - 1, -(2 ** 31)]);
      const steps = axes.map(() => pick([1, 1, 2, 3, -1, -2]));
      const starts = axes.map((a) => position(s[a]!));
      // Not INT_MAX as the end of a backward slice: onnxruntime reads it as "to the start" where TensorRT clamps it
      // to the extent (an empty slice), as the spec does; the simulator follows TensorRT.
      const ends = axes.map((a, i) => {
        const end = position(s[a]!);
        return steps[i]! < 0 && end === 2 ** 31 - 1 ? -(2 ** 31) : end;
      });
      const allAxes = axes.length === rank && axes.every((a, i) => a === i) && chance(0.3);
      const ins = [floatInput('x', s), shapeVector('starts', starts), shapeVector('ends', ends)];
      ins.push(allAxes ? '' : constant('axes', 'int64', [axes.length], int64s(axes.map((a) => signedAxis(a, rank)))));
      if (steps.some((v) => v !== 1) || chance(0.5)) ins.push(shapeVector('steps', steps));
      else if (ins[ins.length - 1] === '') ins.pop();
      first = node('Slice', ins, ['t']);
      out = { dtype: 'float32', rank };
      title = `Slice [${s}] axes ${JSON.stringify(axes)} starts ${JSON.stringify(starts)} ends ${JSON.stringify(ends)} steps ${JSON.stringify(steps)}`;
      break;
    }
    case 'expand': {
      // A shape that broadcasts with s both ways: longer or shorter, with 1s where s has extents and s's 1s widened.
      const target = [...dims(rng.int(0, 2), false), ...s.map((d) => (chance(0.4) ? 1 : d === 1 ? pick([1, 2, 3]) : d))];
      first = node('Expand', [floatInput('x', s), shapeVector('shape', target)], ['t']);
      out = { dtype: 'float32', rank: Math.max(rank, target.length) };
      title = `Expand [${s}] to [${target}]`;
      break;
    }
    case 'split': {
      if (!rank) return randomCase(seed + 1_000_000);
      const axis = rng.int(0, rank);
      const extent = s[axis]!;
      const pieces = rng.int(1, 4);
      const sizes = Array.from({ length: pieces }, () => 0);
      for (let left = extent; left > 0; left--) sizes[rng.int(0, pieces)]!++;
      opset = pick([13, 17, 18]);
      // Equal pieces without sizes: before opset 18 from the output count, from 18 with num_outputs, which
      // onnxruntime refuses above the extent (the spec does not say; the simulator gives empty pieces).
      const equal = sizes.every((v) => v === extent / pieces) && chance(0.5) && (opset < 18 || pieces <= extent);
      const ins = [floatInput('x', s)];
      const attrs: Record<string, AttrValue> = { axis: signedAxis(axis, rank) };
      if (!equal) ins.push(constant('split', 'int64', [pieces], int64s(sizes)));
      else if (opset === 18) attrs.num_outputs = pieces;
      // One piece, at a random position, goes on to y; the others are left unused.
      const chosen = rng.int(0, pieces);
      first = node('Split', ins, sizes.map((_, k) => (k === chosen ? 't' : `unused${k}`)), attrs);
      out = { dtype: 'float32', rank };
      title = `Split [${s}] axis ${axis} into ${equal ? `${pieces} equal pieces` : JSON.stringify(sizes)}, piece ${chosen} opset ${opset}`;
      break;
    }
    case 'conv': {
      // [N, C, spatial...] with 1 to 3 spatial axes; weights are initializers, and C stays static (TensorRT needs it).
      const spatialRank = rng.int(1, 4);
      const group = pick([1, 1, 2, 3]);
      const [perGroupIn, perGroupOut] = [rng.int(1, 3), rng.int(1, 3)];
      const kernel = Array.from({ length: spatialRank }, () => rng.int(1, 4));
      const strides = kernel.map(() => pick([1, 1, 2, 3]));
      const autoPad = pick(['NOTSET', 'NOTSET', 'VALID', 'SAME_UPPER', 'SAME_LOWER'] as const);
      // onnxruntime has no dilations with SAME_*.
      const dilations = kernel.map(() => (autoPad.startsWith('SAME') ? 1 : pick([1, 1, 2])));
      const pads = autoPad === 'NOTSET' ? [...kernel, ...kernel].map(() => rng.int(0, 3)) : [];
      // At least as large as the kernel once padded.
      const spatial = kernel.map((k, i) => Math.max(1, (k - 1) * dilations[i]! + 1 - (pads.length ? pads[i]! + pads[i + spatialRank]! : 0)) + rng.int(0, 3));
      const x = [rng.int(1, 3), group * perGroupIn, ...spatial];
      const w = [group * perGroupOut, perGroupIn, ...kernel];
      const attrs: Record<string, AttrValue> = { group, strides, dilations, auto_pad: autoPad };
      if (pads.length) attrs.pads = pads;
      if (chance(0.5)) attrs.kernel_shape = kernel;
      const ins = [floatInput('x', x), constant('w', 'float32', w, Array.from({ length: volume(w) }, () => Math.round((rng.next() * 2 - 1) * 100) / 100))];
      if (chance(0.5)) ins.push(constant('b', 'float32', [w[0]!], Array.from({ length: w[0]! }, () => Math.round((rng.next() * 2 - 1) * 100) / 100)));
      first = node('Conv', ins, ['t'], attrs);
      staticAxes.x = [1];
      out = { dtype: 'float32', rank: x.length };
      title = `Conv [${x}] * [${w}] group ${group} strides ${JSON.stringify(strides)} dilations ${JSON.stringify(dilations)} ${autoPad} pads ${JSON.stringify(pads)}${ins.length > 2 ? ' with bias' : ''}`;
      break;
    }
    case 'convtranspose': {
      const spatialRank = rng.int(1, 4);
      const group = pick([1, 1, 2]);
      const [perGroupIn, perGroupOut] = [rng.int(1, 3), rng.int(1, 3)];
      const kernel = Array.from({ length: spatialRank }, () => rng.int(1, 4));
      const strides = kernel.map(() => pick([1, 1, 2, 3]));
      const dilations = kernel.map(() => pick([1, 1, 2]));
      const spatial = kernel.map(() => rng.int(1, 4));
      const attrs: Record<string, AttrValue> = { group, strides, dilations };
      const form = pick(['pads', 'output_shape', 'SAME_UPPER', 'SAME_LOWER'] as const);
      const full = spatial.map((d, i) => strides[i]! * (d - 1) + (kernel[i]! - 1) * dilations[i]! + 1);
      if (form === 'pads') {
        // Pads that leave at least one element; output_padding below the stride (onnxruntime's rule).
        attrs.pads = [...full, ...full].map((f) => rng.int(0, Math.min(3, Math.floor((f - 1) / 2) + 1)));
        attrs.output_padding = strides.map((st) => rng.int(0, st));
      } else if (form === 'output_shape') {
        attrs.output_shape = full.map((f) => rng.int(Math.max(1, f - 2), f + 1));
      } else {
        if (full.some((f, i) => f < spatial[i]! * strides[i]!)) return randomCase(seed + 1_000_000);
        attrs.auto_pad = form;
      }
      const x = [rng.int(1, 3), group * perGroupIn, ...spatial];
      const w = [group * perGroupIn, perGroupOut, ...kernel];
      const ins = [floatInput('x', x), constant('w', 'float32', w, Array.from({ length: volume(w) }, () => Math.round((rng.next() * 2 - 1) * 100) / 100))];
      if (chance(0.5)) ins.push(constant('b', 'float32', [group * perGroupOut], Array.from({ length: group * perGroupOut }, () => Math.round((rng.next() * 2 - 1) * 100) / 100)));
      first = node('ConvTranspose', ins, ['t'], attrs);
      staticAxes.x = [1];
      out = { dtype: 'float32', rank: x.length };
      title = `ConvTranspose [${x}] * [${w}] group ${group} strides ${JSON.stringify(strides)} dilations ${JSON.stringify(dilations)} ${form} ${JSON.stringify(attrs.pads ?? attrs.output_shape ?? '')}${attrs.output_padding ? ` output_padding ${JSON.stringify(attrs.output_padding)}` : ''}`;
      break;
    }
    case 'einsum': {
      // One to three operands over labels a-e with consistent extents; an explicit output (a random subset, in a
      // random order) or the implicit one.
      const extent = Object.fromEntries([...'abcde'].map((l) => [l, rng.int(1, 4)]));
      const terms = Array.from({ length: rng.int(1, 4) }, () => [...'abcde'].filter(() => chance(0.4)).sort(() => rng.next() - 0.5).join(''));
      const used = [...new Set(terms.join(''))];
      const explicit = chance(0.7);
      const output = used.filter(() => chance(0.5)).sort(() => rng.next() - 0.5).join('');
      const equation = terms.join(',') + (explicit ? `->${output}` : '');
      const names = terms.map((t, k) => floatInput(`in${k}`, [...t].map((l) => extent[l]!)));
      first = node('Einsum', names, ['t'], { equation });
      const implicitRank = used.filter((l) => terms.join('').split(l).length - 1 === 1).length;
      out = { dtype: 'float32', rank: explicit ? output.length : implicitRank };
      title = `Einsum ${equation} extents ${JSON.stringify(extent)}`;
      break;
    }
    case 'nms': {
      const [batches, classes, boxes] = [rng.int(1, 3), rng.int(1, 3), rng.int(0, 7)];
      const centers = chance(0.3);
      inputs.push({ name: 'boxes', dtype: 'float32', dims: [batches, boxes, 4] }, { name: 'scores', dtype: 'float32', dims: [batches, classes, boxes] });
      // Boxes on a coarse grid so that they overlap; scores of two decimals, so that some tie.
      const box = () => (centers ? [rng.int(0, 4) + 0.5, rng.int(0, 4) + 0.5, pick([0.5, 1, 2]), pick([0.5, 1, 2])] : [rng.int(0, 3), rng.int(0, 3), rng.int(0, 4), rng.int(0, 4)]);
      feeds.boxes = { dtype: 'float32', dims: [batches, boxes, 4], data: Float32Array.from(Array.from({ length: batches * boxes }, box).flat()) };
      feeds.scores = { dtype: 'float32', dims: [batches, classes, boxes], data: Float32Array.from({ length: batches * classes * boxes }, () => Math.round(rng.next() * 100) / 100) };
      const ins = ['boxes', 'scores'];
      const maxOut = rng.int(0, 5);
      if (chance(0.9)) ins.push(constant('max_out', 'int64', [1], [BigInt(maxOut)]));
      if (ins.length === 3 && chance(0.8)) ins.push(constant('iou', 'float32', [1], [pick([0, 0.3, 0.5, 0.9])]));
      if (ins.length === 4 && chance(0.6)) ins.push(constant('threshold', 'float32', [1], [pick([0.1, 0.5, 0.8])]));
      first = node('NonMaxSuppression', ins, ['t'], { center_point_box: centers ? 1 : 0 });
      out = { dtype: 'int64', rank: 2 };
      title = `NonMaxSuppression boxes [${batches},${boxes},4] classes ${classes}${centers ? ' centers' : ''} inputs ${ins.length}`;
      break;
    }
    case 'pool': {
      const op = pick(['MaxPool', 'AveragePool', 'LpPool'] as const);
      const spatialRank = rng.int(1, 4);
      const kernel = Array.from({ length: spatialRank }, () => rng.int(1, 4));
      const autoPad = pick(['NOTSET', 'NOTSET', 'VALID', 'SAME_UPPER', 'SAME_LOWER'] as const);
      // onnxruntime's pooling computes a negative SAME padding for a stride above the kernel, and refuses it.
      const strides = kernel.map((k) => (autoPad.startsWith('SAME') ? rng.int(1, k + 1) : pick([1, 1, 2, 3])));
      // onnxruntime wants pads smaller than the kernel.
      const pads = autoPad === 'NOTSET' ? [...kernel, ...kernel].map((k) => rng.int(0, k)) : [];
      const spatial = kernel.map((k) => k + rng.int(0, 4));
      opset = pick([11, 17, 19]);
      // Without ceil_mode when its last window would start in the end padding: onnxruntime then drops that window
      // (a later ONNX rule), TensorRT's round-up mode keeps it.
      const lastWindowInPadding = spatial.some((d, i) => {
        const total = d + (pads[i] ?? 0) + (pads[i + spatialRank] ?? 0) - kernel[i]!;
        return Math.floor((Math.ceil(total / strides[i]!) + 1 - 1) * strides[i]!) >= d + (pads[i] ?? 0);
      });
      // LpPool has no ceil_mode before opset 18, and TensorRT's parser sums a window cut short by it as an average
      // over the cut window times the kernel's size.
      const ceil = op !== 'LpPool' && autoPad === 'NOTSET' && !lastWindowInPadding && chance(0.4);
      const x = [rng.int(1, 3), rng.int(1, 4), ...spatial];
      const attrs: Record<string, AttrValue> = { kernel_shape: kernel, strides, auto_pad: autoPad };
      if (op !== 'LpPool') attrs.ceil_mode = ceil ? 1 : 0;
      if (pads.length) attrs.pads = pads;
      if (op === 'AveragePool') attrs.count_include_pad = pick([0, 1]);
      if (op === 'LpPool') attrs.p = pick([1, 2]);
      first = node(op, [floatInput('x', x)], ['t'], attrs);
      out = { dtype: 'float32', rank: x.length };
      title = `${op} [${x}] kernel ${JSON.stringify(kernel)} strides ${JSON.stringify(strides)} ${autoPad} pads ${JSON.stringify(pads)}${ceil ? ' ceil' : ''}${attrs.count_include_pad ? ' count_include_pad' : ''}${op === 'LpPool' ? ` p ${attrs.p}` : ''} opset ${opset}`;
      break;
    }
    case 'globalpool': {
      const op = pick(['GlobalAveragePool', 'GlobalMaxPool', 'GlobalLpPool'] as const);
      const x = [rng.int(1, 3), rng.int(1, 4), ...dims(rng.int(1, 3), false)];
      first = node(op, [floatInput('x', x)], ['t']);
      out = { dtype: 'float32', rank: x.length };
      title = `${op} [${x}]`;
      break;
    }
    case 'batchnorm': {
      const x = [rng.int(1, 3), rng.int(1, 4), ...dims(rng.int(0, 3))];
      const param = (name: string, lo: number, hi: number) => constant(name, 'float32', [x[1]!], Array.from({ length: x[1]! }, () => Math.round((lo + rng.next() * (hi - lo)) * 100) / 100));
      first = node('BatchNormalization', [floatInput('x', x), param('scale', -2, 2), param('bias', -1, 1), param('mean', -1, 1), param('var', 0.05, 3)], ['t'], { epsilon: floatAttr(pick([1e-5, 1e-3, 0.1])) });
      out = { dtype: 'float32', rank: x.length };
      title = `BatchNormalization [${x}]`;
      break;
    }
    case 'pad': {
      if (!rank) return randomCase(seed + 1_000_000);
      const mode = pick(['constant', 'constant', 'edge', 'reflect', 'wrap'] as const);
      // Non-constant modes need every padded extent >= 1; onnxruntime wants reflect pads below the extent and
      // wrap pads at most the extent; only constant mode crops (negative pads).
      const padded = s.map((d) => (mode === 'constant' ? d : Math.max(d, 1)));
      const amount = (d: number) => (mode === 'constant' ? rng.int(-Math.floor(d / 2), 4) : mode === 'reflect' ? rng.int(0, d) : mode === 'wrap' ? rng.int(0, d + 1) : rng.int(0, 4));
      const pads = [...padded.map(amount), ...padded.map(amount)];
      opset = mode === 'wrap' ? 19 : pick([11, 13, 18, 19]);
      const ins = [floatInput('x', padded), shapeVector('pads', pads)];
      if (mode === 'constant' && chance(0.5)) ins.push(constant('value', 'float32', [], [pick([-1.5, 0, 2.25])]));
      first = node('Pad', ins, ['t'], { mode });
      out = { dtype: 'float32', rank };
      title = `Pad [${padded}] ${mode} pads ${JSON.stringify(pads)} opset ${opset}`;
      break;
    }
    case 'trilu': {
      if (rank < 2) return randomCase(seed + 1_000_000);
      const k = chance(0.3) ? undefined : rng.int(-3, 4);
      const upper = pick([0, 1]);
      const ins = [floatInput('x', s)];
      if (k !== undefined) ins.push(constant('k', 'int64', [], int64s([k])));
      first = node('Trilu', ins, ['t'], { upper });
      out = { dtype: 'float32', rank };
      title = `Trilu [${s}] ${upper ? 'upper' : 'lower'} k ${k ?? '-'}`;
      break;
    }
    case 'cumsum': {
      if (!rank) return randomCase(seed + 1_000_000);
      const axis = signedAxis(rng.int(0, rank), rank);
      const [exclusive, reverse] = [pick([0, 1]), pick([0, 1])];
      first = node('CumSum', [floatInput('x', s), constant('axis', pick(['int32', 'int64'] as const), [], [axis])], ['t'], { exclusive, reverse });
      out = { dtype: 'float32', rank };
      title = `CumSum [${s}] axis ${axis}${exclusive ? ' exclusive' : ''}${reverse ? ' reverse' : ''}`;
      break;
    }
    case 'topk': {
      // Not of an empty tensor: onnxruntime's TopK divides by zero there (SIGFPE kills the process).
      if (!rank || volume(s) === 0) return randomCase(seed + 1_000_000);
      const axis = rng.int(0, rank);
      const k = rng.int(0, s[axis]! + 1);
      const largest = pick([0, 1]);
      first = node('TopK', [floatInput('x', s), constant('k', 'int64', [1], [BigInt(k)])], ['t', 'indices'], { axis: signedAxis(axis, rank), largest });
      out = { dtype: 'float32', rank };
      title = `TopK [${s}] k ${k} axis ${axis}${largest ? '' : ' smallest'}`;
      break;
    }
    case 'gatherelements': {
      if (!rank) return randomCase(seed + 1_000_000);
      const axis = rng.int(0, rank);
      const data = s.map((d, a) => (a === axis ? Math.max(d, 1) : d));
      const idxDims = data.map((d, a) => (a === axis ? rng.int(0, 4) : rng.int(0, d + 1)));
      const indices = Array.from({ length: volume(idxDims) }, () => rng.int(-data[axis]!, data[axis]!));
      first = node('GatherElements', [floatInput('x', data), constant('idx', pick(['int32', 'int64'] as const), idxDims, indices)], ['t'], { axis: signedAxis(axis, rank) });
      out = { dtype: 'float32', rank };
      title = `GatherElements [${data}] axis ${axis} indices [${idxDims}]`;
      break;
    }
    case 'resize': {
      if (!rank) return randomCase(seed + 1_000_000);
      // onnxruntime interpolates linearly only over 2-D inputs and the spatial axes of 4-D and 5-D ones, cubically over
      // 2-D inputs and the spatial axes of 4-D ones (TensorRT over the 3 and 2 innermost axes of any rank); nearest
      // resizes any axis.
      const mode = (rank === 2 || rank === 4) && chance(0.6) ? pick(['linear', 'cubic'] as const) : 'nearest';
      const x = s.map((d) => Math.max(d, 1));
      const resized = x.map((_, a) => (mode === 'nearest' || rank === 2 || a >= 2) && chance(0.7));
      const useSizes = chance(0.5);
      const scaleValues = x.map((d, a) => (resized[a] ? pick([0.5, 0.6, 1, 1.5, 2, 2.5, 3]) : 1)).map((v, a) => (Math.floor(x[a]! * v) < 1 ? 1 : v));
      const sizes = x.map((d, a) => (resized[a] ? rng.int(1, 2 * d + 3) : d));
      const coordinates = pick(['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric'] as const);
      const attrs: Record<string, AttrValue> = { mode, coordinate_transformation_mode: coordinates };
      if (mode === 'nearest') attrs.nearest_mode = pick(['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil']);
      const cubicCoeff = mode === 'cubic' && chance(0.5) ? pick([-0.5, -0.6, -0.75]) : undefined;
      const excludeOutside = mode === 'cubic' && chance(0.5);
      if (cubicCoeff !== undefined) attrs.cubic_coeff_a = floatAttr(cubicCoeff);
      if (excludeOutside) attrs.exclude_outside = 1;
      // From 13: roi may be omitted (onnxruntime wants it at 11 and 12).
      opset = pick([13, 17, 19]);
      const ins = [floatInput('x', x), ''];
      if (useSizes) ins.push('', constant('sizes', 'int64', [rank], int64s(sizes)));
      else ins.push(constant('scales', 'float32', [rank], scaleValues));
      first = node('Resize', ins, ['t'], attrs);
      out = { dtype: 'float32', rank };
      title = `Resize [${x}] ${attrs.mode} ${coordinates} ${attrs.nearest_mode ?? ''}${mode === 'cubic' ? `A ${cubicCoeff ?? 'default'}${excludeOutside ? ' exclude_outside' : ''}` : ''} ${useSizes ? `sizes [${sizes}]` : `scales [${scaleValues}]`} opset ${opset}`;
      break;
    }
    case 'depthspace': {
      const block = rng.int(1, 4);
      const toSpace = chance(0.5);
      const [n, c, h, w] = [rng.int(1, 3), rng.int(1, 3), rng.int(1, 4), rng.int(1, 4)];
      const x = toSpace ? [n, c * block * block, h, w] : [n, c, h * block, w * block];
      const attrs: Record<string, AttrValue> = { blocksize: block };
      if (toSpace) attrs.mode = pick(['DCR', 'CRD']);
      first = node(toSpace ? 'DepthToSpace' : 'SpaceToDepth', [floatInput('x', x)], ['t'], attrs);
      out = { dtype: 'float32', rank: 4 };
      title = `${toSpace ? `DepthToSpace ${attrs.mode}` : 'SpaceToDepth'} [${x}] blocksize ${block}`;
      break;
    }
    case 'instancenorm': {
      // Groups of at least 4 elements (see the top of the file). GroupNormalization's scale and bias are per group at
      // opset 18, per channel at 21.
      const groups = pick([0, 1, 2, 3]);
      const x = [rng.int(1, 3), (groups || 1) * rng.int(1, 3), rng.int(4, 6), ...dims(rng.int(0, 2), false)];
      opset = groups ? pick([18, 21]) : 17;
      const params = groups && opset === 18 ? groups : x[1]!;
      const param = (name: string) => constant(name, 'float32', [params], Array.from({ length: params }, () => Math.round((rng.next() * 4 - 2) * 100) / 100));
      const attrs: Record<string, AttrValue> = { epsilon: floatAttr(pick([1e-5, 1e-2])) };
      if (groups) attrs.num_groups = groups;
      const op = groups ? 'GroupNormalization' : 'InstanceNormalization';
      first = node(op, [floatInput('x', x), param('scale'), param('bias')], ['t'], attrs);
      out = { dtype: 'float32', rank: x.length };
      title = `${op} [${x}]${groups ? ` ${groups} groups opset ${opset}` : ''}`;
      break;
    }
    case 'scatterelements': {
      if (!rank) return randomCase(seed + 1_000_000);
      const axis = rng.int(0, rank);
      const data = s.map((d) => Math.max(d, 1));
      // Distinct indices along the axis per position (the order of duplicates is unspecified on a GPU).
      const idxDims = data.map((d, a) => (a === axis ? rng.int(0, d + 1) : rng.int(0, d + 1)));
      const perm = [...Array(data[axis]).keys()].sort(() => rng.next() - 0.5);
      const indices: number[] = [];
      const strides = idxDims.map((_, a) => idxDims.slice(a + 1).reduce((p, q) => p * q, 1));
      for (let i = 0; i < volume(idxDims); i++) {
        const k = Math.floor(i / strides[axis]!) % idxDims[axis]!;
        indices.push(perm[k]! - (chance(0.3) ? data[axis]! : 0));
      }
      const updatesName = floatInput('u', idxDims);
      first = node('ScatterElements', [floatInput('x', data), constant('idx', 'int64', idxDims, indices), updatesName], ['t'], { axis: signedAxis(axis, rank) });
      out = { dtype: 'float32', rank };
      title = `ScatterElements [${data}] axis ${axis} indices [${idxDims}]`;
      break;
    }
    case 'tile': {
      const repeats = s.map(() => (chance(0.1) ? 0 : pick([1, 1, 2, 3])));
      first = node('Tile', [floatInput('x', s), shapeVector('repeats', repeats)], ['t']);
      out = { dtype: 'float32', rank };
      title = `Tile [${s}] repeats ${JSON.stringify(repeats)}`;
      break;
    }
    case 'variadic': {
      const op = pick(['Max', 'Min', 'Sum', 'Mean'] as const);
      const names = ['a', 'b', 'c', 'd'].slice(0, rng.int(1, 5));
      const shapes = names.map((_, k) => (k === 0 ? s : broadcastable(s)));
      first = node(op, names.map((n, k) => floatInput(n, shapes[k]!)), ['t']);
      out = { dtype: 'float32', rank };
      title = `${op} of ${shapes.map((d) => `[${d}]`).join(' ')}`;
      break;
    }
    case 'qdq': {
      // Quantize to int8 and back: the input per tensor, or weights per channel of an axis (TensorRT quantizes only
      // constants per channel), which are then added to the input. The codes themselves are the output a third of
      // the time. Always an int8 zero point of 0: TensorRT takes no other, and without one onnxruntime gives uint8.
      // Not over a channel extent of 0: TensorRT's importer refuses a scale with no coefficients.
      const channelAxis = rng.int(0, Math.max(rank, 1));
      const perChannel = rank > 0 && s[channelAxis]! > 0 && chance(0.5);
      const axis = perChannel ? channelAxis : 0;
      const count = perChannel ? s[axis]! : 1;
      // FP8 (E4M3) a third of the time: its codes are never the output (FP8 network outputs are not modelled), and
      // scales down to 0.005 make 4 / scale pass 448, where it saturates.
      const fp8 = chance(0.33);
      const scales = Array.from({ length: count }, () => pick([0.01, 0.02, 0.03, 0.05, 0.1, 0.25, 0.3, ...(fp8 ? [0.005, 1] : [])]));
      const shape = perChannel ? [count] : [];
      constant('scale', 'float32', shape, scales);
      if (fp8) initializers.push(float8Zeros('zero', shape));
      else constant('zero', 'int8', shape, Array(count).fill(0));
      const attrs: Record<string, AttrValue> = perChannel ? { axis: signedAxis(axis, rank) } : {};
      opset = fp8 ? 19 : perChannel ? 13 : pick([10, 13]);
      const codesOut = !fp8 && !perChannel && chance(0.33);
      const weights = () => Array.from({ length: volume(s) }, () => Math.round((rng.next() * 8 - 4) * 100) / 100);
      const source = perChannel ? constant('w', 'float32', s, weights()) : floatInput('x', s);
      first = node('QuantizeLinear', [source, 'scale', 'zero'], [codesOut ? 't' : 'q'], attrs);
      if (!codesOut) extraNodes.push(node('DequantizeLinear', ['q', 'scale', 'zero'], [perChannel ? 'dq' : 't'], attrs));
      if (perChannel) extraNodes.push(node('Add', ['dq', floatInput('x', s)], ['t']));
      out = { dtype: codesOut ? 'int8' : 'float32', rank };
      title = `QuantizeLinear${fp8 ? ' to FP8' : ''} [${s}] ${perChannel ? `weights axis ${attrs.axis} scales ${scales}` : `scale ${scales[0]}`}${codesOut ? '' : ' -> DequantizeLinear'}${perChannel ? ' -> Add x' : ''} opset ${opset}`;
      stronglyTyped = true;
      break;
    }
    case 'scan': {
      // A state of k values carried over the t rows (or columns) of x, either direction, with each step's value
      // stacked on either axis of the output, either direction.
      const [t, k] = [rng.int(1, 5), rng.int(1, 4)]; // an empty sequence crashes onnxruntime (see the top)
      const inputAxis = rng.int(0, 2);
      const outputAxis = rng.int(0, 2);
      const x = floatInput('x', inputAxis === 0 ? [t, k] : [k, t]);
      const state = floatInput('s', [k]);
      const op = pick(['Add', 'Sub', 'Mul', 'Max'] as const);
      const reversed = [rng.int(0, 2), rng.int(0, 2)];
      const body = graphAttr('body', [valueInfo('s_out', 'float32', [k]), valueInfo('y', 'float32', [k])], [
        node(op, ['s_in', 'x_t'], ['s_mid']),
        node('Tanh', ['s_mid'], ['s_out']),
        node('Mul', ['s_out', 'x_t'], ['y']),
      ], [valueInfo('s_in', 'float32', [k]), valueInfo('x_t', 'float32', [k])]);
      first = node('Scan', [state, x], ['s_final', 't'], { // onnxruntime cannot run an omitted Scan output
        num_scan_inputs: 1, body, scan_input_axes: [inputAxis], scan_output_axes: [outputAxis], scan_input_directions: [reversed[0]!], scan_output_directions: [reversed[1]!],
      });
      opset = pick([11, 16]);
      out = { dtype: 'float32', rank: 2 };
      title = `Scan x [${inputAxis === 0 ? [t, k] : [k, t]}] axis ${inputAxis}${reversed[0] ? ' reversed' : ''} -> axis ${outputAxis}${reversed[1] ? ' prepended' : ''}: s = tanh(s ${op} x_t)`;
      break;
    }
    case 'loop': {
      // A carried value of x's shape, updated from itself and the graph's x by a random op, over a trip count that is
      // a weight (0 to 4) with a scan of the updates, or, half the time, while the carried sum stays below a limit
      // (no scan: TensorRT's scan outputs keep the trip count's rows, see loop.cc), for at most 6 trips.
      const x = floatInput('x', s);
      const v = floatInput('v', s);
      const counted = chance(0.5);
      const trips = rng.int(0, 5);
      const op = pick(['Add', 'Sub', 'Mul', 'Max'] as const);
      const nodes = [node(op, ['v_in', x], ['v_mid']), node('Tanh', ['v_mid'], ['v_out'])];
      const outputs = [valueInfo('cond_out', 'bool', []), valueInfo('v_out', 'float32', s)];
      if (counted) {
        nodes.push(node('Identity', ['cond_in'], ['cond_out']), node('Neg', ['v_out'], ['each']));
        outputs.push(valueInfo('each', 'float32', s));
      } else {
        const limit = constant('limit', 'float32', [], [Math.round((rng.next() * 4 - 1) * 100) / 100]);
        nodes.push(node('ReduceSum', ['v_out'], ['total'], { keepdims: 0 }), node('Less', ['total', limit], ['cond_out']));
      }
      const body = graphAttr('body', outputs, nodes, [valueInfo('i', 'int64', []), valueInfo('cond_in', 'bool', []), valueInfo('v_in', 'float32', s)]);
      // Always a trip count: a loop on its condition alone may never end (on a GPU, in onnxruntime and here alike).
      const m = constant('M', 'int64', [], [BigInt(counted ? trips : 6)]);
      first = node('Loop', [m, constant('go', 'bool', [], [1]), v], counted ? ['t', 'scan'] : ['t'], { body });
      out = { dtype: 'float32', rank };
      title = `Loop [${s}] ${counted ? `${trips} trips with a scan` : 'while the sum is below a limit, at most 6 trips'}: v = tanh(v ${op} x)`;
      break;
    }
    case 'if': {
      // A condition fed at run time picks one of two branches over the graph's x (and, in one, an initializer):
      // a unary op, or a binary op with a broadcast constant. The branches keep x's shape, as TensorRT requires
      // ranks to agree and the simulator extents.
      const x = floatInput('x', s);
      const value = chance(0.5);
      inputs.push({ name: 'c', dtype: 'bool', dims: [] });
      feeds.c = { dtype: 'bool', dims: [], data: Uint8Array.of(value ? 1 : 0) };
      const branch = (name: string, out: string) => {
        const shared = broadcastable(s);
        if (chance(0.5)) {
          const op = pick(UNARY.filter((u) => !NOT_CHAINED.has(u) && opset >= (SINCE[u] ?? 0)));
          return { title: `${name} ${op}`, nodes: [node(op, [x], [out])] };
        }
        const op = pick(['Add', 'Sub', 'Mul', 'Max'] as const);
        const k = constant(`${name}_k`, 'float32', shared, Array.from({ length: volume(shared) }, () => Math.round((rng.next() * 4 - 2) * 100) / 100));
        return { title: `${name} ${op} [${shared}]`, nodes: [node(op, [x, k], [out])] };
      };
      const thenBranch = branch('then', 'bt');
      const elseBranch = branch('else', 'be');
      first = node('If', ['c'], ['t'], {
        then_branch: graphAttr('then', [valueInfo('bt', 'float32', s)], thenBranch.nodes),
        else_branch: graphAttr('else', [valueInfo('be', 'float32', s)], elseBranch.nodes),
      });
      out = { dtype: 'float32', rank };
      title = `If [${s}] condition ${value}: ${thenBranch.title} / ${elseBranch.title}`;
      break;
    }
    case 'recurrent': {
      const cell = pick(['LSTM', 'GRU', 'RNN'] as const);
      const gates = { LSTM: 4, GRU: 3, RNN: 1 }[cell];
      const direction = pick(['forward', 'reverse', 'bidirectional'] as const);
      const d = direction === 'bidirectional' ? 2 : 1;
      const [seq, batch, size, hidden] = [rng.int(1, 5), rng.int(1, 4), rng.int(1, 4), rng.int(1, 4)];
      // Weights within ±0.5, so that the gates do not all saturate.
      const weights = (name: string, w: number[]) => constant(name, 'float32', w, Array.from({ length: volume(w) }, () => Math.round((rng.next() - 0.5) * 100) / 100));
      const x = floatInput('x', [seq, batch, size]);
      staticAxes.x = [2]; // input_size: W's
      const lens = Array.from({ length: batch }, () => rng.int(1, seq + 1)); // onnxruntime takes 1 to seq
      const optional = [
        chance(0.7) ? weights('B', [d, 2 * gates * hidden]) : '',
        chance(0.5) ? constant('lens', 'int32', [batch], lens) : '',
        chance(0.5) ? floatInput('h0', [d, batch, hidden]) : '',
        ...(cell === 'LSTM' ? [chance(0.5) ? floatInput('c0', [d, batch, hidden]) : '', chance(0.4) ? weights('P', [d, 3 * hidden]) : ''] : []),
      ];
      while (optional.length && optional[optional.length - 1] === '') optional.pop();
      const attrs: Record<string, AttrValue> = { hidden_size: hidden, direction };
      // Not LSTM's: TensorRT's parser clips the cell state before h, onnxruntime does not (recurrent.test.ts).
      if (cell !== 'LSTM' && chance(0.3)) attrs.clip = floatAttr(pick([0.5, 1.5, 3]));
      if (cell === 'GRU') attrs.linear_before_reset = pick([0, 1]);
      if (chance(0.3)) {
        // Functions without parameters, the same for both directions (TensorRT's parser applies the forward ones).
        const one = Array.from({ length: { LSTM: 3, GRU: 2, RNN: 1 }[cell] }, () => pick(['Sigmoid', 'Tanh', 'Relu', 'Softsign', 'Softplus']));
        attrs.activations = d === 2 ? [...one, ...one] : one;
      }
      const which = rng.int(0, cell === 'LSTM' ? 3 : 2); // Y, Y_h or Y_c
      first = node(cell, [x, weights('W', [d, gates * hidden, size]), weights('R', [d, gates * hidden, hidden]), ...optional], [...Array<string>(which).fill(''), 't'], attrs);
      out = { dtype: 'float32', rank: which === 0 ? 4 : 3 };
      title = `${cell} ${direction} X [${seq},${batch},${size}] hidden ${hidden} -> ${['Y', 'Y_h', 'Y_c'][which]}${optional[0] ? ' B' : ''}${optional[1] ? ` lens ${JSON.stringify(lens)}` : ''}${optional[2] ? ' h0' : ''}${optional[3] ? ' c0' : ''}${optional[4] ? ' P' : ''}${attrs.clip ? ' clip' : ''}${attrs.linear_before_reset ? ' linear_before_reset' : ''}${attrs.activations ? ` ${JSON.stringify(attrs.activations)}` : ''}`;
      break;
    }
    case 'reversesequence': {
      // ONNX puts the batch and time axes at 0 and 1, in either order.
      const x = [rng.int(1, 5), rng.int(1, 5), ...dims(rng.int(0, 3), false)];
      const batchAxis = rng.int(0, 2);
      const timeAxis = 1 - batchAxis;
      const lens = Array.from({ length: x[batchAxis]! }, () => rng.int(0, x[timeAxis]! + 1));
      first = node('ReverseSequence', [floatInput('x', x), constant('lens', 'int64', [lens.length], int64s(lens))], ['t'], { batch_axis: batchAxis, time_axis: timeAxis });
      out = { dtype: 'float32', rank: x.length };
      title = `ReverseSequence [${x}] batch_axis ${batchAxis} lens ${JSON.stringify(lens)}`;
      break;
    }
    case 'axisnorm': {
      if (chance(0.5)) {
        if (!rank) return randomCase(seed + 1_000_000);
        const axis = rng.int(0, rank);
        const p = pick([1, 2]);
        first = node('LpNormalization', [floatInput('x', s)], ['t'], { axis: signedAxis(axis, rank), p });
        out = { dtype: 'float32', rank };
        title = `LpNormalization [${s}] axis ${axis} p ${p}`;
      } else {
        // Groups of at least 4 elements (see the top of the file): the last axis holds 4 or more.
        const x = [...dims(rng.int(1, 3), false), rng.int(4, 7)];
        const axes = [...new Set([x.length - 1, ...Array.from({ length: rng.int(0, x.length) }, () => rng.int(0, x.length))])];
        first = node('MeanVarianceNormalization', [floatInput('x', x)], ['t'], { axes: axes.map((a) => signedAxis(a, x.length)) });
        out = { dtype: 'float32', rank: x.length };
        title = `MeanVarianceNormalization [${x}] axes ${JSON.stringify(axes)}`;
      }
      break;
    }
    case 'gathernd': {
      if (!rank || s.some((d) => d === 0)) return randomCase(seed + 1_000_000);
      const indexRank = rng.int(1, 4);
      const batchDims = Math.min(rank, indexRank) > 1 && chance(0.3) ? 1 : 0;
      const rowLength = rng.int(1, rank - batchDims + 1);
      const indexDims = [...s.slice(0, batchDims), ...dims(indexRank - 1 - batchDims, false), rowLength];
      const rows = volume(indexDims) / rowLength;
      const indices = Array.from({ length: rows }, () => Array.from({ length: rowLength }, (_, k) => rng.int(-s[batchDims + k]!, s[batchDims + k]!))).flat();
      const x = floatInput('x', s);
      let idx: string;
      if (chance(0.5)) {
        idx = constant('idx', 'int64', indexDims, int64s(indices));
      } else {
        idx = 'idx';
        inputs.push({ name: idx, dtype: 'int64', dims: indexDims });
        feeds[idx] = { dtype: 'int64', dims: indexDims, data: toTyped('int64', indices) };
        staticAxes.idx = [indexDims.length - 1];  // the row length is known at build time (TensorRT requires it)
      }
      first = node('GatherND', [x, idx], ['t'], { batch_dims: batchDims });
      out = { dtype: 'float32', rank: indexDims.length - 1 + rank - batchDims - rowLength };
      title = `GatherND [${s}] indices [${indexDims}] ${JSON.stringify(indices)} batch_dims ${batchDims}`;
      break;
    }
    case 'gridsample': {
      const [n, c, h, w] = [rng.int(1, 3), rng.int(1, 4), rng.int(1, 6), rng.int(1, 6)];
      const mode = pick(['bilinear', 'nearest', 'bicubic'] as const);
      const padding = pick(['zeros', 'border', 'reflection'] as const);
      // onnxruntime divides by a zero range when it reflects off a one-pixel axis with aligned corners.
      const alignCorners = padding === 'reflection' && Math.min(h, w) === 1 ? 0 : pick([0, 1]);
      const g = [n, rng.int(1, 5), rng.int(1, 5), 2];
      floatInput('x', [n, c, h, w]);
      inputs.push({ name: 'grid', dtype: 'float32', dims: g });
      // Mostly inside the image or just outside it, sometimes far out (reflections bounce more than once).
      const reach = chance(0.2) ? 4 : 1.3;
      feeds.grid = { dtype: 'float32', dims: g, data: Float32Array.from({ length: volume(g) }, () => Math.round((rng.next() * 2 - 1) * reach * 100) / 100) };
      first = node('GridSample', ['x', 'grid'], ['t'], { mode, padding_mode: padding, align_corners: alignCorners });
      opset = pick([16, 17, 19]);
      out = { dtype: 'float32', rank: 4 };
      title = `GridSample [${n},${c},${h},${w}] grid [${g}] ${mode} ${padding}${alignCorners ? ' align_corners' : ''} reach ${reach}`;
      break;
    }
    case 'hardmax': {
      if (!rank) return randomCase(seed + 1_000_000);
      const x = s.map((d) => Math.max(d, 1));
      const axis = rng.int(0, rank);
      // Before 13 the input is flattened to 2-D at axis; from 13 one axis.
      opset = pick([11, 13]);
      inputs.push({ name: 'x', dtype: 'float32', dims: x });
      // Few distinct values, so that ties are common.
      feeds.x = { dtype: 'float32', dims: x, data: Float32Array.from({ length: volume(x) }, () => pick([-1, 0, 0.5, 2])) };
      first = node('Hardmax', ['x'], ['t'], { axis: signedAxis(axis, rank) });
      out = { dtype: 'float32', rank };
      title = `Hardmax [${x}] axis ${axis} opset ${opset}`;
      break;
    }
    case 'lrn': {
      // TensorRT's layer takes odd windows up to 15; the simulator models 4-D inputs (onnxruntime's kernel too).
      const x = [rng.int(1, 3), rng.int(1, 9), rng.int(1, 4), rng.int(1, 4)];
      const attrs: Record<string, AttrValue> = { size: pick([1, 3, 5, 7, 15]) };
      if (chance(0.7)) attrs.alpha = floatAttr(pick([1e-4, 0.1, 1, 3]));
      if (chance(0.7)) attrs.beta = floatAttr(pick([0.5, 0.75, 1, 2]));
      if (chance(0.7)) attrs.bias = floatAttr(pick([0.5, 1, 2]));
      first = node('LRN', [floatInput('x', x)], ['t'], attrs);
      out = { dtype: 'float32', rank: 4 };
      title = `LRN [${x}] size ${attrs.size}`;
      break;
    }
    case 'argextreme': {
      if (!rank) return randomCase(seed + 1_000_000);
      const op = pick(['ArgMax', 'ArgMin'] as const);
      const x = s.map((d) => Math.max(d, 1));
      const axis = rng.int(0, rank);
      const attrs: Record<string, AttrValue> = { axis: signedAxis(axis, rank), keepdims: pick([0, 1]) };
      opset = pick([11, 13]);
      if (opset >= 12 && chance(0.5)) attrs.select_last_index = 1;
      inputs.push({ name: 'x', dtype: 'float32', dims: x });
      // Few distinct values, so that ties are common.
      feeds.x = { dtype: 'float32', dims: x, data: Float32Array.from({ length: volume(x) }, () => pick([-1, 0, 0.5, 2])) };
      first = node(op, ['x'], ['t'], attrs);
      out = { dtype: 'int64', rank: attrs.keepdims ? rank : rank - 1 };
      title = `${op} [${x}] axis ${axis} keepdims ${attrs.keepdims}${attrs.select_last_index ? ' select_last_index' : ''} opset ${opset}`;
      break;
    }
  }
  const nodes = [first, ...extraNodes];
  if (out.dtype === 'float32' && chance(0.5)) {
    // Nor an op newer than the model's opset.
    const op = pick(UNARY.filter((u) => !NOT_CHAINED.has(u) && opset >= (SINCE[u] ?? 0)));
    nodes.push(node(op, ['t'], ['y']));
    title += ` -> ${op}`;
  } else {
    nodes.push(node('Identity', ['t'], ['y']));
  }
  const profile: Record<string, ShapeRange | ShapeValuesRange> = {};
  for (const [name, values] of Object.entries(shapeRanges)) profile[name] = { values };
  const declared = (name: string, d: number[]) => {
    if (!dynamic || !d.length || name in shapeRanges) return d;
    profile[name] = { min: d, opt: d, max: d };
    return d.map((v, i) => (staticAxes[name]?.includes(i) ? v : `${name}_${i}`));
  };
  const onnx = model({
    inputs: inputs.map((i) => valueInfo(i.name, i.dtype, declared(i.name, i.dims))),
    outputs: [valueInfo('y', out.dtype, Array(out.rank).fill(-1))],
    initializers,
    nodes,
    opset,
  });
  const shapeInputs = Object.keys(shapeRanges);
  return { title: `seed ${seed}: ${title}${dynamic ? ' (dynamic dims)' : ''}${shapeInputs.length ? ` (shape inputs ${shapeInputs.join(', ')})` : ''}`, onnx, feeds, profile: Object.keys(profile).length ? profile : undefined, stronglyTyped };
}

// DIFF_COUNT=5000 runs more seeds locally (the suite runs 400, about a second).
const SEEDS = process.env.DIFF_SEED ? [Number(process.env.DIFF_SEED)] : Array.from({ length: Number(process.env.DIFF_COUNT ?? 400) }, (_, i) => i + 1);

let runtime: Runtime;
beforeAll(() => {
  runtime = Runtime.create({ backend: 'simulator' });
});
afterAll(() => runtime.dispose());

describe('random small models: the simulator computes what onnxruntime computes', () => {
  it.each(SEEDS.map((seed) => [randomCase(seed).title, seed] as const))('%s', async (_, seed) => {
    const c = randomCase(seed);
    const plan = await buildEngine(c.onnx, { backend: 'simulator', profiles: c.profile ? [c.profile] : [], stronglyTyped: c.stronglyTyped });
    using engine = await runtime.deserialize(plan);
    using context = engine.createContext();
    const feeds = Object.fromEntries(Object.entries(c.feeds).map(([name, t]) => [name, Tensor.from(t.dtype as TensorDType, t.data as never, t.dims)]));
    await expectLikeOrt(c.onnx, c.feeds, await context.run(feeds), { ...FP32_TOLERANCE, zeroSign: false });
  });
});
