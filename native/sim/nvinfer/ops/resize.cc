// Resize, nearest, linear and cubic, as TensorRT's parser maps it: coordinate_transformation_mode half_pixel (the
// default from opset 11), pytorch_half_pixel, align_corners or asymmetric (opset 10: asymmetric, nearest rounding
// down); nearest_mode round_prefer_floor (default), round_prefer_ceil, floor or ceil. Linear interpolation changes at
// most the 3 innermost axes and cubic the 2 innermost, as TensorRT's resize layer. Cubic takes cubic_coeff_a (-0.75)
// and exclude_outside from opset 11; the parser sets neither at opset 10, so the layer's defaults apply. The output
// extents come from scales (floor(extent * scale)) or from sizes, which may be computed from input extents (resize to
// another tensor's shape); axes (opset 18) names the axes they cover. Refused where TensorRT differs or lacks it:
// tf_crop_and_resize, half_pixel_symmetric, antialias, a keep_aspect_ratio_policy other than stretch.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>

#include "common.h"
#include "cubic.h"

namespace trtsim {
namespace ops {
namespace {

enum class Interpolation { kNearest, kLinear, kCubic };
enum class Coordinates { kHalfPixel, kPytorchHalfPixel, kAlignCorners, kAsymmetric };
enum class Rounding { kPreferFloor, kPreferCeil, kFloor, kCeil };

struct ResizeAttributes {
  Interpolation interpolation = Interpolation::kNearest;
  float cubicCoeff = -0.75f;
  bool excludeOutside = false;
  Coordinates coordinates = Coordinates::kHalfPixel;
  Rounding rounding = Rounding::kPreferFloor;
  std::vector<int64_t> axes;
  bool opset10 = false;  // inputs (X, scales); from 11 (X, roi, scales, sizes)
  std::string name = "Resize";
  std::vector<float> attributeScales;  // Upsample before opset 9: the scales attribute, and X the only input
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

// Per output index along one axis: the input indices it reads and their weights. Nearest reads one; linear two,
// the second weighted by the distance from the first; cubic four.
struct Sample {
  std::array<int64_t, 4> index{};
  std::array<double, 4> weight{};
  int taps = 1;
};

Sample cubicSample(double c, int64_t in, float a, bool excludeOutside) {
  Sample s;
  s.taps = 4;
  double first = std::floor(c);
  std::array<float, 4> w = cubicWeights(static_cast<float>(c - first), a);
  double sum = 0;
  for (int k = 0; k < 4; ++k) {
    int64_t i = static_cast<int64_t>(first) - 1 + k;
    bool outside = i < 0 || i >= in;
    s.index[k] = std::min<int64_t>(std::max<int64_t>(i, 0), in - 1);  // edge pixels repeat outside
    s.weight[k] = excludeOutside && outside ? 0.0 : static_cast<double>(w[k]);
    sum += s.weight[k];
  }
  if (excludeOutside && sum != 0) {
    for (double& v : s.weight) v /= sum;
  }
  return s;
}

// Clamped to the edges, as TensorRT's and onnxruntime's linear kernels.
Sample linearSample(double c, int64_t in) {
  c = std::min(std::max(c, 0.0), static_cast<double>(in - 1));
  Sample s;
  s.taps = 2;
  s.index[0] = static_cast<int64_t>(std::floor(c));
  s.index[1] = std::min(s.index[0] + 1, in - 1);
  s.weight[1] = c - static_cast<double>(s.index[0]);
  s.weight[0] = 1.0 - s.weight[1];
  return s;
}

// Advances `tap` (one per blended axis, the first counting fastest) over the taps of the samples at output `index`;
// false after the last combination.
bool nextTap(std::vector<int>& tap, std::vector<size_t> const& blended, std::vector<std::vector<Sample>> const& samples,
             std::vector<int64_t> const& index) {
  for (size_t b = 0; b < blended.size(); ++b) {
    if (++tap[b] < samples[blended[b]][static_cast<size_t>(index[blended[b]])].taps) return true;
    tap[b] = 0;
  }
  return false;
}

class ResizeOp : public OpBase {
 public:
  bool isShapeInput(int index) const override { return index == 3; }
  explicit ResizeOp(ResizeAttributes a)
      : OpBase(a.name, a.attributeScales.empty() ? 2 : 1, !a.attributeScales.empty() ? 1 : a.opset10 ? 2 : 4),
        a_(std::move(a)) {}

  double flops(std::vector<HostTensor> const&, std::vector<HostTensor> const& out) const override {
    // Multiply-adds over the taps of the interpolated axes: 2-D linear reads 4 pixels, 2-D cubic 16.
    double const perOutput[] = {1.0, 8.0, 32.0};
    return perOutput[static_cast<int>(a_.interpolation)] * static_cast<double>(shapeVolume(out[0].shape));
  }

 protected:
  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    requireType(in[0], "X", {DType::kFLOAT, DType::kHALF, DType::kBF16});
    Shape const& x = in[0].shape;
    if (x.empty()) fail("the input cannot be a scalar");
    TensorInfo const* scales = scalesInput(in);
    TensorInfo const* sizes = sizesInput(in);
    bool const attributeScales = !a_.attributeScales.empty();
    if (!attributeScales && !scales == !sizes) fail("exactly one of scales and sizes must be given");
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
      std::vector<double> v(a_.attributeScales.begin(), a_.attributeScales.end());
      if (!attributeScales) {
        requireType(*scales, "scales", {DType::kFLOAT});
        // TensorRT turns computed scales into output extents; the simulator takes them as constants only.
        if (!scales->constData) fail("the scales input must be a constant (computed scales are not supported by the simulator)");
        v = floats(*scales);
      }
      if (v.size() != axes.size()) fail("scales has " + std::to_string(v.size()) + " values for " + std::to_string(axes.size()) + " axes");
      for (size_t i = 0; i < axes.size(); ++i) {
        if (!(v[i] > 0)) fail("scales must be > 0");
        size_t a = axes[i];
        axisScale[a] = v[i];
        out[a] = x[a] < 0 ? -1 : static_cast<int64_t>(std::floor(static_cast<double>(x[a]) * v[i]));
      }
    }
    if (size_t kept = interpolatedAxes(); kept > 0) {
      for (size_t d = 0; d + kept < x.size(); ++d) {
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
    bool const fromScales = !a_.attributeScales.empty() || scalesInput(in) != nullptr;
    if (fromScales) {
      for (size_t i = 0; i < axes.size(); ++i) {
        scale[axes[i]] = a_.attributeScales.empty() ? static_cast<float const*>(scalesInput(in)->data)[i] : a_.attributeScales[i];
      }
    }
    for (size_t d = 0; d < x.size(); ++d) {
      if (size_t kept = interpolatedAxes(); kept > 0 && d + kept < x.size() && y[d] != x[d]) failOuterAxis(d);
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
          s.index[0] = o;
          continue;
        }
        double c = sourceCoordinate(a_.coordinates, o, x[d], y[d], scale[d]);
        switch (a_.interpolation) {
          case Interpolation::kNearest: s.index[0] = nearestIndex(a_.rounding, c, x[d]); break;
          case Interpolation::kLinear: s = linearSample(c, x[d]); break;
          case Interpolation::kCubic: s = cubicSample(c, x[d], a_.cubicCoeff, a_.excludeOutside); break;
        }
      }
    }
    std::vector<float> xBuf, yBuf;
    float const* xv = floatInput(in[0], xBuf);
    float* yv = floatOutput(out[0], yBuf);
    std::vector<int64_t> strides = contiguousStrides(x);
    std::vector<int64_t> index(x.size(), 0);
    std::vector<size_t> blended;  // axes whose samples read more than one index
    for (size_t d = 0; d < x.size(); ++d) {
      for (Sample const& s : samples[d]) {
        if (s.taps > 1) {
          blended.push_back(d);
          break;
        }
      }
    }
    std::vector<int> tap(blended.size(), 0);  // one tap per blended axis, the first axis counting fastest
    for (int64_t n = 0, total = shapeVolume(y); n < total; ++n) {
      int64_t base = 0;
      for (size_t d = 0; d < x.size(); ++d) base += samples[d][static_cast<size_t>(index[d])].index[0] * strides[d];
      if (blended.empty()) {
        yv[n] = xv[base];
        nextIndex(index, y);
        continue;
      }
      double v = 0;
      std::fill(tap.begin(), tap.end(), 0);
      do {
        double w = 1;
        int64_t offset = base;
        for (size_t b = 0; b < blended.size(); ++b) {
          Sample const& s = samples[blended[b]][static_cast<size_t>(index[blended[b]])];
          w *= s.weight[tap[b]];
          offset += (s.index[tap[b]] - s.index[0]) * strides[blended[b]];
        }
        if (w != 0) v += w * static_cast<double>(xv[offset]);
      } while (nextTap(tap, blended, samples, index));
      yv[n] = static_cast<float>(v);
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

  // How many innermost axes the interpolation may change (TensorRT's resize layer); 0 for any (nearest).
  size_t interpolatedAxes() const {
    switch (a_.interpolation) {
      case Interpolation::kLinear: return 3;
      case Interpolation::kCubic: return 2;
      default: return 0;
    }
  }

  [[noreturn]] void failOuterAxis(size_t d) const {
    bool linear = a_.interpolation == Interpolation::kLinear;
    fail(std::string(linear ? "linear" : "cubic") + " resize changes at most the " + (linear ? "3" : "2") +
         " innermost axes (TensorRT's resize layer); axis " + std::to_string(d) + " changes");
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
  if (mode == "linear") a.interpolation = Interpolation::kLinear;
  else if (mode == "cubic") a.interpolation = Interpolation::kCubic;
  else if (mode != "nearest") fail(type, "unsupported attribute 'mode' (" + mode + ")");
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
    a.cubicCoeff = attrs.getFloat("cubic_coeff_a", -0.75f);
    a.excludeOutside = attrs.getInt("exclude_outside", 0) != 0;
  }
  return std::make_unique<ResizeOp>(std::move(a));
}

// Upsample (opsets 7 to 9, deprecated since): TensorRT's parser makes it a resize layer with asymmetric coordinates
// and nearest rounding down, the form of Resize at opset 10. Modes nearest, and linear or bilinear; the scales are an
// attribute before opset 9 and a constant second input from 9.
std::unique_ptr<Op> makeUpsampleOp(std::string const& type, Attributes const& attrs, int64_t opset) {
  ResizeAttributes a;
  a.name = type;
  a.opset10 = true;
  a.coordinates = Coordinates::kAsymmetric;
  a.rounding = Rounding::kFloor;
  if (opset > 0 && opset < 9) {
    checkAttributes(type, attrs, {"mode", "scales"});
    if (!attrs.has("scales")) fail(type, "Attribute scales is missing.");
    a.attributeScales = attrs.getFloats("scales", {});
  } else {
    checkAttributes(type, attrs, {"mode"});
  }
  std::string mode = attrs.getString("mode", "nearest");
  if (mode == "linear" || mode == "bilinear") a.interpolation = Interpolation::kLinear;
  else if (mode != "nearest") fail(type, "unsupported attribute 'mode' (" + mode + ")");
  return std::make_unique<ResizeOp>(std::move(a));
}

}  // namespace ops
}  // namespace trtsim
