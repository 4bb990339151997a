// Unary elementwise ops (Relu, Sigmoid, Tanh, Sqrt, Exp, Log, Neg, Abs, Erf, Gelu), the parameterised activations
// (LeakyRelu, Elu, Selu, Celu, ThresholdedRelu, HardSigmoid, HardSwish, Softplus, Softsign, Mish, Shrink), rounding
// (Floor, Ceil, Round), Reciprocal, Sign, the trigonometric and hyperbolic functions and their inverses (Sin, Cos, Tan,
// Asin, Acos, Atan, Sinh, Cosh, Asinh, Acosh, Atanh), and Softmax / LogSoftmax.
// Transcendental functions are evaluated in double and rounded once to the output type.
// Shrink is built by TensorRT's parser from float comparisons and selects: an int8, int32 or int64 input is cast to
// float, shrunk, and cast back (bfloat16 and uint8 are refused, as the parser does).
#include <algorithm>
#include <cmath>

#include "common.h"
#include "unary.h"

namespace trtsim {
namespace ops {

float unaryValue(UnKind k, float xf, float alpha, float beta) {
  double x = xf;
  switch (k) {
    case UnKind::kRelu: return xf < 0.f ? 0.f : xf;  // NaN propagates
    case UnKind::kSigmoid: return static_cast<float>(1.0 / (1.0 + std::exp(-x)));
    case UnKind::kTanh: return static_cast<float>(std::tanh(x));
    case UnKind::kScaledTanh: return static_cast<float>(alpha * std::tanh(beta * x));  // the recurrent ops' activation
    case UnKind::kSqrt: return std::sqrt(xf);
    case UnKind::kExp: return static_cast<float>(std::exp(x));
    case UnKind::kLog: return static_cast<float>(std::log(x));
    case UnKind::kNeg: return -xf;
    case UnKind::kAbs: return std::fabs(xf);
    case UnKind::kErf: return static_cast<float>(std::erf(x));
    case UnKind::kGeluNone: return static_cast<float>(0.5 * x * (1.0 + std::erf(x * 0.70710678118654752440)));
    case UnKind::kGeluTanh: {
      double const c = 0.79788456080286535588;  // sqrt(2/pi)
      return static_cast<float>(0.5 * x * (1.0 + std::tanh(c * (x + 0.044715 * x * x * x))));
    }
    case UnKind::kLeakyRelu: return xf >= 0.f ? xf : alpha * xf;
    case UnKind::kElu: return xf >= 0.f ? xf : static_cast<float>(alpha * std::expm1(x));
    // NaN propagates through the clamp (TensorRT does not document it; onnxruntime propagates).
    case UnKind::kHardSigmoid: return std::isnan(xf) ? xf : std::fmax(0.f, std::fmin(1.f, alpha * xf + beta));
    case UnKind::kHardSwish: return std::isnan(xf) ? xf : xf * std::fmax(0.f, std::fmin(1.f, xf / 6.f + 0.5f));
    case UnKind::kFloor: return std::floor(xf);
    case UnKind::kCeil: return std::ceil(xf);
    case UnKind::kRound: return std::nearbyint(xf);  // half to even, in the default rounding mode
    case UnKind::kReciprocal: return 1.f / xf;
    case UnKind::kSign: return xf > 0.f ? 1.f : xf < 0.f ? -1.f : xf == 0.f ? 0.f : xf;  // -0 gives +0; NaN stays
    case UnKind::kSin: return static_cast<float>(std::sin(x));
    case UnKind::kCos: return static_cast<float>(std::cos(x));
    case UnKind::kTan: return static_cast<float>(std::tan(x));
    case UnKind::kAsin: return static_cast<float>(std::asin(x));
    case UnKind::kAcos: return static_cast<float>(std::acos(x));
    case UnKind::kAtan: return static_cast<float>(std::atan(x));
    case UnKind::kSinh: return static_cast<float>(std::sinh(x));
    case UnKind::kCosh: return static_cast<float>(std::cosh(x));
    case UnKind::kAsinh: return static_cast<float>(std::asinh(x));
    case UnKind::kAcosh: return static_cast<float>(std::acosh(x));
    case UnKind::kAtanh: return static_cast<float>(std::atanh(x));
    // alpha: lambd, beta: bias. In float, as the parser's layers compute it; NaN falls through both tests to 0.
    case UnKind::kShrink: return xf > alpha ? xf - beta : xf < -alpha ? xf + beta : 0.f;
    // Selu and Celu as alpha * (exp(x) - 1): -0 gives +0, as in onnxruntime (expm1 would keep -0).
    case UnKind::kSelu: return static_cast<float>(xf > 0.f ? beta * x : beta * alpha * (std::exp(x) - 1.0));  // beta: gamma
    case UnKind::kCelu: return std::isnan(xf) ? xf : static_cast<float>(std::max(0.0, x) + std::min(0.0, alpha * (std::exp(x / alpha) - 1.0)));
    case UnKind::kSoftsign: return static_cast<float>(x / (1.0 + std::fabs(x)));
    case UnKind::kThresholdedRelu: return xf > alpha ? xf : 0.f;  // NaN gives 0, as the comparison says
    case UnKind::kMish: return static_cast<float>(x * std::tanh(x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x))));
    case UnKind::kSoftplus: return static_cast<float>(x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)));
  }
  return xf;
}

namespace {


bool allowsInts(UnKind k) {
  return k == UnKind::kRelu || k == UnKind::kNeg || k == UnKind::kAbs || k == UnKind::kSign || k == UnKind::kShrink;
}

class UnaryOp : public OpBase {
 public:
  // alpha and beta: the parameters of LeakyRelu, Elu, Celu, ThresholdedRelu, HardSigmoid and Selu (beta is its gamma).
  UnaryOp(std::string name, UnKind kind, float alpha = 0.f, float beta = 0.f)
      : OpBase(std::move(name), 1, 1), kind_(kind), alpha_(alpha), beta_(beta) {}

  double flops(std::vector<HostTensor> const& /*in*/, std::vector<HostTensor> const& out) const override {
    double v = static_cast<double>(shapeVolume(out[0].shape));
    switch (kind_) {
      case UnKind::kGeluNone:
      case UnKind::kGeluTanh: return 8 * v;
      case UnKind::kSigmoid: return 4 * v;
      default: return v;
    }
  }

 protected:
  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    if (kind_ == UnKind::kShrink) {
      requireType(in[0], "input X", {DType::kFLOAT, DType::kHALF, DType::kINT8, DType::kINT32, DType::kINT64});
    } else if (allowsInts(kind_)) {
      requireType(in[0], "input X", {DType::kFLOAT, DType::kHALF, DType::kBF16, DType::kINT8, DType::kINT32, DType::kINT64});
    } else {
      requireType(in[0], "input X", {DType::kFLOAT, DType::kHALF, DType::kBF16});
    }
    return {TensorInfo{in[0].type, in[0].shape, nullptr}};
  }

  float apply(UnKind k, float xf) const { return unaryValue(k, xf, alpha_, beta_); }

  template <typename Tag, typename F>
  static void loop(HostTensor const& in, HostTensor const& out, F f) {
    using S = typename Tag::S;
    int64_t n = shapeVolume(in.shape);
    auto x = static_cast<S const*>(in.data);
    auto y = static_cast<S*>(out.data);
    for (int64_t i = 0; i < n; ++i) y[i] = f(x[i]);
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    expectShape(out[0], in[0].shape);
    UnKind k = kind_;
    visitDType(name_, in[0].type, [&](auto tag) {
      using Tag = decltype(tag);
      using S = typename Tag::S;
      if constexpr (Tag::kFloat) {
        switch (k) {  // hoist the switch out of the loop for the common activations
          case UnKind::kRelu: loop<Tag>(in[0], out[0], [](S v) { float f = Tag::toF(v); return Tag::fromF(f < 0.f ? 0.f : f); }); break;
          case UnKind::kNeg: loop<Tag>(in[0], out[0], [](S v) { return Tag::fromF(-Tag::toF(v)); }); break;
          default: loop<Tag>(in[0], out[0], [k, this](S v) { return Tag::fromF(apply(k, Tag::toF(v))); }); break;
        }
      } else if constexpr (std::is_same<Tag, I8Tag>::value || std::is_same<Tag, I32Tag>::value ||
                           std::is_same<Tag, I64Tag>::value) {
        switch (k) {
          case UnKind::kRelu: loop<Tag>(in[0], out[0], [](S v) { return v < 0 ? S(0) : v; }); break;
          case UnKind::kNeg: loop<Tag>(in[0], out[0], [](S v) { return wrapNeg<S>(v); }); break;
          case UnKind::kAbs: loop<Tag>(in[0], out[0], [](S v) { return v < 0 ? wrapNeg<S>(v) : v; }); break;
          case UnKind::kSign: loop<Tag>(in[0], out[0], [](S v) { return static_cast<S>(v > 0 ? 1 : v < 0 ? -1 : 0); }); break;
          case UnKind::kShrink:
            loop<Tag>(in[0], out[0], [this](S v) { return floatToInt<S>(apply(UnKind::kShrink, static_cast<float>(v))); });
            break;
          default: fail("internal: integer input to a float-only op");
        }
      } else {
        fail(std::string("input X has unsupported type ") + dtypeName(Tag::kType));
      }
    });
  }

 private:
  UnKind kind_;
  float alpha_;
  float beta_;
};

class SoftmaxOp : public OpBase {
 public:
  // logarithm: LogSoftmax, computed as x - max - log(sum(exp(x - max))) (TensorRT fuses its parser's log(softmax)
  // into that stable form).
  SoftmaxOp(std::string name, int64_t axis, bool coerce2d, bool logarithm)
      : OpBase(std::move(name), 1, 1), axis_(axis), coerce2d_(coerce2d), log_(logarithm) {}

  double flops(std::vector<HostTensor> const& in, std::vector<HostTensor> const&) const override {
    return 5.0 * static_cast<double>(shapeVolume(in[0].shape));
  }

 protected:
  Fold foldPolicy() const override { return Fold::kNever; }

  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    requireType(in[0], "input", {DType::kFLOAT, DType::kHALF, DType::kBF16});
    normalizeAxis(name_, "axis", axis_, static_cast<int64_t>(in[0].shape.size()));
    return {TensorInfo{in[0].type, in[0].shape, nullptr}};
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    Shape const& s = in[0].shape;
    expectShape(out[0], s);
    int64_t rank = static_cast<int64_t>(s.size());
    int64_t axis = normalizeAxis(name_, "axis", axis_, rank);
    int64_t outer = productOf(s, 0, static_cast<size_t>(axis));
    int64_t n, inner;
    if (coerce2d_) {  // opset < 13: softmax over the flattened trailing block [axis, rank)
      n = productOf(s, static_cast<size_t>(axis), s.size());
      inner = 1;
    } else {
      n = s[static_cast<size_t>(axis)];
      inner = productOf(s, static_cast<size_t>(axis) + 1, s.size());
    }
    std::vector<float> xbuf, ybuf;
    float const* x = floatInput(in[0], xbuf);
    float* y = floatOutput(out[0], ybuf);
    std::vector<double> e(static_cast<size_t>(n));
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t i = 0; i < inner; ++i) {
        int64_t base = o * n * inner + i;
        if (n == 0) continue;
        float mx = x[base];
        for (int64_t k = 1; k < n; ++k) {
          float v = x[base + k * inner];
          if (v > mx || std::isnan(v)) mx = v;
        }
        double sum = 0;
        for (int64_t k = 0; k < n; ++k) {
          double t = std::exp(static_cast<double>(x[base + k * inner]) - static_cast<double>(mx));
          e[static_cast<size_t>(k)] = t;
          sum += t;
        }
        if (log_) {
          double shift = static_cast<double>(mx) + std::log(sum);
          for (int64_t k = 0; k < n; ++k) y[base + k * inner] = static_cast<float>(static_cast<double>(x[base + k * inner]) - shift);
        } else {
          for (int64_t k = 0; k < n; ++k) y[base + k * inner] = static_cast<float>(e[static_cast<size_t>(k)] / sum);
        }
      }
    }
    storeFloatOutput(out[0], ybuf);
  }

 private:
  int64_t axis_;
  bool coerce2d_;
  bool log_;
};

}  // namespace

std::unique_ptr<Op> makeActivationOp(std::string const& type, Attributes const& attrs, int64_t /*opset*/) {
  if (type == "Gelu") {
    checkAttributes(type, attrs, {"approximate"});
    std::string approx = attrs.getString("approximate", "none");
    if (approx == "none") return std::make_unique<UnaryOp>(type, UnKind::kGeluNone);
    if (approx == "tanh") return std::make_unique<UnaryOp>(type, UnKind::kGeluTanh);
    fail(type, "unsupported value \"" + approx + "\" for attribute 'approximate' (supported: \"none\", \"tanh\")");
  }
  if (type == "LeakyRelu" || type == "Elu") {
    checkAttributes(type, attrs, {"alpha"});
    return std::make_unique<UnaryOp>(type, type == "Elu" ? UnKind::kElu : UnKind::kLeakyRelu,
                                     attrs.getFloat("alpha", type == "Elu" ? 1.f : 0.01f));
  }
  if (type == "Selu") {
    checkAttributes(type, attrs, {"alpha", "gamma"});
    return std::make_unique<UnaryOp>(type, UnKind::kSelu, attrs.getFloat("alpha", 1.67326319217681884765625f),
                                     attrs.getFloat("gamma", 1.05070102214813232421875f));
  }
  if (type == "Celu" || type == "ThresholdedRelu") {
    checkAttributes(type, attrs, {"alpha"});
    return std::make_unique<UnaryOp>(type, type == "Celu" ? UnKind::kCelu : UnKind::kThresholdedRelu, attrs.getFloat("alpha", 1.f));
  }
  if (type == "Shrink") {
    checkAttributes(type, attrs, {"lambd", "bias"});
    return std::make_unique<UnaryOp>(type, UnKind::kShrink, attrs.getFloat("lambd", 0.5f), attrs.getFloat("bias", 0.f));
  }
  if (type == "HardSigmoid") {
    checkAttributes(type, attrs, {"alpha", "beta"});
    return std::make_unique<UnaryOp>(type, UnKind::kHardSigmoid, attrs.getFloat("alpha", 0.2f), attrs.getFloat("beta", 0.5f));
  }
  checkAttributes(type, attrs, {});
  UnKind k;
  if (type == "Relu") k = UnKind::kRelu;
  else if (type == "HardSwish") k = UnKind::kHardSwish;
  else if (type == "Floor") k = UnKind::kFloor;
  else if (type == "Ceil") k = UnKind::kCeil;
  else if (type == "Round") k = UnKind::kRound;
  else if (type == "Reciprocal") k = UnKind::kReciprocal;
  else if (type == "Sign") k = UnKind::kSign;
  else if (type == "Sin") k = UnKind::kSin;
  else if (type == "Cos") k = UnKind::kCos;
  else if (type == "Tan") k = UnKind::kTan;
  else if (type == "Asin") k = UnKind::kAsin;
  else if (type == "Acos") k = UnKind::kAcos;
  else if (type == "Atan") k = UnKind::kAtan;
  else if (type == "Sinh") k = UnKind::kSinh;
  else if (type == "Cosh") k = UnKind::kCosh;
  else if (type == "Asinh") k = UnKind::kAsinh;
  else if (type == "Acosh") k = UnKind::kAcosh;
  else if (type == "Atanh") k = UnKind::kAtanh;
  else if (type == "Softsign") k = UnKind::kSoftsign;
  else if (type == "Mish") k = UnKind::kMish;
  else if (type == "Softplus") k = UnKind::kSoftplus;
  else if (type == "Sigmoid") k = UnKind::kSigmoid;
  else if (type == "Tanh") k = UnKind::kTanh;
  else if (type == "Sqrt") k = UnKind::kSqrt;
  else if (type == "Exp") k = UnKind::kExp;
  else if (type == "Log") k = UnKind::kLog;
  else if (type == "Neg") k = UnKind::kNeg;
  else if (type == "Abs") k = UnKind::kAbs;
  else if (type == "Erf") k = UnKind::kErf;
  else fail(type, "internal: not a unary op");
  return std::make_unique<UnaryOp>(type, k);
}

std::unique_ptr<Op> makeSoftmaxOp(std::string const& type, Attributes const& attrs, int64_t opset) {
  checkAttributes(type, attrs, {"axis"});
  bool coerce = opset > 0 && opset < 13;
  int64_t axis = attrs.getInt("axis", coerce ? 1 : -1);
  return std::make_unique<SoftmaxOp>(type, axis, coerce, type == "LogSoftmax");
}

}  // namespace ops
}  // namespace trtsim
