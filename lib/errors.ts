// Typed errors: one base class with a stable string `code` and `retryable`, a subclass per code for `instanceof`,
// and the TensorRT and CUDA details riding along.
import { showValue } from './dtypes.js';
import { classifyCudaError, cudaErrorFromMessage, cudaErrorName } from './cuda-errors.js';
import type { Backend } from './runtime.js';

export type ErrorCode =
  | 'LIBRARY_NOT_FOUND'
  | 'LIBRARY_VERSION'
  | 'ADDON_NOT_BUILT'
  | 'CUDA_UNAVAILABLE'
  | 'ENGINE_INCOMPATIBLE'
  | 'ENGINE_CORRUPT'
  | 'INVALID_INPUT'
  | 'INVALID_ARGUMENT'
  | 'CUDA_TRANSIENT'
  | 'CUDA_STICKY'
  | 'OUT_OF_MEMORY'
  | 'BUILD_FAILED'
  | 'DISPOSED'
  | 'ABORTED'
  | 'DEADLINE_EXCEEDED'
  | 'FALLBACK_FORBIDDEN'
  | 'INTERNAL';

export interface ErrorDetails {
  /** TensorRT's ErrorCode of the first error it recorded (1 = unspecified, 3 = invalid argument, ...). */
  trtErrorCode?: number;
  /** Every message TensorRT recorded during the failed call, in order. */
  trtMessages?: readonly string[];
  /** The warnings and errors TensorRT logged during the failed call ("[W] ...", "[E] ..."), whatever the runtime's
   * log level: some causes are only logged (TensorRT tells the size of a failed allocation only to its logger). */
  trtLog?: readonly string[];
  cudaError?: number;
  cudaErrorName?: string;
  /** The tensor concerned (INVALID_INPUT), with what was expected and what was given. */
  tensor?: string;
  expected?: string;
  actual?: string;
  /** Paths tried (LIBRARY_NOT_FOUND), parser errors per node (BUILD_FAILED). */
  details?: readonly string[];
  /** The TensorRT plugin an engine needs and no registered library provides (LIBRARY_NOT_FOUND). */
  plugin?: PluginRef;
  cause?: unknown;
}

export interface PluginRef {
  readonly name: string;
  readonly version: string;
  readonly namespace: string;
  /** The library that provided it where the engine was built, when known (EngineStore sidecars record it). */
  readonly library?: string;
}

const RETRYABLE: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['CUDA_TRANSIENT']);

export class TensorRTNodeError extends Error {
  readonly code: ErrorCode;
  /** True only for errors a retry on a fresh context can fix (transient CUDA launch failures). */
  readonly retryable: boolean;
  readonly trtErrorCode?: number;
  readonly trtMessages: readonly string[];
  readonly trtLog: readonly string[];
  readonly cudaError?: number;
  readonly cudaErrorName?: string;
  readonly tensor?: string;
  readonly expected?: string;
  readonly actual?: string;
  readonly details: readonly string[];
  readonly plugin?: PluginRef;

  constructor(code: ErrorCode, message: string, extra: ErrorDetails = {}) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = RETRYABLE.has(code);
    this.trtErrorCode = extra.trtErrorCode;
    this.trtMessages = extra.trtMessages ?? [];
    this.trtLog = extra.trtLog ?? [];
    this.cudaError = extra.cudaError;
    this.cudaErrorName = extra.cudaErrorName ?? (extra.cudaError === undefined ? undefined : cudaErrorName(extra.cudaError));
    this.tensor = extra.tensor;
    this.expected = extra.expected;
    this.actual = extra.actual;
    this.details = extra.details ?? [];
    this.plugin = extra.plugin;
  }
}

export class LibraryNotFoundError extends TensorRTNodeError {}
export class LibraryVersionError extends TensorRTNodeError {}
export class AddonNotBuiltError extends TensorRTNodeError {}
export class CudaUnavailableError extends TensorRTNodeError {}
export class EngineIncompatibleError extends TensorRTNodeError {}
export class EngineCorruptError extends TensorRTNodeError {}
export class InvalidInputError extends TensorRTNodeError {}
export class InvalidArgumentError extends TensorRTNodeError {}
export class CudaTransientError extends TensorRTNodeError {}
export class CudaStickyError extends TensorRTNodeError {}
export class OutOfMemoryError extends TensorRTNodeError {}
export class BuildFailedError extends TensorRTNodeError {}
export class DisposedError extends TensorRTNodeError {}
export class AbortedError extends TensorRTNodeError {}
export class DeadlineExceededError extends TensorRTNodeError {}
export class FallbackForbiddenError extends TensorRTNodeError {}
export class InternalError extends TensorRTNodeError {}

const CLASSES: Record<ErrorCode, new (code: ErrorCode, message: string, extra?: ErrorDetails) => TensorRTNodeError> = {
  LIBRARY_NOT_FOUND: LibraryNotFoundError,
  LIBRARY_VERSION: LibraryVersionError,
  ADDON_NOT_BUILT: AddonNotBuiltError,
  CUDA_UNAVAILABLE: CudaUnavailableError,
  ENGINE_INCOMPATIBLE: EngineIncompatibleError,
  ENGINE_CORRUPT: EngineCorruptError,
  INVALID_INPUT: InvalidInputError,
  INVALID_ARGUMENT: InvalidArgumentError,
  CUDA_TRANSIENT: CudaTransientError,
  CUDA_STICKY: CudaStickyError,
  OUT_OF_MEMORY: OutOfMemoryError,
  BUILD_FAILED: BuildFailedError,
  DISPOSED: DisposedError,
  ABORTED: AbortedError,
  DEADLINE_EXCEEDED: DeadlineExceededError,
  FALLBACK_FORBIDDEN: FallbackForbiddenError,
  INTERNAL: InternalError,
};

/** Creates the typed error for a code. */
export function makeError(code: ErrorCode, message: string, extra: ErrorDetails = {}): TensorRTNodeError {
  return new CLASSES[code](code, message, extra);
}

/** Throws INVALID_ARGUMENT unless `options` is an object (or undefined, which the callers default to `{}`): a
 * JavaScript caller's `null` or `1` would otherwise surface as a TypeError from reading one of its fields. */
export function requireOptionsObject(options: unknown, what: string): void {
  if (options === null || typeof options !== 'object') {
    throw makeError('INVALID_ARGUMENT', `${what} options must be an object, got ${options === null ? 'null' : typeof options}`);
  }
}

/** `value` if it is an integer from `min` to `max`; INVALID_ARGUMENT naming `what` otherwise. */
export function requireInteger(value: unknown, what: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max) {
    throw makeError('INVALID_ARGUMENT', `${what} must be an integer from ${min}${max === Number.MAX_SAFE_INTEGER ? '' : ` to ${max}`}, got ${showValue(value)}`);
  }
  return value as number;
}

/** `device` (a CUDA device index: an integer >= 0), or 0 when it is undefined; INVALID_ARGUMENT otherwise. Whether
 * the machine has that device is the addon's to say. */
export function deviceIndexOf(device: unknown): number {
  if (device === undefined) return 0;
  if (!Number.isSafeInteger(device) || (device as number) < 0) {
    throw makeError('INVALID_ARGUMENT', `device must be a CUDA device index (an integer >= 0), got ${showValue(device)}`);
  }
  return device as number;
}

/** `backend`, or 'tensorrt' when it is undefined; INVALID_ARGUMENT for anything else. */
export function backendOf(backend: unknown): Backend {
  if (backend === undefined) return 'tensorrt';
  if (backend !== 'tensorrt' && backend !== 'simulator') {
    throw makeError('INVALID_ARGUMENT', `backend must be 'tensorrt' or 'simulator', got ${showValue(backend)}`);
  }
  return backend;
}

/** An INVALID_INPUT error that names the tensor and what was expected versus given. */
export function invalidInput(tensor: string, what: string, expected: string, actual: string): InvalidInputError {
  return makeError('INVALID_INPUT', `input '${tensor}': ${what}: expected ${expected}, got ${actual}`, {
    tensor,
    expected,
    actual,
  }) as InvalidInputError;
}

interface NativeLike {
  code?: unknown;
  message?: unknown;
  trtErrorCode?: unknown;
  cudaError?: unknown;
  trtMessages?: unknown;
  trtLog?: unknown;
  details?: unknown;
  tensor?: unknown;
  plugin?: unknown;
}

function pluginRefOf(value: unknown): PluginRef | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { name, version, namespace } = value as Record<string, unknown>;
  if (typeof name !== 'string' || typeof version !== 'string' || typeof namespace !== 'string') return undefined;
  return Object.freeze({ name, version, namespace });
}

/** Turns an error thrown by the addon into the typed error; CUDA errors are classified by the one table. */
export function fromNative(error: unknown): TensorRTNodeError {
  if (error instanceof TensorRTNodeError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as NativeLike;
  const message = typeof e.message === 'string' ? e.message : String(error);
  const trtMessages = Array.isArray(e.trtMessages) ? (e.trtMessages as string[]) : [];
  const extra: ErrorDetails = {
    trtErrorCode: typeof e.trtErrorCode === 'number' ? e.trtErrorCode : undefined,
    trtMessages,
    trtLog: Array.isArray(e.trtLog) ? (e.trtLog as string[]) : [],
    cudaError: typeof e.cudaError === 'number' ? e.cudaError : undefined,
    details: Array.isArray(e.details) ? (e.details as string[]) : [],
    tensor: typeof e.tensor === 'string' ? e.tensor : undefined,
    plugin: pluginRefOf(e.plugin),
    cause: error,
  };
  const code = typeof e.code === 'string' ? e.code : 'INTERNAL';
  if (code === 'CUDA_ERROR') return classifyCuda(message, extra);
  if (code in CLASSES) return makeError(code as ErrorCode, message, extra);
  return makeError('INTERNAL', message, extra);
}

// The runtime's own answer decides (cudaGetLastError / cudaStreamQuery after the failure); the CUDA error named in
// TensorRT's message is kept for the report but does not by itself make the error sticky.
function classifyCuda(message: string, extra: ErrorDetails): TensorRTNodeError {
  const runtimeCode = extra.cudaError;
  const named = extra.trtMessages?.map(cudaErrorFromMessage).find((c) => c !== undefined) ?? cudaErrorFromMessage(message);
  const kind = runtimeCode === undefined ? 'transient' : classifyCudaError(runtimeCode);
  const reported = runtimeCode ?? named;
  const details = { ...extra, cudaError: reported };
  switch (kind) {
    case 'sticky':
      return makeError(
        'CUDA_STICKY',
        `${message} [${cudaErrorName(runtimeCode!)}: the CUDA context is poisoned; every later CUDA call in this process fails. Restart the process.]`,
        details,
      );
    case 'environment':
      return makeError('CUDA_UNAVAILABLE', `${message} [${cudaErrorName(runtimeCode!)}]`, details);
    case 'out-of-memory':
      return makeError('OUT_OF_MEMORY', message, details);
    default:
      return makeError('CUDA_TRANSIENT', message, details);
  }
}
