// Internal interface of the simulator's libcudart, shared with the libnvinfer stand-in (which launches its "kernels"
// through it). Not part of any real CUDA API.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "../../common/cuda_abi.h"

#define TRTSIM_EXPORT __attribute__((visibility("default")))

namespace trtsim::cuda {

using trtn::cuda::Event;
using trtn::cuda::Graph;
using trtn::cuda::GraphExec;
using trtn::cuda::Stream;

// The process-wide sticky error (0 when the simulated CUDA context is healthy).
TRTSIM_EXPORT int stickyError();
// Poisons the process with `error`, as a failed kernel does on real hardware.
TRTSIM_EXPORT void setStickyError(int error);
// Sets the calling thread's last error (what cudaGetLastError returns) and returns `error`.
TRTSIM_EXPORT int recordError(int error);

// Host address backing the device range [ptr, ptr + bytes), or nullptr unless the whole range lies in one live
// device allocation.
// Inside a kernel, only the kernel's own device's memory resolves (no peer access).
TRTSIM_EXPORT void* resolveDevice(void const* ptr, size_t bytes);
TRTSIM_EXPORT bool isDevicePointer(void const* ptr);
// The device a device pointer belongs to, or -1.
TRTSIM_EXPORT int deviceOfPointer(void const* ptr);

// While alive, this thread runs a kernel of `device` (stream.cc, around each kernel body).
class TRTSIM_EXPORT KernelDeviceScope {
 public:
  explicit KernelDeviceScope(int device);
  ~KernelDeviceScope();
  KernelDeviceScope(KernelDeviceScope const&) = delete;
  KernelDeviceScope& operator=(KernelDeviceScope const&) = delete;

 private:
  int mPrevious;
};

// Queues `work` on the stream as a kernel: it runs on the stream's worker after everything queued before it, and
// its return value (a cudaError) poisons the process when non-zero. `flops` feeds the cost model. `keepAlive` is
// held until the kernel ran: a kernel body that captures only raw pointers into it (16 bytes at most) is stored
// without an allocation, which the stream worker would otherwise free on its thread (a cross-thread free per kernel).
TRTSIM_EXPORT int launchKernel(Stream stream, std::function<int()> work, double flops,
                               std::shared_ptr<void const> keepAlive = {});
TRTSIM_EXPORT bool isValidStream(Stream stream);

// CUDA's lazy module loading (CUDA_MODULE_LOADING=LAZY, the default since CUDA 12.2): the first launch of a kernel
// loads its code on the launching thread. This spends that load time (trtsim_set_module_load_cost) on the calling
// thread and counts it; the caller calls it once per kernel (libnvinfer: per engine, profile and layer).
TRTSIM_EXPORT void loadKernelModule();
// False when CUDA_MODULE_LOADING=EAGER was set when the simulator was loaded: kernels then load with their engine.
TRTSIM_EXPORT bool lazyModuleLoading();
// The device a stream belongs to (the NULL stream: the current device's), or -1 for no such stream.
TRTSIM_EXPORT int deviceOfStream(Stream stream);

// Consumes one armed fault of `kind` (trtsim_fault_kind); false when none is armed.
TRTSIM_EXPORT bool takeFault(int kind, int* cudaError, double* param);

// Device description used by plans (compute capability) and the runtime.
TRTSIM_EXPORT void deviceComputeCapability(int* major, int* minor);

}  // namespace trtsim::cuda
