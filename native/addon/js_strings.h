// A list of strings as a JS array (paths tried, TensorRT's messages and log lines).
#pragma once

#include <napi.h>

#include <string>
#include <vector>

namespace trtn {

inline Napi::Array stringArray(Napi::Env env, std::vector<std::string> const& items) {
  Napi::Array out = Napi::Array::New(env, items.size());
  for (size_t i = 0; i < items.size(); ++i) out.Set(static_cast<uint32_t>(i), items[i]);
  return out;
}

}  // namespace trtn
