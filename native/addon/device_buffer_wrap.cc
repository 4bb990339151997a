// DeviceBuffer: GPU memory owned from JS. Usable as a run's input or output, so engines chain without a host round
// trip; write()/read() copy through pinned staging on the runtime's utility stream, copyTo() from GPU to GPU.
#include <cstring>

#include "addon_data.h"
#include "device_scope.h"
#include "errors.h"
#include "js_bytes.h"
#include "wraps.h"

namespace trtn {

namespace {

// A copy that failed or could not be queued: the CUDA error travels with its code, so the TS layer classifies it by
// the runtime's state (a poisoned context is CUDA_STICKY, not retryable).
void rejectCopy(Napi::Env env, Settlement const& settlement, CudaApi const& api, int rc) {
  settlement.Reject(toJsError(env, cudaFailure(api, rc, "device buffer copy")).Value());
}

class CopyJob : public CompletionJob {
 public:
  CopyJob(Napi::Env env, uint32_t ticket, std::shared_ptr<DeviceBufferState> buffer)
      : CompletionJob(env, ticket), buffer(std::move(buffer)) {}
  ~CopyJob() override {
    if (staging.data) buffer->runtime->pinned->release(staging);
  }
  void settle(Napi::Env env, int cudaStatus) override {
    if (submissionError != 0 || cudaStatus != 0) {
      rejectCopy(env, settlement, buffer->runtime->cuda(), submissionError != 0 ? submissionError : cudaStatus);
      return;
    }
    if (!toHost) {
      settlement.Resolve(env.Undefined());
      return;
    }
    Napi::ArrayBuffer out = Napi::ArrayBuffer::New(env, bytes);
    if (bytes) std::memcpy(out.Data(), staging.data, bytes);
    settlement.Resolve(out);
  }
  std::shared_ptr<DeviceBufferState> buffer;
  std::shared_ptr<DeviceBufferState> source;  // copyTo: the buffer copied from, kept until the copy is done
  PinnedBuffer staging;
  size_t bytes = 0;
  bool toHost = false;
  int submissionError = 0;  // a step after the copy was queued failed: settled with this once the copy ran
};

size_t offsetArg(Napi::CallbackInfo const& info, size_t index, size_t fallback) {
  if (info.Length() <= index || info[index].IsUndefined()) return fallback;
  double v = info[index].IsNumber() ? info[index].As<Napi::Number>().DoubleValue() : -1;
  if (!(v >= 0) || v != static_cast<double>(static_cast<int64_t>(v))) {
    throw jsError(info.Env(), "INVALID_ARGUMENT", "offsets and lengths must be non-negative integers");
  }
  return static_cast<size_t>(v);
}

// Settles `job` once `stream` has passed its copy; `rc` is the first step that failed, if any. A queued copy still
// reads or writes its staging and both buffers: after a later step failed, the job waits for the stream to pass
// the copy all the same, and settles with that failure. Settled at once, its staging would go back to the pool under
// the copy (the next write's bytes could land in this buffer), and the caller, told the copy failed, could reuse
// or free the memory it still touches.
void settleAfterCopy(Napi::Env env, std::unique_ptr<CopyJob> job, CudaApi const& api, cuda::Stream stream, int rc,
                     bool copyQueued) {
  if (rc != 0 && copyQueued) job->submissionError = rc;
  std::unique_ptr<CompletionJob> base(job.release());
  if (rc == 0 || copyQueued) {
    int submitted = addonData(env).completion->submit(api, stream, base);
    if (submitted == 0) return;
    if (rc == 0) rc = submitted;  // a poisoned device: nothing queued runs any more
  }
  rejectCopy(env, base->settlement, api, rc);
}

void submitCopy(Napi::Env env, std::unique_ptr<CopyJob> job, void* dst, void const* src, int kind) {
  auto const& runtime = job->buffer->runtime;
  CudaApi const& api = runtime->cuda();
  int rc = job->buffer->waitForPreviousUse(runtime->utilityStream);
  bool copyQueued = false;
  if (rc == 0 && job->bytes) {
    rc = api.cudaMemcpyAsync(dst, src, job->bytes, kind, runtime->utilityStream);
    copyQueued = rc == 0;
  }
  if (rc == 0) rc = job->buffer->markUse(runtime->utilityStream);
  settleAfterCopy(env, std::move(job), api, runtime->utilityStream, rc, copyQueued);
}

}  // namespace

Napi::Function DeviceBufferWrap::define(Napi::Env env) {
  return DefineClass(env, "DeviceBuffer",
                     {InstanceAccessor<&DeviceBufferWrap::byteLength>("byteLength"),
                      InstanceMethod<&DeviceBufferWrap::write>("write"),
                      InstanceMethod<&DeviceBufferWrap::read>("read"),
                      InstanceMethod<&DeviceBufferWrap::copyTo>("copyTo"),
                      InstanceMethod<&DeviceBufferWrap::dispose>("dispose"),
                      InstanceAccessor<&DeviceBufferWrap::disposed>("disposed")});
}

DeviceBufferWrap::DeviceBufferWrap(Napi::CallbackInfo const& info)
    : Napi::ObjectWrap<DeviceBufferWrap>(info),
      mState(takeWrapped<DeviceBufferState>(info, "DeviceBuffer", "runtime.createDeviceBuffer()")) {
  tagObject(info.Env(), info.This(), kDeviceBufferTag);
}

std::shared_ptr<DeviceBufferState> DeviceBufferWrap::from(Napi::Env env, Napi::Value value) {
  // Host data is the common case: rule it out before the tag check. The tag, not instanceof, which an object of
  // another class passes once its prototype is swapped.
  if (!value.IsObject() || value.IsTypedArray() || value.IsArrayBuffer()) return nullptr;
  if (!hasTag(env, value, kDeviceBufferTag)) return nullptr;
  return Unwrap(value.As<Napi::Object>())->state(env);
}

std::shared_ptr<DeviceBufferState> DeviceBufferWrap::state(Napi::Env env) const {
  if (!mState) throwDisposed(env, "DeviceBuffer");
  return mState;
}

Napi::Value DeviceBufferWrap::byteLength(Napi::CallbackInfo const& info) {
  requireReceiver(info, kDeviceBufferTag);  // before any member is read (wraps.h)
  return Napi::Number::New(info.Env(), mState ? double(mState->bytes) : 0);
}

// write(ticket, source: TypedArray | ArrayBuffer, offset = 0), settled with undefined
void DeviceBufferWrap::write(Napi::CallbackInfo const& info) {
  Napi::Env env = info.Env();
  uint32_t ticket = ticketArg(info, 0);
  auto const& s = state(env);
  requireNoPendingWrite(env, *s, "write");
  DeviceScope device(s->runtime->cuda(), s->runtime->device);
  uint8_t const* data = nullptr;
  size_t size = 0;
  if (info.Length() < 2 || !bytesOf(info[1], &data, &size)) {
    throw jsError(env, "INVALID_ARGUMENT", "write expects a TypedArray or ArrayBuffer");
  }
  size_t offset = offsetArg(info, 2, 0);
  if (offset > s->bytes || size > s->bytes - offset) {
    throw jsError(env, "INVALID_ARGUMENT", "write of " + std::to_string(size) + " bytes at offset " +
                                            std::to_string(offset) + " overruns the device buffer of " +
                                            std::to_string(s->bytes) + " bytes");
  }
  auto job = std::make_unique<CopyJob>(env, ticket, s);
  job->bytes = size;
  int rc = s->runtime->pinned->acquire(std::max<size_t>(size, 1), job->staging);
  if (rc != 0) throw toJsError(env, cudaFailure(s->runtime->cuda(), rc, "pinned staging allocation"));
  if (size) std::memcpy(job->staging.data, data, size);
  void* dst = static_cast<uint8_t*>(s->data) + offset;
  void const* src = job->staging.data;
  submitCopy(env, std::move(job), dst, src, cuda::kHostToDevice);
}

// read(ticket, offset = 0, length = byteLength - offset), settled with an ArrayBuffer
void DeviceBufferWrap::read(Napi::CallbackInfo const& info) {
  Napi::Env env = info.Env();
  uint32_t ticket = ticketArg(info, 0);
  auto const& s = state(env);
  requireNoPendingWrite(env, *s, "read");
  DeviceScope device(s->runtime->cuda(), s->runtime->device);
  size_t offset = offsetArg(info, 1, 0);
  if (offset > s->bytes) {
    throw jsError(env, "INVALID_ARGUMENT", "read offset " + std::to_string(offset) +
                                               " is beyond the device buffer of " + std::to_string(s->bytes) + " bytes");
  }
  size_t length = offsetArg(info, 2, s->bytes - offset);
  if (length > s->bytes - offset) {
    throw jsError(env, "INVALID_ARGUMENT", "read of " + std::to_string(length) + " bytes at offset " +
                                               std::to_string(offset) + " overruns the device buffer of " +
                                               std::to_string(s->bytes) + " bytes");
  }
  auto job = std::make_unique<CopyJob>(env, ticket, s);
  job->bytes = length;
  job->toHost = true;
  int rc = s->runtime->pinned->acquire(std::max<size_t>(length, 1), job->staging);
  if (rc != 0) throw toJsError(env, cudaFailure(s->runtime->cuda(), rc, "pinned staging allocation"));
  void* dst = job->staging.data;
  void const* src = static_cast<uint8_t*>(s->data) + offset;
  submitCopy(env, std::move(job), dst, src, cuda::kDeviceToHost);
}

// copyTo(ticket, target: DeviceBuffer, byteLength = byteLength), settled with undefined: this buffer's first byteLength bytes into
// the target's, on this GPU or another (CUDA's unified addressing: the driver copies peer to peer or through the
// host). Ordered like every use: after both buffers' earlier uses, before their next. Settles on the target's
// runtime once the copy is done.
void DeviceBufferWrap::copyTo(Napi::CallbackInfo const& info) {
  Napi::Env env = info.Env();
  uint32_t ticket = ticketArg(info, 0);
  auto const& src = state(env);
  std::shared_ptr<DeviceBufferState> dst = info.Length() > 1 ? DeviceBufferWrap::from(env, info[1]) : nullptr;
  if (!dst) throw jsError(env, "INVALID_ARGUMENT", "copyTo expects a DeviceBuffer as its target");
  // CUDA leaves overlapping copies undefined; a buffer onto itself would be the only way to ask for one here.
  if (dst == src) throw jsError(env, "INVALID_ARGUMENT", "copyTo needs a target other than the source");
  size_t bytes = offsetArg(info, 2, src->bytes);
  if (bytes > src->bytes || bytes > dst->bytes) {
    throw jsError(env, "INVALID_ARGUMENT", "copyTo of " + std::to_string(bytes) + " bytes: the source holds " +
                                               std::to_string(src->bytes) + ", the target " +
                                               std::to_string(dst->bytes));
  }
  if (src->runtime->backend != dst->runtime->backend) {
    throw jsError(env, "INVALID_ARGUMENT", "copyTo between runtimes of different backends");
  }
  requireNoPendingWrite(env, *src, "copyTo (source)");
  requireNoPendingWrite(env, *dst, "copyTo (target)");
  RuntimeState const& from = *src->runtime;
  RuntimeState const& to = *dst->runtime;
  CudaApi const& api = from.cuda();
  auto job = std::make_unique<CopyJob>(env, ticket, dst);
  job->source = src;
  job->bytes = bytes;
  int rc = 0;
  bool copyQueued = false;
  cuda::Event copied = nullptr;
  {
    DeviceScope device(api, from.device);
    rc = src->waitForPreviousUse(from.utilityStream);
    if (rc == 0) rc = dst->waitForPreviousUse(from.utilityStream);  // an event of another device may be waited for
    if (rc == 0 && bytes) {
      rc = api.cudaMemcpyAsync(dst->data, src->data, bytes, cuda::kDefault, from.utilityStream);
      copyQueued = rc == 0;
    }
    if (rc == 0) rc = src->markUse(from.utilityStream);
    if (rc == 0 && from.device == to.device) rc = dst->markUse(from.utilityStream);
    // An event records only on a stream of its own device: the target's side continues on its runtime's stream.
    if (rc == 0 && from.device != to.device) rc = api.cudaEventCreateWithFlags(&copied, cuda::kEventDisableTiming);
    if (rc == 0 && copied) rc = api.cudaEventRecord(copied, from.utilityStream);
  }
  // Settled on the stream that last waited for the copy: the target's once it waits, else the copy's own.
  cuda::Stream settleOn = from.utilityStream;
  if (from.device != to.device) {
    DeviceScope device(api, to.device);
    if (rc == 0) {
      rc = api.cudaStreamWaitEvent(to.utilityStream, copied, 0);
      if (rc == 0) settleOn = to.utilityStream;
    }
    if (rc == 0) rc = dst->markUse(to.utilityStream);
    if (copied) api.cudaEventDestroy(copied);  // released once the wait queued on it is done
  }
  settleAfterCopy(env, std::move(job), api, settleOn, rc, copyQueued);
}

void DeviceBufferWrap::dispose(Napi::CallbackInfo const&) { mState.reset(); }

Napi::Value DeviceBufferWrap::disposed(Napi::CallbackInfo const& info) {
  requireReceiver(info, kDeviceBufferTag);  // before any member is read (wraps.h)
  return Napi::Boolean::New(info.Env(), mState == nullptr);
}

}  // namespace trtn
