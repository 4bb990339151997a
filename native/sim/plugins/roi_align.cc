// ROIAlign_TRT (version 2), as TensorRT's plugin computes it: for each region of interest, each output bin averages
// (mode 1) or takes the largest of (mode 0) a grid of bilinear samples of X[batch_indices[r]]. Fields and defaults
// are the plugin's: coordinate_transformation_mode 1 (half_pixel: coordinates shifted by half a pixel) or 0 (regions
// forced to at least 1x1), output_height/output_width, sampling_ratio (0: ceil(region / output) samples per bin),
// spatial_scale. X and rois share a float type; batch_indices are int32 (the parser casts int64 ones).
// In max mode a sample is the largest of its four weighted corners, not the interpolated value: the plugin's kernel
// and onnxruntime both compute it so.
#include "roi_align.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "../nvinfer/ops/common.h"

namespace trtsim {
namespace plugins {
namespace {

using nvinfer1::PluginField;
using nvinfer1::PluginFieldType;

struct RoiAlignFields {
  bool halfPixel = true;
  bool average = true;
  int64_t outputHeight = 1, outputWidth = 1;
  int64_t samplingRatio = 0;
  float spatialScale = 1.0f;
};

class RoiAlignOp : public ops::OpBase {
 public:
  explicit RoiAlignOp(RoiAlignFields f) : OpBase("ROIAlign_TRT", 3, 3), f_(f) {}

  double flops(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    return 10.0 * static_cast<double>(shapeVolume(out[0].shape)) * samplesPerBin(in);
  }

 protected:
  Fold foldPolicy() const override { return Fold::kNever; }

  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    requireType(in[0], "X", {DType::kFLOAT, DType::kHALF});
    requireSameType(in[0], in[1], "X", "rois");
    requireType(in[2], "batch_indices", {DType::kINT32});
    Shape const& x = in[0].shape;
    Shape const& rois = in[1].shape;
    if (x.size() != 4) fail("input X must be 4-D (N, C, H, W), got shape " + shapeToString(x));
    if (rois.size() != 2 || (rois[1] >= 0 && rois[1] != 4)) fail("rois must be [num_rois, 4], got shape " + shapeToString(rois));
    if (in[2].shape.size() != 1) fail("batch_indices must be 1-D, got shape " + shapeToString(in[2].shape));
    int64_t r = rois[0], b = in[2].shape[0];
    if (r >= 0 && b >= 0 && r != b) {
      fail("rois " + shapeToString(rois) + " and batch_indices " + shapeToString(in[2].shape) + " disagree on num_rois");
    }
    return {TensorInfo{in[0].type, Shape{r >= 0 ? r : b, x[1], f_.outputHeight, f_.outputWidth}, nullptr}};
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    Shape const& x = in[0].shape;
    int64_t const batches = x[0], channels = x[1], height = x[2], width = x[3];
    int64_t const regions = in[1].shape[0];
    expectShape(out[0], Shape{regions, channels, f_.outputHeight, f_.outputWidth});
    std::vector<float> xBuf, rBuf, yBuf;
    float const* xv = ops::floatInput(in[0], xBuf);
    float const* rv = ops::floatInput(in[1], rBuf);
    auto const* batchIndex = static_cast<int32_t const*>(in[2].data);
    float* yv = ops::floatOutput(out[0], yBuf);
    for (int64_t r = 0; r < regions; ++r) {
      int64_t const b = batchIndex[r];
      if (b < 0 || b >= batches) {
        fail("batch index " + std::to_string(b) + " of region " + std::to_string(r) + " is out of range [0, " +
             std::to_string(batches - 1) + "]");
      }
      for (int64_t c = 0; c < channels; ++c) {
        float const* plane = xv + (b * channels + c) * height * width;
        float* bins = yv + (r * channels + c) * f_.outputHeight * f_.outputWidth;
        poolRegion(rv + r * 4, plane, height, width, bins);
      }
    }
    ops::storeFloatOutput(out[0], yBuf);
  }

 private:
  // The bins of one region of one channel, in float as the plugin's kernel computes them.
  void poolRegion(float const* roi, float const* plane, int64_t height, int64_t width, float* bins) const {
    float const offset = f_.halfPixel ? 0.5f : 0.f;
    float const startW = roi[0] * f_.spatialScale - offset, startH = roi[1] * f_.spatialScale - offset;
    float const endW = roi[2] * f_.spatialScale - offset, endH = roi[3] * f_.spatialScale - offset;
    float roiWidth = endW - startW, roiHeight = endH - startH;
    if (!f_.halfPixel) {  // the output_half_pixel mode forces malformed regions to 1x1
      roiWidth = std::max(roiWidth, 1.f);
      roiHeight = std::max(roiHeight, 1.f);
    }
    float const binH = roiHeight / static_cast<float>(f_.outputHeight);
    float const binW = roiWidth / static_cast<float>(f_.outputWidth);
    int32_t const gridH = f_.samplingRatio > 0 ? static_cast<int32_t>(f_.samplingRatio) : gridOf(roiHeight, f_.outputHeight);
    int32_t const gridW = f_.samplingRatio > 0 ? static_cast<int32_t>(f_.samplingRatio) : gridOf(roiWidth, f_.outputWidth);
    // The kernel multiplies in int32 (wrapping) and divides by the product even when it is 0: an empty region
    // averages to NaN (0/0) where onnxruntime, which divides by max(count, 1), gives 0.
    float const count = static_cast<float>(static_cast<int32_t>(static_cast<uint32_t>(gridH) * static_cast<uint32_t>(gridW)));
    for (int64_t ph = 0; ph < f_.outputHeight; ++ph) {
      for (int64_t pw = 0; pw < f_.outputWidth; ++pw) {
        float const yOff = startH + static_cast<float>(ph) * binH, yFac = binH / static_cast<float>(gridH);
        float const xOff = startW + static_cast<float>(pw) * binW, xFac = binW / static_cast<float>(gridW);
        float value = 0.f;
        bool first = true;
        for (int64_t iy = 0; iy < gridH; ++iy) {
          float const y = yOff + (static_cast<float>(iy) + .5f) * yFac;
          for (int64_t ix = 0; ix < gridW; ++ix) {
            float const sample = bilinear(plane, height, width, y, xOff + (static_cast<float>(ix) + .5f) * xFac);
            if (f_.average) {
              value += sample;
            } else {
              value = first ? sample : std::max(value, sample);
            }
            first = false;
          }
        }
        bins[ph * f_.outputWidth + pw] = f_.average ? value / count : value;
      }
    }
  }

  // ceil(extent / bins) converted to int32 as a GPU converts: saturating, NaN to 0 (in C++ the plain cast of an
  // out-of-range float is undefined).
  static int32_t gridOf(float extent, int64_t bins) {
    float const samples = std::ceil(extent / static_cast<float>(bins));
    if (std::isnan(samples)) return 0;
    if (samples >= 2147483647.f) return std::numeric_limits<int32_t>::max();
    if (samples <= -2147483648.f) return std::numeric_limits<int32_t>::min();
    return static_cast<int32_t>(samples);
  }

  float bilinear(float const* plane, int64_t height, int64_t width, float y, float x) const {
    if (y < -1.f || y > static_cast<float>(height) || x < -1.f || x > static_cast<float>(width)) return 0.f;
    y = std::max(y, 0.f);
    x = std::max(x, 0.f);
    int64_t yLow = static_cast<int64_t>(y), xLow = static_cast<int64_t>(x), yHigh, xHigh;
    if (yLow >= height - 1) {
      yHigh = yLow = height - 1;
      y = static_cast<float>(yLow);
    } else {
      yHigh = yLow + 1;
    }
    if (xLow >= width - 1) {
      xHigh = xLow = width - 1;
      x = static_cast<float>(xLow);
    } else {
      xHigh = xLow + 1;
    }
    float const ly = y - static_cast<float>(yLow), lx = x - static_cast<float>(xLow);
    float const hy = 1.f - ly, hx = 1.f - lx;
    float const v1 = plane[yLow * width + xLow], v2 = plane[yLow * width + xHigh];
    float const v3 = plane[yHigh * width + xLow], v4 = plane[yHigh * width + xHigh];
    float const w1 = hy * hx, w2 = hy * lx, w3 = ly * hx, w4 = ly * lx;
    if (f_.average) return w1 * v1 + w2 * v2 + w3 * v3 + w4 * v4;
    return std::max(std::max(std::max(w1 * v1, w2 * v2), w3 * v3), w4 * v4);
  }

  double samplesPerBin(std::vector<HostTensor> const&) const {
    return f_.samplingRatio > 0 ? static_cast<double>(f_.samplingRatio * f_.samplingRatio) : 4.0;
  }

  RoiAlignFields f_;
};

class RoiAlignCreator : public CreatorV3 {
 public:
  RoiAlignCreator()
      : CreatorV3("ROIAlign_TRT", "2",
                    {PluginField("coordinate_transformation_mode", nullptr, PluginFieldType::kINT32, 1),
                     PluginField("mode", nullptr, PluginFieldType::kINT32, 1),
                     PluginField("output_height", nullptr, PluginFieldType::kINT32, 1),
                     PluginField("output_width", nullptr, PluginFieldType::kINT32, 1),
                     PluginField("sampling_ratio", nullptr, PluginFieldType::kINT32, 1),
                     PluginField("spatial_scale", nullptr, PluginFieldType::kFLOAT32, 1)}) {}

  // The plugin's checks on its fields, with its defaults for absent ones.
  std::unique_ptr<Op> createOp(Attributes const& fields) const override {
    RoiAlignFields f;
    int64_t transform = fields.getInt("coordinate_transformation_mode", 1);
    int64_t mode = fields.getInt("mode", 1);
    f.outputHeight = fields.getInt("output_height", 1);
    f.outputWidth = fields.getInt("output_width", 1);
    f.samplingRatio = fields.getInt("sampling_ratio", 0);
    f.spatialScale = fields.getFloat("spatial_scale", 1.0f);
    auto refuse = [](std::string const& what) { ops::fail("ROIAlign_TRT", what); };
    if (f.outputHeight <= 0 || f.outputWidth <= 0) refuse("output_height and output_width must be positive");
    if (f.samplingRatio < 0) refuse("sampling_ratio must not be negative, got " + std::to_string(f.samplingRatio));
    if (mode != 0 && mode != 1) refuse("mode must be 0 (max) or 1 (avg), got " + std::to_string(mode));
    if (transform != 0 && transform != 1) refuse("coordinate_transformation_mode must be 0 or 1, got " + std::to_string(transform));
    if (!(f.spatialScale > 0.f)) refuse("spatial_scale must be positive");
    f.halfPixel = transform == 1;
    f.average = mode == 1;
    return std::make_unique<RoiAlignOp>(f);
  }
};

}  // namespace

CreatorV3& roiAlignCreator() {
  static RoiAlignCreator creator;
  return creator;
}

}  // namespace plugins
}  // namespace trtsim
