import { DTYPES, describeType, isDType, showValue, typedArrayName } from './dtypes.js';
import type { DType, TypedArrayFor } from './dtypes.js';
import { bfloat16BitsToFloat, fromBfloat16Array, fromFloat16Array, halfBitsToFloat, toBfloat16Array, toFloat16Array } from './float16.js';

/** JS value of one element as returned by toArray(): int64 -> bigint (lossless), bool -> boolean, else number. */
export interface DTypeElementMap {
  float32: number;
  float16: number;
  bfloat16: number;
  int8: number;
  uint8: number;
  int32: number;
  int64: bigint;
  bool: boolean;
}

/** Element value type of dtype D. */
export type ElementFor<D extends DType> = DTypeElementMap[D];

/** Plain-array element accepted by Tensor.from: int64 also takes safe-integer numbers, bool also takes 0/1. */
export interface DTypeInputElementMap extends Omit<DTypeElementMap, 'int64' | 'bool'> {
  int64: number | bigint;
  bool: boolean | number;
}

/** Data accepted by Tensor.from for dtype D: the exact storage array (kept, no copy) or a plain array (converted). */
export type TensorInput<D extends DType> = TypedArrayFor<D> | readonly DTypeInputElementMap[D][];

const INT_RANGE: Readonly<Partial<Record<DType, readonly [number, number]>>> = Object.freeze({
  int8: [-128, 127],
  uint8: [0, 255],
  int32: [-2147483648, 2147483647],
});
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const PREVIEW = 8;
const inspectCustom: unique symbol = Symbol.for('nodejs.util.inspect.custom');

/** Validates dims and returns their product; `who` prefixes error messages. */
function elementCount(dims: unknown, who: string): number {
  if (!Array.isArray(dims)) throw new TypeError(`${who}: dims must be an array of integers, got ${describeType(dims)}`);
  let size = 1;
  for (let i = 0; i < dims.length; i++) {
    const d: unknown = dims[i];
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      throw new TypeError(`${who}: dim ${i} must be a non-negative safe integer, got ${showValue(d)}`);
    }
    size *= d;
  }
  return size;
}

/** True when buf is detached; exact even for empty buffers (a fallback probe is used where .detached is missing). */
export function isDetached(buf: ArrayBufferLike): boolean {
  if (buf.byteLength !== 0) return false;
  const flag = (buf as { detached?: unknown }).detached;
  if (typeof flag === 'boolean') return flag;
  try {
    new Uint8Array(buf, 0, 0); // throws TypeError on a detached buffer
    return false;
  } catch {
    return true;
  }
}

function formatDims(dims: readonly number[]): string {
  return `[${dims.join(',')}]`;
}

function assertDType(dtype: unknown, who: string): asserts dtype is DType {
  if (!isDType(dtype)) {
    throw new TypeError(`${who}: unknown dtype ${showValue(dtype)}; expected one of ${Object.keys(DTYPES).join(', ')}`);
  }
}

/** Converts a plain array into the storage array of dtype, validating every element. */
function fromPlainArray(dtype: DType, src: readonly unknown[]): TypedArrayFor<DType> {
  const n = src.length;
  const where = (i: number) => `Tensor.from: ${dtype} element at index ${i}`;
  if (dtype === 'int64') {
    const out = new BigInt64Array(n);
    for (let i = 0; i < n; i++) {
      const v = src[i];
      if (typeof v === 'bigint') {
        if (v < INT64_MIN || v > INT64_MAX) throw new RangeError(`${where(i)} is ${v}n, outside the int64 range`);
        out[i] = v;
      } else if (typeof v === 'number') {
        if (!Number.isSafeInteger(v)) throw new RangeError(`${where(i)} is ${v}, which is not a safe integer`);
        out[i] = BigInt(v);
      } else {
        throw new TypeError(`${where(i)} is ${describeType(v)}, expected a number or bigint`);
      }
    }
    return out;
  }
  if (dtype === 'bool') {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const v = src[i];
      if (typeof v === 'boolean') out[i] = v ? 1 : 0;
      else if (v === 0 || v === 1) out[i] = v;
      else throw new TypeError(`${where(i)} is ${typeof v === 'number' ? v : describeType(v)}, expected a boolean or 0/1`);
    }
    return out;
  }
  for (let i = 0; i < n; i++) {
    if (typeof src[i] !== 'number') throw new TypeError(`${where(i)} is ${describeType(src[i])}, expected a number`);
  }
  const nums = src as readonly number[];
  const range = INT_RANGE[dtype];
  if (range !== undefined) {
    for (let i = 0; i < n; i++) {
      const v = nums[i]!;
      if (!Number.isInteger(v)) throw new RangeError(`${where(i)} is ${v}, which is not an integer`);
      if (v < range[0] || v > range[1]) throw new RangeError(`${where(i)} is ${v}, outside [${range[0]}, ${range[1]}]`);
    }
  }
  if (dtype === 'float16') return toFloat16Array(nums);
  if (dtype === 'bfloat16') return toBfloat16Array(nums);
  const out = new DTYPES[dtype].typedArray(n);
  (out as Float32Array).set(nums);
  return out;
}

/** An immutable-shape, typed, row-major tensor over a TypedArray (the array itself stays mutable and shared). */
export class Tensor<D extends DType = DType> {
  /** Element type. */
  readonly dtype: D;
  /** Shape (frozen copy). */
  readonly dims: readonly number[];
  /** Storage; float16/bfloat16 hold raw bits, bool holds 0/1. */
  readonly data: TypedArrayFor<D>;
  /** Number of elements (product of dims; 1 for a scalar with dims []). */
  readonly size: number;
  /** Bytes occupied by the elements. */
  readonly byteLength: number;

  /** Wraps data without copying after validating dtype, dims, element count and buffer liveness. */
  constructor(dtype: D, data: TypedArrayFor<D>, dims?: readonly number[]) {
    assertDType(dtype, 'Tensor');
    const info = DTYPES[dtype];
    const tag = typedArrayName(data);
    if (tag !== info.arrayName) {
      const hint = dtype === 'float16' || dtype === 'bfloat16' ? ` (raw bits; convert numbers with Tensor.from or to${dtype === 'float16' ? 'Float16' : 'Bfloat16'}Array)` : '';
      throw new TypeError(`Tensor: dtype ${dtype} needs a ${info.arrayName}${hint}, got ${describeType(data)}`);
    }
    const shape = dims ?? [data.length];
    const size = elementCount(shape, 'Tensor');
    if (isDetached(data.buffer)) throw new TypeError(`Tensor: ${dtype} data is backed by a detached ArrayBuffer`);
    if (data.length !== size) {
      throw new RangeError(`Tensor: dims ${formatDims(shape)} need ${size} elements of ${dtype}, got ${data.length}`);
    }
    this.dtype = dtype;
    this.data = data;
    this.dims = Object.freeze(shape.slice());
    this.size = size;
    this.byteLength = size * info.bytesPerElement;
  }

  /** @internal Wraps data the package produced itself (run outputs), skipping the checks the constructor makes.
   * `dims` must already be frozen (several results share them while shapes repeat) and `size` their product. */
  static trusted<D extends DType>(dtype: D, data: TypedArrayFor<D>, dims: readonly number[], size: number): Tensor<D> {
    const t = Object.create(Tensor.prototype) as { -readonly [K in keyof Tensor<D>]: Tensor<D>[K] };
    t.dtype = dtype;
    t.data = data;
    t.dims = dims;
    t.size = size;
    t.byteLength = size * DTYPES[dtype].bytesPerElement;
    return t as Tensor<D>;
  }

  /** Builds a tensor from the exact storage array (no copy) or a plain array (validated and converted). */
  static from<D extends DType>(dtype: D, data: TensorInput<D>, dims?: readonly number[]): Tensor<D> {
    assertDType(dtype, 'Tensor.from');
    const arr = Array.isArray(data) ? fromPlainArray(dtype, data) : data;
    return new Tensor(dtype, arr as TypedArrayFor<D>, dims);
  }

  /** A zero-filled tensor (false for bool, +0 for float types). */
  static zeros<D extends DType>(dtype: D, dims: readonly number[]): Tensor<D> {
    assertDType(dtype, 'Tensor.zeros');
    const size = elementCount(dims, 'Tensor.zeros');
    return new Tensor(dtype, new DTYPES[dtype].typedArray(size), dims);
  }

  /** Same data viewed with new dims (no copy); the element count must match. */
  reshape(dims: readonly number[]): Tensor<D> {
    return new Tensor(this.dtype, this.data, dims);
  }

  /** Throws if the storage was detached (or shrunk) after construction. */
  private assertLive(): void {
    if (this.data.length !== this.size) {
      throw new TypeError(`Tensor: ${this.dtype} data is backed by a detached ArrayBuffer (or was resized)`);
    }
  }

  /** Values as a new Float32Array; int64 must be within ±(2^53-1), bool gives 0/1, large int32 round to float32. */
  toFloat32(): Float32Array {
    this.assertLive();
    const t = this as Tensor;
    switch (t.dtype) {
      case 'float32':
        return (t.data as Float32Array).slice();
      case 'float16':
        return fromFloat16Array(t.data as Uint16Array);
      case 'bfloat16':
        return fromBfloat16Array(t.data as Uint16Array);
      case 'int64': {
        const src = t.data as BigInt64Array;
        const out = new Float32Array(src.length);
        for (let i = 0; i < src.length; i++) out[i] = int64ToNumber(src[i]!, i);
        return out;
      }
      case 'bool': {
        const src = t.data as Uint8Array;
        const out = new Float32Array(src.length);
        for (let i = 0; i < src.length; i++) out[i] = src[i] !== 0 ? 1 : 0;
        return out;
      }
      default:
        return new Float32Array(t.data as Int8Array | Uint8Array | Int32Array);
    }
  }

  /** Values as a plain array: numbers (half types decoded), bigint for int64, boolean for bool. */
  toArray(): ElementFor<D>[] {
    this.assertLive();
    const n = this.size;
    const out = new Array<ElementFor<DType>>(n);
    for (let i = 0; i < n; i++) out[i] = this.at(i);
    return out as ElementFor<D>[];
  }

  /** Decoded element at flat index i (no bounds check beyond the storage's own). */
  private at(i: number): ElementFor<DType> {
    const t = this as Tensor;
    switch (t.dtype) {
      case 'float16':
        return halfBitsToFloat((t.data as Uint16Array)[i]!);
      case 'bfloat16':
        return bfloat16BitsToFloat((t.data as Uint16Array)[i]!);
      case 'bool':
        return (t.data as Uint8Array)[i] !== 0;
      default:
        return (t.data as Float32Array | BigInt64Array)[i]!;
    }
  }

  /** e.g. `Tensor<float32>[2,3] [1, 2, 3, 4, 5, 6]`, showing at most the first 8 values. */
  toString(): string {
    const head = `Tensor<${this.dtype}>${formatDims(this.dims)}`;
    if (this.data.length !== this.size) return `${head} <detached>`;
    const shown = Math.min(this.size, PREVIEW);
    const parts: string[] = [];
    for (let i = 0; i < shown; i++) {
      const v = this.at(i);
      parts.push(typeof v === 'number' && !Number.isInteger(v) ? String(Number(v.toPrecision(6))) : String(v));
    }
    if (this.size > shown) parts.push(`... ${this.size - shown} more`);
    return `${head} [${parts.join(', ')}]`;
  }

  /** Node's util.inspect / console.log hook. */
  [inspectCustom](): string {
    return this.toString();
  }
}

function int64ToNumber(v: bigint, i: number): number {
  if (v > MAX_SAFE || v < -MAX_SAFE) throw new RangeError(`Tensor.toFloat32: int64 element at index ${i} is ${v}, outside the safe integer range`);
  return Number(v);
}
