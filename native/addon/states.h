// Native state behind each JS object. JS wrappers and in-flight jobs share these through shared_ptr, so dispose()
// during a run only drops the wrapper's reference: the resources go when the last run settles. Destruction order
// follows TensorRT's rules (context before engine before runtime) through the members' order. Contexts, engines and
// runtimes are owned through reaped() (reaper.h): their destruction synchronizes the device, so it runs off the JS
// thread.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <napi.h>

#include "../backend/backend.h"
#include "../backend/shape_values.h"
#include "js_log_sink.h"
#include "pinned_pool.h"

namespace trtn {

// Keeps `owner`'s object alive until the process exits: for JS references that outlived their environment and may
// not be deleted. They stay reachable from one list, so a leak checker (scripts/test-native-sanitized.sh) does not
// take them for lost memory. Any thread.
void keepForever(std::shared_ptr<void> owner);

template <typename T>
void leakOnPurpose(std::shared_ptr<T>& p) {
  if (p) keepForever(std::move(p));
}

struct RuntimeState {
  std::shared_ptr<Backend> backend;
  int device = 0;  // the CUDA device of everything this runtime makes (device_scope.h)
  std::shared_ptr<JsLogSink> sink;
  std::unique_ptr<RuntimeBackend> runtime;
  cuda::Stream utilityStream = nullptr;  // device-buffer copies and stream-ordered frees
  std::unique_ptr<PinnedPool> pinned;    // staging for device-buffer reads and writes
  std::mutex deserializeMutex;           // one deserialization at a time per runtime

  CudaApi const& cuda() const { return backend->cuda(); }
  int deviceIndex() const { return device; }
  void releaseOnJsThread() {}  // the log sink is safe to release anywhere (js_log_sink.h)
  ~RuntimeState();
};

struct EngineState {
  std::shared_ptr<RuntimeState> runtime;
  std::unique_ptr<EngineBackend> engine;
  std::vector<int> inputs;   // indices into engine->info().tensors
  std::vector<int> outputs;
  // Per input: a shape tensor input (location "host"), whose values TensorRT reads on the host, not on the device.
  std::vector<bool> hostInputs;
  bool anyHostInput = false;
  // Per output: a shape tensor output (location "host", INetworkDefinition::markOutputForShapes), whose values
  // TensorRT writes on the host while it infers shapes. Its shape is fixed.
  std::vector<bool> hostOutputs;
  bool anyHostOutput = false;
  std::mutex contextCreateMutex;  // createContext on the JS thread, createContextAsync on pool threads

  CudaApi const& cuda() const { return runtime->cuda(); }
  int deviceIndex() const { return runtime->device; }
  void releaseOnJsThread() {}
  ~EngineState() { engine.reset(); }
};

struct DeviceBufferState {
  std::shared_ptr<RuntimeState> runtime;
  void* data = nullptr;
  size_t bytes = 0;
  // Recorded after the last operation queued on the buffer (a copy on the utility stream, a run on a context's
  // stream). Every next operation first waits for it, on whatever stream it runs, so a write, a run and a read are
  // ordered on the device even when the caller does not await each step.
  cuda::Event lastUse = nullptr;
  // Runs of engines with data-dependent output shapes that are to write this buffer as an output. Their launcher
  // thread queues the write later than any use queued now could wait for (dynamic_run.h), so while one is pending,
  // every other use is refused (requireNoPendingWrite). JS thread only; the launcher touches `lastUse` meanwhile.
  int pendingLauncherWrites = 0;
  std::string launcherWriter;  // that run's output name, for the error

  // Makes `stream` wait for the previous use; returns a CUDA error or 0.
  int waitForPreviousUse(cuda::Stream stream);
  // Marks the work queued so far on `stream` as the buffer's latest use.
  int markUse(cuda::Stream stream);
  ~DeviceBufferState();
};

// A device allocation that only grows; the old block is freed in stream order, so runs still queued keep it.
struct GrowableDeviceBuffer {
  void* data = nullptr;
  size_t capacity = 0;
};

struct DynamicRunState;  // dynamic_run.h

// Host time spent inside enqueueV3 (or a graph launch) by whichever thread enqueues a context's runs: the JS thread,
// or the launcher. One thread writes at a time (a context moves to its launcher before the launcher's first
// enqueue), so relaxed loads and stores suffice and cost the JS thread no locked instruction; JS reads them.
class EnqueueTiming {
 public:
  using Clock = std::chrono::steady_clock;
  void add(Clock::time_point start, Clock::time_point end) {
    auto nanos = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(end - start).count());
    mRuns.store(mRuns.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    mTotalNanos.store(mTotalNanos.load(std::memory_order_relaxed) + nanos, std::memory_order_relaxed);
    if (nanos > mMaxNanos.load(std::memory_order_relaxed)) mMaxNanos.store(nanos, std::memory_order_relaxed);
  }
  uint64_t runs() const { return mRuns.load(std::memory_order_relaxed); }
  uint64_t totalNanos() const { return mTotalNanos.load(std::memory_order_relaxed); }
  uint64_t maxNanos() const { return mMaxNanos.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> mRuns{0};
  std::atomic<uint64_t> mTotalNanos{0};
  std::atomic<uint64_t> mMaxNanos{0};
};

struct ContextState {
  std::shared_ptr<EngineState> engine;
  std::unique_ptr<ContextBackend> context;
  cuda::Stream stream = nullptr;
  std::unique_ptr<PinnedPool> staging;
  std::vector<GrowableDeviceBuffer> deviceBuffers;  // per IO tensor
  std::vector<void*> boundAddress;                  // per IO tensor, what TensorRT was last given
  std::vector<std::vector<int64_t>> inputDims;      // per input, last shape given to TensorRT
  // Per input, the host memory bound for a shape tensor input (runs enqueued on the JS thread), holding the values
  // given to TensorRT last: a run with other values has other output shapes (shapesKnown) and other bindings.
  std::vector<ShapeValuesBuffer> hostValues;
  // Per input, the shape tensor values a launcher thread bound last (runs enqueued there bind them in their staging,
  // whose block, and so address, the pool gives the next run again): other values must count as other bindings.
  std::vector<std::vector<uint8_t>> launchedValues;
  // Per output, the host memory bound for a shape tensor output, holding its values for the bindings of epoch
  // `shapeOutputsEpoch` (refreshShapeOutputs). Written by TensorRT on whichever thread enqueues.
  std::vector<ShapeValuesBuffer> shapeOutputValues;
  uint64_t shapeOutputsEpoch = ~uint64_t{0};
  std::vector<std::vector<int64_t>> outputDims;     // per output, for the current input shapes
  // The same as a JS array of arrays, shared by the results of runs with these shapes (replaced on a change).
  std::shared_ptr<Napi::Reference<Napi::Array>> outputDimsJs;
  // The output dims the last settled run reported (runs settle in stream order); a run with the same dims and one
  // host output resolves with its bytes alone.
  std::shared_ptr<Napi::Reference<Napi::Array>> lastSettledDims;
  // The same for a context whose runs go through its launcher (dynamic_run_job.h): the last settled run's output
  // dims, empty when it had outputs on the device (those always settle with their dims).
  std::vector<std::vector<int64_t>> lastDynamicDims;
  bool shapesKnown = false;
  size_t inFlight = 0;
  std::vector<int64_t> scratchDims;  // reused by each run to read its input dims (JS thread only)
  // Where JS writes each run's input dims once dimsBuffer() handed it a view (context_wrap.cc): JS owns a share of
  // it through that view's ArrayBuffer, so a detached or collected view never frees it under a run. JS thread only.
  std::shared_ptr<double[]> dimsBlock;
  size_t dimsCount = 0;
  // Set once a run found an output whose shape depends on the data, or at the first run of a context created with
  // enqueueOn: 'launcher': from then on every TensorRT call of this context's runs happens on its launcher thread
  // (dynamic_run.h), and the JS thread touches the TensorRT context only while no run is in flight.
  std::unique_ptr<DynamicRunState> dynamic;
  bool launcherRequested = false;  // enqueueOn: 'launcher' (ContextWrap::enqueueOnLauncher)
  EnqueueTiming enqueueTiming;
  // The scratch output sinks a warm-up gave TensorRT for data-dependent outputs (warm_up.cc): TensorRT keeps a
  // pointer to them until the first run routes those outputs elsewhere. Their memory is freed after the warm-up.
  std::vector<std::unique_ptr<DynamicOutputSink>> warmUpSinks;
  // CUDA graphs (graph_launch.h): bumped by every setInputShape, setTensorAddress and profile change, so a graph
  // captured with other bindings is never replayed.
  uint64_t bindingsEpoch = 0;
  bool useGraphs = false;
  bool graphsUnsupported = false;      // a capture failed: plain enqueues from then on
  uint64_t lastEnqueueEpoch = ~uint64_t{0};  // the bindings of the latest plain enqueue
  cuda::GraphExec graph = nullptr;
  uint64_t graphEpoch = 0;             // the bindings `graph` was captured with

  ContextState();  // defined where DynamicRunState is complete
  CudaApi const& cuda() const { return engine->runtime->cuda(); }
  int deviceIndex() const { return engine->runtime->device; }
  // Grows `buffer` to at least `bytes`; returns a CUDA error or 0.
  int ensureCapacity(GrowableDeviceBuffer& buffer, size_t bytes);
  // setTensorAddress for IO tensor `index`, only when the address changed since the last run; false with the failure.
  bool bindTensor(int index, void* address, Failure& failure);
  // setInputShape for input `input` (engine input order), only when the shape changed; false with the failure.
  bool applyInputShape(size_t input, std::vector<int64_t> const& dims, Failure& failure);
  // Binds each shape tensor output to its host buffer and, when the shapes, shape values or addresses changed since it
  // last did, has TensorRT write their values there (inferShapes: documented to write every shape output whose
  // address is set). A CUDA graph replay runs no TensorRT code, and TensorRT may skip shape inference on an enqueue
  // whose shapes it knows, so the values are taken from here, never from a particular enqueue. After every other
  // binding of a run; false with the failure.
  bool refreshShapeOutputs(Failure& failure);
  // The JS references, dropped where the last owner let go (always the JS thread) before the reaper gets the rest.
  void releaseOnJsThread() {
    outputDimsJs.reset();
    lastSettledDims.reset();
  }
  // After the environment was torn down (CompletionJob::leakJsHandles).
  void leakJsHandles() {
    leakOnPurpose(outputDimsJs);
    leakOnPurpose(lastSettledDims);
  }
  ~ContextState();
};

}  // namespace trtn
