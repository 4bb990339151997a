#include "graph_launch.h"

#include <string>

#include "dynamic_run.h"
#include "errors.h"

namespace trtn {

namespace {

// Did the enqueue fail because of the capture (TensorRT cannot capture this network) rather than for its own reason?
bool failedForCapture(Failure const& failure) {
  if (failure.cudaError == cuda::kErrorStreamCaptureUnsupported ||
      failure.cudaError == cuda::kErrorStreamCaptureInvalidated) {
    return true;
  }
  for (std::string const& m : failure.trtMessages) {
    if (m.find("capturing") != std::string::npos || m.find("during capture") != std::string::npos) return true;
  }
  return false;
}

// Captures one enqueueV3 into ctx.graph. False when this context cannot be captured (then it stops trying), or
// with `failure` set when the enqueue itself failed.
bool capture(ContextState& ctx, Failure& failure, bool& enqueueFailed) {
  CudaApi const& api = ctx.cuda();
  dropGraph(ctx);
  // ThreadLocal, not NVIDIA's usual Global: a Global capture makes cudaMalloc, cudaFree and cudaFreeHost fail on
  // every thread while it lasts, and the reaper, launchers and deserializing workers make those calls at any time.
  if (api.cudaStreamBeginCapture(ctx.stream, 1 /* cudaStreamCaptureModeThreadLocal */) != 0) {
    api.cudaGetLastError();
    return false;
  }
  Failure enqueueFailure;
  bool enqueued = ctx.context->enqueue(ctx.stream, enqueueFailure);
  cuda::Graph graph = nullptr;
  int ended = api.cudaStreamEndCapture(ctx.stream, &graph);
  if (!enqueued && !failedForCapture(enqueueFailure)) {
    if (graph) api.cudaGraphDestroy(graph);
    failure = enqueueFailure;  // the run fails as it would have without a graph
    enqueueFailed = true;
    return false;
  }
  cuda::GraphExec exec = nullptr;
  bool ok = enqueued && ended == 0 && graph && api.cudaGraphInstantiate(&exec, graph, 0) == 0;
  if (graph) api.cudaGraphDestroy(graph);  // the executable graph does not need it
  if (!ok) {
    api.cudaGetLastError();  // the capture's errors belong to no run
    return false;
  }
  ctx.graph = exec;
  ctx.graphEpoch = ctx.bindingsEpoch;
  return true;
}

bool enqueueOrLaunch(ContextState& ctx, Failure& failure) {
  // With data-dependent outputs enqueueV3 waits for the kernels that decide their shapes, which no capture allows.
  bool dataDependent = ctx.dynamic && ctx.dynamic->dataDependent;
  if (!ctx.useGraphs || ctx.graphsUnsupported || dataDependent) return ctx.context->enqueue(ctx.stream, failure);
  bool replay = ctx.graph && ctx.graphEpoch == ctx.bindingsEpoch;
  if (!replay) {
    if (ctx.lastEnqueueEpoch != ctx.bindingsEpoch) {  // new bindings: one plain enqueue first
      ctx.lastEnqueueEpoch = ctx.bindingsEpoch;
      return ctx.context->enqueue(ctx.stream, failure);
    }
    bool enqueueFailed = false;
    if (!capture(ctx, failure, enqueueFailed)) {
      if (enqueueFailed) return false;
      ctx.graphsUnsupported = true;
      return ctx.context->enqueue(ctx.stream, failure);
    }
  }
  CudaApi const& api = ctx.cuda();
  if (int rc = api.cudaGraphLaunch(ctx.graph, ctx.stream)) {
    failure = cudaFailure(api, rc, "cudaGraphLaunch");
    return false;
  }
  return true;
}

}  // namespace

bool enqueueOrLaunchGraph(ContextState& ctx, Failure& failure) {
  auto start = EnqueueTiming::Clock::now();
  bool queued = enqueueOrLaunch(ctx, failure);
  ctx.enqueueTiming.add(start, EnqueueTiming::Clock::now());
  return queued;
}

void dropGraph(ContextState& ctx) {
  // An executable graph still running is freed when it completes (CUDA's rule), so this never waits.
  if (ctx.graph) ctx.cuda().cudaGraphExecDestroy(ctx.graph);
  ctx.graph = nullptr;
}

}  // namespace trtn
