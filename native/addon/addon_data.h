// Per-environment state (the main thread and each worker thread have their own): class constructors and the
// completion queue. No process global holds a JS handle.
#pragma once

#include <napi.h>

#include <memory>

#include "completion.h"

namespace trtn {

struct AddonData {
  Napi::FunctionReference runtimeClass;
  Napi::FunctionReference engineClass;
  Napi::FunctionReference contextClass;
  Napi::FunctionReference deviceBufferClass;
  std::shared_ptr<CompletionQueue> completion;
};

AddonData& addonData(Napi::Env env);

}  // namespace trtn
