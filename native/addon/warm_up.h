// Warm-up: one run of a new context before anyone else uses it. On a GPU the first enqueueV3 of an engine's
// optimization profile is slow: CUDA loads each kernel's code on its first launch (lazy module loading, the default
// since CUDA 12.2), on the launching thread, and the context's device buffers are not allocated yet. A context made
// with ContextOptions.warmUp pays that here, on the thread that creates it (a background pool thread for
// createContextAsync), instead of in the first request.
#pragma once

#include "../backend/backend.h"

namespace trtn {

struct ContextState;

// Selects `profile` (when not 0), sets every input to the profile's opt shape (its fixed shape when static), binds
// the context's own device buffers, zeroed for inputs, and enqueues once; waits for the stream. Data-dependent
// outputs get scratch memory that is freed before it returns. False with the failure (CUDA_TRANSIENT, CUDA_STICKY,
// OUT_OF_MEMORY...). Only for a context no run has used yet.
bool selectProfileAndWarmUp(ContextState& ctx, int32_t profile, bool warmUp, Failure& failure);

}  // namespace trtn
