// Host memory for a shape tensor's values (getTensorLocation kHOST), at an address aligned like any tensor's (256
// bytes): an input's, which TensorRT reads while it infers output shapes and during enqueueV3, or a shape output's,
// which it writes then.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "backend.h"

namespace trtn {

class ShapeValuesBuffer {
 public:
  // Room for `bytes` at a 256-byte boundary; the address stays the same while the size does not grow.
  uint8_t* reserve(size_t bytes) {
    if (bytes > mCapacity) {
      mStorage.assign(bytes + kAlignment, 0);
      mCapacity = bytes;
    }
    return data();
  }
  uint8_t* data() {
    auto base = reinterpret_cast<uintptr_t>(mStorage.data());
    return mStorage.data() + ((kAlignment - base % kAlignment) % kAlignment);
  }
  // The values as the tensor's elements (int32 or int64, the types a shape input can have).
  uint8_t* write(DataType type, std::vector<int64_t> const& values) {
    size_t size = type == DataType::kINT32 ? 4 : 8;
    uint8_t* at = reserve(std::max<size_t>(values.size() * size, 1));
    for (size_t i = 0; i < values.size(); ++i) {
      if (size == 4) {
        auto v = static_cast<int32_t>(values[i]);
        std::memcpy(at + i * 4, &v, 4);
      } else {
        std::memcpy(at + i * 8, &values[i], 8);
      }
    }
    return at;
  }

 private:
  static constexpr size_t kAlignment = 256;
  std::vector<uint8_t> mStorage;
  size_t mCapacity = 0;
};

}  // namespace trtn
