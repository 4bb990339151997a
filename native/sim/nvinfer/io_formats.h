// The IO tensor formats (nvinfer1::TensorFormat) the simulator's builder can choose for a network input or output,
// by TensorRT's rules: which element types each format takes and how many dimensions it needs. The layouts
// themselves are in native/common/tensor_layout.h.
#pragma once

#include <cstdint>
#include <string>

#include "../../common/tensor_layout.h"
#include "graph.h"

namespace trtsim {

// "kCHW32" and the like.
std::string formatName(int32_t format);

// getTensorFormatDesc's text, such as "Thirty-two wide channel vectorized row major Int8 format".
std::string formatDescription(int32_t format, DType type);

// The format the builder uses for IO tensor `t`: kLINEAR when its allowed formats include it, otherwise the first
// allowed one that fits its type and rank and, for a vectorized one, a fixed vector dimension. -1 when none does,
// with the reason in `why`.
int32_t chooseIoFormat(TensorDef const& t, bool shapeTensor, std::string& why);

// Whether format `format` may hold `type` (TensorRT's rules, NvInferRuntime.h); DLA formats hold nothing here.
bool formatTakes(int32_t format, DType type);

// The layout of an IO tensor in its format (linear for kLINEAR).
inline trtn::layout::Layout ioLayout(TensorDef const& t) {
  trtn::layout::Layout layout;
  trtn::layout::layoutOf(t.format, static_cast<int>(t.shape.size()), layout);
  return layout;
}

}  // namespace trtsim
