// Submitting one run of an execution context: shapes, input and output planning, pinned staging, the copies,
// enqueueV3 and the completion callback, in stream order. Every byte count is checked here, so nothing reads past
// a caller's buffer even when the TypeScript validation is bypassed.
#pragma once

#include <napi.h>

#include <memory>
#include <string>
#include <vector>

#include "../backend/backend.h"
#include "states.h"

namespace trtn {

// The promise of a run of `ctx` (a DISPOSED rejection when it is null). Never throws: failures reject.
void submitRun(Napi::CallbackInfo const& info, std::shared_ptr<ContextState> const& ctx);

// A DeviceBuffer given to a run must have no data-dependent run still to write it (requireNoPendingWrite), and be on
// the context's device: a kernel cannot reach another GPU's memory (it would fault and poison the process), so
// INVALID_INPUT names both devices. `role` is "input" or "output".
void requireUsableByRun(Napi::Env env, DeviceBufferState const& buffer, ContextState const& ctx, char const* role,
                        std::string const& name);

// Shared with dynamic_run.cc.
std::string dimsText(std::vector<int64_t> const& dims);  // "[2,3]"
// Each tensor's place in a staging buffer starts on a 256-byte boundary, as TensorRT wants device addresses.
inline size_t aligned(size_t bytes) { return (bytes + 255) / 256 * 256; }

// The run's input extents, every input's dims in order: a Float64Array, or (`value` undefined) the context's own
// dims block that JS wrote through ContextWrap::dimsBuffer. Throws INVALID_INPUT.
class FlatDims {
 public:
  FlatDims(Napi::Env env, Napi::Value value, ContextState const& ctx);
  // The next input's dims, each checked to be a non-negative integer.
  void next(TensorInfo const& input, std::vector<int64_t>& dims);

 private:
  Napi::Env mEnv;
  double const* mFlat = nullptr;
  size_t mCount = 0;
  size_t mAt = 0;
};

// The host bytes of a shape tensor input (TensorRT reads its values on the host): a TypedArray or ArrayBuffer of at
// least `bytes`. A DeviceBuffer is refused with INVALID_INPUT, as is a short buffer.
uint8_t const* shapeValuesOf(Napi::Env env, Napi::Value value, TensorInfo const& input, std::vector<int64_t> const& dims,
                             size_t bytes);

// Bytes of an IO tensor of `dims` (`linearBytes` row-major) in the engine's memory layout, its format's padding
// included: what its device buffer and staging hold.
inline size_t deviceBytesOf(TensorInfo const& t, std::vector<int64_t> const& dims, size_t linearBytes) {
  if (t.layout.linear()) return linearBytes;
  return static_cast<size_t>(layout::formattedVolume(dims, t.layout)) * dataTypeSize(t.dataType);
}

// Writes a run's row-major `linear` bytes into `staged` in the tensor's layout (its deviceBytesOf).
void stageFormatted(TensorInfo const& t, std::vector<int64_t> const& dims, uint8_t const* linear, uint8_t* staged);

// Rewrites a formatted tensor copied back from the device (`staged`, deviceBytesOf long) as row-major, in place.
void unstageFormatted(TensorInfo const& t, std::vector<int64_t> const& dims, uint8_t* staged);

// A DeviceBuffer given for an IO tensor in another layout than row-major: INVALID_INPUT naming it. `role` is "input"
// or "output".
Napi::Error formattedOnDevice(Napi::Env env, char const* role, TensorInfo const& t);

// A DeviceBuffer given for a shape tensor output, which TensorRT writes on the host: INVALID_INPUT naming it.
Napi::Error shapeOutputOnDevice(Napi::Env env, std::string const& name);

Napi::Error inputTooShort(Napi::Env env, TensorInfo const& input, std::vector<int64_t> const& dims, size_t needed,
                          size_t have);

}  // namespace trtn
