/** Element types a Tensor can hold; each maps 1:1 onto a TensorRT nvinfer1::DataType. */
export type DType = 'float32' | 'float16' | 'bfloat16' | 'int8' | 'uint8' | 'int32' | 'int64' | 'bool';

/** TensorRT nvinfer1::DataType enumerator names used by the native binding. */
export type TrtDataType = 'kFLOAT' | 'kHALF' | 'kBF16' | 'kINT8' | 'kUINT8' | 'kINT32' | 'kINT64' | 'kBOOL';

/** Storage array per dtype: half types hold raw 16-bit patterns, bool holds 0/1 bytes. */
export interface DTypeArrayMap {
  float32: Float32Array;
  float16: Uint16Array;
  bfloat16: Uint16Array;
  int8: Int8Array;
  uint8: Uint8Array;
  int32: Int32Array;
  int64: BigInt64Array;
  bool: Uint8Array;
}

/** The typed array that stores elements of dtype D. */
export type TypedArrayFor<D extends DType> = DTypeArrayMap[D];

/** Any storage array a Tensor may hold. */
export type AnyTypedArray = DTypeArrayMap[DType];

/** Constructor of the storage array for dtype D: by length, or as a view of an ArrayBuffer (run outputs). */
export interface TypedArrayConstructorFor<D extends DType> {
  new (length: number): TypedArrayFor<D>;
  new (buffer: ArrayBuffer, byteOffset?: number, length?: number): TypedArrayFor<D>;
  readonly BYTES_PER_ELEMENT: number;
  readonly name: string;
}

/** Static facts about one dtype. */
export interface DTypeInfo<D extends DType = DType> {
  readonly bytesPerElement: number;
  readonly typedArray: TypedArrayConstructorFor<D>;
  /** typedArray.name, read once (a function's name is an accessor, slow on a hot path). */
  readonly arrayName: string;
  readonly trtDataType: TrtDataType;
}

const info = <D extends DType>(
  bytesPerElement: number,
  typedArray: TypedArrayConstructorFor<D>,
  trtDataType: TrtDataType,
): DTypeInfo<D> => Object.freeze({ bytesPerElement, typedArray, arrayName: typedArray.name, trtDataType });

/** Frozen dtype table. float16 deliberately uses Uint16Array even where globalThis.Float16Array exists. */
export const DTYPES: { readonly [D in DType]: DTypeInfo<D> } = Object.freeze({
  float32: info<'float32'>(4, Float32Array, 'kFLOAT'),
  float16: info<'float16'>(2, Uint16Array, 'kHALF'),
  bfloat16: info<'bfloat16'>(2, Uint16Array, 'kBF16'),
  int8: info<'int8'>(1, Int8Array, 'kINT8'),
  uint8: info<'uint8'>(1, Uint8Array, 'kUINT8'),
  int32: info<'int32'>(4, Int32Array, 'kINT32'),
  int64: info<'int64'>(8, BigInt64Array, 'kINT64'),
  bool: info<'bool'>(1, Uint8Array, 'kBOOL'),
});

/** True when x names a supported dtype (own keys only, so 'toString' etc. are rejected). */
export function isDType(x: unknown): x is DType {
  return typeof x === 'string' && Object.hasOwn(DTYPES, x);
}

const tagGetter = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype), Symbol.toStringTag)!
  .get as (this: unknown) => string | undefined;

/** Brand-checked typed array class name ('Float32Array', ...), or undefined; cross-realm safe, Buffer -> 'Uint8Array'. */
export function typedArrayName(x: unknown): string | undefined {
  return tagGetter.call(x);
}

const byteLengthGetter = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype), 'byteLength')!
  .get as (this: AnyTypedArray) => number;

/** A typed array's size in bytes as the engine knows it (0 once detached), whatever getter a subclass defines. */
export function typedArrayByteLength(x: AnyTypedArray): number {
  return byteLengthGetter.call(x);
}

/** Short human description of any value's type, for error messages. */
export function describeType(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'Array';
  const tag = typedArrayName(x);
  if (tag !== undefined) return tag;
  if (typeof x === 'object' || typeof x === 'function') {
    const name = (x as { constructor?: { name?: unknown } }).constructor?.name;
    if (typeof name === 'string' && name !== '') return name;
  }
  return typeof x;
}

/** A short text for a value in an error message: never throws (a template literal throws on a symbol, and
 * JSON.stringify on a bigint). */
export function showValue(x: unknown): string {
  if (typeof x === 'string') return JSON.stringify(x);
  if (typeof x === 'bigint') return `${x}n`;
  if (x === undefined || typeof x === 'number' || typeof x === 'boolean' || typeof x === 'symbol') return String(x);
  return describeType(x);
}

/** Dtypes that can be inferred from the storage array alone. */
export type InferableDType = 'float32' | 'int8' | 'uint8' | 'int32' | 'int64';

const INFERABLE: Readonly<Partial<Record<string, InferableDType>>> = Object.freeze({
  Float32Array: 'float32',
  Int8Array: 'int8',
  Uint8Array: 'uint8',
  Int32Array: 'int32',
  BigInt64Array: 'int64',
});

/** Infers the dtype of a storage array; Uint16Array is ambiguous (float16/bfloat16) and throws. */
export function dtypeFromTypedArray(arr: Float32Array): 'float32';
export function dtypeFromTypedArray(arr: Int8Array): 'int8';
export function dtypeFromTypedArray(arr: Uint8Array): 'uint8';
export function dtypeFromTypedArray(arr: Int32Array): 'int32';
export function dtypeFromTypedArray(arr: BigInt64Array): 'int64';
export function dtypeFromTypedArray(arr: unknown): InferableDType;
export function dtypeFromTypedArray(arr: unknown): InferableDType {
  const name = typedArrayName(arr);
  if (name === 'Uint16Array') {
    throw new TypeError(
      "dtypeFromTypedArray: Uint16Array is ambiguous; pass dtype 'float16' or 'bfloat16' explicitly",
    );
  }
  const dtype = name === undefined ? undefined : INFERABLE[name];
  if (dtype === undefined) {
    throw new TypeError(
      `dtypeFromTypedArray: unsupported array type ${describeType(arr)}; ` +
        'expected Float32Array, Int8Array, Uint8Array, Int32Array or BigInt64Array',
    );
  }
  return dtype;
}
