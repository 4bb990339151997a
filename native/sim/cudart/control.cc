// Test controls of the simulator: fault injection, the simulated device, the kernel cost model, and counters.
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <condition_variable>
#include <map>
#include <string>
#include <thread>

#include "../include/trtsim_control.h"
#include "sim_cuda.h"
#include "state.h"

namespace trtsim::cuda {
namespace {

struct Fault {
  int remaining = 0;
  int cudaError = 0;
  double param = 0;
};

// State that stream workers read is never destroyed (allocated once, reached through references): a process can exit
// with kernels still running on those detached threads, and static destructors would free what they read.
std::mutex gMutex;  // guards everything below
std::map<int, Fault>& gFaults = *new std::map<int, Fault>();
// Fast paths for the common case of no fault armed and no cost model (read on every kernel and copy).
std::atomic<int> gArmedFaults{0};
std::atomic<bool> gCostActive{false};
CostModel gCost;
// TRTSIM_DEVICE_CC="8.9,9.0": the compute capability of device 0, 1, ... (for child processes, e.g. CLI tests, that
// cannot call trtsim_set_device_config); devices not listed keep the default.
DeviceConfig* newDeviceConfigs() {
  auto* devices = new DeviceConfig[TRTSIM_MAX_DEVICES]();
  char const* text = std::getenv("TRTSIM_DEVICE_CC");
  for (int d = 0; text && *text && d < TRTSIM_MAX_DEVICES; ++d) {
    int major = 0, minor = 0, used = 0;
    if (std::sscanf(text, "%d.%d%n", &major, &minor, &used) != 2 || major < 1 || minor < 0) break;
    devices[d].ccMajor = major;
    devices[d].ccMinor = minor;
    text += used;
    if (*text != ',') break;
    ++text;
  }
  return devices;
}
DeviceConfig* const gDevices = newDeviceConfigs();  // each GPU's (alike unless set one by one)
trtsim_counters_hook gHook = nullptr;
// Host delays of the simulated TensorRT calls (0: none), set by tests, read by libnvinfer's stand-in.
struct HostDelay {
  std::atomic<double> millis{0};
  void set(double m) { millis.store(m > 0 ? m : 0, std::memory_order_relaxed); }
  double get() const { return millis.load(std::memory_order_relaxed); }
};
HostDelay gBuildStepDelay;
HostDelay gContextCreateDelay;
HostDelay gDeserializeDelay;

// Kernel slots of the cost model: a counting semaphore shared by all streams, handed out in the order kernels asked
// for them, as a GPU's work distributor takes ready kernels from its hardware queues in turn. (A plain semaphore let a
// stream that just freed a slot take it again before a waiting stream's worker woke up: one stream could keep the
// device for tens of milliseconds while others waited.) A kernel with ticket t may start once t < released + slots.
std::mutex gSlotMutex;
std::condition_variable& gSlotCv = *new std::condition_variable();
uint64_t gSlotTickets = 0;   // tickets handed out
uint64_t gSlotsReleased = 0; // kernels that finished their modelled time

int defaultErrorFor(int kind) {
  switch (kind) {
    case TRTSIM_FAULT_ENQUEUE: return trtn::cuda::kErrorLaunchFailure;
    case TRTSIM_FAULT_STICKY_KERNEL: return trtn::cuda::kErrorIllegalAddress;
    case TRTSIM_FAULT_ALLOC: return trtn::cuda::kErrorMemoryAllocation;
    case TRTSIM_FAULT_EVENT_CREATE: return trtn::cuda::kErrorMemoryAllocation;
    default: return 0;
  }
}

// Busy until `deadline`: reading the clock in a loop, as the driver's own work or a polled wait would.
void spinUntil(std::chrono::steady_clock::time_point deadline) {
  while (std::chrono::steady_clock::now() < deadline) cpuRelax();
}

// Spends modelled device time. sleep_for cannot sleep less than the timer slack plus a wake-up (about 90 us on the
// VMs measured), so the last stretch is spent polling the clock: a 5 us kernel then takes about 5 us.
void sleepMicros(double micros) {
  if (micros <= 0) return;
  using Clock = std::chrono::steady_clock;
  auto deadline = Clock::now() + std::chrono::nanoseconds(static_cast<int64_t>(micros * 1000));
  constexpr double kSleepGranularityMicros = 150;
  if (micros > kSleepGranularityMicros) {
    std::this_thread::sleep_for(std::chrono::duration<double, std::micro>(micros - kSleepGranularityMicros));
  }
  spinUntil(deadline);
}

std::atomic<double> gHostLaunchMicros{0};
// TRTSIM_MODULE_LOAD_US gives a process a cold first run from its start, for the CLI and services under test.
std::atomic<double> gModuleLoadMicros{[] {
  char const* text = std::getenv("TRTSIM_MODULE_LOAD_US");
  double micros = text && *text ? std::atof(text) : 0.0;
  return micros > 0 ? micros : 0.0;
}()};
thread_local int64_t tKernelLaunches = 0;
thread_local int64_t tGraphLaunches = 0;

std::atomic<double> gStreamSpinMicros{[] {
  char const* text = std::getenv("TRTSIM_STREAM_SPIN_US");
  return text && *text ? std::atof(text) : 50.0;
}()};

}  // namespace

Counters& counters() {
  static Counters c;
  return c;
}

double streamSpinMicros() { return gStreamSpinMicros.load(std::memory_order_relaxed); }

CostModel costModel() {
  std::lock_guard<std::mutex> lock(gMutex);
  return gCost;
}

namespace {
std::atomic<int> gDeviceCount{[] {
  char const* text = std::getenv("TRTSIM_DEVICE_COUNT");
  int n = text && *text ? std::atoi(text) : 1;
  return n >= 1 && n <= TRTSIM_MAX_DEVICES ? n : 1;
}()};
thread_local int tCurrentDevice = 0;
std::atomic<int> gGlobalCaptures{0};  // active Global-mode captures, on any thread
thread_local int tStrictCaptures = 0;  // active Global- or ThreadLocal-mode captures begun on this thread
thread_local int tGlobalCaptures = 0;  // of those, Global-mode ones
}  // namespace

void captureBegun(int mode) {
  if (mode == 2) return;
  ++tStrictCaptures;
  if (mode == 0) {
    ++tGlobalCaptures;
    gGlobalCaptures.fetch_add(1);
  }
}

void captureEnded(int mode) {
  if (mode == 2) return;
  --tStrictCaptures;
  if (mode == 0) {
    --tGlobalCaptures;
    gGlobalCaptures.fetch_sub(1);
  }
}

int unsafeCallError() {
  bool forbidden = tStrictCaptures > 0 || gGlobalCaptures.load() > tGlobalCaptures;
  return forbidden ? trtn::cuda::kErrorStreamCaptureUnsupported : 0;
}

int deviceCount() { return gDeviceCount.load(std::memory_order_relaxed); }
int currentDevice() { return tCurrentDevice; }
void setCurrentDevice(int device) { tCurrentDevice = device; }

DeviceConfig deviceConfig(int device) {
  std::lock_guard<std::mutex> lock(gMutex);
  return gDevices[device >= 0 && device < TRTSIM_MAX_DEVICES ? device : 0];
}

DeviceConfig deviceConfig() { return deviceConfig(currentDevice()); }

void deviceComputeCapability(int* major, int* minor) {
  DeviceConfig config = deviceConfig();
  *major = config.ccMajor;
  *minor = config.ccMinor;
}

bool takeFault(int kind, int* cudaError, double* param) {
  if (gArmedFaults.load(std::memory_order_acquire) == 0) return false;
  std::lock_guard<std::mutex> lock(gMutex);
  auto it = gFaults.find(kind);
  if (it == gFaults.end() || it->second.remaining <= 0) return false;
  if (kind == TRTSIM_FAULT_ALLOC && it->second.param >= 1) {  // allocations still to let through first
    it->second.param -= 1;
    return false;
  }
  if (cudaError) *cudaError = it->second.cudaError;
  if (param) *param = it->second.param;
  if (--it->second.remaining == 0) gFaults.erase(it);
  gArmedFaults.store(static_cast<int>(gFaults.size()), std::memory_order_release);
  return true;
}

void spendKernelTime(double flops, double extraMillis) {
  if (extraMillis <= 0 && !gCostActive.load(std::memory_order_acquire)) return;
  CostModel cost = costModel();
  double micros = extraMillis * 1000.0;
  if (cost.active()) {
    micros += cost.launchMicros;
    if (cost.gflops > 0) micros += flops / (cost.gflops * 1e3);
  }
  if (micros <= 0) return;
  int slots = cost.concurrentKernels;
  if (slots <= 0) {
    sleepMicros(micros);
    return;
  }
  {
    std::unique_lock<std::mutex> lock(gSlotMutex);
    uint64_t ticket = gSlotTickets++;
    gSlotCv.wait(lock, [&] { return ticket < gSlotsReleased + static_cast<uint64_t>(slots); });
  }
  sleepMicros(micros);
  {
    std::lock_guard<std::mutex> lock(gSlotMutex);
    ++gSlotsReleased;
  }
  gSlotCv.notify_all();  // the next ticket's holder is one of the waiters, not any one of them
}

// Busy, not asleep, for host time the driver spends computing on the calling thread (0 or less: none).
void spinForMicros(double micros) {
  if (micros > 0) spinUntil(std::chrono::steady_clock::now() + std::chrono::nanoseconds(static_cast<int64_t>(micros * 1000)));
}

void spendHostSubmitTime() { spinForMicros(gHostLaunchMicros.load(std::memory_order_relaxed)); }

void spendHostLaunchTime(bool graph) {
  ++(graph ? tGraphLaunches : tKernelLaunches);
  spendHostSubmitTime();
}

void loadKernelModule() {
  counters().kernelModulesLoaded.fetch_add(1, std::memory_order_relaxed);
  spinForMicros(gModuleLoadMicros.load(std::memory_order_relaxed));  // the driver reads, relocates and uploads the code
}

bool lazyModuleLoading() {
  static bool const lazy = [] {
    char const* mode = std::getenv("CUDA_MODULE_LOADING");
    return !(mode && std::string(mode) == "EAGER");
  }();
  return lazy;
}

void spendCopyTime(size_t bytes) {
  if (!gCostActive.load(std::memory_order_acquire)) return;
  CostModel cost = costModel();
  if (cost.copyGBps > 0) sleepMicros(static_cast<double>(bytes) / (cost.copyGBps * 1e3));
}

}  // namespace trtsim::cuda

using namespace trtsim::cuda;

extern "C" {

TRTSIM_EXPORT void trtsim_set_host_launch_cost(double micros) {
  gHostLaunchMicros.store(micros > 0 ? micros : 0, std::memory_order_relaxed);
}

TRTSIM_EXPORT void trtsim_set_module_load_cost(double micros) {
  gModuleLoadMicros.store(micros > 0 ? micros : 0, std::memory_order_relaxed);
}

TRTSIM_EXPORT void trtsim_thread_launches(int64_t* kernels, int64_t* graphs) {
  if (kernels) *kernels = tKernelLaunches;
  if (graphs) *graphs = tGraphLaunches;
}

TRTSIM_EXPORT int trtsim_inject_fault(int kind, int count, int cudaError, double param) {
  if (kind < TRTSIM_FAULT_ENQUEUE || kind > TRTSIM_FAULT_EVENT_CREATE) return -1;
  std::lock_guard<std::mutex> lock(gMutex);
  if (count <= 0) {
    gFaults.erase(kind);
  } else {
    gFaults[kind] = Fault{count, cudaError != 0 ? cudaError : defaultErrorFor(kind), param};
  }
  gArmedFaults.store(static_cast<int>(gFaults.size()), std::memory_order_release);
  return 0;
}

TRTSIM_EXPORT void trtsim_clear_faults(void) {
  std::lock_guard<std::mutex> lock(gMutex);
  gFaults.clear();
  gArmedFaults.store(0, std::memory_order_release);
}

TRTSIM_EXPORT void trtsim_clear_sticky_error(void) { clearStickyForTests(); }

TRTSIM_EXPORT void trtsim_register_counters_hook(trtsim_counters_hook hook) {
  std::lock_guard<std::mutex> lock(gMutex);
  gHook = hook;
}

TRTSIM_EXPORT void trtsim_get_counters(trtsim_counters* out) {
  Counters& c = counters();
  *out = trtsim_counters{};
  out->live_device_allocations = c.deviceAllocations.load();
  out->live_device_bytes = c.deviceBytes.load();
  out->live_pinned_allocations = c.pinnedAllocations.load();
  out->live_pinned_bytes = c.pinnedBytes.load();
  out->live_streams = c.streams.load();
  out->live_events = c.events.load();
  out->kernels_executed = c.kernels.load();
  out->copies_executed = c.copies.load();
  out->host_callbacks_executed = c.hostCallbacks.load();
  out->implicit_device_syncs = c.implicitSyncs.load();
  out->live_graphs = c.graphs.load();
  out->live_graph_execs = c.graphExecs.load();
  out->graph_launches = c.graphLaunches.load();
  out->blocked_launches = c.blockedLaunches.load();
  out->kernel_modules_loaded = c.kernelModulesLoaded.load();
  out->sticky_error = stickyError();
  trtsim_counters_hook hook;
  {
    std::lock_guard<std::mutex> lock(gMutex);
    hook = gHook;
  }
  if (hook) hook(out);
}

TRTSIM_EXPORT int trtsim_set_device_config(int device, int computeMajor, int computeMinor, int64_t totalMemoryBytes,
                                           char const* name) {
  if (device < -1 || device >= TRTSIM_MAX_DEVICES) return -1;
  std::lock_guard<std::mutex> lock(gMutex);
  for (int d = 0; d < TRTSIM_MAX_DEVICES; ++d) {
    if (device != -1 && d != device) continue;
    DeviceConfig& config = gDevices[d];
    if (computeMajor > 0) config.ccMajor = computeMajor;
    if (computeMinor >= 0) config.ccMinor = computeMinor;
    if (totalMemoryBytes > 0) config.totalMemory = totalMemoryBytes;
    if (name && *name) config.name = name;
  }
  return 0;
}

TRTSIM_EXPORT void trtsim_set_device(int computeMajor, int computeMinor, int64_t totalMemoryBytes,
                                     char const* name) {
  trtsim_set_device_config(-1, computeMajor, computeMinor, totalMemoryBytes, name);
}

TRTSIM_EXPORT int trtsim_set_device_count(int count) {
  if (count < 1 || count > TRTSIM_MAX_DEVICES) return -1;
  return gDeviceCount.exchange(count);
}

TRTSIM_EXPORT void trtsim_get_device_config(int device, int* computeMajor, int* computeMinor,
                                            int64_t* totalMemoryBytes, char const** name) {
  std::lock_guard<std::mutex> lock(gMutex);
  DeviceConfig const& config = gDevices[device >= 0 && device < TRTSIM_MAX_DEVICES ? device : 0];
  if (computeMajor) *computeMajor = config.ccMajor;
  if (computeMinor) *computeMinor = config.ccMinor;
  if (totalMemoryBytes) *totalMemoryBytes = config.totalMemory;
  if (name) *name = config.name.c_str();  // stable until that device's name is set again
}

TRTSIM_EXPORT void trtsim_get_device(int* computeMajor, int* computeMinor, int64_t* totalMemoryBytes,
                                     char const** name) {
  trtsim_get_device_config(0, computeMajor, computeMinor, totalMemoryBytes, name);
}

TRTSIM_EXPORT void trtsim_set_build_step_delay(double millis) { gBuildStepDelay.set(millis); }
TRTSIM_EXPORT double trtsim_build_step_delay(void) { return gBuildStepDelay.get(); }
TRTSIM_EXPORT void trtsim_set_context_create_delay(double millis) { gContextCreateDelay.set(millis); }
TRTSIM_EXPORT double trtsim_context_create_delay(void) { return gContextCreateDelay.get(); }
TRTSIM_EXPORT void trtsim_set_deserialize_delay(double millis) { gDeserializeDelay.set(millis); }
TRTSIM_EXPORT double trtsim_deserialize_delay(void) { return gDeserializeDelay.get(); }

TRTSIM_EXPORT void trtsim_set_stream_spin(double micros) {
  gStreamSpinMicros.store(micros > 0 ? micros : 0, std::memory_order_relaxed);
}

TRTSIM_EXPORT double trtsim_stream_spin(void) { return streamSpinMicros(); }

TRTSIM_EXPORT void trtsim_set_cost_model(double launchMicros, double gflops, double copyGBps, int concurrentKernels) {
  std::lock_guard<std::mutex> lock(gMutex);
  gCost = CostModel{launchMicros, gflops, copyGBps, concurrentKernels};
  gCostActive.store(gCost.active(), std::memory_order_release);
}

}  // extern "C"
