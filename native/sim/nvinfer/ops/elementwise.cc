// Broadcasting binary ops (Add, Sub, Mul, Div, Mod, Pow, PRelu, Equal, Less, Greater, LessOrEqual, GreaterOrEqual,
// And, Or, Xor), Where, Not, IsNaN and IsInf.
#include <cmath>

#include "common.h"

namespace trtsim {
namespace ops {
namespace {

enum class BinKind { kAdd, kSub, kMul, kDiv, kMod, kPRelu, kPow, kEqual, kLess, kGreater, kLessOrEqual, kGreaterOrEqual, kAnd, kOr, kXor };

// out[i] = f(a[i], b[i]) over a broadcast plan whose operands are (out, a, b).
template <typename TA, typename TB, typename TO, typename F>
void binaryLoop(StridedPlan const& p, TA const* a, TB const* b, TO* o, F f) {
  forEachRow(p, [&](int64_t const* off, int64_t n, int64_t const* s) {
    TO* op = o + off[0];
    TA const* ap = a + off[1];
    TB const* bp = b + off[2];
    int64_t const sa = s[1], sb = s[2];
    if (sa == 1 && sb == 1) {
      for (int64_t j = 0; j < n; ++j) op[j] = f(ap[j], bp[j]);
    } else if (sa == 1 && sb == 0) {
      TB const bv = bp[0];
      for (int64_t j = 0; j < n; ++j) op[j] = f(ap[j], bv);
    } else if (sa == 0 && sb == 1) {
      TA const av = ap[0];
      for (int64_t j = 0; j < n; ++j) op[j] = f(av, bp[j]);
    } else {
      for (int64_t j = 0; j < n; ++j) op[j] = f(ap[j * sa], bp[j * sb]);
    }
  });
}

std::initializer_list<DType> const kArithTypes = {DType::kFLOAT, DType::kHALF, DType::kBF16, DType::kINT32,
                                                  DType::kINT64};
std::initializer_list<DType> const kCompareTypes = {DType::kFLOAT, DType::kHALF, DType::kBF16, DType::kINT8,
                                                    DType::kUINT8, DType::kINT32, DType::kINT64};

class BinaryOp : public OpBase {
 public:
  // fmod: Mod's attribute (1: the remainder takes the dividend's sign, as C's fmod; 0: the divisor's, integers only).
  BinaryOp(std::string name, BinKind kind, bool fmod = false) : OpBase(std::move(name), 2, 2), kind_(kind), fmod_(fmod) {}

 protected:
  bool arithmetic() const { return kind_ <= BinKind::kPow; }

  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    TensorInfo const& a = in[0];
    TensorInfo const& b = in[1];
    switch (kind_) {
      case BinKind::kPow:
        requireType(a, "input X", kArithTypes);
        requireType(b, "input Y", kArithTypes);
        break;
      case BinKind::kEqual:
        requireType(a, "input A", {DType::kFLOAT, DType::kHALF, DType::kBF16, DType::kINT8, DType::kUINT8,
                                   DType::kINT32, DType::kINT64, DType::kBOOL});
        requireSameType(a, b, "input A", "input B");
        break;
      case BinKind::kLess:
      case BinKind::kGreater:
      case BinKind::kLessOrEqual:
      case BinKind::kGreaterOrEqual:
        requireType(a, "input A", kCompareTypes);
        requireSameType(a, b, "input A", "input B");
        break;
      case BinKind::kPRelu: {
        // The slope broadcasts to X's shape (unidirectionally): the output keeps X's shape.
        requireType(a, "input X", {DType::kFLOAT, DType::kHALF, DType::kBF16});
        requireSameType(a, b, "input X", "slope");
        Shape y = broadcastShapes(name_, {a.shape, b.shape});
        if (isKnown(a.shape) && isKnown(b.shape) && y != a.shape) {
          fail("slope of shape " + shapeToString(b.shape) + " does not broadcast to X's shape " + shapeToString(a.shape));
        }
        return {TensorInfo{a.type, a.shape, nullptr}};
      }
      case BinKind::kAnd:
      case BinKind::kOr:
      case BinKind::kXor:
        requireType(a, "input A", {DType::kBOOL});
        requireType(b, "input B", {DType::kBOOL});
        break;
      case BinKind::kMod:
        // TensorRT's parser: integers only unless fmod=1.
        requireType(a, "input A", fmod_ ? kArithTypes : std::initializer_list<DType>{DType::kINT32, DType::kINT64});
        requireSameType(a, b, "input A", "input B");
        break;
      default:
        requireType(a, "input A", kArithTypes);
        requireSameType(a, b, "input A", "input B");
        break;
    }
    TensorInfo out;
    out.type = arithmetic() ? a.type : DType::kBOOL;
    out.shape = broadcastShapes(name_, {a.shape, b.shape});
    return {out};
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    HostTensor const& a = in[0];
    HostTensor const& b = in[1];
    HostTensor const& o = out[0];
    StridedPlan broadcast;
    StridedPlan const& plan = a.shape == b.shape ? flatPlan(a, o) : (broadcast = planBroadcast(a, b, o));
    if (kind_ == BinKind::kPow) {
      runPow(plan, a, b, o);
      return;
    }
    visitDType(name_, a.type, [&](auto tag) {
      using Tag = decltype(tag);
      using S = typename Tag::S;
      auto ap = static_cast<S const*>(a.data);
      auto bp = static_cast<S const*>(b.data);
      if constexpr (Tag::kFloat) {
        if (arithmetic()) {
          auto op = static_cast<S*>(o.data);
          switch (kind_) {
            case BinKind::kAdd: binaryLoop(plan, ap, bp, op, [](S x, S y) { return Tag::fromF(Tag::toF(x) + Tag::toF(y)); }); break;
            case BinKind::kSub: binaryLoop(plan, ap, bp, op, [](S x, S y) { return Tag::fromF(Tag::toF(x) - Tag::toF(y)); }); break;
            case BinKind::kMul: binaryLoop(plan, ap, bp, op, [](S x, S y) { return Tag::fromF(Tag::toF(x) * Tag::toF(y)); }); break;
            case BinKind::kDiv: binaryLoop(plan, ap, bp, op, [](S x, S y) { return Tag::fromF(Tag::toF(x) / Tag::toF(y)); }); break;
            case BinKind::kPRelu: binaryLoop(plan, ap, bp, op, [](S x, S y) { float xf = Tag::toF(x); return xf < 0.f ? Tag::fromF(xf * Tag::toF(y)) : x; }); break;
            case BinKind::kMod:
              // As TensorRT's parser builds it: x - y * trunc(x / y), in the tensor's precision.
              binaryLoop(plan, ap, bp, op, [](S x, S y) {
                float xf = Tag::toF(x), yf = Tag::toF(y);
                return Tag::fromF(xf - yf * std::trunc(xf / yf));
              });
              break;
            default: fail("internal: bad arithmetic kind");
          }
        } else {
          auto op = static_cast<uint8_t*>(o.data);
          switch (kind_) {
            case BinKind::kEqual: binaryLoop(plan, ap, bp, op, [](S x, S y) -> uint8_t { return Tag::toF(x) == Tag::toF(y); }); break;
            case BinKind::kLess: binaryLoop(plan, ap, bp, op, [](S x, S y) -> uint8_t { return Tag::toF(x) < Tag::toF(y); }); break;
            case BinKind::kGreater: binaryLoop(plan, ap, bp, op, [](S x, S y) -> uint8_t { return Tag::toF(x) > Tag::toF(y); }); break;
            case BinKind::kLessOrEqual: binaryLoop(plan, ap, bp, op, [](S x, S y) -> uint8_t { return Tag::toF(x) <= Tag::toF(y); }); break;
            case BinKind::kGreaterOrEqual: binaryLoop(plan, ap, bp, op, [](S x, S y) -> uint8_t { return Tag::toF(x) >= Tag::toF(y); }); break;
            default: fail("internal: bad comparison kind");
          }
        }
      } else {
        if (arithmetic()) {
          auto op = static_cast<S*>(o.data);
          switch (kind_) {
            case BinKind::kAdd: binaryLoop(plan, ap, bp, op, [](S x, S y) { return wrapAdd<S>(x, y); }); break;
            case BinKind::kSub: binaryLoop(plan, ap, bp, op, [](S x, S y) { return wrapSub<S>(x, y); }); break;
            case BinKind::kMul: binaryLoop(plan, ap, bp, op, [](S x, S y) { return wrapMul<S>(x, y); }); break;
            case BinKind::kDiv: {
              // A GPU does not trap on an integer division by zero: the kernel goes on and the quotient is
              // unspecified (the simulator gives -1, all bits set). Failing here would poison the whole process
              // with a sticky error, which no GPU does for this.
              binaryLoop(plan, ap, bp, op, [](S x, S y) -> S {
                if (y == 0) return static_cast<S>(-1);
                if (std::is_signed<S>::value && y == S(-1)) return wrapNeg<S>(x);  // avoids MIN / -1 overflow
                return static_cast<S>(x / y);
              });
              break;
            }
            case BinKind::kMod: {
              // x - y * q, q the quotient truncated (fmod=1) or floored (fmod=0); by zero, q is -1 as for Div.
              bool floored = !fmod_;
              binaryLoop(plan, ap, bp, op, [floored](S x, S y) -> S {
                if (y == 0) return wrapAdd<S>(x, y);
                if (std::is_signed<S>::value && y == S(-1)) return S(0);
                S q = static_cast<S>(x / y);
                if (floored && (x % y != 0) && ((x < 0) != (y < 0))) q = static_cast<S>(q - 1);
                return wrapSub<S>(x, wrapMul<S>(y, q));
              });
              break;
            }
            default: fail("internal: bad arithmetic kind");
          }
        } else {
          auto op = static_cast<uint8_t*>(o.data);
          switch (kind_) {
            case BinKind::kEqual: binaryLoop(plan, ap, bp, op, [](S x, S y) -> uint8_t { return Tag::toI(x) == Tag::toI(y); }); break;
            case BinKind::kLess: binaryLoop(plan, ap, bp, op, [](S x, S y) -> uint8_t { return x < y; }); break;
            case BinKind::kGreater: binaryLoop(plan, ap, bp, op, [](S x, S y) -> uint8_t { return x > y; }); break;
            case BinKind::kAnd: binaryLoop(plan, ap, bp, op, [](S x, S y) -> uint8_t { return x != 0 && y != 0; }); break;
            case BinKind::kOr: binaryLoop(plan, ap, bp, op, [](S x, S y) -> uint8_t { return x != 0 || y != 0; }); break;
            case BinKind::kXor: binaryLoop(plan, ap, bp, op, [](S x, S y) -> uint8_t { return (x != 0) != (y != 0); }); break;
            case BinKind::kLessOrEqual: binaryLoop(plan, ap, bp, op, [](S x, S y) -> uint8_t { return x <= y; }); break;
            case BinKind::kGreaterOrEqual: binaryLoop(plan, ap, bp, op, [](S x, S y) -> uint8_t { return x >= y; }); break;
            default: fail("internal: bad comparison kind");
          }
        }
      }
    });
  }

  // Pow(X, Y): the output has X's type; Y may be any supported numeric type. Integer bases follow onnxruntime:
  // the power is computed in double and converted back (truncating).
  void runPow(StridedPlan const& plan, HostTensor const& a, HostTensor const& b, HostTensor const& o) const {
    visitDType(name_, a.type, [&](auto atag) {
      using TA = decltype(atag);
      using SA = typename TA::S;
      visitDType(name_, b.type, [&](auto btag) {
        using TB = decltype(btag);
        using SB = typename TB::S;
        auto expOf = [](SB y) -> double {
          double e;
          if constexpr (TB::kFloat) {
            e = static_cast<double>(TB::toF(y));
          } else {
            e = static_cast<double>(TB::toI(y));
          }
          return e;
        };
        auto ap = static_cast<SA const*>(a.data);
        auto bp = static_cast<SB const*>(b.data);
        auto op = static_cast<SA*>(o.data);
        if constexpr (TA::kFloat) {
          binaryLoop(plan, ap, bp, op, [&](SA x, SB y) {
            double e = expOf(y);
            float xf = TA::toF(x);
            float r = e == 2.0 ? xf * xf : static_cast<float>(std::pow(static_cast<double>(xf), e));
            return TA::fromF(r);
          });
        } else {
          binaryLoop(plan, ap, bp, op, [&](SA x, SB y) {
            return floatToInt<SA>(std::pow(static_cast<double>(x), expOf(y)));
          });
        }
      });
    });
  }

 private:
  StridedPlan planBroadcast(HostTensor const& a, HostTensor const& b, HostTensor const& o) const {
    Shape shape = broadcastShapes(name_, {a.shape, b.shape});
    expectShape(o, shape);
    return makeBroadcastPlan(shape, {a.shape, b.shape});
  }

  // Same-shape operands, the common case, need no broadcast planning: one contiguous row per operand. The plan is
  // reused per thread so a run of small kernels does not allocate.
  StridedPlan const& flatPlan(HostTensor const& a, HostTensor const& o) const {
    expectShape(o, a.shape);
    thread_local StridedPlan flat;
    int64_t volume = shapeVolume(a.shape);
    flat.count = 3;
    flat.volume = volume;
    flat.dims.assign(1, volume);
    for (int k = 0; k < 3; ++k) flat.strides[k].assign(1, 1);
    return flat;
  }

  BinKind kind_;
  bool fmod_;
};

class WhereOp : public OpBase {
 public:
  WhereOp() : OpBase("Where", 3, 3) {}

 protected:
  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    requireType(in[0], "condition", {DType::kBOOL});
    requireSameType(in[1], in[2], "input X", "input Y");
    TensorInfo out;
    out.type = in[1].type;
    out.shape = broadcastShapes(name_, {in[0].shape, in[1].shape, in[2].shape});
    return {out};
  }

  template <typename T>
  static void select(StridedPlan const& plan, uint8_t const* c, T const* x, T const* y, T* o) {
    forEachRow(plan, [&](int64_t const* off, int64_t n, int64_t const* s) {
      T* op = o + off[0];
      uint8_t const* cp = c + off[1];
      T const* xp = x + off[2];
      T const* yp = y + off[3];
      int64_t const sc = s[1], sx = s[2], sy = s[3];
      for (int64_t j = 0; j < n; ++j) op[j] = cp[j * sc] ? xp[j * sx] : yp[j * sy];
    });
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    Shape shape = broadcastShapes(name_, {in[0].shape, in[1].shape, in[2].shape});
    expectShape(out[0], shape);
    StridedPlan plan = makeBroadcastPlan(shape, {in[0].shape, in[1].shape, in[2].shape});
    auto c = static_cast<uint8_t const*>(in[0].data);
    switch (dtypeSize(in[1].type)) {
      case 1: select(plan, c, static_cast<uint8_t const*>(in[1].data), static_cast<uint8_t const*>(in[2].data), static_cast<uint8_t*>(out[0].data)); break;
      case 2: select(plan, c, static_cast<uint16_t const*>(in[1].data), static_cast<uint16_t const*>(in[2].data), static_cast<uint16_t*>(out[0].data)); break;
      case 4: select(plan, c, static_cast<uint32_t const*>(in[1].data), static_cast<uint32_t const*>(in[2].data), static_cast<uint32_t*>(out[0].data)); break;
      case 8: select(plan, c, static_cast<uint64_t const*>(in[1].data), static_cast<uint64_t const*>(in[2].data), static_cast<uint64_t*>(out[0].data)); break;
      default: fail("internal: bad element size");
    }
  }
};

class NotOp : public OpBase {
 public:
  NotOp() : OpBase("Not", 1, 1) {}

 protected:
  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    requireType(in[0], "input X", {DType::kBOOL});
    TensorInfo out;
    out.type = DType::kBOOL;
    out.shape = in[0].shape;
    return {out};
  }
  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    expectShape(out[0], in[0].shape);
    int64_t n = shapeVolume(in[0].shape);
    auto x = static_cast<uint8_t const*>(in[0].data);
    auto y = static_cast<uint8_t*>(out[0].data);
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] == 0 ? 1 : 0;
  }
};

// IsNaN, and IsInf with detect_negative / detect_positive: a bool per element of a float tensor.
class FloatTestOp : public OpBase {
 public:
  FloatTestOp(std::string name, bool nan, bool negative, bool positive)
      : OpBase(std::move(name), 1, 1), nan_(nan), negative_(negative), positive_(positive) {}

 protected:
  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    requireType(in[0], "input X", {DType::kFLOAT, DType::kHALF, DType::kBF16});
    return {TensorInfo{DType::kBOOL, in[0].shape, nullptr}};
  }
  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    expectShape(out[0], in[0].shape);
    std::vector<float> buf;
    float const* x = floatInput(in[0], buf);
    auto y = static_cast<uint8_t*>(out[0].data);
    for (int64_t i = 0, n = shapeVolume(in[0].shape); i < n; ++i) {
      float v = x[i];
      y[i] = nan_ ? std::isnan(v) : std::isinf(v) && (v < 0 ? negative_ : positive_);
    }
  }

 private:
  bool nan_, negative_, positive_;
};

}  // namespace

std::unique_ptr<Op> makeElementwiseOp(std::string const& type, Attributes const& attrs, int64_t /*opset*/) {
  if (type == "Mod") {
    checkAttributes(type, attrs, {"fmod"});
    return std::make_unique<BinaryOp>(type, BinKind::kMod, attrs.getInt("fmod", 0) != 0);
  }
  if (type == "IsInf") {
    checkAttributes(type, attrs, {"detect_negative", "detect_positive"});
    return std::make_unique<FloatTestOp>(type, false, attrs.getInt("detect_negative", 1) != 0, attrs.getInt("detect_positive", 1) != 0);
  }
  checkAttributes(type, attrs, {});
  if (type == "IsNaN") return std::make_unique<FloatTestOp>(type, true, false, false);
  if (type == "Where") return std::make_unique<WhereOp>();
  if (type == "Not") return std::make_unique<NotOp>();
  BinKind kind;
  if (type == "Add") kind = BinKind::kAdd;
  else if (type == "Sub") kind = BinKind::kSub;
  else if (type == "Mul") kind = BinKind::kMul;
  else if (type == "Div") kind = BinKind::kDiv;
  else if (type == "Pow") kind = BinKind::kPow;
  else if (type == "Equal") kind = BinKind::kEqual;
  else if (type == "Less") kind = BinKind::kLess;
  else if (type == "Greater") kind = BinKind::kGreater;
  else if (type == "And") kind = BinKind::kAnd;
  else if (type == "Or") kind = BinKind::kOr;
  else if (type == "Xor") kind = BinKind::kXor;
  else if (type == "LessOrEqual") kind = BinKind::kLessOrEqual;
  else if (type == "GreaterOrEqual") kind = BinKind::kGreaterOrEqual;
  else if (type == "PRelu") kind = BinKind::kPRelu;
  else fail(type, "internal: not an elementwise op");
  return std::make_unique<BinaryOp>(type, kind);
}

}  // namespace ops
}  // namespace trtsim
