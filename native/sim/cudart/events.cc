// Simulated CUDA events: a record is a marker queued on a stream, which completes the event's latest recording when
// the stream reaches it; waits and synchronization wait for the recording made before them. Markers run even after
// a sticky error, so nothing waits forever.
#include <chrono>
#include <mutex>

#include "../include/trtsim_control.h"
#include "sim_cuda.h"
#include "state.h"
#include "stream_internal.h"

using namespace trtsim::cuda;
using namespace trtsim::cuda::streams;

extern "C" {

TRTSIM_EXPORT int cudaEventCreateWithFlags(Event* out, unsigned flags) {
  if (int error = refuseInHostCallback()) return error;
  if (!out) return recordError(trtn::cuda::kErrorInvalidValue);
  if (int sticky = stickyError()) return sticky;
  int faultError = 0;
  if (takeFault(TRTSIM_FAULT_EVENT_CREATE, &faultError, nullptr)) return recordError(faultError);
  auto event = std::make_shared<SimEvent>();
  event->flags = flags;
  event->device = currentDevice();
  auto handle = reinterpret_cast<Event>(event.get());
  {
    std::lock_guard<std::shared_mutex> lock(gRegistryMutex);
    gEvents.emplace(handle, event);
  }
  counters().events++;
  *out = handle;
  return trtn::cuda::kSuccess;
}

TRTSIM_EXPORT int cudaEventDestroy(Event handle) {
  if (int error = refuseInHostCallback()) return error;
  {
    std::lock_guard<std::shared_mutex> lock(gRegistryMutex);
    if (gEvents.erase(handle) == 0) return recordError(trtn::cuda::kErrorInvalidResourceHandle);
  }
  counters().events--;
  return stickyError();  // released all the same, so the counts stay exact; like cudaStreamDestroy
}

TRTSIM_EXPORT int cudaEventRecord(Event handle, Stream stream) {
  if (int error = refuseInHostCallback()) return error;
  if (int sticky = stickyError()) return sticky;
  auto event = lookupEvent(handle);
  if (!event) return recordError(trtn::cuda::kErrorInvalidResourceHandle);
  // "cudaEventRecord() will fail if the input event and input stream are associated to different devices."
  if (deviceOfStream(stream) != event->device) return recordError(trtn::cuda::kErrorInvalidResourceHandle);
  spendHostSubmitTime();
  uint64_t generation;
  {
    std::lock_guard<std::mutex> lock(event->m);
    generation = ++event->recorded;
  }
  Work w;
  w.kind = WorkKind::kMarker;
  w.run = [event, generation] {
    {
      std::lock_guard<std::mutex> lock(event->m);
      if (event->completed < generation) {
        event->completed = generation;
        event->when = Clock::now();
      }
    }
    event->cv.notify_all();
    return 0;
  };
  return submit(stream, std::move(w));
}

TRTSIM_EXPORT int cudaEventQuery(Event handle) {
  if (int error = refuseInHostCallback()) return error;
  if (int sticky = stickyError()) return sticky;
  auto event = lookupEvent(handle);
  if (!event) return recordError(trtn::cuda::kErrorInvalidResourceHandle);
  std::lock_guard<std::mutex> lock(event->m);
  return event->completed >= event->recorded ? trtn::cuda::kSuccess : trtn::cuda::kErrorNotReady;
}

TRTSIM_EXPORT int cudaEventSynchronize(Event handle) {
  if (int error = refuseInHostCallback()) return error;
  auto event = lookupEvent(handle);
  if (!event) return recordError(trtn::cuda::kErrorInvalidResourceHandle);
  std::unique_lock<std::mutex> lock(event->m);
  uint64_t target = event->recorded;
  event->cv.wait(lock, [&] { return event->completed >= target; });
  return recordError(stickyError());
}

TRTSIM_EXPORT int cudaStreamWaitEvent(Stream stream, Event handle, unsigned flags) {
  if (int error = refuseInHostCallback()) return error;
  if (int sticky = stickyError()) return sticky;
  if (flags != 0) return recordError(trtn::cuda::kErrorInvalidValue);
  auto event = lookupEvent(handle);
  if (!event) return recordError(trtn::cuda::kErrorInvalidResourceHandle);
  uint64_t target;
  {
    std::lock_guard<std::mutex> lock(event->m);
    target = event->recorded;
  }
  Work w;
  w.kind = WorkKind::kMarker;
  w.run = [event, target] {
    std::unique_lock<std::mutex> lock(event->m);
    event->cv.wait(lock, [&] { return event->completed >= target; });
    return 0;
  };
  return submit(stream, std::move(w));
}

TRTSIM_EXPORT int cudaEventElapsedTime(float* ms, Event start, Event end) {
  if (int error = refuseInHostCallback()) return error;
  if (!ms) return recordError(trtn::cuda::kErrorInvalidValue);
  if (int sticky = stickyError()) return sticky;
  auto a = lookupEvent(start);
  auto b = lookupEvent(end);
  if (!a || !b) return recordError(trtn::cuda::kErrorInvalidResourceHandle);
  if ((a->flags | b->flags) & trtn::cuda::kEventDisableTiming) return recordError(400);
  std::unique_lock<std::mutex> lockA(a->m, std::defer_lock);
  std::unique_lock<std::mutex> lockB(b->m, std::defer_lock);
  if (a == b) {
    lockA.lock();
  } else {
    std::lock(lockA, lockB);
  }
  if (a->completed < a->recorded || b->completed < b->recorded) return trtn::cuda::kErrorNotReady;
  if (a->recorded == 0 || b->recorded == 0) return recordError(trtn::cuda::kErrorInvalidResourceHandle);
  *ms = std::chrono::duration<float, std::milli>(b->when - a->when).count();
  return trtn::cuda::kSuccess;
}

}  // extern "C"
