// GridSample: samples an NCHW input X at the normalized (x, y) locations of a grid [N, H_out, W_out, 2], giving
// [N, C, H_out, W_out], as TensorRT's grid sample layer. -1 and 1 are the outer edges of the corner pixels, or their
// centres with align_corners. Modes bilinear (the default), nearest (ties to even) and bicubic (A = -0.75, a 4x4
// neighbourhood); padding_mode zeros (the layer's kFILL), border (kCLAMP) or reflection (kREFLECT), applied to each
// pixel the interpolation reads. X and grid share a float type.
// Refused: other ranks (the layer is 4-D only, so opset 20's volumetric form is out) and opset 20's mode names linear
// and cubic (TensorRT's parser reads the opset 16 names bilinear, nearest and bicubic only). Grid values that are not
// finite give NaN (bilinear, bicubic) or read no pixel (nearest); onnxruntime leaves them undefined.
#include <algorithm>
#include <cmath>

#include "common.h"
#include "cubic.h"

namespace trtsim {
namespace ops {
namespace {

enum class Mode { kNearest, kBilinear, kBicubic };
enum class Padding { kZeros, kBorder, kReflection };

struct GridSampleAttributes {
  Mode mode = Mode::kBilinear;
  Padding padding = Padding::kZeros;
  bool alignCorners = false;
};

// One pixel read by an interpolation: its offset in the input plane, or -1 for a zero (padding zeros).
struct Tap {
  int64_t offset;
  double weight;
};

class GridSampleOp : public OpBase {
 public:
  explicit GridSampleOp(GridSampleAttributes a) : OpBase("GridSample", 2, 2), a_(a) {}

  double flops(std::vector<HostTensor> const&, std::vector<HostTensor> const& out) const override {
    double const perOutput[] = {1.0, 8.0, 32.0};
    return perOutput[static_cast<int>(a_.mode)] * static_cast<double>(shapeVolume(out[0].shape));
  }

 protected:
  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    requireType(in[0], "X", {DType::kFLOAT, DType::kHALF, DType::kBF16});
    requireSameType(in[0], in[1], "X", "grid");
    Shape const& x = in[0].shape;
    Shape const& grid = in[1].shape;
    if (x.size() != 4) fail("input X must be 4-D (N, C, H, W), got shape " + shapeToString(x) + ": TensorRT's grid sample layer is 4-D only");
    if (grid.size() != 4) fail("grid must be 4-D (N, H_out, W_out, 2), got shape " + shapeToString(grid));
    if (grid[3] >= 0 && grid[3] != 2) fail("the last extent of grid must be 2, got shape " + shapeToString(grid));
    if (x[0] >= 0 && grid[0] >= 0 && x[0] != grid[0]) {
      fail("the batch extents of X " + shapeToString(x) + " and grid " + shapeToString(grid) + " differ");
    }
    return {TensorInfo{in[0].type, Shape{x[0] >= 0 ? x[0] : grid[0], x[1], grid[1], grid[2]}, nullptr}};
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    Shape const& x = in[0].shape;
    Shape const& grid = in[1].shape;
    int64_t const batches = x[0], channels = x[1], height = x[2], width = x[3];
    int64_t const points = grid[1] * grid[2];
    expectShape(out[0], Shape{batches, channels, grid[1], grid[2]});
    std::vector<float> xBuf, gBuf, yBuf;
    float const* xv = floatInput(in[0], xBuf);
    float const* gv = floatInput(in[1], gBuf);
    float* yv = floatOutput(out[0], yBuf);
    std::vector<Tap> taps;
    for (int64_t n = 0; n < batches; ++n) {
      for (int64_t p = 0; p < points; ++p) {
        float const* g = gv + (n * points + p) * 2;
        float const px = denormalize(g[0], width), py = denormalize(g[1], height);
        collectTaps(px, py, height, width, taps);
        for (int64_t c = 0; c < channels; ++c) {
          float const* plane = xv + (n * channels + c) * height * width;
          double v = 0;
          for (Tap const& t : taps) v += t.weight * (t.offset < 0 ? 0.0 : static_cast<double>(plane[t.offset]));
          yv[(n * channels + c) * points + p] = static_cast<float>(v);
        }
      }
    }
    storeFloatOutput(out[0], yBuf);
  }

 private:
  // The pixel coordinate of a normalized one, in float as the kernels compute it.
  float denormalize(float v, int64_t extent) const {
    float const e = static_cast<float>(extent);
    return a_.alignCorners ? (v + 1) / 2.f * (e - 1) : ((v + 1) * e - 1) / 2.f;
  }

  // The index `i` reads along an axis of `extent` pixels under the padding mode; -1 for a zero.
  int64_t resolve(int64_t i, int64_t extent) const {
    if (extent <= 0) return -1;  // an empty image has no pixel to clamp or reflect to
    if (i < extent && i >= 0) return i;
    switch (a_.padding) {
      case Padding::kZeros: return -1;
      case Padding::kBorder: return i < 0 ? 0 : extent - 1;
      case Padding::kReflection: return reflect(i, extent);
    }
    return -1;
  }

  // Reflects `i` off the borders (the corner pixels' outer edges, or their centres with align_corners) until it falls
  // inside, as ONNX's reference: with edges at -0.5 and W - 0.5, index -1 reads 0 and -2 reads 1.
  int64_t reflect(int64_t i, int64_t extent) const {
    float const lo = a_.alignCorners ? 0.f : -0.5f;
    float const hi = a_.alignCorners ? static_cast<float>(extent) - 1 : static_cast<float>(extent) - 0.5f;
    float const range = hi - lo;
    if (range <= 0) return 0;  // one pixel, corners aligned
    float const f = static_cast<float>(i);
    float const d = f < lo ? lo - f : f - hi;
    int64_t const bounces = static_cast<int64_t>(d / range);
    float const r = d - static_cast<float>(bounces) * range;
    bool const fromLow = (f < lo) == (bounces % 2 == 0);
    int64_t const at = static_cast<int64_t>(fromLow ? lo + r : hi - r);
    return std::min<int64_t>(std::max<int64_t>(at, 0), extent - 1);
  }

  void collectTaps(float px, float py, int64_t height, int64_t width, std::vector<Tap>& taps) const {
    taps.clear();
    if (!std::isfinite(px) || !std::isfinite(py)) {
      if (a_.mode != Mode::kNearest) taps.push_back({-1, std::nan("")});
      return;
    }
    // Keeps the integer conversions below defined; floats this large have no fraction left anyway.
    float const limit = 1e18f;
    px = std::min(std::max(px, -limit), limit);
    py = std::min(std::max(py, -limit), limit);
    auto add = [&](int64_t row, int64_t col, double weight) {
      int64_t r = resolve(row, height), c = resolve(col, width);
      taps.push_back({r < 0 || c < 0 ? -1 : r * width + c, weight});
    };
    switch (a_.mode) {
      case Mode::kNearest:
        add(static_cast<int64_t>(std::nearbyint(py)), static_cast<int64_t>(std::nearbyint(px)), 1.0);
        return;
      case Mode::kBilinear: {
        float const x1 = std::floor(px), y1 = std::floor(py);
        float const wx[2] = {x1 + 1 - px, px - x1}, wy[2] = {y1 + 1 - py, py - y1};
        for (int j = 0; j < 2; ++j) {
          for (int i = 0; i < 2; ++i) {
            add(static_cast<int64_t>(y1) + j, static_cast<int64_t>(x1) + i, static_cast<double>(wy[j]) * wx[i]);
          }
        }
        return;
      }
      case Mode::kBicubic: {
        float const x1 = std::floor(px), y1 = std::floor(py);
        std::array<float, 4> const wx = cubicWeights(px - x1, -0.75f), wy = cubicWeights(py - y1, -0.75f);
        for (int j = 0; j < 4; ++j) {
          for (int i = 0; i < 4; ++i) {
            add(static_cast<int64_t>(y1) - 1 + j, static_cast<int64_t>(x1) - 1 + i, static_cast<double>(wy[j]) * wx[i]);
          }
        }
        return;
      }
    }
  }

  GridSampleAttributes a_;
};

}  // namespace

std::unique_ptr<Op> makeGridSampleOp(std::string const& type, Attributes const& attrs, int64_t /*opset*/) {
  checkAttributes(type, attrs, {"mode", "padding_mode", "align_corners"});
  GridSampleAttributes a;
  std::string mode = attrs.getString("mode", "bilinear");
  if (mode == "bilinear") a.mode = Mode::kBilinear;
  else if (mode == "nearest") a.mode = Mode::kNearest;
  else if (mode == "bicubic") a.mode = Mode::kBicubic;
  else if (mode == "linear" || mode == "cubic") {
    fail(type, "mode " + mode + " (opset 20's name) is not supported: TensorRT's parser reads bilinear, nearest and bicubic");
  } else {
    fail(type, "unsupported attribute 'mode' (" + mode + ")");
  }
  std::string padding = attrs.getString("padding_mode", "zeros");
  if (padding == "zeros") a.padding = Padding::kZeros;
  else if (padding == "border") a.padding = Padding::kBorder;
  else if (padding == "reflection") a.padding = Padding::kReflection;
  else fail(type, "unsupported attribute 'padding_mode' (" + padding + ")");
  a.alignCorners = attrs.getInt("align_corners", 0) != 0;
  return std::make_unique<GridSampleOp>(a);
}

}  // namespace ops
}  // namespace trtsim
