// Simulated stream capture and CUDA graphs.
// A captured graph is the list of work items (kernels, copies, host functions) in capture order; an instantiated
// graph is a copy of it, and a launch queues a copy of each item on the stream, ringing its doorbell once.

#include <mutex>
#include <thread>

#include "../include/trtsim_control.h"
#include "sim_cuda.h"
#include "state.h"
#include "stream_internal.h"

using namespace trtsim::cuda;
using namespace trtsim::cuda::streams;

extern "C" {

TRTSIM_EXPORT int cudaStreamBeginCapture(Stream handle, int mode) {
  if (int error = refuseInHostCallback()) return error;
  if (int sticky = stickyError()) return sticky;
  if (mode < 0 || mode > 2) return recordError(trtn::cuda::kErrorInvalidValue);
  if (isNullStream(handle)) return recordError(trtn::cuda::kErrorStreamCaptureUnsupported);  // the legacy stream
  auto stream = lookupStream(handle);
  if (!stream) return recordError(trtn::cuda::kErrorInvalidResourceHandle);
  std::lock_guard<std::mutex> lock(stream->captureMutex);
  if (stream->capture) return recordError(trtn::cuda::kErrorIllegalState);
  stream->capture = std::make_shared<std::vector<Work>>();
  stream->capturing.store(true, std::memory_order_release);
  stream->captureMode = mode;
  stream->captureThread = std::this_thread::get_id();
  captureBegun(mode);
  stream->captureError = takeFault(TRTSIM_FAULT_CAPTURE, nullptr, nullptr) ? trtn::cuda::kErrorStreamCaptureInvalidated : 0;
  return trtn::cuda::kSuccess;
}

TRTSIM_EXPORT int cudaStreamEndCapture(Stream handle, Graph* graph) {
  if (int error = refuseInHostCallback()) return error;
  if (!graph) return recordError(trtn::cuda::kErrorInvalidValue);
  *graph = nullptr;
  auto stream = isNullStream(handle) ? nullptr : lookupStream(handle);
  if (!stream) return recordError(trtn::cuda::kErrorInvalidResourceHandle);
  std::shared_ptr<std::vector<Work>> captured;
  int error;
  {
    std::lock_guard<std::mutex> lock(stream->captureMutex);
    if (!stream->capture) return recordError(trtn::cuda::kErrorIllegalState);
    if (stream->captureMode != 2 && stream->captureThread != std::this_thread::get_id()) {
      return recordError(trtn::cuda::kErrorStreamCaptureWrongThread);
    }
    captureEnded(stream->captureMode);
    captured = std::move(stream->capture);  // leaves it null: no capture
    stream->capturing.store(false, std::memory_order_release);
    error = stream->captureError;
    stream->captureError = 0;
  }
  if (error) return recordError(error);
  auto* g = new SimGraph{std::move(*captured)};
  {
    std::lock_guard<std::shared_mutex> lock(gRegistryMutex);
    gGraphs.insert(g);
  }
  counters().graphs++;
  *graph = reinterpret_cast<Graph>(g);
  return trtn::cuda::kSuccess;
}

TRTSIM_EXPORT int cudaStreamIsCapturing(Stream handle, int* status) {
  if (int error = refuseInHostCallback()) return error;
  if (!status) return recordError(trtn::cuda::kErrorInvalidValue);
  auto stream = isNullStream(handle) ? nullptr : lookupStream(handle);
  *status = 0;  // cudaStreamCaptureStatusNone
  if (!stream) return isNullStream(handle) ? 0 : recordError(trtn::cuda::kErrorInvalidResourceHandle);
  std::lock_guard<std::mutex> lock(stream->captureMutex);
  if (stream->capture) *status = stream->captureError ? 2 : 1;  // Invalidated : Active
  return trtn::cuda::kSuccess;
}

TRTSIM_EXPORT int cudaGraphDestroy(Graph graph) {
  if (int error = refuseInHostCallback()) return error;
  auto* g = reinterpret_cast<SimGraph*>(graph);
  {
    std::lock_guard<std::shared_mutex> lock(gRegistryMutex);
    if (gGraphs.erase(g) == 0) return recordError(trtn::cuda::kErrorInvalidValue);
  }
  delete g;
  counters().graphs--;
  return stickyError();  // after a sticky error every call reports it; released all the same
}

TRTSIM_EXPORT int cudaGraphInstantiate(GraphExec* exec, Graph graph, unsigned long long flags) {
  if (int error = refuseInHostCallback()) return error;
  if (!exec || flags != 0) return recordError(trtn::cuda::kErrorInvalidValue);
  if (int sticky = stickyError()) return sticky;
  auto* g = reinterpret_cast<SimGraph*>(graph);
  auto* e = new SimGraph{};
  {
    std::lock_guard<std::shared_mutex> lock(gRegistryMutex);
    if (gGraphs.count(g) == 0) {
      delete e;
      return recordError(trtn::cuda::kErrorInvalidValue);
    }
    e->nodes = g->nodes;
    gGraphExecs.insert(e);
  }
  counters().graphExecs++;
  *exec = reinterpret_cast<GraphExec>(e);
  return trtn::cuda::kSuccess;
}

// Like CUDA: an executable graph still running is freed once its launches completed (they hold copies here).
TRTSIM_EXPORT int cudaGraphExecDestroy(GraphExec exec) {
  if (int error = refuseInHostCallback()) return error;
  auto* e = reinterpret_cast<SimGraph*>(exec);
  {
    std::lock_guard<std::shared_mutex> lock(gRegistryMutex);
    if (gGraphExecs.erase(e) == 0) return recordError(trtn::cuda::kErrorInvalidValue);
  }
  delete e;
  counters().graphExecs--;
  return stickyError();  // after a sticky error every call reports it; released all the same
}

TRTSIM_EXPORT int cudaGraphLaunch(GraphExec exec, Stream handle) {
  if (int error = refuseInHostCallback()) return error;
  if (int sticky = stickyError()) return sticky;
  auto* e = reinterpret_cast<SimGraph*>(exec);
  std::vector<Work> nodes;
  {
    std::shared_lock<std::shared_mutex> lock(gRegistryMutex);
    if (gGraphExecs.count(e) == 0) return recordError(trtn::cuda::kErrorInvalidValue);
    nodes = e->nodes;
  }
  std::shared_ptr<SimStream> stream;  // empty for the NULL stream
  if (!isNullStream(handle) && !(stream = lookupStream(handle))) {
    return recordError(trtn::cuda::kErrorInvalidResourceHandle);
  }
  spendHostLaunchTime(true);
  for (Work& node : nodes) {
    if (int error = submitTo(stream.get(), handle, std::move(node))) return error;
  }
  if (stream) stream->queue.ringAll();
  counters().graphLaunches++;
  return trtn::cuda::kSuccess;
}

}  // extern "C"
