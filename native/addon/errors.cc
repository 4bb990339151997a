#include "errors.h"

#include "js_strings.h"
#include "states.h"

namespace trtn {

Napi::Error toJsError(Napi::Env env, Failure const& failure) {
  Napi::Error error = Napi::Error::New(env, failure.message.empty() ? failure.code : failure.message);
  Napi::Object obj = error.Value();
  obj.Set("code", failure.code);
  if (failure.trtErrorCode) obj.Set("trtErrorCode", failure.trtErrorCode);
  if (failure.cudaError) obj.Set("cudaError", failure.cudaError);
  if (!failure.trtMessages.empty()) obj.Set("trtMessages", stringArray(env, failure.trtMessages));
  if (!failure.logMessages.empty()) obj.Set("trtLog", stringArray(env, failure.logMessages));
  if (!failure.details.empty()) obj.Set("details", stringArray(env, failure.details));
  if (!failure.tensor.empty()) obj.Set("tensor", failure.tensor);
  if (!failure.pluginName.empty()) {
    Napi::Object plugin = Napi::Object::New(env);
    plugin.Set("name", failure.pluginName);
    plugin.Set("version", failure.pluginVersion);
    plugin.Set("namespace", failure.pluginNamespace);
    obj.Set("plugin", plugin);
  }
  return error;
}

std::shared_ptr<Backend> loadBackendOrThrow(Napi::Env env, std::string const& kind) {
  Failure failure;
  auto backend = loadBackend(kind, failure);
  if (!backend) throw toJsError(env, failure);
  return backend;
}

Napi::Error jsError(Napi::Env env, std::string const& code, std::string const& message, std::string const& tensor) {
  Failure f;
  f.code = code;
  f.message = message;
  f.tensor = tensor;
  return toJsError(env, f);
}

Failure cudaFailure(CudaApi const& api, int rc, std::string const& what) {
  Failure f;
  f.code = rc == cuda::kErrorMemoryAllocation ? "OUT_OF_MEMORY" : "CUDA_ERROR";
  f.cudaError = rc;
  f.message = what + " failed: " + api.cudaGetErrorName(rc) + " (" + api.cudaGetErrorString(rc) + ")";
  return f;
}

void requireDeviceExists(Napi::Env env, CudaApi const& cuda, int device) {
  int count = 0;
  int rc = cuda.cudaGetDeviceCount(&count);
  if (rc != 0) throw toJsError(env, cudaFailure(cuda, rc, "cudaGetDeviceCount"));
  if (device >= 0 && device < count) return;
  throw jsError(env, "INVALID_ARGUMENT", "CUDA device " + std::to_string(device) + " does not exist: this machine has " +
                                             std::to_string(count) + " (0.." + std::to_string(count - 1) + ")");
}

void requireNoPendingWrite(Napi::Env env, DeviceBufferState const& buffer, std::string const& use,
                           std::string const& tensor) {
  if (buffer.pendingLauncherWrites == 0) return;
  throw jsError(env, tensor.empty() ? "INVALID_ARGUMENT" : "INVALID_INPUT",
                use + ": the DeviceTensor is output '" + buffer.launcherWriter + "' of a run still in flight on an "
                "engine with data-dependent output shapes, whose write cannot be ordered before this use; await that "
                "run first", tensor);
}

void throwDisposed(Napi::Env env, char const* what) {
  throw jsError(env, "DISPOSED", std::string(what) + " was disposed; create a new one");
}

}  // namespace trtn
