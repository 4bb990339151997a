// tensorrt-node: run NVIDIA TensorRT engines from Node.js.
import { getNative } from './native.js';
import type { NativeBuildInfo } from '../binding.js';

export { Tensor } from './tensor.js';
export type { ElementFor, TensorInput } from './tensor.js';
export { DTYPES, isDType } from './dtypes.js';
export type { DType, TypedArrayFor, AnyTypedArray } from './dtypes.js';
export { floatToHalfBits, halfBitsToFloat, floatToBfloat16Bits, bfloat16BitsToFloat, toFloat16Array, fromFloat16Array, toBfloat16Array, fromBfloat16Array } from './float16.js';
export { Runtime } from './runtime.js';
export type { Backend, LogSeverity, RuntimeInfo, RuntimeOptions } from './runtime.js';
export { Engine } from './engine.js';
export type { EngineSpec, TensorSpec, ProfileSpec, ShapeRange, InputRange, ShapeValuesRange, BuildProfile } from './engine-spec.js';
export { ExecutionContext, defaultMaxRunsInFlight } from './context.js';
export { completionStats, setCompletionPolling } from './completion.js';
export type { ContextOptions, EnqueueTime, HostRunResult, RunOptions, RunResult } from './context.js';
export { DeviceBuffer, DeviceTensor } from './device-tensor.js';
export type { TensorLike, DeviceTensorLike, Feed } from './validate.js';
export { buildEngine, IO_FORMATS, PRECISIONS } from './build.js';
export { describeOnnx } from './onnx-network.js';
export { loadPluginLibrary, plugins } from './plugins.js';
export type { PluginCreatorSpec, PluginStatus } from './plugins.js';
export type { NetworkTensorSpec, OnnxNetworkSpec } from './onnx-network.js';
export type { BuildOptions, BuildProgress, IoFormat, Precision, WarningSource } from './build.js';
// The error classes and their fields; the helpers that make them stay internal.
export {
  TensorRTNodeError, LibraryNotFoundError, LibraryVersionError, AddonNotBuiltError, CudaUnavailableError, EngineIncompatibleError,
  EngineCorruptError, InvalidInputError, InvalidArgumentError, CudaTransientError, CudaStickyError, OutOfMemoryError,
  BuildFailedError, DisposedError, AbortedError, DeadlineExceededError, FallbackForbiddenError, InternalError,
} from './errors.js';
export type { ErrorCode, ErrorDetails, PluginRef } from './errors.js';
export { EngineStore, engineName, parseEngineName, SIDECAR_FORMAT, readSidecar, sidecarPathOf, verifyEngine, readPlanHeader, parsePlanHeader, PLAN_MAGIC } from './store/index.js';
export type * from './store/index.js';
export { classifyCudaError, cudaErrorName, STICKY_CUDA_ERRORS } from './cuda-errors.js';
export type { CudaErrorClass } from './cuda-errors.js';

export type BuildInfo = NativeBuildInfo;

/** Which backends this build of the addon holds and against which TensorRT header version each was compiled. */
export function buildInfo(): BuildInfo {
  return getNative().buildInfo();
}
