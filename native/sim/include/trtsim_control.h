// Control and counters of the TensorRT + CUDA simulator, for tests and benchmarks. Exported by the simulator's
// libcudart (the libnvinfer and ONNX parser stand-ins link it). Nothing here exists in real CUDA or TensorRT.
#pragma once

#include <cstdint>

extern "C" {

enum trtsim_fault_kind {
  // enqueueV3 returns false and reports "IExecutionContext::enqueueV3: Error Code 1: Cuda Runtime (<text of
  // cudaError>)" without poisoning the CUDA context: the next enqueue works (a transient launch failure).
  TRTSIM_FAULT_ENQUEUE = 1,
  // The next kernel fails on the device with `cudaError` (default 700, illegal address) and poisons the process
  // like real hardware: every later CUDA call returns that error.
  TRTSIM_FAULT_STICKY_KERNEL = 2,
  // The next cudaMalloc / cudaMallocAsync / cudaMallocHost calls fail with cudaErrorMemoryAllocation, after `param`
  // more allocations succeeded (0: at once).
  TRTSIM_FAULT_ALLOC = 3,
  // The next kernels take `param` extra milliseconds.
  TRTSIM_FAULT_SLOW_KERNEL = 4,
  // The next createExecutionContext calls fail (device memory for activations cannot be allocated).
  TRTSIM_FAULT_CONTEXT_CREATE = 5,
  // The next stream captures are invalidated as they begin, as another thread's prohibited call would invalidate a
  // cudaStreamCaptureModeGlobal capture: work is still accepted, and cudaStreamEndCapture returns
  // cudaErrorStreamCaptureInvalidated.
  TRTSIM_FAULT_CAPTURE = 6,
  // The next cudaEventCreateWithFlags calls fail with cudaErrorMemoryAllocation (the CUDA context stays healthy).
  TRTSIM_FAULT_EVENT_CREATE = 7,
};

// Arms `count` occurrences of a fault (count <= 0 clears that kind). `cudaError` selects the CUDA error where the
// kind uses one (0 picks the kind's default). Returns 0, or -1 for an unknown kind.
int trtsim_inject_fault(int kind, int count, int cudaError, double param);
void trtsim_clear_faults(void);

// Test-only: forgets a sticky error so a test process can go on (impossible on real hardware).
void trtsim_clear_sticky_error(void);

typedef struct trtsim_counters {
  int64_t live_device_allocations;
  int64_t live_device_bytes;
  int64_t live_pinned_allocations;
  int64_t live_pinned_bytes;
  int64_t live_streams;
  int64_t live_events;
  int64_t kernels_executed;
  int64_t copies_executed;
  int64_t host_callbacks_executed;
  int64_t implicit_device_syncs;  // cudaFree, cudaDeviceSynchronize, synchronous copies to pageable memory
  int64_t sticky_error;           // 0, or the cudaError poisoning the process
  // libnvinfer stand-in
  int64_t live_runtimes;
  int64_t live_engines;
  int64_t live_contexts;
  int64_t live_builders;
  int64_t enqueues;
  int64_t builds;
  int64_t timing_cache_hits;
  int64_t timing_cache_misses;
  // CUDA graphs
  int64_t live_graphs;       // captured (cudaStreamEndCapture) and not destroyed
  int64_t live_graph_execs;  // instantiated and not destroyed
  int64_t graph_launches;
  // IRuntime destroyed before its engines, or an engine before its contexts (undefined behaviour on TensorRT)
  int64_t destroy_order_violations;
  // Submissions (copies, kernels, callbacks...) that found their stream's queue full and blocked the calling thread
  // until the stream made room, as a CUDA launch does when the launch queue is full.
  int64_t blocked_launches;
  // Kernels whose code was loaded (trtsim_set_module_load_cost): on their first launch, or with their engine when
  // CUDA_MODULE_LOADING=EAGER.
  int64_t kernel_modules_loaded;
} trtsim_counters;

void trtsim_get_counters(trtsim_counters* out);

// The simulated GPUs. Plans record the compute capability of the device current when they were built and refuse to
// load on another one. trtsim_set_device sets every device (0 or less, or a null or empty name, leaves a field as
// it is); trtsim_set_device_config one (-1: every one; returns -1 for an index outside 0..15). The getters read
// device 0, or the given one.
void trtsim_set_device(int computeMajor, int computeMinor, int64_t totalMemoryBytes, char const* name);
int trtsim_set_device_config(int device, int computeMajor, int computeMinor, int64_t totalMemoryBytes, char const* name);
void trtsim_get_device(int* computeMajor, int* computeMinor, int64_t* totalMemoryBytes, char const** name);
void trtsim_get_device_config(int device, int* computeMajor, int* computeMinor, int64_t* totalMemoryBytes,
                              char const** name);

// How many GPUs the machine has (1 by default, or TRTSIM_DEVICE_COUNT), all alike, each with totalMemoryBytes of
// its own. They follow CUDA's rules: a kernel launched into a stream of another device than the calling thread's
// current one fails with cudaErrorInvalidResourceHandle; an event records only on a stream of its own device; a
// kernel that touches another device's memory faults (cudaErrorIllegalAddress, sticky; peer access is not
// simulated); copies between devices work. Returns the previous count, or -1 for a count outside 1..16.
#define TRTSIM_MAX_DEVICES 16
int trtsim_set_device_count(int count);

// Kernel cost model: a kernel lasts launchMicros + flops / (gflops * 1e3) microseconds and holds one of
// `concurrentKernels` execution slots shared by all streams; a copy lasts bytes / (copyGBps * 1e3) microseconds.
// All zero (the default) means no modelled time: work runs as fast as the host computes it.
void trtsim_set_cost_model(double launchMicros, double gflops, double copyGBps, int concurrentKernels);

// The host side of launching work, which the cost model above does not cover: on a GPU, every kernel launch costs
// the launching thread CPU time in the driver (a few microseconds), so TensorRT's enqueueV3 of an N-layer network
// holds its caller for about N launches, and a cudaGraphLaunch replaces them with one. `micros` (0, the default, is
// off) is burnt on the calling thread per kernel launch and per graph launch, and per other submission to a stream
// (cudaMemcpyAsync, cudaMemsetAsync, cudaLaunchHostFunc, cudaStreamAddCallback, cudaEventRecord), which the driver
// writes into the stream's queue the same way. trtsim_thread_launches reads how many kernel and graph launches the
// calling thread has made (counted whether or not a cost is set; other submissions are not counted).
void trtsim_set_host_launch_cost(double micros);
void trtsim_thread_launches(int64_t* kernels, int64_t* graphs);

// A cold first run. CUDA loads a kernel's code on its first launch (lazy module loading, the default since CUDA
// 12.2), on the launching thread, and TensorRT picks kernels per optimization profile: the first enqueueV3 of each
// profile of an engine holds its caller for one load per layer, and later runs (on any context of that engine) do
// not. `micros` (0, the default, is off) is burnt per load. With CUDA_MODULE_LOADING=EAGER in the environment when
// the simulator is loaded, every kernel loads during deserializeCudaEngine instead, as on a GPU. The initial cost
// is TRTSIM_MODULE_LOAD_US when set.
void trtsim_set_module_load_cost(double micros);

// A stream's worker, like a GPU's front end, sees new work without an OS wake-up: after a batch it polls for the
// next doorbell for `micros` (default 50, or TRTSIM_STREAM_SPIN_US) before it sleeps; at most (cores - 1) workers
// poll at once. 0 makes workers always sleep, so every submission that finds one asleep pays a futex wake-up.
void trtsim_set_stream_spin(double micros);
double trtsim_stream_spin(void);

// Each builder progress step takes this long (0 by default), so tests can observe progress and cancel a build.
void trtsim_set_build_step_delay(double millis);
double trtsim_build_step_delay(void);

// createExecutionContext takes this long on its calling thread (0 by default). On a GPU it allocates the context's
// activation memory and sets up its kernels: from milliseconds to a second for large engines, which a JS thread
// must not wait for while it serves (engine.createContextAsync).
void trtsim_set_context_create_delay(double millis);
double trtsim_context_create_delay(void);
// deserializeCudaEngine takes this long on its calling thread (0 by default): seconds for large engines on a GPU.
void trtsim_set_deserialize_delay(double millis);
double trtsim_deserialize_delay(void);

// Counters of the libnvinfer stand-in live in that library; it registers this hook so one call reads both.
typedef void (*trtsim_counters_hook)(trtsim_counters* out);
void trtsim_register_counters_hook(trtsim_counters_hook hook);

}  // extern "C"
