// How a run's output bytes travel to JS when it settles. lib/context.ts (#collect) reads every form: an output's
// bytes as their offset in the completion queue's arena (up to 1 KB) or as an ArrayBuffer; and, while a context's
// output dims repeat, the whole result in the most compact form that holds it.
#pragma once

#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace trtn {

// One output of a settling run: its bytes in pinned staging, or none (`elsewhere`: the addon wrote them into a
// caller's array, or they are on the device).
struct SettlingOutput {
  uint8_t const* data = nullptr;
  size_t bytes = 0;
  bool elsewhere = false;
};

// A run's SettlingOutput list, without an allocation for the usual few outputs.
class SettlingOutputs {
 public:
  explicit SettlingOutputs(size_t count) : mHeap(count > kInline ? count : 0) {}
  SettlingOutput* data() { return mHeap.empty() ? mInline : mHeap.data(); }
  SettlingOutput& operator[](size_t i) { return data()[i]; }

 private:
  static constexpr size_t kInline = 8;
  SettlingOutput mInline[kInline];
  std::vector<SettlingOutput> mHeap;
};

// An output's bytes: their offset in the arena when they fit there (the arena is copied out before it is reused),
// else a new ArrayBuffer.
Napi::Value outputBytes(Napi::Env env, uint8_t const* data, size_t bytes);

// The value of a run whose output dims equal the previous settled run's: one output, its bytes (undefined when
// elsewhere); several of up to 1 KB each and none elsewhere, one arena offset for all (each at a multiple of 8,
// the others found from the output sizes), instead of an array that costs about 1k instructions per element to
// fill from C++; else an array of their bytes (undefined for those elsewhere).
Napi::Value compactResult(Napi::Env env, SettlingOutput const* outputs, size_t count);

}  // namespace trtn
