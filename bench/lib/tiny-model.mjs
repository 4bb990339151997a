// The tiny models of the overhead benchmark, built in JS with onnx-proto (no files, identical bytes every run):
//   tinyAddOnnx:     input a: float32 [n, 4] (dim_param 'n'), init b: float32 [1, 4], c = Add(a, b): float32 [n, 4]
//   tinyNonZeroOnnx: input a: float32 [n, 4], nz = NonZero(a): int64 [2, count] (a data-dependent shape)
//   chainAddOnnx(L):  input a: float32 [n, 4], c = a + b + ... + b (L Adds in a chain, L kernels per enqueue)
import onnxProto from 'onnx-proto';
import { buildEngine } from '../../dist/index.js';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;

/** The initializer's values, so the bench can check c = a + b itself. */
export const B_VALUES = Float32Array.of(0.5, -1, 2, 10);

/** The input every bench feeds as a: float32 [1, 4]. */
export const A_VALUES = Float32Array.of(1.25, -2, 3.5, 0.125);

/** The one optimization profile every bench engine has: a from [1, 4] to [64, 4], tuned for [1, 4]. */
export const TINY_PROFILES = [{ a: { min: [1, 4], opt: [1, 4], max: [64, 4] } }];

/** A simulator plan of `onnx` (default: c = a + b) with TINY_PROFILES. */
export function buildTinyPlan(onnx = tinyAddOnnx()) {
  return buildEngine(onnx, { backend: 'simulator', profiles: TINY_PROFILES });
}

/** Throws unless `got` is exactly a + b in float32: a bench never times a broken path. */
export function assertAdd(name, got, a) {
  const expected = Float32Array.from(a, (v, i) => Math.fround(v + B_VALUES[i % B_VALUES.length]));
  const values = Array.from(got);
  if (values.length !== expected.length || values.some((v, i) => v !== expected[i])) {
    throw new Error(`${name}: output ${JSON.stringify(values)} differs from a + b = ${JSON.stringify(Array.from(expected))}`);
  }
}

/** Throws unless `got` is exactly a + b + ... + b (`layers` times, added one at a time in float32, as the chain of
 * chainAddOnnx(layers) computes it): c = a + layers * b, rounded after every Add. */
export function assertChainAdd(name, got, a, layers) {
  const expected = Float32Array.from(a, (v, i) => {
    let x = v;
    for (let k = 0; k < layers; k++) x = Math.fround(x + B_VALUES[i % B_VALUES.length]);
    return x;
  });
  const values = Array.from(got);
  if (values.length !== expected.length || values.some((v, i) => v !== expected[i])) {
    throw new Error(`${name}: output ${JSON.stringify(values)} differs from a + ${layers}*b = ${JSON.stringify(Array.from(expected))}`);
  }
}

function valueInfo(name, dims, elemType = FLOAT) {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  });
}

/** Serialized ONNX bytes (opset 17, IR 8) of a graph. */
function encode(graph) {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'tensorrt-node-bench',
    opsetImport: [{ domain: '', version: 17 }],
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}

/** c = a + b. */
export function tinyAddOnnx() {
  const raw = new Uint8Array(B_VALUES.length * 4);
  const view = new DataView(raw.buffer);
  B_VALUES.forEach((v, i) => view.setFloat32(i * 4, v, true)); // ONNX raw_data is little-endian
  return encode({
    name: 'tiny_add',
    input: [valueInfo('a', ['n', 4])],
    output: [valueInfo('c', ['n', 4])],
    initializer: [onnx.TensorProto.create({ name: 'b', dataType: FLOAT, dims: [1, 4], rawData: raw })],
    node: [onnx.NodeProto.create({ opType: 'Add', name: 'Add_0', input: ['a', 'b'], output: ['c'] })],
  });
}

/** nz = NonZero(a). */
export function tinyNonZeroOnnx() {
  return encode({
    name: 'tiny_nonzero',
    input: [valueInfo('a', ['n', 4])],
    output: [valueInfo('nz', [2, 'count'], onnx.TensorProto.DataType.INT64)],
    node: [onnx.NodeProto.create({ opType: 'NonZero', name: 'NonZero_0', input: ['a'], output: ['nz'] })],
  });
}

/** c = a + b + b + ... (`layers` Adds in a chain): a network whose enqueue launches `layers` kernels. */
export function chainAddOnnx(layers) {
  const raw = new Uint8Array(B_VALUES.length * 4);
  const view = new DataView(raw.buffer);
  B_VALUES.forEach((v, i) => view.setFloat32(i * 4, v, true));
  const node = [];
  for (let i = 0; i < layers; i++) {
    const input = i === 0 ? 'a' : `t${i - 1}`;
    const output = i === layers - 1 ? 'c' : `t${i}`;
    node.push(onnx.NodeProto.create({ opType: 'Add', name: `Add_${i}`, input: [input, 'b'], output: [output] }));
  }
  return encode({
    name: `chain_add_${layers}`,
    input: [valueInfo('a', ['n', 4])],
    output: [valueInfo('c', ['n', 4])],
    initializer: [onnx.TensorProto.create({ name: 'b', dataType: FLOAT, dims: [1, 4], rawData: raw })],
    node,
  });
}
