// Building a serialized engine (plan) from ONNX bytes, off the JS thread, with progress and cancellation.
import { readUserFile, readUserFileIfPresent, writeUserFile } from './user-files.js';
import type { NativeBuildOptions, NativeProgressEvent } from '../binding.js';
import { showValue } from './dtypes.js';
import type { BuildProfile } from './engine-spec.js';
import { deviceIndexOf, fromNative, makeError, requireInteger, requireOptionsObject } from './errors.js';
import { loadPluginLibraries } from './plugins.js';
import type { PluginCreatorSpec } from './plugins.js';
import type { TensorRTNodeError } from './errors.js';
import { getNative } from './native.js';
import { warningsOf } from './trt-log.js';
import type { Backend } from './runtime.js';

export type BuildProgress = NativeProgressEvent;
/** Who said it: TensorRT (its parser or builder) or this package. */
export type WarningSource = 'tensorrt' | 'tensorrt-node';
export type Precision = 'fp32' | 'fp16' | 'bf16' | 'int8';
export const PRECISIONS: readonly Precision[] = ['fp32', 'fp16', 'bf16', 'int8'];
export type HardwareCompatibility = 'none' | 'ampere+' | 'same-compute-capability';
/** TensorRT's IO tensor formats (memory layouts) that runs convert to and from: row-major `linear`, vector-major
 * `chw2`/`chw4`/`chw16`/`chw32`/`cdhw32` and vector-minor (channel-last) `hwc`/`hwc8`/`hwc16`/`dhwc`/`dhwc8`. */
export type IoFormat = 'linear' | 'chw2' | 'hwc8' | 'chw4' | 'chw16' | 'chw32' | 'dhwc8' | 'cdhw32' | 'hwc' | 'hwc16' | 'dhwc';
export const IO_FORMATS: readonly IoFormat[] = ['linear', 'chw2', 'hwc8', 'chw4', 'chw16', 'chw32', 'dhwc8', 'cdhw32', 'hwc', 'hwc16', 'dhwc'];
const HARDWARE_COMPATIBILITY: readonly HardwareCompatibility[] = ['none', 'ampere+', 'same-compute-capability'];

export interface BuildOptions {
  readonly backend?: Backend;
  /** One entry per optimization profile: min/opt/max dims per dynamic input, and `{ values: { min, opt, max } }` per
   * shape tensor input (an int32/int64 input whose values decide output shapes, such as a Reshape target). */
  readonly profiles?: readonly BuildProfile[];
  /** Which reduced precisions TensorRT may use (builder flags; TensorRT 10). int8 needs `calibrationCache`, unless the
   * model has Q/DQ (QuantizeLinear/DequantizeLinear) nodes, which say where int8 is used (explicit quantization).
   * TensorRT 10.12 deprecates these flags and TensorRT 11 removes them: prefer `stronglyTyped` with a model exported
   * in the precision you want (fp16 weights, or Q/DQ nodes for int8). */
  readonly precision?: Precision;
  /** The network's own types decide precision (the only mode of TensorRT 11). */
  readonly stronglyTyped?: boolean;
  /** int8 without Q/DQ nodes: a TensorRT calibration cache (bytes, or a file path). */
  readonly calibrationCache?: Uint8Array | string;
  /** A timing cache file: read before the build when it exists, rewritten after it, so rebuilds are fast. */
  readonly timingCachePath?: string;
  readonly workspaceBytes?: number;
  /** TensorRT's builder optimization level, 0..5 (default 3). */
  readonly optimizationLevel?: number;
  /** Plans that newer TensorRT versions of the same major can run (lean runtime embedded). */
  readonly versionCompatible?: boolean;
  readonly hardwareCompatibility?: HardwareCompatibility;
  /** Model outputs to build as shape tensor outputs (TensorRT's markOutputForShapes): int32/int64 vectors of fixed size
   * whose values follow from the input shapes and shape tensor inputs alone, such as a Shape of an input. TensorRT
   * computes them on the host while it infers shapes, so a run reads them with no kernel and no device copy; such an
   * output has location 'host' and cannot go to a DeviceTensor. */
  readonly shapeOutputs?: readonly string[];
  /** The memory layout of IO tensors, by name (TensorRT's setAllowedFormats, trtexec's --inputIOFormats): TensorRT
   * then reads and writes that layout instead of row-major, which each format allows for some types only (chw4:
   * int8; hwc8: float16; chw32: int8, float16, float32; hwc: float32, uint8; ...). Runs still take and give
   * row-major Tensors and convert on the host, so this is for engines that must match other tooling; a DeviceTensor
   * cannot be given for such a tensor. */
  readonly ioFormats?: Readonly<Record<string, IoFormat>>;
  /** Plugin libraries to register before the model is parsed (see loadPluginLibrary): the parser imports an operator
   * it has no importer for as the plugin of that name, and RoiAlign as TensorRT's ROIAlign_TRT. Process-wide. */
  readonly pluginLibraries?: readonly string[];
  /** The CUDA device to build on (0 by default): the plan is for that GPU's compute capability, and loads only on
   * a GPU like it (unless `hardwareCompatibility` says otherwise). */
  readonly device?: number;
  readonly onProgress?: (event: BuildProgress) => void;
  /** What a build that succeeded has to say, in order: what TensorRT's parser and builder logged as warnings (`from`
   * 'tensorrt', TensorRT's own words, such as a plugin node's missing attribute or tensors left without int8 scales;
   * the first 16 and the latest 16, with a line that counts those left out between), then this package's advice (`from`
   * 'tensorrt-node', such as a deprecated way to ask for a precision). A failed build carries TensorRT's lines in
   * its error's `trtLog` instead. */
  readonly onWarning?: (message: string, from: WarningSource) => void;
  /** Aborting cancels the build (TensorRT stops at its next progress step); the promise rejects with ABORTED. */
  readonly signal?: AbortSignal;
}

/** An option given as bytes or as the path of a file (read here). Anything else is INVALID_ARGUMENT: a number
 * would otherwise be read as a file descriptor. */
export async function bytesOf(value: Uint8Array | string | undefined, what: string): Promise<Uint8Array | undefined> {
  if (value === undefined || value instanceof Uint8Array) return value;
  if (typeof value !== 'string') {
    throw makeError('INVALID_ARGUMENT', `the ${what} must be its bytes or the path of its file, got ${showValue(value)}`);
  }
  return readUserFile(value, what);
}

/** TensorRT 10.12 deprecates the precision builder flags (11 removes them): say so, and what to do instead. */
function precisionFlagDeprecation(options: BuildOptions, libraryVersion: number): string | undefined {
  const precision = options.precision ?? 'fp32';
  if (precision === 'fp32' || options.stronglyTyped || libraryVersion < 101200) return undefined;
  const deprecated = 'deprecated since TensorRT 10.12 and removed in 11';
  if (precision === 'int8' && options.calibrationCache === undefined) {
    // It built, so the model has Q/DQ nodes: they already say where int8 is used.
    return `precision 'int8' uses a TensorRT builder flag, ${deprecated}: the model's Q/DQ nodes already say where int8 is used, so build with stronglyTyped: true`;
  }
  const quantized = precision === 'int8' ? 'with Q/DQ (QuantizeLinear/DequantizeLinear) nodes' : `in ${precision}`;
  return (
    `precision '${precision}' uses TensorRT builder flags${precision === 'int8' ? ' and implicit INT8 calibration' : ''}, ` +
    `${deprecated}: export the ONNX model ${quantized} and build with stronglyTyped: true`
  );
}

/** int8 on a model without Q/DQ nodes needs scales: TensorRT's message says so in its own terms, this says how. */
function withCalibrationAdvice(error: TensorRTNodeError, options: BuildOptions): TensorRTNodeError {
  if (options.precision !== 'int8' || options.calibrationCache !== undefined) return error;
  if (!/Calibration failure occurred with no scaling factors detected/.test(error.message)) return error;
  const advice = 'precision int8 needs a calibration cache (calibrationCache: bytes or a file path), or a model with Q/DQ (QuantizeLinear/DequantizeLinear) nodes';
  const { trtErrorCode, trtMessages, trtLog, details } = error;
  return makeError(error.code, `${error.message}. ${advice}`, { trtErrorCode, trtMessages, trtLog, details, cause: error.cause });
}

/** min <= opt <= max in every dim (or value), of one length (TensorRT would refuse the profile with less to say).
 * Dims are non-negative; a shape tensor's values may be negative (a Reshape target's -1). */
function requireOrderedRange(k: number, tensor: string, { min, opt, max }: Record<'min' | 'opt' | 'max', unknown[]>, values: boolean): void {
  const ordered =
    min.length === opt.length && opt.length === max.length &&
    min.every((d, i) => [d, opt[i], max[i]].every(Number.isSafeInteger) && (values || (d as number) >= 0) && (d as number) <= (opt[i] as number) && (opt[i] as number) <= (max[i] as number));
  if (!ordered) {
    const what = values ? 'value (integers, one count)' : 'dim (non-negative integers, one rank)';
    const text = `min [${min.map(showValue).join(',')}], opt [${opt.map(showValue).join(',')}], max [${max.map(showValue).join(',')}]`;
    throw makeError('INVALID_ARGUMENT', `profile ${k}, input '${tensor}': needs min <= opt <= max in every ${what}, got ${text}`, {
      tensor,
      expected: `min <= opt <= max in every ${values ? 'value' : 'dim'}`,
      actual: text,
    });
  }
}

/** The optimization profiles in the addon's form: the structure that reading them relies on, and ordered ranges; that
 * a range fits its input's rank and dims is checked by the builder, which names the tensor and the profile. */
function nativeProfiles(profiles: unknown): NativeBuildOptions['profiles'] {
  if (!Array.isArray(profiles)) throw makeError('INVALID_ARGUMENT', `profiles must be an array of { tensor: { min, opt, max } }, got ${showValue(profiles)}`);
  return profiles.map((profile: unknown, k) => {
    if (profile === null || typeof profile !== 'object') {
      throw makeError('INVALID_ARGUMENT', `profile ${k} must be an object of { min, opt, max } by input name, got ${showValue(profile)}`);
    }
    return Object.entries(profile).map(([tensor, range]: [string, unknown]) => {
      const values = range !== null && typeof range === 'object' && 'values' in range;
      const r = (values ? (range as { values: unknown }).values : range) as Partial<Record<'min' | 'opt' | 'max', unknown>> | null;
      for (const key of ['min', 'opt', 'max'] as const) {
        if (r === null || typeof r !== 'object' || !Array.isArray(r[key])) {
          throw makeError('INVALID_ARGUMENT', `profile ${k}, input '${tensor}': ${values ? 'values.' : ''}${key} must be an array of ${values ? 'values' : 'dims'}, got ${showValue(r === null || typeof r !== 'object' ? r : r[key])}`);
        }
      }
      const checked = r as Record<'min' | 'opt' | 'max', number[]>;
      requireOrderedRange(k, tensor, checked, values);
      return { tensor, min: [...checked.min], opt: [...checked.opt], max: [...checked.max], ...(values ? { values: true } : {}) };
    });
  });
}

/** Profiles checked as buildEngine checks them, for callers that use them before building (getOrBuild compares
 * them with an existing engine's sidecar first). */
export function requireProfiles(profiles: unknown): void {
  if (profiles !== undefined) nativeProfiles(profiles);
}

/** workspaceBytes (a byte count) and optimizationLevel (0..5), checked before anything is built: the sidecar records
 * both, and its readers refuse a workspace that is not a safe integer. */
export function requireBuildLimits(options: Pick<BuildOptions, 'workspaceBytes' | 'optimizationLevel'>): void {
  if (options.workspaceBytes !== undefined) requireInteger(options.workspaceBytes, 'workspaceBytes', 0);
  if (options.optimizationLevel !== undefined) requireInteger(options.optimizationLevel, 'optimizationLevel', 0, 5);
}

/** shapeOutputs: distinct output names (that each is an output of the model, of a shape tensor's form, the builder
 * checks, naming it). */
export function requireShapeOutputs(names: unknown): void {
  if (names === undefined) return;
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string' && n.length > 0)) {
    throw makeError('INVALID_ARGUMENT', `shapeOutputs must be an array of output names, got ${showValue(names)}`);
  }
  const repeated = names.find((n, i) => names.indexOf(n) !== i);
  if (repeated !== undefined) throw makeError('INVALID_ARGUMENT', `shapeOutputs names '${repeated}' twice`, { tensor: repeated });
}

/** ioFormats: an object of format names by tensor name (that each tensor exists and its type fits the format, the
 * builder checks, naming it). */
export function requireIoFormats(formats: unknown): void {
  if (formats === undefined) return;
  if (formats === null || typeof formats !== 'object' || Array.isArray(formats)) {
    throw makeError('INVALID_ARGUMENT', `ioFormats must be an object of formats by tensor name, got ${showValue(formats)}`);
  }
  for (const [name, format] of Object.entries(formats)) {
    if (!IO_FORMATS.includes(format as IoFormat)) {
      throw makeError('INVALID_ARGUMENT', `ioFormats.${name} must be one of ${IO_FORMATS.join(', ')}, got ${showValue(format)}`, { tensor: name });
    }
  }
}

/** Parses ONNX and builds a plan. Parser errors give BUILD_FAILED listing each failing node. */
export async function buildEngine(onnx: Uint8Array, options: BuildOptions = {}): Promise<Uint8Array> {
  return (await buildPlan(onnx, options)).plan;
}

/** A built plan, the plugins its layers use (each once: what must be registered for it to deserialize), and what
 * TensorRT warned of while it built it (as onWarning got them with 'tensorrt'). */
export interface BuiltPlan {
  readonly plan: Uint8Array;
  readonly plugins: readonly PluginCreatorSpec[];
  readonly warnings: readonly string[];
}

/** buildEngine, with the plugins the plan needs (the EngineStore records them in the sidecar). */
export async function buildPlan(onnx: Uint8Array, options: BuildOptions = {}): Promise<BuiltPlan> {
  if (!(onnx instanceof Uint8Array)) throw makeError('INVALID_ARGUMENT', 'buildEngine expects the ONNX model as a Uint8Array');
  requireOptionsObject(options, 'buildEngine');
  if (options.signal?.aborted) {
    throw makeError('ABORTED', 'the build was cancelled before it started', { cause: options.signal.reason });
  }
  if (options.precision !== undefined && !PRECISIONS.includes(options.precision)) {
    throw makeError('INVALID_ARGUMENT', `precision must be one of ${PRECISIONS.join(', ')}, got ${showValue(options.precision)}`);
  }
  if (options.hardwareCompatibility !== undefined && !HARDWARE_COMPATIBILITY.includes(options.hardwareCompatibility)) {
    throw makeError('INVALID_ARGUMENT', `hardwareCompatibility must be one of ${HARDWARE_COMPATIBILITY.join(', ')}, got ${showValue(options.hardwareCompatibility)}`);
  }
  deviceIndexOf(options.device);
  requireBuildLimits(options);
  requireShapeOutputs(options.shapeOutputs);
  requireIoFormats(options.ioFormats);
  loadPluginLibraries(options.pluginLibraries, options.backend, 'buildEngine');
  const nativeOptions: NativeBuildOptions = {
    profiles: options.profiles === undefined ? undefined : nativeProfiles(options.profiles),
    workspaceBytes: options.workspaceBytes,
    optimizationLevel: options.optimizationLevel,
    precision: options.precision,
    stronglyTyped: options.stronglyTyped,
    calibrationCache: await bytesOf(options.calibrationCache, 'calibration cache'),
    timingCache: options.timingCachePath ? await readUserFileIfPresent(options.timingCachePath, 'timing cache') : undefined,
    versionCompatible: options.versionCompatible,
    hardwareCompatibility: options.hardwareCompatibility,
    shapeOutputs: options.shapeOutputs === undefined ? undefined : [...options.shapeOutputs],
    ioFormats: options.ioFormats === undefined ? undefined : { ...options.ioFormats },
    device: options.device,
  };
  let handle;
  try {
    handle = getNative().build(options.backend ?? 'tensorrt', onnx, nativeOptions, options.onProgress);
  } catch (error) {
    throw fromNative(error);
  }
  const onAbort = () => handle.cancel();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let result;
  try {
    result = await handle.promise;
  } catch (error) {
    throw withCalibrationAdvice(fromNative(error), options);
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
  if (options.timingCachePath && result.timingCache.length > 0) await writeUserFile(options.timingCachePath, result.timingCache, 'timing cache');
  const warnings = Object.freeze(warningsOf(result.trtLog));
  for (const warning of warnings) options.onWarning?.(warning, 'tensorrt');
  const deprecation = precisionFlagDeprecation(options, result.libraryVersion);
  if (deprecation) options.onWarning?.(deprecation, 'tensorrt-node');
  return { plan: result.plan, plugins: Object.freeze(result.plugins.map((p) => Object.freeze({ ...p }))), warnings };
}
