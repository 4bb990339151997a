// The launcher thread's half of a run with data-dependent output shapes (dynamic_run.h): shapes, copies, bindings,
// enqueueV3 (which waits for the kernels that decide the shapes), the copies out and the completion callback.
#include <algorithm>
#include <cstring>

#include "dynamic_run_job.h"
#include "graph_launch.h"

namespace trtn {

namespace {

// The TensorRT and CUDA calls of one run, on the launcher thread, in the context stream's order. Each step that
// fails hands the job back with the failure, after the work already queued (which may still read its staging).
class DynamicLaunch {
 public:
  explicit DynamicLaunch(DynamicRunJob& job)
      : mJob(job), mCtx(*job.ctx), mRuns(*mCtx.dynamic), mEngine(*mCtx.engine), mInfo(mEngine.engine->info()),
        mApi(mCtx.cuda()) {}

  void run() {
    DeviceScope device(mApi, mCtx.deviceIndex());  // this thread serves only this context, but says so anyway
    if (applyShapes() && copyInputs() && bindKnownOutputs() && waitForTargets() && enqueue() && copyOutputs() &&
        markTargets()) {
      freeDeviceCopies();
      if (int rc = CompletionQueue::followStream(mApi, mCtx.stream, &mJob)) {
        mJob.failure = cudaFailure(mApi, rc, "cudaStreamAddCallback");
        CompletionQueue::finish(&mJob, 0);
      }
    }
  }

 private:
  // After everything of the run on the context's stream; before the job goes back (it may be freed at once).
  void freeDeviceCopies() {
    for (void* copy : mCopiesToFree) mApi.cudaFreeAsync(copy, mCtx.stream);
    mCopiesToFree.clear();
  }

  bool fail(Failure failure) {
    // Part of the run may have been queued: later uses of the caller's DeviceTensors wait for it too (this failure
    // is the one reported, whatever marking returns).
    if (mTargetsWaited) recordTargetUses();
    freeDeviceCopies();
    mJob.failure = std::move(failure);
    if (CompletionQueue::followStream(mApi, mCtx.stream, &mJob) != 0) CompletionQueue::finish(&mJob, 0);
    return false;
  }
  bool failCuda(int rc, std::string const& what) { return fail(cudaFailure(mApi, rc, what)); }

  TensorInfo const& tensor(int index) const { return mInfo.tensors[index]; }

  bool applyShapes() {
    for (size_t i = 0; i < mJob.inputs.size(); ++i) {
      if (!mCtx.applyInputShape(i, mJob.inputs[i].dims, mFailure)) return fail(mFailure);
    }
    return true;
  }

  // The context's own device buffer for a tensor, grown to `bytes` and bound.
  bool bindOwnBuffer(int tensorIndex, size_t bytes, void** device) {
    GrowableDeviceBuffer& buffer = mCtx.deviceBuffers[tensorIndex];
    if (int rc = mCtx.ensureCapacity(buffer, bytes)) return failCuda(rc, "cudaMallocAsync");
    *device = buffer.data;
    return mCtx.bindTensor(tensorIndex, buffer.data, mFailure) || fail(mFailure);
  }

  bool copyInputs() {
    auto* staging = static_cast<uint8_t*>(mJob.inputStaging.data);
    for (size_t i = 0; i < mJob.inputs.size(); ++i) {
      DynamicRunJob::Input& in = mJob.inputs[i];
      if (in.deviceCopy) {
        if (!bindDeviceCopy(mEngine.inputs[i], in)) return false;
        continue;
      }
      // A shape tensor input: TensorRT reads the values on the host, from this run's staging (kept until it settles).
      // The same address with other values is another binding: a CUDA graph captured with the old ones is stale.
      if (mEngine.hostInputs[i]) {
        uint8_t* values = staging + in.stagingOffset;
        if (!mCtx.bindTensor(mEngine.inputs[i], values, mFailure)) return fail(mFailure);
        if (mCtx.launchedValues.size() < mJob.inputs.size()) mCtx.launchedValues.resize(mJob.inputs.size());
        std::vector<uint8_t>& last = mCtx.launchedValues[i];
        if (last.size() != in.bytes || !std::equal(last.begin(), last.end(), values)) {
          last.assign(values, values + in.bytes);
          ++mCtx.bindingsEpoch;
        }
        continue;
      }
      void* device = nullptr;
      if (!bindOwnBuffer(mEngine.inputs[i], in.deviceBytes, &device)) return false;
      if (in.bytes == 0) continue;
      int rc = mApi.cudaMemcpyAsync(device, staging + in.stagingOffset, in.deviceBytes, cuda::kHostToDevice,
                                    mCtx.stream);
      if (rc != 0) return failCuda(rc, "cudaMemcpyAsync (input)");
    }
    return true;
  }

  // The run reads its own copy of a DeviceTensor input once the copy is done, and frees it after the run.
  bool bindDeviceCopy(int tensorIndex, DynamicRunJob::Input& in) {
    if (int rc = mApi.cudaStreamWaitEvent(mCtx.stream, in.copied, 0)) return failCuda(rc, "cudaStreamWaitEvent");
    if (!mCtx.bindTensor(tensorIndex, in.deviceCopy, mFailure)) return fail(mFailure);
    mCopiesToFree.push_back(in.deviceCopy);  // from now on the launcher frees it, after the run
    in.deviceCopy = nullptr;
    return true;
  }

  bool bindKnownOutputs() {
    mJob.outputs.assign(mEngine.outputs.size(), DynamicRunJob::Output{});
    for (size_t o = 0; o < mJob.outputs.size(); ++o) {
      if (mRuns.outputs[o]) {
        mRuns.outputs[o]->startRun();
        continue;
      }
      TensorInfo const& t = tensor(mEngine.outputs[o]);
      DynamicRunJob::Output& out = mJob.outputs[o];
      out.dims = mCtx.context->tensorShape(t.name);
      // Not a data-dependent output, yet no shape: TensorRT refused the shape tensor values (as run_submission.cc).
      if (hasUnknownExtent(out.dims)) {
        Failure why;
        mCtx.context->inferShapes(why);
        return fail(invalidOutput(t.name, "output '" + t.name + "': TensorRT could not infer its shape from the input "
                                          "shapes and the shape tensor values given" +
                                          (why.trtMessages.empty() ? std::string() : ": " + why.trtMessages.back())));
      }
      out.bytes = volume(out.dims) * dataTypeSize(t.dataType);
      out.deviceBytes = deviceBytesOf(t, out.dims, out.bytes);
      if (!t.layout.linear()) out.formatted = &t;
      if (mEngine.hostOutputs[o]) {  // bound by refreshShapeOutputs (a DeviceTensor for it was refused)
        out.shapeValues = true;
        continue;
      }
      if (DeviceBufferState const* target = deviceTarget(o)) {
        if (target->bytes < out.bytes) {
          return fail(invalidOutput(t.name, "output buffer for '" + t.name + "' needs " + std::to_string(out.bytes) +
                                                " bytes for " + dimsText(out.dims) + ", has " +
                                                std::to_string(target->bytes)));
        }
        out.device = target->data;
        out.onDevice = true;
        if (!mCtx.bindTensor(mEngine.outputs[o], out.device, mFailure)) return fail(mFailure);
        continue;
      }
      if (!bindOwnBuffer(mEngine.outputs[o], out.deviceBytes, &out.device)) return false;
    }
    return !mEngine.anyHostOutput || mCtx.refreshShapeOutputs(mFailure) || fail(mFailure);
  }

  DeviceBufferState* deviceTarget(size_t output) const {
    return mJob.deviceTargets.empty() ? nullptr : mJob.deviceTargets[output].get();
  }

  static Failure invalidOutput(std::string const& name, std::string message) {
    Failure f;
    f.code = "INVALID_INPUT";
    f.message = std::move(message);
    f.tensor = name;
    return f;
  }

  // The caller's DeviceTensors are written only after their earlier uses (the JS thread queues none meanwhile).
  bool waitForTargets() {
    for (auto const& target : mJob.deviceTargets) {
      if (!target) continue;
      if (int rc = target->waitForPreviousUse(mCtx.stream)) return failCuda(rc, "cudaStreamWaitEvent");
    }
    mTargetsWaited = true;
    return true;
  }

  // This run's writes (queued so far on the context's stream) are the targets' latest use.
  bool markTargets() {
    int rc = recordTargetUses();
    return rc == 0 || failCuda(rc, "cudaEventRecord");
  }
  int recordTargetUses() {
    mTargetsWaited = false;
    for (auto const& target : mJob.deviceTargets) {
      if (!target) continue;
      if (int rc = target->markUse(mCtx.stream)) return rc;
    }
    return 0;
  }

  // With data-dependent outputs, blocks until TensorRT knows their shapes (which cannot be captured in a graph).
  bool enqueue() {
    if (enqueueOrLaunchGraph(mCtx, mFailure)) return true;
    for (size_t o = 0; o < mJob.outputs.size(); ++o) {
      DynamicOutput const* sink = mRuns.outputs[o].get();
      if (sink && sink->cudaError() != 0) {
        Failure f = cudaFailure(mApi, sink->cudaError(),
                                "cudaMallocAsync (output '" + tensor(mEngine.outputs[o]).name + "')");
        f.trtMessages = mFailure.trtMessages;
        return fail(f);
      }
    }
    return fail(mFailure);
  }

  bool copyOutputs() {
    size_t stagingBytes = 0;
    for (size_t o = 0; o < mJob.outputs.size(); ++o) {
      DynamicRunJob::Output& out = mJob.outputs[o];
      if (DynamicOutput const* sink = mRuns.outputs[o].get()) {
        std::string const& name = tensor(mEngine.outputs[o]).name;
        if (!sink->shapeKnown()) {
          Failure f;
          f.code = "INTERNAL";
          f.message = "TensorRT returned from enqueueV3 without the shape of the data-dependent output '" + name + "'";
          f.tensor = name;
          return fail(f);
        }
        out.dims = sink->dims();
        out.bytes = volume(out.dims) * dataTypeSize(tensor(mEngine.outputs[o]).dataType);
        out.deviceBytes = out.bytes;  // row-major: a data-dependent output in another layout is unbindable
        out.device = sink->data();
        if (DeviceBufferState const* target = deviceTarget(o)) {
          if (!copyIntoTarget(name, out, *target)) return false;
          continue;
        }
      }
      if (out.onDevice) continue;
      out.stagingOffset = stagingBytes;
      stagingBytes += aligned(out.deviceBytes);
    }
    int rc = mRuns.outputStaging.acquire(std::max<size_t>(stagingBytes, 1), mJob.outputStaging);
    if (rc != 0) return failCuda(rc, "cudaMallocHost");
    auto* staging = static_cast<uint8_t*>(mJob.outputStaging.data);
    for (size_t o = 0; o < mJob.outputs.size(); ++o) {
      DynamicRunJob::Output const& out = mJob.outputs[o];
      if (out.bytes == 0 || out.onDevice) continue;
      if (out.shapeValues) {  // on the host already, valid for these bindings: no copy queued
        std::memcpy(staging + out.stagingOffset, mCtx.shapeOutputValues[o].data(), out.bytes);
        continue;
      }
      rc = mApi.cudaMemcpyAsync(staging + out.stagingOffset, out.device, out.deviceBytes, cuda::kDeviceToHost,
                                mCtx.stream);
      if (rc != 0) return failCuda(rc, "cudaMemcpyAsync (output)");
    }
    return true;
  }

  // A data-dependent output for the caller's DeviceTensor: from the context's buffer, now that its size is known.
  bool copyIntoTarget(std::string const& name, DynamicRunJob::Output& out, DeviceBufferState const& target) {
    if (target.bytes < out.bytes) {
      return fail(invalidOutput(name, "the DeviceTensor given for output '" + name + "' holds " +
                                          std::to_string(target.bytes) + " bytes; this run's " + dimsText(out.dims) +
                                          " needs " + std::to_string(out.bytes)));
    }
    if (out.bytes) {
      int rc = mApi.cudaMemcpyAsync(target.data, out.device, out.bytes, cuda::kDeviceToDevice, mCtx.stream);
      if (rc != 0) return failCuda(rc, "cudaMemcpyAsync (output '" + name + "')");
    }
    out.device = target.data;
    out.onDevice = true;
    return true;
  }

  DynamicRunJob& mJob;
  ContextState& mCtx;
  DynamicRunState& mRuns;
  EngineState const& mEngine;
  EngineInfo const& mInfo;
  CudaApi const& mApi;
  Failure mFailure;
  std::vector<void*> mCopiesToFree;  // inputs' device copies bound for this run
  bool mTargetsWaited = false;       // the stream waits for the caller's DeviceTensors; markTargets() is due
};

}  // namespace

void launchDynamicRun(DynamicRunJob& job) { DynamicLaunch(job).run(); }

}  // namespace trtn
