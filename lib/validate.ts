// Checks every input against the engine before any native call: names (missing and unknown), dtype, rank, each
// extent against the active optimization profile, and the buffer's size. Errors name the tensor, the expected and
// the actual value.
import { DeviceBuffer } from './device-tensor.js';
import { DTYPES, describeType, isDType, typedArrayName } from './dtypes.js';
import type { DTypeInfo } from './dtypes.js';
import type { EngineSpec, ShapeRange, TensorSpec } from './engine-spec.js';
import { invalidInput, makeError } from './errors.js';
import { isDetached } from './tensor.js';

/** What run() accepts per input: a Tensor, or anything shaped like one ({ dtype, dims, data }). */
export interface TensorLike {
  readonly dtype: string;
  readonly dims: readonly number[];
  readonly data: ArrayBufferView;
}

/** A tensor that lives in device memory (see DeviceTensor). */
export interface DeviceTensorLike {
  readonly dtype: string;
  readonly dims: readonly number[];
  readonly byteLength: number;
  readonly onDevice: true;
}

export type Feed = TensorLike | DeviceTensorLike;

const dimsText = (d: readonly number[]) => `[${d.join(',')}]`;

function isDeviceFeed(feed: Feed): feed is DeviceTensorLike {
  return (feed as DeviceTensorLike).onDevice === true;
}

/** What validation needs of one input, looked up once per context instead of per run. */
interface InputCheck {
  readonly spec: TensorSpec;
  readonly name: string;
  readonly shape: readonly number[];
  /** Undefined when the dtype has no Tensor type (fp8, int4...): such an input cannot be fed from JavaScript. */
  readonly dtype: DTypeInfo | undefined;
  /** Per optimization profile, this input's shape range (undefined if the profile does not name it). */
  readonly ranges: readonly (ShapeRange | undefined)[];
  /** A shape tensor input (location 'host'): per profile, the range of its values; undefined for other inputs. */
  readonly valueRanges: readonly (ShapeRange | undefined)[] | undefined;
}

/** An engine's inputs as validation sees them (feedChecks). */
export interface FeedChecks {
  readonly names: ReadonlySet<string>;
  readonly inputs: readonly InputCheck[];
}

/** Builds the checks for an engine's inputs; a context makes them once. */
export function feedChecks(engine: EngineSpec): FeedChecks {
  return {
    names: new Set(engine.inputs.map((t) => t.name)),
    inputs: engine.inputs.map((spec) => ({
      spec,
      name: spec.name,
      shape: spec.shape,
      dtype: isDType(spec.dtype) ? DTYPES[spec.dtype] : undefined,
      ranges: engine.profiles.map((profile) => (Object.hasOwn(profile, spec.name) ? profile[spec.name] : undefined)),
      valueRanges: spec.location === 'host' ? engine.profiles.map((profile) => (Object.hasOwn(profile, spec.name) ? profile[spec.name]!.values : undefined)) : undefined,
    })),
  };
}

/** Validates one input, writes its extents into `dimsOut` from `at`, and returns what the addon reads: its data, or
 * the feed itself when on the device. Each property is read once, so what was checked is what runs (a getter that
 * answers differently the second time cannot slip past). */
function validateInput(input: InputCheck, dtype: DTypeInfo, profileIndex: number, feed: unknown, dimsOut: Float64Array, at: number): ArrayBufferView | DeviceTensorLike {
  const name = input.name;
  const spec = input.spec;
  if (typeof feed !== 'object' || feed === null) throw notATensor(name, feed);
  const f = feed as Feed;
  const given = f.dtype;
  if (given !== spec.dtype) {
    if (!('dims' in f) || !('dtype' in f)) throw notATensor(name, feed);
    throw invalidInput(name, 'wrong dtype', spec.dtype, String(given));
  }
  const dims = f.dims as number[];
  if (!Array.isArray(dims)) {
    if (!('dims' in f)) throw notATensor(name, feed);
    throw invalidInput(name, 'dims are not an array', 'number[]', describeType(dims));
  }
  const shape = input.shape;
  const rank = shape.length;
  if (dims.length !== rank) {
    throw invalidInput(name, 'wrong rank', `${rank} dims like ${dimsText(shape)}`, `${dims.length} dims ${dimsText(dims)}`);
  }
  const range = input.ranges[profileIndex];
  let size = 1;
  for (let i = 0; i < rank; i++) {
    const d = dims[i]!;
    if (!Number.isSafeInteger(d) || d < 0) throw invalidInput(name, `dim ${i} is not a non-negative integer`, 'an integer >= 0', String(d));
    size *= d;
    const fixed = shape[i]!;
    if (fixed >= 0 && d !== fixed) throw invalidInput(name, `dim ${i} is fixed`, String(fixed), `${d} in ${dimsText(dims)}`);
    if (fixed < 0 && range && (d < range.min[i]! || d > range.max[i]!)) {
      throw invalidInput(
        name,
        `dim ${i} is outside optimization profile ${profileIndex}`,
        `${range.min[i]}..${range.max[i]} (profile ${dimsText(range.min)}..${dimsText(range.max)})`,
        `${d} in ${dimsText(dims)}`,
      );
    }
    dimsOut[at + i] = d;
  }
  const bytes = size * dtype.bytesPerElement;
  if (input.valueRanges && isDeviceFeed(f)) {
    throw invalidInput(name, 'a shape tensor input is read on the host', 'a Tensor (its values decide output shapes)', 'a DeviceTensor');
  }
  if (isDeviceFeed(f)) {
    if (!((f as { buffer?: unknown }).buffer instanceof DeviceBuffer)) {
      throw invalidInput(name, 'a device feed needs its DeviceBuffer', 'a DeviceTensor (runtime.createDeviceTensor)', describeType(f));
    }
    const byteLength = f.byteLength;
    if (!(byteLength >= bytes)) throw invalidInput(name, 'device buffer too small', `${bytes} bytes for ${dimsText(dims)}`, `${byteLength} bytes`);
    return f;
  }
  const data = (f as TensorLike).data;
  if (!ArrayBuffer.isView(data)) throw invalidInput(name, 'data is not a TypedArray', 'a TypedArray', describeType(data));
  if (data.byteLength < bytes) {
    // A detached buffer has no bytes at all; only now is it worth asking (reading .buffer can allocate).
    if (isDetached(data.buffer)) throw invalidInput(name, 'data buffer is detached', `${bytes} bytes`, 'a detached ArrayBuffer');
    throw invalidInput(name, 'buffer shorter than the shape', `${bytes} bytes (${size} x ${spec.dtype} for ${dimsText(dims)})`, `${data.byteLength} bytes`);
  }
  if (!(data instanceof dtype.typedArray) && typedArrayName(data) !== dtype.arrayName) {
    throw invalidInput(name, 'data array type does not match the dtype', dtype.arrayName, describeType(data));
  }
  const values = input.valueRanges?.[profileIndex];
  if (values) requireValuesInRange(name, profileIndex, values, data as Int32Array | BigInt64Array, size);
  return data;
}

/** A shape tensor input's values must lie within the profile's, element by element, as its dims must for others. */
function requireValuesInRange(name: string, profileIndex: number, range: ShapeRange, data: Int32Array | BigInt64Array, count: number): void {
  for (let i = 0; i < count; i++) {
    const v = data[i]!;
    const lo = range.min[i]!;
    const hi = range.max[i]!;
    if (v < lo || v > hi) {
      const given = Array.from(data.subarray(0, count), String);
      throw invalidInput(
        name,
        `value ${i} is outside optimization profile ${profileIndex}`,
        `${lo}..${hi} (profile values ${dimsText(range.min)}..${dimsText(range.max)})`,
        `${String(v)} in [${given.join(',')}]`,
      );
    }
  }
}

function notATensor(name: string, feed: unknown): Error {
  return invalidInput(name, 'not a tensor', 'a Tensor or DeviceTensor', describeType(feed));
}

/** Validates the feeds as a whole: every input present, nothing unknown. Writes, in engine input order, each input
 * into `inputs` (its data, or the feed itself when on the device) and all extents one after the other into `dims`. */
export function validateFeeds(
  checks: FeedChecks,
  profileIndex: number,
  feeds: unknown,
  inputs: (ArrayBufferView | DeviceTensorLike)[],
  dims: Float64Array,
): void {
  if (typeof feeds !== 'object' || feeds === null || Array.isArray(feeds)) {
    throw makeError('INVALID_INPUT', `run() expects an object mapping input names to tensors, got ${describeType(feeds)}`);
  }
  const given = feeds as Record<string, unknown>;
  const known = checks.names;
  for (const key in given) {
    if (known.has(key) || !Object.hasOwn(given, key)) continue; // an inherited name is not a feed
    throw invalidInput(key, 'unknown input name', `one of ${[...known].join(', ')}`, `'${key}'`);
  }
  let at = 0;
  for (let i = 0; i < checks.inputs.length; i++) {
    const input = checks.inputs[i]!;
    if (input.dtype === undefined) {
      throw makeError('INVALID_INPUT', `input '${input.name}' has dtype ${input.spec.dtype}, which this package cannot feed from JavaScript`, { tensor: input.name });
    }
    const feed = given[input.name];
    if (feed === undefined) throw invalidInput(input.name, 'missing input', 'a tensor', 'nothing');
    inputs[i] = validateInput(input, input.dtype, profileIndex, feed, dims, at);
    at += input.shape.length;
  }
}
