// Runs of engines whose output shapes depend on the data (NonZero and the like). For those TensorRT's enqueueV3
// waits until the kernels that decide the shapes have run: it must hand each such output to its IOutputAllocator,
// with the shape, before it returns. On the JS thread that would stall the event loop for the whole network, so a
// context of such an engine makes every TensorRT and CUDA call of its runs on its own launcher thread, in submission
// order. The JS thread only checks the arguments and copies the inputs into pinned memory; the promise settles
// through the completion queue like any other run, with the output shapes of that run.
//
// DeviceTensors keep their order on the device through events recorded when a run is queued, which here happens
// later, on another thread: too late for the caller's next use of the buffer to wait for. So a DeviceTensor input is
// copied on the JS thread, in the buffer's order of uses, into memory of the run (one device-to-device copy). A
// DeviceTensor output is written by the launcher after the buffer's earlier uses; until the run settles, every
// other use of that buffer is refused (requireNoPendingWrite). A caller needs the settled run anyway: it tells the
// output's shape. A data-dependent output is copied into the tensor from the context's own buffer, because its
// size is known only inside enqueueV3 (a tensor too small for it rejects the run).
#pragma once

#include <napi.h>

#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "../backend/backend.h"
#include "pinned_pool.h"
#include "serial_launcher.h"
#include "states.h"

namespace trtn {

// Where TensorRT puts one data-dependent output: a device buffer of the context that only grows (stream-ordered, so
// earlier runs' copies out of it are not disturbed), and the shape of the latest run. Launcher thread only.
class DynamicOutput final : public DynamicOutputSink {
 public:
  explicit DynamicOutput(ContextState& ctx) : mCtx(ctx) {}
  ~DynamicOutput() override;  // frees the buffer in the context stream's order

  void* reallocate(size_t bytes, cuda::Stream stream) override;
  void shape(std::vector<int64_t> const& dims) override { mDims = dims; mShapeKnown = true; }

  void startRun() { mShapeKnown = false; mCudaError = 0; }
  bool shapeKnown() const { return mShapeKnown; }
  std::vector<int64_t> const& dims() const { return mDims; }
  void* data() const { return mBuffer.data; }
  int cudaError() const { return mCudaError; }  // of the last failed reallocation

 private:
  ContextState& mCtx;
  GrowableDeviceBuffer mBuffer;
  std::vector<int64_t> mDims;
  bool mShapeKnown = false;
  int mCudaError = 0;
};

struct DynamicRunState {
  explicit DynamicRunState(CudaApi const& cuda) : outputStaging(cuda) {}
  void stopLauncher() { launcher.reset(); }

  std::vector<std::unique_ptr<DynamicOutput>> outputs;  // per engine output; null where the shape is known
  // Whether any output's shape depends on the data. If none does (enqueueOn: 'launcher'), enqueueV3 does not wait
  // for kernels and the context's runs may replay CUDA graphs on the launcher as they would on the JS thread.
  bool dataDependent = false;
  // Pinned memory for the outputs: their size is known only on the launcher thread, and runs give it back on the
  // JS thread (the pool is thread-safe).
  PinnedPool outputStaging;
  std::unique_ptr<SerialLauncher> launcher = std::make_unique<SerialLauncher>();
};

// JS thread, on the first run that found a data-dependent output (no run is in flight on the context yet): routes
// those outputs to DynamicOutputs and starts the launcher. Throws the JS error when TensorRT refuses.
void enableDynamicRuns(Napi::Env env, std::shared_ptr<ContextState> const& ctx);

// run() of such a context (the arguments of ContextWrap::run). Never throws: failures reject.
void submitDynamicRun(Napi::CallbackInfo const& info, std::shared_ptr<ContextState> const& ctx);

}  // namespace trtn
