// Resize, nearest and linear, as TensorRT's parser maps it: coordinate_transformation_mode half_pixel (the default
// from opset 11), pytorch_half_pixel, align_corners or asymmetric (opset 10: asymmetric, nearest rounding down);
// nearest_mode round_prefer_floor (default), round_prefer_ceil, floor or ceil. Linear interpolation changes at most
// the 3 innermost axes, as TensorRT's resize layer. The output extents come from scales (floor(extent * scale)) or
// from sizes, which may be computed from input extents (resize to another tensor's shape); axes (opset 18) names the
// axes they cover. Refused where TensorRT differs or lacks it: cubic (not modelled), tf_crop_and_resize,
// half_pixel_symmetric, antialias, a keep_aspect_ratio_policy other than stretch.
#include <cmath>
#include <cstring>

#include "common.h"

namespace trtsim {
namespace ops {
namespace {

enum class Coordinates { kHalfPixel, kPytorchHalfPixel, kAlignCorners, kAsymmetric };
enum class Rounding { kPreferFloor, kPreferCeil, kFloor, kCeil };

struct ResizeAttributes {
  bool linear = false;
  Coordinates coordinates = Coordinates::kHalfPixel;
  Rounding rounding = Rounding::kPreferFloor;
  std::vector<int64_t> axes;
  bool opset10 = false;  // inputs (X, scales); from 11 (X, roi, scales, sizes)
};

// Where output index `o` samples along an axis of `in` input and `out` output extents at `scale`. In float, as the
// kernels compute it: in double, 1.5 / 0.6f lands below 2.5 and a floor would pick the index below.
double sourceCoordinate(Coordinates c, int64_t o, int64_t in, int64_t out, double scale) {
  float x = static_cast<float>(o);
  float s = static_cast<float>(scale);
  switch (c) {
    case Coordinates::kHalfPixel: return (x + 0.5f) / s - 0.5f;
    case Coordinates::kPytorchHalfPixel: return out > 1 ? (x + 0.5f) / s - 0.5f : 0.f;
    case Coordinates::kAlignCorners: return out == 1 ? 0.f : x * static_cast<float>(in - 1) / static_cast<float>(out - 1);
    case Coordinates::kAsymmetric: return x / s;
  }
  return x;
}

int64_t nearestIndex(Rounding r, double x, int64_t in) {
  double i = 0;
  switch (r) {
    case Rounding::kPreferFloor: i = x == std::floor(x) + 0.5 ? std::floor(x) : std::round(x); break;
    case Rounding::kPreferCeil: i = std::round(x); break;
    case Rounding::kFloor: i = std::floor(x); break;
    case Rounding::kCeil: i = std::ceil(x); break;
  }
  return std::min<int64_t>(std::max<int64_t>(static_cast<int64_t>(i), 0), in - 1);
}

// Per output index along one axis: the two input indices it blends and the weight of the second.
struct Sample {
  int64_t lo = 0, hi = 0;
  double weight = 0;
};

class ResizeOp : public OpBase {
 public:
  explicit ResizeOp(ResizeAttributes a) : OpBase("Resize", 2, a.opset10 ? 2 : 4), a_(std::move(a)) {}

  double flops(std::vector<HostTensor> const&, std::vector<HostTensor> const& out) const override {
    return (a_.linear ? 8.0 : 1.0) * static_cast<double>(shapeVolume(out[0].shape));
  }

 protected:
  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    requireType(in[0], "X", {DType::kFLOAT, DType::kHALF, DType::kBF16});
    Shape const& x = in[0].shape;
    if (x.empty()) fail("the input cannot be a scalar");
    TensorInfo const* scales = scalesInput(in);
    TensorInfo const* sizes = sizesInput(in);
    if (!scales == !sizes) fail("exactly one of scales and sizes must be given");
    std::vector<size_t> axes = resizedAxes(x.size());
    Shape out = x;
    std::vector<double> axisScale(x.size(), 1.0);  // from scales; 1 elsewhere
    if (sizes) {
      requireType(*sizes, "sizes", {DType::kINT64});
      if (!sizes->constData) {
        for (size_t a : axes) out[a] = -1;  // known at run time, computed from extents
      } else {
        std::vector<int64_t> v = constInts(name_, "sizes", *sizes);
        if (v.size() != axes.size()) fail("sizes has " + std::to_string(v.size()) + " values for " + std::to_string(axes.size()) + " axes");
        for (size_t i = 0; i < axes.size(); ++i) out[axes[i]] = v[i];
      }
    } else {
      requireType(*scales, "scales", {DType::kFLOAT});
      // TensorRT turns computed scales into output extents; the simulator takes them as constants only.
      if (!scales->constData) fail("the scales input must be a constant (computed scales are not supported by the simulator)");
      std::vector<double> v = floats(*scales);
      if (v.size() != axes.size()) fail("scales has " + std::to_string(v.size()) + " values for " + std::to_string(axes.size()) + " axes");
      for (size_t i = 0; i < axes.size(); ++i) {
        if (!(v[i] > 0)) fail("scales must be > 0");
        size_t a = axes[i];
        axisScale[a] = v[i];
        out[a] = x[a] < 0 ? -1 : static_cast<int64_t>(std::floor(static_cast<double>(x[a]) * v[i]));
      }
    }
    if (a_.linear) {
      for (size_t d = 0; d + 3 < x.size(); ++d) {
        // An extent unknown until run time is checked then.
        bool changed = (x[d] >= 0 && out[d] >= 0 && out[d] != x[d]) || axisScale[d] != 1.0;
        if (changed) failOuterAxis(d);
      }
    }
    return {TensorInfo{in[0].type, out, nullptr}};
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    Shape const& x = in[0].shape;
    Shape const& y = out[0].shape;
    if (y.size() != x.size()) fail("output rank differs from the input's");
    std::vector<size_t> axes = resizedAxes(x.size());
    std::vector<double> scale(x.size(), 1.0);
    bool const fromScales = scalesInput(in) != nullptr;
    if (fromScales) {
      HostTensor const& s = *scalesInput(in);
      for (size_t i = 0; i < axes.size(); ++i) scale[axes[i]] = static_cast<float const*>(s.data)[i];
    }
    for (size_t d = 0; d < x.size(); ++d) {
      if (a_.linear && d + 3 < x.size() && y[d] != x[d]) failOuterAxis(d);
      if (!fromScales) scale[d] = x[d] > 0 ? static_cast<double>(y[d]) / static_cast<double>(x[d]) : 1.0;
      if (y[d] > 0 && x[d] == 0) fail("axis " + std::to_string(d) + " is empty and cannot be resized to " + std::to_string(y[d]));
    }
    // Samples per axis and output index.
    std::vector<std::vector<Sample>> samples(x.size());
    for (size_t d = 0; d < x.size(); ++d) {
      samples[d].resize(static_cast<size_t>(std::max<int64_t>(y[d], 0)));
      for (int64_t o = 0; o < y[d]; ++o) {
        Sample& s = samples[d][static_cast<size_t>(o)];
        if (x[d] == y[d] && scale[d] == 1.0) {
          s.lo = s.hi = o;
          continue;
        }
        double c = sourceCoordinate(a_.coordinates, o, x[d], y[d], scale[d]);
        if (!a_.linear) {
          s.lo = s.hi = nearestIndex(a_.rounding, c, x[d]);
          continue;
        }
        c = std::min(std::max(c, 0.0), static_cast<double>(x[d] - 1));
        s.lo = static_cast<int64_t>(std::floor(c));
        s.hi = std::min(s.lo + 1, x[d] - 1);
        s.weight = c - static_cast<double>(s.lo);
      }
    }
    std::vector<float> xBuf, yBuf;
    float const* xv = floatInput(in[0], xBuf);
    float* yv = floatOutput(out[0], yBuf);
    std::vector<int64_t> strides = contiguousStrides(x);
    std::vector<int64_t> index(x.size(), 0);
    std::vector<size_t> blended;  // axes whose samples blend two indices
    for (size_t d = 0; d < x.size(); ++d) {
      for (Sample const& s : samples[d]) {
        if (s.lo != s.hi) {
          blended.push_back(d);
          break;
        }
      }
    }
    for (int64_t n = 0, total = shapeVolume(y); n < total; ++n) {
      int64_t base = 0;
      for (size_t d = 0; d < x.size(); ++d) base += samples[d][static_cast<size_t>(index[d])].lo * strides[d];
      double v = 0;
      for (uint32_t corner = 0; corner < (1u << blended.size()); ++corner) {
        double w = 1;
        int64_t offset = base;
        for (size_t b = 0; b < blended.size(); ++b) {
          Sample const& s = samples[blended[b]][static_cast<size_t>(index[blended[b]])];
          bool high = (corner >> b) & 1u;
          w *= high ? s.weight : 1.0 - s.weight;
          if (high) offset += (s.hi - s.lo) * strides[blended[b]];
        }
        if (w != 0) v += w * static_cast<double>(xv[offset]);
      }
      yv[n] = blended.empty() ? xv[base] : static_cast<float>(v);
      nextIndex(index, y);
    }
    storeFloatOutput(out[0], yBuf);
  }

 private:
  // The scales and sizes inputs (TensorInfo at build time, HostTensor at run time), when given and not empty: opset
  // 11 and 12 pass an empty scales tensor with sizes.
  template <typename T>
  static T const* given(std::vector<T> const& in, size_t k) {
    return k < in.size() && !in[k].omitted && shapeVolume(in[k].shape) != 0 ? &in[k] : nullptr;
  }
  template <typename T>
  T const* scalesInput(std::vector<T> const& in) const { return given(in, a_.opset10 ? 1 : 2); }
  template <typename T>
  T const* sizesInput(std::vector<T> const& in) const { return a_.opset10 ? nullptr : given(in, 3); }

  [[noreturn]] void failOuterAxis(size_t d) const {
    fail("linear resize changes at most the 3 innermost axes (TensorRT's resize layer); axis " + std::to_string(d) + " changes");
  }

  std::vector<size_t> resizedAxes(size_t rank) const {
    std::vector<size_t> axes;
    if (a_.axes.empty()) {
      for (size_t d = 0; d < rank; ++d) axes.push_back(d);
      return axes;
    }
    std::vector<bool> seen(rank, false);
    for (int64_t a : a_.axes) {
      size_t d = static_cast<size_t>(normalizeAxis(name_, "axis", a, static_cast<int64_t>(rank)));
      if (seen[d]) fail("axis " + std::to_string(a) + " is listed more than once in axes");
      seen[d] = true;
      axes.push_back(d);
    }
    return axes;
  }

  std::vector<double> floats(TensorInfo const& t) const {
    uint8_t const* bytes = constBytes(name_, t);
    std::vector<double> v(static_cast<size_t>(shapeVolume(t.shape)));
    for (size_t i = 0; i < v.size(); ++i) {
      float f;
      std::memcpy(&f, bytes + i * 4, 4);
      v[i] = f;
    }
    return v;
  }

  ResizeAttributes a_;
};

}  // namespace

std::unique_ptr<Op> makeResizeOp(std::string const& type, Attributes const& attrs, int64_t opset) {
  ResizeAttributes a;
  a.opset10 = opset > 0 && opset < 11;
  if (a.opset10) {
    checkAttributes(type, attrs, {"mode"});
    a.coordinates = Coordinates::kAsymmetric;
    a.rounding = Rounding::kFloor;
  } else {
    checkAttributes(type, attrs, {"mode", "coordinate_transformation_mode", "nearest_mode", "cubic_coeff_a", "exclude_outside",
                                  "extrapolation_value", "axes", "antialias", "keep_aspect_ratio_policy"});
  }
  std::string mode = attrs.getString("mode", "nearest");
  if (mode == "cubic") fail(type, "mode cubic is not supported by the simulator (TensorRT has it; nearest and linear are modelled)");
  if (mode != "nearest" && mode != "linear") fail(type, "unsupported attribute 'mode' (" + mode + ")");
  a.linear = mode == "linear";
  if (!a.opset10) {
    std::string c = attrs.getString("coordinate_transformation_mode", "half_pixel");
    if (c == "half_pixel") a.coordinates = Coordinates::kHalfPixel;
    else if (c == "pytorch_half_pixel") a.coordinates = Coordinates::kPytorchHalfPixel;
    else if (c == "align_corners") a.coordinates = Coordinates::kAlignCorners;
    else if (c == "asymmetric") a.coordinates = Coordinates::kAsymmetric;
    else fail(type, "coordinate_transformation_mode " + c + " is not supported (TensorRT's parser refuses it)");
    std::string n = attrs.getString("nearest_mode", "round_prefer_floor");
    if (n == "round_prefer_floor") a.rounding = Rounding::kPreferFloor;
    else if (n == "round_prefer_ceil") a.rounding = Rounding::kPreferCeil;
    else if (n == "floor") a.rounding = Rounding::kFloor;
    else if (n == "ceil") a.rounding = Rounding::kCeil;
    else fail(type, "unsupported attribute 'nearest_mode' (" + n + ")");
    if (attrs.getInt("antialias", 0) != 0) fail(type, "antialias is not supported (TensorRT's parser ignores it, which would compute without it)");
    std::string policy = attrs.getString("keep_aspect_ratio_policy", "stretch");
    if (policy != "stretch") fail(type, "keep_aspect_ratio_policy " + policy + " is not supported (TensorRT's parser ignores it)");
    a.axes = attrs.getInts("axes", {});
  }
  return std::make_unique<ResizeOp>(std::move(a));
}

}  // namespace ops
}  // namespace trtsim
