// Process-wide state of the simulated CUDA runtime shared by its source files (not exported).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

namespace trtsim::cuda {

struct Counters {
  std::atomic<int64_t> deviceAllocations{0};
  std::atomic<int64_t> deviceBytes{0};
  std::atomic<int64_t> pinnedAllocations{0};
  std::atomic<int64_t> pinnedBytes{0};
  std::atomic<int64_t> streams{0};
  std::atomic<int64_t> events{0};
  std::atomic<int64_t> kernels{0};
  std::atomic<int64_t> copies{0};
  std::atomic<int64_t> hostCallbacks{0};
  std::atomic<int64_t> implicitSyncs{0};
  std::atomic<int64_t> graphs{0};         // captured, not yet destroyed
  std::atomic<int64_t> graphExecs{0};     // instantiated, not yet destroyed
  std::atomic<int64_t> graphLaunches{0};
  std::atomic<int64_t> blockedLaunches{0};  // submissions that waited for room in a full stream queue
  std::atomic<int64_t> kernelModulesLoaded{0};
};
Counters& counters();

struct CostModel {
  double launchMicros = 0;
  double gflops = 0;
  double copyGBps = 0;
  int concurrentKernels = 0;
  bool active() const { return launchMicros > 0 || gflops > 0 || copyGBps > 0; }
};
CostModel costModel();

struct DeviceConfig {
  int ccMajor = 8;
  int ccMinor = 9;
  int64_t totalMemory = int64_t{8} << 30;
  std::string name = "tensorrt-node simulated GPU";
  int multiProcessors = 16;
};
DeviceConfig deviceConfig();           // the calling thread's current device's
DeviceConfig deviceConfig(int device);

// The simulated machine has deviceCount() GPUs (1 unless trtsim_set_device_count or TRTSIM_DEVICE_COUNT says
// otherwise), all described by deviceConfig(), each with its own memory. CUDA's current device is per host thread.
int deviceCount();
int currentDevice();
void setCurrentDevice(int device);

// Stream capture modes (cudaStreamCaptureMode: 0 Global, 1 ThreadLocal, 2 Relaxed). While a capture begun in Global
// mode is active, "potentially unsafe" calls (cudaMalloc, cudaFree, cudaMallocHost, cudaFreeHost) fail on every
// thread; in ThreadLocal mode only on the capturing thread; in Relaxed mode nowhere. unsafeCallError() gives the
// error the calling thread's unsafe call must return now, or 0.
void captureBegun(int mode);
void captureEnded(int mode);
int unsafeCallError();

// The body of a polling loop: tells the CPU this is a spin (saves power, yields to the sibling hyperthread).
inline void cpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// A count bumped when something is freed or destroyed, so threads can keep lookups of it without a lock until then.
// On a cache line of its own: it is read on every lookup by every thread and written only by frees.
struct alignas(64) Generation {
  std::atomic<uint64_t> value{0};
};

// How long a stream worker polls for the next doorbell before it sleeps (trtsim_set_stream_spin).
double streamSpinMicros();

// Occupies one of the cost model's kernel slots for `micros` (no-op when the model is off).
void spendKernelTime(double flops, double extraMillis);
void spendCopyTime(size_t bytes);
// The host side of a launch, on the launching thread: counts it for that thread and, when a host launch cost is set
// (trtsim_set_host_launch_cost), burns that much CPU time, as the driver does in cudaLaunchKernel and cudaGraphLaunch.
void spendHostLaunchTime(bool graph);
// The same host cost for any other submission to a stream (a copy, a memset, a host function, an event record),
// which the driver writes into the stream's queue as it does a launch; not counted as a launch.
void spendHostSubmitTime();

// Device memory (memory.cc). `available`, for stream-ordered memory: set once its stream reached the allocation;
// until then a stream worker's access faults (see resolveDevice). Null for memory usable at once.
int allocateDevice(void** out, size_t size, int device, std::shared_ptr<std::atomic<bool>> available = nullptr);
int freeDevice(void* ptr);
// Called by each stream worker thread as it starts: its device accesses check stream-ordered availability.
void markStreamWorkerThread();
// A stream worker's work item is done: the device storage it resolved may go now if it was freed meanwhile.
void releaseDevicePins();

// Waits until every stream has drained its queue (what cudaFree and cudaDeviceSynchronize imply).
void drainAllStreams();

// CUDA: "Callbacks must not make any CUDA API calls. Attempting to use CUDA APIs may result in
// cudaErrorNotPermitted" (cudaStreamAddCallback; the same for cudaLaunchHostFunc). Real CUDA may fail that way, hang
// or appear to work; the simulator always fails, so such code is caught here rather than on a GPU. The stream worker
// holds a HostCallbackScope while a callback or host function runs; every runtime entry point that touches the
// device starts with refuseInHostCallback(), which returns cudaErrorNotPermitted there (0 elsewhere). Only the error
// texts and the last-error queries stay callable.
class HostCallbackScope {
 public:
  HostCallbackScope();
  ~HostCallbackScope();
  HostCallbackScope(HostCallbackScope const&) = delete;
  HostCallbackScope& operator=(HostCallbackScope const&) = delete;
};
int refuseInHostCallback();

void clearStickyForTests();

}  // namespace trtsim::cuda
