// Sliding-window attributes and output extents (see window.h).
#include "window.h"

namespace trtsim {
namespace ops {
void requireLength(std::string const& op, char const* what, std::vector<int64_t> const& values, size_t length) {
  if (!values.empty() && values.size() != length) {
    fail(op, std::string(what) + " has " + std::to_string(values.size()) + " values, expected " + std::to_string(length) +
                 " for the input's spatial axes");
  }
}

std::vector<int64_t> checkConvolutionShapes(OpBase const& op, std::vector<TensorInfo> const& in,
                                            WindowAttributes const& window, int64_t outChannels) {
  std::string const& name = op.name();
  Shape const& x = in[0].shape;
  Shape const& w = in[1].shape;
  if (x.size() < 3 || x.size() > 5) fail(name, "input X must have 1 to 3 spatial axes (rank 3 to 5), got shape " + shapeToString(x));
  if (w.size() != x.size()) fail(name, "weights W of shape " + shapeToString(w) + " must have the rank of X " + shapeToString(x));
  if (!isKnown(w)) fail(name, "the shape of the weights W must be known at build time, got " + shapeToString(w));
  if (x[1] < 0) fail(name, "the channel extent of input X must be known at build time, got shape " + shapeToString(x));
  std::vector<int64_t> kernel(w.begin() + 2, w.end());
  if (!window.kernel.empty() && window.kernel != kernel) {
    fail(name, "kernel_shape " + shapeToString(window.kernel) + " differs from the weights' spatial extents " + shapeToString(kernel));
  }
  if (in.size() > 2 && !in[2].omitted) {
    if (in[2].type != in[0].type) {
      fail(name, std::string("input X and bias B must have the same type (got ") + dtypeName(in[0].type) + " and " +
                     dtypeName(in[2].type) + ")");
    }
    Shape const& b = in[2].shape;
    if (!(b.size() == 1 && (b[0] == outChannels || b[0] < 0))) {
      fail(name, "bias B must have shape [" + std::to_string(outChannels) + "], got " + shapeToString(b));
    }
  }
  return kernel;
}

namespace {

void requireAtLeast(std::string const& op, char const* what, std::vector<int64_t> const& values, int64_t least) {
  for (int64_t v : values) {
    if (v < least) fail(op, std::string(what) + " must be >= " + std::to_string(least) + ", got " + std::to_string(v));
  }
}

int64_t ceilDiv(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }
int64_t floorDiv(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

}  // namespace

WindowAttributes readWindowAttributes(std::string const& op, Attributes const& attrs, bool allowDilations,
                                      bool allowCeilMode) {
  WindowAttributes w;
  w.kernel = attrs.getInts("kernel_shape", {});
  w.strides = attrs.getInts("strides", {});
  w.dilations = allowDilations ? attrs.getInts("dilations", {}) : std::vector<int64_t>{};
  w.pads = attrs.getInts("pads", {});
  std::string autoPad = attrs.getString("auto_pad", "NOTSET");
  if (autoPad == "NOTSET") {
    w.autoPad = WindowAttributes::AutoPad::kNotSet;
  } else if (autoPad == "VALID") {
    w.autoPad = WindowAttributes::AutoPad::kValid;
  } else if (autoPad == "SAME_UPPER") {
    w.autoPad = WindowAttributes::AutoPad::kSameUpper;
  } else if (autoPad == "SAME_LOWER") {
    w.autoPad = WindowAttributes::AutoPad::kSameLower;
  } else {
    fail(op, "unsupported attribute 'auto_pad' (" + autoPad + ")");
  }
  bool same = w.autoPad == WindowAttributes::AutoPad::kSameUpper || w.autoPad == WindowAttributes::AutoPad::kSameLower;
  if (same && attrs.has("pads")) fail(op, "pads must not be given with auto_pad " + autoPad);
  if (w.autoPad == WindowAttributes::AutoPad::kValid) w.pads.clear();
  w.ceilMode = allowCeilMode && attrs.getInt("ceil_mode", 0) != 0;
  requireAtLeast(op, "kernel_shape", w.kernel, 1);
  requireAtLeast(op, "strides", w.strides, 1);
  requireAtLeast(op, "dilations", w.dilations, 1);
  requireAtLeast(op, "pads", w.pads, 0);
  if (w.pads.size() % 2 != 0) fail(op, "pads has an odd number of values (" + std::to_string(w.pads.size()) + ")");
  return w;
}

std::vector<AxisWindow> resolveWindow(std::string const& op, WindowAttributes const& w, Shape const& spatial,
                                      std::vector<int64_t> const& kernel) {
  size_t n = spatial.size();
  if (kernel.size() != n) {
    fail(op, "the kernel has " + std::to_string(kernel.size()) + " spatial axes, the input " + std::to_string(n));
  }
  requireLength(op, "strides", w.strides, n);
  requireLength(op, "dilations", w.dilations, n);
  requireLength(op, "pads", w.pads, 2 * n);
  std::vector<AxisWindow> axes(n);
  for (size_t i = 0; i < n; ++i) {
    AxisWindow& a = axes[i];
    a.kernel = kernel[i];
    a.stride = w.strides.empty() ? 1 : w.strides[i];
    a.dilation = w.dilations.empty() ? 1 : w.dilations[i];
    int64_t effective = (a.kernel - 1) * a.dilation + 1;
    int64_t in = spatial[i];
    if (w.autoPad == WindowAttributes::AutoPad::kSameUpper || w.autoPad == WindowAttributes::AutoPad::kSameLower) {
      if (in < 0) {
        a.padBegin = a.padEnd = -1;
        continue;
      }
      a.out = ceilDiv(in, a.stride);
      int64_t total = std::max<int64_t>(0, (a.out - 1) * a.stride + effective - in);
      a.padBegin = w.autoPad == WindowAttributes::AutoPad::kSameUpper ? total / 2 : total - total / 2;
      a.padEnd = total - a.padBegin;
      continue;
    }
    if (!w.pads.empty()) {
      a.padBegin = w.pads[i];
      a.padEnd = w.pads[n + i];
    }
    if (in < 0) continue;
    int64_t span = in + a.padBegin + a.padEnd - effective;
    if (span < 0) {
      fail(op, "spatial axis " + std::to_string(i) + ": the kernel spans " + std::to_string(effective) +
                   " elements, more than the padded input's " + std::to_string(in + a.padBegin + a.padEnd));
    }
    a.out = (w.ceilMode ? ceilDiv(span, a.stride) : floorDiv(span, a.stride)) + 1;
  }
  return axes;
}

Shape windowOutputShape(Shape const& x, int64_t channels, std::vector<AxisWindow> const& axes) {
  Shape out{x[0], channels};
  for (AxisWindow const& a : axes) out.push_back(a.out);
  return out;
}

Window3 widenToThreeAxes(std::vector<AxisWindow> const& axes, Shape const& spatial) {
  Window3 w;
  for (size_t i = 0; i < axes.size() && i < 3; ++i) {
    w.axis[i] = axes[i];
    w.in[i] = spatial[i];
  }
  for (size_t i = axes.size(); i < 3; ++i) w.axis[i].out = 1;
  return w;
}

}  // namespace ops
}  // namespace trtsim
