// Conv: N-D convolution of X [N, C, spatial...] with W [M, C/group, kernel...] plus an optional bias B [M], for 1, 2
// or 3 spatial axes (TensorRT convolves in 2-D and 3-D; its parser widens 1-D to 2-D). Float types only: integer
// convolutions need quantization, which the simulator does not model. The channel extent must be known at build
// time, as TensorRT requires; the spatial extents may be dynamic. Products are accumulated in double, rounded once.
#include <algorithm>

#include "window.h"

namespace trtsim {
namespace ops {
namespace {

class ConvOp : public OpBase {
 public:
  ConvOp(WindowAttributes window, int64_t group) : OpBase("Conv", 2, 3), window_(std::move(window)), group_(group) {}

  double flops(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    Shape const& w = in[1].shape;
    return 2.0 * static_cast<double>(shapeVolume(out[0].shape)) * static_cast<double>(productOf(w, 1, w.size()));
  }

 protected:
  Fold foldPolicy() const override { return Fold::kNever; }

  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    requireType(in[0], "input X", {DType::kFLOAT, DType::kHALF, DType::kBF16});
    requireSameType(in[0], in[1], "input X", "weights W");
    Shape const& x = in[0].shape;
    Shape const& w = in[1].shape;
    std::vector<int64_t> kernel = checkConvolutionShapes(*this, in, window_, w.size() > 1 ? w[0] : -1);
    if (w[0] % group_ != 0) fail("group " + std::to_string(group_) + " does not divide the " + std::to_string(w[0]) + " output channels");
    if (w[1] * group_ != x[1]) {
      fail("weights W of shape " + shapeToString(w) + " with group " + std::to_string(group_) + " expect " +
           std::to_string(w[1] * group_) + " input channels, X has " + std::to_string(x[1]));
    }
    Shape spatial(x.begin() + 2, x.end());
    return {TensorInfo{in[0].type, windowOutputShape(x, w[0], resolveWindow(name_, window_, spatial, kernel)), nullptr}};
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    Shape const& x = in[0].shape;
    Shape const& ws = in[1].shape;
    Shape spatial(x.begin() + 2, x.end());
    std::vector<AxisWindow> axes = resolveWindow(name_, window_, spatial, std::vector<int64_t>(ws.begin() + 2, ws.end()));
    expectShape(out[0], windowOutputShape(x, ws[0], axes));
    bool const hasBias = in.size() > 2 && !in[2].omitted;
    if (hasBias && shapeVolume(in[2].shape) != ws[0]) {
      fail("bias B must have " + std::to_string(ws[0]) + " values, got shape " + shapeToString(in[2].shape));
    }
    std::vector<float> xBuf, wBuf, bBuf, yBuf;
    float const* xv = floatInput(in[0], xBuf);
    float const* wv = floatInput(in[1], wBuf);
    float const* bv = hasBias ? floatInput(in[2], bBuf) : nullptr;
    float* yv = floatOutput(out[0], yBuf);
    convolve(widenToThreeAxes(axes, spatial), x[0], x[1], ws[0], xv, wv, bv, yv);
    storeFloatOutput(out[0], yBuf);
  }

 private:
  // The outputs o of one axis whose input o * stride - padBegin + k * dilation falls inside [0, in) for kernel tap
  // k: one contiguous range [first, last), so the innermost loop needs no bounds check per element.
  struct TapRange {
    int64_t first, last, inputOffset;  // input index of output o: o * stride + inputOffset
  };
  static TapRange tapRange(AxisWindow const& a, int64_t in, int64_t k) {
    auto ceilDiv = [](int64_t v, int64_t d) { return v >= 0 ? (v + d - 1) / d : -((-v) / d); };
    int64_t const offset = k * a.dilation - a.padBegin;
    int64_t const first = std::max<int64_t>(0, ceilDiv(-offset, a.stride));
    int64_t const last = std::min<int64_t>(a.out, ceilDiv(in - offset, a.stride));
    return {first, std::max(first, last), offset};
  }

  // acc[o] += w * x[o * stride] for o in [first, last).
  static void addScaledRow(double* __restrict acc, float const* __restrict x, double w, int64_t first, int64_t last,
                           int64_t stride) {
    if (stride == 1) {
      for (int64_t o = first; o < last; ++o) acc[o] += w * static_cast<double>(x[o]);
    } else {
      for (int64_t o = first; o < last; ++o) acc[o] += w * static_cast<double>(x[o * stride]);
    }
  }

  // One output plane (n, m) at a time in a double accumulator, adding input channel by channel and tap by tap: every
  // output sums the same products in the same order as a loop per output would (bias, then channels, then taps),
  // so the result is the same to the bit, but the innermost loop runs along an output row and, at stride 1, reads
  // the input row contiguously.
  void convolve(Window3 const& g, int64_t batch, int64_t channels, int64_t outChannels, float const* x,
                float const* w, float const* b, float* y) const {
    int64_t const perGroupIn = channels / group_;
    int64_t const perGroupOut = outChannels / group_;
    int64_t const inVol = g.inVolume();
    int64_t const outVol = g.outVolume();
    int64_t const kVol = g.kernelVolume();
    AxisWindow const& a0 = g.axis[0];
    AxisWindow const& a1 = g.axis[1];
    AxisWindow const& a2 = g.axis[2];
    std::vector<TapRange> taps[3];
    for (int axis = 0; axis < 3; ++axis) {
      for (int64_t k = 0; k < g.axis[axis].kernel; ++k) taps[axis].push_back(tapRange(g.axis[axis], g.in[axis], k));
    }
    int64_t const stride2 = a2.stride;
    std::vector<double> acc(static_cast<size_t>(outVol));
    for (int64_t n = 0; n < batch; ++n) {
      for (int64_t m = 0; m < outChannels; ++m) {
        int64_t const firstIn = (m / perGroupOut) * perGroupIn;
        std::fill(acc.begin(), acc.end(), b ? static_cast<double>(b[m]) : 0.0);
        for (int64_t c = 0; c < perGroupIn; ++c) {
          float const* xPlane = x + (n * channels + firstIn + c) * inVol;
          float const* wKernel = w + (m * perGroupIn + c) * kVol;
          for (int64_t k0 = 0; k0 < a0.kernel; ++k0) {
            TapRange const& r0 = taps[0][static_cast<size_t>(k0)];
            for (int64_t k1 = 0; k1 < a1.kernel; ++k1) {
              TapRange const& r1 = taps[1][static_cast<size_t>(k1)];
              for (int64_t k2 = 0; k2 < a2.kernel; ++k2) {
                TapRange const& r2 = taps[2][static_cast<size_t>(k2)];
                double const wv = wKernel[(k0 * a1.kernel + k1) * a2.kernel + k2];
                for (int64_t o0 = r0.first; o0 < r0.last; ++o0) {
                  int64_t const i0 = o0 * a0.stride + r0.inputOffset;
                  for (int64_t o1 = r1.first; o1 < r1.last; ++o1) {
                    int64_t const i1 = o1 * a1.stride + r1.inputOffset;
                    addScaledRow(acc.data() + (o0 * a1.out + o1) * a2.out,
                                 xPlane + (i0 * g.in[1] + i1) * g.in[2] + r2.inputOffset, wv, r2.first, r2.last, stride2);
                  }
                }
              }
            }
          }
        }
        float* yPlane = y + (n * outChannels + m) * outVol;
        for (int64_t o = 0; o < outVol; ++o) yPlane[o] = static_cast<float>(acc[static_cast<size_t>(o)]);
      }
    }
  }

  WindowAttributes window_;
  int64_t group_;
};

}  // namespace

std::unique_ptr<Op> makeConvOp(std::string const& type, Attributes const& attrs, int64_t /*opset*/) {
  checkAttributes(type, attrs, {"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"});
  int64_t group = attrs.getInt("group", 1);
  if (group < 1) fail(type, "group must be >= 1, got " + std::to_string(group));
  return std::make_unique<ConvOp>(readWindowAttributes(type, attrs, true, false), group);
}

}  // namespace ops
}  // namespace trtsim
