// Pooling: MaxPool and AveragePool over 1, 2 or 3 spatial axes of X [N, C, spatial...] (TensorRT pools in 2-D and
// 3-D; its parser widens 1-D), and GlobalAveragePool / GlobalMaxPool over all spatial axes (reductions there).
// Float types only. TensorRT's pooling layer has no dilations and no indices output, so dilations other than 1 and
// MaxPool's second output are refused rather than computed differently. AveragePool divides by the window's elements
// inside the input, or with count_include_pad=1 inside the padded input. The maximum skips NaN (as fmax does) unless
// every element is NaN. A window that lies wholly in the padding (possible with ceil_mode) gives -Infinity to
// MaxPool and, with count_include_pad 0, NaN to AveragePool (an average of nothing; TensorRT does not say).
// LpPool and GlobalLpPool, as TensorRT's parser builds them: LpPool averages |x| (p = 1) or x² (p = 2) over the window
// with the padding counted, multiplies by the kernel's size and takes the square root for p = 2; other p are refused
// (the parser has no layers for them). GlobalLpPool is sqrt(sum(x²)) over the spatial axes; the parser computes
// sum(x^p)^(1/p) without ONNX's absolute value, which differs for odd p, so only p = 2 is modelled.
#include <cmath>
#include <limits>

#include "window.h"

namespace trtsim {
namespace ops {
namespace {

enum class PoolKind { kMax, kAverage, kL1, kL2 };

void requirePoolingInput(OpBase const& op, TensorInfo const& x, size_t minRank, size_t maxRank) {
  Shape const& s = x.shape;
  if (s.size() < minRank || s.size() > maxRank) {
    fail(op.name(), "input X must have rank " + std::to_string(minRank) + " to " + std::to_string(maxRank) +
                        " ([N, C, spatial...]), got shape " + shapeToString(s));
  }
}

class PoolOp : public OpBase {
 public:
  PoolOp(std::string name, PoolKind kind, WindowAttributes window, bool countIncludePad)
      : OpBase(std::move(name), 1, 1), kind_(kind), window_(std::move(window)), countIncludePad_(countIncludePad) {}

  double flops(std::vector<HostTensor> const&, std::vector<HostTensor> const& out) const override {
    return static_cast<double>(shapeVolume(out[0].shape)) * static_cast<double>(shapeVolume(window_.kernel));
  }

 protected:
  Fold foldPolicy() const override { return Fold::kNever; }

  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    requireType(in[0], "input X", {DType::kFLOAT, DType::kHALF, DType::kBF16});
    requirePoolingInput(*this, in[0], 3, 5);
    Shape const& x = in[0].shape;
    Shape spatial(x.begin() + 2, x.end());
    return {TensorInfo{in[0].type, windowOutputShape(x, x[1], resolveWindow(name_, window_, spatial, window_.kernel)), nullptr}};
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    Shape const& x = in[0].shape;
    Shape spatial(x.begin() + 2, x.end());
    std::vector<AxisWindow> axes = resolveWindow(name_, window_, spatial, window_.kernel);
    expectShape(out[0], windowOutputShape(x, x[1], axes));
    std::vector<float> xBuf, yBuf;
    float const* xv = floatInput(in[0], xBuf);
    float* yv = floatOutput(out[0], yBuf);
    Window3 g = widenToThreeAxes(axes, spatial);
    int64_t planes = x[0] * x[1];
    for (int64_t p = 0; p < planes; ++p) pool(g, xv + p * g.inVolume(), yv + p * g.outVolume());
    storeFloatOutput(out[0], yBuf);
  }

 private:
  // The range of input indices [begin, end) that output position `o` covers along one axis (dilation is 1), and
  // the count that an average including the padding divides by.
  struct Span {
    int64_t begin, end, padded;
  };
  static Span span(AxisWindow const& a, int64_t in, int64_t o) {
    int64_t start = o * a.stride - a.padBegin;
    int64_t stop = std::min(start + a.kernel, in + a.padEnd);
    return Span{std::max<int64_t>(start, 0), std::min(stop, in), stop - start};
  }

  void pool(Window3 const& g, float const* x, float* y) const {
    int64_t const kernelVolume = shapeVolume(window_.kernel);
    int64_t o = 0;
    for (int64_t o0 = 0; o0 < g.axis[0].out; ++o0) {
      Span s0 = span(g.axis[0], g.in[0], o0);
      for (int64_t o1 = 0; o1 < g.axis[1].out; ++o1) {
        Span s1 = span(g.axis[1], g.in[1], o1);
        for (int64_t o2 = 0; o2 < g.axis[2].out; ++o2, ++o) {
          Span s2 = span(g.axis[2], g.in[2], o2);
          double sum = 0;
          float max = -std::numeric_limits<float>::infinity();
          bool sawNumber = false, sawNaN = false;
          for (int64_t i0 = s0.begin; i0 < s0.end; ++i0) {
            for (int64_t i1 = s1.begin; i1 < s1.end; ++i1) {
              float const* row = x + (i0 * g.in[1] + i1) * g.in[2];
              for (int64_t i2 = s2.begin; i2 < s2.end; ++i2) {
                float v = row[i2];
                sum += kind_ == PoolKind::kL1 ? std::fabs(static_cast<double>(v)) : kind_ == PoolKind::kL2 ? static_cast<double>(v) * v : v;
                if (std::isnan(v)) {
                  sawNaN = true;
                } else if (!sawNumber || v > max) {
                  max = v;
                  sawNumber = true;
                }
              }
            }
          }
          if (kind_ == PoolKind::kMax) {
            y[o] = sawNaN && !sawNumber ? std::numeric_limits<float>::quiet_NaN() : max;
          } else {
            int64_t inside = (s0.end - s0.begin) * (s1.end - s1.begin) * (s2.end - s2.begin);
            int64_t count = countIncludePad_ ? s0.padded * s1.padded * s2.padded : inside;
            double average = sum / static_cast<double>(count);
            if (kind_ != PoolKind::kAverage) average *= static_cast<double>(kernelVolume);  // the parser's sum
            y[o] = static_cast<float>(kind_ == PoolKind::kL2 ? std::sqrt(average) : average);
          }
        }
      }
    }
  }

  PoolKind kind_;
  WindowAttributes window_;
  bool countIncludePad_;
};

// GlobalAveragePool / GlobalMaxPool: one value per (N, C) plane over all spatial axes, keeping them as extents of 1.
class GlobalPoolOp : public OpBase {
 public:
  GlobalPoolOp(std::string name, PoolKind kind) : OpBase(std::move(name), 1, 1), kind_(kind) {}

  double flops(std::vector<HostTensor> const& in, std::vector<HostTensor> const&) const override {
    return static_cast<double>(shapeVolume(in[0].shape));
  }

 protected:
  Fold foldPolicy() const override { return Fold::kNever; }

  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    requireType(in[0], "input X", {DType::kFLOAT, DType::kHALF, DType::kBF16});
    requirePoolingInput(*this, in[0], 3, 8);
    Shape y(in[0].shape.size(), 1);
    y[0] = in[0].shape[0];
    y[1] = in[0].shape[1];
    return {TensorInfo{in[0].type, y, nullptr}};
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    Shape const& x = in[0].shape;
    Shape y(x.size(), 1);
    y[0] = x[0];
    y[1] = x[1];
    expectShape(out[0], y);
    std::vector<float> xBuf, yBuf;
    float const* xv = floatInput(in[0], xBuf);
    float* yv = floatOutput(out[0], yBuf);
    int64_t planes = x[0] * x[1];
    int64_t size = productOf(x, 2, x.size());
    for (int64_t p = 0; p < planes; ++p) {
      float const* plane = xv + p * size;
      if (kind_ == PoolKind::kAverage) {
        double sum = 0;
        for (int64_t i = 0; i < size; ++i) sum += plane[i];
        yv[p] = static_cast<float>(sum / static_cast<double>(size));
      } else if (kind_ == PoolKind::kL2) {
        double squares = 0;
        for (int64_t i = 0; i < size; ++i) squares += static_cast<double>(plane[i]) * plane[i];
        yv[p] = static_cast<float>(std::sqrt(squares));
      } else {
        float max = std::numeric_limits<float>::quiet_NaN();
        for (int64_t i = 0; i < size; ++i) max = std::fmax(max, plane[i]);
        yv[p] = size == 0 ? -std::numeric_limits<float>::infinity() : max;
      }
    }
    storeFloatOutput(out[0], yBuf);
  }

 private:
  PoolKind kind_;
};

}  // namespace

std::unique_ptr<Op> makePoolOp(std::string const& type, Attributes const& attrs, int64_t opset) {
  if (type == "GlobalAveragePool" || type == "GlobalMaxPool") {
    checkAttributes(type, attrs, {});
    return std::make_unique<GlobalPoolOp>(type, type == "GlobalMaxPool" ? PoolKind::kMax : PoolKind::kAverage);
  }
  if (type == "GlobalLpPool") {
    checkAttributes(type, attrs, {"p"});
    int64_t p = attrs.getInt("p", 2);
    if (p != 2) {
      fail(type, "p is " + std::to_string(p) + "; only p = 2 is modelled (TensorRT's parser computes sum(x^p)^(1/p) without "
                 "the absolute value ONNX takes, which differs for odd p)");
    }
    return std::make_unique<GlobalPoolOp>(type, PoolKind::kL2);
  }
  bool const isMax = type == "MaxPool";
  PoolKind kind = isMax ? PoolKind::kMax : PoolKind::kAverage;
  if (type == "LpPool") {
    checkAttributes(type, attrs, {"auto_pad", "ceil_mode", "dilations", "kernel_shape", "p", "pads", "strides"});
    int64_t p = attrs.getInt("p", 2);
    if (p != 1 && p != 2) fail(type, "p is " + std::to_string(p) + "; only the L1 and L2 norms (p = 1 or 2) are supported");
    kind = p == 1 ? PoolKind::kL1 : PoolKind::kL2;
  } else if (isMax) {
    checkAttributes(type, attrs, {"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"});
  } else {
    checkAttributes(type, attrs, {"auto_pad", "ceil_mode", "count_include_pad", "dilations", "kernel_shape", "pads", "strides"});
  }
  // ceil_mode arrived in opset 10; TensorRT's parser reads it from there on.
  WindowAttributes window = readWindowAttributes(type, attrs, true, opset <= 0 || opset >= 10);
  if (window.kernel.empty()) fail(type, "kernel_shape is required");
  if (window.kernel.size() > 3) fail(type, "kernel_shape has " + std::to_string(window.kernel.size()) + " axes; pooling supports 1 to 3");
  for (int64_t d : window.dilations) {
    if (d != 1) fail(type, "dilations other than 1 are not supported (TensorRT's pooling layer has no dilation)");
  }
  // LpPool: the parser's average pooling counts the padding (its attributes have no count_include_pad).
  bool const countIncludePad = kind == PoolKind::kL1 || kind == PoolKind::kL2 || attrs.getInt("count_include_pad", 0) != 0;
  return std::make_unique<PoolOp>(type, kind, std::move(window), countIncludePad);
}

}  // namespace ops
}  // namespace trtsim
