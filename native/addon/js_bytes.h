// The bytes behind a JS value: a TypedArray or DataView (its window), or a whole ArrayBuffer.
#pragma once

#include <napi.h>

#include <cstddef>
#include <cstdint>

namespace trtn {

// False when `value` holds no bytes of its own (not a view nor an ArrayBuffer). A detached buffer has size 0.
inline bool bytesOf(Napi::Value value, uint8_t const** data, size_t* size) {
  if (value.IsTypedArray() || value.IsDataView()) {
    napi_value arrayBuffer = nullptr;
    void* base = nullptr;
    size_t offset = 0;
    size_t length = 0;
    if (value.IsTypedArray()) {
      auto view = value.As<Napi::TypedArray>();
      arrayBuffer = view.ArrayBuffer();
      offset = view.ByteOffset();
      length = view.ByteLength();
    } else {
      auto view = value.As<Napi::DataView>();
      arrayBuffer = view.ArrayBuffer();
      offset = view.ByteOffset();
      length = view.ByteLength();
    }
    base = Napi::ArrayBuffer(value.Env(), arrayBuffer).Data();
    *data = static_cast<uint8_t const*>(base) + offset;
    *size = length;
    return true;
  }
  if (value.IsArrayBuffer()) {
    auto buffer = value.As<Napi::ArrayBuffer>();
    *data = static_cast<uint8_t const*>(buffer.Data());
    *size = buffer.ByteLength();
    return true;
  }
  return false;
}

}  // namespace trtn
