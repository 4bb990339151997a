// Simulated device memory: host storage behind opaque addresses in a reserved, inaccessible address range, so a
// device pointer dereferenced on the host faults exactly as it would with a real GPU, and every access the
// simulator makes on the device's behalf is bounds-checked. Also pinned host memory and the device queries.
#include <sys/mman.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "sim_cuda.h"
#include "state.h"

namespace trtsim::cuda {
namespace {

constexpr size_t kAlignment = 256;  // cudaMalloc's guaranteed alignment
constexpr uint8_t kUninitialized = 0xFF;  // fresh device memory reads as NaN, so unwritten outputs never look valid

// Set once a stream-ordered allocation (cudaMallocAsync) is reached by its stream. Shared by the allocation, the
// marker that sets it and the threads that remember the range, so none of them outlives it.
using Availability = std::shared_ptr<std::atomic<bool>>;

// Shared, not owned: a stream worker holds the storage it resolved until its work item is done (see ThreadView::devicePins), so
// a free made meanwhile by another stream, unordered with that work, cannot pull the memory from under it.
using Storage = std::shared_ptr<uint8_t[]>;

struct Allocation {
  size_t size;
  Storage storage;
  int device;
  Availability available;  // null: cudaMalloc, usable at once
};

struct AddressSpace {
  uintptr_t base = 0;
  size_t length = 0;
  size_t next = 0;
};

std::mutex gMutex;
AddressSpace gSpace;
// The reserved range, published once it exists, so classifying a pointer needs no lock.
std::atomic<uintptr_t> gSpaceBase{0};
std::atomic<size_t> gSpaceLength{0};
// Never destroyed (allocated once, reached through references): a process can exit with kernels still running on the
// streams' detached worker threads, and they resolve addresses here.
std::map<uintptr_t, Allocation>& gDevice = *new std::map<uintptr_t, Allocation>();  // keyed by device address
std::map<uintptr_t, size_t>& gPinned = *new std::map<uintptr_t, size_t>();          // keyed by host address

// Both the host thread checking a copy and the stream worker running it look up allocations several times per run.
// Taking gMutex for each would move its cache line between their cores every run, which on a VM costs far more than
// the lookup (about 0.5 us per hand-off). So each thread remembers the ranges it resolved last; they stay valid
// until an allocation of that kind is freed, which bumps a generation count. The counts have cache lines of their
// own and are written only by frees, so reading them costs no hand-off in the steady state.
Generation gDeviceFrees;  // bumped under gMutex before a device allocation goes
Generation gPinnedFrees;  // bumped under gMutex before a pinned allocation goes

struct RememberedRange {
  uintptr_t base = 0;
  size_t size = 0;  // 0: never matches (a zero-size allocation is looked up under the lock each time)
  Storage storage;  // device ranges: the host storage behind them, kept alive while remembered
  int device = -1;
  uint64_t generation = 0;
  Availability available;  // device ranges from cudaMallocAsync
};

template <size_t N>
class RecentRanges {
 public:
  RememberedRange const* find(uintptr_t p, uint64_t generation) {
    for (RememberedRange& r : mRanges) {
      if (r.generation == generation) {
        if (p >= r.base && p - r.base < r.size) return &r;
      } else if (r.storage) {
        r.storage.reset();  // stale since a free: let freed storage go
      }
    }
    return nullptr;
  }
  RememberedRange const& remember(RememberedRange const& range) { return mRanges[mNext++ % N] = range; }

 private:
  RememberedRange mRanges[N];
  size_t mNext = 0;
};
// What this thread knows of memory, in one thread_local: in a shared library each access to a thread_local is a
// call to __tls_get_addr, and a run's lookups on a stream worker made about fifty of them when these were five.
struct ThreadView {
  // The device whose kernel runs on this thread (a stream worker, while it runs one), or -1: a kernel reaches only
  // its own device's memory.
  int kernelDevice = -1;
  // This thread is a stream worker: what it resolves is an access by the device, made when the work runs.
  bool streamWorker = false;
  RecentRanges<8> recentDevice;  // a run touches its inputs, outputs, weights and activations
  RecentRanges<4> recentPinned;
  // The storage a stream worker resolved during its current work item (a kernel, a copy). On a GPU, memory freed
  // while a kernel of another stream still uses it stays mapped in the pool (the kernel reads stale data) or
  // faults; it never frees the host's heap under the kernel. Released by releaseDevicePins() once the item is done.
  std::vector<Storage> devicePins;
};
thread_local ThreadView tView;

bool reserveAddressSpace() {
  if (gSpace.base != 0) return true;
  for (size_t length : {size_t{1} << 40, size_t{1} << 36, size_t{1} << 32}) {
    void* p = mmap(nullptr, length, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p != MAP_FAILED) {
      gSpace = AddressSpace{reinterpret_cast<uintptr_t>(p), length, kAlignment};
      gSpaceLength.store(length, std::memory_order_relaxed);
      gSpaceBase.store(gSpace.base, std::memory_order_release);
      return true;
    }
  }
  return false;
}

Allocation* findLocked(void const* ptr, uintptr_t* base) {
  auto p = reinterpret_cast<uintptr_t>(ptr);
  auto it = gDevice.upper_bound(p);
  if (it == gDevice.begin()) return nullptr;
  --it;
  if (p >= it->first + it->second.size && !(p == it->first && it->second.size == 0)) return nullptr;
  if (base) *base = it->first;
  return &it->second;
}

int64_t bytesInUseLocked(int device) {
  int64_t total = 0;
  for (auto const& entry : gDevice) {
    if (entry.second.device == device) total += static_cast<int64_t>(entry.second.size);
  }
  return total;
}

}  // namespace

namespace {

// resolveDevice's work, given the thread's view as an argument: GCC recomputes a thread_local's address at each use
// (each a __tls_get_addr call, six per lookup) rather than keep it in a register; a parameter it keeps, as long as
// no interprocedural pass turns it back into the thread_local (noipa).
__attribute__((noipa)) void* resolveIn(ThreadView& view, void const* ptr, size_t bytes) {
  auto p = reinterpret_cast<uintptr_t>(ptr);
  RememberedRange const* range = view.recentDevice.find(p, gDeviceFrees.value.load(std::memory_order_acquire));
  RememberedRange looked;
  if (!range) {
    std::lock_guard<std::mutex> lock(gMutex);
    uintptr_t base = 0;
    Allocation* a = findLocked(ptr, &base);
    if (!a) return nullptr;
    looked = RememberedRange{base, a->size, a->storage, a->device,
                             gDeviceFrees.value.load(std::memory_order_relaxed), a->available};
    range = &view.recentDevice.remember(looked);
  }
  if (view.kernelDevice >= 0 && range->device != view.kernelDevice) return nullptr;
  // Stream-ordered memory is usable once its stream reached the allocation: work queued after it there, or on
  // another stream ordered after it by an event. Reached earlier, the access races the allocation (a GPU may not
  // notice; the simulator faults, so the missing order shows in tests).
  if (view.streamWorker && range->available && !range->available->load(std::memory_order_acquire)) return nullptr;
  size_t offset = p - range->base;
  if (bytes > range->size - offset) return nullptr;
  if (view.streamWorker && (view.devicePins.empty() || view.devicePins.back() != range->storage)) {
    view.devicePins.push_back(range->storage);
  }
  return range->storage.get() + offset;
}

}  // namespace

void* resolveDevice(void const* ptr, size_t bytes) { return resolveIn(tView, ptr, bytes); }

void releaseDevicePins() { tView.devicePins.clear(); }

KernelDeviceScope::KernelDeviceScope(int device) : mPrevious(tView.kernelDevice) { tView.kernelDevice = device; }
KernelDeviceScope::~KernelDeviceScope() { tView.kernelDevice = mPrevious; }

int deviceOfPointer(void const* ptr) {
  std::lock_guard<std::mutex> lock(gMutex);
  Allocation* a = findLocked(ptr, nullptr);
  return a ? a->device : -1;
}

bool isDevicePointer(void const* ptr) {
  uintptr_t base = gSpaceBase.load(std::memory_order_acquire);
  auto p = reinterpret_cast<uintptr_t>(ptr);
  return base != 0 && p >= base && p < base + gSpaceLength.load(std::memory_order_relaxed);
}

bool isPinnedRange(void const* ptr, size_t bytes) {
  auto p = reinterpret_cast<uintptr_t>(ptr);
  ThreadView& view = tView;
  RememberedRange const* range = view.recentPinned.find(p, gPinnedFrees.value.load(std::memory_order_acquire));
  if (!range) {
    std::lock_guard<std::mutex> lock(gMutex);
    auto it = gPinned.upper_bound(p);
    if (it == gPinned.begin()) return false;
    --it;
    if (p >= it->first + it->second) return false;
    range = &view.recentPinned.remember(RememberedRange{it->first, it->second, nullptr, -1,
                                                        gPinnedFrees.value.load(std::memory_order_relaxed), nullptr});
  }
  return bytes <= range->size - (p - range->base);
}

void markStreamWorkerThread() { tView.streamWorker = true; }

int allocateDevice(void** out, size_t size, int deviceIndex, std::shared_ptr<std::atomic<bool>> available) {
  if (!out) return recordError(trtn::cuda::kErrorInvalidValue);
  if (int sticky = stickyError()) return sticky;
  if (takeFault(3 /*TRTSIM_FAULT_ALLOC*/, nullptr, nullptr)) {
    return recordError(trtn::cuda::kErrorMemoryAllocation);
  }
  DeviceConfig device = deviceConfig(deviceIndex);
  std::lock_guard<std::mutex> lock(gMutex);
  if (!reserveAddressSpace()) return recordError(trtn::cuda::kErrorMemoryAllocation);
  size_t rounded = (size + kAlignment - 1) / kAlignment * kAlignment;
  if (bytesInUseLocked(deviceIndex) + static_cast<int64_t>(size) > device.totalMemory ||
      gSpace.next + rounded + kAlignment > gSpace.length) {
    return recordError(trtn::cuda::kErrorMemoryAllocation);
  }
  Allocation a{size, Storage(new (std::nothrow) uint8_t[size == 0 ? 1 : size]), deviceIndex, std::move(available)};
  if (!a.storage) return recordError(trtn::cuda::kErrorMemoryAllocation);
  std::memset(a.storage.get(), kUninitialized, size);
  uintptr_t address = gSpace.base + gSpace.next;
  gSpace.next += rounded + kAlignment;  // a gap between allocations keeps off-by-one addresses invalid
  gDevice.emplace(address, std::move(a));
  counters().deviceAllocations++;
  counters().deviceBytes += static_cast<int64_t>(size);
  *out = reinterpret_cast<void*>(address);
  return trtn::cuda::kSuccess;
}

int freeDevice(void* ptr) {
  if (ptr == nullptr) return trtn::cuda::kSuccess;
  std::lock_guard<std::mutex> lock(gMutex);
  auto it = gDevice.find(reinterpret_cast<uintptr_t>(ptr));
  if (it == gDevice.end()) return recordError(trtn::cuda::kErrorInvalidValue);
  gDeviceFrees.value.fetch_add(1, std::memory_order_release);  // before the storage goes: no thread may reuse it
  counters().deviceAllocations--;
  counters().deviceBytes -= static_cast<int64_t>(it->second.size);
  gDevice.erase(it);
  return trtn::cuda::kSuccess;
}

}  // namespace trtsim::cuda

using namespace trtsim::cuda;

extern "C" {

TRTSIM_EXPORT int cudaMalloc(void** devPtr, size_t size) {
  if (int error = refuseInHostCallback()) return error;
  if (int error = unsafeCallError()) return recordError(error);
  return allocateDevice(devPtr, size, currentDevice());
}

// Freeing cudaMalloc memory waits for all outstanding device work first (CUDA: it "may" synchronize, and does).
// Memory from cudaMallocAsync is freed at once, without synchronizing, as CUDA documents: work still queued that
// uses it faults.
TRTSIM_EXPORT int cudaFree(void* devPtr) {
  if (int error = refuseInHostCallback()) return error;
  if (devPtr == nullptr) return trtn::cuda::kSuccess;
  if (int sticky = stickyError()) return sticky;
  if (int error = unsafeCallError()) return recordError(error);
  bool streamOrdered = false;
  {
    std::lock_guard<std::mutex> lock(gMutex);
    auto it = gDevice.find(reinterpret_cast<uintptr_t>(devPtr));
    streamOrdered = it != gDevice.end() && it->second.available != nullptr;
  }
  if (!streamOrdered) {
    drainAllStreams();
    counters().implicitSyncs++;
  }
  return freeDevice(devPtr);
}

TRTSIM_EXPORT int cudaMallocHost(void** ptr, size_t size) {
  if (int error = refuseInHostCallback()) return error;
  if (!ptr) return recordError(trtn::cuda::kErrorInvalidValue);
  if (int sticky = stickyError()) return sticky;
  if (int error = unsafeCallError()) return recordError(error);
  if (takeFault(3 /*TRTSIM_FAULT_ALLOC*/, nullptr, nullptr)) return recordError(trtn::cuda::kErrorMemoryAllocation);
  void* p = std::aligned_alloc(4096, (size + 4095) / 4096 * 4096 + (size == 0 ? 4096 : 0));
  if (!p) return recordError(trtn::cuda::kErrorMemoryAllocation);
  {
    std::lock_guard<std::mutex> lock(gMutex);
    gPinned.emplace(reinterpret_cast<uintptr_t>(p), size);
  }
  counters().pinnedAllocations++;
  counters().pinnedBytes += static_cast<int64_t>(size);
  *ptr = p;
  return trtn::cuda::kSuccess;
}

TRTSIM_EXPORT int cudaFreeHost(void* ptr) {
  if (int error = refuseInHostCallback()) return error;
  if (ptr == nullptr) return trtn::cuda::kSuccess;
  if (int sticky = stickyError()) return sticky;
  if (int error = unsafeCallError()) return recordError(error);
  size_t size = 0;
  {
    std::lock_guard<std::mutex> lock(gMutex);
    auto it = gPinned.find(reinterpret_cast<uintptr_t>(ptr));
    if (it == gPinned.end()) return recordError(trtn::cuda::kErrorInvalidValue);
    gPinnedFrees.value.fetch_add(1, std::memory_order_release);
    size = it->second;
    gPinned.erase(it);
  }
  drainAllStreams();  // cudaFreeHost synchronizes like cudaFree
  counters().implicitSyncs++;
  counters().pinnedAllocations--;
  counters().pinnedBytes -= static_cast<int64_t>(size);
  std::free(ptr);
  return trtn::cuda::kSuccess;
}

TRTSIM_EXPORT int cudaMemGetInfo(size_t* freeBytes, size_t* totalBytes) {
  if (int error = refuseInHostCallback()) return error;
  if (int sticky = stickyError()) return sticky;
  DeviceConfig device = deviceConfig();
  int64_t used;
  {
    std::lock_guard<std::mutex> lock(gMutex);
    used = bytesInUseLocked(currentDevice());
  }
  if (freeBytes) *freeBytes = static_cast<size_t>(device.totalMemory - used);
  if (totalBytes) *totalBytes = static_cast<size_t>(device.totalMemory);
  return trtn::cuda::kSuccess;
}

TRTSIM_EXPORT int cudaRuntimeGetVersion(int* version) {
  if (int error = refuseInHostCallback()) return error;
  if (!version) return recordError(trtn::cuda::kErrorInvalidValue);
  *version = 13000;
  return trtn::cuda::kSuccess;
}

TRTSIM_EXPORT int cudaDriverGetVersion(int* version) {
  if (int error = refuseInHostCallback()) return error;
  if (!version) return recordError(trtn::cuda::kErrorInvalidValue);
  *version = 13000;
  return trtn::cuda::kSuccess;
}

TRTSIM_EXPORT int cudaGetDeviceCount(int* count) {
  if (int error = refuseInHostCallback()) return error;
  if (!count) return recordError(trtn::cuda::kErrorInvalidValue);
  *count = deviceCount();
  return trtn::cuda::kSuccess;
}

TRTSIM_EXPORT int cudaGetDevice(int* device) {
  if (int error = refuseInHostCallback()) return error;
  if (!device) return recordError(trtn::cuda::kErrorInvalidValue);
  *device = currentDevice();
  return trtn::cuda::kSuccess;
}

TRTSIM_EXPORT int cudaSetDevice(int device) {
  if (int error = refuseInHostCallback()) return error;
  if (int sticky = stickyError()) return sticky;
  if (device < 0 || device >= deviceCount()) return recordError(trtn::cuda::kErrorInvalidDevice);
  setCurrentDevice(device);
  return trtn::cuda::kSuccess;
}

// cudaDeviceProp (CUDA 12 and 13): `char name[256]` at offset 0, `size_t totalGlobalMem` at 288; the struct is 1008
// bytes in CUDA 13. The simulator fills those two fields and zeroes the rest.
TRTSIM_EXPORT int cudaGetDeviceProperties_v2(void* prop, int device) {
  if (int error = refuseInHostCallback()) return error;
  if (!prop) return recordError(trtn::cuda::kErrorInvalidValue);
  if (device < 0 || device >= deviceCount()) return recordError(trtn::cuda::kErrorInvalidDevice);
  DeviceConfig config = deviceConfig(device);
  auto* bytes = static_cast<uint8_t*>(prop);
  std::memset(bytes, 0, 1008);
  std::strncpy(reinterpret_cast<char*>(bytes), config.name.c_str(), 255);
  size_t total = static_cast<size_t>(config.totalMemory);
  std::memcpy(bytes + 288, &total, sizeof total);
  return trtn::cuda::kSuccess;
}

TRTSIM_EXPORT int cudaGetDeviceProperties(void* prop, int device) { return cudaGetDeviceProperties_v2(prop, device); }

TRTSIM_EXPORT int cudaDeviceGetAttribute(int* value, int attr, int device) {
  if (int error = refuseInHostCallback()) return error;
  if (!value) return recordError(trtn::cuda::kErrorInvalidValue);
  if (device < 0 || device >= deviceCount()) return recordError(trtn::cuda::kErrorInvalidDevice);
  DeviceConfig config = deviceConfig(device);
  switch (attr) {
    case trtn::cuda::kDevAttrComputeCapabilityMajor: *value = config.ccMajor; break;
    case trtn::cuda::kDevAttrComputeCapabilityMinor: *value = config.ccMinor; break;
    case trtn::cuda::kDevAttrMultiProcessorCount: *value = config.multiProcessors; break;
    default: return recordError(trtn::cuda::kErrorInvalidValue);
  }
  return trtn::cuda::kSuccess;
}

}  // extern "C"
