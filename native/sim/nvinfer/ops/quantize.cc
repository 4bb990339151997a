// QuantizeLinear and DequantizeLinear as TensorRT's explicit quantization has them (IQuantizeLayer and
// IDequantizeLayer, through onnx-tensorrt's importer), to int8 or FP8 (E4M3, ONNX FLOAT8E4M3FN):
//   Q:  y = int8: clamp(roundHalfEven(x / scale), -128, 127);  FP8: x / scale rounded to E4M3, clamped to ±448
//   DQ: y = q * scale, in the scale's type.
// The quantized type is the zero point's, else output_dtype's, else int8 (onnxruntime's default is uint8).
// TensorRT's quantization is symmetric: an int8 zero point must be a constant of zeros; an FP8 one is not read (the
// importer ignores it); a uint8 input or zero point is refused. The scale must be a build-time constant of positive
// values: a scalar (per tensor) or 1-D with one value per channel of `axis`. Per channel is for weights only (a
// constant input; NvInfer.h: activations cannot be quantized per channel). Where the node gives no axis, the
// importer uses axis 0 for a per-channel scale (ONNX's default is 1): a weight [K, C, ...] per output channel K.
// FP8 saturates whatever `saturate` says (TensorRT's quantize layer clamps). Not modelled here: block quantization
// (a scale of the input's rank), INT4, and FP8 network inputs and outputs; each is refused naming the node. NaN
// quantizes to 0 in int8, as a GPU's float-to-integer conversion (cvt.rni.sat) gives it, and to NaN in FP8.
#include <cmath>
#include <optional>

#include "common.h"
#include "fp8.h"

namespace trtsim {
namespace ops {
namespace {

// ONNX TensorProto element types that output_dtype may name.
constexpr int64_t kOnnxUint8 = 2;
constexpr int64_t kOnnxInt8 = 3;
constexpr int64_t kOnnxFloat8E4M3FN = 17;

class QuantizeOp : public OpBase {
 public:
  // axis: the node's, or kNoAxis when it gives none.
  static constexpr int64_t kNoAxis = INT64_MIN;
  // outputType: the quantized type output_dtype names, if it does.
  QuantizeOp(bool dequantize, int64_t axis, std::optional<DType> outputType)
      : OpBase(dequantize ? "DequantizeLinear" : "QuantizeLinear", 2, 3),
        dequantize_(dequantize),
        axis_(axis),
        outputType_(outputType) {}

  double flops(std::vector<HostTensor> const& in, std::vector<HostTensor> const&) const override {
    return 2.0 * static_cast<double>(shapeVolume(in[0].shape));
  }

 protected:
  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    TensorInfo const& x = in[0];
    TensorInfo const& scale = in[1];
    refuseUint8(x, "input");
    if (dequantize_) {
      if (x.type != DType::kINT8 && x.type != DType::kFP8) {
        fail(std::string("input has unsupported type ") + dtypeName(x.type) +
             " (TensorRT dequantizes INT8 and FP8; INT4 is not modelled by the simulator)");
      }
    } else {
      requireType(x, "input", {DType::kFLOAT, DType::kHALF, DType::kBF16});
    }
    requireType(scale, "scale", {DType::kFLOAT, DType::kHALF, DType::kBF16});
    std::vector<float> scales = constantFloats(scale, "scale");
    if (scales.empty()) fail("cannot have a scale with no coefficients");
    for (float s : scales) {
      if (!(s > 0)) fail("scale coefficients must all be positive, got " + std::to_string(s));
    }
    if (channelAxis(x.shape, scale.shape, static_cast<int64_t>(scales.size())) >= 0 && !x.constData) {
      fail(dequantize_ ? "per-channel dequantization needs an input rooted at a constant (weights); activations are "
                         "dequantized per tensor, as TensorRT requires"
                       : "per-channel quantization is supported only for weights (a build-time constant input); "
                         "activations are quantized per tensor, as TensorRT requires");
    }
    bool const hasZeroPoint = in.size() > 2 && !in[2].omitted;
    if (hasZeroPoint) checkZeroPoint(in[2], x, static_cast<int64_t>(scales.size()));
    if (dequantize_) return {TensorInfo{scale.type, x.shape, nullptr}};
    DType quantized = hasZeroPoint ? in[2].type : outputType_.value_or(DType::kINT8);
    if (hasZeroPoint && outputType_ && *outputType_ != quantized) {
      fail(std::string("output_dtype ") + dtypeName(*outputType_) + " and the zero point's type " + dtypeName(quantized) +
           " differ");
    }
    return {TensorInfo{quantized, x.shape, nullptr}};
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    Shape const& shape = in[0].shape;
    expectShape(out[0], shape);
    std::vector<float> scaleBuf, xBuf, yBuf;
    float const* scales = floatInput(in[1], scaleBuf);
    int64_t const count = shapeVolume(in[1].shape);
    int64_t const axis = channelAxis(shape, in[1].shape, count);
    // Element i belongs to channel (i / inner) % count; a per-tensor scale has one channel of everything.
    int64_t const inner = axis < 0 ? 1 : productOf(shape, static_cast<size_t>(axis) + 1, shape.size());
    int64_t const n = shapeVolume(shape);
    auto scaleOf = [&](int64_t i) { return count == 1 ? scales[0] : scales[(i / inner) % count]; };
    if (dequantize_) {
      float* y = floatOutput(out[0], yBuf);
      if (in[0].type == DType::kFP8) {
        auto q = static_cast<uint8_t const*>(in[0].data);
        for (int64_t i = 0; i < n; ++i) y[i] = fp8ToFloat(q[i]) * scaleOf(i);
      } else {
        auto q = static_cast<int8_t const*>(in[0].data);
        for (int64_t i = 0; i < n; ++i) y[i] = static_cast<float>(q[i]) * scaleOf(i);
      }
      storeFloatOutput(out[0], yBuf);
    } else {
      float const* x = floatInput(in[0], xBuf);
      if (out[0].type == DType::kFP8) {
        auto q = static_cast<uint8_t*>(out[0].data);
        for (int64_t i = 0; i < n; ++i) q[i] = floatToFp8(x[i] / scaleOf(i));
      } else {
        auto q = static_cast<int8_t*>(out[0].data);
        for (int64_t i = 0; i < n; ++i) q[i] = quantizeInt8(x[i] / scaleOf(i));
      }
    }
  }

 private:
  // Round half to even, saturate to int8; NaN gives 0.
  static int8_t quantizeInt8(float v) {
    if (std::isnan(v)) return 0;
    float r = std::nearbyint(v);
    return static_cast<int8_t>(std::fmin(std::fmax(r, -128.f), 127.f));
  }

  void refuseUint8(TensorInfo const& t, char const* what) const {
    if (t.type == DType::kUINT8) {
      fail(std::string("found unsupported ") + what +
           " type UINT8: TensorRT quantizes to signed INT8 only (symmetric quantization)");
    }
  }

  // The values of a constant float input; refuses one computed at run time.
  std::vector<float> constantFloats(TensorInfo const& t, char const* what) const {
    uint8_t const* bytes = constBytes(name_, t);
    if (!bytes) fail(std::string("the ") + what + " must be a build-time constant (an initializer or Constant)");
    HostTensor view{t.type, t.shape, const_cast<uint8_t*>(bytes)};
    std::vector<float> buf;
    float const* v = floatInput(view, buf);
    return std::vector<float>(v, v + shapeVolume(t.shape));
  }

  // The axis of a per-channel scale, -1 for a per-tensor one; refuses scales of other ranks and counts.
  int64_t channelAxis(Shape const& x, Shape const& scale, int64_t count) const {
    if (count == 1) return -1;
    int64_t const rank = static_cast<int64_t>(x.size());
    if (scale.size() != 1) {
      if (static_cast<int64_t>(scale.size()) == rank) {
        fail("block quantization (a scale of the input's rank, " + shapeToString(scale) +
             ") is not modelled by the simulator");
      }
      fail("invalid rank for the scale tensor: " + std::to_string(scale.size()) + " (a scalar or 1-D is expected)");
    }
    int64_t axis = axis_ == kNoAxis ? 0 : normalizeAxis(name_, "axis", axis_, rank);
    if (x[static_cast<size_t>(axis)] != count) {
      fail("the number of scales (" + std::to_string(count) + ") is not the extent of axis " + std::to_string(axis) +
           " of the input " + shapeToString(x) + (axis_ == kNoAxis ? " (no axis given: TensorRT's importer uses 0)" : ""));
    }
    return axis;
  }

  void checkZeroPoint(TensorInfo const& zp, TensorInfo const& x, int64_t scaleCount) const {
    refuseUint8(zp, "zero point");
    if (zp.type != DType::kINT8 && zp.type != DType::kFP8) {
      fail(std::string("zero point has unsupported type ") + dtypeName(zp.type) +
           " (INT8 or FP8; INT4 is not modelled by the simulator)");
    }
    if (dequantize_ && zp.type != x.type) requireSameType(x, zp, "input", "zero point");
    if (zp.type == DType::kFP8) return;  // TensorRT's importer does not read an FP8 zero point
    uint8_t const* bytes = constBytes(name_, zp);
    if (!bytes) fail("the zero point must be a build-time constant (TensorRT checks that it is all zeros)");
    int64_t const n = shapeVolume(zp.shape);
    for (int64_t i = 0; i < n; ++i) {
      if (bytes[i] != 0) {
        fail("TensorRT only supports symmetric quantization: the zero point must be all zeros, element " +
             std::to_string(i) + " is " + std::to_string(static_cast<int8_t>(bytes[i])));
      }
    }
    if (n != scaleCount) {
      fail("the scale and zero point must have the same volume (zero point " + std::to_string(n) + ", scale " +
           std::to_string(scaleCount) + ")");
    }
  }

  bool dequantize_;
  int64_t axis_;
  std::optional<DType> outputType_;
};

}  // namespace

std::unique_ptr<Op> makeQuantizeOp(std::string const& type, Attributes const& attrs, int64_t opset) {
  bool const dequantize = type == "DequantizeLinear";
  if (opset > 0 && opset < 13) {
    checkAttributes(type, attrs, {});
  } else if (dequantize) {
    checkAttributes(type, attrs, {"axis", "block_size"});
  } else {
    checkAttributes(type, attrs, {"axis", "saturate", "block_size", "output_dtype"});
  }
  if (attrs.getInt("block_size", 0) != 0) {
    fail(type, "block quantization (block_size " + std::to_string(attrs.getInt("block_size", 0)) +
                   ") is not modelled by the simulator");
  }
  std::optional<DType> outputType;
  if (attrs.has("output_dtype")) {
    int64_t t = attrs.getInt("output_dtype", 0);
    if (t == kOnnxUint8) fail(type, "output_dtype UINT8: TensorRT allows only FP8, INT8 and INT4 quantization");
    if (t == kOnnxInt8) outputType = DType::kINT8;
    else if (t == kOnnxFloat8E4M3FN) outputType = DType::kFP8;
    else if (t != 0) fail(type, "output_dtype " + std::to_string(t) + " is not INT8 or FP8 E4M3 (INT4 is not modelled by the simulator)");
  }
  return std::make_unique<QuantizeOp>(dequantize, attrs.has("axis") ? attrs.getInt("axis", 0) : QuantizeOp::kNoAxis,
                                      outputType);
}

}  // namespace ops
}  // namespace trtsim
