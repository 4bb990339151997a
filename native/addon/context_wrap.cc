// ExecutionContext: one TensorRT execution context with its own stream. run() stages host inputs into pinned
// memory, queues the copies, enqueueV3 and the copies back on the stream, and settles its promise from the stream's
// completion callback. Runs on one context pipeline on its stream; the device buffers are reused in stream order.
#include <cstring>

#include "addon_data.h"
#include "device_scope.h"
#include "dynamic_run.h"
#include "errors.h"
#include "graph_launch.h"
#include "run_submission.h"
#include "wraps.h"

namespace trtn {

namespace {

class PingJob : public CompletionJob {
 public:
  PingJob(Napi::Env env, uint32_t ticket) : CompletionJob(env, ticket) {}
  void settle(Napi::Env env, int cudaStatus) override {
    if (cudaStatus != 0) {
      Failure f;  // the code travels so that the TS layer classifies it (and names it) by the CUDA runtime's state
      f.code = "CUDA_ERROR";
      f.cudaError = cudaStatus;
      f.message = "ping failed: the stream reported CUDA error " + std::to_string(cudaStatus);
      settlement.Reject(toJsError(env, f).Value());
    } else {
      settlement.Resolve(env.Undefined());
    }
  }
};

}  // namespace

Napi::Function ContextWrap::define(Napi::Env env) {
  return DefineClass(env, "ExecutionContext",
                     {InstanceMethod<&ContextWrap::run>("run"), InstanceMethod<&ContextWrap::ping>("ping"),
                      InstanceMethod<&ContextWrap::setProfile>("setProfile"),
                      InstanceMethod<&ContextWrap::dimsBuffer>("dimsBuffer"),
                      InstanceMethod<&ContextWrap::useCudaGraphs>("useCudaGraphs"),
                      InstanceMethod<&ContextWrap::enqueueOnLauncher>("enqueueOnLauncher"),
                      InstanceAccessor<&ContextWrap::enqueueOn>("enqueueOn"),
                      InstanceMethod<&ContextWrap::enqueueTime>("enqueueTime"),
                      InstanceMethod<&ContextWrap::boundRun>("boundRun"),
                      InstanceMethod<&ContextWrap::boundPing>("boundPing"),
                      InstanceAccessor<&ContextWrap::inFlight>("inFlight"),
                      InstanceMethod<&ContextWrap::dispose>("dispose"),
                      InstanceAccessor<&ContextWrap::disposed>("disposed")});
}

ContextWrap::ContextWrap(Napi::CallbackInfo const& info)
    : Napi::ObjectWrap<ContextWrap>(info),
      mState(takeWrapped<ContextState>(info, "ExecutionContext", "engine.createContext()")) {
  tagObject(info.Env(), info.This(), kContextTag);
}

std::shared_ptr<ContextState> ContextWrap::state(Napi::Env env) const {
  if (!mState) throwDisposed(env, "ExecutionContext");
  return mState;
}

void ContextWrap::setProfile(Napi::CallbackInfo const& info) {
  Napi::Env env = info.Env();
  auto const& ctx = state(env);
  int32_t index = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().Int32Value() : -1;
  if (ctx->dynamic && ctx->inFlight > 0) {  // its launcher thread may be inside TensorRT (dynamic_run.h)
    throw jsError(env, "INVALID_ARGUMENT", "wait for the " + std::to_string(ctx->inFlight) + " run(s) in flight "
                                           "before changing the profile: this context's runs call TensorRT from its "
                                           "launcher thread (" + (ctx->dynamic->dataDependent
                                               ? std::string("the engine has data-dependent output shapes)")
                                               : std::string("enqueueOn: 'launcher')")));
  }
  DeviceScope device(ctx->cuda(), ctx->deviceIndex());
  Failure failure;
  if (!ctx->context->setProfile(index, ctx->stream, failure)) throw toJsError(env, failure);
  ++ctx->bindingsEpoch;
  for (auto& d : ctx->inputDims) d.clear();  // TensorRT forgets the input shapes on a profile change
  ctx->shapesKnown = false;
}

// useCudaGraphs(enabled): replay captured CUDA graphs while a context's shapes and addresses repeat
// (graph_launch.h). Engines with data-dependent output shapes cannot be captured and keep plain enqueues.
void ContextWrap::useCudaGraphs(Napi::CallbackInfo const& info) {
  Napi::Env env = info.Env();
  auto const& ctx = state(env);
  DeviceScope device(ctx->cuda(), ctx->deviceIndex());
  if (info.Length() < 1 || !info[0].IsBoolean()) throw jsError(env, "INVALID_ARGUMENT", "useCudaGraphs expects a boolean");
  bool enabled = info[0].As<Napi::Boolean>().Value();
  if (ctx->dynamic) {
    // The launcher owns the graph state from the first run on: the change is queued behind the runs posted so far.
    // (The launcher is stopped before anything of the context goes, so the pointer outlives the task.)
    ContextState* launched = ctx.get();
    ctx->dynamic->launcher->post([launched, enabled] {
      DeviceScope scope(launched->cuda(), launched->deviceIndex());
      launched->useGraphs = enabled;
      if (!enabled) dropGraph(*launched);
    });
    return;
  }
  ctx->useGraphs = enabled;
  if (!ctx->useGraphs) dropGraph(*ctx);
}

// enqueueOnLauncher(): from the next run on, this context makes its runs' TensorRT and CUDA calls (enqueueV3 among
// them) on a launcher thread of its own, as an engine with data-dependent output shapes does (dynamic_run.h): the JS
// thread then only checks the arguments and stages the inputs, however long the enqueue of a large network takes.
// Only before the first run (createContext sets it), so no run of this context was ever enqueued on the JS thread.
void ContextWrap::enqueueOnLauncher(Napi::CallbackInfo const& info) {
  Napi::Env env = info.Env();
  auto const& ctx = state(env);
  if (ctx->dynamic || ctx->inFlight > 0 || ctx->enqueueTiming.runs() > 0) {
    throw jsError(env, "INVALID_ARGUMENT", "enqueueOnLauncher must be called before the context's first run");
  }
  ctx->launcherRequested = true;
}

// enqueueTime(): { runs, totalMicros, maxMicros } of the host time this context's runs spent enqueueing
// (EnqueueTiming), read while its launcher may be adding to it.
Napi::Value ContextWrap::enqueueTime(Napi::CallbackInfo const& info) {
  Napi::Env env = info.Env();
  EnqueueTiming const& timing = state(env)->enqueueTiming;
  Napi::Object o = Napi::Object::New(env);
  o.Set("runs", static_cast<double>(timing.runs()));
  o.Set("totalMicros", static_cast<double>(timing.totalNanos()) / 1e3);
  o.Set("maxMicros", static_cast<double>(timing.maxNanos()) / 1e3);
  return o;
}

// "launcher" or "caller": where this context's runs call enqueueV3 (or will, from the next run).
Napi::Value ContextWrap::enqueueOn(Napi::CallbackInfo const& info) {
  requireReceiver(info, kContextTag);  // before any member is read (wraps.h)
  bool launcher = mState && (mState->dynamic || mState->launcherRequested);
  return Napi::String::New(info.Env(), launcher ? "launcher" : "caller");
}

Napi::Value ContextWrap::inFlight(Napi::CallbackInfo const& info) {
  requireReceiver(info, kContextTag);  // before any member is read (wraps.h)
  return Napi::Number::New(info.Env(), mState ? double(mState->inFlight) : 0);
}

// ping(ticket): the floor of the completion path, a promise settled through the same stream callback with no work
// queued.
void ContextWrap::ping(Napi::CallbackInfo const& info) { submitPing(info, state(info.Env())); }

void submitPing(Napi::CallbackInfo const& info, std::shared_ptr<ContextState> const& ctx) {
  Napi::Env env = info.Env();
  uint32_t ticket = ticketArg(info, 0);
  if (!ctx) throwDisposed(env, "ExecutionContext");
  DeviceScope device(ctx->cuda(), ctx->deviceIndex());
  std::unique_ptr<CompletionJob> job = std::make_unique<PingJob>(env, ticket);
  int rc = addonData(env).completion->submit(ctx->cuda(), ctx->stream, job);
  if (rc != 0) throw toJsError(env, cudaFailure(ctx->cuda(), rc, "cudaStreamAddCallback"));
}

// dimsBuffer(): a Float64Array over memory this context owns, with room for every input's extents in order. JS
// writes a run's dims there and passes undefined for them: the run reads them without reading a typed array
// (napi_get_typedarray_info costs about 0.46k instructions per run). The view's ArrayBuffer holds a share of the
// memory, so detaching it, or the context going first, frees nothing under the other. Undefined where the runtime
// refuses external buffers (runs then pass a Float64Array of their own).
Napi::Value ContextWrap::dimsBuffer(Napi::CallbackInfo const& info) {
  Napi::Env env = info.Env();
  std::shared_ptr<ContextState> ctx = state(env);
  if (!ctx->dimsBlock) {
    size_t count = 0;
    for (int input : ctx->engine->inputs) count += ctx->engine->engine->info().tensors[input].shape.size();
    ctx->dimsBlock = std::shared_ptr<double[]>(new double[std::max<size_t>(count, 1)]());
    ctx->dimsCount = count;
  }
  auto* jsShare = new std::shared_ptr<double[]>(ctx->dimsBlock);
  auto release = [](napi_env, void*, void* hint) { delete static_cast<std::shared_ptr<double[]>*>(hint); };
  napi_value buffer = nullptr;
  if (napi_create_external_arraybuffer(env, jsShare->get(), std::max<size_t>(ctx->dimsCount, 1) * sizeof(double),
                                       release, jsShare, &buffer) != napi_ok) {
    delete jsShare;
    return env.Undefined();
  }
  napi_value view = nullptr;
  if (napi_create_typedarray(env, napi_float64_array, ctx->dimsCount, buffer, 0, &view) != napi_ok) {
    return env.Undefined();
  }
  return Napi::Value(env, view);
}

// run(ticket, dims: Float64Array (all inputs' extents in order) or undefined (dimsBuffer's), outputTargets: (DeviceBuffer | TypedArray |
//     undefined)[] | undefined, ...inputs: (TypedArray | DeviceBuffer)[])   (the inputs as trailing arguments: no
//     array to read them from), settled with [outputDims: number[][], ...outputBytes: (ArrayBuffer | undefined)[]]
//     (engine order), or just the ArrayBuffer when the engine has one host output whose dims equal the previous
//     settled run's
// A copy of the state, not mState itself: reading the arguments can run user code that disposes this context.
void ContextWrap::run(Napi::CallbackInfo const& info) { submitRun(info, std::shared_ptr<ContextState>(mState)); }

// boundRun(), boundPing(): run() and ping() as functions of their own, which find this context through their data
// pointer instead of unwrapping a receiver: napi_unwrap is a private-symbol lookup in V8, about 0.8k instructions
// per call, the dearest single N-API call of a run. Same arguments and settlement as the methods.
template <void (*submit)(Napi::CallbackInfo const&, std::shared_ptr<ContextState> const&)>
Napi::Value ContextWrap::bound(Napi::CallbackInfo const& info, char const* name) {
  Napi::Env env = info.Env();
  state(env);  // DISPOSED
  if (!mBoundState) mBoundState = std::make_shared<std::shared_ptr<ContextState>>(mState);
  using Share = std::shared_ptr<std::shared_ptr<ContextState>>;
  auto* share = new Share(mBoundState);
  auto call = [](Napi::CallbackInfo const& args) {
    Share const& bound = *static_cast<Share*>(args.Data());
    submit(args, std::shared_ptr<ContextState>(*bound));  // a copy: reading the arguments may dispose the context
  };
  Napi::Function fn = Napi::Function::New(env, call, name, share);
  fn.AddFinalizer([](Napi::Env, Share* data) { delete data; }, share);
  return fn;
}

Napi::Value ContextWrap::boundRun(Napi::CallbackInfo const& info) { return bound<&submitRun>(info, "run"); }
Napi::Value ContextWrap::boundPing(Napi::CallbackInfo const& info) { return bound<&submitPing>(info, "ping"); }

void ContextWrap::dispose(Napi::CallbackInfo const&) {
  mState.reset();
  if (mBoundState) mBoundState->reset();
}

Napi::Value ContextWrap::disposed(Napi::CallbackInfo const& info) {
  requireReceiver(info, kContextTag);  // before any member is read (wraps.h)
  return Napi::Boolean::New(info.Env(), mState == nullptr);
}

}  // namespace trtn
