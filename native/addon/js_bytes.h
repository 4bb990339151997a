// The bytes behind a JS value: a TypedArray or DataView (its window), or a whole ArrayBuffer; and copies into a
// caller's TypedArray.
#pragma once

#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace trtn {

// A TypedArray's element type, first element and length in elements, in one N-API call (the hot path of run()).
// False when `value` is not a TypedArray. A detached array has length 0.
inline bool typedArrayInfo(napi_env env, napi_value value, napi_typedarray_type* type, void** data, size_t* length) {
  return napi_get_typedarray_info(env, value, type, length, data, nullptr, nullptr) == napi_ok;
}

inline size_t typedArrayElementSize(napi_typedarray_type type) {
  switch (type) {
    case napi_int8_array:
    case napi_uint8_array:
    case napi_uint8_clamped_array:
      return 1;
    case napi_int16_array:
    case napi_uint16_array:
      return 2;
    case napi_int32_array:
    case napi_uint32_array:
    case napi_float32_array:
      return 4;
    default:  // float64, bigint64, biguint64
      return 8;
  }
}

// A TypedArray's first byte and size in bytes, in one N-API call; false when `value` is not a TypedArray.
inline bool typedArrayBytes(napi_env env, napi_value value, void** data, size_t* bytes) {
  napi_typedarray_type type;
  size_t length = 0;
  if (!typedArrayInfo(env, value, &type, data, &length)) return false;
  *bytes = length * typedArrayElementSize(type);
  return true;
}

// False when `value` holds no bytes of its own (not a view nor an ArrayBuffer). A detached buffer has size 0.
inline bool bytesOf(Napi::Value value, uint8_t const** data, size_t* size) {
  void* first = nullptr;
  if (typedArrayBytes(value.Env(), value, &first, size)) {
    *data = static_cast<uint8_t const*>(first);
    return true;
  }
  if (value.IsDataView()) {
    auto view = value.As<Napi::DataView>();
    *data = static_cast<uint8_t const*>(view.Data());
    *size = view.ByteLength();
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

// An output target given as a byte count: a small caller's array that lib/context.ts fills from the settled result
// itself (no reference to it here, and no read of it per run), of which the addon checks only the size. False when
// `value` is not a number; a number that is no byte count (negative, fractional, NaN) is `*valid` false.
inline bool targetByteCount(napi_env env, napi_value value, size_t* bytes, bool* valid) {
  double count = 0;
  if (napi_get_value_double(env, value, &count) != napi_ok) return false;
  *valid = count >= 0 && count <= 9007199254740991.0 && count == static_cast<double>(static_cast<int64_t>(count));
  *bytes = *valid ? static_cast<size_t>(count) : 0;
  return true;
}

// Copies `bytes` from `source` into the TypedArray `target` refers to (a caller's output array). False, with
// `*have` its current size in bytes, when it was detached or is smaller than `bytes`.
inline bool copyIntoTypedArray(napi_env env, napi_ref target, void const* source, size_t bytes, size_t* have) {
  napi_value array = nullptr;
  void* first = nullptr;
  *have = 0;
  if (napi_get_reference_value(env, target, &array) != napi_ok || !typedArrayBytes(env, array, &first, have) ||
      *have < bytes) {
    return false;
  }
  if (bytes) std::memcpy(first, source, bytes);
  return true;
}

}  // namespace trtn
