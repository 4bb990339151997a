// Deciding whether an engine file may be handed to deserialize, without deserializing it. Integrity first (a
// damaged file is ENGINE_CORRUPT whatever it claims), then compatibility with the runtime (ENGINE_INCOMPATIBLE).
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { TensorRTNodeError, makeError } from '../errors.js';
import type { PluginRef } from '../errors.js';
import { plugins, pluginSources, pluginText, unregisteredPlugins } from '../plugins.js';
import type { PluginStatus } from '../plugins.js';
import { unreadableFile } from '../user-files.js';
import { REBUILD_ADVICE } from './advice.js';
import { sha256, sha256File } from './checksum.js';
import { exists, isMissing, isNotAFile, isSystemError } from './files.js';
import { heldByAnother } from './lock.js';
import { lockPathOf, parseEngineName } from './naming.js';
import { readPlanHeader } from './plan-header.js';
import { STRONGLY_TYPED_FLAG, ioFormatsRecord, readSidecar, sidecarPathOf } from './sidecar.js';
import type { BuildOptionsRecord, Sidecar } from './sidecar.js';
import { targetOf } from './target.js';
import type { StoreRuntime } from './target.js';

export interface VerifyOptions {
  /** The runtime the engine must load in: its TensorRT version, compute capability and backend. */
  readonly runtime: StoreRuntime;
  /** The ONNX the engine must have been built from (bytes or a path); its SHA-256 must match the sidecar's. */
  readonly onnx?: Uint8Array | string;
  /** The optimization profiles the engine must have been built with (they decide which input shapes it takes). */
  readonly profiles?: BuildOptionsRecord['profiles'];
  /** Whether the engine must have been built strongly typed (the sidecar's 'strongly-typed' flag). */
  readonly stronglyTyped?: boolean;
  /** The outputs the engine must have been built to give as shape tensor outputs (in any order; [] for none). */
  readonly shapeOutputs?: readonly string[];
  /** The IO formats the engine must have been built with, by tensor name ({} or 'linear' entries for row-major). */
  readonly ioFormats?: Readonly<Record<string, string>>;
  /** The SHA-256 of the calibration cache the engine must have been built with (null: none). A sidecar that does not
   * record one (written before it was recorded) is taken to match. */
  readonly calibrationCacheSha256?: string | null;
}

/** The model's SHA-256; a path is streamed (models can be large), and one that cannot be read is INVALID_ARGUMENT. */
async function onnxSha256(onnx: Uint8Array | string): Promise<string> {
  if (typeof onnx !== 'string') return sha256(onnx);
  try {
    return (await sha256File(onnx)).sha256;
  } catch (error) {
    throw unreadableFile(onnx, 'ONNX model', error);
  }
}

function corrupt(enginePath: string, what: string, extra: { expected?: string; actual?: string } = {}) {
  return makeError('ENGINE_CORRUPT', `engine ${enginePath} is corrupt: ${what}. ${REBUILD_ADVICE}.`, extra);
}

function incompatible(enginePath: string, what: string, extra: { expected?: string; actual?: string } = {}) {
  return makeError('ENGINE_INCOMPATIBLE', `engine ${enginePath} cannot be used with this runtime: ${what}. ${REBUILD_ADVICE}.`, extra);
}

// The errors about a sound engine built with other build options than the caller's (profiles, typing, shape tensor
// outputs, IO formats), with what differs: another caller's engine, not a bad one.
const otherOptions = new WeakMap<object, string>();

/** For a verifyEngine error that says the engine was built with other build options than asked for (sound, and some
 * other caller's choice): what differs, e.g. "it was built with other optimization profiles (...)". */
export function otherBuildOptionsOf(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? otherOptions.get(error) : undefined;
}

function otherBuildOptions(enginePath: string, what: string, extra: { expected: string; actual: string }) {
  const error = incompatible(enginePath, what, extra);
  otherOptions.set(error, what);
  return error;
}

// The errors of a check whose files were moved away while it read them: another process quarantined or rebuilt the
// engine meanwhile. Lock-free readers look again (getOrBuild, under the lock) or skip the entry (list).
const changed = new WeakSet<object>();

/** True for a verifyEngine error that says the entry changed underneath the check rather than what is wrong with it. */
export function changedUnderneath(error: unknown): boolean {
  return typeof error === 'object' && error !== null && changed.has(error);
}

function underneath<E extends object>(error: E): E {
  changed.add(error);
  return error;
}

function movedAway(enginePath: string, cause: unknown) {
  return underneath(makeError('ENGINE_CORRUPT', `engine ${enginePath} was moved away or replaced while it was being checked (by another process); check it again`, { cause }));
}

/** A read of the engine file found a moment before: ENOENT now means it was moved away meanwhile. */
async function whileThere<T>(enginePath: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (isMissing(error)) throw movedAway(enginePath, error);
    if (isSystemError(error)) {
      throw makeError('INVALID_ARGUMENT', `the engine ${enginePath} cannot be read: ${(error as Error).message}`, { cause: error });
    }
    throw error;
  }
}

// Quarantine moves the engine first, then its sidecar: a sidecar missing after its engine went too was moved with it.
// A save renames the engine into place first: a sidecar missing while another process holds the engine's build
// lock is on its way.
async function readSidecarOf(enginePath: string, sidecarPath: string): Promise<Sidecar> {
  try {
    return await readSidecar(sidecarPath);
  } catch (error) {
    if (!(error instanceof TensorRTNodeError && isMissing(error.cause))) throw error;
    if (!(await exists(enginePath))) throw movedAway(enginePath, error);
    const lockPath = lockPathOf(enginePath);
    if (await heldByAnother(lockPath)) {
      throw underneath(makeError('ENGINE_CORRUPT', `engine ${enginePath} is being saved by another process (it holds ${lockPath}); check it again`, { cause: error }));
    }
    throw error;
  }
}

/** Canonical JSON (sorted keys), so equal profiles compare equal whatever order their inputs were listed in. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Checks an engine file against its sidecar and the runtime; returns the sidecar when the engine can be loaded.
 * ENGINE_CORRUPT: sidecar missing or malformed, size or SHA-256 differ, not a TensorRT plan, or the sidecar does not
 * describe this file. ENGINE_INCOMPATIBLE: another TensorRT version, compute capability or backend, or (by choice:
 * the file is sound, it is just the wrong one) built from another ONNX model or with other profiles.
 * LIBRARY_NOT_FOUND (with `plugin`): it uses a TensorRT plugin that no library registered in this process provides.
 */
export async function verifyEngine(enginePath: string, options: VerifyOptions): Promise<Sidecar> {
  const sidecarPath = sidecarPathOf(enginePath);
  let size: number;
  try {
    const st = await stat(enginePath);
    if (!st.isFile()) throw corrupt(enginePath, 'it is not a regular file (a folder or a device)');
    size = st.size;
  } catch (error) {
    if (isNotAFile(error)) throw corrupt(enginePath, `it is not a readable file (${(error as Error).message})`);
    if (!isMissing(error)) throw error;
    // A sidecar without its engine is a broken entry; with neither, there is simply nothing to verify.
    if (!(await exists(sidecarPath))) throw underneath(makeError('INVALID_ARGUMENT', `there is no engine at ${enginePath}`, { cause: error }));
    throw corrupt(enginePath, `the engine file is missing but its sidecar ${sidecarPath} exists (an interrupted write or a manual delete)`);
  }
  const sidecar = await readSidecarOf(enginePath, sidecarPath);

  // Integrity.
  if (size !== sidecar.plan_bytes) {
    throw corrupt(enginePath, `it has ${size} bytes but its sidecar records ${sidecar.plan_bytes} (${size < sidecar.plan_bytes ? 'truncated' : 'appended to'})`, {
      expected: String(sidecar.plan_bytes),
      actual: String(size),
    });
  }
  const { sha256: actualSha } = await whileThere(enginePath, () => sha256File(enginePath));
  if (actualSha !== sidecar.plan_sha256) {
    throw corrupt(enginePath, `its SHA-256 is ${actualSha} but its sidecar records ${sidecar.plan_sha256} (the file was changed or damaged)`, {
      expected: sidecar.plan_sha256,
      actual: actualSha,
    });
  }
  const header = await whileThere(enginePath, () => readPlanHeader(enginePath));

  // Compatibility. The header's version wins over the sidecar's: it is what TensorRT itself will check.
  const target = targetOf(options.runtime);
  const headerVersion = header.trtVersion?.slice(0, 3).join('.');
  const builtBy = headerVersion ?? sidecar.trt_version;
  if (builtBy !== target.trtVersion) {
    throw incompatible(
      enginePath,
      `it was built by TensorRT ${builtBy} but this runtime loads TensorRT ${target.trtVersion}, and a plan only loads in the version that built it`,
      { expected: target.trtVersion, actual: builtBy },
    );
  }
  if (headerVersion !== undefined && headerVersion !== sidecar.trt_version) {
    throw corrupt(enginePath, `its header says TensorRT ${headerVersion} but its sidecar says ${sidecar.trt_version}, so the sidecar belongs to another file`);
  }
  if (sidecar.compute_capability !== target.computeCapability) {
    throw incompatible(
      enginePath,
      `it was built for compute capability ${sidecar.compute_capability} but this GPU is ${target.computeCapability}; TensorRT plans are specific to the GPU architecture they were built on`,
      { expected: target.computeCapability, actual: sidecar.compute_capability },
    );
  }
  if (sidecar.backend !== target.backend) {
    throw incompatible(enginePath, `it was built by the '${sidecar.backend}' backend but this runtime is '${target.backend}'`, {
      expected: target.backend,
      actual: sidecar.backend,
    });
  }
  if (options.onnx !== undefined) {
    const onnxSha = await onnxSha256(options.onnx);
    if (onnxSha !== sidecar.onnx_sha256) {
      throw incompatible(
        enginePath,
        `it was built from another version of the model (ONNX SHA-256 ${sidecar.onnx_sha256}, the given model is ${onnxSha})`,
        { expected: onnxSha, actual: sidecar.onnx_sha256 },
      );
    }
  }
  if (options.profiles !== undefined && canonical(options.profiles) !== canonical(sidecar.build_options.profiles)) {
    throw otherBuildOptions(enginePath, `it was built with other optimization profiles (${canonical(sidecar.build_options.profiles)}, wanted ${canonical(options.profiles)})`, {
      expected: canonical(options.profiles),
      actual: canonical(sidecar.build_options.profiles),
    });
  }

  const builtStronglyTyped = sidecar.build_options.flags.includes(STRONGLY_TYPED_FLAG);
  if (options.stronglyTyped !== undefined && options.stronglyTyped !== builtStronglyTyped) {
    const typing = (strong: boolean) => (strong ? 'strongly typed' : 'weakly typed');
    throw otherBuildOptions(enginePath, `it was built ${typing(builtStronglyTyped)}, wanted ${typing(options.stronglyTyped)}`, {
      expected: typing(options.stronglyTyped),
      actual: typing(builtStronglyTyped),
    });
  }

  if (options.shapeOutputs !== undefined) {
    const list = (names: readonly string[]) => (names.length === 0 ? 'none' : [...names].sort().join(', '));
    const wanted = list(options.shapeOutputs);
    const built = list(sidecar.build_options.shape_outputs ?? []);
    if (wanted !== built) {
      throw otherBuildOptions(enginePath, `it was built with other shape tensor outputs (${built}, wanted ${wanted})`, { expected: wanted, actual: built });
    }
  }

  const builtCache = sidecar.build_options.calibration_cache_sha256;
  if (options.calibrationCacheSha256 !== undefined && builtCache !== undefined && builtCache !== (options.calibrationCacheSha256 ?? undefined)) {
    const cache = (sha: string | null | undefined) => (sha ? `SHA-256 ${sha.slice(0, 12)}…` : 'none');
    throw otherBuildOptions(enginePath, `it was built with another int8 calibration cache (${cache(builtCache)}, wanted ${cache(options.calibrationCacheSha256)})`, {
      expected: cache(options.calibrationCacheSha256),
      actual: cache(builtCache),
    });
  }

  if (options.ioFormats !== undefined) {
    const list = (formats: Readonly<Record<string, string>> | undefined) => {
      const entries = Object.entries(ioFormatsRecord(formats));
      return entries.length === 0 ? 'all linear' : entries.map(([name, format]) => `${name} ${format}`).join(', ');
    };
    const wanted = list(options.ioFormats);
    const built = list(sidecar.build_options.io_formats);
    if (wanted !== built) {
      throw otherBuildOptions(enginePath, `it was built with other IO formats (${built}, wanted ${wanted})`, { expected: wanted, actual: built });
    }
  }

  // A store file name must describe what its sidecar says (a renamed file would otherwise be trusted).
  const parts = parseEngineName(path.basename(enginePath));
  if (parts) {
    const mismatches = (
      [
        ['task', parts.task, sidecar.task],
        ['model', parts.model, sidecar.model_name],
        ['revision', parts.revision, sidecar.model_revision],
        ['precision', parts.precision, sidecar.precision],
        ['TensorRT version', parts.trtVersion, sidecar.trt_version],
        ['compute capability', parts.computeCapability, sidecar.compute_capability],
      ] as const
    ).filter(([, fromName, fromSidecar]) => fromName !== fromSidecar);
    if (mismatches.length > 0) {
      const list = mismatches.map(([what, n, s]) => `${what} ${n} in the name, ${s} in the sidecar`).join('; ');
      throw corrupt(enginePath, `its file name does not match its sidecar (${list})`);
    }
  }

  // Last, as it is no fault of the engine: the plugins its layers use must be registered, or it will not deserialize.
  // An engine without plugins needs no look at the registry (nor a backend loaded to give one).
  if (sidecar.plugins?.length) {
    const status = plugins({ backend: target.backend });
    const missing = unregisteredPlugins(sidecar.plugins, status);
    if (missing.length > 0) throw missingPlugins(enginePath, missing, status);
  }
  return sidecar;
}

/** True for verifyEngine's error about a sound engine whose plugin no loaded library provides (not a reason to
 * quarantine it: the process lacks a library). */
export function isMissingPluginError(error: unknown): error is TensorRTNodeError {
  return error instanceof TensorRTNodeError && error.code === 'LIBRARY_NOT_FOUND' && error.plugin !== undefined;
}

// LIBRARY_NOT_FOUND, as deserialize would say it: the plan is sound (an engine cache must keep it, and a rebuild would
// need the same plugin), the process lacks a library.
function missingPlugins(enginePath: string, missing: readonly PluginRef[], status: PluginStatus) {
  const list = missing.map(pluginText).join(', ');
  const what = missing.length === 1 ? `the TensorRT plugin ${list}, which no registered plugin library provides` : `the TensorRT plugins ${list}, which no registered plugin library provides`;
  const origins = missing.filter((p) => p.library).map((p) => `${pluginText(p)} came from ${p.library} where the engine was built`);
  return makeError('LIBRARY_NOT_FOUND', `engine ${enginePath} uses ${what}`, { plugin: missing[0], details: [...origins, ...pluginSources(status)] });
}
