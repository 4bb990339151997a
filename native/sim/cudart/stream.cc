// Simulated CUDA streams (events are in events.cc, stream capture and graphs in graphs.cc). Each stream is a worker
// thread that runs its queue in order: copies, kernels, event records, event waits, stream callbacks and host
// functions. Semantics follow the CUDA runtime documentation:
//  - after a sticky error, queued work is skipped, cudaStreamAddCallback callbacks still run (with the error) and
//    cudaLaunchHostFunc functions never run;
//  - cudaMemcpyAsync from pageable host memory stages the source at once; to pageable host memory it returns only
//    after the copy ran (a hidden synchronization, counted);
//  - the NULL stream runs work synchronously after the blocking streams drained (legacy default stream);
//  - a capturing stream (cudaStreamBeginCapture) records kernels, copies and host functions into a graph instead of
//    running them; a graph launch queues copies of them. Synchronizing with a capturing stream invalidates the capture.
//
// Like a GPU's push buffer, queued copies and kernels wait for a doorbell before the worker starts on them: stream
// callbacks, host functions, event records, synchronization and queries ring it (and so does a long queue). A run
// that queues copies, a kernel and a callback thus wakes the worker once, not per item; what a program can observe
// through CUDA's API is unchanged. The queue itself (stream_queue.h) takes no lock on the way through, and like a
// push buffer it is bounded: a full queue makes the submitting thread wait, as a full CUDA launch queue does.
//
// A GPU never has to be woken by the OS: its front end sees a doorbell within a microsecond or two. So after running
// a batch the worker polls for the next doorbell for a while (50 us by default) before it sleeps, and a submitter
// finding it polling skips the futex wake-up. Like cudaDeviceScheduleAuto, which spins only while the process has
// fewer active CUDA threads than cores, at most (cores - 1) workers poll at once. TRTSIM_STREAM_SPIN_US or
// trtsim_set_stream_spin() sets the time (0: always sleep).
#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "../include/trtsim_control.h"
#include "sim_cuda.h"
#include "state.h"
#include "stream_internal.h"

namespace trtsim::cuda {

bool isPinnedRange(void const* ptr, size_t bytes);

namespace __attribute__((visibility("hidden"))) streams {

// The registries are never destroyed (allocated once, reached through references): a process can exit while the
// detached worker threads still run queued work, and static destructors would free what they look up.
template <typename T>
T& immortal() {
  return *new T();
}
std::shared_mutex& gRegistryMutex = immortal<std::shared_mutex>();  // lookups share it; creation, destruction own it
std::unordered_map<CUstream_st*, std::shared_ptr<SimStream>>& gStreams = immortal<std::unordered_map<CUstream_st*, std::shared_ptr<SimStream>>>();  // live handles
auto& gAllStreams = immortal<std::vector<std::shared_ptr<SimStream>>>();  // incl. destroyed ones still draining
std::unordered_map<CUevent_st*, std::shared_ptr<SimEvent>>& gEvents = immortal<std::unordered_map<CUevent_st*, std::shared_ptr<SimEvent>>>();

std::unordered_set<SimGraph*>& gGraphs = immortal<std::unordered_set<SimGraph*>>();      // captured graphs (cudaGraph_t)
// Stream callbacks and host functions of independent streams "execute in undefined order and may be serialized"
// (CUDA): the driver may run them all on one thread. The simulator always does, so a callback that waits for another
// stream's callback deadlocks here as it can on a GPU, instead of passing because each stream has its own worker.
std::mutex& gCallbackThread = immortal<std::mutex>();
std::unordered_set<SimGraph*>& gGraphExecs = immortal<std::unordered_set<SimGraph*>>();  // instantiated ones (cudaGraphExec_t)


int performCopy(void* dst, void const* src, size_t count);
int runKernel(Work& work);

bool isNullStream(Stream s) {
  auto v = reinterpret_cast<uintptr_t>(s);
  return v == 0 || v == 1 || v == 2;  // 0, cudaStreamLegacy, cudaStreamPerThread
}

std::shared_ptr<SimStream> lookupStream(Stream s) {
  std::shared_lock<std::shared_mutex> lock(gRegistryMutex);
  auto it = gStreams.find(s);
  return it == gStreams.end() ? nullptr : it->second;
}

// Destroying any stream bumps this; the streams a thread looked up last stay valid until then, so the per-run
// lookups below share no written cache line between threads.
Generation gStreamDestroys;

struct RememberedStream {
  Stream handle = nullptr;
  uint64_t generation = 0;
  std::shared_ptr<SimStream> stream;  // keeps the pointer handed out valid while remembered
};
thread_local RememberedStream tRecentStreams[4];
thread_local unsigned tNextRecentStream = 0;

// lookupStream for the calls a run makes several times (copies, kernels, callbacks): no lock and no reference count.
// The pointer is valid only until the calling thread's next lookup; use it at once.
SimStream* recentStream(Stream s) {
  uint64_t generation = gStreamDestroys.value.load(std::memory_order_acquire);
  for (RememberedStream const& r : tRecentStreams) {
    if (r.handle == s && r.generation == generation) return r.stream.get();
  }
  RememberedStream found{s, generation, nullptr};
  {
    std::shared_lock<std::shared_mutex> lock(gRegistryMutex);
    auto it = gStreams.find(s);
    if (it == gStreams.end()) return nullptr;
    found.stream = it->second;
    found.generation = gStreamDestroys.value.load(std::memory_order_relaxed);  // as of the lookup
  }
  RememberedStream& slot = tRecentStreams[tNextRecentStream++ % 4];
  slot = std::move(found);
  return slot.stream.get();
}

std::shared_ptr<SimEvent> lookupEvent(Event e) {
  std::shared_lock<std::shared_mutex> lock(gRegistryMutex);
  auto it = gEvents.find(e);
  return it == gEvents.end() ? nullptr : it->second;
}

void execute(Stream handle, Work& work) {
  int sticky = stickyError();
  switch (work.kind) {
    case WorkKind::kDevice:
      if (sticky == 0) {
        int error = work.isKernel     ? runKernel(work)
                    : work.copyBytes ? performCopy(work.copyDst, work.staged ? work.staged->data() : work.copySrc,
                                                   work.copyBytes)
                                     : work.run();
        if (error != 0) setStickyError(error);
      }
      break;
    case WorkKind::kMarker:
      work.run();  // event records and waits run even when poisoned, so nothing waits forever
      break;
    case WorkKind::kCallback: {
      counters().hostCallbacks++;
      std::lock_guard<std::mutex> oneCallbackAtATime(gCallbackThread);
      HostCallbackScope noCudaCalls;
      work.callback(handle, sticky, work.userData);
      break;
    }
    case WorkKind::kHostFn:
      if (sticky == 0) {
        counters().hostCallbacks++;
        std::lock_guard<std::mutex> oneCallbackAtATime(gCallbackThread);
        HostCallbackScope noCudaCalls;
        work.hostFn(work.userData);
      }
      break;
  }
  releaseDevicePins();  // what this item resolved may go now, if it was freed meanwhile
}

std::atomic<int> gPollingWorkers{0};
int const gMaxPollingWorkers = std::max(0, static_cast<int>(std::thread::hardware_concurrency()) - 1);

// Polls until `done()` or the stream spin time ran out; returns whether `done()` became true.
template <typename Done>
bool pollFor(Done const& done) {
  double micros = streamSpinMicros();
  if (micros <= 0) return done();
  auto deadline = Clock::now() + std::chrono::nanoseconds(static_cast<int64_t>(micros * 1000));
  for (unsigned i = 0; !done(); ++i) {
    if (i % 32 == 31 && Clock::now() >= deadline) return done();  // reading the clock costs more than a pause
    cpuRelax();
  }
  return true;
}

// An idle worker polls its doorbell before it sleeps, if fewer than gMaxPollingWorkers workers poll already. On real
// hardware this polling is the GPU's and costs no host CPU; here it does, so it must not crowd out host threads.
template <typename Ready>
bool pollDoorbell(Ready const& ready) {
  int polling = gPollingWorkers.load(std::memory_order_relaxed);
  do {
    if (polling >= gMaxPollingWorkers) return ready();
  } while (!gPollingWorkers.compare_exchange_weak(polling, polling + 1, std::memory_order_relaxed));
  bool found = pollFor(ready);
  gPollingWorkers.fetch_sub(1, std::memory_order_relaxed);
  return found;
}

void workerLoop(Stream handle, std::shared_ptr<SimStream> stream) {
  pthread_setname_np(pthread_self(), "trtsim-stream");  // not the creating thread's name, which Linux copies
  markStreamWorkerThread();
  stream->queue.runWorker([](auto const& ready) { return pollDoorbell(ready); },
                          [handle](Work& work) { execute(handle, work); });
  std::lock_guard<std::shared_mutex> lock(gRegistryMutex);
  for (auto it = gAllStreams.begin(); it != gAllStreams.end(); ++it) {
    if (*it == stream) {
      gAllStreams.erase(it);
      break;
    }
  }
}

// Rings the doorbell and waits until the stream has run everything queued so far. Like CUDA's default scheduling
// (cudaDeviceScheduleAuto spins while there are more cores than active contexts), the thread first polls for the
// stream spin time, then sleeps until the worker tells it. That spin is the host's own on real hardware too, so it
// does not count against the workers' polling budget.
void waitIdle(SimStream& stream) {
  stream.queue.waitIdle([](auto const& done) { return pollFor(done); });
}

// Drains the blocking streams (those the legacy NULL stream synchronizes with).
void drainBlockingStreams() {
  std::vector<std::shared_ptr<SimStream>> streams;
  {
    std::lock_guard<std::shared_mutex> lock(gRegistryMutex);
    for (auto const& s : gAllStreams) {
      if ((s->flags & trtn::cuda::kStreamNonBlocking) == 0) streams.push_back(s);
    }
  }
  for (auto const& s : streams) waitIdle(*s);
}

// Queues work on a live stream. Anything but plain device work (copies, kernels) rings the doorbell.
int submitTo(SimStream* stream, Stream handle, Work work) {
  if (!stream) {  // the NULL stream: runs the work now, after the blocking streams drained
    drainBlockingStreams();
    execute(handle, work);
    return trtn::cuda::kSuccess;
  }
  if (stream->capturing.load(std::memory_order_acquire)) {
    std::lock_guard<std::mutex> lock(stream->captureMutex);
    if (stream->capture) {
      // Kernels, copies and host functions become graph nodes; anything else cannot be captured, and invalidates
      // the capture (stricter than CUDA, which also captures event records and waits between capturing streams).
      bool capturable = work.kind == WorkKind::kDevice || work.kind == WorkKind::kHostFn;
      if (capturable && !work.staged) {
        stream->capture->push_back(std::move(work));
        return trtn::cuda::kSuccess;
      }
      stream->captureError = trtn::cuda::kErrorStreamCaptureInvalidated;
      return recordError(trtn::cuda::kErrorStreamCaptureUnsupported);
    }
  }
  bool doorbell = work.kind != WorkKind::kDevice;
  stream->queue.push(std::move(work), doorbell);
  return trtn::cuda::kSuccess;
}

// Queues work, or on the NULL stream runs it now.
int submit(Stream handle, Work work) {
  if (isNullStream(handle)) return submitTo(nullptr, handle, std::move(work));
  SimStream* stream = recentStream(handle);
  if (!stream) return recordError(trtn::cuda::kErrorInvalidResourceHandle);
  return submitTo(stream, handle, std::move(work));
}

// Waits until the stream has run everything submitted so far.
void waitFor(Stream handle) {
  if (isNullStream(handle)) return;
  auto stream = lookupStream(handle);
  if (stream) waitIdle(*stream);
}

enum class Space { kDevice, kPinned, kPageable };

Space spaceOf(void const* ptr, size_t bytes) {
  if (isDevicePointer(ptr)) return Space::kDevice;
  return isPinnedRange(ptr, bytes) ? Space::kPinned : Space::kPageable;
}

// Checks a copy's direction against where the pointers live; returns the error CUDA would give.
int checkCopy(void* dst, void const* src, size_t count, int kind) {
  if (count == 0) return trtn::cuda::kSuccess;
  if (!dst || !src) return trtn::cuda::kErrorInvalidValue;
  bool dstDevice = isDevicePointer(dst);
  bool srcDevice = isDevicePointer(src);
  switch (kind) {
    case trtn::cuda::kHostToHost:
      if (dstDevice || srcDevice) return trtn::cuda::kErrorInvalidValue;
      break;
    case trtn::cuda::kHostToDevice:
      if (!dstDevice || srcDevice) return trtn::cuda::kErrorInvalidValue;
      break;
    case trtn::cuda::kDeviceToHost:
      if (dstDevice || !srcDevice) return trtn::cuda::kErrorInvalidValue;
      break;
    case trtn::cuda::kDeviceToDevice:
      if (!dstDevice || !srcDevice) return trtn::cuda::kErrorInvalidValue;
      break;
    case trtn::cuda::kDefault:
      break;
    default:
      return 21;  // cudaErrorInvalidMemcpyDirection
  }
  if (dstDevice && !resolveDevice(dst, count)) return trtn::cuda::kErrorInvalidValue;
  if (srcDevice && !resolveDevice(src, count)) return trtn::cuda::kErrorInvalidValue;
  return trtn::cuda::kSuccess;
}

// The copy itself, run on the stream: device addresses are resolved again, because the memory may have been freed
// since the copy was queued (then the "device" faults with an illegal address, as a GPU would). Resolved once more
// after the transfer time, when the bytes move: memory freed meanwhile by another stream, unordered with this copy,
// faults too, so the missing order shows in tests (a GPU would often copy stale pool memory without a word).
int performCopy(void* dst, void const* src, size_t count) {
  if (count == 0) return trtn::cuda::kSuccess;
  auto resolve = [count](void const* p) -> void const* { return isDevicePointer(p) ? resolveDevice(p, count) : p; };
  if (!resolve(dst) || !resolve(src)) return trtn::cuda::kErrorIllegalAddress;
  spendCopyTime(count);
  void* d = const_cast<void*>(resolve(dst));
  void const* s = resolve(src);
  if (!d || !s) return trtn::cuda::kErrorIllegalAddress;
  std::memmove(d, s, count);
  counters().copies++;
  return trtn::cuda::kSuccess;
}

int runKernel(Work& work) {
  int faultError = 0;
  if (takeFault(TRTSIM_FAULT_STICKY_KERNEL, &faultError, nullptr)) return faultError;
  double slowMillis = 0;
  takeFault(TRTSIM_FAULT_SLOW_KERNEL, nullptr, &slowMillis);
  spendKernelTime(work.flops, slowMillis);
  counters().kernels++;
  KernelDeviceScope scope(work.device);
  return work.run();
}

}  // namespace streams

using namespace streams;

bool isValidStream(Stream stream) { return isNullStream(stream) || recentStream(stream) != nullptr; }

// Synchronizing with a capturing stream is not allowed: the call fails and the capture is invalidated.
int refuseWhileCapturing(Stream handle) {
  auto stream = isNullStream(handle) ? nullptr : lookupStream(handle);
  if (!stream) return 0;
  if (!stream->capturing.load(std::memory_order_acquire)) return 0;
  std::lock_guard<std::mutex> lock(stream->captureMutex);
  if (!stream->capture) return 0;
  stream->captureError = trtn::cuda::kErrorStreamCaptureInvalidated;
  return recordError(trtn::cuda::kErrorStreamCaptureUnsupported);
}

int deviceOfStream(Stream stream) {
  if (isNullStream(stream)) return currentDevice();  // each device has its own NULL stream
  auto s = lookupStream(stream);
  return s ? s->device : -1;
}

void drainAllStreams() {
  std::vector<std::shared_ptr<SimStream>> streams;
  {
    std::lock_guard<std::shared_mutex> lock(gRegistryMutex);
    streams = gAllStreams;
  }
  for (auto const& s : streams) waitIdle(*s);
}

int launchKernel(Stream stream, std::function<int()> work, double flops, std::shared_ptr<void const> keepAlive) {
  if (int error = refuseInHostCallback()) return error;  // the cudaLaunchKernel of the simulated libnvinfer
  if (int sticky = stickyError()) return sticky;
  SimStream* target = nullptr;  // stays null for the NULL stream (the current device's)
  if (!isNullStream(stream) && !(target = recentStream(stream))) {
    return recordError(trtn::cuda::kErrorInvalidResourceHandle);
  }
  // "A kernel launch will fail if it is issued to a stream that is not associated to the current device."
  int device = currentDevice();
  if (target && target->device != device) return recordError(trtn::cuda::kErrorInvalidResourceHandle);
  spendHostLaunchTime(false);
  Work w;
  w.device = device;
  w.kind = WorkKind::kDevice;
  w.isKernel = true;
  w.run = std::move(work);
  w.flops = flops;
  w.keepAlive = std::move(keepAlive);
  return submitTo(target, stream, std::move(w));
}

}  // namespace trtsim::cuda

using namespace trtsim::cuda;

extern "C" {

TRTSIM_EXPORT int cudaStreamCreateWithFlags(Stream* out, unsigned flags) {
  if (int error = refuseInHostCallback()) return error;
  if (!out) return recordError(trtn::cuda::kErrorInvalidValue);
  if (int sticky = stickyError()) return sticky;
  auto stream = std::make_shared<SimStream>();
  stream->flags = flags;
  stream->device = currentDevice();
  auto handle = reinterpret_cast<Stream>(stream.get());
  {
    std::lock_guard<std::shared_mutex> lock(gRegistryMutex);
    gStreams.emplace(handle, stream);
    gAllStreams.push_back(stream);
  }
  std::thread(workerLoop, handle, stream).detach();
  counters().streams++;
  *out = handle;
  return trtn::cuda::kSuccess;
}

// Like CUDA: returns at once; queued work still completes, then the worker exits.
TRTSIM_EXPORT int cudaStreamDestroy(Stream handle) {
  if (int error = refuseInHostCallback()) return error;
  if (isNullStream(handle)) return recordError(trtn::cuda::kErrorInvalidResourceHandle);
  std::shared_ptr<SimStream> stream;
  {
    std::lock_guard<std::shared_mutex> lock(gRegistryMutex);
    auto it = gStreams.find(handle);
    if (it == gStreams.end()) return recordError(trtn::cuda::kErrorInvalidResourceHandle);
    stream = it->second;
    gStreams.erase(it);
    gStreamDestroys.value.fetch_add(1, std::memory_order_release);  // forgets every thread's recentStream
  }
  stream->queue.stop();
  counters().streams--;
  return stickyError();
}

TRTSIM_EXPORT int cudaStreamSynchronize(Stream handle) {
  if (int error = refuseInHostCallback()) return error;
  if (!isValidStream(handle)) return recordError(trtn::cuda::kErrorInvalidResourceHandle);
  if (int error = refuseWhileCapturing(handle)) return error;
  if (isNullStream(handle)) {
    drainBlockingStreams();
  } else {
    waitFor(handle);
  }
  return recordError(stickyError());
}

TRTSIM_EXPORT int cudaStreamQuery(Stream handle) {
  if (int error = refuseInHostCallback()) return error;
  if (int sticky = stickyError()) return sticky;
  if (isNullStream(handle)) return trtn::cuda::kSuccess;
  auto stream = lookupStream(handle);
  if (!stream) return recordError(trtn::cuda::kErrorInvalidResourceHandle);
  if (int error = refuseWhileCapturing(handle)) return error;
  stream->queue.ringAll();  // a polling caller must see progress
  return stream->queue.idle() ? trtn::cuda::kSuccess : trtn::cuda::kErrorNotReady;
}

TRTSIM_EXPORT int cudaDeviceSynchronize() {
  if (int error = refuseInHostCallback()) return error;
  drainAllStreams();
  counters().implicitSyncs++;
  return recordError(stickyError());
}

TRTSIM_EXPORT int cudaStreamAddCallback(Stream handle, trtn::cuda::StreamCallback callback, void* userData,
                                        unsigned flags) {
  if (int error = refuseInHostCallback()) return error;
  if (int sticky = stickyError()) return sticky;  // like every runtime call once the context is poisoned
  if (!callback || flags != 0) return recordError(trtn::cuda::kErrorInvalidValue);
  spendHostSubmitTime();
  Work w;
  w.kind = WorkKind::kCallback;
  w.callback = callback;
  w.userData = userData;
  return submit(handle, std::move(w));
}

TRTSIM_EXPORT int cudaLaunchHostFunc(Stream handle, trtn::cuda::HostFn fn, void* userData) {
  if (int error = refuseInHostCallback()) return error;
  if (int sticky = stickyError()) return sticky;
  if (!fn) return recordError(trtn::cuda::kErrorInvalidValue);
  spendHostSubmitTime();
  Work w;
  w.kind = WorkKind::kHostFn;
  w.hostFn = fn;
  w.userData = userData;
  return submit(handle, std::move(w));
}

TRTSIM_EXPORT int cudaMemcpy(void* dst, void const* src, size_t count, int kind) {
  if (int error = refuseInHostCallback()) return error;
  if (int sticky = stickyError()) return sticky;
  if (int error = checkCopy(dst, src, count, kind)) return recordError(error);
  drainBlockingStreams();
  int error = performCopy(dst, src, count);
  if (error) setStickyError(error);
  return recordError(error);
}

TRTSIM_EXPORT int cudaMemcpyAsync(void* dst, void const* src, size_t count, int kind, Stream handle) {
  if (int error = refuseInHostCallback()) return error;
  if (int sticky = stickyError()) return sticky;
  SimStream* stream = nullptr;  // stays null for the NULL stream
  if (!isNullStream(handle) && !(stream = recentStream(handle))) {
    return recordError(trtn::cuda::kErrorInvalidResourceHandle);
  }
  if (int error = checkCopy(dst, src, count, kind)) return recordError(error);
  if (count == 0) return trtn::cuda::kSuccess;
  spendHostSubmitTime();
  Space srcSpace = spaceOf(src, count);
  Space dstSpace = spaceOf(dst, count);
  Work w;
  w.kind = WorkKind::kDevice;
  w.copyDst = dst;
  w.copySrc = src;
  w.copyBytes = count;
  if (srcSpace == Space::kPageable && dstSpace == Space::kDevice) {
    // Pageable source: CUDA copies it to a staging buffer before returning, so the caller may reuse it at once.
    w.staged = std::make_shared<std::vector<uint8_t>>(static_cast<uint8_t const*>(src),
                                                      static_cast<uint8_t const*>(src) + count);
  }
  int error = submitTo(stream, handle, std::move(w));
  if (error == 0 && dstSpace == Space::kPageable && srcSpace == Space::kDevice) {
    waitFor(handle);  // a device-to-pageable copy is synchronous in CUDA
    counters().implicitSyncs++;
  }
  return error;
}

TRTSIM_EXPORT int cudaMemsetAsync(void* devPtr, int value, size_t count, Stream handle) {
  if (int error = refuseInHostCallback()) return error;
  if (int sticky = stickyError()) return sticky;
  if (count == 0) return trtn::cuda::kSuccess;
  if (!resolveDevice(devPtr, count)) return recordError(trtn::cuda::kErrorInvalidValue);
  spendHostSubmitTime();
  Work w;
  w.run = [devPtr, value, count] {
    void* p = resolveDevice(devPtr, count);
    if (!p) return static_cast<int>(trtn::cuda::kErrorIllegalAddress);
    std::memset(p, value, count);
    return 0;
  };
  return submit(handle, std::move(w));
}

// Stream-ordered allocation: the memory is reserved now and usable by work queued after this call.
TRTSIM_EXPORT int cudaMallocAsync(void** devPtr, size_t size, Stream handle) {
  if (int error = refuseInHostCallback()) return error;
  int device = deviceOfStream(handle);
  if (device < 0) return recordError(trtn::cuda::kErrorInvalidResourceHandle);
  if (int error = refuseWhileCapturing(handle)) return error;  // CUDA makes a memory node; not simulated
  // Reserved now, usable once the stream gets here (memory.cc, resolveDevice): a marker on the stream says so.
  auto available = std::make_shared<std::atomic<bool>>(false);
  if (int error = allocateDevice(devPtr, size, device, available)) return error;  // from the stream's device's pool
  Work w;
  w.kind = WorkKind::kMarker;  // runs even when poisoned, like the free
  w.run = [available] {
    available->store(true, std::memory_order_release);
    return 0;
  };
  if (int error = submit(handle, std::move(w))) {
    freeDevice(*devPtr);
    *devPtr = nullptr;
    return error;
  }
  return trtn::cuda::kSuccess;
}

// Stream-ordered free: the memory stays valid for work queued before this call, and no synchronization happens.
TRTSIM_EXPORT int cudaFreeAsync(void* devPtr, Stream handle) {
  if (int error = refuseInHostCallback()) return error;
  if (int sticky = stickyError()) return sticky;
  if (devPtr == nullptr) return trtn::cuda::kSuccess;
  if (!isDevicePointer(devPtr) || !resolveDevice(devPtr, 0)) return recordError(trtn::cuda::kErrorInvalidValue);
  Work w;
  w.kind = WorkKind::kMarker;  // the free happens even when poisoned, so memory accounting stays exact
  w.run = [devPtr] { return freeDevice(devPtr); };
  return submit(handle, std::move(w));
}

}  // extern "C"
