// The CUDA runtime functions tensorrt-node uses, as one list: the addon resolves them from libcudart with dlsym into
// a table, and the simulator's libcudart exports the same names with the same C ABI. Declaring them here (instead of
// including cuda_runtime_api.h) keeps the addon buildable without the CUDA toolkit and free of link-time CUDA
// symbols. cudaError_t is an int-sized enum in CUDA, so `int` is ABI-compatible for returns and parameters.
#pragma once

#include <cstddef>

struct CUstream_st;
struct CUevent_st;
struct CUgraph_st;
struct CUgraphExec_st;

namespace trtn::cuda {

using Stream = CUstream_st*;  // == cudaStream_t
using Event = CUevent_st*;    // == cudaEvent_t
using Graph = CUgraph_st*;    // == cudaGraph_t
using GraphExec = CUgraphExec_st*;  // == cudaGraphExec_t
using StreamCallback = void (*)(Stream stream, int status, void* userData);
using HostFn = void (*)(void* userData);

// cudaError_t values used by name in the code (CUDA 13 driver_types.h).
enum Error : int {
  kSuccess = 0,
  kErrorInvalidValue = 1,
  kErrorMemoryAllocation = 2,
  kErrorInitializationError = 3,
  kErrorInsufficientDriver = 35,
  kErrorNoDevice = 100,
  kErrorInvalidDevice = 101,
  kErrorInvalidResourceHandle = 400,
  kErrorIllegalState = 401,
  kErrorNotReady = 600,
  kErrorIllegalAddress = 700,
  kErrorLaunchOutOfResources = 701,
  kErrorLaunchFailure = 719,
  kErrorNotPermitted = 800,
  kErrorNotSupported = 801,
  kErrorStreamCaptureUnsupported = 900,
  kErrorStreamCaptureInvalidated = 901,
  kErrorStreamCaptureWrongThread = 908,
  kErrorUnknown = 999,
};

enum MemcpyKind : int {
  kHostToHost = 0,
  kHostToDevice = 1,
  kDeviceToHost = 2,
  kDeviceToDevice = 3,
  kDefault = 4,
};

constexpr unsigned kStreamNonBlocking = 0x01;
constexpr unsigned kEventDisableTiming = 0x02;
constexpr int kDevAttrMultiProcessorCount = 16;
constexpr int kDevAttrComputeCapabilityMajor = 75;
constexpr int kDevAttrComputeCapabilityMinor = 76;

}  // namespace trtn::cuda

// X(name, return type, parameter list)
#define TRTN_CUDA_FUNCTIONS(X)                                                                          \
  X(cudaGetErrorName, char const*, (int error))                                                         \
  X(cudaGetErrorString, char const*, (int error))                                                       \
  X(cudaGetLastError, int, ())                                                                          \
  X(cudaPeekAtLastError, int, ())                                                                       \
  X(cudaRuntimeGetVersion, int, (int* version))                                                         \
  X(cudaDriverGetVersion, int, (int* version))                                                          \
  X(cudaGetDeviceCount, int, (int* count))                                                              \
  X(cudaGetDevice, int, (int* device))                                                                  \
  X(cudaSetDevice, int, (int device))                                                                   \
  X(cudaDeviceGetAttribute, int, (int* value, int attr, int device))                                    \
  X(cudaMemGetInfo, int, (size_t * freeBytes, size_t* totalBytes))                                      \
  X(cudaDeviceSynchronize, int, ())                                                                     \
  X(cudaMalloc, int, (void** devPtr, size_t size))                                                      \
  X(cudaFree, int, (void* devPtr))                                                                      \
  X(cudaMallocAsync, int, (void** devPtr, size_t size, trtn::cuda::Stream stream))                      \
  X(cudaFreeAsync, int, (void* devPtr, trtn::cuda::Stream stream))                                      \
  X(cudaMallocHost, int, (void** ptr, size_t size))                                                     \
  X(cudaFreeHost, int, (void* ptr))                                                                     \
  X(cudaMemcpy, int, (void* dst, void const* src, size_t count, int kind))                              \
  X(cudaMemcpyAsync, int, (void* dst, void const* src, size_t count, int kind, trtn::cuda::Stream stream)) \
  X(cudaMemsetAsync, int, (void* devPtr, int value, size_t count, trtn::cuda::Stream stream))           \
  X(cudaStreamCreateWithFlags, int, (trtn::cuda::Stream * stream, unsigned flags))                      \
  X(cudaStreamDestroy, int, (trtn::cuda::Stream stream))                                                \
  X(cudaStreamSynchronize, int, (trtn::cuda::Stream stream))                                            \
  X(cudaStreamQuery, int, (trtn::cuda::Stream stream))                                                  \
  X(cudaStreamAddCallback, int,                                                                         \
    (trtn::cuda::Stream stream, trtn::cuda::StreamCallback callback, void* userData, unsigned flags))   \
  X(cudaLaunchHostFunc, int, (trtn::cuda::Stream stream, trtn::cuda::HostFn fn, void* userData))        \
  X(cudaStreamWaitEvent, int, (trtn::cuda::Stream stream, trtn::cuda::Event event, unsigned flags))     \
  X(cudaEventCreateWithFlags, int, (trtn::cuda::Event * event, unsigned flags))                         \
  X(cudaEventDestroy, int, (trtn::cuda::Event event))                                                   \
  X(cudaEventRecord, int, (trtn::cuda::Event event, trtn::cuda::Stream stream))                         \
  X(cudaEventQuery, int, (trtn::cuda::Event event))                                                     \
  X(cudaEventSynchronize, int, (trtn::cuda::Event event))                                               \
  X(cudaEventElapsedTime, int, (float* ms, trtn::cuda::Event start, trtn::cuda::Event end))              \
  X(cudaStreamBeginCapture, int, (trtn::cuda::Stream stream, int mode))                                 \
  X(cudaStreamEndCapture, int, (trtn::cuda::Stream stream, trtn::cuda::Graph * graph))                  \
  X(cudaStreamIsCapturing, int, (trtn::cuda::Stream stream, int* status))                               \
  X(cudaGraphInstantiate, int, (trtn::cuda::GraphExec * exec, trtn::cuda::Graph graph, unsigned long long flags)) \
  X(cudaGraphLaunch, int, (trtn::cuda::GraphExec exec, trtn::cuda::Stream stream))                      \
  X(cudaGraphExecDestroy, int, (trtn::cuda::GraphExec exec))                                            \
  X(cudaGraphDestroy, int, (trtn::cuda::Graph graph))
