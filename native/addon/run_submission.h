// Submitting one run of an execution context: shapes, input and output planning, pinned staging, the copies,
// enqueueV3 and the completion callback, in stream order. Every byte count is checked here, so nothing reads past
// a caller's buffer even when the TypeScript validation is bypassed.
#pragma once

#include <napi.h>

#include <memory>
#include <string>

#include "../backend/backend.h"
#include "states.h"

namespace trtn {

// The promise of a run of `ctx` (a DISPOSED rejection when it is null). Never throws: failures reject.
Napi::Value submitRun(Napi::CallbackInfo const& info, std::shared_ptr<ContextState> const& ctx);

// A failure of the CUDA call `what` that returned `rc`.
Failure cudaFailure(CudaApi const& api, int rc, std::string const& what);

}  // namespace trtn
