// Failures as JS errors: an Error whose `code` and fields the TypeScript layer turns into its typed classes.
#pragma once

#include <napi.h>

#include <string>

#include "../backend/backend.h"
#include "../backend/cuda_api.h"

namespace trtn {

Napi::Error toJsError(Napi::Env env, Failure const& failure);
Napi::Error jsError(Napi::Env env, std::string const& code, std::string const& message,
                    std::string const& tensor = std::string());

// A failure of the CUDA call `what` that returned `rc` (OUT_OF_MEMORY for cudaErrorMemoryAllocation).
Failure cudaFailure(CudaApi const& api, int rc, std::string const& what);

// The backend of `kind` (its libraries loaded once per process), or throws the typed failure (LIBRARY_NOT_FOUND, ...).
std::shared_ptr<Backend> loadBackendOrThrow(Napi::Env env, std::string const& kind);

// Throws INVALID_ARGUMENT naming the devices there are, unless the machine has CUDA device `device`.
void requireDeviceExists(Napi::Env env, CudaApi const& cuda, int device);

struct DeviceBufferState;
// Throws INVALID_INPUT naming `tensor` (INVALID_ARGUMENT without one) while a run of an engine with data-dependent
// output shapes is still to write `buffer`: `use` ("input 'x'", "read") could not be ordered after that write.
void requireNoPendingWrite(Napi::Env env, DeviceBufferState const& buffer, std::string const& use,
                           std::string const& tensor = std::string());

// Throws a DISPOSED error for an object used after dispose().
[[noreturn]] void throwDisposed(Napi::Env env, char const* what);

}  // namespace trtn
