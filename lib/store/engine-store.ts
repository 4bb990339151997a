// The EngineStore: a folder of verified engines, one per (model, TensorRT version, precision, GPU), built at most
// once across processes. Readers trust an engine only when its sidecar exists and its checksum matches, so every
// crash leaves either a finished, verifiable engine or something a reader refuses and quarantines.
import { mkdir, readdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { buildPlan, bytesOf, requireBuildLimits, requireProfiles, requireIoFormats, requireShapeOutputs } from '../build.js';
import type { BuildOptions, BuildProgress } from '../build.js';
import type { BuildProfile } from '../engine-spec.js';
import { showValue } from '../dtypes.js';
import { TensorRTNodeError, makeError, requireOptionsObject } from '../errors.js';
import { loadPluginLibraries } from '../plugins.js';
import type { Backend } from '../runtime.js';
import { readUserFile } from '../user-files.js';
import { throwIfAborted } from './abort.js';
import { sha256 } from './checksum.js';
import { commitEngine } from './commit.js';
import { exists, isMissing, isSystemError } from './files.js';
import { acquireLock } from './lock.js';
import type { FileLock, LockInfo } from './lock.js';
import { ENGINE_EXT, engineName, isPrecision, lockPathOf, PRECISIONS } from './naming.js';
import type { EngineNameParts, Precision } from './naming.js';
import { pruneStore } from './prune.js';
import type { PruneOptions, PruneResult } from './prune.js';
import { quarantineEngine } from './quarantine.js';
import type { QuarantineResult } from './quarantine.js';
import { createSidecar, profilesRecord, readSidecar, sidecarPathOf } from './sidecar.js';
import type { Sidecar } from './sidecar.js';
import { builderId, targetOf } from './target.js';
import type { StoreRuntime } from './target.js';
import { changedUnderneath, isMissingPluginError, otherBuildOptionsOf, verifyEngine } from './verify.js';
import type { VerifyOptions } from './verify.js';

export interface EngineStoreOptions {
  /** A build lock not refreshed for this long is taken over (default 10 minutes). Its holder refreshes it every
   * quarter of this while it builds, so only a dead or hung holder loses it. */
  readonly lockStaleMs?: number;
  /** Polling backoff while another process builds (default 25 ms growing to 1 s). */
  readonly lockPollMinMs?: number;
  readonly lockPollMaxMs?: number;
}

export interface GetOrBuildOptions {
  /** The runtime the engine is for: its TensorRT version, GPU and backend name the engine and are verified. */
  readonly runtime: StoreRuntime;
  readonly task: string;
  readonly model: string;
  /** Default: the first 12 hex digits of the ONNX's SHA-256. */
  readonly revision?: string;
  /** Default 'fp32'. int8 needs `calibrationCache` unless the model has Q/DQ nodes; see BuildOptions.precision for TensorRT 11. */
  readonly precision?: Precision;
  /** Build strongly typed (BuildOptions.stronglyTyped). Recorded in the sidecar: an engine built the other way is
   * quarantined and rebuilt, as one built with other profiles is. */
  readonly stronglyTyped?: boolean;
  /** int8 without Q/DQ nodes: a TensorRT calibration cache (bytes or a file path). */
  readonly calibrationCache?: Uint8Array | string;
  /** A timing cache file shared by builds (read, then rewritten after each build). */
  readonly timingCachePath?: string;
  readonly profiles?: readonly BuildProfile[];
  readonly workspaceBytes?: number;
  readonly optimizationLevel?: number;
  /** Outputs to build as shape tensor outputs (BuildOptions.shapeOutputs). Recorded in the sidecar: an engine built
   * with others is quarantined and rebuilt. */
  readonly shapeOutputs?: readonly string[];
  /** IO tensors' memory layouts (BuildOptions.ioFormats). Recorded in the sidecar: an engine built with others is
   * quarantined and rebuilt. */
  readonly ioFormats?: BuildOptions['ioFormats'];
  /** Plugin libraries the model's plugin nodes need (loadPluginLibrary), loaded before anything else: a missing one
   * fails the call (LIBRARY_NOT_FOUND) and never touches the store. Not recorded: a plan names its plugins itself. */
  readonly pluginLibraries?: readonly string[];
  /** Default: the runtime's backend (a plan only loads in the backend that built it). */
  readonly backend?: Backend;
  readonly onProgress?: (event: BuildProgress) => void;
  /** A build's warnings: TensorRT's and this package's (BuildOptions.onWarning). */
  readonly onWarning?: BuildOptions['onWarning'];
  /** Called when another process is building this engine and this call starts waiting for it. */
  readonly onWait?: (holder: LockInfo | undefined) => void;
  /** Cancels waiting for the lock and the build; nothing is left behind (ABORTED). */
  readonly signal?: AbortSignal;
}

export interface GetOrBuildResult {
  /** The verified engine file; load it with runtime.loadEngine(path). */
  readonly path: string;
  readonly sidecar: Sidecar;
  /** True when this call built it, false when it was already there or another process built it meanwhile. */
  readonly built: boolean;
  /** The engine this call moved aside before rebuilding, if any: a bad one, or one built with other options (which
   * onWarning is told of). */
  readonly quarantined?: QuarantineResult;
}

/** 'missing-plugin': sound, but it uses a TensorRT plugin that no library loaded in this process provides. */
export type EngineStatus = 'ok' | 'incompatible' | 'corrupt' | 'missing-plugin';

export interface EngineListEntry {
  readonly name: string;
  readonly path: string;
  /** null when the sidecar is missing or unreadable. */
  readonly sidecar: Sidecar | null;
  readonly status: EngineStatus;
  /** Why it is not 'ok' (the verify error's message). */
  readonly reason?: string;
  readonly error?: TensorRTNodeError;
}

type Check = { kind: 'ok'; sidecar: Sidecar } | { kind: 'missing' } | { kind: 'bad'; error: TensorRTNodeError };

const UNUSABLE = new Set(['ENGINE_CORRUPT', 'ENGINE_INCOMPATIBLE']);

function isUnusable(error: unknown): error is TensorRTNodeError {
  return error instanceof TensorRTNodeError && UNUSABLE.has(error.code);
}

// Two callers that build one model with different options under one name replace each other's engine on every start
// (a build each time, minutes on a GPU): say so when it happens, and what keeps both.
function warnIfOtherOptions(error: TensorRTNodeError, enginePath: string, onWarning: GetOrBuildOptions['onWarning']): void {
  const what = otherBuildOptionsOf(error);
  if (what === undefined) return;
  onWarning?.(
    `the engine ${path.basename(enginePath)} there is sound but ${what.replace(/^it /, '')}: it is rebuilt with these ` +
      'options, and moved to quarantine/ once the new engine is built. If another caller needs the other options, give ' +
      'each set its own task (or revision): ' +
      "otherwise each replaces the other's engine whenever it starts",
    'tensorrt-node',
  );
}

// Timer values in ms, as setTimeout and setInterval take them (at most 2^31 - 1; beyond, Node fires after 1 ms).
const MAX_TIMER_MS = 2 ** 31 - 1;

// A NaN stale time never expires a lock, 0 ms of polling spins, and a huge one refreshes the lock every 1 ms.
function requireLockTimes(options: EngineStoreOptions): void {
  const time = (name: keyof EngineStoreOptions, min: number): number | undefined => {
    const value: unknown = options[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !(value >= min && value <= MAX_TIMER_MS)) {
      throw makeError('INVALID_ARGUMENT', `EngineStore: ${name} must be a number of milliseconds from ${min} to ${MAX_TIMER_MS}, got ${showValue(value)}`);
    }
    return value;
  };
  // The holder refreshes its lock every quarter of the stale time, and at most every 250 ms.
  time('lockStaleMs', 1000);
  const min = time('lockPollMinMs', 1);
  const max = time('lockPollMaxMs', 1);
  if ((max ?? 1000) < (min ?? 25)) {
    throw makeError('INVALID_ARGUMENT', `EngineStore: lockPollMaxMs (${max ?? 1000}) must not be less than lockPollMinMs (${min ?? 25})`);
  }
}

export class EngineStore {
  readonly dir: string;
  readonly #options: EngineStoreOptions;

  constructor(dir: string, options: EngineStoreOptions = {}) {
    if (typeof dir !== 'string' || dir === '') throw makeError('INVALID_ARGUMENT', 'EngineStore needs the path of its folder');
    requireOptionsObject(options, 'EngineStore');
    requireLockTimes(options);
    this.dir = path.resolve(dir);
    this.#options = options;
  }

  /** The path an engine with these parts has in this store. */
  pathFor(parts: EngineNameParts): string {
    return path.join(this.dir, engineName(parts));
  }

  /** Returns a verified engine for the model and runtime, building it (once across processes) when it is missing,
   * and quarantining then rebuilding it when it is corrupt or incompatible. An engine that uses a plugin no loaded
   * library provides is kept, and its LIBRARY_NOT_FOUND passed on (load the library with `pluginLibraries`). */
  async getOrBuild(onnx: Uint8Array | string, options: GetOrBuildOptions): Promise<GetOrBuildResult> {
    requireOptionsObject(options, 'getOrBuild');
    requireBuildLimits(options); // before the folder, the lock or a build exist
    requireProfiles(options.profiles);
    requireShapeOutputs(options.shapeOutputs);
    requireIoFormats(options.ioFormats);
    const onnxBytes = await readOnnx(onnx);
    const onnxSha256 = sha256(onnxBytes);
    const target = targetOf(options.runtime);
    const backend = options.backend ?? target.backend;
    if (backend !== target.backend) {
      throw makeError(
        'INVALID_ARGUMENT',
        `backend '${backend}' differs from the runtime's '${target.backend}': a plan only loads in the backend that built it. Omit backend or pass a '${backend}' runtime.`,
      );
    }
    loadPluginLibraries(options.pluginLibraries, backend, 'getOrBuild');
    const precision = options.precision ?? 'fp32';
    if (!isPrecision(precision)) {
      throw makeError('INVALID_ARGUMENT', `precision must be one of ${PRECISIONS.join(', ')}, got ${showValue(precision)}`);
    }
    const parts: EngineNameParts = {
      task: options.task,
      model: options.model,
      revision: options.revision ?? onnxSha256.slice(0, 12),
      trtVersion: target.trtVersion,
      precision,
      computeCapability: target.computeCapability,
    };
    const enginePath = this.pathFor(parts);
    const profiles = profilesRecord(options.profiles);
    const stronglyTyped = options.stronglyTyped ?? false;
    const shapeOutputs = options.shapeOutputs ?? [];
    const ioFormats = options.ioFormats ?? {};
    // Read once: its hash decides whether an int8 engine is the one asked for, and the build gets the same bytes.
    const calibrationCache = await bytesOf(options.calibrationCache, 'calibration cache');
    const calibrationCacheSha256 = calibrationCache === undefined ? null : sha256(calibrationCache);
    const expect: VerifyOptions = {
      runtime: options.runtime,
      onnx: onnxBytes,
      profiles,
      stronglyTyped,
      shapeOutputs,
      ioFormats,
      ...(precision === 'int8' ? { calibrationCacheSha256 } : {}),
    };
    await this.#makeDir();

    // Fast path, no lock: a finished engine is never rewritten in place, only quarantined and replaced.
    const first = await this.#check(enginePath, expect);
    if (first.kind === 'ok') return { path: enginePath, sidecar: first.sidecar, built: false };

    const lockPath = lockPathOf(enginePath);
    const acquire = () =>
      this.#writing(() =>
        acquireLock(lockPath, {
          staleMs: this.#options.lockStaleMs,
          pollMinMs: this.#options.lockPollMinMs,
          pollMaxMs: this.#options.lockPollMaxMs,
          signal: options.signal,
          onWait: options.onWait,
        }),
      );
    let lock: FileLock = await acquire();
    let failed = false;
    try {
      // Another process may have built it (or quarantined it) while this one waited.
      const again = await this.#check(enginePath, expect);
      if (again.kind === 'ok') return { path: enginePath, sidecar: again.sidecar, built: false };
      // A corrupt or incompatible engine goes now. A sound one built with other options stays until the new one is
      // built, so a build that fails or is cancelled leaves it in place.
      let replace = again.kind === 'bad' ? again.error : undefined;
      let quarantined: QuarantineResult | undefined;
      if (replace) warnIfOtherOptions(replace, enginePath, options.onWarning);
      if (replace && otherBuildOptionsOf(replace) === undefined) {
        const unusable = replace;
        quarantined = await this.#writing(() => quarantineEngine(enginePath, unusable));
        replace = undefined;
      }
      const { plan, plugins, warnings } = await buildPlan(onnxBytes, {
        backend,
        device: options.runtime.device.index, // the GPU it is for: the same kind as the runtime's, on a mixed host
        precision,
        stronglyTyped,
        calibrationCache,
        timingCachePath: options.timingCachePath,
        onWarning: options.onWarning,
        profiles: options.profiles,
        workspaceBytes: options.workspaceBytes,
        optimizationLevel: options.optimizationLevel,
        shapeOutputs,
        ioFormats,
        onProgress: options.onProgress,
        signal: options.signal,
      });
      throwIfAborted(options.signal, 'the engine build');
      // A holder that stalled past lockStaleMs may have lost its lock; take it again and re-check before writing.
      if (!(await lock.isHeld())) {
        await lock.release();
        lock = await acquire();
        const latest = await this.#check(enginePath, expect);
        if (latest.kind === 'ok') return { path: enginePath, sidecar: latest.sidecar, built: false, quarantined };
        replace = latest.kind === 'bad' ? latest.error : undefined;
      }
      const replaced = replace;
      if (replaced) quarantined = await this.#writing(() => quarantineEngine(enginePath, replaced));
      const sidecar = createSidecar({
        task: parts.task,
        model: parts.model,
        revision: parts.revision,
        onnxSha256,
        target,
        precision,
        stronglyTyped,
        profiles,
        workspaceBytes: options.workspaceBytes,
        optimizationLevel: options.optimizationLevel,
        shapeOutputs,
        ioFormats,
        planSha256: sha256(plan),
        planBytes: plan.byteLength,
        builder: builderId(),
        plugins,
        buildWarnings: warnings,
        ...(precision === 'int8' && calibrationCacheSha256 ? { calibrationCacheSha256 } : {}),
      });
      await this.#writing(() => commitEngine(enginePath, plan, sidecar, options.signal));
      // Read back through the same checks every reader applies: what is returned is what others will trust.
      return { path: enginePath, sidecar: await verifyEngine(enginePath, expect), built: true, quarantined };
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      // After a failure, that error is the one to report, not a failure to remove the lock after it.
      await (failed ? lock.release().catch(() => undefined) : lock.release());
    }
  }

  /** Checks an engine without deserializing it (see verifyEngine); returns its sidecar, or throws ENGINE_CORRUPT /
   * ENGINE_INCOMPATIBLE saying what failed, or LIBRARY_NOT_FOUND naming a plugin it uses that no loaded library
   * provides. */
  async verify(enginePath: string, options: VerifyOptions): Promise<Sidecar> {
    requireOptionsObject(options, 'verify');
    return verifyEngine(this.#resolve(enginePath, 'verify'), options);
  }

  /** Moves an engine and its sidecar to `<dir>/quarantine/` with a reason file. It does not take the build lock:
   * call it for an engine no build is writing (getOrBuild quarantines under the lock itself). */
  async quarantine(enginePath: string, reason: string | Error): Promise<QuarantineResult> {
    return quarantineEngine(await this.#engineInStore(this.#resolve(enginePath, 'quarantine'), 'quarantine'), reason);
  }

  // quarantine/ is made next to the file and the sidecar is named after it: anything else than an engine directly
  // in this folder would create a quarantine folder elsewhere, or move a file there under a wrong name.
  async #engineInStore(resolved: string, what: string): Promise<string> {
    // The folder by its real path too: a store opened through a symlinked folder and an engine's real path agree.
    const real = (p: string) => realpath(p).catch(() => p);
    const inFolder = path.dirname(resolved) === this.dir || (await real(path.dirname(resolved))) === (await real(this.dir));
    if (!inFolder || !resolved.endsWith(ENGINE_EXT) || path.basename(resolved).startsWith('.')) {
      throw makeError('INVALID_ARGUMENT', `${what} takes an engine file (*${ENGINE_EXT}) in the store's folder ${this.dir}, got ${resolved}`);
    }
    return resolved;
  }

  /** An engine's path given to a method, against the store's folder. */
  #resolve(enginePath: unknown, what: string): string {
    if (typeof enginePath !== 'string' || enginePath === '') {
      throw makeError('INVALID_ARGUMENT', `${what} needs the path of an engine file, got ${showValue(enginePath)}`);
    }
    return path.resolve(this.dir, enginePath);
  }

  /** Every engine in the folder with its sidecar and whether the runtime can use it. */
  async list(options: { runtime: StoreRuntime }): Promise<EngineListEntry[]> {
    requireOptionsObject(options, 'list');
    targetOf(options.runtime); // refuses a missing runtime even when the folder is empty
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if (isMissing(error)) return [];
      throw this.#folderError('read', error);
    }
    const entries: EngineListEntry[] = [];
    for (const name of names.filter((n) => n.endsWith(ENGINE_EXT) && !n.startsWith('.')).sort()) {
      const enginePath = path.join(this.dir, name);
      let sidecar: Sidecar | null = null;
      try {
        sidecar = await readSidecar(sidecarPathOf(enginePath));
      } catch (error) {
        if (!isUnusable(error)) throw error;
        // verify below reports the same problem as the entry's reason.
      }
      try {
        await verifyEngine(enginePath, { runtime: options.runtime });
        entries.push({ name, path: enginePath, sidecar, status: 'ok' });
      } catch (error) {
        // Quarantined or replaced by another process since readdir: not an entry of this listing.
        if (changedUnderneath(error) || !(await exists(enginePath))) continue;
        if (isMissingPluginError(error)) {
          entries.push({ name, path: enginePath, sidecar, status: 'missing-plugin', reason: error.message, error });
          continue;
        }
        if (!isUnusable(error)) throw error;
        const status: EngineStatus = error.code === 'ENGINE_CORRUPT' ? 'corrupt' : 'incompatible';
        entries.push({ name, path: enginePath, sidecar, status, reason: error.message, error });
      }
    }
    return entries;
  }

  /** Removes temp files of crashed builds, stale locks, and quarantined entries older than `keep` ms. */
  async prune(options: PruneOptions = {}): Promise<PruneResult> {
    requireOptionsObject(options, 'prune');
    return pruneStore(this.dir, options);
  }

  async #makeDir(): Promise<void> {
    try {
      await mkdir(this.dir, { recursive: true });
    } catch (error) {
      throw this.#folderError('created', error);
    }
  }

  // Writes into the folder (the lock, the engine, quarantine/): a system error there (no permission, a read-only
  // file system, no space left) is the folder's, named with why, not an INTERNAL one.
  async #writing<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      throw isSystemError(error) ? this.#folderError('written', error) : error;
    }
  }

  // The folder the caller chose is unusable (a file, under a file, not permitted): theirs to fix, so named with why.
  #folderError(what: 'created' | 'read' | 'written', error: unknown): TensorRTNodeError {
    return makeError('INVALID_ARGUMENT', `the engine store folder ${JSON.stringify(this.dir)} cannot be ${what}: ${(error as Error).message}`, { cause: error });
  }

  async #check(enginePath: string, expect: VerifyOptions): Promise<Check> {
    if (!(await exists(enginePath)) && !(await exists(sidecarPathOf(enginePath)))) return { kind: 'missing' };
    try {
      return { kind: 'ok', sidecar: await verifyEngine(enginePath, expect) };
    } catch (error) {
      // Gone while it was read: as good as missing; under the lock, getOrBuild then looks again or builds.
      if (changedUnderneath(error)) return { kind: 'missing' };
      if (isUnusable(error)) return { kind: 'bad', error };
      throw error;
    }
  }
}

async function readOnnx(onnx: Uint8Array | string): Promise<Uint8Array> {
  if (typeof onnx === 'string') {
    return readUserFile(onnx, 'ONNX model');
  }
  if (onnx instanceof Uint8Array) return onnx;
  throw makeError('INVALID_ARGUMENT', 'getOrBuild expects the ONNX model as a Uint8Array or the path of an .onnx file');
}
