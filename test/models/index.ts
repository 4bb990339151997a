// Model zoo for tests and benchmarks. Every model is built in JS from seeded weights, so
// the bytes are identical on every run; `weights` exposes the initializers so tests can
// recompute outputs independently.
import {
  type DType, type Dim, type TensorData, type TensorProto,
  floatAttr, model, node, tensor, tensorAttr, valueInfo,
} from './onnx-builder.js';
import { rng } from './rng.js';

export type Feeds = Record<string, TensorData>;
/** seed for the feed values, plus sizes for dynamic dims by dim_param name (batch, seq, n). */
export interface FeedOpts {
  seed?: number;
  [dimParam: string]: number | undefined;
}
export interface ZooModel {
  name: string;
  onnx: Uint8Array;
  inputs: Record<string, { dtype: DType; dims: Dim[] }>;
  outputs: string[];
  makeFeeds(opts?: FeedOpts): Feeds;
  /** initializer values by name (float32 as Float32Array, int64 as BigInt64Array) */
  weights: Record<string, TensorData>;
}

const DEFAULT_DIMS: Record<string, number> = { batch: 2, seq: 5, n: 6, h: 8, w: 8 };

/** Concrete dims for a declared shape: dim_params come from opts, else defaults. */
export function resolveDims(dims: Dim[], opts: FeedOpts = {}): number[] {
  return dims.map((d) => {
    if (typeof d === 'number') return d;
    const v = opts[d] ?? DEFAULT_DIMS[d];
    if (v === undefined) throw new Error(`no size for dynamic dim '${d}'`);
    return v;
  });
}

/** Records initializers twice: as TensorProto for the model, as TensorData for JS references. */
class Weights {
  protos: TensorProto[] = [];
  data: Record<string, TensorData> = {};
  add(name: string, dtype: DType, dims: number[], values: Float32Array | BigInt64Array): string {
    this.protos.push(tensor(name, dtype, dims, values));
    this.data[name] = { dtype, dims, data: values };
    return name;
  }
}

// 1. mlp: Gemm(transB=1) -> Relu -> Gemm(transB=0, alpha=0.5)
function mlp(): ZooModel {
  const r = rng(101);
  const w = new Weights();
  w.add('w1', 'float32', [32, 16], r.uniform(32 * 16, -0.25, 0.25)); // [N, K] because transB=1
  w.add('b1', 'float32', [32], r.uniform(32, -0.1, 0.1));
  w.add('w2', 'float32', [32, 8], r.uniform(32 * 8, -0.2, 0.2)); // [K, N]
  w.add('b2', 'float32', [8], r.uniform(8, -0.1, 0.1));
  const inputs = { x: { dtype: 'float32' as const, dims: ['batch', 16] } };
  return {
    name: 'mlp',
    inputs,
    outputs: ['y'],
    weights: w.data,
    onnx: model({
      inputs: [valueInfo('x', 'float32', ['batch', 16])],
      outputs: [valueInfo('y', 'float32', ['batch', 8])],
      initializers: w.protos,
      nodes: [
        node('Gemm', ['x', 'w1', 'b1'], ['h'], { transB: 1 }),
        node('Relu', ['h'], ['h_relu']),
        node('Gemm', ['h_relu', 'w2', 'b2'], ['y'], { transB: 0, alpha: floatAttr(0.5) }),
      ],
    }),
    makeFeeds(opts = {}) {
      const dims = resolveDims(inputs.x.dims, opts);
      return { x: { dtype: 'float32', dims, data: rng(opts.seed ?? 1).uniform(dims[0] * 16) } };
    },
  };
}

// 2. embedding: Gather -> LayerNormalization -> MatMul -> erf-Gelu (opset 17 has no Gelu)
//    -> ReduceMean over seq. Outputs both the pre-pool `hidden` and `pooled`.
function embedding(): ZooModel {
  const VOCAB = 50;
  const HIDDEN = 16;
  const r = rng(202);
  const w = new Weights();
  w.add('table', 'float32', [VOCAB, HIDDEN], r.uniform(VOCAB * HIDDEN, -1, 1));
  w.add('ln_scale', 'float32', [HIDDEN], r.uniform(HIDDEN, 0.5, 1.5));
  w.add('ln_bias', 'float32', [HIDDEN], r.uniform(HIDDEN, -0.1, 0.1));
  w.add('proj', 'float32', [HIDDEN, HIDDEN], r.uniform(HIDDEN * HIDDEN, -0.5, 0.5));
  w.add('sqrt2', 'float32', [], Float32Array.of(Math.SQRT2));
  w.add('one', 'float32', [], Float32Array.of(1));
  w.add('half', 'float32', [], Float32Array.of(0.5));
  const inputs = { input_ids: { dtype: 'int64' as const, dims: ['batch', 'seq'] } };
  return {
    name: 'embedding',
    inputs,
    outputs: ['pooled', 'hidden'],
    weights: w.data,
    onnx: model({
      inputs: [valueInfo('input_ids', 'int64', ['batch', 'seq'])],
      outputs: [
        valueInfo('pooled', 'float32', ['batch', HIDDEN]),
        valueInfo('hidden', 'float32', ['batch', 'seq', HIDDEN]),
      ],
      initializers: w.protos,
      nodes: [
        node('Gather', ['table', 'input_ids'], ['emb'], { axis: 0 }),
        node('LayerNormalization', ['emb', 'ln_scale', 'ln_bias'], ['ln'], { axis: -1, epsilon: 1e-5 }),
        node('MatMul', ['ln', 'proj'], ['mm']),
        // gelu(x) = x * 0.5 * (1 + erf(x / sqrt(2)))
        node('Div', ['mm', 'sqrt2'], ['g_div']),
        node('Erf', ['g_div'], ['g_erf']),
        node('Add', ['g_erf', 'one'], ['g_add']),
        node('Mul', ['mm', 'g_add'], ['g_mul']),
        node('Mul', ['g_mul', 'half'], ['hidden']),
        node('ReduceMean', ['hidden'], ['pooled'], { axes: [1], keepdims: 0 }), // opset 17: axes is an attribute
      ],
    }),
    makeFeeds(opts = {}) {
      const dims = resolveDims(inputs.input_ids.dims, opts);
      const data = rng(opts.seed ?? 2).int64s(dims[0] * dims[1], 0, VOCAB);
      return { input_ids: { dtype: 'int64', dims, data } };
    },
  };
}

// 3. int64_bool: int64 and bool graph IO (Where, Cast+ReduceSum with axes input, Greater).
function int64Bool(): ZooModel {
  const w = new Weights();
  w.add('minus_one', 'int64', [], BigInt64Array.of(-1n));
  w.add('hundred', 'int64', [], BigInt64Array.of(100n));
  w.add('axes', 'int64', [1], BigInt64Array.of(1n)); // ReduceSum-13+: axes is an input
  const inputs = {
    ids: { dtype: 'int64' as const, dims: ['batch', 'n'] },
    mask: { dtype: 'bool' as const, dims: ['batch', 'n'] },
  };
  return {
    name: 'int64_bool',
    inputs,
    outputs: ['masked_ids', 'count', 'any_big'],
    weights: w.data,
    onnx: model({
      inputs: [valueInfo('ids', 'int64', ['batch', 'n']), valueInfo('mask', 'bool', ['batch', 'n'])],
      outputs: [
        valueInfo('masked_ids', 'int64', ['batch', 'n']),
        valueInfo('count', 'int64', ['batch']),
        valueInfo('any_big', 'bool', ['batch', 'n']),
      ],
      initializers: w.protos,
      nodes: [
        node('Where', ['mask', 'ids', 'minus_one'], ['masked_ids']),
        node('Cast', ['mask'], ['mask_i64'], { to: 7 /* INT64 */ }),
        node('ReduceSum', ['mask_i64', 'axes'], ['count'], { keepdims: 0 }),
        node('Greater', ['ids', 'hundred'], ['any_big']),
      ],
    }),
    /** opts.large = 1 draws ids beyond the int32 range (to catch silent int64 -> int32 narrowing). */
    makeFeeds(opts = {}) {
      const dims = resolveDims(inputs.ids.dims, opts);
      const r = rng(opts.seed ?? 3);
      const count = dims[0] * dims[1];
      const ids = opts.large ? r.int64s(count, -(2 ** 40), 2 ** 40) : r.int64s(count, -200, 300);
      return {
        ids: { dtype: 'int64', dims, data: ids },
        mask: { dtype: 'bool', dims: [...dims], data: r.bools(count) },
      };
    },
  };
}

// 4. tiny_add: the smallest useful model, for per-call overhead benchmarks.
function tinyAdd(): ZooModel {
  const w = new Weights();
  w.add('b', 'float32', [1, 4], Float32Array.of(0.5, -1, 2, 10));
  const inputs = { a: { dtype: 'float32' as const, dims: [1, 4] } };
  return {
    name: 'tiny_add',
    inputs,
    outputs: ['c'],
    weights: w.data,
    onnx: model({
      inputs: [valueInfo('a', 'float32', [1, 4])],
      outputs: [valueInfo('c', 'float32', [1, 4])],
      initializers: w.protos,
      nodes: [node('Add', ['a', 'b'], ['c'])],
    }),
    makeFeeds(opts = {}) {
      return { a: { dtype: 'float32', dims: [1, 4], data: rng(opts.seed ?? 4).uniform(4) } };
    },
  };
}

// 5. softmax_transpose: Transpose -> Softmax(-1) -> Reshape([2, -1]) with a dynamic middle dim.
function softmaxTranspose(): ZooModel {
  const w = new Weights();
  w.add('shape', 'int64', [2], BigInt64Array.of(2n, -1n));
  const inputs = { x: { dtype: 'float32' as const, dims: [2, 'n', 8] } };
  return {
    name: 'softmax_transpose',
    inputs,
    outputs: ['y'],
    weights: w.data,
    onnx: model({
      inputs: [valueInfo('x', 'float32', [2, 'n', 8])],
      outputs: [valueInfo('y', 'float32', [2, 'n_times_8'])],
      initializers: w.protos,
      nodes: [
        node('Transpose', ['x'], ['xt'], { perm: [0, 2, 1] }),
        node('Softmax', ['xt'], ['sm'], { axis: -1 }),
        node('Reshape', ['sm', 'shape'], ['y']),
      ],
    }),
    makeFeeds(opts = {}) {
      const dims = resolveDims(inputs.x.dims, opts);
      return { x: { dtype: 'float32', dims, data: rng(opts.seed ?? 5).uniform(2 * dims[1] * 8, -3, 3) } };
    },
  };
}

// 6. gelu20: opset 20 Gelu(tanh) -> y, then MatMul(y, w) -> z.
function gelu20(): ZooModel {
  const w = new Weights();
  w.add('w', 'float32', [8, 4], rng(606).uniform(32, -0.5, 0.5));
  const inputs = { x: { dtype: 'float32' as const, dims: ['batch', 8] } };
  return {
    name: 'gelu20',
    inputs,
    outputs: ['y', 'z'],
    weights: w.data,
    onnx: model({
      opset: 20,
      inputs: [valueInfo('x', 'float32', ['batch', 8])],
      outputs: [valueInfo('y', 'float32', ['batch', 8]), valueInfo('z', 'float32', ['batch', 4])],
      initializers: w.protos,
      nodes: [
        node('Gelu', ['x'], ['y'], { approximate: 'tanh' }),
        node('MatMul', ['y', 'w'], ['z']),
      ],
    }),
    makeFeeds(opts = {}) {
      const dims = resolveDims(inputs.x.dims, opts);
      return { x: { dtype: 'float32', dims, data: rng(opts.seed ?? 6).uniform(dims[0] * 8, -3, 3) } };
    },
  };
}

// 7. nonzero: r = Relu(x), idx = NonZero(r). idx is int64 [2, count], and count depends on the values: a
// data-dependent output shape. `negative: 1` makes every value negative (count 0).
function nonZero(): ZooModel {
  const inputs = { x: { dtype: 'float32' as const, dims: ['batch', 'n'] } };
  return {
    name: 'nonzero',
    inputs,
    outputs: ['r', 'idx'],
    weights: {},
    onnx: model({
      inputs: [valueInfo('x', 'float32', ['batch', 'n'])],
      outputs: [valueInfo('r', 'float32', ['batch', 'n']), valueInfo('idx', 'int64', [2, 'count'])],
      nodes: [node('Relu', ['x'], ['r']), node('NonZero', ['r'], ['idx'])],
    }),
    makeFeeds(opts = {}) {
      const dims = resolveDims(inputs.x.dims, opts);
      const data = rng(opts.seed ?? 7).uniform(dims[0] * dims[1], -1, 1);
      if (opts.negative) data.forEach((v, i) => (data[i] = -Math.abs(v) - 0.5));
      return { x: { dtype: 'float32', dims, data } };
    },
  };
}

// 8. cnn: a small image classifier over a dynamic batch and image size. Pad(reflect) -> Conv 3x3 with bias ->
// BatchNormalization -> Relu -> MaxPool 2x2 -> grouped Conv 3x3, stride 2, SAME_UPPER, no bias -> Relu ->
// GlobalAveragePool -> Flatten -> Gemm -> Softmax = probs, and ArgMax = cls (int64, one class per image).
function cnn(): ZooModel {
  const r = rng(808);
  const w = new Weights();
  w.add('pads', 'int64', [8], BigInt64Array.from([0, 0, 1, 1, 0, 0, 1, 1].map(BigInt)));
  w.add('w1', 'float32', [8, 3, 3, 3], r.uniform(8 * 3 * 9, -0.4, 0.4));
  w.add('b1', 'float32', [8], r.uniform(8, -0.1, 0.1));
  w.add('bn_scale', 'float32', [8], r.uniform(8, 0.5, 1.5));
  w.add('bn_bias', 'float32', [8], r.uniform(8, -0.2, 0.2));
  w.add('bn_mean', 'float32', [8], r.uniform(8, -0.3, 0.3));
  w.add('bn_var', 'float32', [8], r.uniform(8, 0.2, 1.2));
  w.add('w2', 'float32', [8, 4, 3, 3], r.uniform(8 * 4 * 9, -0.3, 0.3));
  w.add('fc_w', 'float32', [5, 8], r.uniform(5 * 8, -0.8, 0.8));
  w.add('fc_b', 'float32', [5], r.uniform(5, -0.1, 0.1));
  const inputs = { x: { dtype: 'float32' as const, dims: ['batch', 3, 'h', 'w'] } };
  return {
    name: 'cnn',
    inputs,
    outputs: ['probs', 'cls'],
    weights: w.data,
    onnx: model({
      inputs: [valueInfo('x', 'float32', ['batch', 3, 'h', 'w'])],
      outputs: [valueInfo('probs', 'float32', ['batch', 5]), valueInfo('cls', 'int64', ['batch'])],
      initializers: w.protos,
      nodes: [
        node('Pad', ['x', 'pads'], ['padded'], { mode: 'reflect' }),
        node('Conv', ['padded', 'w1', 'b1'], ['c1'], { kernel_shape: [3, 3] }),
        node('BatchNormalization', ['c1', 'bn_scale', 'bn_bias', 'bn_mean', 'bn_var'], ['bn'], { epsilon: floatAttr(1e-5) }),
        node('Relu', ['bn'], ['r1']),
        node('MaxPool', ['r1'], ['p1'], { kernel_shape: [2, 2], strides: [2, 2] }),
        node('Conv', ['p1', 'w2'], ['c2'], { group: 2, strides: [2, 2], auto_pad: 'SAME_UPPER' }),
        node('Relu', ['c2'], ['r2']),
        node('GlobalAveragePool', ['r2'], ['gap']),
        node('Flatten', ['gap'], ['flat'], { axis: 1 }),
        node('Gemm', ['flat', 'fc_w', 'fc_b'], ['logits'], { transB: 1 }),
        node('Softmax', ['logits'], ['probs'], { axis: -1 }),
        node('ArgMax', ['logits'], ['cls'], { axis: 1, keepdims: 0 }),
      ],
    }),
    makeFeeds(opts = {}) {
      const dims = resolveDims(inputs.x.dims, opts);
      return { x: { dtype: 'float32', dims, data: rng(opts.seed ?? 8).uniform(dims[0] * 3 * dims[2] * dims[3], -1, 1) } };
    },
  };
}

// 9. decoder: one causal self-attention block over a left-padded batch, as exported decoders build it. Position ids
// from CumSum(attention_mask) - 1 (floored at 0 with Max); a causal mask from Trilu(ConstantOfShape([len, len], true))
// And the padding mask, applied with Where; Softmax attention; logits; and TopK of the last position's logits.
function decoder(): ZooModel {
  const VOCAB = 20;
  const HIDDEN = 8;
  const r = rng(909);
  const w = new Weights();
  w.add('table', 'float32', [VOCAB, HIDDEN], r.uniform(VOCAB * HIDDEN, -1, 1));
  w.add('positions', 'float32', [16, HIDDEN], r.uniform(16 * HIDDEN, -0.5, 0.5));
  w.add('ln_scale', 'float32', [HIDDEN], r.uniform(HIDDEN, 0.5, 1.5));
  w.add('ln_bias', 'float32', [HIDDEN], r.uniform(HIDDEN, -0.1, 0.1));
  for (const m of ['wq', 'wk', 'wv']) w.add(m, 'float32', [HIDDEN, HIDDEN], r.uniform(HIDDEN * HIDDEN, -0.5, 0.5));
  w.add('wo', 'float32', [HIDDEN, VOCAB], r.uniform(HIDDEN * VOCAB, -0.5, 0.5));
  w.add('one', 'int64', [], BigInt64Array.of(1n));
  w.add('zero', 'int64', [], BigInt64Array.of(0n));
  w.add('axis1', 'int64', [], BigInt64Array.of(1n));
  w.add('idx1', 'int64', [1], BigInt64Array.of(1n));
  w.add('last', 'int64', [], BigInt64Array.of(-1n));
  w.add('unsq1', 'int64', [1], BigInt64Array.of(1n));
  w.add('scale', 'float32', [], Float32Array.of(1 / Math.sqrt(HIDDEN)));
  w.add('masked', 'float32', [], Float32Array.of(-1e9));
  w.add('k3', 'int64', [1], BigInt64Array.of(3n));
  const inputs = { ids: { dtype: 'int64' as const, dims: ['batch', 'seq'] }, attention_mask: { dtype: 'int64' as const, dims: ['batch', 'seq'] } };
  return {
    name: 'decoder',
    inputs,
    outputs: ['logits', 'top_values', 'top_ids'],
    weights: w.data,
    onnx: model({
      inputs: [valueInfo('ids', 'int64', ['batch', 'seq']), valueInfo('attention_mask', 'int64', ['batch', 'seq'])],
      outputs: [
        valueInfo('logits', 'float32', ['batch', 'seq', VOCAB]),
        valueInfo('top_values', 'float32', ['batch', 3]),
        valueInfo('top_ids', 'int64', ['batch', 3]),
      ],
      initializers: w.protos,
      nodes: [
        node('CumSum', ['attention_mask', 'axis1'], ['count']),
        node('Sub', ['count', 'one'], ['pos_raw']),
        node('Max', ['pos_raw', 'zero'], ['pos']),
        node('Gather', ['table', 'ids'], ['tok'], { axis: 0 }),
        node('Gather', ['positions', 'pos'], ['pemb'], { axis: 0 }),
        node('Add', ['tok', 'pemb'], ['h']),
        node('LayerNormalization', ['h', 'ln_scale', 'ln_bias'], ['hn'], { axis: -1, epsilon: floatAttr(1e-5) }),
        node('MatMul', ['hn', 'wq'], ['q']),
        node('MatMul', ['hn', 'wk'], ['k']),
        node('MatMul', ['hn', 'wv'], ['v']),
        node('Transpose', ['k'], ['kt'], { perm: [0, 2, 1] }),
        node('MatMul', ['q', 'kt'], ['qk']),
        node('Mul', ['qk', 'scale'], ['scores']),
        node('Shape', ['ids'], ['ids_shape']),
        node('Gather', ['ids_shape', 'idx1'], ['len'], { axis: 0 }),
        node('Concat', ['len', 'len'], ['square'], { axis: 0 }),
        node('ConstantOfShape', ['square'], ['ones'], { value: tensorAttr(tensor('true', 'bool', [1], [true])) }),
        node('Trilu', ['ones'], ['causal'], { upper: 0 }),
        node('Cast', ['attention_mask'], ['keep'], { to: 9 }),
        node('Unsqueeze', ['keep', 'unsq1'], ['keep_keys']),
        node('And', ['causal', 'keep_keys'], ['allowed']),
        node('Where', ['allowed', 'scores', 'masked'], ['scores_masked']),
        node('Softmax', ['scores_masked'], ['attn'], { axis: -1 }),
        node('MatMul', ['attn', 'v'], ['ctx']),
        node('Add', ['ctx', 'h'], ['out']),
        node('MatMul', ['out', 'wo'], ['logits']),
        node('Gather', ['logits', 'last'], ['last_logits'], { axis: 1 }),
        node('TopK', ['last_logits', 'k3'], ['top_values', 'top_ids'], { axis: -1 }),
      ],
    }),
    makeFeeds(opts = {}) {
      const dims = resolveDims(inputs.ids.dims, opts);
      const r2 = rng(opts.seed ?? 9);
      const mask = new BigInt64Array(dims[0] * dims[1]).fill(1n);
      // Left padding: row b has b % 3 padded positions (fewer than the length).
      for (let b = 0; b < dims[0]; b++) for (let j = 0; j < Math.min(b % 3, dims[1] - 1); j++) mask[b * dims[1] + j] = 0n;
      return { ids: { dtype: 'int64', dims, data: r2.int64s(dims[0] * dims[1], 0, VOCAB) }, attention_mask: { dtype: 'int64', dims: [...dims], data: mask } };
    },
  };
}

// Built lazily and cached: keeps `import` cheap and the bytes object stable (runOrt caches
// sessions per bytes object).
const builders = {
  mlp,
  embedding,
  int64_bool: int64Bool,
  tiny_add: tinyAdd,
  softmax_transpose: softmaxTranspose,
  gelu20,
  nonzero: nonZero,
  cnn,
  decoder,
} as const;
export type ModelName = keyof typeof builders;
export const MODEL_NAMES = Object.keys(builders) as ModelName[];

const cache = new Map<ModelName, ZooModel>();
export function getModel(name: ModelName): ZooModel {
  let m = cache.get(name);
  if (!m) cache.set(name, (m = builders[name]()));
  return m;
}
export const allModels = (): ZooModel[] => MODEL_NAMES.map(getModel);
