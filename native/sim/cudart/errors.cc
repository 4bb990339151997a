// Error state of the simulated CUDA runtime: per-thread last error, the process-wide sticky error, and the
// name/description table (texts as the CUDA 13 runtime prints them).
#include <atomic>

#include "sim_cuda.h"
#include "state.h"

namespace trtsim::cuda {
namespace {

struct ErrorText {
  int code;
  char const* name;
  char const* text;
};

constexpr ErrorText kErrors[] = {
    {0, "cudaSuccess", "no error"},
    {1, "cudaErrorInvalidValue", "invalid argument"},
    {2, "cudaErrorMemoryAllocation", "out of memory"},
    {3, "cudaErrorInitializationError", "initialization error"},
    {4, "cudaErrorCudartUnloading", "driver shutting down"},
    {17, "cudaErrorInvalidDevicePointer", "invalid device pointer"},
    {21, "cudaErrorInvalidMemcpyDirection", "invalid copy direction for memcpy"},
    {35, "cudaErrorInsufficientDriver", "CUDA driver version is insufficient for CUDA runtime version"},
    {46, "cudaErrorDevicesUnavailable", "CUDA-capable device(s) is/are busy or unavailable"},
    {100, "cudaErrorNoDevice", "no CUDA-capable device is detected"},
    {101, "cudaErrorInvalidDevice", "invalid device ordinal"},
    {209, "cudaErrorNoKernelImageForDevice", "no kernel image is available for execution on the device"},
    {226, "cudaErrorContained", "Invalid access of peer GPU memory over nvlink or a hardware error"},
    {400, "cudaErrorInvalidResourceHandle", "invalid resource handle"},
    {401, "cudaErrorIllegalState", "the operation cannot be performed in the present state"},
    {600, "cudaErrorNotReady", "device not ready"},
    {700, "cudaErrorIllegalAddress", "an illegal memory access was encountered"},
    {701, "cudaErrorLaunchOutOfResources", "too many resources requested for launch"},
    {702, "cudaErrorLaunchTimeout", "the launch timed out and was terminated"},
    {710, "cudaErrorAssert", "device-side assert triggered"},
    {714, "cudaErrorHardwareStackError", "hardware stack error"},
    {715, "cudaErrorIllegalInstruction", "an illegal instruction was encountered"},
    {716, "cudaErrorMisalignedAddress", "misaligned address"},
    {717, "cudaErrorInvalidAddressSpace", "operation not supported on global/shared address space"},
    {718, "cudaErrorInvalidPc", "invalid program counter"},
    {719, "cudaErrorLaunchFailure", "unspecified launch failure"},
    {721, "cudaErrorTensorMemoryLeak", "tensor memory not completely freed"},
    {800, "cudaErrorNotPermitted", "operation not permitted"},
    {801, "cudaErrorNotSupported", "operation not supported"},
    {810, "cudaErrorMpsClientTerminated", "the MPS client has been terminated by the server"},
    {900, "cudaErrorStreamCaptureUnsupported", "operation not permitted when stream is capturing"},
    {901, "cudaErrorStreamCaptureInvalidated", "operation failed due to a previous error during capture"},
    {908, "cudaErrorStreamCaptureWrongThread", "attempt to terminate a thread-local capture sequence from another thread"},
    {911, "cudaErrorExternalDevice", "an async error has occured in external entity outside of CUDA"},
    {999, "cudaErrorUnknown", "unknown error"},
};

ErrorText const* find(int code) {
  for (auto const& e : kErrors) {
    if (e.code == code) return &e;
  }
  return nullptr;
}

std::atomic<int> gSticky{0};
thread_local int tLastError = 0;
thread_local int tHostCallbackDepth = 0;

}  // namespace

int stickyError() { return gSticky.load(std::memory_order_acquire); }

void setStickyError(int error) {
  int expected = 0;
  gSticky.compare_exchange_strong(expected, error, std::memory_order_acq_rel);
}

int recordError(int error) {
  if (error != 0) tLastError = error;
  return error;
}

HostCallbackScope::HostCallbackScope() { ++tHostCallbackDepth; }
HostCallbackScope::~HostCallbackScope() { --tHostCallbackDepth; }

int refuseInHostCallback() {
  return tHostCallbackDepth > 0 ? recordError(trtn::cuda::kErrorNotPermitted) : 0;
}

void clearStickyForTests() { gSticky.store(0, std::memory_order_release); }

}  // namespace trtsim::cuda

using namespace trtsim::cuda;

extern "C" {

TRTSIM_EXPORT char const* cudaGetErrorName(int error) {
  auto const* e = find(error);
  return e ? e->name : "cudaErrorUnknown";
}

TRTSIM_EXPORT char const* cudaGetErrorString(int error) {
  auto const* e = find(error);
  return e ? e->text : "unknown error";
}

// Like CUDA: returns and clears the thread's last error, except that a sticky error is never cleared.
TRTSIM_EXPORT int cudaGetLastError() {
  int sticky = stickyError();
  if (sticky != 0) return sticky;
  int last = tLastError;
  tLastError = 0;
  return last;
}

TRTSIM_EXPORT int cudaPeekAtLastError() {
  int sticky = stickyError();
  return sticky != 0 ? sticky : tLastError;
}

}  // extern "C"
