// Tiny typed helper to build ONNX models in JS with onnx-proto (protobufjs).
// Only what our test models need: raw_data initializers, (dynamic) value infos,
// nodes with plain-object attributes, and a model wrapper.
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
export type NodeProto = onnxProto.onnx.INodeProto;
export type TensorProto = onnxProto.onnx.ITensorProto;
export type ValueInfoProto = onnxProto.onnx.IValueInfoProto;
export type AttributeProto = onnxProto.onnx.IAttributeProto;

export type DType = 'float32' | 'float16' | 'int8' | 'uint8' | 'int32' | 'int64' | 'bool';
/** A dimension: a fixed size, or a string dim_param (dynamic). */
export type Dim = number | string;
/** JS storage per dtype: bool is Uint8Array (0/1), float16 is raw IEEE half bits in Uint16Array. */
export type TypedArray = Float32Array | Uint16Array | Int8Array | Uint8Array | Int32Array | BigInt64Array;
export interface TensorData {
  dtype: DType;
  dims: number[];
  data: TypedArray;
}

/** TensorProto.DataType codes. */
export const ONNX_DTYPE: Record<DType, number> = {
  float32: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
};
export const DTYPE_BYTES: Record<DType, number> = {
  float32: 4, float16: 2, int8: 1, uint8: 1, int32: 4, int64: 8, bool: 1,
};

export const numel = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

// ---- float16 <-> float32 (Node 20 has no Float16Array) ----
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float -> IEEE half bits, round-to-nearest-even. */
export function toHalf(v: number): number {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // inf / nan
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow -> inf
  if (e <= 0) {
    // subnormal half (or zero)
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rem > halfway || (rem === halfway && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++; // a carry into the exponent is still correct
  return sign | h;
}

/** IEEE half bits -> float. */
export function fromHalf(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 0x1f) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** Allocate the JS typed array used for a dtype. */
export function allocTyped(dtype: DType, n: number): TypedArray {
  switch (dtype) {
    case 'float32': return new Float32Array(n);
    case 'float16': return new Uint16Array(n);
    case 'int8': return new Int8Array(n);
    case 'uint8': case 'bool': return new Uint8Array(n);
    case 'int32': return new Int32Array(n);
    case 'int64': return new BigInt64Array(n);
  }
}

/**
 * Convert plain values to the dtype's typed array. float16 from a Uint16Array is taken as
 * raw half bits; any other float16 input is converted from float values.
 */
export function toTyped(dtype: DType, values: ArrayLike<number | bigint | boolean>): TypedArray {
  if (dtype === 'float16' && values instanceof Uint16Array) return values;
  const out = allocTyped(dtype, values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (dtype === 'int64') (out as BigInt64Array)[i] = BigInt(v);
    else if (dtype === 'float16') out[i] = toHalf(Number(v));
    else if (dtype === 'bool') out[i] = v ? 1 : 0;
    else out[i] = Number(v);
  }
  return out;
}

/** Initializer with raw_data (little-endian, as ONNX requires). */
export function tensor(
  name: string,
  dtype: DType,
  dims: number[],
  values: ArrayLike<number | bigint | boolean>,
): TensorProto {
  if (values.length !== numel(dims)) {
    throw new Error(`tensor ${name}: ${values.length} values for dims [${dims}]`);
  }
  const typed = toTyped(dtype, values);
  const raw = new Uint8Array(typed.length * DTYPE_BYTES[dtype]);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < typed.length; i++) {
    const v = typed[i];
    switch (dtype) {
      case 'float32': view.setFloat32(i * 4, v as number, true); break;
      case 'float16': view.setUint16(i * 2, v as number, true); break;
      case 'int32': view.setInt32(i * 4, v as number, true); break;
      case 'int64': view.setBigInt64(i * 8, v as bigint, true); break;
      case 'int8': view.setInt8(i, v as number); break;
      case 'uint8': case 'bool': view.setUint8(i, v as number); break;
    }
  }
  return onnx.TensorProto.create({ name, dataType: ONNX_DTYPE[dtype], dims, rawData: raw });
}

/** FP8 E4M3 zero points (ONNX FLOAT8E4M3FN, TensorRT's FP8): the builder has no FP8 values, only these zeros. */
export function float8Zeros(name: string, dims: number[]): TensorProto {
  return onnx.TensorProto.create({ name, dataType: 17, dims, rawData: new Uint8Array(numel(dims)) });
}

/** Graph input/output declaration. String dims become dim_param (dynamic); a negative number leaves the dim unknown. */
export function valueInfo(name: string, dtype: DType, dims: Dim[]): ValueInfoProto {
  const dim = dims.map((d) =>
    typeof d === 'string' ? { dimParam: d } : d < 0 ? {} : { dimValue: d },
  );
  return onnx.ValueInfoProto.create({
    name,
    type: { tensorType: { elemType: ONNX_DTYPE[dtype], shape: { dim } } },
  });
}

// Plain JS numbers cannot tell 1 from 1.0, so float attributes that happen to be integral
// (epsilon 1, alpha 1.0, ...) must be wrapped explicitly.
export interface FloatAttr { kind: 'float'; value: number }
export interface FloatsAttr { kind: 'floats'; value: number[] }
export interface TensorAttr { kind: 'tensor'; value: TensorProto }
/** A subgraph (If's branches, Loop's body). */
export interface GraphAttr { kind: 'graph'; value: onnxProto.onnx.IGraphProto }
export const floatAttr = (value: number): FloatAttr => ({ kind: 'float', value });
export const floatsAttr = (value: number[]): FloatsAttr => ({ kind: 'floats', value });
export const tensorAttr = (value: TensorProto): TensorAttr => ({ kind: 'tensor', value });
/** inputs: a Loop body's (iteration_num, cond, carried values); If's branches have none. */
export const graphAttr = (name: string, outputs: ValueInfoProto[], nodes: NodeProto[], inputs: ValueInfoProto[] = []): GraphAttr => ({
  kind: 'graph',
  value: onnx.GraphProto.create({ name, input: inputs, output: outputs, node: nodes }),
});

/** number -> INT if integer else FLOAT; number[] -> INTS; string -> STRING; string[] -> STRINGS. */
export type AttrValue = number | number[] | string | string[] | FloatAttr | FloatsAttr | TensorAttr | GraphAttr;

const A = onnx.AttributeProto.AttributeType;
function attribute(name: string, v: AttrValue): AttributeProto {
  if (typeof v === 'string') return { name, type: A.STRING, s: new TextEncoder().encode(v) };
  if (typeof v === 'number') {
    return Number.isInteger(v) ? { name, type: A.INT, i: v } : { name, type: A.FLOAT, f: v };
  }
  if (Array.isArray(v) && v.every((s): s is string => typeof s === 'string') && v.length > 0) {
    return { name, type: A.STRINGS, strings: v.map((s) => new TextEncoder().encode(s)) };
  }
  if (Array.isArray(v)) {
    if (!v.every(Number.isInteger)) throw new Error(`attribute ${name}: use floatsAttr() for float lists`);
    return { name, type: A.INTS, ints: v };
  }
  if (v.kind === 'float') return { name, type: A.FLOAT, f: v.value };
  if (v.kind === 'floats') return { name, type: A.FLOATS, floats: v.value };
  if (v.kind === 'graph') return { name, type: A.GRAPH, g: v.value };
  return { name, type: A.TENSOR, t: v.value };
}

/** A graph node. Unnamed nodes get `${opType}_${index}` in model(), since our error messages name nodes. */
export function node(
  opType: string,
  inputs: string[],
  outputs: string[],
  attrs: Record<string, AttrValue> = {},
  name?: string,
): NodeProto {
  return onnx.NodeProto.create({
    opType,
    input: inputs,
    output: outputs,
    name: name ?? '',
    attribute: Object.entries(attrs).map(([k, v]) => onnx.AttributeProto.create(attribute(k, v))),
  });
}

export interface ModelSpec {
  inputs: ValueInfoProto[];
  outputs: ValueInfoProto[];
  nodes: NodeProto[];
  initializers?: TensorProto[];
  /** default-domain opset version, default 17 */
  opset?: number;
  name?: string;
}

// IR version that shipped with each opset (onnx/helper.py VERSION_TABLE), so the models
// also pass onnx.checker / stricter parsers (ORT 1.30 itself accepts opset 20 with IR 8).
function irVersionFor(opset: number): number {
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  return 10;
}

/** Serialize a model to ONNX bytes. */
export function model(spec: ModelSpec): Uint8Array {
  const opset = spec.opset ?? 17;
  const nodes = spec.nodes.map((n, i) => (n.name ? n : { ...n, name: `${n.opType}_${i}` }));
  const proto = onnx.ModelProto.create({
    irVersion: irVersionFor(opset),
    producerName: 'tensorrt-node-tests',
    opsetImport: [{ domain: '', version: opset }],
    graph: {
      name: spec.name ?? 'graph',
      node: nodes,
      input: spec.inputs,
      output: spec.outputs,
      initializer: spec.initializers ?? [],
    },
  });
  return onnx.ModelProto.encode(proto).finish();
}

/** Decode model bytes (handy for tests that inspect what was built). */
export const decodeModel = (bytes: Uint8Array) => onnx.ModelProto.decode(bytes);
