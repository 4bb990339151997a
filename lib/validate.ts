// Checks every input against the engine before any native call: names (missing and unknown), dtype, rank, each
// extent against the active optimization profile, and the buffer's size. Errors name the tensor, the expected and
// the actual value.
import { DeviceBuffer } from './device-tensor.js';
import { DTYPES, describeType, isDType } from './dtypes.js';
import type { DType } from './dtypes.js';
import type { EngineSpec, ProfileSpec, TensorSpec } from './engine-spec.js';
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

/** Validates one input, writes its extents into `dimsOut` from `at`, and returns what the addon reads: its data, or
 * the feed itself when on the device. Each property is read once, so what was checked is what runs (a getter that
 * answers differently the second time cannot slip past). */
function validateInput(
  spec: TensorSpec,
  profile: ProfileSpec | undefined,
  profileIndex: number,
  feed: unknown,
  dimsOut: Float64Array,
  at: number,
): ArrayBufferView | DeviceTensorLike {
  const name = spec.name;
  if (typeof feed !== 'object' || feed === null || !('dims' in feed) || !('dtype' in feed)) {
    throw invalidInput(name, 'not a tensor', 'a Tensor or DeviceTensor', describeType(feed));
  }
  const f = feed as Feed;
  if (f.dtype !== spec.dtype) throw invalidInput(name, 'wrong dtype', spec.dtype, String(f.dtype));
  const dims = f.dims as number[];
  if (!Array.isArray(dims)) throw invalidInput(name, 'dims are not an array', 'number[]', describeType(dims));
  const rank = spec.shape.length;
  if (dims.length !== rank) {
    throw invalidInput(name, 'wrong rank', `${rank} dims like ${dimsText(spec.shape)}`, `${dims.length} dims ${dimsText(dims)}`);
  }
  const range = profile?.[name];
  let size = 1;
  for (let i = 0; i < rank; i++) {
    const d = dims[i]!;
    if (!Number.isSafeInteger(d) || d < 0) throw invalidInput(name, `dim ${i} is not a non-negative integer`, 'an integer >= 0', String(d));
    size *= d;
    const fixed = spec.shape[i]!;
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
  const bytes = size * DTYPES[spec.dtype as DType].bytesPerElement;
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
  const expectedArray = DTYPES[spec.dtype as DType].typedArray;
  if (!(data instanceof expectedArray) && Object.prototype.toString.call(data) !== `[object ${expectedArray.name}]`) {
    throw invalidInput(name, 'data array type does not match the dtype', expectedArray.name, describeType(data));
  }
  return data;
}

const inputNames = new WeakMap<EngineSpec, ReadonlySet<string>>();

function namesOf(engine: EngineSpec): ReadonlySet<string> {
  let names = inputNames.get(engine);
  if (!names) {
    names = new Set(engine.inputs.map((t) => t.name));
    inputNames.set(engine, names);
  }
  return names;
}

/** Validates the feeds as a whole: every input present, nothing unknown. Writes, in engine input order, each input
 * into `inputs` (its data, or the feed itself when on the device) and all extents one after the other into `dims`. */
export function validateFeeds(
  engine: EngineSpec,
  profileIndex: number,
  feeds: unknown,
  inputs: (ArrayBufferView | DeviceTensorLike)[],
  dims: Float64Array,
): void {
  if (typeof feeds !== 'object' || feeds === null || Array.isArray(feeds)) {
    throw makeError('INVALID_INPUT', `run() expects an object mapping input names to tensors, got ${describeType(feeds)}`);
  }
  const given = feeds as Record<string, unknown>;
  const known = namesOf(engine);
  for (const key in given) {
    if (!Object.hasOwn(given, key)) continue;
    if (!known.has(key)) throw invalidInput(key, 'unknown input name', `one of ${[...known].join(', ')}`, `'${key}'`);
  }
  const profile = engine.profiles[profileIndex];
  let at = 0;
  for (let i = 0; i < engine.inputs.length; i++) {
    const spec = engine.inputs[i]!;
    if (!isDType(spec.dtype)) {
      throw makeError('INVALID_INPUT', `input '${spec.name}' has dtype ${spec.dtype}, which this package cannot feed from JavaScript`, { tensor: spec.name });
    }
    const feed = given[spec.name];
    if (feed === undefined) throw invalidInput(spec.name, 'missing input', 'a tensor', 'nothing');
    inputs[i] = validateInput(spec, profile, profileIndex, feed, dims, at);
    at += spec.shape.length;
  }
}
