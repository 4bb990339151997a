// Memory layouts of TensorRT's IO tensor formats (TensorFormat), as NvInferRuntime.h defines them: a tensor of
// dims [.., C, ..] whose vector dimension C sits third or fourth to last is stored
//   vector-major (kCHW2, kCHW4, kCHW16, kCHW32, kCDHW32): C split into ceil(C/V) outer blocks and V inner scalars,
//     the V scalars innermost: [..][ceil(C/V)][spatial..][V];
//   vector-minor (kHWC8, kHWC16, kDHWC8, kHWC, kDHWC): C moved innermost and padded to a multiple of V:
//     [..][spatial..][ceil(C/V)*V].
// Padding scalars are zero. kLINEAR is plain row-major. Shared by the simulator (which computes with these layouts)
// and the binding (which converts a run's linear TypedArrays to and from them).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace trtn {
namespace layout {

struct Layout {
  int vectorDim = -1;       // index of the vectorized dimension; -1 for kLINEAR
  int64_t components = 1;   // V, scalars per vector
  bool vectorMinor = false;  // true: C moved innermost (HWC-like); false: C split (CHWk-like)

  bool linear() const { return vectorDim < 0; }
};

// The layout of format `format` (TensorFormat's value) for a tensor of `rank` dimensions; false for a format these
// layouts do not describe (the DLA formats) or a rank too small for it.
inline bool layoutOf(int32_t format, int rank, Layout& out) {
  struct Entry {
    int32_t format;
    int fromEnd;  // the vector dimension, counted from the last (3: third to last)
    int64_t components;
    bool minor;
  };
  static constexpr Entry kFormats[] = {
      {1, 3, 2, false},   // kCHW2
      {2, 3, 8, true},    // kHWC8
      {3, 3, 4, false},   // kCHW4
      {4, 3, 16, false},  // kCHW16
      {5, 3, 32, false},  // kCHW32
      {6, 4, 8, true},    // kDHWC8
      {7, 4, 32, false},  // kCDHW32
      {8, 3, 1, true},    // kHWC
      {11, 3, 16, true},  // kHWC16
      {12, 4, 1, true},   // kDHWC
  };
  out = Layout{};
  if (format == 0) return true;  // kLINEAR
  for (Entry const& e : kFormats) {
    if (e.format != format) continue;
    if (rank < e.fromEnd) return false;
    out = Layout{rank - e.fromEnd, e.components, e.minor};
    return true;
  }
  return false;
}

inline int64_t roundUp(int64_t value, int64_t multiple) { return (value + multiple - 1) / multiple * multiple; }

// Elements (padding included) the formatted tensor occupies.
inline int64_t formattedVolume(std::vector<int64_t> const& dims, Layout const& layout) {
  int64_t volume = 1;
  for (size_t d = 0; d < dims.size(); ++d) {
    volume *= static_cast<int>(d) == layout.vectorDim ? roundUp(dims[d], layout.components) : dims[d];
  }
  return volume;
}

// The element offset in the formatted buffer of the element at `index` (one coordinate per dimension).
inline int64_t formattedOffset(std::vector<int64_t> const& dims, Layout const& layout, int64_t const* index) {
  int const v = layout.vectorDim;
  if (v < 0) {  // kLINEAR: row-major
    int64_t offset = 0;
    for (size_t d = 0; d < dims.size(); ++d) offset = offset * dims[d] + index[d];
    return offset;
  }
  int64_t const padded = roundUp(dims[v], layout.components);
  int64_t offset = 0;
  // Outer dimensions before the vector dimension, in order, as in row-major.
  for (int d = 0; d < v; ++d) offset = offset * dims[d] + index[d];
  if (layout.vectorMinor) {
    // [..][spatial..][C padded]
    for (size_t d = v + 1; d < dims.size(); ++d) offset = offset * dims[d] + index[d];
    return offset * padded + index[v];
  }
  // [..][C/V][spatial..][V]
  offset = offset * (padded / layout.components) + index[v] / layout.components;
  for (size_t d = v + 1; d < dims.size(); ++d) offset = offset * dims[d] + index[d];
  return offset * layout.components + index[v] % layout.components;
}

// Copies a row-major tensor into its formatted layout (`toFormatted`) or back, element by element; `formatted` holds
// formattedVolume elements, and going to it, its padding is zeroed first.
inline void reformat(uint8_t* linear, uint8_t* formatted, std::vector<int64_t> const& dims, Layout const& layout,
                     size_t elementSize, bool toFormatted) {
  int64_t count = 1;
  for (int64_t d : dims) count *= d;
  if (toFormatted) std::memset(formatted, 0, static_cast<size_t>(formattedVolume(dims, layout)) * elementSize);
  if (count <= 0) return;
  std::vector<int64_t> index(dims.size(), 0);
  for (int64_t i = 0; i < count; ++i) {
    uint8_t* f = formatted + static_cast<size_t>(formattedOffset(dims, layout, index.data())) * elementSize;
    uint8_t* l = linear + static_cast<size_t>(i) * elementSize;
    if (toFormatted) {
      std::memcpy(f, l, elementSize);
    } else {
      std::memcpy(l, f, elementSize);
    }
    for (int d = static_cast<int>(dims.size()) - 1; d >= 0; --d) {  // the next row-major index
      if (++index[d] < dims[d]) break;
      index[d] = 0;
    }
  }
}

}  // namespace layout
}  // namespace trtn
