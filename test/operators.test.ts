// Every operator the simulator implements, one model per case, against onnxruntime-node (CPU) on the same model and
// inputs: broadcasting, integer types, NaN, infinities and -0 where the operator meets them. The models test the
// zoo's graphs; this file makes sure no operator is only ever checked against values written by hand.
// Tolerance: float32 within atol 1e-5 + rtol 1e-4 (libm differences in Erf/Tanh/Exp); integers and bools exactly;
// NaN where onnxruntime gives NaN.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runtime, Tensor, buildEngine } from '../lib/index.js';
import { simulator } from '../lib/testing/index.js';
import { expectLikeOrt } from './helpers/ort.js';
import type { TensorMap } from './helpers/ort.js';
import { floatAttr, floatsAttr, graphAttr, model, node, tensor, tensorAttr, toTyped, valueInfo } from './models/onnx-builder.js';
import type { AttrValue, DType, Dim, TensorProto } from './models/onnx-builder.js';

interface Input {
  readonly dtype: DType;
  readonly dims: number[];
  readonly values: ArrayLike<number | bigint | boolean>;
}
interface OperatorCase {
  readonly title: string;
  readonly op: string;
  readonly inputs: Record<string, Input>;
  /** Constant inputs (shapes, axes, indices), after the graph inputs in the node's input list unless `order` says. */
  readonly constants?: Record<string, Input>;
  readonly order?: string[];
  readonly outputs: Record<string, { dtype: DType; dims: Dim[] }>;
  /** The node's output list when it leaves optional outputs out ('' keeps a position). */
  readonly nodeOutputs?: string[];
  readonly attrs?: Record<string, AttrValue>;
  readonly opset?: number;
  /** Build strongly typed: Q/DQ nodes need it, or the INT8 builder flag (quantization.test.ts builds both ways). */
  readonly stronglyTyped?: boolean;
}

const SPECIAL = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0];
/** 2x3 floats: negatives, fractions and special values. */
const f23 = (...extra: number[]): Input => ({ dtype: 'float32', dims: [2, 3], values: [-2.5, -0.75, 0.5, 1.25, 3, 7.5].map((v, i) => extra[i] ?? v) });
const f3 = (values: number[]): Input => ({ dtype: 'float32', dims: [3], values });
const f = (dims: number[], seed: number): Input => ({
  dtype: 'float32',
  dims,
  values: Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => Math.round(Math.sin(seed * 7.1 + i * 1.3) * 400) / 100),
});
const same = (dims: Dim[], dtype: DType = 'float32') => ({ y: { dtype, dims } });
/** A GridSample grid [n, h, w, 2]: normalized locations within ±reach (some outside the image), the first one 0. */
const grid = (n: number, h: number, w: number, seed: number, reach = 1.3): Input => ({
  dtype: 'float32',
  dims: [n, h, w, 2],
  values: Array.from({ length: n * h * w * 2 }, (_, i) => (i < 2 ? 0 : Math.round(Math.sin(seed * 3.7 + i * 2.3) * reach * 100) / 100)),
});
const binary = (op: string, a: Input, b: Input, out: { dtype: DType; dims: Dim[] }, title = `${op}, broadcasting [${b.dims}] over [${a.dims}]`): OperatorCase => ({
  title,
  op,
  inputs: { a, b },
  outputs: { y: out },
});
const unary = (op: string, x: Input, attrs?: Record<string, AttrValue>, opset?: number): OperatorCase => ({
  title: `${op} on negatives, fractions, NaN, ±Infinity and -0`,
  op,
  inputs: { x },
  outputs: same(x.dims),
  attrs,
  opset,
});
const withSpecial: Input = { dtype: 'float32', dims: [2, 5], values: [-2.5, -0.5, 0.25, 1.5, 3, ...SPECIAL] };
/** Weights within ±1 (f's values are within ±4), so the gates of the recurrent ops do not all saturate. */
const w = (dims: number[], seed: number): Input => ({ ...f(dims, seed), values: Array.from(f(dims, seed).values, (v) => (v as number) / 4) });
const lens = (values: number[]): Input => ({ dtype: 'int32', dims: [values.length], values });
/** A recurrent op's outputs: Y [seq, directions, batch, hidden], Y_h and (LSTM) Y_c [directions, batch, hidden]. */
const recurrentOutputs = (seq: number, dirs: number, batch: number, hidden: number, cell = false) => ({
  y: { dtype: 'float32' as DType, dims: [seq, dirs, batch, hidden] },
  y_h: { dtype: 'float32' as DType, dims: [dirs, batch, hidden] },
  ...(cell ? { y_c: { dtype: 'float32' as DType, dims: [dirs, batch, hidden] } } : {}),
});
const i64 = (dims: number[], values: number[]): Input => ({ dtype: 'int64', dims, values: values.map(BigInt) });
const bools = (dims: number[], values: number[]): Input => ({ dtype: 'bool', dims, values: values.map(Boolean) });

const CASES: OperatorCase[] = [
  binary('Add', f23(), f3([1, -2, 0.5]), { dtype: 'float32', dims: [2, 3] }),
  binary('Sub', f23(Number.POSITIVE_INFINITY), f3([1, Number.POSITIVE_INFINITY, -0]), { dtype: 'float32', dims: [2, 3] }),
  binary('Mul', f23(-0), f3([Number.POSITIVE_INFINITY, -1, 0]), { dtype: 'float32', dims: [2, 3] }),
  binary('Div', f23(0, -0), f3([0, 0, -4]), { dtype: 'float32', dims: [2, 3] }, 'Div, including 0/0 and x/0'),
  binary('Div', { dtype: 'int32', dims: [2, 3], values: [-7, 7, -8, 9, 0, 5] }, { dtype: 'int32', dims: [3], values: [2, -2, 3] }, { dtype: 'int32', dims: [2, 3] }, 'Div of int32 truncates toward zero'),
  binary('Add', i64([2, 3], [1, -2, 3, 2 ** 40, 5, -6]), i64([1], [2 ** 33]), { dtype: 'int64', dims: [2, 3] }, 'Add of int64 beyond 32 bits'),
  binary('Pow', f23(), f3([2, 0.5, -1]), { dtype: 'float32', dims: [2, 3] }, 'Pow: squares, roots of negatives (NaN), reciprocals'),
  binary('Pow', i64([2, 3], [-3, 2, 5, 0, 7, -1]), i64([3], [3, 0, 2]), { dtype: 'int64', dims: [2, 3] }, 'Pow of int64'),
  binary('Equal', f23(Number.NaN), f3([Number.NaN, -0.75, 0.5]), { dtype: 'bool', dims: [2, 3] }, 'Equal: NaN equals nothing'),
  binary('Equal', i64([2, 3], [1, 2, 3, 4, 5, 6]), i64([3], [1, 5, 3]), { dtype: 'bool', dims: [2, 3] }, 'Equal of int64'),
  binary('Less', f23(Number.NaN, -0), f3([0, 0, 1]), { dtype: 'bool', dims: [2, 3] }, 'Less: NaN and -0 < 0'),
  binary('Greater', f23(Number.NEGATIVE_INFINITY), f3([0, -1, 0.5]), { dtype: 'bool', dims: [2, 3] }),
  binary('And', bools([2, 2], [1, 1, 0, 0]), bools([2], [1, 0]), { dtype: 'bool', dims: [2, 2] }),
  binary('Or', bools([2, 2], [1, 1, 0, 0]), bools([2], [1, 0]), { dtype: 'bool', dims: [2, 2] }),
  { title: 'Not', op: 'Not', inputs: { x: bools([4], [1, 0, 0, 1]) }, outputs: same([4], 'bool') },
  {
    title: 'Where, broadcasting the condition and both branches',
    op: 'Where',
    inputs: { c: bools([2, 1], [1, 0]), a: f3([1, 2, 3]), b: f23() },
    outputs: same([2, 3]),
  },
  ...['Relu', 'Sigmoid', 'Tanh', 'Sqrt', 'Exp', 'Log', 'Neg', 'Abs', 'Erf'].map((op) => unary(op, withSpecial)),
  unary('Gelu', withSpecial, { approximate: 'none' }, 20),
  { ...unary('Gelu', withSpecial, { approximate: 'tanh' }, 20), title: 'Gelu, tanh approximation' },
  unary('LeakyRelu', withSpecial, { alpha: floatAttr(0.1) }),
  unary('Elu', withSpecial, { alpha: floatAttr(0.5) }),
  unary('HardSigmoid', withSpecial, { alpha: floatAttr(0.3), beta: floatAttr(0.4) }),
  unary('HardSwish', withSpecial, undefined, 14),
  { ...unary('Softplus', { dtype: 'float32', dims: [2, 4], values: [-100, -2.5, -0.5, 0, 0.25, 3, 30, 100] }), title: 'Softplus, from -100 to 100 (no overflow)' },
  binary('Mod', { dtype: 'int32', dims: [2, 3], values: [-7, 7, -8, 9, 0, 5] }, { dtype: 'int32', dims: [3], values: [3, -3, -3] }, { dtype: 'int32', dims: [2, 3] }, 'Mod of int32 takes the divisor\'s sign (fmod=0)'),
  { ...binary('Mod', i64([2, 3], [-7, 7, -8, 2 ** 40 + 1, 0, 5]), i64([3], [3, -3, 2 ** 20]), { dtype: 'int64', dims: [2, 3] }, 'Mod of int64 with fmod=1 takes the dividend\'s sign'), attrs: { fmod: 1 } },
  { ...binary('Mod', f23(), f3([2, -0.5, 0.75]), { dtype: 'float32', dims: [2, 3] }, 'Mod of float32 (fmod=1)'), attrs: { fmod: 1 } },
  { title: 'Max of three inputs, broadcasting', op: 'Max', inputs: { a: f([2, 3], 70), b: f([3], 71), c: f([2, 1], 72) }, outputs: same([2, 3]) },
  binary('Max', withSpecial, { dtype: 'float32', dims: [5], values: [0, Number.NaN, -1, 0, -0] }, { dtype: 'float32', dims: [2, 5] }, 'Max with NaN (it wins), ±Infinity and ±0'),
  binary('Min', withSpecial, { dtype: 'float32', dims: [5], values: [Number.NaN, 0, 2, -0, 0] }, { dtype: 'float32', dims: [2, 5] }, 'Min with NaN (it wins), ±Infinity and ±0'),
  { title: 'Min of int64', op: 'Min', inputs: { a: i64([2, 2], [5, -(2 ** 40), 3, 0]), b: i64([2], [4, 1]) }, outputs: same([2, 2], 'int64') },
  { title: 'Sum of one input', op: 'Sum', inputs: { a: f([2, 3], 73) }, outputs: same([2, 3]) },
  { title: 'Sum of three inputs', op: 'Sum', inputs: { a: f([2, 3], 74), b: f([1, 3], 75), c: f([2, 3], 76) }, outputs: same([2, 3]) },
  { title: 'Mean of two inputs, broadcasting', op: 'Mean', inputs: { a: f([3, 2], 77), b: f([2], 78) }, outputs: same([3, 2]) },
  ...['Floor', 'Ceil', 'Reciprocal', 'Sign', 'Sin', 'Cos'].map((op) => unary(op, withSpecial)),
  ...['Tan', 'Asin', 'Acos', 'Atan', 'Sinh', 'Cosh', 'Asinh', 'Acosh', 'Atanh'].map((op) => unary(op, withSpecial)),
  { ...unary('Asin', { dtype: 'float32', dims: [6], values: [-1, -0.9, -0.3, 0.2, 0.75, 1] }), title: 'Asin, Acos and Atanh inside their domain: Asin' },
  { ...unary('Acos', { dtype: 'float32', dims: [6], values: [-1, -0.9, -0.3, 0.2, 0.75, 1] }), title: 'Asin, Acos and Atanh inside their domain: Acos' },
  { ...unary('Atanh', { dtype: 'float32', dims: [6], values: [-1, -0.9, -0.3, 0.2, 0.75, 1] }), title: 'Asin, Acos and Atanh inside their domain: Atanh' },
  { ...unary('Acosh', { dtype: 'float32', dims: [4], values: [1, 1.5, 10, 1e6] }), title: 'Acosh from 1 up' },
  unary('Shrink', withSpecial),
  { ...unary('Shrink', withSpecial, { lambd: floatAttr(1.5), bias: floatAttr(0.5) }), title: 'Shrink with lambd 1.5 and bias 0.5 (±1.5 itself is kept as 0)' },
  { title: 'Shrink of int32 (the parser computes in float)', op: 'Shrink', inputs: { x: { dtype: 'int32', dims: [6], values: [-5, -2, -1, 0, 2, 9] } }, attrs: { lambd: floatAttr(1), bias: floatAttr(2) }, outputs: same([6], 'int32') },
  { ...unary('Round', { dtype: 'float32', dims: [2, 5], values: [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.49999997, -3.7, Number.NaN, -0] }), title: 'Round: halves to even, NaN and -0' },
  { title: 'Sign of int64', op: 'Sign', inputs: { x: i64([4], [-(2 ** 40), 0, 7, -1]) }, outputs: same([4], 'int64') },
  { title: 'IsNaN', op: 'IsNaN', inputs: { x: withSpecial }, outputs: same([2, 5], 'bool') },
  { title: 'IsInf of both signs', op: 'IsInf', inputs: { x: withSpecial }, outputs: same([2, 5], 'bool') },
  { title: 'IsInf, positive only', op: 'IsInf', inputs: { x: withSpecial }, attrs: { detect_negative: 0 }, outputs: same([2, 5], 'bool') },
  binary('PRelu', withSpecial, { dtype: 'float32', dims: [5], values: [0.1, -2, 0.5, 3, 0.25] }, { dtype: 'float32', dims: [2, 5] }, 'PRelu with a slope per column, NaN and ±Infinity'),
  binary('LessOrEqual', f23(Number.NaN, -0), f3([0, 0, 0.5]), { dtype: 'bool', dims: [2, 3] }, 'LessOrEqual: NaN, -0 <= 0, equal values'),
  binary('GreaterOrEqual', i64([2, 3], [1, 5, -3, 2 ** 40, 0, 9]), i64([3], [1, 6, -4]), { dtype: 'bool', dims: [2, 3] }, 'GreaterOrEqual of int64'),
  binary('Xor', bools([2, 2], [1, 1, 0, 0]), bools([2], [1, 0]), { dtype: 'bool', dims: [2, 2] }),
  { title: 'LogSoftmax on the last axis, with large and very negative values', op: 'LogSoftmax', inputs: { x: f23(80, 80, -200) }, outputs: same([2, 3]), attrs: { axis: -1 } },
  { title: 'LogSoftmax at opset 11 (over the flattened trailing axes)', op: 'LogSoftmax', inputs: { x: f([2, 3, 4], 80) }, outputs: same([2, 3, 4]), attrs: { axis: 1 }, opset: 11 },
  { title: 'ReduceMin over axis 1 with -Infinity', op: 'ReduceMin', inputs: { x: f23(Number.NEGATIVE_INFINITY) }, constants: { axes: i64([1], [1]) }, outputs: same([2, 1]), opset: 18 },
  { title: 'ReduceMin of int32 (axes attribute)', op: 'ReduceMin', inputs: { x: { dtype: 'int32', dims: [2, 3], values: [4, -7, 2, 9, 9, 0] } }, attrs: { axes: [0], keepdims: 0 }, outputs: same([3], 'int32') },
  { title: 'ReduceProd over all axes', op: 'ReduceProd', inputs: { x: f23() }, outputs: same([1, 1]) },
  { title: 'ReduceL1 over the last axis', op: 'ReduceL1', inputs: { x: f([2, 3, 4], 81) }, attrs: { axes: [-1], keepdims: 0 }, outputs: same([2, 3]) },
  { title: 'ReduceL2 over axes 0 and 2', op: 'ReduceL2', inputs: { x: f([2, 3, 4], 82) }, attrs: { axes: [0, 2] }, outputs: same([1, 3, 1]) },
  { title: 'ReduceSumSquare of int64', op: 'ReduceSumSquare', inputs: { x: i64([2, 2], [3, -4, 2 ** 20, 1]) }, attrs: { axes: [1], keepdims: 0 }, outputs: same([2], 'int64') },
  { title: 'ReduceLogSumExp over the last axis, with large values', op: 'ReduceLogSumExp', inputs: { x: f23(60, 61, -50) }, attrs: { axes: [1], keepdims: 0 }, outputs: same([2]) },
  { title: 'Dropout at inference: the input', op: 'Dropout', inputs: { x: withSpecial }, outputs: same([2, 5]) },
  {
    // No NaN here: TensorRT's parser builds the mask as Equal(x, x), false where x is NaN (ops_test.cc checks that),
    // where onnxruntime gives true.
    title: 'Dropout with its mask (opset 13) and training_mode false',
    op: 'Dropout',
    inputs: { x: f23(Number.POSITIVE_INFINITY, -0) },
    constants: { ratio: { dtype: 'float32', dims: [], values: [0.5] }, training: bools([], [0]) },
    outputs: { y: { dtype: 'float32', dims: [2, 3] }, mask: { dtype: 'bool', dims: [2, 3] } },
    opset: 13,
  },
  unary('Selu', withSpecial),
  unary('Celu', withSpecial, { alpha: floatAttr(0.5) }, 12),
  unary('Softsign', withSpecial),
  unary('ThresholdedRelu', withSpecial, { alpha: floatAttr(0.3) }, 10),
  unary('Mish', withSpecial, undefined, 18),
  { title: 'Size of a tensor', op: 'Size', inputs: { x: f([2, 3, 4], 128) }, outputs: same([], 'int64') },
  { title: 'OneHot of int64 indices with negative and out-of-range ones, along the last axis', op: 'OneHot', inputs: { idx: i64([2, 3], [0, -1, 4, 2, 9, -5]) }, constants: { depth: i64([], [4]), values: { dtype: 'float32', dims: [2], values: [-1, 5] } }, order: ['idx', 'depth', 'values'], outputs: same([2, 3, 4]) },
  { title: 'OneHot along axis 0, float indices (whole: onnxruntime compares 1.7 with 1 where the spec and TensorRT truncate) and depth', op: 'OneHot', inputs: { idx: f3([2, 0, -2]) }, constants: { depth: { dtype: 'float32', dims: [1], values: [3] }, values: { dtype: 'float32', dims: [2], values: [0.5, -3] } }, order: ['idx', 'depth', 'values'], attrs: { axis: 0 }, outputs: same([3, 3]) },
  { title: 'Softmax on the last axis, with large and equal values', op: 'Softmax', inputs: { x: f23(80, 80, 80) }, outputs: same([2, 3]), attrs: { axis: -1 } },
  { title: 'Softmax on axis 0', op: 'Softmax', inputs: { x: f([2, 3, 4], 1) }, outputs: same([2, 3, 4]), attrs: { axis: 0 } },
  { title: 'MatMul, batched times shared', op: 'MatMul', inputs: { a: f([2, 3, 4], 2), b: f([4, 5], 3) }, outputs: same([2, 3, 5]) },
  { title: 'MatMul, vector times matrix', op: 'MatMul', inputs: { a: f([4], 4), b: f([4, 2], 5) }, outputs: same([2]) },
  { title: 'Einsum, attention scores bhqd,bhkd->bhqk', op: 'Einsum', inputs: { q: f([2, 2, 3, 4], 115), k: f([2, 2, 5, 4], 116) }, attrs: { equation: 'bhqd,bhkd->bhqk' }, outputs: same([2, 2, 3, 5]) },
  { title: 'Einsum, implicit output ij,jk (matrix product)', op: 'Einsum', inputs: { a: f([3, 4], 117), b: f([4, 2], 118) }, attrs: { equation: 'ij,jk' }, outputs: same([3, 2]) },
  { title: 'Einsum, a diagonal', op: 'Einsum', inputs: { a: f([3, 3], 119) }, attrs: { equation: 'ii->i' }, outputs: same([3]) },
  { title: 'Einsum, dot product to a scalar', op: 'Einsum', inputs: { a: f([5], 120), b: f([5], 121) }, attrs: { equation: 'i,i->' }, outputs: same([]) },
  { title: 'Einsum with ellipsis, broadcasting the batch', op: 'Einsum', inputs: { a: f([2, 3, 4], 122), b: f([1, 4, 2], 123) }, attrs: { equation: '...ij,...jk->...ik' }, outputs: same([2, 3, 2]) },
  { title: 'Einsum, three inputs', op: 'Einsum', inputs: { a: f([2, 3], 124), b: f([3, 4], 125), c: f([4], 126) }, attrs: { equation: 'ij,jk,k->i' }, outputs: same([2]) },
  { title: 'Einsum, a transpose with spaces in the equation', op: 'Einsum', inputs: { a: f([2, 3, 4], 127) }, attrs: { equation: 'abc -> cab' }, outputs: same([4, 2, 3]) },
  {
    title: 'Gemm with transB, alpha, beta and a broadcast C',
    op: 'Gemm',
    inputs: { a: f([3, 4], 6), b: f([5, 4], 7), c: f([5], 8) },
    outputs: same([3, 5]),
    attrs: { transB: 1, alpha: floatAttr(0.5), beta: floatAttr(2) },
  },
  {
    title: 'Gemm with transA',
    op: 'Gemm',
    inputs: { a: f([4, 3], 9), b: f([4, 2], 10) },
    outputs: same([3, 2]),
    attrs: { transA: 1 },
  },
  {
    title: 'Gather on axis 1 with negative indices',
    op: 'Gather',
    inputs: { x: f([2, 4, 3], 11) },
    constants: { idx: i64([2, 2], [0, -1, 3, 1]) },
    outputs: same([2, 2, 2, 3]),
    attrs: { axis: 1 },
  },
  { title: 'Gather of int64 rows (an embedding lookup)', op: 'Gather', inputs: { x: i64([3, 2], [1, 2, 3, 4, 5, 6]), idx: i64([4], [2, 0, 2, 1]) }, outputs: same([4, 2], 'int64'), attrs: { axis: 0 } },
  { title: 'ReduceMean over axes 1, keepdims', op: 'ReduceMean', inputs: { x: f([2, 3, 4], 12) }, outputs: same([2, 1, 4]), attrs: { axes: [1], keepdims: 1 } },
  { title: 'ReduceMax over the last axis, with NaN and -Infinity', op: 'ReduceMax', inputs: { x: withSpecial }, outputs: same([2]), attrs: { axes: [-1], keepdims: 0 } },
  { title: 'ReduceMax over all axes', op: 'ReduceMax', inputs: { x: f([2, 3], 13) }, outputs: same([1, 1]) },
  {
    title: 'ReduceSum with axes as an input (opset 13+), keepdims 0',
    op: 'ReduceSum',
    inputs: { x: f([2, 3, 4], 14) },
    constants: { axes: i64([2], [0, 2]) },
    outputs: same([3]),
    attrs: { keepdims: 0 },
  },
  {
    title: 'LayerNormalization on the last axis, with scale and bias',
    op: 'LayerNormalization',
    inputs: { x: f([2, 3, 4], 15), scale: f([4], 16), bias: f([4], 17) },
    outputs: same([2, 3, 4]),
    attrs: { axis: -1, epsilon: floatAttr(1e-3) },
  },
  { title: 'Cast float32 to int64 truncates toward zero', op: 'Cast', inputs: { x: f3([-1.75, 2.5, -0]) }, outputs: same([3], 'int64'), attrs: { to: 7 } },
  { title: 'Cast float32 to bool: NaN is true', op: 'Cast', inputs: { x: { dtype: 'float32', dims: [4], values: [0, -0, Number.NaN, -3] } }, outputs: same([4], 'bool'), attrs: { to: 9 } },
  { title: 'Cast int64 to float32', op: 'Cast', inputs: { x: i64([3], [-5, 0, 2 ** 24 + 1]) }, outputs: same([3]), attrs: { to: 1 } },
  { title: 'NonZero of a float matrix', op: 'NonZero', inputs: { x: f23(0, -0, Number.NaN) }, outputs: { y: { dtype: 'int64', dims: [2, 'n'] } } },
  {
    title: 'NonMaxSuppression: two batches, two classes, overlapping corner boxes in either order, a score threshold',
    op: 'NonMaxSuppression',
    inputs: {
      boxes: { dtype: 'float32', dims: [2, 4, 4], values: [0, 0, 1, 1, 0.1, 0.1, 1.1, 1.1, 1, 1, 0, 0, 2, 2, 3, 3, 0, 0, 1, 1, 0, 0.5, 1, 1.5, 5, 5, 6, 6, 0, 0, 1, 1] },
      scores: { dtype: 'float32', dims: [2, 2, 4], values: [0.9, 0.8, 0.7, 0.6, 0.1, 0.95, 0.3, 0.3, 0.5, 0.6, 0.2, 0.6, 0.9, 0.05, 0.9, 0.4] },
    },
    constants: { maxOut: i64([1], [3]), iou: { dtype: 'float32', dims: [1], values: [0.5] }, threshold: { dtype: 'float32', dims: [1], values: [0.2] } },
    outputs: { y: { dtype: 'int64', dims: ['n', 3] } },
  },
  {
    title: 'NonMaxSuppression with center boxes, no score threshold and iou_threshold 0 (any overlap suppresses)',
    op: 'NonMaxSuppression',
    inputs: { boxes: { dtype: 'float32', dims: [1, 3, 4], values: [0.5, 0.5, 1, 1, 0.8, 0.8, 1, 1, 3, 3, 1, 1] }, scores: { dtype: 'float32', dims: [1, 1, 3], values: [0.4, 0.7, 0.5] } },
    constants: { maxOut: i64([1], [5]) },
    attrs: { center_point_box: 1 },
    outputs: { y: { dtype: 'int64', dims: ['n', 3] } },
  },
  { title: 'NonMaxSuppression without max_output_boxes_per_class keeps nothing', op: 'NonMaxSuppression', inputs: { boxes: { dtype: 'float32', dims: [1, 1, 4], values: [0, 0, 1, 1] }, scores: { dtype: 'float32', dims: [1, 1, 1], values: [0.9] } }, outputs: { y: { dtype: 'int64', dims: ['n', 3] } } },
  { title: 'Identity', op: 'Identity', inputs: { x: withSpecial }, outputs: same([2, 5]) },
  { title: 'Reshape with 0 (copy) and -1 (infer)', op: 'Reshape', inputs: { x: f([2, 3, 4], 18) }, constants: { shape: i64([3], [0, -1, 2]) }, outputs: same([2, 6, 2]) },
  { title: 'Flatten at axis 2', op: 'Flatten', inputs: { x: f([2, 3, 4], 19) }, outputs: same([6, 4]), attrs: { axis: 2 } },
  { title: 'Squeeze with axes as an input', op: 'Squeeze', inputs: { x: f([1, 3, 1, 2], 20) }, constants: { axes: i64([2], [0, -2]) }, outputs: same([3, 2]) },
  { title: 'Unsqueeze with axes as an input', op: 'Unsqueeze', inputs: { x: f([3, 2], 21) }, constants: { axes: i64([2], [0, 3]) }, outputs: same([1, 3, 2, 1]) },
  { title: 'Transpose with a permutation', op: 'Transpose', inputs: { x: f([2, 3, 4], 22) }, outputs: same([4, 2, 3]), attrs: { perm: [2, 0, 1] } },
  { title: 'Concat on axis 1', op: 'Concat', inputs: { a: f([2, 1, 3], 23), b: f([2, 2, 3], 24) }, outputs: same([2, 3, 3]), attrs: { axis: 1 } },
  { title: 'Shape', op: 'Shape', inputs: { x: f([2, 3, 4], 25) }, outputs: same([3], 'int64') },
  {
    title: 'Clip with min and max inputs, NaN and ±Infinity',
    op: 'Clip',
    inputs: { x: withSpecial },
    constants: { lo: { dtype: 'float32', dims: [], values: [-1] }, hi: { dtype: 'float32', dims: [], values: [2] } },
    outputs: same([2, 5]),
  },
  { title: 'Clip with max only (min omitted): -Infinity becomes the lowest float', op: 'Clip', inputs: { x: withSpecial }, constants: { hi: { dtype: 'float32', dims: [], values: [0.5] } }, order: ['x', '', 'hi'], outputs: same([2, 5]) },
  { title: 'Clip without bounds', op: 'Clip', inputs: { x: withSpecial }, outputs: same([2, 5]) },
  { title: 'Clip with min above max gives max', op: 'Clip', inputs: { x: f23() }, constants: { lo: { dtype: 'float32', dims: [], values: [3] }, hi: { dtype: 'float32', dims: [], values: [1] } }, outputs: same([2, 3]) },
  { title: 'Clip of int64, bounds as graph inputs', op: 'Clip', inputs: { x: i64([2, 3], [-7, 0, 3, 2 ** 40, -(2 ** 40), 9]), lo: i64([], [-5]), hi: i64([], [4]) }, outputs: same([2, 3], 'int64') },
  { title: 'Clip at opset 6: bounds as attributes', op: 'Clip', inputs: { x: withSpecial }, attrs: { min: floatAttr(-0.5), max: floatAttr(1) }, opset: 6, outputs: same([2, 5]) },
  {
    title: 'Slice with negative starts, clamped ends, axes and steps',
    op: 'Slice',
    inputs: { x: f([3, 4, 5], 26) },
    constants: { starts: i64([3], [-2, 10, 1]), ends: i64([3], [100, -100, 5]), axes: i64([3], [0, 1, -1]), steps: i64([3], [1, -2, 2]) },
    outputs: same([2, 2, 2]),
  },
  { title: 'Slice without axes or steps, int32 ranges, an empty result', op: 'Slice', inputs: { x: f([4, 3], 27) }, constants: { starts: { dtype: 'int32', dims: [2], values: [1, 2] }, ends: { dtype: 'int32', dims: [2], values: [3, 2] } }, outputs: same([2, 0]) },
  { title: 'Slice of int64 backwards to the start (end below -dim)', op: 'Slice', inputs: { x: i64([6], [1, 2, 3, 4, 5, 6]) }, constants: { starts: i64([1], [-1]), ends: i64([1], [-1000]), axes: i64([1], [0]), steps: i64([1], [-1]) }, outputs: same([6], 'int64') },
  { title: 'Expand a column to a matrix (bidirectional: the shape has a 1 where the input is 3)', op: 'Expand', inputs: { x: f([3, 1], 29) }, constants: { shape: i64([3], [2, 1, 4]) }, outputs: same([2, 3, 4]) },
  { title: 'Expand of bool to a lower-rank shape, and an extent of 0', op: 'Expand', inputs: { x: bools([2, 1, 3], [1, 0, 1, 0, 0, 1]) }, constants: { shape: i64([2], [0, 3]) }, outputs: same([2, 0, 3], 'bool') },
  { title: 'Split with sizes as an input (opset 13), along axis 1', op: 'Split', inputs: { x: f([2, 4, 3], 30) }, constants: { split: i64([2], [1, 3]) }, attrs: { axis: 1 }, outputs: { a: { dtype: 'float32', dims: [2, 1, 3] }, b: { dtype: 'float32', dims: [2, 3, 3] } } },
  { title: 'Split into equal pieces along the last axis', op: 'Split', inputs: { x: f([2, 6], 31) }, attrs: { axis: -1 }, outputs: { a: { dtype: 'float32', dims: [2, 2] }, b: { dtype: 'float32', dims: [2, 2] }, c: { dtype: 'float32', dims: [2, 2] } } },
  { title: 'Split with num_outputs (opset 18): 7 into 3, 3 and 1', op: 'Split', inputs: { x: i64([7], [1, 2, 3, 4, 5, 6, 7]) }, attrs: { num_outputs: 3 }, opset: 18, outputs: { a: { dtype: 'int64', dims: [3] }, b: { dtype: 'int64', dims: [3] }, c: { dtype: 'int64', dims: [1] } } },
  { title: 'Split with sizes as an attribute (opset 11)', op: 'Split', inputs: { x: f([3, 2], 32) }, attrs: { split: [2, 1] }, opset: 11, outputs: { a: { dtype: 'float32', dims: [2, 2] }, b: { dtype: 'float32', dims: [1, 2] } } },
  { title: 'Range of float32 with a fractional delta', op: 'Range', inputs: { x: f3([1, 2, 3]) }, constants: { start: { dtype: 'float32', dims: [], values: [-1] }, limit: { dtype: 'float32', dims: [], values: [2.2] }, delta: { dtype: 'float32', dims: [], values: [0.5] } }, order: ['start', 'limit', 'delta'], outputs: same([7]) },
  { title: 'Range of int64 downwards', op: 'Range', inputs: { x: f3([1, 2, 3]) }, constants: { start: i64([], [10]), limit: i64([], [-3]), delta: i64([], [-4]) }, order: ['start', 'limit', 'delta'], outputs: same([4], 'int64') },
  { title: 'ConstantOfShape without a value: float32 zeros', op: 'ConstantOfShape', inputs: { x: f3([1, 2, 3]) }, constants: { shape: i64([3], [2, 1, 3]) }, order: ['shape'], outputs: same([2, 1, 3]) },
  { title: 'ConstantOfShape of an int64 value', op: 'ConstantOfShape', inputs: { x: f3([1, 2, 3]) }, constants: { shape: i64([2], [3, 2]) }, order: ['shape'], attrs: { value: tensorAttr(tensor('v', 'int64', [1], [-(2n ** 40n)])) }, outputs: same([3, 2], 'int64') },
  { title: 'ConstantOfShape of a float32 value, a shape with 0', op: 'ConstantOfShape', inputs: { x: f3([1, 2, 3]) }, constants: { shape: i64([2], [0, 4]) }, order: ['shape'], attrs: { value: tensorAttr(tensor('v', 'float32', [1], [2.5])) }, outputs: same([0, 4]) },
  { title: 'Tile of float32', op: 'Tile', inputs: { x: f([2, 3], 79) }, constants: { repeats: i64([2], [2, 3]) }, outputs: same([4, 9]) },
  { title: 'Tile of bool with a repeat of 0 and of 1', op: 'Tile', inputs: { x: bools([2, 1, 2], [1, 0, 0, 1]) }, constants: { repeats: i64([3], [1, 0, 2]) }, outputs: same([2, 0, 4], 'bool') },
  { title: 'Trilu, the upper triangle of each matrix', op: 'Trilu', inputs: { x: f([2, 3, 4], 83) }, outputs: same([2, 3, 4]) },
  { title: 'Trilu, the lower triangle below the diagonal (k = -1)', op: 'Trilu', inputs: { x: f([4, 3], 84) }, constants: { k: i64([], [-1]) }, attrs: { upper: 0 }, outputs: same([4, 3]) },
  { title: 'Trilu of bool above the diagonal (k = 1), a causal mask', op: 'Trilu', inputs: { x: bools([3, 3], [1, 1, 1, 1, 1, 1, 1, 1, 1]) }, constants: { k: i64([], [1]) }, outputs: same([3, 3], 'bool') },
  { title: 'CumSum along axis 1', op: 'CumSum', inputs: { x: f([2, 3, 4], 85) }, constants: { axis: i64([], [1]) }, outputs: same([2, 3, 4]) },
  { title: 'CumSum of int64, exclusive and reversed, axis as int32', op: 'CumSum', inputs: { x: i64([2, 4], [1, 2, 3, 2 ** 40, -5, 6, 7, 8]) }, constants: { axis: { dtype: 'int32', dims: [], values: [-1] } }, attrs: { exclusive: 1, reverse: 1 }, outputs: same([2, 4], 'int64') },
  {
    title: 'TopK, the 2 largest of each row with ties (the lower index first)',
    op: 'TopK',
    inputs: { x: { dtype: 'float32', dims: [2, 5], values: [1, 3, 3, -1, 2, 0, -2, 5, 5, 5] } },
    constants: { k: i64([1], [2]) },
    outputs: { values: { dtype: 'float32', dims: [2, 2] }, indices: { dtype: 'int64', dims: [2, 2] } },
  },
  {
    title: 'TopK, the 3 smallest along axis 0, int64',
    op: 'TopK',
    inputs: { x: i64([4, 2], [5, -1, 2 ** 40, 3, -7, 3, 0, 9]) },
    constants: { k: i64([1], [3]) },
    attrs: { axis: 0, largest: 0 },
    outputs: { values: { dtype: 'int64', dims: [3, 2] }, indices: { dtype: 'int64', dims: [3, 2] } },
  },
  { title: 'TopK at opset 9: k as an attribute', op: 'TopK', inputs: { x: f([3, 6], 86) }, attrs: { k: 4 }, opset: 9, outputs: { values: { dtype: 'float32', dims: [3, 4] }, indices: { dtype: 'int64', dims: [3, 4] } } },
  { title: 'GatherElements along axis 1 with negative indices', op: 'GatherElements', inputs: { x: f([2, 4], 87) }, constants: { idx: i64([2, 3], [0, -1, 3, 2, 2, -4]) }, attrs: { axis: 1 }, outputs: same([2, 3]) },
  { title: 'GatherElements along axis 0, int32 indices smaller than the data', op: 'GatherElements', inputs: { x: i64([3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]) }, constants: { idx: { dtype: 'int32', dims: [2, 2], values: [2, 0, 1, 2] } }, outputs: same([2, 2], 'int64') },
  { title: 'Resize nearest, scales 2x (half_pixel, round_prefer_floor)', op: 'Resize', inputs: { x: f([1, 1, 2, 3], 88) }, constants: { scales: { dtype: 'float32', dims: [4], values: [1, 1, 2, 2] } }, order: ['x', '', 'scales'], attrs: { mode: 'nearest' }, outputs: same([1, 1, 4, 6]) },
  { title: 'Resize nearest to sizes, align_corners, round_prefer_ceil', op: 'Resize', inputs: { x: f([1, 2, 3, 4], 89) }, constants: { sizes: i64([4], [1, 2, 5, 7]) }, order: ['x', '', '', 'sizes'], attrs: { coordinate_transformation_mode: 'align_corners', nearest_mode: 'round_prefer_ceil' }, outputs: same([1, 2, 5, 7]) },
  { title: 'Resize nearest to sizes, align_corners, ties to the lower index (round_prefer_floor)', op: 'Resize', inputs: { x: f([1, 1, 3, 3], 96) }, constants: { sizes: i64([4], [1, 1, 5, 5]) }, order: ['x', '', '', 'sizes'], attrs: { coordinate_transformation_mode: 'align_corners' }, outputs: same([1, 1, 5, 5]) },
  { title: 'Resize nearest down by 0.6, asymmetric, floor', op: 'Resize', inputs: { x: f([1, 1, 5, 5], 90) }, constants: { scales: { dtype: 'float32', dims: [4], values: [1, 1, 0.6, 0.6] } }, order: ['x', '', 'scales'], attrs: { coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }, outputs: same([1, 1, 3, 3]) },
  { title: 'Resize linear up (bilinear, half_pixel, clamped at the edges)', op: 'Resize', inputs: { x: f([2, 1, 3, 2], 91) }, constants: { scales: { dtype: 'float32', dims: [4], values: [1, 1, 2.5, 3] } }, order: ['x', '', 'scales'], attrs: { mode: 'linear' }, outputs: same([2, 1, 7, 6]) },
  { title: 'Resize linear down to sizes, pytorch_half_pixel (an axis of 1)', op: 'Resize', inputs: { x: f([1, 2, 6, 5], 92) }, constants: { sizes: i64([4], [1, 2, 1, 3]) }, order: ['x', '', '', 'sizes'], attrs: { mode: 'linear', coordinate_transformation_mode: 'pytorch_half_pixel' }, outputs: same([1, 2, 1, 3]) },
  { title: 'Resize linear, trilinear with align_corners', op: 'Resize', inputs: { x: f([1, 1, 2, 3, 3], 93) }, constants: { sizes: i64([5], [1, 1, 3, 4, 5]) }, order: ['x', '', '', 'sizes'], attrs: { mode: 'linear', coordinate_transformation_mode: 'align_corners' }, outputs: same([1, 1, 3, 4, 5]) },
  { title: 'Resize at opset 10: scales as the second input (asymmetric, floor)', op: 'Resize', inputs: { x: f([1, 1, 3, 2], 94) }, constants: { scales: { dtype: 'float32', dims: [4], values: [1, 1, 1.7, 2] } }, opset: 10, outputs: same([1, 1, 5, 4]) },
  { title: 'Resize cubic up 2x (half_pixel, A = -0.75, edge pixels repeated)', op: 'Resize', inputs: { x: f([1, 2, 4, 4], 133) }, constants: { scales: { dtype: 'float32', dims: [4], values: [1, 1, 2, 2] } }, order: ['x', '', 'scales'], attrs: { mode: 'cubic' }, outputs: same([1, 2, 8, 8]) },
  { title: 'Resize cubic to sizes, down and up, align_corners, A = -0.5, exclude_outside', op: 'Resize', inputs: { x: f([1, 1, 5, 4], 134) }, constants: { sizes: i64([4], [1, 1, 3, 7]) }, order: ['x', '', '', 'sizes'], attrs: { mode: 'cubic', coordinate_transformation_mode: 'align_corners', cubic_coeff_a: floatAttr(-0.5), exclude_outside: 1 }, outputs: same([1, 1, 3, 7]) },
  { title: 'Resize cubic of a 2-D input, asymmetric, scales 1.5 and 0.6', op: 'Resize', inputs: { x: f([4, 5], 135) }, constants: { scales: { dtype: 'float32', dims: [2], values: [1.5, 0.6] } }, order: ['x', '', 'scales'], attrs: { mode: 'cubic', coordinate_transformation_mode: 'asymmetric' }, outputs: same([6, 3]) },
  { title: 'Resize cubic, pytorch_half_pixel to one row, exclude_outside', op: 'Resize', inputs: { x: f([1, 1, 4, 3], 136) }, constants: { sizes: i64([4], [1, 1, 1, 5]) }, order: ['x', '', '', 'sizes'], attrs: { mode: 'cubic', coordinate_transformation_mode: 'pytorch_half_pixel', exclude_outside: 1 }, outputs: same([1, 1, 1, 5]) },
  { title: 'GridSample bilinear, zeros padding (opset 16 defaults)', op: 'GridSample', inputs: { x: f([1, 2, 3, 4], 143), grid: grid(1, 3, 5, 1) }, opset: 16, outputs: same([1, 2, 3, 5]) },
  { title: 'GridSample nearest, border, align_corners', op: 'GridSample', inputs: { x: f([2, 1, 4, 3], 144), grid: grid(2, 4, 4, 2) }, attrs: { mode: 'nearest', padding_mode: 'border', align_corners: 1 }, opset: 16, outputs: same([2, 1, 4, 4]) },
  { title: 'GridSample nearest, zeros padding: 0 falls on pixels 0.5 and 2.5, ties to the even one', op: 'GridSample', inputs: { x: f([1, 1, 2, 6], 145), grid: grid(1, 2, 3, 3) }, attrs: { mode: 'nearest' }, opset: 16, outputs: same([1, 1, 2, 3]) },
  { title: 'GridSample bilinear, reflection, align_corners', op: 'GridSample', inputs: { x: f([1, 3, 4, 4], 146), grid: grid(1, 3, 3, 4) }, attrs: { padding_mode: 'reflection', align_corners: 1 }, opset: 16, outputs: same([1, 3, 3, 3]) },
  { title: 'GridSample bilinear, reflection of far locations (several bounces)', op: 'GridSample', inputs: { x: f([1, 1, 3, 4], 150), grid: grid(1, 4, 4, 8, 4.5) }, attrs: { padding_mode: 'reflection' }, opset: 16, outputs: same([1, 1, 4, 4]) },
  { title: 'GridSample nearest, reflection of far locations, align_corners', op: 'GridSample', inputs: { x: f([1, 1, 4, 3], 151), grid: grid(1, 4, 4, 9, 4.5) }, attrs: { mode: 'nearest', padding_mode: 'reflection', align_corners: 1 }, opset: 16, outputs: same([1, 1, 4, 4]) },
  { title: 'GridSample bicubic, reflection at the pixel edges', op: 'GridSample', inputs: { x: f([1, 2, 5, 4], 147), grid: grid(1, 4, 3, 5) }, attrs: { mode: 'bicubic', padding_mode: 'reflection' }, opset: 16, outputs: same([1, 2, 4, 3]) },
  { title: 'GridSample bicubic, border padding, two images', op: 'GridSample', inputs: { x: f([2, 1, 4, 5], 148), grid: grid(2, 3, 3, 6) }, attrs: { mode: 'bicubic', padding_mode: 'border' }, opset: 16, outputs: same([2, 1, 3, 3]) },
  { title: 'GridSample bicubic with zeros padding', op: 'GridSample', inputs: { x: f([1, 1, 4, 4], 149), grid: grid(1, 3, 4, 7) }, attrs: { mode: 'bicubic' }, opset: 16, outputs: same([1, 1, 3, 4]) },
  { title: 'Upsample (opset 9): nearest, scales as an input (asymmetric, rounding down)', op: 'Upsample', inputs: { x: f([1, 2, 2, 3], 163) }, constants: { scales: { dtype: 'float32', dims: [4], values: [1, 1, 2, 2.5] } }, opset: 9, outputs: same([1, 2, 4, 7]) },
  { title: 'Upsample (opset 7): linear, scales as an attribute', op: 'Upsample', inputs: { x: f([1, 1, 3, 2], 164) }, attrs: { mode: 'linear', scales: floatsAttr([1, 1, 1.5, 3]) }, opset: 7, outputs: same([1, 1, 4, 6]) },
  { title: 'LpPool L2, 2x2 windows, stride 1, padded (the padding counts as 0)', op: 'LpPool', inputs: { x: f([1, 2, 3, 4], 165) }, attrs: { kernel_shape: [2, 2], pads: [1, 0, 0, 1] }, outputs: same([1, 2, 3, 4]) },
  { title: 'LpPool L1, 3-wide 1-D windows, stride 2', op: 'LpPool', inputs: { x: f([2, 1, 7], 166) }, attrs: { kernel_shape: [3], strides: [2], p: 1 }, outputs: same([2, 1, 3]) },
  { title: 'GlobalLpPool (p = 2) over 3-D spatial axes', op: 'GlobalLpPool', inputs: { x: f([2, 3, 2, 2, 3], 167) }, outputs: same([2, 3, 1, 1, 1]) },
  { title: 'Resize with axes (opset 18): sizes for the last two axes', op: 'Resize', inputs: { x: f([1, 3, 2, 2], 95) }, constants: { sizes: i64([2], [3, 5]) }, order: ['x', '', '', 'sizes'], attrs: { axes: [2, 3], mode: 'linear' }, opset: 18, outputs: same([1, 3, 3, 5]) },
  { title: 'ScatterND of rows (a key-value cache update)', op: 'ScatterND', inputs: { x: f([4, 3], 97), updates: f([2, 3], 98) }, constants: { idx: i64([2, 1], [3, -4]) }, order: ['x', 'idx', 'updates'], outputs: same([4, 3]) },
  { title: 'ScatterND of single elements of int64 data', op: 'ScatterND', inputs: { x: i64([2, 2], [1, 2, 3, 4]), updates: i64([2], [-9, 2 ** 40]) }, constants: { idx: i64([2, 2], [1, 0, 0, 1]) }, order: ['x', 'idx', 'updates'], outputs: same([2, 2], 'int64') },
  { title: 'Scatter (opset 10): ScatterElements under its old name', op: 'Scatter', inputs: { x: f([3, 3], 161), updates: f([2, 3], 162) }, constants: { idx: i64([2, 3], [1, 0, 2, 0, 2, 1]) }, order: ['x', 'idx', 'updates'], opset: 10, outputs: same([3, 3]) },
  { title: 'ScatterElements along axis 1 with negative indices', op: 'ScatterElements', inputs: { x: f([2, 4], 99), updates: f([2, 2], 100) }, constants: { idx: i64([2, 2], [0, -1, 2, 1]) }, order: ['x', 'idx', 'updates'], attrs: { axis: 1 }, outputs: same([2, 4]) },
  { title: 'DepthToSpace, DCR', op: 'DepthToSpace', inputs: { x: f([1, 8, 2, 3], 101) }, attrs: { blocksize: 2 }, outputs: same([1, 2, 4, 6]) },
  { title: 'DepthToSpace, CRD', op: 'DepthToSpace', inputs: { x: f([2, 9, 1, 2], 102) }, attrs: { blocksize: 3, mode: 'CRD' }, outputs: same([2, 1, 3, 6]) },
  { title: 'SpaceToDepth', op: 'SpaceToDepth', inputs: { x: f([1, 2, 4, 6], 103) }, attrs: { blocksize: 2 }, outputs: same([1, 8, 2, 3]) },
  { title: 'GroupNormalization at opset 18: scale and bias per group', op: 'GroupNormalization', inputs: { x: f([2, 4, 3, 2], 129) }, constants: { scale: { dtype: 'float32', dims: [2], values: [0.5, -2] }, bias: { dtype: 'float32', dims: [2], values: [1, 0.25] } }, attrs: { num_groups: 2, epsilon: floatAttr(1e-3) }, opset: 18, outputs: same([2, 4, 3, 2]) },
  { title: 'GroupNormalization at opset 21: scale and bias per channel', op: 'GroupNormalization', inputs: { x: f([1, 6, 5], 130) }, constants: { scale: f([6], 131), bias: f([6], 132) }, attrs: { num_groups: 3 }, opset: 21, outputs: same([1, 6, 5]) },
  { title: 'InstanceNormalization with scale and bias', op: 'InstanceNormalization', inputs: { x: f([2, 3, 4, 5], 104) }, constants: { scale: f3([0.5, -1, 2]), bias: f3([0, 0.25, -1]) }, attrs: { epsilon: floatAttr(1e-3) }, outputs: same([2, 3, 4, 5]) },
  { title: 'Slice at opset 9: ranges as attributes', op: 'Slice', inputs: { x: f([3, 4], 28) }, attrs: { starts: [1, 0], ends: [3, -1], axes: [0, 1] }, opset: 9, outputs: same([2, 3]) },
  {
    title: 'Conv 2-D with a bias, padding and stride 2',
    op: 'Conv',
    inputs: { x: f([1, 3, 5, 5], 40) },
    constants: { w: f([4, 3, 3, 3], 41), b: f([4], 42) },
    attrs: { pads: [1, 1, 1, 1], strides: [2, 2] },
    outputs: same([1, 4, 3, 3]),
  },
  {
    title: 'Conv with 2 groups, a dilation and asymmetric pads, weights as a graph input',
    op: 'Conv',
    inputs: { x: f([2, 4, 6, 5], 43), w: f([6, 2, 2, 3], 44) },
    attrs: { group: 2, dilations: [2, 1], pads: [0, 1, 1, 0] },
    outputs: same([2, 6, 5, 4]),
  },
  { title: 'Conv 1-D with auto_pad SAME_UPPER and stride 2', op: 'Conv', inputs: { x: f([1, 2, 7], 45) }, constants: { w: f([3, 2, 4], 46) }, attrs: { auto_pad: 'SAME_UPPER', strides: [2] }, outputs: same([1, 3, 4]) },
  { title: 'Conv 3-D without padding', op: 'Conv', inputs: { x: f([1, 1, 3, 4, 4], 47) }, constants: { w: f([2, 1, 2, 2, 2], 48) }, attrs: { kernel_shape: [2, 2, 2] }, outputs: same([1, 2, 2, 3, 3]) },
  { title: 'Conv depthwise with auto_pad SAME_LOWER', op: 'Conv', inputs: { x: f([1, 3, 4, 4], 49) }, constants: { w: f([3, 1, 2, 2], 50) }, attrs: { group: 3, auto_pad: 'SAME_LOWER' }, outputs: same([1, 3, 4, 4]) },
  { title: 'ConvTranspose 2-D, stride 2, with a bias', op: 'ConvTranspose', inputs: { x: f([1, 2, 3, 3], 105) }, constants: { w: f([2, 3, 3, 3], 106), b: f3([0.5, -1, 0]) }, attrs: { strides: [2, 2] }, outputs: same([1, 3, 7, 7]) },
  { title: 'ConvTranspose with pads, output_padding, a dilation and 2 groups', op: 'ConvTranspose', inputs: { x: f([2, 4, 3, 2], 107) }, constants: { w: f([4, 1, 2, 3], 108) }, attrs: { group: 2, strides: [2, 3], pads: [1, 0, 0, 2], output_padding: [1, 0], dilations: [1, 2] }, outputs: same([2, 2, 6, 6]) },
  { title: 'ConvTranspose 1-D to an output_shape', op: 'ConvTranspose', inputs: { x: f([1, 2, 4], 109) }, constants: { w: f([2, 2, 3], 110) }, attrs: { strides: [2], output_shape: [8] }, outputs: same([1, 2, 8]) },
  { title: 'ConvTranspose with auto_pad SAME_UPPER', op: 'ConvTranspose', inputs: { x: f([1, 1, 3, 3], 111) }, constants: { w: f([1, 2, 3, 3], 112) }, attrs: { strides: [2, 2], auto_pad: 'SAME_UPPER' }, outputs: same([1, 2, 6, 6]) },
  { title: 'ConvTranspose 3-D', op: 'ConvTranspose', inputs: { x: f([1, 1, 2, 2, 2], 113) }, constants: { w: f([1, 1, 2, 2, 2], 114) }, outputs: same([1, 1, 3, 3, 3]) },
  { title: 'MaxPool 3x3, stride 2, padding 1, with -Infinity', op: 'MaxPool', inputs: { x: { ...f([1, 2, 5, 5], 51), values: Array.from(f([1, 2, 5, 5], 51).values, (v, i) => (i % 7 === 3 ? Number.NEGATIVE_INFINITY : v)) } }, attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, outputs: same([1, 2, 3, 3]) },
  { title: 'MaxPool with ceil_mode', op: 'MaxPool', inputs: { x: f([1, 1, 6, 6], 52) }, attrs: { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 }, outputs: same([1, 1, 3, 3]) },
  { title: 'MaxPool 1-D with auto_pad SAME_UPPER', op: 'MaxPool', inputs: { x: f([2, 2, 7], 53) }, attrs: { kernel_shape: [2], strides: [2], auto_pad: 'SAME_UPPER' }, outputs: same([2, 2, 4]) },
  { title: 'AveragePool excluding the padding from the count', op: 'AveragePool', inputs: { x: f([1, 2, 4, 4], 54) }, attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, outputs: same([1, 2, 4, 4]) },
  { title: 'AveragePool 1-D including the padding in the count', op: 'AveragePool', inputs: { x: f([2, 3, 6], 55) }, attrs: { kernel_shape: [2], strides: [2], pads: [1, 1], count_include_pad: 1 }, outputs: same([2, 3, 4]) },
  { title: 'AveragePool 3-D with ceil_mode (a clipped last window)', op: 'AveragePool', inputs: { x: f([1, 1, 5, 5, 5], 56) }, attrs: { kernel_shape: [2, 2, 2], strides: [2, 2, 2], ceil_mode: 1 }, outputs: same([1, 1, 3, 3, 3]) },
  { title: 'GlobalAveragePool', op: 'GlobalAveragePool', inputs: { x: f([2, 3, 4, 5], 57) }, outputs: same([2, 3, 1, 1]) },
  { title: 'GlobalMaxPool, 1-D', op: 'GlobalMaxPool', inputs: { x: f([2, 3, 7], 58) }, outputs: same([2, 3, 1]) },
  {
    title: 'BatchNormalization with running statistics',
    op: 'BatchNormalization',
    inputs: { x: f([2, 3, 4, 4], 59) },
    constants: { scale: f3([0.5, -1.5, 2]), bias: f3([0.25, 0, -1]), mean: f3([0.1, -0.3, 1.2]), variance: f3([0.8, 2.5, 0.05]) },
    attrs: { epsilon: floatAttr(1e-3) },
    outputs: same([2, 3, 4, 4]),
  },
  { title: 'Pad, constant mode with a value and a negative (cropping) pad', op: 'Pad', inputs: { x: f([3, 4], 60) }, constants: { pads: i64([4], [1, -1, 2, 1]), value: { dtype: 'float32', dims: [], values: [9.5] } }, outputs: same([6, 4]) },
  { title: 'Pad, reflect mode', op: 'Pad', inputs: { x: f([3, 4], 61) }, constants: { pads: i64([4], [1, 2, 1, 3]) }, attrs: { mode: 'reflect' }, outputs: same([5, 9]) },
  { title: 'Pad, edge mode over listed axes (opset 18)', op: 'Pad', inputs: { x: f([2, 3, 4], 62) }, constants: { pads: i64([4], [1, 0, 2, 1]), axes: i64([2], [-1, 0]) }, order: ['x', 'pads', '', 'axes'], attrs: { mode: 'edge' }, opset: 18, outputs: same([3, 3, 7]) },
  { title: 'Pad, wrap mode (opset 19)', op: 'Pad', inputs: { x: f([3, 3], 63) }, constants: { pads: i64([4], [2, 1, 1, 3]) }, attrs: { mode: 'wrap' }, opset: 19, outputs: same([6, 7]) },
  { title: 'Pad of int64 with a constant value', op: 'Pad', inputs: { x: i64([2, 2], [1, -2, 2 ** 40, 4]) }, constants: { pads: i64([4], [0, 1, 1, 0]), value: i64([], [-7]) }, outputs: same([3, 3], 'int64') },
  { title: 'Pad at opset 2: pads and value as attributes', op: 'Pad', inputs: { x: f([2, 3], 64) }, attrs: { pads: [1, 0, 0, 2], value: floatAttr(1.5) }, opset: 2, outputs: same([3, 5]) },
  { title: 'ArgMax along axis 1 with ties (the first wins)', op: 'ArgMax', inputs: { x: { dtype: 'float32', dims: [2, 4], values: [1, 3, 3, -1, -0.5, -0.5, -2, -0.5] } }, attrs: { axis: 1 }, outputs: same([2, 1], 'int64') },
  { title: 'ArgMin without keepdims, select_last_index', op: 'ArgMin', inputs: { x: { dtype: 'float32', dims: [3, 2], values: [1, 0, 1, 5, -4, 0] } }, attrs: { axis: 0, keepdims: 0, select_last_index: 1 }, outputs: same([2], 'int64') },
  { title: 'Hardmax along the last axis (opset 13) with ties (the first wins)', op: 'Hardmax', inputs: { x: { dtype: 'float32', dims: [3, 4], values: [1, 3, 3, -1, -0.5, -0.5, -2, -0.5, -Infinity, 7, Infinity, 7] } }, opset: 13, outputs: same([3, 4]) },
  { title: 'Hardmax along axis 0 (opset 13)', op: 'Hardmax', inputs: { x: f([3, 2, 4], 137) }, attrs: { axis: 0 }, opset: 13, outputs: same([3, 2, 4]) },
  { title: 'Hardmax at opset 11: flattened to 2-D at axis 1 (the default)', op: 'Hardmax', inputs: { x: f([2, 3, 4], 138) }, opset: 11, outputs: same([2, 3, 4]) },
  { title: 'Hardmax at opset 11, axis 2: the largest of each row of the last axis', op: 'Hardmax', inputs: { x: f([2, 3, 4], 139) }, attrs: { axis: 2 }, opset: 11, outputs: same([2, 3, 4]) },
  { title: 'LRN over 5 channels, size 3 (alpha 1, beta 0.75, bias 2)', op: 'LRN', inputs: { x: f([2, 5, 3, 2], 140) }, attrs: { size: 3, alpha: floatAttr(1), beta: floatAttr(0.75), bias: floatAttr(2) }, outputs: same([2, 5, 3, 2]) },
  { title: 'LRN with a window wider than the channels (size 7 over 3), the attribute defaults', op: 'LRN', inputs: { x: f([1, 3, 2, 2], 141) }, attrs: { size: 7 }, outputs: same([1, 3, 2, 2]) },
  { title: 'LRN of size 1, beta 2', op: 'LRN', inputs: { x: f([1, 4, 1, 3], 142) }, attrs: { size: 1, alpha: floatAttr(0.5), beta: floatAttr(2) }, outputs: same([1, 4, 1, 3]) },
  { title: 'ReduceLogSum over axis 1 (opset 13, axes as an attribute)', op: 'ReduceLogSum', inputs: { x: { dtype: 'float32', dims: [2, 3], values: [0.5, 2, 7, 0.1, 0.2, 0.3] } }, attrs: { axes: [1] }, opset: 13, outputs: same([2, 1]) },
  { title: 'ReduceLogSum over all axes, keepdims 0 (opset 18)', op: 'ReduceLogSum', inputs: { x: { dtype: 'float32', dims: [2, 2], values: [1, 2, 3, 4] } }, attrs: { keepdims: 0 }, opset: 18, outputs: same([]) },
  { title: 'GatherND of elements (a full index per row), negative indices', op: 'GatherND', inputs: { x: f([3, 4], 152) }, constants: { i: i64([4, 2], [0, 0, 2, 3, -1, -4, 1, 2]) }, outputs: same([4]) },
  { title: 'GatherND of rows, indices of rank 3', op: 'GatherND', inputs: { x: f([3, 2, 2], 153) }, constants: { i: i64([2, 2, 1], [2, 0, 1, 1]) }, outputs: same([2, 2, 2, 2]) },
  { title: 'GatherND with batch_dims 1', op: 'GatherND', inputs: { x: f([2, 3, 4], 154) }, constants: { i: i64([2, 2, 2], [0, 1, 2, 3, 1, 0, 0, 2]) }, attrs: { batch_dims: 1 }, outputs: same([2, 2]) },
  { title: 'GatherND of int64 data', op: 'GatherND', inputs: { x: i64([2, 3], [1, -2, 2 ** 40, 4, 5, -6]) }, constants: { i: i64([2, 1], [1, 0]) }, outputs: same([2, 3], 'int64') },
  { title: 'ReverseSequence (time axis 0, batch axis 1), lengths from 0 to the full extent', op: 'ReverseSequence', inputs: { x: f([4, 3, 2], 168) }, constants: { lens: i64([3], [4, 0, 2]) }, outputs: same([4, 3, 2]) },
  { title: 'ReverseSequence with batch axis 0 and time axis 1, int64 data', op: 'ReverseSequence', inputs: { x: i64([2, 4], [1, 2, 3, 4, 5, 6, 7, 8]) }, constants: { lens: i64([2], [3, 1]) }, attrs: { batch_axis: 0, time_axis: 1 }, outputs: same([2, 4], 'int64') },
  { title: 'CastLike float32 to the type of an int32 tensor (truncates)', op: 'CastLike', inputs: { x: f([2, 3], 155), like: { dtype: 'int32', dims: [1], values: [0] } }, outputs: same([2, 3], 'int32') },
  { title: 'CastLike int64 to float16', op: 'CastLike', inputs: { x: i64([3], [1, -2049, 70000]), like: { dtype: 'float16', dims: [2], values: [0, 0] } }, outputs: same([3], 'float16') },
  { title: 'EyeLike, one above the diagonal', op: 'EyeLike', inputs: { x: f([3, 4], 156) }, attrs: { k: 1 }, outputs: same([3, 4]) },
  { title: 'EyeLike, below the diagonal, as int64', op: 'EyeLike', inputs: { x: f([4, 3], 157) }, attrs: { k: -2, dtype: 7 }, outputs: same([4, 3], 'int64') },
  { title: 'LpNormalization L2 along the last axis (the defaults), a zero row stays 0', op: 'LpNormalization', inputs: { x: { dtype: 'float32', dims: [3, 3], values: [3, 4, 0, 0, 0, 0, -1, 2, -2] } }, outputs: same([3, 3]) },
  { title: 'LpNormalization L1 along axis 0', op: 'LpNormalization', inputs: { x: f([3, 2, 2], 158) }, attrs: { axis: 0, p: 1 }, outputs: same([3, 2, 2]) },
  { title: 'MeanVarianceNormalization over N, H and W (the default axes)', op: 'MeanVarianceNormalization', inputs: { x: f([2, 3, 2, 2], 159) }, outputs: same([2, 3, 2, 2]) },
  { title: 'MeanVarianceNormalization over the last axis', op: 'MeanVarianceNormalization', inputs: { x: f([3, 5], 160) }, attrs: { axes: [-1] }, outputs: same([3, 5]) },
  { title: 'ArgMax of int32 along the last axis', op: 'ArgMax', inputs: { x: { dtype: 'int32', dims: [2, 3], values: [-7, 9, 2, 4, 4, -1] } }, attrs: { axis: -1, keepdims: 0 }, outputs: same([2], 'int64') },
  {
    title: 'LSTM forward with biases, peepholes, initial states and sequence lengths 4 and 2',
    op: 'LSTM',
    inputs: { x: f([4, 2, 3], 170), lens: lens([4, 2]), h0: w([1, 2, 3], 171), c0: w([1, 2, 3], 172) },
    constants: { W: w([1, 12, 3], 173), R: w([1, 12, 3], 174), B: w([1, 24], 175), P: w([1, 9], 176) },
    order: ['x', 'W', 'R', 'B', 'lens', 'h0', 'c0', 'P'],
    attrs: { hidden_size: 3 },
    outputs: recurrentOutputs(4, 1, 2, 3, true),
  },
  {
    title: 'LSTM bidirectional with clip and sequence lengths 3 and 1 (the reverse direction starts at each entry\'s last element)',
    op: 'LSTM',
    inputs: { x: f([3, 2, 2], 177), lens: lens([3, 1]) },
    constants: { W: w([2, 8, 2], 178), R: w([2, 8, 2], 179), B: w([2, 16], 180) },
    order: ['x', 'W', 'R', 'B', 'lens'],
    attrs: { hidden_size: 2, direction: 'bidirectional', clip: floatAttr(0.75) },
    outputs: recurrentOutputs(3, 2, 2, 2, true),
  },
  {
    title: 'LSTM reverse with X, W and R only, its Y left out',
    op: 'LSTM',
    inputs: { x: f([3, 1, 2], 181) },
    constants: { W: w([1, 16, 2], 182), R: w([1, 16, 4], 183) },
    attrs: { hidden_size: 4, direction: 'reverse' },
    nodeOutputs: ['', 'y_h', 'y_c'],
    outputs: { y_h: { dtype: 'float32', dims: [1, 1, 4] }, y_c: { dtype: 'float32', dims: [1, 1, 4] } },
  },
  {
    title: 'LSTM with HardSigmoid, ScaledTanh and Softsign, their alphas and betas given in order to the functions that take them',
    op: 'LSTM',
    inputs: { x: f([3, 2, 2], 184) },
    constants: { W: w([1, 8, 2], 185), R: w([1, 8, 2], 186), B: w([1, 16], 187) },
    attrs: { hidden_size: 2, activations: ['HardSigmoid', 'ScaledTanh', 'Softsign'], activation_alpha: floatsAttr([0.3, 0.8]), activation_beta: floatsAttr([0.45, 1.25]) },
    outputs: recurrentOutputs(3, 1, 2, 2, true),
  },
  {
    title: 'GRU forward with biases, an initial state and sequence lengths 2 and 3',
    op: 'GRU',
    inputs: { x: f([3, 2, 3], 188), lens: lens([2, 3]), h0: w([1, 2, 2], 189) },
    constants: { W: w([1, 6, 3], 190), R: w([1, 6, 2], 191), B: w([1, 12], 192) },
    order: ['x', 'W', 'R', 'B', 'lens', 'h0'],
    attrs: { hidden_size: 2 },
    outputs: recurrentOutputs(3, 1, 2, 2),
  },
  {
    title: 'GRU bidirectional, linear_before_reset, sequence lengths 1 and 3',
    op: 'GRU',
    inputs: { x: f([3, 2, 2], 193), lens: lens([1, 3]) },
    constants: { W: w([2, 9, 2], 194), R: w([2, 9, 3], 195), B: w([2, 18], 196) },
    order: ['x', 'W', 'R', 'B', 'lens'],
    attrs: { hidden_size: 3, direction: 'bidirectional', linear_before_reset: 1 },
    outputs: recurrentOutputs(3, 2, 2, 3),
  },
  {
    title: 'GRU reverse without biases, with Sigmoid and Softsign',
    op: 'GRU',
    inputs: { x: f([4, 1, 2], 197) },
    constants: { W: w([1, 6, 2], 198), R: w([1, 6, 2], 199) },
    attrs: { hidden_size: 2, direction: 'reverse', activations: ['Sigmoid', 'Softsign'] },
    outputs: recurrentOutputs(4, 1, 1, 2),
  },
  {
    title: 'GRU with HardSigmoid gates, its alpha and beta first in the lists (where ONNX and TensorRT\'s parser agree)',
    op: 'GRU',
    inputs: { x: f([2, 2, 2], 212) },
    constants: { W: w([1, 6, 2], 213), R: w([1, 6, 2], 214), B: w([1, 12], 215) },
    attrs: { hidden_size: 2, activations: ['HardSigmoid', 'Tanh'], activation_alpha: floatsAttr([0.25]), activation_beta: floatsAttr([0.4]) },
    outputs: recurrentOutputs(2, 1, 2, 2),
  },
  {
    title: 'RNN forward (Tanh) with biases and an initial state',
    op: 'RNN',
    inputs: { x: f([3, 2, 3], 200), h0: w([1, 2, 4], 201) },
    constants: { W: w([1, 4, 3], 202), R: w([1, 4, 4], 203), B: w([1, 8], 204) },
    order: ['x', 'W', 'R', 'B', '', 'h0'],
    attrs: { hidden_size: 4 },
    outputs: recurrentOutputs(3, 1, 2, 4),
  },
  {
    title: 'RNN bidirectional with LeakyRelu (alpha 0.2 for both directions) and sequence lengths 2 and 1',
    op: 'RNN',
    inputs: { x: f([2, 2, 2], 205), lens: lens([2, 1]) },
    constants: { W: w([2, 3, 2], 206), R: w([2, 3, 3], 207), B: w([2, 6], 208) },
    order: ['x', 'W', 'R', 'B', 'lens'],
    attrs: { hidden_size: 3, direction: 'bidirectional', activations: ['LeakyRelu', 'LeakyRelu'], activation_alpha: floatsAttr([0.2, 0.2]) },
    outputs: recurrentOutputs(2, 2, 2, 3),
  },
  {
    title: 'RNN reverse with Relu and clip',
    op: 'RNN',
    inputs: { x: f([3, 1, 2], 209) },
    constants: { W: w([1, 2, 2], 210), R: w([1, 2, 2], 211) },
    attrs: { hidden_size: 2, direction: 'reverse', activations: ['Relu'], clip: floatAttr(1.5) },
    outputs: recurrentOutputs(3, 1, 1, 2),
  },
  ...[true, false].map((condition): OperatorCase => ({
    title: `If whose condition is ${condition} when the network runs: only that branch computes, reading the graph's x`,
    op: 'If',
    inputs: { c: bools([], [condition ? 1 : 0]), x: f([2, 3], 216) },
    order: ['c'],
    attrs: {
      then_branch: graphAttr('then', [valueInfo('t', 'float32', [2, 3])], [node('Relu', ['x'], ['t'])]),
      else_branch: graphAttr('else', [valueInfo('e', 'float32', [2, 3])], [node('Constant', [], ['two'], { value: tensorAttr(tensor('two', 'float32', [], [2])) }), node('Mul', ['x', 'two'], ['e'])]),
    },
    outputs: same([2, 3]),
  })),
  {
    title: 'Loop counted by a trip count of 4: a carried sum of x * i and the scan of x * i (cond a weight that stays true)',
    op: 'Loop',
    inputs: { x: f([2, 3], 217), acc: f([2, 3], 218) },
    constants: { M: i64([], [4]), keep: bools([], [1]) },
    order: ['M', 'keep', 'acc'],
    attrs: {
      body: graphAttr('body', [valueInfo('cond_out', 'bool', []), valueInfo('acc_out', 'float32', [2, 3]), valueInfo('xi', 'float32', [2, 3])], [
        node('Cast', ['i'], ['fi'], { to: 1 }),
        node('Mul', ['x', 'fi'], ['xi']),
        node('Add', ['acc_in', 'xi'], ['acc_out']),
        node('Identity', ['cond_in'], ['cond_out']),
      ], [valueInfo('i', 'int64', []), valueInfo('cond_in', 'bool', []), valueInfo('acc_in', 'float32', [2, 3])]),
    },
    outputs: { sum: { dtype: 'float32', dims: [2, 3] }, scan: { dtype: 'float32', dims: [4, 2, 3] } },
  },
  {
    title: 'Loop without a trip count, while the sum of a doubling value stays below a limit of the graph',
    op: 'Loop',
    inputs: { go: bools([], [1]), v: f3([0.25, -0.5, 1.5]) },
    constants: { limit: { dtype: 'float32', dims: [], values: [40] } },
    order: ['', 'go', 'v'],
    attrs: {
      body: graphAttr('body', [valueInfo('more', 'bool', []), valueInfo('doubled', 'float32', [3])], [
        node('Add', ['v_in', 'v_in'], ['doubled']),
        node('ReduceSum', ['doubled'], ['total'], { keepdims: 0 }),
        node('Less', ['total', 'limit'], ['more']),
      ], [valueInfo('i', 'int64', []), valueInfo('c', 'bool', []), valueInfo('v_in', 'float32', [3])]),
    },
    outputs: same([3]),
  },
  {
    title: 'Scan along axis 0: a running sum carried as state, and its double scanned out',
    op: 'Scan',
    inputs: { s: f3([0.5, -1, 2]), x: f([4, 3], 219) },
    attrs: {
      num_scan_inputs: 1,
      body: graphAttr('body', [valueInfo('s_out', 'float32', [3]), valueInfo('y', 'float32', [3])], [
        node('Add', ['s_in', 'x_t'], ['s_out']),
        node('Add', ['s_out', 's_out'], ['y']),
      ], [valueInfo('s_in', 'float32', [3]), valueInfo('x_t', 'float32', [3])]),
    },
    opset: 11,
    outputs: { total: { dtype: 'float32', dims: [3] }, doubled: { dtype: 'float32', dims: [4, 3] } },
  },
  {
    title: 'Scan of two inputs (one reversed, one along axis 1) with an output stacked on axis 1 and prepended, reading the graph\'s w',
    op: 'Scan',
    inputs: { p: { dtype: 'float32', dims: [2], values: [1, -0.5] }, x: f([3, 2], 220), z: f([2, 3], 221), w: { dtype: 'float32', dims: [2], values: [0.5, 2] } },
    order: ['p', 'x', 'z'],
    attrs: {
      num_scan_inputs: 2,
      scan_input_axes: [0, 1],
      scan_input_directions: [1, 0],
      scan_output_axes: [1],
      scan_output_directions: [1],
      body: graphAttr('body', [valueInfo('p_out', 'float32', [2]), valueInfo('q', 'float32', [2])], [
        node('Mul', ['p_in', 'x_t'], ['px']),
        node('Add', ['px', 'z_t'], ['pxz']),
        node('Tanh', ['pxz'], ['p_out']),
        node('Mul', ['p_out', 'w'], ['q']),
      ], [valueInfo('p_in', 'float32', [2]), valueInfo('x_t', 'float32', [2]), valueInfo('z_t', 'float32', [2])]),
    },
    opset: 16,
    outputs: { last: { dtype: 'float32', dims: [2] }, stacked: { dtype: 'float32', dims: [2, 3] } },
  },
  {
    title: 'QuantizeLinear per tensor: ties to even, saturation, -0 and ±Infinity (an int8 zero point of 0 makes the output int8)',
    op: 'QuantizeLinear',
    inputs: { x: { dtype: 'float32', dims: [2, 5], values: [0.25, 0.75, -0.25, -1.25, 63.75, 64, -64.25, -0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY] } },
    constants: { scale: { dtype: 'float32', dims: [], values: [0.5] }, zeroPoint: { dtype: 'int8', dims: [], values: [0] } },
    outputs: same([2, 5], 'int8'),
    stronglyTyped: true,
  },
  {
    title: 'QuantizeLinear of float16 with a float16 scale (opset 19)',
    op: 'QuantizeLinear',
    inputs: { x: { dtype: 'float16', dims: [4], values: [0.5, -1.5, 300, -2.25] } },
    constants: { scale: { dtype: 'float16', dims: [], values: [0.25] }, zeroPoint: { dtype: 'int8', dims: [], values: [0] } },
    outputs: same([4], 'int8'),
    opset: 19,
    stronglyTyped: true,
  },
  {
    title: 'DequantizeLinear per tensor, the extremes of int8',
    op: 'DequantizeLinear',
    inputs: { q: { dtype: 'int8', dims: [5], values: [-128, -1, 0, 1, 127] } },
    constants: { scale: { dtype: 'float32', dims: [], values: [0.037] }, zeroPoint: { dtype: 'int8', dims: [], values: [0] } },
    outputs: same([5]),
    stronglyTyped: true,
  },
  {
    title: 'DequantizeLinear per tensor at opset 10',
    op: 'DequantizeLinear',
    inputs: { q: { dtype: 'int8', dims: [2, 2], values: [-3, 7, 100, -100] } },
    constants: { scale: { dtype: 'float32', dims: [], values: [0.125] }, zeroPoint: { dtype: 'int8', dims: [], values: [0] } },
    outputs: same([2, 2]),
    opset: 10,
    stronglyTyped: true,
  },
];

function operatorModel(c: OperatorCase): Uint8Array {
  const constants = c.constants ?? {};
  const names = c.order ?? [...Object.keys(c.inputs), ...Object.keys(constants)];
  const initializers: TensorProto[] = Object.entries(constants).map(([name, t]) => tensor(name, t.dtype, t.dims, t.values));
  return model({
    inputs: Object.entries(c.inputs).map(([name, t]) => valueInfo(name, t.dtype, t.dims)),
    outputs: Object.entries(c.outputs).map(([name, o]) => valueInfo(name, o.dtype, o.dims)),
    initializers,
    nodes: [node(c.op, names, c.nodeOutputs ?? Object.keys(c.outputs), c.attrs ?? {})],
    opset: c.opset,
  });
}

function feedsOf(c: OperatorCase): TensorMap {
  return Object.fromEntries(Object.entries(c.inputs).map(([name, t]) => [name, { dtype: t.dtype, dims: t.dims, data: toTyped(t.dtype, t.values) }]));
}

let runtime: Runtime;
beforeAll(() => {
  runtime = Runtime.create({ backend: 'simulator' });
});
afterAll(() => runtime.dispose());

describe('every simulator operator against onnxruntime-node', () => {
  it.each(CASES.map((c) => [c.title, c] as const))('%s', async (_, c) => {
    const onnx = operatorModel(c);
    using engine = await runtime.deserialize(await buildEngine(onnx, { backend: 'simulator', stronglyTyped: c.stronglyTyped }));
    using context = engine.createContext();
    const feeds = feedsOf(c);
    await expectLikeOrt(onnx, feeds, await context.run(feeds as never));
  });

  it('integer Div by zero gives an unspecified quotient and the process stays healthy, as on a GPU (no trap)', async () => {
    // onnxruntime refuses this run, so there is nothing to compare with: what matters is that a GPU's kernel goes on
    // (a sticky error would poison every later call in the process, as it did before).
    const onnx = model({
      inputs: [valueInfo('a', 'int32', [2]), valueInfo('b', 'int32', [2])],
      outputs: [valueInfo('q', 'int32', [2])],
      nodes: [node('Div', ['a', 'b'], ['q'])],
    });
    using engine = await runtime.deserialize(await buildEngine(onnx, { backend: 'simulator' }));
    using context = engine.createContext();
    const run = (b: number[]) => context.run({ a: Tensor.from('int32', Int32Array.of(7, 8), [2]), b: Tensor.from('int32', Int32Array.from(b), [2]) });
    expect(Array.from((await run([0, 2])).q!.data as Int32Array)).toEqual([-1, 4]);
    expect(simulator.counters().stickyError).toBe(0);
    expect(Array.from((await run([7, 2])).q!.data as Int32Array)).toEqual([1, 4]);
  });

  it('covers every operator the simulator registers', () => {
    // The registry is the source of truth; an operator added there without a case here fails this test.
    const registry = readFileSync(path.join(__dirname, '..', 'native', 'sim', 'nvinfer', 'ops', 'registry.cc'), 'utf8');
    const registered = new Set([...registry.matchAll(/"([A-Z][A-Za-z0-9]+)"/g)].map((m) => m[1]!));
    expect(registered.size).toBeGreaterThanOrEqual(100);
    const covered = new Set(CASES.map((c) => c.op));
    expect([...registered].filter((op) => !covered.has(op)).sort()).toEqual([]);
  });
});
