// ConvTranspose: the gradient-shaped convolution of X [N, C, spatial...] with W [C, M/group, kernel...] plus an
// optional bias [M], for 1 to 3 spatial axes (TensorRT deconvolves in 2-D and 3-D; its parser widens 1-D). Output
// extents: stride * (in - 1) + output_padding + (kernel - 1) * dilation + 1 - pads, or output_shape / SAME_* with
// the padding derived as the ONNX spec says (SAME_UPPER puts the odd element at the end). Float types; the channel
// extent must be known at build time. Products accumulate in double.
#include "window.h"

namespace trtsim {
namespace ops {
namespace {

struct TransposeAxis {
  int64_t kernel = 1, stride = 1, dilation = 1, padBegin = 0, out = -1;
};

class ConvTransposeOp : public OpBase {
 public:
  ConvTransposeOp(WindowAttributes window, int64_t group, std::vector<int64_t> outputPadding, std::vector<int64_t> outputShape)
      : OpBase("ConvTranspose", 2, 3),
        window_(std::move(window)),
        group_(group),
        outputPadding_(std::move(outputPadding)),
        outputShape_(std::move(outputShape)) {}

  double flops(std::vector<HostTensor> const& in, std::vector<HostTensor> const&) const override {
    Shape const& w = in[1].shape;
    return 2.0 * static_cast<double>(shapeVolume(in[0].shape)) * static_cast<double>(productOf(w, 1, w.size()));
  }

 protected:
  Fold foldPolicy() const override { return Fold::kNever; }

  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    requireType(in[0], "input X", {DType::kFLOAT, DType::kHALF, DType::kBF16});
    requireSameType(in[0], in[1], "input X", "weights W");
    Shape const& x = in[0].shape;
    Shape const& w = in[1].shape;
    int64_t const outChannels = w.size() > 1 ? w[1] * group_ : -1;
    std::vector<int64_t> kernel = checkConvolutionShapes(*this, in, window_, outChannels);
    if (w[0] != x[1] || x[1] % group_ != 0) {
      fail("weights W of shape " + shapeToString(w) + " need " + std::to_string(w[0]) + " input channels divisible by group " +
           std::to_string(group_) + ", X has " + std::to_string(x[1]));
    }
    Shape out{x[0], outChannels};
    for (TransposeAxis const& a : axes(Shape(x.begin() + 2, x.end()), kernel)) out.push_back(a.out);
    return {TensorInfo{in[0].type, out, nullptr}};
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    Shape const& x = in[0].shape;
    Shape const& ws = in[1].shape;
    Shape spatial(x.begin() + 2, x.end());
    std::vector<TransposeAxis> ax = axes(spatial, std::vector<int64_t>(ws.begin() + 2, ws.end()));
    int64_t const outChannels = ws[1] * group_;
    Shape outShape{x[0], outChannels};
    for (TransposeAxis const& a : ax) outShape.push_back(a.out);
    expectShape(out[0], outShape);
    bool const hasBias = in.size() > 2 && !in[2].omitted;
    std::vector<float> xBuf, wBuf, bBuf, yBuf;
    float const* xv = floatInput(in[0], xBuf);
    float const* wv = floatInput(in[1], wBuf);
    float const* bv = hasBias ? floatInput(in[2], bBuf) : nullptr;
    ax.resize(3);  // widened to three spatial axes, the missing ones of extent 1
    int64_t inExt[3] = {1, 1, 1};
    for (size_t i = 0; i < spatial.size(); ++i) inExt[i] = spatial[i];
    for (size_t i = spatial.size(); i < 3; ++i) ax[i].out = 1;
    int64_t const inVol = inExt[0] * inExt[1] * inExt[2];
    int64_t const outVol = ax[0].out * ax[1].out * ax[2].out;
    int64_t const kVol = ax[0].kernel * ax[1].kernel * ax[2].kernel;
    int64_t const perGroupIn = x[1] / group_, perGroupOut = ws[1];
    std::vector<double> acc(static_cast<size_t>(outVol));
    float* yv = floatOutput(out[0], yBuf);
    for (int64_t n = 0; n < x[0]; ++n) {
      for (int64_t m = 0; m < outChannels; ++m) {
        std::fill(acc.begin(), acc.end(), bv ? bv[m] : 0.0);
        int64_t const g = m / perGroupOut, mLocal = m % perGroupOut;
        for (int64_t cl = 0; cl < perGroupIn; ++cl) {
          int64_t const c = g * perGroupIn + cl;
          float const* xPlane = xv + (n * x[1] + c) * inVol;
          float const* wKernel = wv + (c * perGroupOut + mLocal) * kVol;
          for (int64_t i0 = 0; i0 < inExt[0]; ++i0) {
            for (int64_t i1 = 0; i1 < inExt[1]; ++i1) {
              for (int64_t i2 = 0; i2 < inExt[2]; ++i2) {
                double const v = xPlane[(i0 * inExt[1] + i1) * inExt[2] + i2];
                for (int64_t k0 = 0; k0 < ax[0].kernel; ++k0) {
                  int64_t o0 = i0 * ax[0].stride - ax[0].padBegin + k0 * ax[0].dilation;
                  if (o0 < 0 || o0 >= ax[0].out) continue;
                  for (int64_t k1 = 0; k1 < ax[1].kernel; ++k1) {
                    int64_t o1 = i1 * ax[1].stride - ax[1].padBegin + k1 * ax[1].dilation;
                    if (o1 < 0 || o1 >= ax[1].out) continue;
                    for (int64_t k2 = 0; k2 < ax[2].kernel; ++k2) {
                      int64_t o2 = i2 * ax[2].stride - ax[2].padBegin + k2 * ax[2].dilation;
                      if (o2 < 0 || o2 >= ax[2].out) continue;
                      acc[static_cast<size_t>((o0 * ax[1].out + o1) * ax[2].out + o2)] +=
                          v * wKernel[(k0 * ax[1].kernel + k1) * ax[2].kernel + k2];
                    }
                  }
                }
              }
            }
          }
        }
        float* yPlane = yv + (n * outChannels + m) * outVol;
        for (int64_t o = 0; o < outVol; ++o) yPlane[o] = static_cast<float>(acc[static_cast<size_t>(o)]);
      }
    }
    storeFloatOutput(out[0], yBuf);
  }

 private:
  std::vector<TransposeAxis> axes(Shape const& spatial, std::vector<int64_t> const& kernel) const {
    size_t const n = spatial.size();
    requireLength(name_, "strides", window_.strides, n);
    requireLength(name_, "dilations", window_.dilations, n);
    requireLength(name_, "pads", window_.pads, 2 * n);
    requireLength(name_, "output_padding", outputPadding_, n);
    requireLength(name_, "output_shape", outputShape_, n);
    bool const same = window_.autoPad == WindowAttributes::AutoPad::kSameUpper || window_.autoPad == WindowAttributes::AutoPad::kSameLower;
    std::vector<TransposeAxis> r(n);
    for (size_t i = 0; i < n; ++i) {
      TransposeAxis& a = r[i];
      a.kernel = kernel[i];
      a.stride = window_.strides.empty() ? 1 : window_.strides[i];
      a.dilation = window_.dilations.empty() ? 1 : window_.dilations[i];
      int64_t const adj = outputPadding_.empty() ? 0 : outputPadding_[i];
      if (adj >= a.stride && adj >= a.dilation) fail("output_padding must be smaller than the stride or the dilation");
      int64_t const in = spatial[i];
      int64_t const full = in < 0 ? -1 : a.stride * (in - 1) + adj + (a.kernel - 1) * a.dilation + 1;
      if (!outputShape_.empty() || same) {
        // The padding that gives the wanted extent; SAME_UPPER puts the odd element at the end.
        int64_t const wanted = !outputShape_.empty() ? outputShape_[i] : in < 0 ? -1 : in * a.stride;
        if (full < 0 || wanted < 0) continue;
        int64_t const total = full - wanted;
        if (total < 0) fail("output_shape " + std::to_string(wanted) + " on axis " + std::to_string(i) + " is larger than the deconvolution gives (" + std::to_string(full) + ")");
        a.padBegin = window_.autoPad == WindowAttributes::AutoPad::kSameUpper ? total / 2 : total - total / 2;
        a.out = wanted;
        continue;
      }
      int64_t const begin = window_.pads.empty() ? 0 : window_.pads[i];
      int64_t const end = window_.pads.empty() ? 0 : window_.pads[n + i];
      a.padBegin = begin;
      if (full < 0) continue;
      a.out = full - begin - end;
      if (a.out < 1) fail("spatial axis " + std::to_string(i) + ": the pads leave no output (" + std::to_string(a.out) + ")");
    }
    return r;
  }

  WindowAttributes window_;
  int64_t group_;
  std::vector<int64_t> outputPadding_;
  std::vector<int64_t> outputShape_;
};

}  // namespace

std::unique_ptr<Op> makeConvTransposeOp(std::string const& type, Attributes const& attrs, int64_t /*opset*/) {
  checkAttributes(type, attrs, {"auto_pad", "dilations", "group", "kernel_shape", "output_padding", "output_shape", "pads", "strides"});
  int64_t group = attrs.getInt("group", 1);
  if (group < 1) fail(type, "group must be >= 1, got " + std::to_string(group));
  std::vector<int64_t> outputPadding = attrs.getInts("output_padding", {});
  for (int64_t v : outputPadding) {
    if (v < 0) fail(type, "output_padding must be >= 0");
  }
  return std::make_unique<ConvTransposeOp>(readWindowAttributes(type, attrs, true, false), group, std::move(outputPadding),
                                           attrs.getInts("output_shape", {}));
}

}  // namespace ops
}  // namespace trtsim
