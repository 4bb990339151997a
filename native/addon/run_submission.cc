#include "run_submission.h"

#include <algorithm>
#include <cstring>

#include "addon_data.h"
#include "device_scope.h"
#include "dynamic_run.h"
#include "errors.h"
#include "graph_launch.h"
#include "js_bytes.h"
#include "settled_bytes.h"
#include "wraps.h"

namespace trtn {

void requireUsableByRun(Napi::Env env, DeviceBufferState const& buffer, ContextState const& ctx, char const* role,
                        std::string const& name) {
  // The message is built only when it is needed: this runs for every DeviceTensor of every run.
  if (buffer.pendingLauncherWrites != 0) requireNoPendingWrite(env, buffer, std::string(role) + " '" + name + "'", name);
  int context = ctx.deviceIndex();
  if (buffer.runtime->device == context) return;
  throw jsError(env, "INVALID_INPUT", std::string(role) + " '" + name + "': the DeviceTensor is on CUDA device " +
                                          std::to_string(buffer.runtime->device) + ", this context runs on device " +
                                          std::to_string(context) + "; copy it to a DeviceTensor of device " +
                                          std::to_string(context) + " first (deviceTensor.copyTo)", name);
}

std::string dimsText(std::vector<int64_t> const& d) {
  std::string s = "[";
  for (size_t i = 0; i < d.size(); ++i) s += (i ? "," : "") + std::to_string(d[i]);
  return s + "]";
}

FlatDims::FlatDims(Napi::Env env, Napi::Value value, ContextState const& ctx) : mEnv(env) {
  if (ctx.dimsBlock && value.IsUndefined()) {  // no N-API call: the hot path of run()
    mFlat = ctx.dimsBlock.get();
    mCount = ctx.dimsCount;
    return;
  }
  napi_typedarray_type type;
  void* first = nullptr;
  if (!typedArrayInfo(env, value, &type, &first, &mCount) || type != napi_float64_array) {
    throw jsError(env, "INVALID_INPUT", "run expects the input dims as one Float64Array (or undefined once dimsBuffer() gave the context's own)");
  }
  mFlat = static_cast<double const*>(first);
}

void FlatDims::next(TensorInfo const& t, std::vector<int64_t>& dims) {
  size_t rank = t.shape.size();
  if (mAt + rank > mCount) {
    throw jsError(mEnv, "INVALID_INPUT", "the dims array holds " + std::to_string(mCount) + " extents; the inputs' "
                                             "ranks need more", t.name);
  }
  dims.resize(rank);
  for (size_t k = 0; k < rank; ++k) {
    double v = mFlat[mAt + k];
    if (!(v >= 0) || v > 9007199254740991.0 || v != static_cast<double>(static_cast<int64_t>(v))) {
      throw jsError(mEnv, "INVALID_INPUT", "dim " + std::to_string(k) + " of input '" + t.name +
                                               "' must be a non-negative integer", t.name);
    }
    dims[k] = static_cast<int64_t>(v);
  }
  // The byte count must be countable: an element count that wraps around size_t would pass every size check as a
  // small number (and TensorRT's own volume would overflow).
  double bytes = static_cast<double>(dataTypeSize(t.dataType));
  for (int64_t d : dims) bytes *= static_cast<double>(d);
  if (bytes > 9007199254740991.0) {
    throw jsError(mEnv, "INVALID_INPUT", "input '" + t.name + "' of " + dimsText(dims) + " would need " +
                                             std::to_string(bytes) + " bytes, more than can be counted", t.name);
  }
  mAt += rank;
}

Napi::Error inputTooShort(Napi::Env env, TensorInfo const& t, std::vector<int64_t> const& dims, size_t needed,
                          size_t have) {
  return jsError(env, "INVALID_INPUT", "input '" + t.name + "' needs " + std::to_string(needed) + " bytes for " +
                                           dimsText(dims) + " of " + dataTypeName(t.dataType) + ", got " +
                                           std::to_string(have) +
                                           (have == 0 && needed > 0 ? " (a detached or empty buffer?)" : ""),
                 t.name);
}

uint8_t const* shapeValuesOf(Napi::Env env, Napi::Value value, TensorInfo const& t, std::vector<int64_t> const& dims,
                             size_t bytes) {
  void* first = nullptr;
  uint8_t const* host = nullptr;
  size_t have = 0;
  if (typedArrayBytes(env, value, &first, &have)) {
    host = static_cast<uint8_t const*>(first);
  } else if (DeviceBufferWrap::from(env, value)) {
    throw jsError(env, "INVALID_INPUT", "input '" + t.name + "' is a shape tensor, whose values TensorRT reads on the "
                                        "host: give it as a TypedArray, not a DeviceTensor", t.name);
  } else if (!bytesOf(value, &host, &have)) {
    throw jsError(env, "INVALID_INPUT", "input '" + t.name + "' must be a TypedArray", t.name);
  }
  if (have < bytes) throw inputTooShort(env, t, dims, bytes, have);
  return host;
}

void stageFormatted(TensorInfo const& t, std::vector<int64_t> const& dims, uint8_t const* linear, uint8_t* staged) {
  // reformat() only reads the row-major side when it writes the formatted one.
  layout::reformat(const_cast<uint8_t*>(linear), staged, dims, t.layout, dataTypeSize(t.dataType), true);
}

void unstageFormatted(TensorInfo const& t, std::vector<int64_t> const& dims, uint8_t* staged) {
  std::vector<uint8_t> linear(volume(dims) * dataTypeSize(t.dataType));
  layout::reformat(linear.data(), staged, dims, t.layout, dataTypeSize(t.dataType), false);
  std::memcpy(staged, linear.data(), linear.size());
}

Napi::Error formattedOnDevice(Napi::Env env, char const* role, TensorInfo const& t) {
  return jsError(env, "INVALID_INPUT", std::string(role) + " '" + t.name + "' is laid out as " + t.format + " by the "
                                       "engine, and a DeviceTensor holds row-major data: give a TypedArray, which "
                                       "the run converts", t.name);
}

Napi::Error shapeOutputOnDevice(Napi::Env env, std::string const& name) {
  return jsError(env, "INVALID_INPUT", "output '" + name + "' is a shape tensor output, which TensorRT writes on the "
                                       "host: give a TypedArray, its byte length or nothing for it, not a DeviceTensor",
                 name);
}

namespace {

struct OutputPlan {
  size_t bytes = 0;        // row-major, as the caller gets it
  size_t deviceBytes = 0;  // in the engine's layout (deviceBytesOf), as the device buffer and staging hold it
  size_t stagingOffset = 0;
  bool onDevice = false;
  bool shapeValues = false;  // a shape tensor output: TensorRT writes it to the context's host memory
  napi_ref hostTarget = nullptr;  // the caller's TypedArray, copied into at settle (no allocation per run)
  void* device = nullptr;
  TensorInfo const* formatted = nullptr;  // an output in another layout than row-major: converted at settle
};

struct InputPlan {
  bool shapeValues = false;  // a shape tensor input: bound in host memory by applyShapeValues
  uint8_t const* host = nullptr;
  void* device = nullptr;  // a DeviceBuffer given by the caller
  size_t bytes = 0;        // row-major
  size_t deviceBytes = 0;  // in the engine's layout
  size_t stagingOffset = 0;
};

// Settles the run's promise from the completion queue, on the JS thread.
class RunJob : public CompletionJob {
 public:
  RunJob(Napi::Env env, uint32_t ticket) : CompletionJob(env, ticket) {}
  ~RunJob() override {
    releaseStaging();
    releaseHostTargets();  // on the JS thread: settled, failed before enqueue, or dropped at environment teardown
  }

  void leakJsHandles() override {
    if (!submissionError.IsEmpty()) submissionError.SuppressDestruct();  // leaked with the environment
    leakOnPurpose(outputDims);
    for (OutputPlan& plan : outputs) plan.hostTarget = nullptr;  // leaked with the environment
    if (ctx) ctx->leakJsHandles();
  }

  void releaseStaging() {
    if (ctx && staging.data) ctx->staging->release(staging);
    staging = PinnedBuffer{};
  }

  void settle(Napi::Env env, int cudaStatus) override {
    ctx->inFlight--;
    if (!submissionError.IsEmpty()) {  // failed while submitting; waited for the copies it had queued
      releaseStaging();
      settlement.Reject(submissionError.Value());
      return;
    }
    if (cudaStatus != 0) {
      Failure f = cudaFailure(ctx->cuda(), cudaStatus, "the run on the GPU");
      f.code = "CUDA_ERROR";
      releaseStaging();
      settlement.Reject(toJsError(env, f).Value());
      return;
    }
    for (size_t o = 0; o < formattedDims.size(); ++o) {
      OutputPlan const& plan = outputs[o];
      if (plan.formatted) unstageFormatted(*plan.formatted, formattedDims[o], static_cast<uint8_t*>(staging.data) + plan.stagingOffset);
    }
    if (!copyToHostTargets(env)) return;
    // Host outputs whose dims equal the previous settled run's (the steady state): the compact forms
    // (settled_bytes.h).
    bool allHost = std::none_of(outputs.begin(), outputs.end(), [](OutputPlan const& o) { return o.onDevice; });
    if (allHost && ctx->lastSettledDims == outputDims) {
      SettlingOutputs settling(outputs.size());
      for (size_t i = 0; i < outputs.size(); ++i) {
        settling[i] = SettlingOutput{stagingAt(outputs[i]), outputs[i].bytes, outputs[i].hostTarget != nullptr};
      }
      Napi::Value result = compactResult(env, settling.data(), outputs.size());
      releaseStaging();
      settlement.Resolve(result);
      return;
    }
    ctx->lastSettledDims = outputDims;
    // [dims of every output (an array shared by runs of the same shapes), output 0 bytes, output 1 bytes, ...];
    // outputs written to a DeviceBuffer or copied into the caller's arrays have `undefined` bytes.
    Napi::Array results = Napi::Array::New(env, outputs.size() + 1);
    results.Set(uint32_t{0}, outputDims->Value());
    for (size_t i = 0; i < outputs.size(); ++i) {
      if (!outputs[i].onDevice && !outputs[i].hostTarget) {
        results.Set(static_cast<uint32_t>(i + 1), outputBytes(env, stagingAt(outputs[i]), outputs[i].bytes));
      }
    }
    releaseStaging();
    settlement.Resolve(results);
  }

  // Copies outputs into the TypedArrays the caller gave for them. They were checked at submission; false (and the
  // promise rejected) if one was detached since.
  bool copyToHostTargets(Napi::Env env) {
    for (size_t o = 0; o < outputs.size(); ++o) {
      OutputPlan const& plan = outputs[o];
      if (!plan.hostTarget) continue;
      size_t have = 0;
      if (!copyIntoTypedArray(env, plan.hostTarget, static_cast<uint8_t*>(staging.data) + plan.stagingOffset,
                              plan.bytes, &have)) {
        releaseStaging();
        std::string name = ctx->engine->engine->info().tensors[ctx->engine->outputs[o]].name;
        settlement.Reject(jsError(env, "INVALID_INPUT", "the array given for output '" + name + "' was detached or "
                                                      "shrunk before the run finished", name).Value());
        return false;
      }
    }
    return true;
  }

  void releaseHostTargets() {
    for (OutputPlan& plan : outputs) {
      if (plan.hostTarget) napi_delete_reference(settlement.Env(), plan.hostTarget);
      plan.hostTarget = nullptr;
    }
  }

  uint8_t const* stagingAt(OutputPlan const& o) const { return static_cast<uint8_t const*>(staging.data) + o.stagingOffset; }

  std::shared_ptr<ContextState> ctx;
  PinnedBuffer staging;
  // Copies out of `staging` were queued on the stream: if the submission fails after that, the run settles (and the
  // staging goes back to the pool) only once the stream has passed them, as any run does; a next run would
  // otherwise be handed the block and overwrite what a queued copy still reads.
  bool queuedWork = false;
  Napi::Reference<Napi::Value> submissionError;  // that failure, rejected at settle
  std::vector<OutputPlan> outputs;
  // Per output, the dims of those in another layout than row-major, for their conversion at settle; empty when the
  // engine has none (the usual case costs no allocation).
  std::vector<std::vector<int64_t>> formattedDims;
  std::shared_ptr<Napi::Reference<Napi::Array>> outputDims;  // the output shapes at enqueue time
  std::vector<std::shared_ptr<DeviceBufferState>> deviceBuffers;  // kept alive until the run settles
};

// The steps of one submission; each throws a JS error, which submitRun turns into the promise's rejection.
class RunSubmission {
 public:
  RunSubmission(Napi::Env env, std::shared_ptr<ContextState> const& ctx, RunJob& job)
      : mEnv(env), mCtx(*ctx), mEngine(*ctx->engine), mInfo(mEngine.engine->info()), mApi(ctx->cuda()), mJob(job) {}

  // Tells TensorRT only the shapes that changed, then reads the output shapes it infers. `flatDims` holds every
  // input's extents one after the other (a Float64Array the caller reuses: one read instead of one per extent).
  void applyInputShapes(Napi::CallbackInfo const& info) {
    FlatDims flat(mEnv, info[1], mCtx);
    for (size_t i = 0; i < mEngine.inputs.size(); ++i) {
      TensorInfo const& t = tensor(mEngine.inputs[i]);
      std::vector<int64_t>& dims = mCtx.scratchDims;
      flat.next(t, dims);
      if (dims == mCtx.inputDims[i]) continue;
      if (!mCtx.applyInputShape(i, dims, mFailure)) throw toJsError(mEnv, mFailure);
      mCtx.shapesKnown = false;
    }
    if (mEngine.anyHostInput) applyShapeValues(info);
    if (!mCtx.shapesKnown) refreshOutputShapes();
    mJob.outputDims = mCtx.outputDimsJs;
  }

  // A shape tensor input's values go to TensorRT in the context's host memory, which TensorRT reads until this run's
  // enqueueV3 returns (within this call). Values other than the last run's change the output shapes, which are then
  // read again, and the bindings, so a CUDA graph captured with the old values is not replayed.
  void applyShapeValues(Napi::CallbackInfo const& info) {
    for (size_t i = 0; i < mEngine.inputs.size(); ++i) {
      if (!mEngine.hostInputs[i]) continue;
      int ti = mEngine.inputs[i];
      TensorInfo const& t = tensor(ti);
      size_t bytes = volume(mCtx.inputDims[i]) * dataTypeSize(t.dataType);
      uint8_t const* values = shapeValuesOf(mEnv, info[3 + i], t, mCtx.inputDims[i], bytes);
      ShapeValuesBuffer& buffer = mCtx.hostValues[i];
      uint8_t* bound = static_cast<uint8_t*>(mCtx.boundAddress[ti]);
      if (bound && bound == buffer.data() && std::memcmp(bound, values, bytes) == 0) continue;
      uint8_t* at = buffer.reserve(std::max<size_t>(bytes, 1));
      std::memcpy(at, values, bytes);
      bind(ti, at);
      ++mCtx.bindingsEpoch;
      mCtx.shapesKnown = false;
    }
  }

  // Whether an output's shape stayed unknown once every input shape was set: it depends on the data.
  bool foundDataDependentOutput() const { return mFoundDataDependent; }

  // Where each input comes from and how many bytes it needs.
  void planInputs(Napi::CallbackInfo const& info) {
    mInputs.assign(mEngine.inputs.size(), InputPlan{});
    for (size_t i = 0; i < mInputs.size(); ++i) {
      TensorInfo const& t = tensor(mEngine.inputs[i]);
      InputPlan& plan = mInputs[i];
      if (mEngine.anyHostInput && mEngine.hostInputs[i]) {
        plan.shapeValues = true;
        continue;
      }
      plan.bytes = volume(mCtx.inputDims[i]) * dataTypeSize(t.dataType);
      plan.deviceBytes = deviceBytesOf(t, mCtx.inputDims[i], plan.bytes);
      Napi::Value value = info[3 + i];
      size_t have = 0;
      void* first = nullptr;
      if (typedArrayBytes(mEnv, value, &first, &have)) {  // the common case first: one N-API call
        plan.host = static_cast<uint8_t const*>(first);
      } else if (auto buffer = DeviceBufferWrap::from(mEnv, value)) {
        if (!t.layout.linear()) throw formattedOnDevice(mEnv, "input", t);
        requireUsableByRun(mEnv, *buffer, mCtx, "input", t.name);
        plan.device = buffer->data;
        have = buffer->bytes;
        mJob.deviceBuffers.push_back(std::move(buffer));
      } else if (!bytesOf(value, &plan.host, &have)) {
        throw jsError(mEnv, "INVALID_INPUT", "input '" + t.name + "' must be a TypedArray or a DeviceBuffer", t.name);
      }
      if (have < plan.bytes) throw inputTooShort(mEnv, t, mCtx.inputDims[i], plan.bytes, have);
      if (plan.host) plan.stagingOffset = reserveStaging(plan.deviceBytes);
    }
  }

  // Each output goes to the caller's DeviceBuffer or, through staging, back to the host: into a new ArrayBuffer, or
  // into the caller's TypedArray.
  void planOutputs(Napi::Array targets) {
    mJob.outputs.assign(mEngine.outputs.size(), OutputPlan{});
    for (size_t o = 0; o < mJob.outputs.size(); ++o) {
      TensorInfo const& t = tensor(mEngine.outputs[o]);
      OutputPlan& plan = mJob.outputs[o];
      std::vector<int64_t> const& dims = mCtx.outputDims[o];
      plan.bytes = volume(dims) * dataTypeSize(t.dataType);
      plan.deviceBytes = deviceBytesOf(t, dims, plan.bytes);
      if (!t.layout.linear()) {
        plan.formatted = &t;
        mJob.formattedDims.resize(mJob.outputs.size());
        mJob.formattedDims[o] = dims;
      }
      plan.shapeValues = mEngine.anyHostOutput && mEngine.hostOutputs[o];
      std::shared_ptr<DeviceBufferState> buffer;
      if (!targets.IsEmpty()) {
        Napi::Value target = targets.Get(static_cast<uint32_t>(o));
        void* first = nullptr;
        size_t have = 0;
        bool counted = true;
        bool isArray = typedArrayBytes(mEnv, target, &first, &have);
        if (isArray || targetByteCount(mEnv, target, &have, &counted)) {
          if (!counted) throw notATarget(t.name);
          if (have < plan.bytes) {
            throw jsError(mEnv, "INVALID_INPUT", "output array for '" + t.name + "' needs " +
                                                     std::to_string(plan.bytes) + " bytes for " + dimsText(dims) +
                                                     ", has " + std::to_string(have), t.name);
          }
          // A byte count: the bytes come back like any host output's, and JS copies them into its array.
          if (isArray) napi_create_reference(mEnv, target, 1, &plan.hostTarget);
          plan.stagingOffset = reserveStaging(plan.deviceBytes);
          continue;
        }
        buffer = DeviceBufferWrap::from(mEnv, target);
        if (!buffer && !target.IsUndefined() && !target.IsNull()) throw notATarget(t.name);
      }
      if (buffer && plan.shapeValues) throw shapeOutputOnDevice(mEnv, t.name);
      if (buffer && plan.formatted) throw formattedOnDevice(mEnv, "output", t);
      if (buffer) {
        requireUsableByRun(mEnv, *buffer, mCtx, "output", t.name);
        if (buffer->bytes < plan.bytes) {
          throw jsError(mEnv, "INVALID_INPUT", "output buffer for '" + t.name + "' needs " +
                                                   std::to_string(plan.bytes) + " bytes for " + dimsText(dims) +
                                                   ", has " + std::to_string(buffer->bytes), t.name);
        }
        plan.onDevice = true;
        plan.device = buffer->data;
        mJob.deviceBuffers.push_back(std::move(buffer));
      } else {
        plan.stagingOffset = reserveStaging(plan.deviceBytes);
      }
    }
  }

  // Pinned staging, device buffers and the addresses TensorRT reads and writes; host inputs are copied in.
  void stageAndBind() {
    int rc = mCtx.staging->acquire(std::max<size_t>(mStagingBytes, 1), mJob.staging);
    if (rc != 0) throw toJsError(mEnv, cudaFailure(mApi, rc, "cudaMallocHost"));
    mJob.queuedWork = true;
    auto* staging = static_cast<uint8_t*>(mJob.staging.data);
    for (size_t i = 0; i < mInputs.size(); ++i) {
      InputPlan const& plan = mInputs[i];
      int ti = mEngine.inputs[i];
      if (plan.shapeValues) continue;
      if (plan.device) {
        bind(ti, plan.device);
        continue;
      }
      bind(ti, grow(ti, plan.deviceBytes));
      if (plan.bytes == 0) continue;
      if (tensor(ti).layout.linear()) {
        std::memcpy(staging + plan.stagingOffset, plan.host, plan.bytes);
      } else {
        stageFormatted(tensor(ti), mCtx.inputDims[i], plan.host, staging + plan.stagingOffset);
      }
      rc = mApi.cudaMemcpyAsync(mCtx.boundAddress[ti], staging + plan.stagingOffset, plan.deviceBytes,
                                cuda::kHostToDevice, mCtx.stream);
      if (rc != 0) throw toJsError(mEnv, cudaFailure(mApi, rc, "cudaMemcpyAsync (input)"));
    }
    for (size_t o = 0; o < mJob.outputs.size(); ++o) {
      OutputPlan& plan = mJob.outputs[o];
      if (plan.shapeValues) continue;  // bound by refreshShapeOutputs
      int ti = mEngine.outputs[o];
      if (!plan.onDevice) plan.device = grow(ti, plan.deviceBytes);
      bind(ti, plan.device);
    }
    if (mEngine.anyHostOutput && !mCtx.refreshShapeOutputs(mFailure)) throw toJsError(mEnv, mFailure);
  }

  // The network and the copies back, in stream order, after any pending use of the caller's device buffers.
  void enqueue() {
    for (auto const& buffer : mJob.deviceBuffers) {
      int rc = buffer->waitForPreviousUse(mCtx.stream);
      if (rc != 0) throw toJsError(mEnv, cudaFailure(mApi, rc, "cudaStreamWaitEvent"));
    }
    if (!enqueueOrLaunchGraph(mCtx, mFailure)) {
      // TensorRT may have queued part of the network before it failed: later uses of the caller's device buffers
      // wait for that part too (the error reported is this one, whatever marking returns).
      for (auto const& buffer : mJob.deviceBuffers) buffer->markUse(mCtx.stream);
      throw toJsError(mEnv, mFailure);
    }
    for (auto const& buffer : mJob.deviceBuffers) {
      int rc = buffer->markUse(mCtx.stream);
      if (rc != 0) throw toJsError(mEnv, cudaFailure(mApi, rc, "cudaEventRecord"));
    }
    auto* staging = static_cast<uint8_t*>(mJob.staging.data);
    for (size_t o = 0; o < mJob.outputs.size(); ++o) {
      OutputPlan const& plan = mJob.outputs[o];
      if (plan.onDevice || plan.bytes == 0) continue;
      if (plan.shapeValues) {  // on the host already, valid for these bindings: no copy queued
        std::memcpy(staging + plan.stagingOffset, mCtx.shapeOutputValues[o].data(), plan.bytes);
        continue;
      }
      int rc = mApi.cudaMemcpyAsync(staging + plan.stagingOffset, plan.device, plan.deviceBytes, cuda::kDeviceToHost,
                                    mCtx.stream);
      if (rc != 0) throw toJsError(mEnv, cudaFailure(mApi, rc, "cudaMemcpyAsync (output)"));
    }
  }

 private:
  TensorInfo const& tensor(int index) const { return mInfo.tensors[index]; }

  Napi::Error notATarget(std::string const& name) const {
    return jsError(mEnv, "INVALID_INPUT", "output '" + name + "' must be a TypedArray, its byte length or a DeviceBuffer", name);
  }

  size_t reserveStaging(size_t bytes) {
    size_t offset = mStagingBytes;
    mStagingBytes += aligned(bytes);
    return offset;
  }

  void refreshOutputShapes() {
    size_t nOut = mEngine.outputs.size();
    for (size_t o = 0; o < nOut; ++o) {
      std::vector<int64_t>& d = mCtx.outputDims[o];
      TensorInfo const& t = tensor(mEngine.outputs[o]);
      d = mCtx.context->tensorShape(t.name);
      if (!hasUnknownExtent(d)) continue;
      // With shape tensor inputs, an unknown extent of an output that does not depend on the data means TensorRT
      // refused the values (the TypeScript layer checks them against the profile first).
      if (mEngine.anyHostInput && !t.dataDependent) {
        Failure why;
        mCtx.context->inferShapes(why);
        why.message = "output '" + t.name + "': TensorRT could not infer its shape from the input shapes and the shape "
                      "tensor values given" + (why.trtMessages.empty() ? std::string() : ": " + why.trtMessages.back());
        why.code = "INVALID_INPUT";
        why.tensor = t.name;
        throw toJsError(mEnv, why);
      }
      mFoundDataDependent = true;
    }
    if (mFoundDataDependent) return;
    Napi::Array dimsJs = Napi::Array::New(mEnv, nOut);
    for (size_t o = 0; o < nOut; ++o) {
      std::vector<int64_t> const& d = mCtx.outputDims[o];
      Napi::Array one = Napi::Array::New(mEnv, d.size());
      for (size_t k = 0; k < d.size(); ++k) one.Set(static_cast<uint32_t>(k), static_cast<double>(d[k]));
      dimsJs.Set(static_cast<uint32_t>(o), one);
    }
    mCtx.outputDimsJs = std::make_shared<Napi::Reference<Napi::Array>>(Napi::Persistent(dimsJs));
    mCtx.shapesKnown = true;
  }

  // The context's own device buffer for a tensor, grown to `bytes` (stream-ordered, no synchronization).
  void* grow(int tensorIndex, size_t bytes) {
    GrowableDeviceBuffer& device = mCtx.deviceBuffers[tensorIndex];
    int rc = mCtx.ensureCapacity(device, bytes);
    if (rc != 0) throw toJsError(mEnv, cudaFailure(mApi, rc, "cudaMallocAsync"));
    return device.data;
  }

  // setTensorAddress, only when the address changed since the last run.
  void bind(int tensorIndex, void* address) {
    if (!mCtx.bindTensor(tensorIndex, address, mFailure)) throw toJsError(mEnv, mFailure);
  }

  Napi::Env mEnv;
  ContextState& mCtx;
  EngineState const& mEngine;
  EngineInfo const& mInfo;
  CudaApi const& mApi;
  RunJob& mJob;
  Failure mFailure;
  std::vector<InputPlan> mInputs;
  size_t mStagingBytes = 0;
  bool mFoundDataDependent = false;
};

// A run that failed during submission: rejected now, unless it had queued copies out of its staging; then the job
// (its staging, the device buffers it bound) settles with `error` once the stream passed them, counted in flight.
void failSubmission(Napi::Env env, std::unique_ptr<RunJob> job, Napi::Value error) {
  if (!job) return;  // already handed to the completion queue, which settles it
  if (job->queuedWork) {
    std::shared_ptr<ContextState> ctx = job->ctx;
    job->submissionError = Napi::Persistent(error);
    std::unique_ptr<CompletionJob> base(job.release());
    if (addonData(env).completion->submit(ctx->cuda(), ctx->stream, base) == 0) {
      ctx->inFlight++;
      return;
    }
    job.reset(static_cast<RunJob*>(base.release()));  // a poisoned device: no queued copy runs any more
  }
  job->settlement.Reject(error);
}

}  // namespace

void submitRun(Napi::CallbackInfo const& info, std::shared_ptr<ContextState> const& ctx) {
  Napi::Env env = info.Env();
  auto job = std::make_unique<RunJob>(env, ticketArg(info, 0));
  try {
    if (!ctx) throwDisposed(env, "ExecutionContext");
    DeviceScope device(ctx->cuda(), ctx->deviceIndex());
    job->ctx = ctx;
    size_t nIn = ctx->engine->inputs.size();
    if (info.Length() != 3 + nIn) {
      throw jsError(env, "INVALID_INPUT", "run expects a ticket, the dims, the output targets and " + std::to_string(nIn) +
                                              " inputs; got " + std::to_string(info.Length()) + " arguments");
    }
    if (ctx->dynamic) return submitDynamicRun(info, ctx);
    RunSubmission submission(env, ctx, *job);
    submission.applyInputShapes(info);
    if (submission.foundDataDependentOutput() || ctx->launcherRequested) {
      // The context's first run found an output whose shape depends on the data, or the context was asked to
      // enqueue on its launcher: from now on its runs go through its launcher thread (this one too: `job` is
      // dropped unsettled, nothing saw its promise).
      enableDynamicRuns(env, ctx);
      return submitDynamicRun(info, ctx);
    }
    // Outputs first: reading the targets can run JS (a getter), which could free an input's buffer after its
    // address was taken. Inputs are read without running JS, right before they are copied.
    submission.planOutputs(info[2].IsArray() ? info[2].As<Napi::Array>() : Napi::Array());
    submission.planInputs(info);
    submission.stageAndBind();
    submission.enqueue();
    CudaApi const& api = ctx->cuda();
    std::unique_ptr<CompletionJob> base(job.release());
    int rc = addonData(env).completion->submit(api, ctx->stream, base);
    if (rc != 0) {
      job.reset(static_cast<RunJob*>(base.release()));
      throw toJsError(env, cudaFailure(api, rc, "cudaStreamAddCallback"));
    }
    ctx->inFlight++;
  } catch (Napi::Error const& e) {
    failSubmission(env, std::move(job), e.Value());
  } catch (std::exception const& e) {
    failSubmission(env, std::move(job), jsError(env, "INTERNAL", std::string("run failed: ") + e.what()).Value());
  }
}

}  // namespace trtn
