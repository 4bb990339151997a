// The sliding-window attributes that Conv and the pooling ops share (kernel_shape, strides, dilations, pads,
// auto_pad, ceil_mode), and the output extents and padding they give per spatial axis. TensorRT's parser maps them
// to a padding mode: explicit pads round the output down, or up with ceil_mode (kEXPLICIT_ROUND_UP, without the
// later ONNX rule that drops a last window starting in the end padding); SAME_UPPER and SAME_LOWER pad so that the
// output extent is ceil(input / stride), the odd element going at the end or at the start.
#pragma once

#include <string>
#include <vector>

#include "common.h"

namespace trtsim {
namespace ops {

struct WindowAttributes {
  enum class AutoPad { kNotSet, kValid, kSameUpper, kSameLower };
  std::vector<int64_t> kernel;     // kernel_shape; empty when the op takes it from its weights (Conv)
  std::vector<int64_t> strides;    // empty: all 1
  std::vector<int64_t> dilations;  // empty: all 1
  std::vector<int64_t> pads;       // [begin..., end...]; empty: all 0
  AutoPad autoPad = AutoPad::kNotSet;
  bool ceilMode = false;
};

// Throws OpError when a per-axis attribute has values but not `length` of them.
void requireLength(std::string const& op, char const* what, std::vector<int64_t> const& values, size_t length);

// The checks Conv and ConvTranspose share, TensorRT's: X of rank 3 to 5 with a channel extent known at build time,
// weights W of X's rank and of a known shape, kernel_shape (if given) equal to W's spatial extents, and a bias of
// `outChannels` values. Returns the kernel (W's spatial extents).
std::vector<int64_t> checkConvolutionShapes(OpBase const& op, std::vector<TensorInfo> const& in,
                                            WindowAttributes const& window, int64_t outChannels);

// Reads and checks the attributes (values >= 1, pads >= 0, no pads with SAME_*). `allowDilations` and
// `allowCeilMode` say whether the op has them.
WindowAttributes readWindowAttributes(std::string const& op, Attributes const& attrs, bool allowDilations,
                                      bool allowCeilMode);

struct AxisWindow {
  int64_t kernel = 1;
  int64_t stride = 1;
  int64_t dilation = 1;
  int64_t padBegin = 0;  // -1 while the input extent is unknown under SAME_*
  int64_t padEnd = 0;
  int64_t out = -1;  // -1: the input extent is unknown
};

// The window along each spatial axis of `spatial` (the input's extents after N and C; -1 when unknown), for a
// kernel of `kernel` extents. Throws OpError naming the axis when the kernel does not fit the padded input.
std::vector<AxisWindow> resolveWindow(std::string const& op, WindowAttributes const& w, Shape const& spatial,
                                      std::vector<int64_t> const& kernel);

// The output shape [N, channels, out...] of a windowed op over input `x`.
Shape windowOutputShape(Shape const& x, int64_t channels, std::vector<AxisWindow> const& axes);

// A window over concrete extents, widened to three spatial axes (the missing ones of extent 1, kernel 1), so that
// kernels loop to a fixed depth for 1-D, 2-D and 3-D inputs alike.
struct Window3 {
  AxisWindow axis[3];
  int64_t in[3] = {1, 1, 1};
  int64_t inVolume() const { return in[0] * in[1] * in[2]; }
  int64_t outVolume() const { return axis[0].out * axis[1].out * axis[2].out; }
  int64_t kernelVolume() const { return axis[0].kernel * axis[1].kernel * axis[2].kernel; }
};
Window3 widenToThreeAxes(std::vector<AxisWindow> const& axes, Shape const& spatial);

}  // namespace ops
}  // namespace trtsim
