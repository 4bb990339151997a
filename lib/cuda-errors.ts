// The one table that classifies CUDA runtime errors (codes and texts from CUDA 13's driver_types.h and
// cudaGetErrorString). Sticky errors poison the CUDA context for the life of the process (NVIDIA's documentation
// marks them so); environment errors mean the machine cannot run CUDA work at all; everything else reported by a
// launch is transient and worth a retry on a fresh stream.

export type CudaErrorClass = 'sticky' | 'environment' | 'out-of-memory' | 'transient';

interface CudaErrorEntry {
  code: number;
  name: string;
  text: string;
  kind: CudaErrorClass;
}

const TABLE: readonly CudaErrorEntry[] = [
  { code: 1, name: 'cudaErrorInvalidValue', text: 'invalid argument', kind: 'transient' },
  { code: 2, name: 'cudaErrorMemoryAllocation', text: 'out of memory', kind: 'out-of-memory' },
  { code: 3, name: 'cudaErrorInitializationError', text: 'initialization error', kind: 'environment' },
  { code: 4, name: 'cudaErrorCudartUnloading', text: 'driver shutting down', kind: 'environment' },
  { code: 35, name: 'cudaErrorInsufficientDriver', text: 'CUDA driver version is insufficient for CUDA runtime version', kind: 'environment' },
  { code: 46, name: 'cudaErrorDevicesUnavailable', text: 'CUDA-capable device(s) is/are busy or unavailable', kind: 'environment' },
  { code: 100, name: 'cudaErrorNoDevice', text: 'no CUDA-capable device is detected', kind: 'environment' },
  { code: 101, name: 'cudaErrorInvalidDevice', text: 'invalid device ordinal', kind: 'environment' },
  { code: 209, name: 'cudaErrorNoKernelImageForDevice', text: 'no kernel image is available for execution on the device', kind: 'environment' },
  { code: 222, name: 'cudaErrorUnsupportedPtxVersion', text: 'the provided PTX was compiled with an unsupported toolchain.', kind: 'environment' },
  { code: 226, name: 'cudaErrorContained', text: 'Invalid access of peer GPU memory over nvlink or a hardware error', kind: 'sticky' },
  { code: 400, name: 'cudaErrorInvalidResourceHandle', text: 'invalid resource handle', kind: 'transient' },
  { code: 401, name: 'cudaErrorIllegalState', text: 'the operation cannot be performed in the present state', kind: 'transient' },
  { code: 700, name: 'cudaErrorIllegalAddress', text: 'an illegal memory access was encountered', kind: 'sticky' },
  { code: 701, name: 'cudaErrorLaunchOutOfResources', text: 'too many resources requested for launch', kind: 'transient' },
  { code: 702, name: 'cudaErrorLaunchTimeout', text: 'the launch timed out and was terminated', kind: 'sticky' },
  { code: 710, name: 'cudaErrorAssert', text: 'device-side assert triggered', kind: 'sticky' },
  { code: 714, name: 'cudaErrorHardwareStackError', text: 'hardware stack error', kind: 'sticky' },
  { code: 715, name: 'cudaErrorIllegalInstruction', text: 'an illegal instruction was encountered', kind: 'sticky' },
  { code: 716, name: 'cudaErrorMisalignedAddress', text: 'misaligned address', kind: 'sticky' },
  { code: 717, name: 'cudaErrorInvalidAddressSpace', text: 'operation not supported on global/shared address space', kind: 'sticky' },
  { code: 718, name: 'cudaErrorInvalidPc', text: 'invalid program counter', kind: 'sticky' },
  { code: 719, name: 'cudaErrorLaunchFailure', text: 'unspecified launch failure', kind: 'sticky' },
  { code: 721, name: 'cudaErrorTensorMemoryLeak', text: 'tensor memory not completely freed', kind: 'sticky' },
  { code: 800, name: 'cudaErrorNotPermitted', text: 'operation not permitted', kind: 'transient' },
  { code: 803, name: 'cudaErrorSystemDriverMismatch', text: 'system has unsupported display driver / cuda driver combination', kind: 'environment' },
  { code: 804, name: 'cudaErrorCompatNotSupportedOnDevice', text: 'forward compatibility was attempted on non supported HW', kind: 'environment' },
  { code: 810, name: 'cudaErrorMpsClientTerminated', text: 'the MPS client has been terminated by the server', kind: 'sticky' },
  { code: 900, name: 'cudaErrorStreamCaptureUnsupported', text: 'operation not permitted when stream is capturing', kind: 'transient' },
  { code: 901, name: 'cudaErrorStreamCaptureInvalidated', text: 'operation failed due to a previous error during capture', kind: 'transient' },
  { code: 908, name: 'cudaErrorStreamCaptureWrongThread', text: 'attempt to terminate a thread-local capture sequence from another thread', kind: 'transient' },
  { code: 911, name: 'cudaErrorExternalDevice', text: 'an async error has occured in external entity outside of CUDA', kind: 'sticky' },
];

const BY_CODE = new Map(TABLE.map((e) => [e.code, e]));
const BY_TEXT = new Map(TABLE.map((e) => [e.text, e]));

/** How the package treats a CUDA error code reported by the runtime itself. Unknown codes count as transient. */
export function classifyCudaError(code: number): CudaErrorClass {
  return BY_CODE.get(code)?.kind ?? 'transient';
}

/** `cudaErrorIllegalAddress` for 700; `cudaError<code>` for codes outside the table. */
export function cudaErrorName(code: number): string {
  return BY_CODE.get(code)?.name ?? `cudaError${code}`;
}

/** The CUDA error a TensorRT message names, e.g. "... Cuda Runtime (invalid resource handle)" -> 400. */
export function cudaErrorFromMessage(message: string): number | undefined {
  const match = /Cuda Runtime \(([^)]*)\)/.exec(message);
  return match ? BY_TEXT.get(match[1]!)?.code : undefined;
}

/** The codes NVIDIA documents as sticky (for tests and diagnostics). */
export const STICKY_CUDA_ERRORS: readonly number[] = TABLE.filter((e) => e.kind === 'sticky').map((e) => e.code);
