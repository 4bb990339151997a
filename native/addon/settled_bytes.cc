#include "settled_bytes.h"

#include <cstring>

#include "addon_data.h"

namespace trtn {

namespace {

constexpr size_t kArenaLimit = 1024;  // an output larger than this is worth its own ArrayBuffer

size_t aligned8(size_t bytes) { return (bytes + 7) / 8 * 8; }

// Several small outputs one after the other in the arena; empty when they do not qualify or do not fit.
Napi::Value allInArena(Napi::Env env, SettlingOutput const* outputs, size_t count) {
  size_t total = 0;
  for (size_t i = 0; i < count; ++i) {
    if (outputs[i].elsewhere || outputs[i].bytes > kArenaLimit) return Napi::Value();
    total += aligned8(outputs[i].bytes);
  }
  size_t offset = 0;
  uint8_t* space = addonData(env).completion->arenaSpace(env, total, &offset);
  if (!space) return Napi::Value();
  for (size_t i = 0; i < count; ++i) {
    if (outputs[i].bytes) std::memcpy(space, outputs[i].data, outputs[i].bytes);
    space += aligned8(outputs[i].bytes);
  }
  return Napi::Number::New(env, static_cast<double>(offset));
}

}  // namespace

Napi::Value outputBytes(Napi::Env env, uint8_t const* data, size_t bytes) {
  size_t offset = 0;
  uint8_t* space = bytes <= kArenaLimit ? addonData(env).completion->arenaSpace(env, bytes, &offset) : nullptr;
  if (space) {
    if (bytes) std::memcpy(space, data, bytes);
    return Napi::Number::New(env, static_cast<double>(offset));
  }
  Napi::ArrayBuffer copy = Napi::ArrayBuffer::New(env, bytes);
  if (bytes) std::memcpy(copy.Data(), data, bytes);
  return copy;
}

Napi::Value compactResult(Napi::Env env, SettlingOutput const* outputs, size_t count) {
  if (count == 1) return outputs[0].elsewhere ? env.Undefined() : outputBytes(env, outputs[0].data, outputs[0].bytes);
  Napi::Value together = allInArena(env, outputs, count);
  if (!together.IsEmpty()) return together;
  Napi::Array each = Napi::Array::New(env, count);
  for (size_t i = 0; i < count; ++i) {
    if (!outputs[i].elsewhere) each.Set(static_cast<uint32_t>(i), outputBytes(env, outputs[i].data, outputs[i].bytes));
  }
  return each;
}

}  // namespace trtn
