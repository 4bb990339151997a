// Cast among float32, float16, bfloat16, int8, uint8, int32, int64 and bool, following ONNX:
// float -> int truncates toward zero (out-of-range values are undefined in ONNX; x86 static_cast results here),
// float -> bool is x != 0 (NaN -> true), int -> int wraps (two's complement), float -> float16/bfloat16 rounds to
// nearest even, int -> float rounds to nearest.
// CastLike casts to the type of its second input, whose values are not read ('saturate' is ignored, as TensorRT's
// parser does: casts to FP8 are refused).
#include <optional>

#include "common.h"

namespace trtsim {
namespace ops {

bool onnxToDType(int64_t onnx, DType* out) {
  switch (onnx) {
    case 1: *out = DType::kFLOAT; return true;
    case 2: *out = DType::kUINT8; return true;
    case 3: *out = DType::kINT8; return true;
    case 6: *out = DType::kINT32; return true;
    case 7: *out = DType::kINT64; return true;
    case 9: *out = DType::kBOOL; return true;
    case 10: *out = DType::kHALF; return true;
    case 16: *out = DType::kBF16; return true;
    default: return false;
  }
}

namespace {

char const* onnxTypeName(int64_t onnx) {
  switch (onnx) {
    case 0: return "undefined";
    case 4: return "uint16";
    case 5: return "int16";
    case 8: return "string";
    case 11: return "double";
    case 12: return "uint32";
    case 13: return "uint64";
    case 14: return "complex64";
    case 15: return "complex128";
    case 17: return "float8e4m3fn";
    case 18: return "float8e4m3fnuz";
    case 19: return "float8e5m2";
    case 20: return "float8e5m2fnuz";
    case 21: return "uint4";
    case 22: return "int4";
    default: return "unknown";
  }
}

template <typename ST, typename DT>
void castLoop(typename ST::S const* src, typename DT::S* dst, int64_t n) {
  using D = typename DT::S;
  for (int64_t i = 0; i < n; ++i) {
    auto v = src[i];
    D r;
    if constexpr (std::is_same<DT, BoolTag>::value) {
      if constexpr (ST::kFloat) {
        r = ST::toF(v) != 0.f ? 1 : 0;
      } else {
        r = ST::toI(v) != 0 ? 1 : 0;
      }
    } else if constexpr (DT::kFloat) {
      if constexpr (ST::kFloat) {
        r = DT::fromF(ST::toF(v));
      } else {
        r = DT::fromF(static_cast<float>(ST::toI(v)));  // int64 -> float rounds to nearest directly
      }
    } else {
      if constexpr (ST::kFloat) {
        r = floatToInt<D>(static_cast<double>(ST::toF(v)));
      } else {
        r = DT::fromI(ST::toI(v));
      }
    }
    dst[i] = r;
  }
}

class CastOp : public OpBase {
 public:
  // Cast to `to`; CastLike (no `to`) to the type of its second input.
  explicit CastOp(std::optional<DType> to) : OpBase(to ? "Cast" : "CastLike", to ? 1 : 2, to ? 1 : 2), to_(to) {}


 protected:
  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    requireType(in[0], "input", {DType::kFLOAT, DType::kHALF, DType::kBF16, DType::kINT8, DType::kUINT8, DType::kINT32,
                                 DType::kINT64, DType::kBOOL});
    if (!to_) {
      requireType(in[1], "target_type", {DType::kFLOAT, DType::kHALF, DType::kBF16, DType::kINT8, DType::kUINT8,
                                         DType::kINT32, DType::kINT64, DType::kBOOL});
    }
    return {TensorInfo{target(in), in[0].shape, nullptr}};
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    expectShape(out[0], in[0].shape);
    DType const to = target(in);
    if (out[0].type != to) fail(std::string("output buffer has type ") + dtypeName(out[0].type) + ", expected " + dtypeName(to));
    int64_t n = shapeVolume(in[0].shape);
    if (in[0].type == to) {
      if (n > 0 && out[0].data != in[0].data) std::memmove(out[0].data, in[0].data, static_cast<size_t>(n) * dtypeSize(to));
      return;
    }
    visitDType(name_, in[0].type, [&](auto st) {
      using ST = decltype(st);
      visitDType(name_, to, [&](auto dt) {
        using DT = decltype(dt);
        castLoop<ST, DT>(static_cast<typename ST::S const*>(in[0].data), static_cast<typename DT::S*>(out[0].data), n);
      });
    });
  }

 private:
  template <typename T>
  DType target(std::vector<T> const& in) const {
    return to_ ? *to_ : in[1].type;
  }

  std::optional<DType> to_;
};

}  // namespace

std::unique_ptr<Op> makeCastOp(std::string const& type, Attributes const& attrs, int64_t /*opset*/) {
  // 'saturate' (opset 19) only affects float8 targets, which are rejected below.
  checkAttributes(type, attrs, {"to", "saturate"});
  if (!attrs.has("to")) fail(type, "missing required attribute 'to'");
  int64_t to = attrs.getInt("to", 0);
  DType d;
  if (!onnxToDType(to, &d)) {
    fail(type, "unsupported value " + std::to_string(to) + " (" + onnxTypeName(to) +
                   ") for attribute 'to' (supported: 1 float, 10 float16, 16 bfloat16, 3 int8, 2 uint8, 6 int32, "
                   "7 int64, 9 bool)");
  }
  return std::make_unique<CastOp>(d);
}

std::unique_ptr<Op> makeCastLikeOp(std::string const& type, Attributes const& attrs, int64_t /*opset*/) {
  checkAttributes(type, attrs, {"saturate"});
  return std::make_unique<CastOp>(std::nullopt);
}

}  // namespace ops
}  // namespace trtsim
