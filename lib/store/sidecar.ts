// The JSON sidecar next to every engine: where it came from, what it needs, and the checksum that makes a reader
// trust it. Written after the engine, so an engine without a sidecar is an unfinished build.
import { readFile } from 'node:fs/promises';
import type { BuildProfile } from '../engine-spec.js';
import { makeError } from '../errors.js';
import type { PluginRef } from '../errors.js';
import { REBUILD_ADVICE } from './advice.js';
import { isMissing, isNotAFile, isSystemError } from './files.js';
import { ENGINE_EXT, SIDECAR_EXT, isPrecision, PRECISIONS } from './naming.js';
import type { Precision } from './naming.js';
import type { Target } from './target.js';

export const SIDECAR_FORMAT = 'tensorrt-node-engine/1';

export interface ShapeRangeRecord {
  readonly min: readonly number[];
  readonly opt: readonly number[];
  readonly max: readonly number[];
}

/** A shape tensor input's min/opt/max values. */
export interface ShapeValuesRecord {
  readonly values: ShapeRangeRecord;
}

export interface BuildOptionsRecord {
  /** One entry per optimization profile, min/opt/max per dynamic input (values per shape tensor input). */
  readonly profiles: readonly Readonly<Record<string, ShapeRangeRecord | ShapeValuesRecord>>[];
  readonly workspace_bytes: number | null;
  readonly optimization_level: number | null;
  /** Builder flags beyond the defaults (e.g. 'fp16'); empty for fp32. */
  readonly flags: readonly string[];
  /** Outputs built as shape tensor outputs (BuildOptions.shapeOutputs), sorted; absent when there are none (and in
   * sidecars written before they existed). */
  readonly shape_outputs?: readonly string[];
  /** IO tensors built in another layout than row-major (BuildOptions.ioFormats), by name; absent when none is. */
  readonly io_formats?: Readonly<Record<string, string>>;
  /** The SHA-256 of the int8 calibration cache the engine was built with; absent without one (and in sidecars
   * written before it was recorded). */
  readonly calibration_cache_sha256?: string;
}

export interface Sidecar {
  readonly format: typeof SIDECAR_FORMAT;
  readonly task: string;
  readonly model_name: string;
  readonly model_revision: string;
  readonly onnx_sha256: string;
  readonly backend: 'tensorrt' | 'simulator';
  readonly trt_version: string;
  readonly cuda_version: string;
  readonly compute_capability: string;
  readonly device_name: string;
  readonly precision: Precision;
  readonly build_options: BuildOptionsRecord;
  /** Max of dim 0 over the profiles when some profile lets dim 0 vary, else null. */
  readonly max_batch_size: number | null;
  /** Max of dim 1 over the profiles when some profile lets dim 1 vary, else null. */
  readonly seq_len: number | null;
  readonly plan_sha256: string;
  readonly plan_bytes: number;
  readonly created_at: string;
  readonly builder: string;
  /** The TensorRT plugins the engine's layers use: each must be registered for it to deserialize. With the library
   * that provided each where it was built, when known. Absent in sidecars written before they were recorded (then
   * unknown), [] for an engine without plugin layers. */
  readonly plugins?: readonly PluginRef[];
  /** What TensorRT's parser and builder warned of when they made the engine, in their words (BuildOptions.onWarning
   * with 'tensorrt'): why an engine is slower or less precise than expected (tensors without int8 scales, a plugin
   * field left to its default) stays with it. Absent in sidecars written before they were recorded. */
  readonly build_warnings?: readonly string[];
}

export function sidecarPathOf(enginePath: string): string {
  const stem = enginePath.endsWith(ENGINE_EXT) ? enginePath.slice(0, -ENGINE_EXT.length) : enginePath;
  return stem + SIDECAR_EXT;
}

/** IO formats as recorded: by tensor name in name order, without 'linear' (every tensor's default). */
export function ioFormatsRecord(formats: Readonly<Record<string, string>> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(formats ?? {}).filter(([, f]) => f !== 'linear').sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Profiles as plain JSON (the caller's arrays may be readonly or typed). */
export function profilesRecord(profiles: readonly BuildProfile[] | undefined): BuildOptionsRecord['profiles'] {
  const plain = (r: ShapeRangeRecord): ShapeRangeRecord => ({ min: [...r.min], opt: [...r.opt], max: [...r.max] });
  return (profiles ?? []).map((p) =>
    Object.fromEntries(Object.entries(p).map(([name, r]) => [name, 'values' in r ? { values: plain(r.values) } : plain(r)])),
  );
}

/** Max of dimension `dim` over all profiles and inputs, counting only inputs some profile lets vary there. The
 * store does not deserialize the plan, so "dynamic" is read from the profiles: min differs from max. */
export function maxDynamicDim(profiles: BuildOptionsRecord['profiles'], dim: number): number | null {
  let max: number | null = null;
  for (const profile of profiles) {
    for (const range of Object.values(profile)) {
      if ('values' in range) continue; // a shape tensor input: its dims are fixed
      const lo = range.min[dim];
      const hi = range.max[dim];
      if (lo === undefined || hi === undefined || lo === hi) continue;
      max = Math.max(max ?? 0, hi);
    }
  }
  return max;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** The problems of a parsed sidecar, one line each; empty when it is well-formed. */
export function sidecarProblems(value: unknown): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return ['it is not a JSON object'];
  const v = value as Record<string, unknown>;
  const problems: string[] = [];
  const need = (ok: boolean, field: string, what: string) => {
    if (!ok) problems.push(`${field} must be ${what}, got ${JSON.stringify(v[field])}`);
  };
  const isString = (f: string) => typeof v[f] === 'string' && v[f] !== '';
  const isCount = (x: unknown) => Number.isSafeInteger(x) && (x as number) >= 0;
  need(v.format === SIDECAR_FORMAT, 'format', JSON.stringify(SIDECAR_FORMAT));
  for (const f of ['task', 'model_name', 'model_revision', 'device_name', 'builder']) need(isString(f), f, 'a non-empty string');
  need(v.backend === 'tensorrt' || v.backend === 'simulator', 'backend', "'tensorrt' or 'simulator'");
  need(typeof v.onnx_sha256 === 'string' && HEX64.test(v.onnx_sha256), 'onnx_sha256', 'a hex SHA-256');
  need(typeof v.plan_sha256 === 'string' && HEX64.test(v.plan_sha256), 'plan_sha256', 'a hex SHA-256');
  need(typeof v.trt_version === 'string' && /^\d+\.\d+\.\d+$/.test(v.trt_version), 'trt_version', "'major.minor.patch'");
  need(typeof v.cuda_version === 'string' && /^\d+\.\d+$/.test(v.cuda_version), 'cuda_version', "'major.minor'");
  need(typeof v.compute_capability === 'string' && /^\d+\.\d$/.test(v.compute_capability), 'compute_capability', "'major.minor'");
  need(isPrecision(v.precision), 'precision', PRECISIONS.join(' | '));
  need(isCount(v.plan_bytes), 'plan_bytes', 'a byte count');
  need(v.max_batch_size === null || isCount(v.max_batch_size), 'max_batch_size', 'a count or null');
  need(v.seq_len === null || isCount(v.seq_len), 'seq_len', 'a count or null');
  need(typeof v.created_at === 'string' && !Number.isNaN(Date.parse(v.created_at)), 'created_at', 'an ISO date');
  problems.push(...buildOptionsProblems(v.build_options));
  const isPlugin = (p: unknown) => {
    const { name, version, namespace } = (p ?? {}) as Record<string, unknown>;
    const { library } = (p ?? {}) as Record<string, unknown>;
    return typeof name === 'string' && name !== '' && typeof version === 'string' && typeof namespace === 'string' &&
      (library === undefined || (typeof library === 'string' && library !== ''));
  };
  if (v.plugins !== undefined && (!Array.isArray(v.plugins) || !v.plugins.every(isPlugin))) {
    problems.push(`plugins must be a list of {name, version, namespace, library?}, got ${JSON.stringify(v.plugins)}`);
  }
  if (v.build_warnings !== undefined && (!Array.isArray(v.build_warnings) || !v.build_warnings.every((w) => typeof w === 'string'))) {
    problems.push(`build_warnings must be a list of strings, got ${JSON.stringify(v.build_warnings)}`);
  }
  return problems;
}

function buildOptionsProblems(value: unknown): string[] {
  if (typeof value !== 'object' || value === null) return ['build_options must be an object'];
  const b = value as Record<string, unknown>;
  const problems: string[] = [];
  const dims = (x: unknown) => Array.isArray(x) && x.every((d) => Number.isSafeInteger(d));
  const minOptMax = (r: unknown) =>
    typeof r === 'object' && r !== null && dims((r as ShapeRangeRecord).min) && dims((r as ShapeRangeRecord).opt) && dims((r as ShapeRangeRecord).max);
  const rangeOk = (r: unknown) => minOptMax(r) || (typeof r === 'object' && r !== null && minOptMax((r as ShapeValuesRecord).values));
  if (!Array.isArray(b.profiles) || !b.profiles.every((p) => typeof p === 'object' && p !== null && Object.values(p).every(rangeOk))) {
    problems.push('build_options.profiles must be a list of {input: {min, opt, max}}');
  }
  for (const f of ['workspace_bytes', 'optimization_level']) {
    if (b[f] !== null && !Number.isSafeInteger(b[f])) problems.push(`build_options.${f} must be an integer or null`);
  }
  if (!Array.isArray(b.flags) || !b.flags.every((f) => typeof f === 'string')) problems.push('build_options.flags must be a list of strings');
  if (b.shape_outputs !== undefined && (!Array.isArray(b.shape_outputs) || !b.shape_outputs.every((f) => typeof f === 'string'))) {
    problems.push('build_options.shape_outputs must be a list of output names');
  }
  const formats = b.io_formats;
  if (formats !== undefined && (formats === null || typeof formats !== 'object' || Array.isArray(formats) || !Object.values(formats).every((f) => typeof f === 'string'))) {
    problems.push('build_options.io_formats must be an object of format names by tensor name');
  }
  if (b.calibration_cache_sha256 !== undefined && !(typeof b.calibration_cache_sha256 === 'string' && /^[0-9a-f]{64}$/.test(b.calibration_cache_sha256))) {
    problems.push('build_options.calibration_cache_sha256 must be a SHA-256 in hex');
  }
  return problems;
}

/** Reads and checks a sidecar; a missing, unreadable or malformed one is ENGINE_CORRUPT saying which. */
export async function readSidecar(path: string): Promise<Sidecar> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (isMissing(error)) {
      throw makeError(
        'ENGINE_CORRUPT',
        `the engine's sidecar ${path} is missing, so the engine is an unfinished build or was copied without it. ${REBUILD_ADVICE}.`,
        { cause: error },
      );
    }
    if (isNotAFile(error)) {
      throw makeError('ENGINE_CORRUPT', `the engine's sidecar ${path} is not a readable file (${(error as Error).message}). ${REBUILD_ADVICE}.`, { cause: error });
    }
    // No permission, an I/O error: the file may be fine, so not corrupt; named, with the system's reason.
    if (isSystemError(error)) {
      throw makeError('INVALID_ARGUMENT', `the engine's sidecar ${path} cannot be read: ${(error as Error).message}`, { cause: error });
    }
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw makeError('ENGINE_CORRUPT', `the engine's sidecar ${path} is not valid JSON (${(error as Error).message}). ${REBUILD_ADVICE}.`, { cause: error });
  }
  const problems = sidecarProblems(parsed);
  if (problems.length > 0) {
    throw makeError('ENGINE_CORRUPT', `the engine's sidecar ${path} is invalid: ${problems.join('; ')}. ${REBUILD_ADVICE}.`, { details: problems });
  }
  return parsed as Sidecar;
}

export function serializeSidecar(sidecar: Sidecar): string {
  return `${JSON.stringify(sidecar, null, 2)}\n`;
}

export interface SidecarInput {
  readonly task: string;
  readonly model: string;
  readonly revision: string;
  readonly onnxSha256: string;
  readonly target: Target;
  readonly precision: Precision;
  /** Recorded as the flag 'strongly-typed': the same model built strongly or weakly typed gives other engines. */
  readonly stronglyTyped?: boolean;
  readonly profiles: BuildOptionsRecord['profiles'];
  readonly workspaceBytes?: number;
  readonly optimizationLevel?: number;
  readonly shapeOutputs?: readonly string[];
  readonly ioFormats?: Readonly<Record<string, string>>;
  readonly planSha256: string;
  readonly planBytes: number;
  readonly builder: string;
  readonly createdAt?: Date;
  /** The plugins the plan's layers use, with the library each came from (buildPlan gives them). */
  readonly plugins: readonly (Omit<PluginRef, 'library'> & { readonly library?: string | null })[];
  /** TensorRT's warnings during the build (buildPlan gives them). */
  readonly buildWarnings: readonly string[];
  /** The SHA-256 of the calibration cache given to the build, if any. */
  readonly calibrationCacheSha256?: string;
}

/** The build_options flag of an engine built strongly typed (BuildOptions.stronglyTyped). */
export const STRONGLY_TYPED_FLAG = 'strongly-typed';

export function createSidecar(input: SidecarInput): Sidecar {
  return {
    format: SIDECAR_FORMAT,
    task: input.task,
    model_name: input.model,
    model_revision: input.revision,
    onnx_sha256: input.onnxSha256,
    backend: input.target.backend,
    trt_version: input.target.trtVersion,
    cuda_version: input.target.cudaVersion,
    compute_capability: input.target.computeCapability,
    device_name: input.target.deviceName,
    precision: input.precision,
    build_options: {
      profiles: input.profiles,
      workspace_bytes: input.workspaceBytes ?? null,
      optimization_level: input.optimizationLevel ?? null,
      flags: [...(input.precision === 'fp32' ? [] : [input.precision]), ...(input.stronglyTyped ? [STRONGLY_TYPED_FLAG] : [])],
      ...(input.shapeOutputs?.length ? { shape_outputs: [...input.shapeOutputs].sort() } : {}),
      ...(Object.keys(ioFormatsRecord(input.ioFormats)).length ? { io_formats: ioFormatsRecord(input.ioFormats) } : {}),
      ...(input.calibrationCacheSha256 ? { calibration_cache_sha256: input.calibrationCacheSha256 } : {}),
    },
    max_batch_size: maxDynamicDim(input.profiles, 0),
    seq_len: maxDynamicDim(input.profiles, 1),
    plan_sha256: input.planSha256,
    plan_bytes: input.planBytes,
    created_at: (input.createdAt ?? new Date()).toISOString(),
    builder: input.builder,
    plugins: input.plugins.map(({ name, version, namespace, library }) => ({ name, version, namespace, ...(library ? { library } : {}) })),
    build_warnings: [...input.buildWarnings],
  };
}
