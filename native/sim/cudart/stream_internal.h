// Internals of the simulated streams, shared by stream.cc (streams, queues, copies), events.cc and graphs.cc: the
// queued work item, the stream, event and graph records, the handle registries and the way work is queued. Hidden
// inside the library.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "sim_cuda.h"
#include "stream_queue.h"

namespace trtsim::cuda {
namespace __attribute__((visibility("hidden"))) streams {

using Clock = std::chrono::steady_clock;

struct SimEvent {
  std::mutex m;
  std::condition_variable cv;
  uint64_t recorded = 0;
  uint64_t completed = 0;
  Clock::time_point when{};
  unsigned flags = 0;
  int device = 0;  // current when it was created: it records only on streams of this device
};

enum class WorkKind { kDevice, kCallback, kHostFn, kMarker };

// One queued item. Copies and kernels are described by plain fields (no closure allocation per copy); other
// device work and markers carry a closure.
struct Work {
  WorkKind kind = WorkKind::kDevice;
  std::function<int()> run;  // kDevice / kMarker: returns a cudaError (kDevice errors poison the process)
  trtn::cuda::StreamCallback callback = nullptr;
  trtn::cuda::HostFn hostFn = nullptr;
  void* userData = nullptr;
  // A copy when `copyBytes` > 0 (and `run` is empty): the source is `staged` when the call staged it.
  void* copyDst = nullptr;
  void const* copySrc = nullptr;
  size_t copyBytes = 0;
  std::shared_ptr<std::vector<uint8_t>> staged;
  // A kernel when `isKernel`: `run` is the kernel body, `flops` feeds the cost model.
  bool isKernel = false;
  double flops = 0;
  std::shared_ptr<void const> keepAlive;  // what a kernel's `run` points into
  int device = 0;  // a kernel's: the memory it can reach
};

struct SimStream {
  StreamQueue<Work> queue;
  unsigned flags = 0;
  int device = 0;  // current when it was created
  // While capturing (cudaStreamBeginCapture), work goes into `capture` instead of the queue; `captureError` is the
  // error that invalidated the capture (cudaStreamEndCapture then returns it), 0 while it is valid. Guarded by
  // captureMutex; `capturing` lets a submission skip that lock when no capture is active.
  std::atomic<bool> capturing{false};
  std::mutex captureMutex;
  std::shared_ptr<std::vector<Work>> capture;
  int captureError = 0;
  int captureMode = 0;                 // cudaStreamCaptureMode it was begun with
  std::thread::id captureThread;       // that began it (Global and ThreadLocal captures end there)
};

// A captured graph (cudaGraph_t), or an instantiated one (cudaGraphExec_t): its work items in capture order.
struct SimGraph {
  std::vector<Work> nodes;
};

// The handle registries (stream.cc). Lookups share gRegistryMutex; creation and destruction own it.
extern std::shared_mutex& gRegistryMutex;
extern std::unordered_map<CUstream_st*, std::shared_ptr<SimStream>>& gStreams;  // live stream handles
extern std::unordered_map<CUevent_st*, std::shared_ptr<SimEvent>>& gEvents;
extern std::unordered_set<SimGraph*>& gGraphs;      // captured graphs
extern std::unordered_set<SimGraph*>& gGraphExecs;  // instantiated ones

// 0, cudaStreamLegacy and cudaStreamPerThread.
bool isNullStream(Stream s);
std::shared_ptr<SimStream> lookupStream(Stream s);
std::shared_ptr<SimEvent> lookupEvent(Event e);
// Queues work on a live stream (`stream` null: the NULL stream, which runs it now). Anything but plain device work
// (copies, kernels) rings the doorbell.
int submitTo(SimStream* stream, Stream handle, Work work);
// Queues work by handle, or on the NULL stream runs it now.
int submit(Stream handle, Work work);

}  // namespace streams
}  // namespace trtsim::cuda
