// Standalone test of the simulator's operator library (no framework). Prints every failure; exits non-zero if any.
// Build: g++ -std=c++17 -O1 -I<ops dir> <ops dir>/test/ops_test.cc -L<build dir> -ltrtsim_nvinfer (npm test), or from
// source with sanitizers: g++ ... -fsanitize=address,undefined -I<ops dir> <ops dir>/*.cc <ops dir>/test/ops_test.cc
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "fp8.h"
#include "half.h"
#include "op.h"

using namespace trtsim;

// ---------------------------------------------------------------------------------------------------------------
// Minimal harness

static int g_checks = 0;
static int g_failures = 0;
static std::string g_test;

static void report(std::string const& what) {
  ++g_failures;
  std::printf("FAIL [%s] %s\n", g_test.c_str(), what.c_str());
}
#define CHECK(cond, msg)                                                                  \
  do {                                                                                    \
    ++g_checks;                                                                           \
    if (!(cond)) report(std::string(msg) + "  (" #cond ", line " + std::to_string(__LINE__) + ")"); \
  } while (0)

static void expectThrow(std::string const& what, std::function<void()> const& f, std::string const& substr) {
  ++g_checks;
  try {
    f();
  } catch (OpError const& e) {
    std::string m = e.what();
    if (m.find(substr) == std::string::npos) report(what + ": message '" + m + "' lacks '" + substr + "'");
    return;
  } catch (std::exception const& e) {
    report(what + ": threw a non-OpError: " + e.what());
    return;
  }
  report(what + ": did not throw (expected '" + substr + "')");
}

// ---------------------------------------------------------------------------------------------------------------
// Tensors and op runner

struct T {
  DType type = DType::kFLOAT;
  Shape shape;
  std::vector<uint8_t> bytes;
  bool isConst = false;  // passed to inferOutputs with constData

  int64_t n() const { return shapeVolume(shape); }
  template <typename V>
  V at(int64_t i) const {
    V v;
    std::memcpy(&v, bytes.data() + i * sizeof(V), sizeof(V));
    return v;
  }
  // Element i as double, whatever the type.
  double get(int64_t i) const {
    switch (type) {
      case DType::kFLOAT: return at<float>(i);
      case DType::kHALF: return halfToFloat(at<uint16_t>(i));
      case DType::kBF16: return bf16ToFloat(at<uint16_t>(i));
      case DType::kINT8: return at<int8_t>(i);
      case DType::kUINT8: return at<uint8_t>(i);
      case DType::kBOOL: return at<uint8_t>(i);
      case DType::kINT32: return at<int32_t>(i);
      case DType::kINT64: return static_cast<double>(at<int64_t>(i));
      default: return NAN;
    }
  }
  std::vector<double> values() const {  // every element, as get() reads it
    std::vector<double> v;
    for (int64_t i = 0; i < n(); ++i) v.push_back(get(i));
    return v;
  }
  T& c() {
    isConst = true;
    return *this;
  }
};

template <typename V>
static T make(DType type, Shape shape, std::vector<V> const& vals) {
  T t;
  t.type = type;
  t.shape = std::move(shape);
  t.bytes.resize(vals.size() * sizeof(V));
  if (!vals.empty()) std::memcpy(t.bytes.data(), vals.data(), t.bytes.size());
  if (static_cast<int64_t>(vals.size()) != t.n()) report("test bug: value count does not match shape " + shapeToString(t.shape));
  return t;
}
static T F(Shape s, std::vector<float> v) { return make(DType::kFLOAT, std::move(s), v); }
static T I64(Shape s, std::vector<int64_t> v) { return make(DType::kINT64, std::move(s), v); }
static T I32(Shape s, std::vector<int32_t> v) { return make(DType::kINT32, std::move(s), v); }
static T B(Shape s, std::vector<uint8_t> v) { return make(DType::kBOOL, std::move(s), v); }
static T U8(Shape s, std::vector<uint8_t> v) { return make(DType::kUINT8, std::move(s), v); }
static T I8(Shape s, std::vector<int8_t> v) { return make(DType::kINT8, std::move(s), v); }
static T H(Shape s, std::vector<float> v) {
  std::vector<uint16_t> h;
  for (float f : v) h.push_back(floatToHalf(f));
  return make(DType::kHALF, std::move(s), h);
}
static T BF(Shape s, std::vector<float> v) {
  std::vector<uint16_t> h;
  for (float f : v) h.push_back(floatToBf16(f));
  return make(DType::kBF16, std::move(s), h);
}

struct A {  // attribute builder
  Attributes a;
  A& i(std::string const& k, int64_t v) {
    Attribute x;
    x.kind = Attribute::Kind::kINT;
    x.i = v;
    a.values[k] = x;
    return *this;
  }
  A& f(std::string const& k, float v) {
    Attribute x;
    x.kind = Attribute::Kind::kFLOAT;
    x.f = v;
    a.values[k] = x;
    return *this;
  }
  A& s(std::string const& k, std::string v) {
    Attribute x;
    x.kind = Attribute::Kind::kSTRING;
    x.s = std::move(v);
    a.values[k] = x;
    return *this;
  }
  A& ints(std::string const& k, std::vector<int64_t> v) {
    Attribute x;
    x.kind = Attribute::Kind::kINTS;
    x.ints = std::move(v);
    a.values[k] = x;
    return *this;
  }
  A& strings(std::string const& k, std::vector<std::string> v) {
    Attribute x;
    x.kind = Attribute::Kind::kSTRINGS;
    x.strings = std::move(v);
    a.values[k] = x;
    return *this;
  }
};

static TensorInfo infoOf(T const& t) {
  TensorInfo i;
  i.type = t.type;
  i.shape = t.shape;
  if (t.isConst) i.constData = std::make_shared<std::vector<uint8_t>>(t.bytes);
  return i;
}

static std::vector<TensorInfo> infer(std::string const& op, A const& attrs, std::vector<TensorInfo> const& in,
                                     int64_t opset = 17) {
  return createOp(op, attrs.a, opset)->inferOutputs(in);
}
static TensorInfo ti(DType t, Shape s) {
  TensorInfo i;
  i.type = t;
  i.shape = std::move(s);
  return i;
}

// Creates the op, infers output infos, computes, and checks any constant-folded result equals the computed one.
static std::vector<T> runOp(std::string const& op, A const& attrs, std::vector<T> const& in, int64_t opset = 17,
                            int nOutputs = 1) {
  auto o = createOp(op, attrs.a, opset);
  std::vector<TensorInfo> infos;
  for (auto const& t : in) infos.push_back(infoOf(t));
  std::vector<TensorInfo> outInfos = o->inferOutputs(infos);
  // Inference again with concrete shapes and no constants (as the executor does before a run), except for the
  // inputs ops need as constants.
  std::vector<T> outs;
  std::vector<HostTensor> hin, hout;
  for (auto const& t : in) hin.push_back(HostTensor{t.type, t.shape, const_cast<uint8_t*>(t.bytes.data())});
  for (int k = 0; k < nOutputs && k < static_cast<int>(outInfos.size()); ++k) {
    T t;
    t.type = outInfos[k].type;
    t.shape = outInfos[k].shape;
    if (t.n() < 0) {
      report(op + ": inferred output shape " + shapeToString(t.shape) + " is not concrete");
      return {};
    }
    t.bytes.assign(static_cast<size_t>(t.n()) * dtypeSize(t.type), 0xCD);
    outs.push_back(std::move(t));
  }
  for (auto& t : outs) hout.push_back(HostTensor{t.type, t.shape, t.bytes.data()});
  o->compute(hin, hout);
  for (size_t k = 0; k < outs.size(); ++k) {
    if (outInfos[k].constData && *outInfos[k].constData != outs[k].bytes) {
      report(op + ": constant-folded output " + std::to_string(k) + " differs from the computed one");
    }
  }
  return outs;
}

static bool closeTo(double got, double want, double rtol, double atol) {
  if (std::isnan(want)) return std::isnan(got);
  if (std::isinf(want)) return got == want;
  return std::fabs(got - want) <= atol + rtol * std::fabs(want);
}

static void expectValues(std::string const& what, T const& t, Shape const& shape, std::vector<double> const& want,
                         double rtol = 1e-5, double atol = 1e-6) {
  ++g_checks;
  if (t.shape != shape) {
    report(what + ": shape " + shapeToString(t.shape) + ", expected " + shapeToString(shape));
    return;
  }
  if (static_cast<int64_t>(want.size()) != t.n()) {
    report(what + ": test bug, " + std::to_string(want.size()) + " expected values for " + std::to_string(t.n()));
    return;
  }
  int shown = 0;
  for (int64_t i = 0; i < t.n(); ++i) {
    double g = t.get(i);
    if (!closeTo(g, want[static_cast<size_t>(i)], rtol, atol)) {
      if (shown++ < 5) {
        char buf[200];
        std::snprintf(buf, sizeof buf, ": element %lld is %.9g, expected %.9g", static_cast<long long>(i), g,
                      want[static_cast<size_t>(i)]);
        report(what + buf);
      }
    }
  }
}
static void expectExact(std::string const& what, T const& t, Shape const& shape, std::vector<double> const& want) {
  expectValues(what, t, shape, want, 0, 0);
}
static void expectType(std::string const& what, T const& t, DType d) {
  CHECK(t.type == d, what + ": type " + dtypeName(t.type) + ", expected " + dtypeName(d));
}
static void expectShapeEq(std::string const& what, Shape const& got, Shape const& want) {
  CHECK(got == want, what + ": shape " + shapeToString(got) + ", expected " + shapeToString(want));
}

// Deterministic pseudo-random numbers.
static uint64_t g_rng = 0x1234567887654321ull;
static uint32_t rnd() {
  g_rng = g_rng * 6364136223846793005ull + 1442695040888963407ull;
  return static_cast<uint32_t>(g_rng >> 33);
}
static float rndf(float lo = -2.f, float hi = 2.f) { return lo + (hi - lo) * (rnd() % 1000000) / 1000000.f; }
static std::vector<float> rndv(int64_t n, float lo = -2.f, float hi = 2.f) {
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = rndf(lo, hi);
  return v;
}

// Naive reference: index of `out` multi-index in a tensor of shape `s` broadcast to `out` (with division).
static int64_t bcastIndex(Shape const& out, Shape const& s, int64_t flat) {
  std::vector<int64_t> idx(out.size());
  for (size_t d = out.size(); d-- > 0;) {
    idx[d] = flat % out[d];
    flat /= out[d];
  }
  int64_t r = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    size_t d = out.size() - s.size() + i;
    r = r * s[i] + (s[i] == 1 ? 0 : idx[d]);
  }
  return r;
}

// ---------------------------------------------------------------------------------------------------------------
// float16 / bfloat16

static uint16_t refHalf(float f) {  // nearest representable half by search, ties to even
  if (std::isnan(f)) return 0x7E00;
  uint16_t sign = std::signbit(f) ? 0x8000 : 0;
  double a = std::fabs(static_cast<double>(f));
  if (a >= 65520.0) return sign | 0x7C00;
  uint16_t lo = 0, hi = 0x7BFF;  // largest finite
  while (lo < hi) {                // smallest h with value >= a
    uint16_t mid = static_cast<uint16_t>((lo + hi) / 2);
    if (halfToFloat(mid) >= a) hi = mid;
    else lo = static_cast<uint16_t>(mid + 1);
  }
  uint16_t up = lo;
  if (halfToFloat(up) == a || up == 0) return sign | up;
  uint16_t down = static_cast<uint16_t>(up - 1);
  double du = halfToFloat(up) - a, dd = a - halfToFloat(down);
  if (a > 65504.0) return sign | 0x7BFF;  // below 65520: rounds down to max
  if (du < dd) return sign | up;
  if (dd < du) return sign | down;
  return sign | ((up & 1) ? down : up);
}

static uint16_t refBf16(float f) {
  uint32_t x = floatBits(f);
  uint16_t down = static_cast<uint16_t>(x >> 16);
  if ((x & 0xFFFF) == 0) return down;
  uint16_t up = static_cast<uint16_t>(down + 1);
  double a = f, vd = bf16ToFloat(down), vu = bf16ToFloat(up);
  double dd = std::fabs(a - vd), du = std::fabs(vu - a);
  if (std::isinf(vu)) du = std::ldexp(1.0, 128) - std::fabs(a);  // rounding to infinity uses 2^128 as the next value
  if (dd < du) return down;
  if (du < dd) return up;
  return (down & 1) ? up : down;
}

static void testHalf() {
  g_test = "half";
  int bad = 0;
  for (uint32_t h = 0; h < 65536; ++h) {
    float f = halfToFloat(static_cast<uint16_t>(h));
    uint16_t back = floatToHalf(f);
    bool isNan = (h & 0x7C00) == 0x7C00 && (h & 0x3FF);
    if (isNan) {
      if (!std::isnan(f) || (back & 0x7C00) != 0x7C00 || !(back & 0x3FF) || ((back ^ h) & 0x8000)) ++bad;
    } else if (back != h) {
      ++bad;
    }
  }
  CHECK(bad == 0, "half -> float -> half round trip failed for " + std::to_string(bad) + " values");
  struct Case { float f; uint16_t h; } cases[] = {
      {0.f, 0x0000}, {-0.f, 0x8000}, {1.f, 0x3C00}, {-2.f, 0xC000}, {65504.f, 0x7BFF}, {65519.f, 0x7BFF},
      {65520.f, 0x7C00}, {1e10f, 0x7C00}, {INFINITY, 0x7C00}, {-INFINITY, 0xFC00}, {std::ldexp(1.f, -24), 0x0001},
      {std::ldexp(1.f, -25), 0x0000}, {std::ldexp(3.f, -25), 0x0002}, {std::ldexp(1.f, -14), 0x0400},
      {1.f + std::ldexp(1.f, -11), 0x3C00}, {1.f + std::ldexp(3.f, -11), 0x3C02}, {0.1f, 0x2E66}, {3.14159265f, 0x4248},
      {std::ldexp(1023.f, -24) + std::ldexp(1.f, -25), 0x0400}};
  for (auto const& c : cases) {
    char buf[100];
    std::snprintf(buf, sizeof buf, "floatToHalf(%.9g) = 0x%04x, expected 0x%04x", c.f, floatToHalf(c.f), c.h);
    CHECK(floatToHalf(c.f) == c.h, buf);
  }
  CHECK(std::isnan(halfToFloat(floatToHalf(NAN))), "NaN -> half -> float is NaN");
  CHECK(halfToFloat(0x0001) == std::ldexp(1.f, -24), "smallest subnormal half");
  CHECK(halfToFloat(0x7BFF) == 65504.f, "max half");
  bad = 0;
  for (int i = 0; i < 200000; ++i) {
    // Random floats across the half range, including subnormals and ties.
    float f;
    if (i % 4 == 0) f = std::ldexp(static_cast<float>(rnd() % 4096), static_cast<int>(rnd() % 40) - 36) * ((rnd() & 1) ? -1.f : 1.f);
    else f = bitsToFloat((rnd() & 0x8FFFFFFFu) | ((rnd() % 32 + 100u) << 23));
    if (floatToHalf(f) != refHalf(f)) {
      if (bad++ < 3) {
        char buf[120];
        std::snprintf(buf, sizeof buf, "floatToHalf(%a) = 0x%04x, reference 0x%04x", f, floatToHalf(f), refHalf(f));
        report(buf);
      }
    }
  }
  CHECK(bad == 0, "random floatToHalf mismatches: " + std::to_string(bad));

  g_test = "bfloat16";
  bad = 0;
  for (uint32_t b = 0; b < 65536; ++b) {
    float f = bf16ToFloat(static_cast<uint16_t>(b));
    uint16_t back = floatToBf16(f);
    if (std::isnan(f)) {
      if (!std::isnan(bf16ToFloat(back))) ++bad;
    } else if (back != b) {
      ++bad;
    }
  }
  CHECK(bad == 0, "bf16 -> float -> bf16 round trip failed for " + std::to_string(bad) + " values");
  CHECK(floatToBf16(1.f) == 0x3F80, "bf16(1)");
  CHECK(floatToBf16(1.f + std::ldexp(1.f, -8)) == 0x3F80, "bf16 tie to even (down)");
  CHECK(floatToBf16(1.f + std::ldexp(3.f, -8)) == 0x3F82, "bf16 tie to even (up)");
  CHECK(floatToBf16(std::numeric_limits<float>::max()) == 0x7F80, "bf16 overflow to inf");
  CHECK(std::isnan(bf16ToFloat(floatToBf16(NAN))), "bf16 NaN");
  CHECK(floatToBf16(-0.f) == 0x8000, "bf16 -0");
  bad = 0;
  for (int i = 0; i < 200000; ++i) {
    float f = bitsToFloat(rnd() * 2654435761u ^ rnd());
    if (std::isnan(f)) continue;
    if (floatToBf16(f) != refBf16(f)) {
      if (bad++ < 3) {
        char buf[120];
        std::snprintf(buf, sizeof buf, "floatToBf16(%a) = 0x%04x, reference 0x%04x", f, floatToBf16(f), refBf16(f));
        report(buf);
      }
    }
  }
  CHECK(bad == 0, "random floatToBf16 mismatches: " + std::to_string(bad));
}

// ---------------------------------------------------------------------------------------------------------------
// op.h helpers, registry, attributes

static void testHelpers() {
  g_test = "helpers";
  CHECK(dtypeSize(DType::kFLOAT) == 4 && dtypeSize(DType::kHALF) == 2 && dtypeSize(DType::kINT8) == 1 &&
            dtypeSize(DType::kINT32) == 4 && dtypeSize(DType::kBOOL) == 1 && dtypeSize(DType::kUINT8) == 1 &&
            dtypeSize(DType::kFP8) == 1 && dtypeSize(DType::kBF16) == 2 && dtypeSize(DType::kINT64) == 8,
        "dtypeSize");
  CHECK(std::string(dtypeName(DType::kFLOAT)) == "float32" && std::string(dtypeName(DType::kHALF)) == "float16" &&
            std::string(dtypeName(DType::kINT8)) == "int8" && std::string(dtypeName(DType::kINT32)) == "int32" &&
            std::string(dtypeName(DType::kBOOL)) == "bool" && std::string(dtypeName(DType::kUINT8)) == "uint8" &&
            std::string(dtypeName(DType::kFP8)) == "fp8" && std::string(dtypeName(DType::kBF16)) == "bfloat16" &&
            std::string(dtypeName(DType::kINT64)) == "int64",
        "dtypeName");
  expectThrow("dtypeSize of a bad value", [] { dtypeSize(static_cast<DType>(42)); }, "data type");
  CHECK(shapeVolume({2, 3, 4}) == 24 && shapeVolume({}) == 1 && shapeVolume({2, -1}) == -1 && shapeVolume({0, 5}) == 0,
        "shapeVolume");
  CHECK(shapeToString({1, -1, 16}) == "[1,-1,16]" && shapeToString({}) == "[]", "shapeToString");

  Attributes at = A().i("axis", 2).f("alpha", 0.5f).s("mode", "x").ints("perm", {1, 0}).a;
  Attribute fl;
  fl.kind = Attribute::Kind::kFLOATS;
  fl.floats = {1.f, 2.f};
  at.values["fs"] = fl;
  CHECK(at.getInt("axis", 0) == 2 && at.getInt("missing", 7) == 7, "getInt");
  CHECK(at.getFloat("alpha", 0) == 0.5f && at.getFloat("missing", 1.5f) == 1.5f, "getFloat");
  CHECK(at.getString("mode", "") == "x" && at.getString("missing", "d") == "d", "getString");
  CHECK(at.getInts("perm", {}) == std::vector<int64_t>({1, 0}), "getInts");
  CHECK(at.getFloats("fs", {}) == std::vector<float>({1.f, 2.f}), "getFloats");
  expectThrow("getInt on a float", [&] { at.getInt("alpha", 0); }, "attribute 'alpha'");
  expectThrow("getFloat on an int", [&] { at.getFloat("axis", 0); }, "attribute 'axis'");
  expectThrow("getInts on an int", [&] { at.getInts("axis", {}); }, "attribute 'axis'");
  expectThrow("getString on ints", [&] { at.getString("perm", ""); }, "attribute 'perm'");
  expectThrow("getFloats on string", [&] { at.getFloats("mode", {}); }, "attribute 'mode'");

  expectThrow("unsupported op", [] { createOp("DeformConv", Attributes{}, 17); }, "unsupported ONNX operator 'DeformConv'");
  std::vector<std::string> ops = supportedOps();
  for (char const* name :
       {"Identity", "Add", "Sub", "Mul", "Div", "Pow", "Relu", "Sigmoid", "Tanh", "Sqrt", "Exp", "Log", "Neg", "Abs",
        "Erf", "Gelu", "Softmax", "MatMul", "Gemm", "Gather", "ReduceMean", "ReduceSum", "ReduceMax",
        "LayerNormalization", "Cast", "Reshape", "Transpose", "Unsqueeze", "Squeeze", "Concat", "Flatten", "Shape",
        "Equal", "Less", "Greater", "Where", "Not", "And", "Or", "Clip", "Slice", "Expand", "Split", "Range"}) {
    CHECK(std::find(ops.begin(), ops.end(), name) != ops.end(), std::string("supportedOps lacks ") + name);
    Attributes at2 = std::string(name) == "Cast" ? A().i("to", 1).a : std::string(name) == "Concat" ? A().i("axis", 0).a : Attributes{};
    auto op = createOp(name, at2, 17);
    CHECK(op != nullptr, std::string("createOp ") + name);
  }
  // Unknown / unsupported attributes name the op, the attribute and the value.
  expectThrow("Add broadcast attr", [] { createOp("Add", A().i("broadcast", 1).a, 17); }, "Add: unsupported attribute 'broadcast' (value 1)");
  expectThrow("Gemm kind mismatch", [] { createOp("Gemm", A().i("alpha", 1).a, 17); }, "Gemm: attribute 'alpha' is an int, expected a float");
  expectThrow("input count", [] { infer("Add", A(), {ti(DType::kFLOAT, {2})}); }, "Add: expects 2 inputs, got 1");
  expectThrow("input count compute", [] {
    auto op = createOp("Relu", Attributes{}, 17);
    op->compute({}, {});
  }, "Relu: expects");
  expectThrow("fp8 arithmetic", [] { infer("Add", A(), {ti(DType::kFP8, {2}), ti(DType::kFP8, {2})}); }, "Add: input A has unsupported type fp8");
}

// ---------------------------------------------------------------------------------------------------------------
// Elementwise

static void testBinaryFloat() {
  g_test = "binary float";
  auto o = runOp("Add", A(), {F({2, 3}, {1, 2, 3, 4, 5, 6}), F({3}, {10, 20, 30})});
  expectExact("Add [2,3]+[3]", o[0], {2, 3}, {11, 22, 33, 14, 25, 36});
  o = runOp("Sub", A(), {F({2, 1}, {1, 2}), F({1, 3}, {1, 2, 3})});
  expectExact("Sub [2,1]-[1,3]", o[0], {2, 3}, {0, -1, -2, 1, 0, -1});
  o = runOp("Mul", A(), {F({}, {2}), F({2, 2}, {1, 2, 3, 4})});
  expectExact("Mul scalar", o[0], {2, 2}, {2, 4, 6, 8});
  o = runOp("Div", A(), {F({3}, {1, -3, 1}), F({3}, {4, 2, 0})});
  expectExact("Div", o[0], {3}, {0.25, -1.5, INFINITY});
  o = runOp("Pow", A(), {F({4}, {2, 4, -2, 9}), F({4}, {3, 0.5f, 2, -0.5f})});
  expectValues("Pow", o[0], {4}, {8, 2, 4, 1.0 / 3});
  o = runOp("Pow", A(), {F({3}, {2, 3, -2}), I64({}, {3})});
  expectValues("Pow float^int64", o[0], {3}, {8, 27, -8});
  expectType("Pow float^int64 type", o[0], DType::kFLOAT);

  // Random multi-dim broadcasting against the naive reference, for each arithmetic op.
  struct Case { Shape a, b; } cases[] = {{{2, 3, 4}, {4}}, {{2, 1, 4}, {3, 1}}, {{1, 3, 1, 5}, {2, 1, 4, 1}},
                                         {{5, 1}, {}}, {{2, 3, 4}, {2, 3, 4}}, {{3, 1, 2}, {1, 4, 2}}, {{0, 3}, {3}}};
  for (auto const& c : cases) {
    T a = F(c.a, rndv(shapeVolume(c.a)));
    T b = F(c.b, rndv(shapeVolume(c.b), 0.5f, 2.f));
    for (std::string op : {"Add", "Sub", "Mul", "Div", "Pow"}) {
      T aa = a;
      if (op == "Pow") aa = F(c.a, rndv(shapeVolume(c.a), 0.1f, 3.f));
      auto r = runOp(op, A(), {aa, b});
      Shape out = r[0].shape;
      std::vector<double> want(static_cast<size_t>(shapeVolume(out)));
      for (int64_t i = 0; i < shapeVolume(out); ++i) {
        float x = aa.at<float>(bcastIndex(out, c.a, i)), y = b.at<float>(bcastIndex(out, c.b, i));
        want[static_cast<size_t>(i)] = op == "Add" ? x + y : op == "Sub" ? x - y : op == "Mul" ? x * y : op == "Div" ? x / y : std::pow(static_cast<double>(x), static_cast<double>(y));
      }
      expectValues(op + " " + shapeToString(c.a) + " with " + shapeToString(c.b), r[0], out, want);
    }
  }
}

static void testBinaryInt() {
  g_test = "binary int";
  auto o = runOp("Add", A(), {I32({3}, {1, 2147483647, -5}), I32({3}, {2, 1, 5})});
  expectExact("int32 Add (wraps)", o[0], {3}, {3, -2147483648.0, 0});
  expectType("int32 Add type", o[0], DType::kINT32);
  o = runOp("Sub", A(), {I64({2}, {5, -3}), I64({}, {10})});
  expectExact("int64 Sub", o[0], {2}, {-5, -13});
  o = runOp("Mul", A(), {I64({2}, {3000000000LL, -7}), I64({2}, {3, 6})});
  expectExact("int64 Mul", o[0], {2}, {9000000000.0, -42});
  o = runOp("Div", A(), {I32({4}, {7, -7, 7, -7}), I32({4}, {2, 2, -2, -2})});
  expectExact("int32 Div truncates", o[0], {4}, {3, -3, -3, 3});
  o = runOp("Div", A(), {I32({1}, {INT32_MIN}), I32({1}, {-1})});
  expectExact("int32 MIN/-1 wraps", o[0], {1}, {static_cast<double>(INT32_MIN)});
  o = runOp("Div", A(), {I64({2}, {1, 2}), I64({2}, {1, 0})});
  expectExact("int Div by zero: no trap, an unspecified quotient (-1 here)", o[0], {2}, {1, -1});
  o = runOp("Pow", A(), {I64({4}, {2, 3, -2, 2}), I64({4}, {10, 3, 3, -1})});
  expectExact("int64 Pow", o[0], {4}, {1024, 27, -8, 0});
  o = runOp("Pow", A(), {I32({2}, {2, 9}), F({2}, {3.f, 0.5f})});
  expectExact("int32 Pow float exponent", o[0], {2}, {8, 3});
  expectThrow("mixed types", [] { infer("Add", A(), {ti(DType::kFLOAT, {2}), ti(DType::kINT32, {2})}); },
              "Add: input A and input B must have the same type (got float32 and int32)");
  expectThrow("int8 Add unsupported", [] { infer("Mul", A(), {ti(DType::kINT8, {2}), ti(DType::kINT8, {2})}); }, "Mul: input A has unsupported type int8");
}

static void testBinaryHalf() {
  g_test = "binary float16/bfloat16";
  auto o = runOp("Add", A(), {H({3}, {1.f, 0.1f, 65504.f}), H({3}, {0.5f, 0.2f, 65504.f})});
  expectType("half Add type", o[0], DType::kHALF);
  CHECK(o[0].at<uint16_t>(0) == floatToHalf(1.5f), "half 1+0.5");
  CHECK(o[0].at<uint16_t>(1) == floatToHalf(halfToFloat(floatToHalf(0.1f)) + halfToFloat(floatToHalf(0.2f))), "half 0.1+0.2 rounded once");
  CHECK(o[0].at<uint16_t>(2) == 0x7C00, "half overflow to inf");
  o = runOp("Mul", A(), {BF({2}, {3.f, 1.5f}), BF({1}, {2.f})});
  expectType("bf16 Mul type", o[0], DType::kBF16);
  expectExact("bf16 Mul", o[0], {2}, {6, 3});
  o = runOp("Less", A(), {H({2}, {1.f, 2.f}), H({2}, {1.5f, 1.5f})});
  expectExact("half Less", o[0], {2}, {1, 0});
}

static void testBroadcastInference() {
  g_test = "broadcast inference";
  expectShapeEq("[-1,3]+[3]", infer("Add", A(), {ti(DType::kFLOAT, {-1, 3}), ti(DType::kFLOAT, {3})})[0].shape, {-1, 3});
  expectShapeEq("[-1,1]+[1,5]", infer("Add", A(), {ti(DType::kFLOAT, {-1, 1}), ti(DType::kFLOAT, {1, 5})})[0].shape, {-1, 5});
  expectShapeEq("[-1]+[4]", infer("Mul", A(), {ti(DType::kFLOAT, {-1}), ti(DType::kFLOAT, {4})})[0].shape, {4});
  expectShapeEq("[-1,-1]+[-1]", infer("Sub", A(), {ti(DType::kFLOAT, {-1, -1}), ti(DType::kFLOAT, {-1})})[0].shape, {-1, -1});
  expectShapeEq("[2,-1,1]+[7]", infer("Div", A(), {ti(DType::kFLOAT, {2, -1, 1}), ti(DType::kFLOAT, {7})})[0].shape, {2, -1, 7});
  expectShapeEq("[0]+[1]", infer("Add", A(), {ti(DType::kFLOAT, {0}), ti(DType::kFLOAT, {1})})[0].shape, {0});
  expectThrow("bad broadcast", [] { infer("Add", A(), {ti(DType::kFLOAT, {2, 3}), ti(DType::kFLOAT, {4})}); }, "Add: cannot broadcast [2,3] with [4]");
  expectThrow("bad broadcast with -1", [] { infer("Mul", A(), {ti(DType::kFLOAT, {-1, 3}), ti(DType::kFLOAT, {2, 4})}); }, "Mul: cannot broadcast [-1,3] with [2,4]");
  expectThrow("bad broadcast at run", [] { runOp("Sub", A(), {F({2}, {1, 2}), F({3}, {1, 2, 3})}); }, "Sub: cannot broadcast [2] with [3]");
  expectThrow("Where bad broadcast", [] {
    infer("Where", A(), {ti(DType::kBOOL, {2}), ti(DType::kFLOAT, {3}), ti(DType::kFLOAT, {1})});
  }, "Where: cannot broadcast [2], [3], and [1]");
}

static void testCompareLogic() {
  g_test = "compare/logic";
  auto o = runOp("Equal", A(), {F({4}, {1, 2, NAN, 0.f}), F({4}, {1, 3, NAN, -0.f})});
  expectType("Equal type", o[0], DType::kBOOL);
  expectExact("Equal float", o[0], {4}, {1, 0, 0, 1});
  o = runOp("Equal", A(), {I64({2, 2}, {1, 2, 3, 4}), I64({2}, {1, 4})});
  expectExact("Equal int64 bcast", o[0], {2, 2}, {1, 0, 0, 1});
  o = runOp("Equal", A(), {B({3}, {0, 1, 1}), B({3}, {0, 0, 1})});
  expectExact("Equal bool", o[0], {3}, {1, 0, 1});
  o = runOp("Less", A(), {I32({3}, {1, 5, -2}), I32({}, {2})});
  expectExact("Less int32", o[0], {3}, {1, 0, 1});
  o = runOp("Greater", A(), {F({2, 2}, {1, 2, 3, 4}), F({2, 1}, {1.5f, 3.5f})});
  expectExact("Greater float", o[0], {2, 2}, {0, 1, 0, 1});
  o = runOp("Greater", A(), {U8({2}, {200, 3}), U8({2}, {100, 4})});
  expectExact("Greater uint8", o[0], {2}, {1, 0});
  o = runOp("And", A(), {B({4}, {0, 0, 1, 1}), B({4}, {0, 1, 0, 1})});
  expectExact("And", o[0], {4}, {0, 0, 0, 1});
  o = runOp("Or", A(), {B({2, 2}, {0, 0, 1, 1}), B({2}, {0, 1})});
  expectExact("Or bcast", o[0], {2, 2}, {0, 1, 1, 1});
  o = runOp("Not", A(), {B({3}, {0, 1, 0})});
  expectExact("Not", o[0], {3}, {1, 0, 1});
  expectThrow("And on float", [] { infer("And", A(), {ti(DType::kFLOAT, {2}), ti(DType::kBOOL, {2})}); }, "And: input A has unsupported type float32");
  expectThrow("Not on int", [] { infer("Not", A(), {ti(DType::kINT32, {2})}); }, "Not: input X has unsupported type int32");
  expectThrow("Less mixed", [] { infer("Less", A(), {ti(DType::kINT32, {2}), ti(DType::kINT64, {2})}); }, "must have the same type");

  o = runOp("Where", A(), {B({2, 1}, {1, 0}), F({3}, {1, 2, 3}), F({2, 3}, {10, 20, 30, 40, 50, 60})});
  expectExact("Where bcast", o[0], {2, 3}, {1, 2, 3, 40, 50, 60});
  o = runOp("Where", A(), {B({3}, {1, 0, 1}), I64({3}, {1, 2, 3}), I64({}, {-1})});
  expectExact("Where int64", o[0], {3}, {1, -1, 3});
  o = runOp("Where", A(), {B({}, {0}), H({2}, {1.f, 2.f}), H({2}, {3.f, 4.f})});
  expectExact("Where half", o[0], {2}, {3, 4});
  expectThrow("Where cond type", [] { infer("Where", A(), {ti(DType::kFLOAT, {2}), ti(DType::kFLOAT, {2}), ti(DType::kFLOAT, {2})}); }, "Where: condition has unsupported type float32");
  expectThrow("Where XY types", [] { infer("Where", A(), {ti(DType::kBOOL, {2}), ti(DType::kFLOAT, {2}), ti(DType::kINT32, {2})}); }, "Where: input X and input Y must have the same type");
  // Random 3-way broadcasting against the naive reference.
  Shape cs = {2, 1, 4}, xs = {3, 1}, ys = {1, 3, 4};
  std::vector<uint8_t> cv(8);
  for (auto& v : cv) v = rnd() & 1;
  T c = B(cs, cv), x = F(xs, rndv(3)), y = F(ys, rndv(12));
  o = runOp("Where", A(), {c, x, y});
  Shape out = {2, 3, 4};
  std::vector<double> want;
  for (int64_t i = 0; i < 24; ++i) {
    want.push_back(c.get(bcastIndex(out, cs, i)) ? x.get(bcastIndex(out, xs, i)) : y.get(bcastIndex(out, ys, i)));
  }
  expectExact("Where random", o[0], out, want);
}

// ---------------------------------------------------------------------------------------------------------------
// Unary and Softmax

static void testUnary() {
  g_test = "unary";
  std::vector<float> x = {-2.5f, -1.f, -0.25f, 0.f, 0.5f, 1.f, 3.f};
  struct U { char const* op; double (*f)(double); } fs[] = {
      {"Relu", [](double v) { return v < 0 ? 0.0 : v; }},
      {"Sigmoid", [](double v) { return 1 / (1 + std::exp(-v)); }},
      {"Tanh", [](double v) { return std::tanh(v); }},
      {"Exp", [](double v) { return std::exp(v); }},
      {"Neg", [](double v) { return -v; }},
      {"Abs", [](double v) { return std::fabs(v); }},
      {"Erf", [](double v) { return std::erf(v); }},
  };
  for (auto const& u : fs) {
    auto o = runOp(u.op, A(), {F({7}, x)});
    std::vector<double> want;
    for (float v : x) want.push_back(u.f(v));
    expectValues(u.op, o[0], {7}, want);
  }
  auto o = runOp("Sqrt", A(), {F({4}, {4, 2, 0, -1})});
  expectValues("Sqrt", o[0], {4}, {2, 1.4142135623730951, 0, NAN});
  o = runOp("Log", A(), {F({4}, {1, 2.718281828f, 0, -1})});
  expectValues("Log", o[0], {4}, {0, 1, -INFINITY, NAN});
  // Independently computed values (mpmath / tables).
  o = runOp("Erf", A(), {F({3}, {0.5f, 1.f, -2.f})});
  expectValues("Erf values", o[0], {3}, {0.5204998778130465, 0.8427007929497149, -0.9953222650189527});
  o = runOp("Sigmoid", A(), {F({3}, {0.f, 2.f, -100.f})});
  expectValues("Sigmoid values", o[0], {3}, {0.5, 0.8807970779778823, 3.720075976020836e-44}, 1e-5, 1e-30);
  o = runOp("Gelu", A(), {F({4}, {1.f, -1.f, 0.f, 2.f})});
  expectValues("Gelu none", o[0], {4}, {0.8413447460685429, -0.15865525393145707, 0, 1.9544997361036416});
  o = runOp("Gelu", A().s("approximate", "tanh"), {F({4}, {1.f, -1.f, 0.f, 2.f})});
  expectValues("Gelu tanh", o[0], {4}, {0.8411919906082768, -0.15880800939172324, 0, 1.9545976940871754});
  expectThrow("Gelu bad approximate", [] { createOp("Gelu", A().s("approximate", "fast").a, 20); },
              "Gelu: unsupported value \"fast\" for attribute 'approximate'");
  o = runOp("Relu", A(), {I32({3}, {-5, 0, 7})});
  expectExact("Relu int32", o[0], {3}, {0, 0, 7});
  o = runOp("Neg", A(), {I64({2}, {5, INT64_MIN})});
  CHECK(o[0].at<int64_t>(0) == -5 && o[0].at<int64_t>(1) == INT64_MIN, "Neg int64 (wraps)");
  o = runOp("Abs", A(), {I8({3}, {-5, 3, -128})});
  expectExact("Abs int8", o[0], {3}, {5, 3, -128});
  o = runOp("Tanh", A(), {H({2}, {0.5f, -1.f})});
  expectType("Tanh half", o[0], DType::kHALF);
  CHECK(o[0].at<uint16_t>(0) == floatToHalf(static_cast<float>(std::tanh(static_cast<double>(halfToFloat(floatToHalf(0.5f)))))), "Tanh half rounding");
  o = runOp("Exp", A(), {BF({1}, {1.f})});
  CHECK(o[0].at<uint16_t>(0) == floatToBf16(2.718281828f), "Exp bf16");
  expectThrow("Sigmoid on int", [] { infer("Sigmoid", A(), {ti(DType::kINT32, {2})}); }, "Sigmoid: input X has unsupported type int32");
  expectShapeEq("unary keeps -1", infer("Relu", A(), {ti(DType::kFLOAT, {-1, 4})})[0].shape, {-1, 4});
}

static std::vector<double> refSoftmax(T const& x, int64_t outer, int64_t n, int64_t inner) {
  std::vector<double> y(static_cast<size_t>(x.n()));
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      double mx = -INFINITY, sum = 0;
      for (int64_t k = 0; k < n; ++k) mx = std::max(mx, x.get((o * n + k) * inner + i));
      for (int64_t k = 0; k < n; ++k) sum += std::exp(x.get((o * n + k) * inner + i) - mx);
      for (int64_t k = 0; k < n; ++k) y[static_cast<size_t>((o * n + k) * inner + i)] = std::exp(x.get((o * n + k) * inner + i) - mx) / sum;
    }
  return y;
}

static void testSoftmax() {
  g_test = "Softmax";
  auto o = runOp("Softmax", A(), {F({2, 3}, {1, 2, 3, 0, 0, 0})}, 13);
  double e1 = std::exp(-2.0), e2 = std::exp(-1.0), s = e1 + e2 + 1;
  expectValues("axis -1", o[0], {2, 3}, {e1 / s, e2 / s, 1 / s, 1 / 3.0, 1 / 3.0, 1 / 3.0});
  o = runOp("Softmax", A().i("axis", 0), {F({2, 2}, {0, 1, 0, 3})}, 13);
  expectValues("axis 0", o[0], {2, 2}, {0.5, 1 / (1 + std::exp(2.0)), 0.5, 1 / (1 + std::exp(-2.0))});
  T x = F({2, 3, 4}, rndv(24, -5, 5));
  o = runOp("Softmax", A().i("axis", 1), {x}, 13);
  expectValues("axis 1 opset 13", o[0], {2, 3, 4}, refSoftmax(x, 2, 3, 4));
  o = runOp("Softmax", A().i("axis", 1), {x}, 11);
  expectValues("axis 1 opset 11 (coerced to 2-D)", o[0], {2, 3, 4}, refSoftmax(x, 2, 12, 1));
  o = runOp("Softmax", A(), {x}, 11);  // default axis 1 before opset 13
  expectValues("default axis opset 11", o[0], {2, 3, 4}, refSoftmax(x, 2, 12, 1));
  o = runOp("Softmax", A(), {F({3}, {1000.f, 1000.f, -INFINITY})}, 13);
  expectValues("large values stay finite", o[0], {3}, {0.5, 0.5, 0});
  o = runOp("Softmax", A(), {H({2}, {0.f, 0.f})}, 13);
  expectType("half", o[0], DType::kHALF);
  expectExact("half values", o[0], {2}, {0.5, 0.5});
  expectThrow("bad axis", [] { infer("Softmax", A().i("axis", 2), {ti(DType::kFLOAT, {2, 3})}, 13); }, "Softmax: axis 2 is out of range [-2, 1]");
  expectShapeEq("softmax -1", infer("Softmax", A(), {ti(DType::kFLOAT, {-1, 8})}, 13)[0].shape, {-1, 8});
}

// ---------------------------------------------------------------------------------------------------------------
// MatMul, Gemm

static std::vector<double> refMatMul(T const& a, T const& b, Shape const& out) {
  // Promote 1-D inputs, broadcast batch dims, naive triple loop with index division.
  Shape as = a.shape, bs = b.shape;
  if (as.size() == 1) as.insert(as.begin(), 1);
  if (bs.size() == 1) bs.push_back(1);
  int64_t M = as[as.size() - 2], K = as.back(), N = bs.back();
  Shape ab(as.begin(), as.end() - 2), bb(bs.begin(), bs.end() - 2);
  size_t r = std::max(ab.size(), bb.size());
  Shape batch(r);
  for (size_t i = 0; i < r; ++i) {
    int64_t da = i + ab.size() >= r ? ab[i + ab.size() - r] : 1;
    int64_t db = i + bb.size() >= r ? bb[i + bb.size() - r] : 1;
    batch[i] = std::max(da, db);
  }
  std::vector<double> y;
  for (int64_t bi = 0; bi < shapeVolume(batch); ++bi) {
    int64_t ia = bcastIndex(batch, ab, bi), ib = bcastIndex(batch, bb, bi);
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) {
        double s = 0;
        for (int64_t k = 0; k < K; ++k) s += a.get(ia * M * K + i * K + k) * b.get(ib * K * N + k * N + j);
        y.push_back(s);
      }
  }
  (void)out;
  return y;
}

static void testMatMul() {
  g_test = "MatMul";
  auto o = runOp("MatMul", A(), {F({2, 3}, {1, 2, 3, 4, 5, 6}), F({3, 2}, {7, 8, 9, 10, 11, 12})});
  expectExact("2x3 * 3x2", o[0], {2, 2}, {58, 64, 139, 154});
  o = runOp("MatMul", A(), {F({3}, {1, 2, 3}), F({3, 2}, {1, 2, 3, 4, 5, 6})});
  expectExact("1-D * 2-D", o[0], {2}, {22, 28});
  o = runOp("MatMul", A(), {F({2, 3}, {1, 2, 3, 4, 5, 6}), F({3}, {1, 0, -1})});
  expectExact("2-D * 1-D", o[0], {2}, {-2, -2});
  o = runOp("MatMul", A(), {F({3}, {1, 2, 3}), F({3}, {4, 5, 6})});
  expectExact("1-D * 1-D", o[0], {}, {32});
  o = runOp("MatMul", A(), {F({2, 3}, {1, 2, 3, 4, 5, 6}), F({2, 3, 1}, {1, 1, 1, 0, 1, 0})});
  expectExact("2-D * batched", o[0], {2, 2, 1}, {6, 15, 2, 5});
  struct Case { Shape a, b, out; } cases[] = {
      {{2, 1, 2, 3}, {3, 3, 4}, {2, 3, 2, 4}}, {{4, 5}, {2, 5, 3}, {2, 4, 3}}, {{3}, {2, 3, 4}, {2, 4}},
      {{2, 3, 5}, {5}, {2, 3}}, {{1, 7, 16}, {16, 9}, {1, 7, 9}}, {{2, 0, 3}, {3, 4}, {2, 0, 4}}, {{2, 3, 0}, {0, 4}, {2, 3, 4}}};
  for (auto const& c : cases) {
    T a = F(c.a, rndv(shapeVolume(c.a))), b = F(c.b, rndv(shapeVolume(c.b)));
    o = runOp("MatMul", A(), {a, b});
    expectValues("random " + shapeToString(c.a) + " x " + shapeToString(c.b), o[0], c.out, refMatMul(a, b, c.out), 1e-5, 1e-5);
  }
  o = runOp("MatMul", A(), {I32({2, 2}, {1, 2, 3, 4}), I32({2, 2}, {5, 6, 7, 8})});
  expectExact("int32", o[0], {2, 2}, {19, 22, 43, 50});
  o = runOp("MatMul", A(), {I64({1, 2}, {3000000000LL, 1}), I64({2, 1}, {3, -1})});
  expectExact("int64", o[0], {1, 1}, {8999999999.0});
  T ha = H({2, 2}, {0.5f, 1.5f, -1.f, 2.f}), hb = H({2, 2}, {1.f, 2.f, 3.f, 4.f});
  o = runOp("MatMul", A(), {ha, hb});
  expectType("half", o[0], DType::kHALF);
  expectExact("half values", o[0], {2, 2}, {5, 7, 5, 6});

  expectShapeEq("[-1,16]x[16,8]", infer("MatMul", A(), {ti(DType::kFLOAT, {-1, 16}), ti(DType::kFLOAT, {16, 8})})[0].shape, {-1, 8});
  expectShapeEq("[-1,-1,64]x[64,-1]", infer("MatMul", A(), {ti(DType::kFLOAT, {-1, -1, 64}), ti(DType::kFLOAT, {64, -1})})[0].shape, {-1, -1, -1});
  expectShapeEq("[-1,4,5]x[3,5,2]", infer("MatMul", A(), {ti(DType::kFLOAT, {-1, 4, 5}), ti(DType::kFLOAT, {3, 5, 2})})[0].shape, {3, 4, 2});
  expectShapeEq("[2,-1]x[7,3]", infer("MatMul", A(), {ti(DType::kFLOAT, {2, -1}), ti(DType::kFLOAT, {7, 3})})[0].shape, {2, 3});
  expectThrow("inner mismatch", [] { infer("MatMul", A(), {ti(DType::kFLOAT, {4, 16}), ti(DType::kFLOAT, {8, 3})}); }, "MatMul: inner dimensions 16 and 8 differ");
  expectThrow("batch mismatch", [] { infer("MatMul", A(), {ti(DType::kFLOAT, {2, 4, 16}), ti(DType::kFLOAT, {3, 16, 3})}); }, "MatMul: cannot broadcast batch dimensions [2] of A [2,4,16] with [3] of B [3,16,3]");
  expectThrow("scalar", [] { infer("MatMul", A(), {ti(DType::kFLOAT, {}), ti(DType::kFLOAT, {3})}); }, "MatMul: input A must have rank >= 1");
  expectThrow("types", [] { infer("MatMul", A(), {ti(DType::kFLOAT, {2, 2}), ti(DType::kHALF, {2, 2})}); }, "MatMul: input A and input B must have the same type");
  expectThrow("bool", [] { infer("MatMul", A(), {ti(DType::kBOOL, {2, 2}), ti(DType::kBOOL, {2, 2})}); }, "MatMul: input A has unsupported type bool");
  // flops = 2*M*N*K*batch
  auto op = createOp("MatMul", Attributes{}, 17);
  std::vector<float> d1(2 * 3 * 4 * 5), d2(5 * 6), d3(2 * 3 * 4 * 6);
  double fl = op->flops({HostTensor{DType::kFLOAT, {2, 3, 4, 5}, d1.data()}, HostTensor{DType::kFLOAT, {5, 6}, d2.data()}},
                        {HostTensor{DType::kFLOAT, {2, 3, 4, 6}, d3.data()}});
  CHECK(fl == 2.0 * 4 * 6 * 5 * 6, "MatMul flops " + std::to_string(fl));
}

static void testGemm() {
  g_test = "Gemm";
  T a = F({2, 3}, {1, 2, 3, 4, 5, 6}), b = F({3, 2}, {1, 0, 0, 1, 1, 1});
  auto o = runOp("Gemm", A(), {a, b});
  expectExact("plain", o[0], {2, 2}, {4, 5, 10, 11});
  o = runOp("Gemm", A().f("alpha", 2.f).f("beta", 0.5f), {a, b, F({2}, {10, 20})});
  expectExact("alpha beta C[N]", o[0], {2, 2}, {13, 20, 25, 32});
  o = runOp("Gemm", A(), {a, b, F({2, 1}, {100, 200})});
  expectExact("C[M,1]", o[0], {2, 2}, {104, 105, 210, 211});
  o = runOp("Gemm", A(), {a, b, F({}, {1})});
  expectExact("C scalar", o[0], {2, 2}, {5, 6, 11, 12});
  o = runOp("Gemm", A(), {a, b, F({2, 2}, {1, 2, 3, 4})});
  expectExact("C[M,N]", o[0], {2, 2}, {5, 7, 13, 15});
  o = runOp("Gemm", A().f("beta", 0.f), {a, b, F({1}, {NAN})});
  expectExact("beta 0 ignores C", o[0], {2, 2}, {4, 5, 10, 11});
  T at = F({3, 2}, {1, 4, 2, 5, 3, 6}), bt = F({2, 3}, {1, 0, 1, 0, 1, 1});
  o = runOp("Gemm", A().i("transA", 1).i("transB", 1), {at, bt});
  expectExact("transA transB", o[0], {2, 2}, {4, 5, 10, 11});
  o = runOp("Gemm", A().i("transB", 1), {a, bt});
  expectExact("transB", o[0], {2, 2}, {4, 5, 10, 11});
  // Random against MatMul reference.
  T ra = F({5, 7}, rndv(35)), rb = F({7, 4}, rndv(28));
  o = runOp("Gemm", A().f("alpha", 0.5f), {ra, rb});
  std::vector<double> want = refMatMul(ra, rb, {5, 4});
  for (auto& w : want) w *= 0.5;
  expectValues("random", o[0], {5, 4}, want, 1e-5, 1e-5);
  expectShapeEq("-1 M", infer("Gemm", A().i("transB", 1), {ti(DType::kFLOAT, {-1, 8}), ti(DType::kFLOAT, {4, 8}), ti(DType::kFLOAT, {4})})[0].shape, {-1, 4});
  expectThrow("inner", [] { infer("Gemm", A(), {ti(DType::kFLOAT, {2, 3}), ti(DType::kFLOAT, {4, 2})}); }, "Gemm: inner dimensions 3 and 4 differ");
  expectThrow("C shape", [] { infer("Gemm", A(), {ti(DType::kFLOAT, {2, 3}), ti(DType::kFLOAT, {3, 4}), ti(DType::kFLOAT, {3})}); }, "Gemm: input C of shape [3] cannot be broadcast to the output shape [2,4]");
  expectThrow("rank", [] { infer("Gemm", A(), {ti(DType::kFLOAT, {2, 3, 1}), ti(DType::kFLOAT, {3, 4})}); }, "Gemm: input A must have rank 2");
  o = runOp("Gemm", A().i("transA", 2).i("transB", -1), {at, bt});
  expectExact("transA 2, transB -1: any non-zero transposes", o[0], {2, 2}, {4, 5, 10, 11});
  expectThrow("int Gemm", [] { infer("Gemm", A(), {ti(DType::kINT32, {2, 3}), ti(DType::kINT32, {3, 4})}); }, "Gemm: input A has unsupported type int32");
}

// ---------------------------------------------------------------------------------------------------------------
// Gather, reductions, LayerNormalization

static void testGather() {
  g_test = "Gather";
  T data = F({3, 2}, {1, 2, 3, 4, 5, 6});
  auto o = runOp("Gather", A(), {data, I64({2, 2}, {0, 1, -1, 0})});
  expectExact("axis 0 2-D indices", o[0], {2, 2, 2}, {1, 2, 3, 4, 5, 6, 1, 2});
  o = runOp("Gather", A().i("axis", 1), {data, I32({1}, {-1})});
  expectExact("axis 1 int32 index", o[0], {3, 1}, {2, 4, 6});
  o = runOp("Gather", A().i("axis", -1), {data, I64({}, {0})});
  expectExact("scalar index removes the axis", o[0], {3}, {1, 3, 5});
  o = runOp("Gather", A(), {B({3}, {1, 0, 1}), I64({2}, {1, 2})});
  expectExact("bool data", o[0], {2}, {0, 1});
  o = runOp("Gather", A(), {H({3}, {1.5f, 2.5f, 3.5f}), I64({1}, {2})});
  expectExact("half data", o[0], {1}, {3.5});
  // Shape-subgraph style: constant int64 data and indices fold at build time.
  auto folded = infer("Gather", A(), {infoOf(I64({3}, {8, 16, 32}).c()), infoOf(I64({}, {1}).c())});
  CHECK(folded[0].constData && folded[0].constData->size() == 8, "Gather folds constants");
  if (folded[0].constData) {
    int64_t v;
    std::memcpy(&v, folded[0].constData->data(), 8);
    CHECK(v == 16, "Gather folded value");
  }
  // Random 3-D against reference.
  T d = I64({2, 3, 4}, [] { std::vector<int64_t> v(24); for (int i = 0; i < 24; ++i) v[i] = i * 7; return v; }());
  o = runOp("Gather", A().i("axis", 1), {d, I64({2}, {2, -3})});
  std::vector<double> want;
  for (int i = 0; i < 2; ++i)
    for (int idx : {2, 0})
      for (int k = 0; k < 4; ++k) want.push_back(((i * 3 + idx) * 4 + k) * 7);
  expectExact("int64 3-D axis 1", o[0], {2, 2, 4}, want);
  expectShapeEq("-1 data", infer("Gather", A(), {ti(DType::kFLOAT, {-1, 8}), ti(DType::kINT64, {-1, 5})})[0].shape, {-1, 5, 8});
  expectThrow("index out of range (run)", [] { runOp("Gather", A(), {F({3}, {1, 2, 3}), I64({1}, {3})}); }, "Gather: index 3 is out of range [-3, 2]");
  expectThrow("index out of range (build)", [] { infer("Gather", A(), {ti(DType::kFLOAT, {3}), infoOf(I64({1}, {-4}).c())}); }, "Gather: index -4 is out of range");
  expectThrow("axis", [] { infer("Gather", A().i("axis", 2), {ti(DType::kFLOAT, {3, 2}), ti(DType::kINT64, {1})}); }, "Gather: axis 2 is out of range [-2, 1]");
  expectThrow("float indices", [] { infer("Gather", A(), {ti(DType::kFLOAT, {3}), ti(DType::kFLOAT, {1})}); }, "Gather: indices has unsupported type float32");
  expectThrow("scalar data", [] { infer("Gather", A(), {ti(DType::kFLOAT, {}), ti(DType::kINT64, {1})}); }, "Gather: data must have rank >= 1");
}

static std::vector<double> refReduce(T const& x, std::vector<bool> const& red, char kind, Shape* outShape, bool keep) {
  Shape s = x.shape;
  Shape os;
  for (size_t i = 0; i < s.size(); ++i)
    if (!red[i]) os.push_back(s[i]);
    else if (keep) os.push_back(1);
  *outShape = os;
  Shape kept;
  for (size_t i = 0; i < s.size(); ++i) kept.push_back(red[i] ? 1 : s[i]);
  int64_t on = shapeVolume(kept);
  std::vector<double> acc(static_cast<size_t>(on), kind == 'x' ? -INFINITY : 0.0);
  std::vector<int64_t> cnt(static_cast<size_t>(on), 0);
  for (int64_t i = 0; i < x.n(); ++i) {
    int64_t f = i, oi = 0, mul = 1;
    for (size_t d = s.size(); d-- > 0;) {
      int64_t idx = f % s[d];
      f /= s[d];
      if (!red[d]) {
        oi += idx * mul;
        mul *= s[d];
      }
    }
    double v = x.get(i);
    if (kind == 'x') acc[static_cast<size_t>(oi)] = std::max(acc[static_cast<size_t>(oi)], v);
    else acc[static_cast<size_t>(oi)] += v;
    cnt[static_cast<size_t>(oi)]++;
  }
  if (kind == 'm')
    for (size_t i = 0; i < acc.size(); ++i) acc[i] /= static_cast<double>(cnt[i]);
  return acc;
}

static void testReduce() {
  g_test = "Reduce";
  T x = F({2, 3}, {1, 2, 3, 4, 5, 6});
  // Attribute form (ReduceMean/ReduceMax before opset 18, ReduceSum before 13).
  auto o = runOp("ReduceMean", A().ints("axes", {1}), {x}, 13);
  expectExact("Mean axes=[1] keepdims", o[0], {2, 1}, {2, 5});
  o = runOp("ReduceMax", A().ints("axes", {0}).i("keepdims", 0), {x}, 13);
  expectExact("Max axes=[0]", o[0], {3}, {4, 5, 6});
  o = runOp("ReduceSum", A().ints("axes", {-1}).i("keepdims", 0), {x}, 11);
  expectExact("Sum attr opset 11", o[0], {2}, {6, 15});
  o = runOp("ReduceMean", A(), {x}, 13);
  expectExact("Mean all keepdims", o[0], {1, 1}, {3.5});
  // Sums keep the sign of zero (IEEE: -0 + -0 = -0), as onnxruntime does; an empty sum is +0.
  o = runOp("ReduceSum", A().ints("axes", {1}).i("keepdims", 0), {F({2, 2}, {-0.f, -0.f, 1, -0.f})}, 11);
  expectExact("Sum of -0s", o[0], {2}, {0, 1});
  CHECK(std::signbit(o[0].get(0)) && !std::signbit(o[0].get(1)), "a sum of -0s is -0, -0 + 1 is +1");
  o = runOp("ReduceMean", A().ints("axes", {1}), {F({2, 1}, {-0.f, 2})}, 13);
  CHECK(std::signbit(o[0].get(0)) && o[0].get(1) == 2, "a mean over one -0 is -0");
  o = runOp("ReduceSum", A().ints("axes", {1}).i("keepdims", 0), {F({2, 0}, {})}, 11);
  expectExact("Sum over an empty axis", o[0], {2}, {0, 0});
  CHECK(!std::signbit(o[0].get(0)), "an empty sum is +0");
  // Input form (opset 18 / ReduceSum 13).
  o = runOp("ReduceMean", A(), {x, I64({1}, {-1}).c()}, 18);
  expectExact("Mean axes input", o[0], {2, 1}, {2, 5});
  o = runOp("ReduceSum", A().i("keepdims", 0), {x, I64({1}, {0}).c()}, 13);
  expectExact("Sum axes input opset 13", o[0], {3}, {5, 7, 9});
  o = runOp("ReduceSum", A().i("keepdims", 0), {x}, 13);
  expectExact("Sum no axes = all", o[0], {}, {21});
  o = runOp("ReduceSum", A().i("keepdims", 0), {x, I64({0}, {}).c()}, 13);
  expectExact("Sum empty axes = all", o[0], {}, {21});
  o = runOp("ReduceSum", A().i("noop_with_empty_axes", 1), {x}, 13);
  expectExact("noop_with_empty_axes (omitted)", o[0], {2, 3}, {1, 2, 3, 4, 5, 6});
  o = runOp("ReduceMax", A().i("noop_with_empty_axes", 1), {x, I64({0}, {}).c()}, 18);
  expectExact("noop_with_empty_axes (empty)", o[0], {2, 3}, {1, 2, 3, 4, 5, 6});
  // NaN handling follows onnxruntime: a NaN first in its group propagates, later NaNs are skipped.
  o = runOp("ReduceMax", A(), {F({2, 3}, {1, NAN, 2, NAN, 5, 4}), I64({1}, {1}).c()}, 18);
  CHECK(o[0].get(0) == 2 && std::isnan(o[0].get(1)), "ReduceMax NaN along the inner axis");
  o = runOp("ReduceMax", A().i("keepdims", 0), {F({2, 2}, {NAN, 1, 2, NAN}), I64({1}, {0}).c()}, 18);
  CHECK(std::isnan(o[0].get(0)) && o[0].get(1) == 1, "ReduceMax NaN along the outer axis");
  o = runOp("ReduceMean", A(), {F({2, 0}, {}), I64({1}, {1}).c()}, 18);
  expectExact("Mean over empty = 0", o[0], {2, 1}, {0, 0});
  o = runOp("ReduceMax", A().i("keepdims", 0), {I32({2, 2}, {-5, -7, 3, -1})}, 18);
  expectExact("Max int32 all", o[0], {}, {3});
  o = runOp("ReduceMax", A().i("keepdims", 0), {I8({2, 2}, {-5, -7, -3, -100}), I64({1}, {1}).c()}, 18);
  expectExact("Max int8", o[0], {2}, {-5, -3});
  o = runOp("ReduceMax", A().ints("axes", {0}), {U8({3}, {7, 250, 3})}, 13);
  expectExact("Max uint8", o[0], {1}, {250});
  o = runOp("ReduceSum", A().i("keepdims", 0), {I32({2}, {2147483647, 1})}, 13);
  expectExact("Sum int32 wraps", o[0], {}, {-2147483648.0});
  o = runOp("ReduceSum", A().i("keepdims", 0), {I64({2, 2}, {1, 2, 3, 4}), I64({1}, {1}).c()}, 13);
  expectExact("Sum int64", o[0], {2}, {3, 7});
  o = runOp("ReduceMean", A().i("keepdims", 0), {I32({3}, {1, 2, 4}), I64({1}, {0}).c()}, 18);
  expectExact("Mean int32 truncates", o[0], {}, {2});
  o = runOp("ReduceMean", A().i("keepdims", 0), {H({4}, {1.f, 2.f, 3.f, 4.f}), I64({1}, {0}).c()}, 18);
  expectType("Mean half type", o[0], DType::kHALF);
  expectExact("Mean half", o[0], {}, {2.5});
  o = runOp("ReduceSum", A(), {F({2, 0}, {}), I64({1}, {1}).c()}, 13);
  expectExact("Sum over empty", o[0], {2, 1}, {0, 0});
  o = runOp("ReduceMax", A().i("keepdims", 0), {F({2, 0}, {}), I64({1}, {1}).c()}, 18);
  expectExact("Max over empty = -inf", o[0], {2}, {-INFINITY, -INFINITY});
  // Random 4-D, all axis subsets, against the naive reference.
  T r = F({2, 3, 4, 5}, rndv(120, -3, 3));
  for (int mask = 1; mask < 16; ++mask) {
    std::vector<int64_t> axes;
    std::vector<bool> red(4);
    for (int d = 0; d < 4; ++d)
      if (mask & (1 << d)) {
        axes.push_back((d % 2) ? d - 4 : d);
        red[static_cast<size_t>(d)] = true;
      }
    for (char kind : {'m', 's', 'x'}) {
      char const* name = kind == 'm' ? "ReduceMean" : kind == 's' ? "ReduceSum" : "ReduceMax";
      for (int keep = 0; keep < 2; ++keep) {
        Shape os;
        std::vector<double> want = refReduce(r, red, kind, &os, keep);
        o = runOp(name, A().i("keepdims", keep), {r, I64({static_cast<int64_t>(axes.size())}, axes).c()}, 18);
        expectValues(std::string(name) + " mask " + std::to_string(mask) + " keep " + std::to_string(keep), o[0], os, want, 1e-5, 1e-6);
      }
    }
  }
  expectShapeEq("-1 kept", infer("ReduceMean", A(), {ti(DType::kFLOAT, {-1, 7, 8}), infoOf(I64({1}, {-1}).c())}, 18)[0].shape, {-1, 7, 1});
  expectShapeEq("-1 reduced", infer("ReduceSum", A().i("keepdims", 0), {ti(DType::kFLOAT, {-1, 7}), infoOf(I64({1}, {0}).c())}, 13)[0].shape, {7});
  expectThrow("axes not constant", [] { infer("ReduceMean", A(), {ti(DType::kFLOAT, {2, 3}), ti(DType::kINT64, {1})}, 18); }, "ReduceMean: the axes input must be a constant");
  expectThrow("axes attr at opset 18", [] { createOp("ReduceMean", A().ints("axes", {1}).a, 18); }, "ReduceMean: attribute 'axes' (value [1]) is not valid from opset 18");
  expectThrow("axes attr at opset 13 ReduceSum", [] { createOp("ReduceSum", A().ints("axes", {1}).a, 13); }, "ReduceSum: attribute 'axes'");
  expectThrow("axes input before 18", [] { infer("ReduceMax", A(), {ti(DType::kFLOAT, {2, 3}), infoOf(I64({1}, {0}).c())}, 17); }, "ReduceMax: expects 1 inputs, got 2");
  expectThrow("noop before 18", [] { createOp("ReduceMean", A().i("noop_with_empty_axes", 1).a, 17); }, "ReduceMean: unsupported attribute 'noop_with_empty_axes'");
  expectThrow("bad axis", [] { infer("ReduceSum", A(), {ti(DType::kFLOAT, {2, 3}), infoOf(I64({1}, {2}).c())}, 13); }, "ReduceSum: axis 2 is out of range [-2, 1]");
  expectShapeEq("duplicate axis reduced once", infer("ReduceSum", A(), {ti(DType::kFLOAT, {2, 3}), infoOf(I64({2}, {1, -1}).c())}, 13)[0].shape, {2, 1});
  expectThrow("keepdims 2", [] { createOp("ReduceSum", A().i("keepdims", 2).a, 13); }, "ReduceSum: unsupported value 2 for attribute 'keepdims'");
  expectThrow("bool", [] { infer("ReduceMax", A(), {ti(DType::kBOOL, {2})}, 18); }, "ReduceMax: input data has unsupported type bool");
}

static void testLayerNorm() {
  g_test = "LayerNormalization";
  auto ref = [](T const& x, int64_t axis, std::vector<double> const& scale, std::vector<double> const& bias,
                std::vector<double>* means, std::vector<double>* invs) {
    int64_t n = 1;
    for (size_t i = static_cast<size_t>(axis); i < x.shape.size(); ++i) n *= x.shape[i];
    std::vector<double> y;
    for (int64_t r = 0; r < x.n() / n; ++r) {
      double m = 0, v = 0;
      for (int64_t j = 0; j < n; ++j) m += x.get(r * n + j);
      m /= static_cast<double>(n);
      for (int64_t j = 0; j < n; ++j) v += (x.get(r * n + j) - m) * (x.get(r * n + j) - m);
      v /= static_cast<double>(n);
      double inv = 1 / std::sqrt(v + static_cast<double>(1e-5f));
      for (int64_t j = 0; j < n; ++j) y.push_back((x.get(r * n + j) - m) * inv * scale[static_cast<size_t>(j)] + (bias.empty() ? 0 : bias[static_cast<size_t>(j)]));
      if (means) means->push_back(m);
      if (invs) invs->push_back(inv);
    }
    return y;
  };
  T x = F({2, 3}, {1, 2, 3, -1, 0, 4});
  auto o = runOp("LayerNormalization", A(), {x, F({3}, {1, 1, 1}), F({3}, {0, 0, 0})});
  double inv0 = 1 / std::sqrt(2.0 / 3 + static_cast<double>(1e-5f));   // row [1,2,3]: mean 2, var 2/3
  double inv1 = 1 / std::sqrt(14.0 / 3 + static_cast<double>(1e-5f));  // row [-1,0,4]: mean 1, var 14/3
  expectValues("hand", o[0], {2, 3}, {-inv0, 0, inv0, -2 * inv1, -inv1, 3 * inv1});
  o = runOp("LayerNormalization", A(), {x, F({3}, {2, 1, 0.5f}), F({3}, {1, 0, -1})});
  expectValues("hand scale/bias", o[0], {2, 3}, {-2 * inv0 + 1, 0, 0.5 * inv0 - 1, -4 * inv1 + 1, -inv1, 1.5 * inv1 - 1});
  T rx = F({2, 3, 8}, rndv(48, -3, 3));
  std::vector<float> sc = rndv(24), bi = rndv(24);
  std::vector<double> scd(sc.begin(), sc.end()), bid(bi.begin(), bi.end()), means, invs;
  o = runOp("LayerNormalization", A().i("axis", 1), {rx, F({3, 8}, sc), F({3, 8}, bi)}, 17, 3);
  std::vector<double> want = ref(rx, 1, scd, bid, &means, &invs);
  expectValues("axis 1 with bias", o[0], {2, 3, 8}, want, 1e-5, 1e-5);
  expectType("Mean type", o[1], DType::kFLOAT);
  expectValues("Mean output", o[1], {2, 1, 1}, means);
  expectValues("InvStdDev output", o[2], {2, 1, 1}, invs);
  std::vector<float> sc8 = rndv(8);
  std::vector<double> sc8d(sc8.begin(), sc8.end());
  o = runOp("LayerNormalization", A().f("epsilon", 1e-5f), {rx, F({8}, sc8)});
  expectValues("axis -1 no bias", o[0], {2, 3, 8}, ref(rx, 2, sc8d, {}, nullptr, nullptr), 1e-5, 1e-5);
  o = runOp("LayerNormalization", A().i("axis", 1), {rx, F({1, 8}, sc8)});  // Scale broadcast over the normalized shape
  std::vector<double> sc24;
  for (int i = 0; i < 3; ++i) sc24.insert(sc24.end(), sc8d.begin(), sc8d.end());
  expectValues("Scale [1,8] over [3,8]", o[0], {2, 3, 8}, ref(rx, 1, sc24, {}, nullptr, nullptr), 1e-5, 1e-5);
  T hx = H({1, 4}, {1.f, 2.f, 3.f, 4.f});
  o = runOp("LayerNormalization", A(), {hx, H({4}, {1, 1, 1, 1}), H({4}, {0, 0, 0, 0})}, 17, 3);
  expectType("half Y", o[0], DType::kHALF);
  expectType("half Mean is float32", o[1], DType::kFLOAT);
  std::vector<double> hw = ref(hx, 1, {1, 1, 1, 1}, {}, nullptr, nullptr);
  for (int j = 0; j < 4; ++j) CHECK(o[0].at<uint16_t>(j) == floatToHalf(static_cast<float>(hw[static_cast<size_t>(j)])), "half Y value");
  auto infos = infer("LayerNormalization", A(), {ti(DType::kFLOAT, {-1, -1, 16}), ti(DType::kFLOAT, {16}), ti(DType::kFLOAT, {16})});
  CHECK(infos.size() == 3, "3 output infos");
  expectShapeEq("-1 Y", infos[0].shape, {-1, -1, 16});
  expectShapeEq("-1 Mean", infos[1].shape, {-1, -1, 1});
  expectThrow("scale mismatch", [] { infer("LayerNormalization", A(), {ti(DType::kFLOAT, {2, 16}), ti(DType::kFLOAT, {8})}); }, "LayerNormalization: Scale of shape [8] does not broadcast to the input shape [2,16]");
  expectThrow("scale rank", [] { infer("LayerNormalization", A(), {ti(DType::kFLOAT, {2, 16}), ti(DType::kFLOAT, {1, 2, 16})}); }, "LayerNormalization: Scale of shape [1,2,16] has a higher rank than the input [2,16]");
  // Scale/B varying over the outer dims (numpy broadcasting to X, as onnxruntime accepts).
  T bx = F({2, 2, 4}, rndv(16, -2, 2));
  std::vector<float> bs = rndv(8), bb = rndv(8);
  o = runOp("LayerNormalization", A(), {bx, F({2, 1, 4}, bs), F({2, 1, 4}, bb)});
  std::vector<double> bw;
  for (int r = 0; r < 4; ++r) {
    T row = F({1, 4}, {bx.at<float>(r * 4), bx.at<float>(r * 4 + 1), bx.at<float>(r * 4 + 2), bx.at<float>(r * 4 + 3)});
    std::vector<double> s4(bs.begin() + (r / 2) * 4, bs.begin() + (r / 2) * 4 + 4), b4(bb.begin() + (r / 2) * 4, bb.begin() + (r / 2) * 4 + 4);
    for (double v : ref(row, 1, s4, b4, nullptr, nullptr)) bw.push_back(v);
  }
  expectValues("Scale/B [2,1,4] over X [2,2,4]", o[0], {2, 2, 4}, bw, 1e-5, 1e-5);
  // Large mean, small spread: Y uses the float-rounded mean like onnxruntime (values checked against it).
  o = runOp("LayerNormalization", A(), {F({1, 4}, {1000.f, 1000.25f, 1000.5f, 1000.75f}), F({4}, {1, 1, 1, 1})});
  expectValues("large mean", o[0], {1, 4}, {-1.3415, -0.44717, 0.44717, 1.3415}, 1e-4, 1e-4);
  // stash_type 16 (bfloat16): TensorRT computes the statistics in bfloat16, so they are rounded to it.
  o = runOp("LayerNormalization", A().i("stash_type", 16), {F({1, 4}, {1000.f, 1000.25f, 1000.5f, 1000.75f}), F({4}, {1, 1, 1, 1})});
  // mean 1000.375 -> 1000, 1/stddev 3.5775 -> 3.578125 (bfloat16 keeps 8 significant bits).
  expectValues("stash_type 16 rounds the statistics to bfloat16", o[0], {1, 4}, {0, 0.89453, 1.78906, 2.68359}, 1e-4, 1e-4);
  o = runOp("LayerNormalization", A().i("stash_type", 0), {F({1, 4}, {1000.f, 1000.25f, 1000.5f, 1000.75f}), F({4}, {1, 1, 1, 1})});
  expectValues("stash_type 0 (not a float type) keeps float32", o[0], {1, 4}, {-1.3415, -0.44717, 0.44717, 1.3415}, 1e-4, 1e-4);
  expectThrow("axis", [] { infer("LayerNormalization", A().i("axis", 3), {ti(DType::kFLOAT, {2, 16}), ti(DType::kFLOAT, {16})}); }, "LayerNormalization: axis 3 is out of range");
  expectThrow("int", [] { infer("LayerNormalization", A(), {ti(DType::kINT32, {2, 16}), ti(DType::kINT32, {16})}); }, "LayerNormalization: input X has unsupported type int32");
}

// ---------------------------------------------------------------------------------------------------------------
// Cast

static void testCast() {
  g_test = "Cast";
  T f = F({8}, {-2.7f, -0.5f, 0.f, -0.f, 0.5f, 2.7f, 127.9f, NAN});
  auto o = runOp("Cast", A().i("to", 7), {f});
  expectType("to int64", o[0], DType::kINT64);
  CHECK(o[0].at<int64_t>(0) == -2 && o[0].at<int64_t>(1) == 0 && o[0].at<int64_t>(5) == 2 && o[0].at<int64_t>(6) == 127,
        "float -> int64 truncates toward zero");
  o = runOp("Cast", A().i("to", 6), {F({3}, {-3.99f, 1e9f, 3.5f})});
  expectExact("float -> int32", o[0], {3}, {-3, 1000000000, 3});
  o = runOp("Cast", A().i("to", 9), {f});
  expectExact("float -> bool", o[0], {8}, {1, 1, 0, 0, 1, 1, 1, 1});
  o = runOp("Cast", A().i("to", 10), {F({3}, {0.1f, 65520.f, -1.f})});
  expectType("to float16", o[0], DType::kHALF);
  CHECK(o[0].at<uint16_t>(0) == 0x2E66 && o[0].at<uint16_t>(1) == 0x7C00 && o[0].at<uint16_t>(2) == 0xBC00, "float -> float16 RNE");
  o = runOp("Cast", A().i("to", 16), {F({2}, {1.f + std::ldexp(1.f, -8), 3.f})});
  CHECK(o[0].at<uint16_t>(0) == 0x3F80 && o[0].at<uint16_t>(1) == 0x4040, "float -> bfloat16 RNE");
  o = runOp("Cast", A().i("to", 1), {H({2}, {0.1f, -2.f})});
  expectExact("float16 -> float", o[0], {2}, {halfToFloat(0x2E66), -2});
  o = runOp("Cast", A().i("to", 16), {H({1}, {3.140625f})});
  CHECK(o[0].at<uint16_t>(0) == floatToBf16(3.140625f), "float16 -> bfloat16");
  o = runOp("Cast", A().i("to", 3), {H({2}, {-3.5f, 100.f})});
  expectExact("float16 -> int8", o[0], {2}, {-3, 100});
  o = runOp("Cast", A().i("to", 6), {I64({3}, {4294967297LL, -1, 2147483648LL})});
  expectExact("int64 -> int32 wraps", o[0], {3}, {1, -1, -2147483648.0});
  o = runOp("Cast", A().i("to", 2), {I32({3}, {-1, 256, 300})});
  expectExact("int32 -> uint8 wraps", o[0], {3}, {255, 0, 44});
  o = runOp("Cast", A().i("to", 7), {I8({2}, {-128, 5})});
  expectExact("int8 -> int64", o[0], {2}, {-128, 5});
  o = runOp("Cast", A().i("to", 6), {U8({2}, {255, 0})});
  expectExact("uint8 -> int32", o[0], {2}, {255, 0});
  o = runOp("Cast", A().i("to", 1), {B({2}, {1, 0})});
  expectExact("bool -> float", o[0], {2}, {1, 0});
  o = runOp("Cast", A().i("to", 7), {B({2}, {1, 0})});
  expectExact("bool -> int64", o[0], {2}, {1, 0});
  o = runOp("Cast", A().i("to", 9), {I32({3}, {0, -5, 2})});
  expectExact("int32 -> bool", o[0], {3}, {0, 1, 1});
  o = runOp("Cast", A().i("to", 1), {I64({2}, {16777217, -3})});
  expectExact("int64 -> float rounds to nearest", o[0], {2}, {16777216, -3});
  o = runOp("Cast", A().i("to", 10), {I32({2}, {2049, 70000})});
  CHECK(o[0].at<uint16_t>(0) == floatToHalf(2048.f) && o[0].at<uint16_t>(1) == 0x7C00, "int32 -> float16");
  o = runOp("Cast", A().i("to", 1), {F({2}, {1.5f, -2.f})});
  expectExact("same type copy", o[0], {2}, {1.5, -2});
  // Every (from, to) pair runs and round trips of small integers are exact.
  int codes[] = {1, 2, 3, 6, 7, 9, 10, 16};
  DType types[] = {DType::kFLOAT, DType::kUINT8, DType::kINT8, DType::kINT32, DType::kINT64, DType::kBOOL, DType::kHALF, DType::kBF16};
  for (int fi = 0; fi < 8; ++fi) {
    T src = runOp("Cast", A().i("to", codes[fi]), {F({4}, {0, 1, 2, 100})})[0];
    for (int ti2 = 0; ti2 < 8; ++ti2) {
      o = runOp("Cast", A().i("to", codes[ti2]), {src});
      expectType("pair type", o[0], types[ti2]);
      bool toBool = types[ti2] == DType::kBOOL, fromBool = types[fi] == DType::kBOOL;
      std::vector<double> want = {0, 1, fromBool || toBool ? 1.0 : 2.0, fromBool || toBool ? 1.0 : 100.0};
      expectExact(std::string("pair ") + dtypeName(types[fi]) + " -> " + dtypeName(types[ti2]), o[0], {4}, want);
    }
  }
  auto folded = infer("Cast", A().i("to", 7), {infoOf(I32({2}, {3, -4}).c())});
  CHECK(folded[0].constData && folded[0].constData->size() == 16, "Cast folds constants");
  expectThrow("to double", [] { createOp("Cast", A().i("to", 11).a, 17); }, "Cast: unsupported value 11 (double) for attribute 'to'");
  expectThrow("to float8", [] { createOp("Cast", A().i("to", 17).a, 19); }, "Cast: unsupported value 17 (float8e4m3fn)");
  expectThrow("missing to", [] { createOp("Cast", Attributes{}, 17); }, "Cast: missing required attribute 'to'");
  expectThrow("fp8 input", [] { infer("Cast", A().i("to", 1), {ti(DType::kFP8, {2})}); }, "Cast: input has unsupported type fp8");
  expectShapeEq("-1", infer("Cast", A().i("to", 1), {ti(DType::kINT64, {-1, 2})})[0].shape, {-1, 2});
}

// ---------------------------------------------------------------------------------------------------------------
// Shape ops

// Slice and Clip compute what onnxruntime does (test/operators.test.ts); here, what it cannot show: inference with
// dynamic extents, omitted optional inputs, and the errors.
static void testSliceClip() {
  g_test = "Slice/Clip";
  auto i64c = [](std::vector<int64_t> v) { return infoOf(I64({static_cast<int64_t>(v.size())}, v).c()); };
  auto sliced = infer("Slice", A(), {ti(DType::kFLOAT, {-1, 6}), i64c({0, 1}), i64c({1, 100})});
  expectShapeEq("a dynamic extent stays unknown, a known one is sliced", sliced[0].shape, {-1, 5});
  auto noAxes = infer("Slice", A(), {ti(DType::kFLOAT, {4, 6}), i64c({1}), i64c({3}), omittedInfo(), i64c({1})});
  expectShapeEq("omitted axes: the first axes", noAxes[0].shape, {2, 6});
  expectShapeEq("backwards past the end is empty, as TensorRT clamps it",
                infer("Slice", A(), {ti(DType::kFLOAT, {5}), i64c({2}), i64c({INT32_MAX}), i64c({0}), i64c({-1})})[0].shape, {0});
  expectThrow("step 0", [&] { infer("Slice", A(), {ti(DType::kFLOAT, {5}), i64c({0}), i64c({5}), i64c({0}), i64c({0})}); }, "Slice: steps must not be 0");
  // Computed ranges leave the extent unknown whatever they come from; the build's profile check (shapes.cc) refuses
  // those that stay unknown with every input extent known, i.e. ranges computed from data.
  expectShapeEq("starts computed, of a static input (from another input's extents, or data)",
                infer("Slice", A(), {ti(DType::kFLOAT, {5}), ti(DType::kINT64, {1}), ti(DType::kINT64, {1})})[0].shape, {-1});
  expectShapeEq("ends computed from a dynamic input's extents: that extent is known at run time",
                infer("Slice", A(), {ti(DType::kFLOAT, {-1, 6}), i64c({1}), ti(DType::kINT64, {1}), i64c({0})})[0].shape, {-1, 6});
  expectShapeEq("... on the axes given", infer("Slice", A(), {ti(DType::kFLOAT, {-1, 6}), i64c({1}), ti(DType::kINT64, {1}), i64c({-1})})[0].shape, {-1, -1});
  expectThrow("axes computed", [] { infer("Slice", A(), {ti(DType::kFLOAT, {-1, 6}), ti(DType::kINT64, {1}), ti(DType::kINT64, {1}), ti(DType::kINT64, {1})}); },
              "Slice: the axes input must be a constant");
  expectShapeEq("Expand to a computed shape keeps its rank", infer("Expand", A(), {ti(DType::kFLOAT, {-1, 1}), ti(DType::kINT64, {3})})[0].shape, {-1, -1, -1});
  expectShapeEq("Expand of a static input to a computed shape", infer("Expand", A(), {ti(DType::kFLOAT, {2, 1}), ti(DType::kINT64, {2})})[0].shape, {-1, -1});
  expectThrow("Expand to a shape of unknown length", [] { infer("Expand", A(), {ti(DType::kFLOAT, {2, 1}), ti(DType::kINT64, {-1})}); },
              "Expand: the shape input must have a known length");
  expectThrow("Expand mismatch", [&] { infer("Expand", A(), {ti(DType::kFLOAT, {3, 2}), i64c({4, 2})}); }, "Expand: cannot broadcast");
  expectThrow("repeated axis", [&] { infer("Slice", A(), {ti(DType::kFLOAT, {5, 5}), i64c({0, 1}), i64c({2, 3}), i64c({1, -1})}); },
              "Slice: axis -1 is listed more than once");
  expectThrow("opset 9 needs starts", [] { createOp("Slice", A().ints("ends", {1}).a, 9); }, "starts and ends attributes are required");
  auto clipped = infer("Clip", A(), {ti(DType::kINT32, {3}), omittedInfo(), infoOf(I32({}, {4}).c())});
  CHECK(clipped[0].type == DType::kINT32 && clipped[0].shape == Shape({3}), "Clip of int32 with only a max");
  auto halves = infer("Split", A().i("axis", 1), {ti(DType::kFLOAT, {-1, 6})}, 13);
  CHECK(halves.size() == 1 && halves[0].shape == Shape({-1, 6}), "Split with one output: the input's shape");
  auto split = createOp("Split", A().i("axis", 0).a, 13, 2)->inferOutputs({ti(DType::kFLOAT, {-1, 4})});
  CHECK(split.size() == 2 && split[0].shape == Shape({-1, 4}) && split[1].shape == Shape({-1, 4}), "Split of a dynamic axis: unknown pieces");
  expectThrow("Split uneven before 18", [] { createOp("Split", A().i("axis", 0).a, 13, 2)->inferOutputs({ti(DType::kFLOAT, {5})}); },
              "Split: the axis extent 5 does not split into 2 equal pieces");
  expectThrow("Split sizes sum", [&] { createOp("Split", Attributes{}, 13, 2)->inferOutputs({ti(DType::kFLOAT, {5}), i64c({2, 2})}); },
              "Split: split sizes [2,2] add up to 4, the axis has 5");
  expectThrow("Split at 18 without sizes", [] { createOp("Split", Attributes{}, 18, 2)->inferOutputs({ti(DType::kFLOAT, {4})}); },
              "Split: from opset 18, the split input or the num_outputs attribute must be given");
  expectThrow("Split num_outputs", [] { createOp("Split", A().i("num_outputs", 3).a, 18, 2); }, "Split: num_outputs is 3 but the node has 2 outputs");
  auto i64s = [](int64_t v) { return infoOf(I64({}, {v}).c()); };
  CHECK(infer("Range", A(), {i64s(2), i64s(11), i64s(3)})[0].shape == Shape({3}), "Range 2, 5, 8");
  CHECK(infer("Range", A(), {i64s(2), ti(DType::kINT64, {}), i64s(3)})[0].shape == Shape({-1}), "Range with a computed limit: -1 until run time");
  expectThrow("Range delta 0", [&] { infer("Range", A(), {i64s(0), i64s(4), i64s(0)}); }, "Range: delta must not be 0");
  expectThrow("Range types", [&] { infer("Range", A(), {i64s(0), ti(DType::kINT32, {}), i64s(1)}); }, "Range: start and limit");
  expectThrow("Clip bound type", [] { infer("Clip", A(), {ti(DType::kFLOAT, {3}), ti(DType::kINT64, {})}); }, "Clip: input and min");
  expectThrow("Clip bound shape", [] { infer("Clip", A(), {ti(DType::kFLOAT, {3}), ti(DType::kFLOAT, {2})}); }, "Clip: min must be a scalar");
  expectThrow("Clip int before opset 12", [] { infer("Clip", A(), {ti(DType::kINT32, {3})}, 11); }, "Clip: input has unsupported type int32");
}

static void testReshape() {
  g_test = "Reshape";
  T x = F({2, 3, 4}, rndv(24));
  auto o = runOp("Reshape", A(), {x, I64({2}, {0, -1}).c()});
  CHECK(o[0].shape == Shape({2, 12}) && o[0].bytes == x.bytes, "0 copies, -1 infers");
  o = runOp("Reshape", A(), {x, I64({3}, {4, 0, 2}).c()});
  CHECK(o[0].shape == Shape({4, 3, 2}), "0 copies the input extent at its position");
  o = runOp("Reshape", A().i("allowzero", 1), {F({0, 3}, {}), I64({2}, {3, 0}).c()});
  CHECK(o[0].shape == Shape({3, 0}), "allowzero keeps 0");
  o = runOp("Reshape", A(), {x, I64({1}, {-1}).c()});
  CHECK(o[0].shape == Shape({24}), "flatten with -1");
  auto sh = [](Shape in, std::vector<int64_t> spec, int az = 0) {
    return infer("Reshape", A().i("allowzero", az), {ti(DType::kFLOAT, in), infoOf(I64({static_cast<int64_t>(spec.size())}, spec).c())})[0].shape;
  };
  expectShapeEq("[-1,12,64] [0,0,4,16]", sh({-1, 12, 64}, {0, 0, 4, 16}), {-1, 12, 4, 16});
  expectShapeEq("[-1,12,64] [0,-1]", sh({-1, 12, 64}, {0, -1}), {-1, 768});
  expectShapeEq("[-1,12,64] [0,12,-1]", sh({-1, 12, 64}, {0, 12, -1}), {-1, 12, 64});
  expectShapeEq("[-1,12,64] [-1,64]", sh({-1, 12, 64}, {-1, 64}), {-1, 64});
  expectShapeEq("[2,-1] [-1]", sh({2, -1}, {-1}), {-1});
  expectShapeEq("[2,-1,4] [0,0,2,2]", sh({2, -1, 4}, {0, 0, 2, 2}), {2, -1, 2, 2});
  expectShapeEq("[4,0] [-1,2]", sh({4, 0}, {-1, 2}), {0, 2});
  expectThrow("volume mismatch", [&] { sh({2, 3}, {4}); }, "Reshape: cannot reshape [2,3] (6 elements) to [4] (4 elements)");
  expectThrow("not divisible", [&] { sh({2, 3}, {4, -1}); }, "Reshape: cannot reshape [2,3] to [4,-1]");
  expectThrow("mismatch with unknown", [&] { sh({-1, 6}, {0, 4}); }, "Reshape: cannot reshape [-1,6]");
  expectThrow("two -1", [&] { sh({2, 3}, {-1, -1}); }, "has more than one -1");
  expectThrow("0 beyond rank", [&] { sh({6}, {2, 0}); }, "shape[1] is 0");
  expectThrow("allowzero 0 and -1", [&] { sh({0, 3}, {0, -1}, 1); }, "allowzero=1 forbids");
  expectThrow("bad value", [&] { sh({6}, {-2, 3}); }, "invalid value -2");
  expectThrow("shape of unknown length", [] { infer("Reshape", A(), {ti(DType::kFLOAT, {2, 3}), ti(DType::kINT64, {-1})}); }, "Reshape: the shape input must have a known length, got shape [-1]");
  // A shape computed from a dynamic extent, or given by a shape input, is known at run time: at build time only the
  // rank is, whether the data's extents are known or not.
  auto dyn = infer("Reshape", A(), {ti(DType::kFLOAT, {-1, 3}), ti(DType::kINT64, {2})});
  CHECK(dyn[0].shape == Shape({-1, -1}) && !dyn[0].constData, "Reshape with a run-time shape keeps the rank");
  auto byValues = infer("Reshape", A(), {ti(DType::kFLOAT, {2, 3}), ti(DType::kINT64, {3})});
  CHECK(byValues[0].shape == Shape({-1, -1, -1}), "Reshape to a shape input's values keeps the rank");
  CHECK(createOp("Reshape", A().a, 17)->isShapeInput(1) && !createOp("Reshape", A().a, 17)->isShapeInput(0),
        "Reshape's shape is a shape input, its data is not");
  auto f = infer("Reshape", A(), {infoOf(I64({2, 2}, {1, 2, 3, 4}).c()), infoOf(I64({1}, {4}).c())});
  CHECK(f[0].constData && *f[0].constData == I64({4}, {1, 2, 3, 4}).bytes && f[0].shape == Shape({4}), "Reshape folds");
}

static void testTranspose() {
  g_test = "Transpose";
  auto o = runOp("Transpose", A(), {F({2, 3}, {1, 2, 3, 4, 5, 6})});
  expectExact("default reverses", o[0], {3, 2}, {1, 4, 2, 5, 3, 6});
  Shape s = {2, 3, 4, 5};
  std::vector<int64_t> perm = {2, 0, 3, 1};
  for (DType t : {DType::kFLOAT, DType::kINT64, DType::kHALF, DType::kBOOL}) {
    T x = F(s, rndv(120));
    if (t != DType::kFLOAT) x = runOp("Cast", A().i("to", t == DType::kINT64 ? 7 : t == DType::kHALF ? 10 : 9), {F(s, rndv(120, -50, 50))})[0];
    o = runOp("Transpose", A().ints("perm", perm), {x});
    Shape os = {4, 2, 5, 3};
    std::vector<double> want;
    for (int64_t a = 0; a < 4; ++a)
      for (int64_t b = 0; b < 2; ++b)
        for (int64_t c = 0; c < 5; ++c)
          for (int64_t d = 0; d < 3; ++d) {
            int64_t idx[4];
            idx[perm[0]] = a; idx[perm[1]] = b; idx[perm[2]] = c; idx[perm[3]] = d;
            want.push_back(x.get(((idx[0] * 3 + idx[1]) * 4 + idx[2]) * 5 + idx[3]));
          }
    expectExact(std::string("4-D perm ") + dtypeName(t), o[0], os, want);
  }
  o = runOp("Transpose", A().ints("perm", {0, 2, 1}), {F({1, 2, 1}, {7, 8})});
  expectExact("size-1 dims", o[0], {1, 1, 2}, {7, 8});
  expectShapeEq("-1", infer("Transpose", A().ints("perm", {1, 0, 2}), {ti(DType::kFLOAT, {-1, 4, 8})})[0].shape, {4, -1, 8});
  expectThrow("bad perm", [] { infer("Transpose", A().ints("perm", {0, 0}), {ti(DType::kFLOAT, {2, 3})}); }, "Transpose: perm [0,0] is not a permutation");
  expectThrow("perm rank", [] { infer("Transpose", A().ints("perm", {1, 0}), {ti(DType::kFLOAT, {2, 3, 4})}); }, "Transpose: perm [1,0] has 2 entries but the input has rank 3");
}

static void testSqueezeUnsqueeze() {
  g_test = "Squeeze/Unsqueeze";
  T x = F({3, 2}, {1, 2, 3, 4, 5, 6});
  auto o = runOp("Unsqueeze", A(), {x, I64({2}, {0, -1}).c()}, 13);
  CHECK(o[0].shape == Shape({1, 3, 2, 1}) && o[0].bytes == x.bytes, "Unsqueeze opset 13");
  o = runOp("Unsqueeze", A().ints("axes", {1}), {x}, 11);
  CHECK(o[0].shape == Shape({3, 1, 2}), "Unsqueeze opset 11 attribute");
  o = runOp("Unsqueeze", A(), {I64({}, {5}), I64({1}, {0}).c()}, 13);
  CHECK(o[0].shape == Shape({1}), "Unsqueeze scalar");
  o = runOp("Squeeze", A(), {F({1, 3, 1, 2}, {1, 2, 3, 4, 5, 6}), I64({1}, {-2}).c()}, 13);
  CHECK(o[0].shape == Shape({1, 3, 2}), "Squeeze axes input");
  o = runOp("Squeeze", A(), {F({1, 3, 1, 2}, {1, 2, 3, 4, 5, 6})}, 13);
  CHECK(o[0].shape == Shape({3, 2}), "Squeeze all 1s");
  o = runOp("Squeeze", A(), {F({1, 3, 1, 2}, {1, 2, 3, 4, 5, 6}), I64({0}, {}).c()}, 13);
  CHECK(o[0].shape == Shape({3, 2}), "Squeeze empty axes input = all 1s");
  o = runOp("Squeeze", A().ints("axes", {0}), {F({1, 3, 1, 2}, {1, 2, 3, 4, 5, 6})}, 11);
  CHECK(o[0].shape == Shape({3, 1, 2}), "Squeeze opset 11 attribute");
  expectShapeEq("Squeeze -1 with axes", infer("Squeeze", A(), {ti(DType::kFLOAT, {-1, 1, 8}), infoOf(I64({1}, {1}).c())}, 13)[0].shape, {-1, 8});
  expectShapeEq("Unsqueeze -1", infer("Unsqueeze", A(), {ti(DType::kFLOAT, {-1, 8}), infoOf(I64({1}, {1}).c())}, 13)[0].shape, {-1, 1, 8});
  expectThrow("squeeze non-1", [] { infer("Squeeze", A(), {ti(DType::kFLOAT, {2, 3}), infoOf(I64({1}, {0}).c())}, 13); }, "Squeeze: cannot squeeze axis 0 of [2,3]: its extent is 2, not 1");
  expectThrow("squeeze no axes unknown", [] { infer("Squeeze", A(), {ti(DType::kFLOAT, {-1, 3})}, 13); }, "give the axes explicitly");
  expectThrow("unsqueeze dup", [] { infer("Unsqueeze", A(), {ti(DType::kFLOAT, {2}), infoOf(I64({2}, {0, -3}).c())}, 13); }, "listed more than once");
  expectThrow("unsqueeze axis range", [] { infer("Unsqueeze", A(), {ti(DType::kFLOAT, {2}), infoOf(I64({1}, {2}).c())}, 13); }, "Unsqueeze: axis 2 is out of range [-2, 1]");
  expectThrow("unsqueeze non-const", [] { infer("Unsqueeze", A(), {ti(DType::kFLOAT, {2}), ti(DType::kINT64, {1})}, 13); }, "Unsqueeze: the axes input must be a constant");
  expectThrow("axes attr at 13", [] { createOp("Unsqueeze", A().ints("axes", {0}).a, 13); }, "Unsqueeze: attribute 'axes' (value [0]) is not valid from opset 13");
  auto f = infer("Unsqueeze", A(), {infoOf(I64({}, {7}).c()), infoOf(I64({1}, {0}).c())}, 13);
  CHECK(f[0].constData && f[0].shape == Shape({1}), "Unsqueeze folds");
}

static void testConcatFlatten() {
  g_test = "Concat/Flatten";
  auto o = runOp("Concat", A().i("axis", 0), {F({1, 2}, {1, 2}), F({2, 2}, {3, 4, 5, 6})});
  expectExact("axis 0", o[0], {3, 2}, {1, 2, 3, 4, 5, 6});
  o = runOp("Concat", A().i("axis", -1), {F({2, 1}, {1, 2}), F({2, 2}, {3, 4, 5, 6}), F({2, 0}, {})});
  expectExact("axis -1 with empty", o[0], {2, 3}, {1, 3, 4, 2, 5, 6});
  o = runOp("Concat", A().i("axis", 1), {I64({2, 1, 2}, {1, 2, 3, 4}), I64({2, 2, 2}, {5, 6, 7, 8, 9, 10, 11, 12})});
  expectExact("3-D axis 1", o[0], {2, 3, 2}, {1, 2, 5, 6, 7, 8, 3, 4, 9, 10, 11, 12});
  expectShapeEq("-1", infer("Concat", A().i("axis", 1), {ti(DType::kFLOAT, {-1, 3}), ti(DType::kFLOAT, {2, 4})})[0].shape, {2, 7});
  expectShapeEq("-1 axis", infer("Concat", A().i("axis", 1), {ti(DType::kFLOAT, {2, -1}), ti(DType::kFLOAT, {2, 4})})[0].shape, {2, -1});
  expectThrow("mismatch", [] { infer("Concat", A().i("axis", 0), {ti(DType::kFLOAT, {1, 3}), ti(DType::kFLOAT, {1, 4})}); }, "Concat: input 1 has shape [1,4], incompatible with [1,3]");
  expectThrow("rank", [] { infer("Concat", A().i("axis", 0), {ti(DType::kFLOAT, {1, 3}), ti(DType::kFLOAT, {3})}); }, "Concat: input 1 has shape [3], rank 1 differs");
  expectThrow("types", [] { infer("Concat", A().i("axis", 0), {ti(DType::kFLOAT, {1}), ti(DType::kINT64, {1})}); }, "Concat: input 1 has type int64");
  expectThrow("no axis", [] { createOp("Concat", Attributes{}, 13); }, "Concat: missing required attribute 'axis'");

  T x = F({2, 3, 4}, rndv(24));
  o = runOp("Flatten", A(), {x});
  CHECK(o[0].shape == Shape({2, 12}) && o[0].bytes == x.bytes, "Flatten default axis 1");
  o = runOp("Flatten", A().i("axis", 0), {x});
  CHECK(o[0].shape == Shape({1, 24}), "Flatten axis 0");
  o = runOp("Flatten", A().i("axis", 3), {x});
  CHECK(o[0].shape == Shape({24, 1}), "Flatten axis rank");
  o = runOp("Flatten", A().i("axis", -1), {x});
  CHECK(o[0].shape == Shape({6, 4}), "Flatten axis -1");
  expectShapeEq("Flatten -1", infer("Flatten", A().i("axis", 2), {ti(DType::kFLOAT, {-1, 3, 4})})[0].shape, {-1, 4});
  expectThrow("Flatten axis", [] { infer("Flatten", A().i("axis", 4), {ti(DType::kFLOAT, {2, 3, 4})}); }, "Flatten: axis 4 is out of range [-3, 3]");
}

static void testShapeAndFolding() {
  g_test = "Shape/folding";
  T x = F({2, 3, 4}, rndv(24));
  auto o = runOp("Shape", A(), {x});
  expectType("int64", o[0], DType::kINT64);
  expectExact("full", o[0], {3}, {2, 3, 4});
  o = runOp("Shape", A().i("start", 1), {x});
  expectExact("start 1", o[0], {2}, {3, 4});
  o = runOp("Shape", A().i("end", -1), {x});
  expectExact("end -1", o[0], {2}, {2, 3});
  o = runOp("Shape", A().i("start", -10).i("end", 10), {x});
  expectExact("clamped", o[0], {3}, {2, 3, 4});
  o = runOp("Shape", A().i("start", 2).i("end", 1), {x});
  expectExact("empty", o[0], {0}, {});
  auto si = infer("Shape", A(), {ti(DType::kFLOAT, {2, 3})});
  CHECK(si[0].constData && si[0].constData->size() == 16, "Shape is constant when the shape is known");
  si = infer("Shape", A(), {ti(DType::kFLOAT, {-1, 3, 4})});
  CHECK(!si[0].constData && si[0].shape == Shape({3}), "Shape with -1: not constant, shape [3]");
  si = infer("Shape", A().i("start", 1), {ti(DType::kFLOAT, {-1, 3, 4})});
  CHECK(si[0].constData != nullptr, "Shape of the known slice is constant");

  // Shape -> Gather -> Unsqueeze -> Concat -> Reshape resolves at build time.
  TensorInfo xi = ti(DType::kFLOAT, {2, 3, 4});
  auto s1 = infer("Shape", A(), {xi})[0];
  auto g = infer("Gather", A(), {s1, infoOf(I64({}, {0}).c())})[0];
  CHECK(g.constData != nullptr, "Gather of Shape folds");
  auto u = infer("Unsqueeze", A(), {g, infoOf(I64({1}, {0}).c())}, 13)[0];
  CHECK(u.constData != nullptr && u.shape == Shape({1}), "Unsqueeze folds");
  auto m = infer("Mul", A(), {u, infoOf(I64({1}, {3}).c())})[0];
  CHECK(m.constData != nullptr, "int64 Mul folds");
  auto c = infer("Concat", A().i("axis", 0), {m, infoOf(I64({1}, {-1}).c())})[0];
  CHECK(c.constData != nullptr && c.shape == Shape({2}), "Concat folds");
  auto r = infer("Reshape", A(), {xi, c})[0];
  expectShapeEq("Reshape from folded shape", r.shape, {6, 4});
  // The same with a dynamic batch: Shape(start=1) stays known.
  TensorInfo dx = ti(DType::kFLOAT, {-1, 3, 4});
  auto tail = infer("Shape", A().i("start", 1), {dx})[0];
  auto p = infer("ReduceSum", A().i("keepdims", 1), {tail, infoOf(I64({1}, {0}).c())}, 13)[0];
  CHECK(p.constData != nullptr, "ReduceSum folds");
  auto c2 = infer("Concat", A().i("axis", 0), {infoOf(I64({1}, {-1}).c()), p})[0];
  expectShapeEq("dynamic batch Reshape", infer("Reshape", A(), {dx, c2})[0].shape, {-1, 7});
  auto e = infer("Equal", A(), {infoOf(I64({2}, {1, 2}).c()), infoOf(I64({2}, {1, 3}).c())})[0];
  CHECK(e.constData && (*e.constData)[0] == 1 && (*e.constData)[1] == 0, "Equal folds");
  auto w = infer("Where", A(), {e, infoOf(I64({2}, {5, 6}).c()), infoOf(I64({}, {0}).c())})[0];
  CHECK(w.constData && w.constData->size() == 16, "Where folds");
  auto nf = infer("Add", A(), {ti(DType::kINT64, {2}), infoOf(I64({2}, {1, 2}).c())})[0];
  CHECK(!nf.constData, "no folding with a non-constant input");
  auto mm = infer("MatMul", A(), {infoOf(F({1, 1}, {2}).c()), infoOf(F({1, 1}, {3}).c())})[0];
  CHECK(!mm.constData, "MatMul is not folded");
  auto id = infer("Identity", A(), {infoOf(F({2}, {1, 2}).c())})[0];
  CHECK(id.constData != nullptr, "Identity passes constants");
  o = runOp("Identity", A(), {I32({2}, {7, 8})});
  expectExact("Identity", o[0], {2}, {7, 8});
  expectThrow("bad constData size", [] {
    TensorInfo bad = ti(DType::kINT64, {2});
    bad.constData = std::make_shared<std::vector<uint8_t>>(8);
    infer("Reshape", A(), {ti(DType::kFLOAT, {2}), bad});
  }, "holds 8 bytes, expected 16");
}

static void testNonZero() {
  g_test = "NonZero";
  auto op = createOp("NonZero", Attributes{}, 17);
  CHECK(op->dataDependent(), "NonZero is data-dependent");
  CHECK(!createOp("Relu", Attributes{}, 17)->dataDependent(), "Relu is not");
  expectShapeEq("build-time shape", infer("NonZero", A(), {ti(DType::kFLOAT, {-1, 3})})[0].shape, {2, -1});
  auto concrete = infer("NonZero", A(), {ti(DType::kFLOAT, {2, 3})})[0];
  expectShapeEq("the count stays unknown for concrete inputs", concrete.shape, {2, -1});
  CHECK(concrete.type == DType::kINT64, "int64 output");
  CHECK(!infer("NonZero", A(), {infoOf(F({2}, {1, 0}).c())})[0].constData, "never folded (its shape is data-dependent)");
  expectShapeEq("upper bound", op->upperBounds({ti(DType::kFLOAT, {2, 3})})[0], {2, 6});
  expectThrow("scalar", [] { infer("NonZero", A(), {ti(DType::kFLOAT, {})}); }, "NonZero: a scalar input is not supported");
  expectThrow("attribute", [] { createOp("NonZero", A().i("axis", 0).a, 17); }, "NonZero: unsupported attribute 'axis'");

  auto runDynamic = [&](T const& x, Shape* actual) {
    Shape bound = op->upperBounds({infoOf(x)})[0];
    std::vector<int64_t> out(static_cast<size_t>(shapeVolume(bound)), -7);
    HostTensor in{x.type, x.shape, const_cast<uint8_t*>(x.bytes.data())};
    *actual = op->computeDynamic({in}, {HostTensor{DType::kINT64, bound, out.data()}})[0];
    out.resize(static_cast<size_t>(shapeVolume(*actual)));
    return out;
  };
  Shape actual;
  // [[0, 1.5, 0], [-2, 0, NaN]]: coordinates (0,1), (1,0), (1,2) in row-major order; NaN counts as non-zero.
  auto out = runDynamic(F({2, 3}, {0, 1.5f, 0, -2, 0, NAN}), &actual);
  expectShapeEq("float: shape", actual, {2, 3});
  CHECK((out == std::vector<int64_t>{0, 1, 1, 1, 0, 2}), "float: rows of coordinates, densely for the actual count");
  out = runDynamic(B({4}, {0, 1, 1, 0}), &actual);
  expectShapeEq("bool: shape", actual, {1, 2});
  CHECK((out == std::vector<int64_t>{1, 2}), "bool");
  out = runDynamic(I64({2, 2}, {0, 0, 0, 0}), &actual);
  expectShapeEq("all zero: an empty [rank, 0]", actual, {2, 0});
  out = runDynamic(H({1, 2, 2}, {1, 0, 0, 1}), &actual);
  expectShapeEq("float16 rank 3", actual, {3, 2});
  CHECK((out == std::vector<int64_t>{0, 0, 0, 1, 0, 1}), "float16 rank 3 values");
  expectThrow("plain compute refused", [&] {
    std::vector<int64_t> y(4);
    op->compute({HostTensor{DType::kFLOAT, {2}, y.data()}}, {HostTensor{DType::kINT64, {1, 2}, y.data()}});
  }, "computeDynamic");
  expectThrow("wrong buffer", [&] {
    std::vector<int64_t> y(4);
    op->computeDynamic({HostTensor{DType::kFLOAT, {2}, y.data()}}, {HostTensor{DType::kINT64, {1, 1}, y.data()}});
  }, "upper bound");
  expectThrow("not data-dependent", [] { createOp("Relu", Attributes{}, 17)->upperBounds({ti(DType::kFLOAT, {2})}); },
              "do not depend on data");
}

static void testWindowOps() {
  g_test = "Conv/pooling/Pad/BatchNormalization/ArgMax";
  auto w = [](Shape s) { return infoOf(make(DType::kFLOAT, s, std::vector<float>(static_cast<size_t>(shapeVolume(s)), 1.f)).c()); };
  expectShapeEq("Conv: a dynamic height stays unknown, the width is computed",
                infer("Conv", A().ints("pads", {1, 1, 1, 1}).ints("strides", {2, 2}), {ti(DType::kFLOAT, {-1, 3, -1, 7}), w({4, 3, 3, 3})})[0].shape,
                {-1, 4, -1, 4});
  expectShapeEq("Conv SAME_UPPER: ceil(input / stride)", infer("Conv", A().s("auto_pad", "SAME_UPPER").ints("strides", {3}), {ti(DType::kFLOAT, {1, 1, 7}), w({1, 1, 4})})[0].shape, {1, 1, 3});
  expectShapeEq("MaxPool SAME_LOWER on a dynamic extent", infer("MaxPool", A().ints("kernel_shape", {2, 2}).s("auto_pad", "SAME_LOWER"), {ti(DType::kFLOAT, {1, 2, -1, 5})})[0].shape, {1, 2, -1, 5});
  // TensorRT's round-up mode keeps a last window that starts in the end padding (ONNX's later rule drops it): 4
  // elements, kernel 2, stride 2, one pad at the end: 3 windows, the last one wholly padding.
  auto ceil = A().ints("kernel_shape", {2}).ints("strides", {2}).ints("pads", {0, 1}).i("ceil_mode", 1);
  auto pooled = runOp("MaxPool", ceil, {F({1, 1, 4}, {1, 5, 2, 3})});
  expectShapeEq("ceil_mode, TensorRT's output extent", pooled[0].shape, {1, 1, 3});
  CHECK(pooled[0].get(0) == 5 && pooled[0].get(1) == 3 && pooled[0].get(2) == -INFINITY, "a window wholly in the padding gives -Infinity");
  expectShapeEq("ceil_mode is ignored before opset 10, as TensorRT's parser reads it from 10",
                infer("MaxPool", ceil, {ti(DType::kFLOAT, {1, 1, 4})}, 9)[0].shape, {1, 1, 2});
  auto maxNaN = runOp("MaxPool", A().ints("kernel_shape", {2}).ints("strides", {2}), {F({1, 1, 4}, {NAN, 2, NAN, NAN})});
  CHECK(maxNaN[0].get(0) == 2 && std::isnan(maxNaN[0].get(1)), "MaxPool skips NaN unless the window is all NaN");
  auto avg = runOp("AveragePool", A().ints("kernel_shape", {3}).ints("pads", {1, 1}).i("count_include_pad", 1), {F({1, 1, 2}, {3, 6})});
  CHECK(avg[0].get(0) == 3 && avg[0].get(1) == 3, "count_include_pad divides by the padded window (3)");
  auto half = runOp("AveragePool", A().ints("kernel_shape", {2, 2}), {H({1, 1, 2, 2}, {1, 2, 3, 4.5f})});
  CHECK(half[0].type == DType::kHALF && half[0].get(0) == 2.625, "float16 pooling");
  expectThrow("pooling without kernel_shape", [] { createOp("AveragePool", Attributes{}, 17); }, "AveragePool: kernel_shape is required");
  expectThrow("odd pads", [] { createOp("MaxPool", A().ints("kernel_shape", {2}).ints("pads", {1}).a, 17); }, "MaxPool: pads has an odd number of values");
  expectThrow("stride 0", [] { createOp("Conv", A().ints("strides", {0, 1}).a, 17); }, "Conv: strides must be >= 1, got 0");
  expectThrow("pads for the wrong rank", [&] { infer("Conv", A().ints("pads", {1, 1}), {ti(DType::kFLOAT, {1, 1, 4, 4}), w({1, 1, 2, 2})}); },
              "Conv: pads has 2 values, expected 4 for the input's spatial axes");
  auto conv = runOp("Conv", A().i("group", 2), {F({1, 2, 3}, {1, 2, 3, 10, 20, 30}), F({2, 1, 2}, {1, -1, 0.5f, 0.5f}).c(), F({2}, {100, 0}).c()});
  CHECK(conv[0].get(0) == 99 && conv[0].get(1) == 99 && conv[0].get(2) == 15 && conv[0].get(3) == 25, "grouped Conv with a bias");
  auto convOp = createOp("Conv", Attributes{}, 17);
  std::vector<float> buf(64);
  CHECK(convOp->flops({HostTensor{DType::kFLOAT, {1, 2, 4, 4}, buf.data()}, HostTensor{DType::kFLOAT, {3, 2, 3, 3}, buf.data()}},
                      {HostTensor{DType::kFLOAT, {1, 3, 2, 2}, buf.data()}}) == 2.0 * 12 * 18, "Conv flops: 2 x output x (C/group x kernel)");

  auto i64c = [](std::vector<int64_t> v) { return infoOf(I64({static_cast<int64_t>(v.size())}, v).c()); };
  expectShapeEq("Pad with computed pads: every extent known at run time", infer("Pad", A(), {ti(DType::kFLOAT, {-1, 4}), ti(DType::kINT64, {4})})[0].shape, {-1, -1});
  expectShapeEq("... only the listed axes", infer("Pad", A(), {ti(DType::kFLOAT, {-1, 4}), ti(DType::kINT64, {2}), omittedInfo(), i64c({0})}, 18)[0].shape, {-1, 4});
  expectThrow("Pad axes computed", [] { infer("Pad", A(), {ti(DType::kFLOAT, {2}), ti(DType::kINT64, {2}), omittedInfo(), ti(DType::kINT64, {1})}, 18); },
              "Pad: the axes input must be a constant");
  auto reflect = runOp("Pad", A().s("mode", "reflect"), {F({3}, {1, 2, 3}), I64({2}, {4, 4}).c()});
  CHECK((reflect[0].values() == std::vector<double>{1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3}), "reflect beyond the extent mirrors again, as TensorRT's slice samples");
  auto crop = runOp("Pad", A(), {I32({4}, {1, 2, 3, 4}), I64({2}, {-1, 1}).c(), I32({}, {-9}).c()});
  CHECK(crop[0].shape == Shape({4}) && crop[0].get(0) == 2 && crop[0].get(3) == -9, "a negative pad crops, the constant fills");
  auto attrFill = runOp("Pad", A().ints("pads", {1, 0}).f("value", 2.75f), {I32({1}, {5})}, 2);
  CHECK(attrFill[0].get(0) == 2 && attrFill[0].get(1) == 5, "an integer fill from the attribute truncates, as TensorRT's parser does");
  expectThrow("edge of an empty axis", [] { runOp("Pad", A().s("mode", "edge"), {F({0}, {}), I64({2}, {1, 0}).c()}); }, "Pad: axis 0 is empty");

  auto bn = runOp("BatchNormalization", A().f("epsilon", 0.f), {F({1, 2, 2}, {1, 2, 3, 4}), F({2}, {2, 1}).c(), F({2}, {0, 1}).c(), F({2}, {1, 3}).c(), F({2}, {4, 1}).c()});
  CHECK(bn[0].get(0) == 0 && bn[0].get(1) == 1 && bn[0].get(2) == 1 && bn[0].get(3) == 2, "BatchNormalization: (x - mean) / sqrt(var) * scale + bias");
  expectThrow("BatchNormalization spatial 0", [] { createOp("BatchNormalization", A().i("spatial", 0).a, 7); }, "unsupported attribute 'spatial'");

  auto arg = runOp("ArgMax", A().i("axis", 1).i("keepdims", 0), {F({2, 3}, {NAN, 1, NAN, NAN, NAN, NAN})});
  CHECK(arg[0].shape == Shape({2}) && arg[0].at<int64_t>(0) == 1 && arg[0].at<int64_t>(1) == 0, "ArgMax skips NaN; an all-NaN row gives 0");
  auto last = runOp("ArgMin", A().i("select_last_index", 1), {I64({3}, {4, -2, -2})});
  CHECK(last[0].shape == Shape({1}) && last[0].at<int64_t>(0) == 2, "ArgMin of int64, the last of a tie");
  expectThrow("ArgMax over an empty axis", [] { infer("ArgMax", A(), {ti(DType::kFLOAT, {0, 2})}); }, "ArgMax: axis 0 is empty");
}

static void testHardmaxLrnGridSample() {
  g_test = "Hardmax, LRN, GridSample";
  auto hard = runOp("Hardmax", A(), {F({2, 3}, {NAN, 1, NAN, NAN, NAN, NAN})}, 13);
  CHECK((hard[0].values() == std::vector<double>{0, 1, 0, 1, 0, 0}), "Hardmax skips NaN, as ArgMax; an all-NaN row marks index 0");
  auto hardHalf = runOp("Hardmax", A().i("axis", 0), {H({3, 1}, {2, 5, 5})}, 13);
  CHECK(hardHalf[0].type == DType::kHALF && (hardHalf[0].values() == std::vector<double>{0, 1, 0}), "float16 Hardmax along axis 0: the first of a tie");
  auto flat = runOp("Hardmax", A(), {F({2, 2, 2}, {1, 9, 3, 4, 8, 2, 7, 1})}, 11);
  CHECK((flat[0].values() == std::vector<double>{0, 1, 0, 0, 1, 0, 0, 0}), "Hardmax at opset 11: one 1 per row of the input flattened at axis 1");
  expectThrow("Hardmax over an empty axis", [] { infer("Hardmax", A(), {ti(DType::kFLOAT, {3, 0})}, 13); }, "Hardmax: axis -1 of shape [3,0] holds no element");

  auto lrn = runOp("LRN", A().i("size", 3).f("alpha", 3).f("beta", 1).f("bias", 1), {F({1, 3, 1, 1}, {1, 2, 3})});
  CHECK(closeTo(lrn[0].get(0), 1.0 / 6, 1e-6, 0) && closeTo(lrn[0].get(1), 2.0 / 15, 1e-6, 0) && closeTo(lrn[0].get(2), 3.0 / 14, 1e-6, 0),
        "LRN: x / (bias + alpha / size * the squares of the neighbouring channels) ^ beta, the window cut at the edges");
  expectThrow("LRN alpha beyond the layer's range", [] { createOp("LRN", A().i("size", 3).f("alpha", 3e20f).a, 17); }, "LRN: alpha is 3e+20; TensorRT's LRN layer takes [-1e+20, 1e+20]");

  T image = F({1, 1, 2, 2}, {1, 2, 3, 4});
  auto nanGrid = runOp("GridSample", A(), {image, F({1, 1, 2, 2}, {NAN, 0, 0, 0})}, 16);
  CHECK(std::isnan(nanGrid[0].get(0)) && nanGrid[0].get(1) == 2.5, "GridSample bilinear: a NaN location gives NaN, the centre the mean");
  auto nanNearest = runOp("GridSample", A().s("mode", "nearest"), {image, F({1, 1, 1, 2}, {INFINITY, 0})}, 16);
  CHECK(nanNearest[0].get(0) == 0, "GridSample nearest: a location that is not finite reads no pixel");
  auto far = runOp("GridSample", A().s("mode", "nearest").s("padding_mode", "border"), {image, F({1, 1, 2, 2}, {1e30f, -1e30f, -1e30f, 1e30f})}, 16);
  CHECK(far[0].get(0) == 2 && far[0].get(1) == 3, "GridSample nearest, border: locations far outside read the nearest corner (no integer overflow)");
  auto onePixel = runOp("GridSample", A().s("padding_mode", "reflection").i("align_corners", 1), {F({1, 1, 1, 1}, {5}), F({1, 1, 1, 2}, {0.7f, -3})}, 16);
  CHECK(onePixel[0].get(0) == 5, "GridSample reflecting off a one-pixel axis with aligned corners reads that pixel");
  auto empty = runOp("GridSample", A().s("padding_mode", "reflection"), {F({1, 1, 0, 2}, {}), F({1, 1, 1, 2}, {0, 0})}, 16);
  CHECK(empty[0].get(0) == 0, "GridSample of an empty image reads no pixel (reflection has nothing to land on)");
}

static void testGatherNDEyeLikeCastLike() {
  g_test = "GatherND, EyeLike, CastLike, Shrink";
  T data = F({2, 3}, {1, 2, 3, 4, 5, 6});
  auto rows = runOp("GatherND", A(), {data, I64({2, 1}, {1, -2})});
  CHECK(rows[0].shape == Shape({2, 3}) && (rows[0].values() == std::vector<double>{4, 5, 6, 1, 2, 3}), "GatherND of rows, a negative index from the end");
  expectThrow("GatherND index out of range at run time", [&] { runOp("GatherND", A(), {data, I64({1, 2}, {0, 3})}); }, "GatherND: index 3 is out of range");
  expectShapeEq("GatherND with dynamic data: the output keeps the unknown extents", infer("GatherND", A(), {ti(DType::kFLOAT, {-1, 3, 4}), ti(DType::kINT64, {-1, 2})})[0].shape, {-1, 4});
  expectThrow("GatherND with a row length unknown at build time", [] { infer("GatherND", A(), {ti(DType::kFLOAT, {2, 3}), ti(DType::kINT64, {1, -1})}); },
              "GatherND: the last extent of indices [1,-1] must be known at build time");

  auto eye = infer("EyeLike", A().i("k", -1).i("dtype", 9), {ti(DType::kFLOAT, {3, 2})});
  CHECK(eye[0].type == DType::kBOOL && eye[0].constData && (*eye[0].constData == std::vector<uint8_t>{0, 0, 1, 0, 0, 1}),
        "EyeLike is folded at build time (a constant in TensorRT), here as bool below the diagonal");

  auto like = runOp("CastLike", A(), {F({3}, {-1.7f, 2.5f, 300.f}), I8({1}, {0})});
  CHECK(like[0].type == DType::kINT8 && like[0].get(0) == -1 && like[0].get(1) == 2, "CastLike takes the second input's type and truncates as Cast");

  auto reversed = runOp("ReverseSequence", A().i("batch_axis", 0).i("time_axis", 1), {I32({2, 3}, {1, 2, 3, 4, 5, 6}), I32({2}, {2, 3})});
  CHECK((reversed[0].values() == std::vector<double>{2, 1, 3, 6, 5, 4}), "ReverseSequence reverses each batch entry's first lens[b] steps");
  expectThrow("ReverseSequence with a length beyond the time extent", [] { runOp("ReverseSequence", A(), {F({2, 1}, {1, 2}), I64({1}, {3})}); },
              "ReverseSequence: sequence length 3 is out of range [0, 2]");

  auto shrunk = runOp("Shrink", A().f("lambd", 1.5f).f("bias", 0.5f), {I32({4}, {-3, -1, 1, 2})});
  CHECK((shrunk[0].values() == std::vector<double>{-2, 0, 0, 1}), "Shrink of int32 in float: 2 - 0.5 = 1.5 truncates to 1 when cast back");
}

static void testAxisNorms() {
  g_test = "LpNormalization, MeanVarianceNormalization, LpPool, GlobalLpPool";
  auto l2 = runOp("LpNormalization", A(), {F({2, 2}, {3, -4, 0, -0.f})});
  CHECK(closeTo(l2[0].get(0), 0.6, 1e-7, 0) && closeTo(l2[0].get(1), -0.8, 1e-7, 0) && l2[0].get(2) == 0, "L2 along the last axis; a zero norm divides by 1");
  CHECK(std::signbit(l2[0].get(3)), "... so -0 stays -0");
  auto mvn = runOp("MeanVarianceNormalization", A().ints("axes", {1}), {F({1, 4}, {1, 2, 3, 4})});
  double const sd = std::sqrt(1.25);
  CHECK(closeTo(mvn[0].get(0), -1.5 / sd, 1e-6, 0) && closeTo(mvn[0].get(3), 1.5 / sd, 1e-6, 0), "MVN: (x - mean) / (population deviation + 1e-9)");
  auto flat = runOp("MeanVarianceNormalization", A().ints("axes", {1}), {F({1, 3}, {2, 2, 2})});
  CHECK(flat[0].get(0) == 0, "MVN of a constant group: 0 / 1e-9 is 0, not NaN");

  auto lp = runOp("LpPool", A().ints("kernel_shape", {2}).ints("strides", {2}).i("ceil_mode", 1).i("p", 1), {F({1, 1, 3}, {1, -2, -4})}, 18);
  CHECK(lp[0].shape == Shape({1, 1, 2}) && lp[0].get(0) == 3 && lp[0].get(1) == 8,
        "LpPool as the parser builds it: a window cut short by ceil_mode averages what is left, times the kernel's size");
  auto global = runOp("GlobalLpPool", A(), {F({1, 2, 2}, {3, 4, -6, 8})});
  CHECK(global[0].get(0) == 5 && global[0].get(1) == 10, "GlobalLpPool: the L2 norm of each plane");
}

static void testRecurrent() {
  g_test = "RNN, GRU, LSTM";
  // h(t) = relu(2 x(t) + 0.5 h(t-1)) over x = 1, 2, 3: 2, 5, 8.5; backwards from x = 3: 6, 7, 5.5.
  A const relu = A().i("hidden_size", 1).strings("activations", {"Relu"});
  std::vector<T> const in = {F({3, 1, 1}, {1, 2, 3}), F({1, 1, 1}, {2}), F({1, 1, 1}, {0.5f})};
  auto forward = runOp("RNN", relu, in, 17, 2);
  CHECK(forward[0].shape == Shape({3, 1, 1, 1}) && (forward[0].values() == std::vector<double>{2, 5, 8.5}) && forward[1].get(0) == 8.5,
        "RNN forward: Y holds every step, Y_h the last");
  auto backward = runOp("RNN", A(relu).s("direction", "reverse"), in, 17, 2);
  CHECK((backward[0].values() == std::vector<double>{5.5, 7, 6}) && backward[1].get(0) == 5.5,
        "RNN reverse: Y in time order, Y_h after the first element");
  auto clipped = runOp("RNN", A(relu).f("clip", 4.f), in, 17, 2);
  CHECK((clipped[0].values() == std::vector<double>{2, 4, 4}), "clip bounds each activation's input");
  auto empty = runOp("RNN", relu, {F({0, 1, 1}, {}), F({1, 1, 1}, {2}), F({1, 1, 1}, {0.5f})}, 17, 2);
  CHECK(empty[0].shape == Shape({0, 1, 1, 1}) && empty[1].get(0) == 0, "an empty sequence leaves the (zero) initial state");
  auto noBatch = runOp("GRU", A().i("hidden_size", 2), {F({2, 0, 1}, {}), F({1, 6, 1}, {1, 1, 1, 1, 1, 1}), F({1, 6, 2}, std::vector<float>(12, 1.f))}, 17, 2);
  CHECK(noBatch[0].shape == Shape({2, 1, 0, 2}) && noBatch[1].shape == Shape({1, 0, 2}), "an empty batch");
  // LSTM with zero weights: gates sigmoid(0) = 0.5, candidate tanh(0) = 0; the cell halves from c0 = 2 each step.
  auto lstm = runOp("LSTM", A().i("hidden_size", 1),
                    {F({2, 1, 1}, {1, 1}), F({1, 4, 1}, {0, 0, 0, 0}), F({1, 4, 1}, {0, 0, 0, 0}), F({1, 8}, std::vector<float>(8, 0.f)),
                     I32({1}, {2}), F({1, 1, 1}, {0}), F({1, 1, 1}, {2})},
                    17, 3);
  CHECK(lstm[2].get(0) == 0.5 && closeTo(lstm[1].get(0), 0.5 * std::tanh(0.5), 1e-7, 0), "LSTM: C = f C + i c~, H = o tanh(C)");
  expectThrow("RNN with R for another hidden size", [] {
    runOp("RNN", A().i("hidden_size", 1).strings("activations", {"LeakyRelu"}).s("direction", "forward"), {F({1, 1, 1}, {1}), F({1, 1, 1}, {1}), F({1, 1, 2}, {1, 1})}, 17, 2);
  }, "RNN: R must have shape [1,1,1]");
  expectThrow("an attribute of the wrong kind", [] { runOp("GRU", A().i("hidden_size", 1).s("activations", "Tanh"), {}, 17, 2); },
              "attribute 'activations' is a string, expected a list of strings");
}

static void testIf() {
  g_test = "If";
  // cond, then the captured x: then_branch Neg(x), else_branch Abs(x) + its constant 1.
  auto thenGraph = std::make_shared<SubGraph>();
  thenGraph->nodes.push_back({"neg", "Neg", Attributes{}, {"x"}, {"t"}});
  thenGraph->outputs = {"t"};
  auto elseGraph = std::make_shared<SubGraph>();
  float const one = 1.f;
  elseGraph->constants.push_back({"one", DType::kFLOAT, {}, std::vector<uint8_t>(reinterpret_cast<uint8_t const*>(&one), reinterpret_cast<uint8_t const*>(&one) + 4)});
  elseGraph->nodes.push_back({"abs", "Abs", Attributes{}, {"x"}, {"a"}});
  elseGraph->nodes.push_back({"add", "Add", Attributes{}, {"a", "one"}, {"e"}});
  elseGraph->outputs = {"e"};
  auto graphAttr = [](std::shared_ptr<SubGraph> g) {
    Attribute a;
    a.kind = Attribute::Kind::kGRAPH;
    a.graph = std::move(g);
    return a;
  };
  A attrs = A().strings("trtsim.captured", {"x"});
  attrs.a.values["then_branch"] = graphAttr(thenGraph);
  attrs.a.values["else_branch"] = graphAttr(elseGraph);
  T const x = F({3}, {-2, 0.5f, 3});
  auto yes = runOp("If", attrs, {B({}, {1}), x});
  CHECK((yes[0].values() == std::vector<double>{2, -0.5, -3}), "If: a true condition runs then_branch");
  auto no = runOp("If", attrs, {B({}, {0}), x});
  CHECK((no[0].values() == std::vector<double>{3, 1.5, 4}), "If: a false condition runs else_branch, with its constant");
  auto empty = runOp("If", attrs, {B({1}, {0}), F({0}, {})});
  CHECK(empty[0].shape == Shape({0}), "If over an empty tensor");
  expectThrow("If with a condition of two values", [&] { runOp("If", attrs, {B({2}, {1, 0}), x}); }, "If: the condition must hold one value");
  A missing = A().strings("trtsim.captured", {});
  missing.a.values["then_branch"] = graphAttr(thenGraph);
  missing.a.values["else_branch"] = graphAttr(elseGraph);
  expectThrow("If whose branch reads a tensor not passed in", [&] { createOp("If", missing.a, 17); }, "If: then_branch: input 'x' of node neg is not defined before it");
}

static void testLoop() {
  g_test = "Loop";
  // v <- v * 2 + i, three times from v = 1: 2, 5, 12; the scan keeps each v.
  auto body = std::make_shared<SubGraph>();
  body->inputs = {"i", "cond_in", "v_in"};
  body->nodes.push_back({"cast", "Cast", A().i("to", 1).a, {"i"}, {"fi"}});
  body->nodes.push_back({"double", "Add", Attributes{}, {"v_in", "v_in"}, {"twice"}});
  body->nodes.push_back({"add", "Add", Attributes{}, {"twice", "fi"}, {"v_out"}});
  body->nodes.push_back({"pass", "Identity", Attributes{}, {"cond_in"}, {"cond_out"}});
  body->outputs = {"cond_out", "v_out", "v_out"};
  Attribute graph;
  graph.kind = Attribute::Kind::kGRAPH;
  graph.graph = body;
  A attrs = A().strings("trtsim.captured", {});
  attrs.a.values["body"] = graph;
  T m = I64({}, {3});
  m.isConst = true;
  T yes = B({}, {1});
  yes.isConst = true;
  auto out = runOp("Loop", attrs, {m, yes, F({}, {1})}, 17, 2);
  CHECK(out[0].get(0) == 12, "Loop: the carried value after three iterations");
  CHECK(out[1].shape == Shape({3}) && (out[1].values() == std::vector<double>{2, 5, 12}), "Loop: the scan output stacks each iteration's value");
  T none = I64({}, {0});
  none.isConst = true;
  auto zero = runOp("Loop", attrs, {none, yes, F({}, {1})}, 17, 2);
  CHECK(zero[0].get(0) == 1 && zero[1].shape == Shape({0}), "Loop: a trip count of 0 keeps the initial value, and scans nothing");
  expectThrow("Loop with neither trip count nor condition", [&] {
    auto o = createOp("Loop", attrs.a, 17);
    o->inferOutputs({omittedInfo(), omittedInfo(), ti(DType::kFLOAT, {})});
  }, "Loop: the loop has neither a trip count nor a condition");
}

static void testScan() {
  g_test = "Scan";
  // s <- s + x_t over the rows of x, scanning out s * 10: rows 1, 2, 3 from s = 0.5 give 1.5, 3.5, 6.5.
  auto body = std::make_shared<SubGraph>();
  body->inputs = {"s_in", "x_t"};
  float const ten = 10.f;
  body->constants.push_back({"ten", DType::kFLOAT, {}, std::vector<uint8_t>(reinterpret_cast<uint8_t const*>(&ten), reinterpret_cast<uint8_t const*>(&ten) + 4)});
  body->nodes.push_back({"add", "Add", Attributes{}, {"s_in", "x_t"}, {"s_out"}});
  body->nodes.push_back({"scale", "Mul", Attributes{}, {"s_out", "ten"}, {"y"}});
  body->outputs = {"s_out", "y"};
  Attribute graph;
  graph.kind = Attribute::Kind::kGRAPH;
  graph.graph = body;
  A attrs = A().i("num_scan_inputs", 1);
  attrs.a.values["body"] = graph;
  auto out = runOp("Scan", attrs, {F({1}, {0.5f}), F({3, 1}, {1, 2, 3})}, 11, 2);
  CHECK(out[0].get(0) == 6.5, "Scan: the state after every row");
  CHECK(out[1].shape == Shape({3, 1}) && (out[1].values() == std::vector<double>{15, 35, 65}), "Scan: the scan output, row by row");
  auto backwards = runOp("Scan", A(attrs).ints("scan_input_directions", {1}).ints("scan_output_directions", {1}), {F({1}, {0.5f}), F({3, 1}, {1, 2, 3})}, 11, 2);
  CHECK((backwards[1].values() == std::vector<double>{65, 55, 35}), "Scan: reversed input, prepended output");
  auto empty = runOp("Scan", attrs, {F({1}, {0.5f}), F({0, 1}, {})}, 11, 2);
  CHECK(empty[0].get(0) == 0.5 && empty[1].shape == Shape({0, 1}), "Scan over no rows keeps the state");
  expectThrow("Scan at opset 8", [&] { createOp("Scan", attrs.a, 8); }, "Scan: opset 8's Scan (a batch axis and sequence_lens) is not modelled");
}

static void testVariadicModActivations() {
  g_test = "Max/Min/Sum/Mean, Mod, parameterised activations";
  auto mod0 = runOp("Mod", A(), {I32({3}, {7, INT32_MIN, 5}), I32({3}, {0, -1, -3})});
  CHECK(mod0[0].get(0) == 7 && mod0[0].get(1) == 0 && mod0[0].get(2) == -1, "integer Mod: by zero the process goes on (no trap); MIN mod -1 is 0; the divisor's sign");
  expectThrow("float Mod without fmod", [] { infer("Mod", A(), {ti(DType::kFLOAT, {2}), ti(DType::kFLOAT, {2})}); }, "Mod: input A has unsupported type float32");
  auto fmodHalf = runOp("Mod", A().i("fmod", 1), {H({2}, {-7.5f, 7.5f}), H({2}, {2, -2})});
  CHECK(fmodHalf[0].get(0) == -1.5 && fmodHalf[0].get(1) == 1.5, "float16 fmod: the dividend's sign");
  auto mean = runOp("Mean", A(), {H({2}, {1, 2}), H({1}, {2}), H({2}, {4, 4})});
  CHECK(mean[0].type == DType::kHALF && closeTo(mean[0].get(0), 7.0 / 3, 1e-3, 0) && mean[0].get(1) == halfToFloat(floatToHalf(8.f * (1.f / 3))), "Mean of float16: the sum times 1/n, rounded to float16");
  expectThrow("Sum of int32", [] { infer("Sum", A(), {ti(DType::kINT32, {2})}); }, "Sum: input has unsupported type int32");
  expectThrow("Max of mixed types", [] { infer("Max", A(), {ti(DType::kFLOAT, {2}), ti(DType::kHALF, {2})}); }, "Max: input 0 and input 1 must have the same type");
  auto dropout = runOp("Dropout", A(), {F({3}, {NAN, 1, -0.f})}, 13, 2);
  CHECK(dropout[1].type == DType::kBOOL && dropout[1].get(0) == 0 && dropout[1].get(1) == 1 && dropout[1].get(2) == 1,
        "Dropout's mask from opset 12 is Equal(x, x), as TensorRT's parser builds it: false where x is NaN");
  auto oldMask = runOp("Dropout", A(), {F({2}, {NAN, 1})}, 10, 2);
  CHECK(oldMask[1].get(0) == 0 && oldMask[1].get(1) == 0, "before opset 12 it is Less(x, x): all false");
  expectThrow("Dropout in training", [] { infer("Dropout", A(), {ti(DType::kFLOAT, {2}), omittedInfo(), infoOf(B({}, {1}).c())}); },
              "Dropout: training mode is not supported");
  auto lse = runOp("ReduceLogSumExp", A().i("keepdims", 0), {F({2}, {100, 100})});
  CHECK(closeTo(lse[0].get(0), 100 + std::log(2.0), 1e-6, 0), "ReduceLogSumExp of large values does not overflow (double)");
  auto emptyProd = runOp("ReduceProd", A().ints("axes", {0}).i("keepdims", 0), {F({0, 2}, {})});
  CHECK(emptyProd[0].get(0) == 1 && emptyProd[0].get(1) == 1, "the product of an empty set is 1");
  auto topEmpty = runOp("TopK", A().i("axis", 1), {F({2, 0, 3}, {}), I64({1}, {0}).c()}, 17, 2);
  CHECK(topEmpty.size() == 2 && topEmpty[0].shape == Shape({2, 0, 3}), "TopK of an empty tensor (onnxruntime's kernel faults there)");
  auto topNaN = runOp("TopK", A(), {F({4}, {NAN, 1, 3, NAN}), I64({1}, {3}).c()}, 17, 2);
  CHECK(topNaN[0].get(0) == 3 && topNaN[0].get(1) == 1 && std::isnan(topNaN[0].get(2)) && topNaN[1].at<int64_t>(2) == 0,
        "TopK sorts NaN after every number, the lower index first");
  expectThrow("TopK K above the extent", [] { infer("TopK", A(), {ti(DType::kFLOAT, {2, 3}), infoOf(I64({1}, {4}).c())}); }, "TopK: K is 4, more than the axis extent 3");
  expectThrow("TopK K above TensorRT's limit", [] { infer("TopK", A(), {ti(DType::kFLOAT, {5000}), infoOf(I64({1}, {4000}).c())}); }, "at most 3840");
  expectShapeEq("TopK with a computed K", infer("TopK", A(), {ti(DType::kFLOAT, {2, 8}), ti(DType::kINT64, {1})})[0].shape, {2, -1});
  expectThrow("GatherElements out of range", [] { runOp("GatherElements", A(), {F({2}, {1, 2}), I64({1}, {2}).c()}); }, "GatherElements: index 2 is out of range [-2, 1]");
  expectThrow("CumSum axis computed", [] { infer("CumSum", A(), {ti(DType::kFLOAT, {2}), ti(DType::kINT64, {})}); }, "CumSum: the axis input must be a constant");
  auto cum = runOp("CumSum", A().i("exclusive", 1), {I32({3}, {INT32_MAX, 1, 1}), I64({}, {0}).c()});
  CHECK(cum[0].get(0) == 0 && cum[0].get(1) == INT32_MAX && cum[0].get(2) == INT32_MIN, "exclusive int32 CumSum wraps");
  auto tri = runOp("Trilu", A().i("upper", 0), {I64({2, 2}, {1, 2, 3, 4}), I64({}, {-5}).c()});
  CHECK(tri[0].get(0) == 0 && tri[0].get(3) == 0, "Trilu far below the diagonal keeps nothing");
  expectThrow("Einsum upper-case labels", [] { infer("Einsum", A().s("equation", "iJ->Ji"), {ti(DType::kFLOAT, {2, 2})}); },
              "Einsum: label 'J' is not supported (TensorRT's einsum takes lower-case letters)");
  expectThrow("Einsum term count", [] { infer("Einsum", A().s("equation", "ij,jk->ik"), {ti(DType::kFLOAT, {2, 2})}); },
              "Einsum: the equation names 2 inputs, the node has 1");
  expectThrow("Einsum of bfloat16", [] { infer("Einsum", A().s("equation", "i->i"), {ti(DType::kBF16, {2})}); }, "Einsum: input has unsupported type bfloat16");
  expectThrow("Einsum extents", [] { infer("Einsum", A().s("equation", "ij,jk"), {ti(DType::kFLOAT, {2, 3}), ti(DType::kFLOAT, {4, 2})}); },
              "Einsum: label 'j' has extents 3 and 4");
  expectShapeEq("Einsum over a dynamic extent", infer("Einsum", A().s("equation", "bij,bjk->bik"), {ti(DType::kFLOAT, {-1, 2, 3}), ti(DType::kFLOAT, {-1, 3, 4})})[0].shape, {-1, 2, 4});
  auto hot = runOp("OneHot", A(), {F({1}, {1.7f}), I64({}, {3}).c(), F({2}, {0, 1}).c()});
  CHECK(hot[0].shape == Shape({1, 3}) && hot[0].get(1) == 1, "OneHot truncates float indices (the spec, and TensorRT's parser's cast)");
  auto size = infer("Size", A(), {ti(DType::kFLOAT, {2, 3})});
  CHECK(size[0].constData && size[0].shape.empty(), "Size folds from a known shape");
  CHECK(!infer("Size", A(), {ti(DType::kFLOAT, {-1, 3})})[0].constData, "Size of a dynamic shape is known at run time");
  auto nms = createOp("NonMaxSuppression", Attributes{}, 17);
  CHECK(nms->dataDependent(), "NonMaxSuppression is data-dependent");
  expectShapeEq("NonMaxSuppression's bound with a constant max_output_boxes_per_class",
                nms->upperBounds({ti(DType::kFLOAT, {2, 10, 4}), ti(DType::kFLOAT, {2, 3, 10}), infoOf(I64({1}, {4}).c())})[0], {24, 3});
  expectShapeEq("... and with a computed one", nms->upperBounds({ti(DType::kFLOAT, {2, 10, 4}), ti(DType::kFLOAT, {2, 3, 10}), ti(DType::kINT64, {1})})[0], {60, 3});
  expectThrow("NonMaxSuppression box count", [] { infer("NonMaxSuppression", A(), {ti(DType::kFLOAT, {1, 5, 4}), ti(DType::kFLOAT, {1, 2, 6})}); },
              "NonMaxSuppression: boxes [1,5,4] and scores [1,2,6] disagree on batch or box count");
  auto leaky = runOp("LeakyRelu", A(), {F({2}, {-2, 3})});
  CHECK(closeTo(leaky[0].get(0), -0.02, 1e-6, 0) && leaky[0].get(1) == 3, "LeakyRelu's default alpha is 0.01");
  auto elu = runOp("Elu", A(), {F({1}, {-1e-8f})});
  CHECK(closeTo(elu[0].get(0), -1e-8, 1e-6, 0), "Elu near 0 keeps its precision (expm1)");
}

static void testQuantize() {
  g_test = "QuantizeLinear, DequantizeLinear";
  auto q = runOp("QuantizeLinear", A(), {F({8}, {0.25f, 0.75f, -0.25f, -0.75f, 100.f, -100.f, NAN, -INFINITY}), F({}, {0.5f}).c()});
  CHECK(q[0].type == DType::kINT8, "QuantizeLinear gives int8 when no zero point names the type (not ONNX's uint8)");
  expectExact("round half to even, saturate to [-128, 127], NaN to 0 (a GPU's cvt.rni.sat)", q[0], {8}, {0, 2, 0, -2, 127, -128, 0, -128});
  auto perChannel = runOp("QuantizeLinear", A(), {F({2, 3}, {1, 2, 3, 1, 2, 3}).c(), F({2}, {1.f, 0.5f}).c()});
  expectExact("a per-channel scale without an axis is along axis 0 (TensorRT's importer; ONNX says 1)", perChannel[0], {2, 3}, {1, 2, 3, 2, 4, 6});
  auto axis1 = runOp("QuantizeLinear", A().i("axis", -1), {F({2, 3}, {1, 2, 3, 1, 2, 3}).c(), F({3}, {1.f, 0.5f, 0.25f}).c(), I8({3}, {0, 0, 0}).c()});
  expectExact("per-channel along the last axis, with a zero point of zeros", axis1[0], {2, 3}, {1, 4, 12, 1, 4, 12});
  auto dq = runOp("DequantizeLinear", A().i("axis", 1), {I8({2, 2}, {-128, 3, 127, -1}).c(), H({2}, {0.5f, 2.f}).c()});
  expectThrow("per-channel quantization of an activation", [] { infer("QuantizeLinear", A().i("axis", 1), {ti(DType::kFLOAT, {2, 3}), infoOf(F({3}, {1, 1, 1}).c())}); },
              "per-channel quantization is supported only for weights");
  expectThrow("per-channel dequantization of an activation", [] { infer("DequantizeLinear", A().i("axis", 1), {ti(DType::kINT8, {2, 3}), infoOf(F({3}, {1, 1, 1}).c())}); },
              "per-channel dequantization needs an input rooted at a constant");
  CHECK(dq[0].type == DType::kHALF, "DequantizeLinear gives the scale's type");
  expectExact("q * scale per channel", dq[0], {2, 2}, {-64, 6, 63.5, -2});
  auto folded = infer("DequantizeLinear", A(), {infoOf(I8({2}, {4, -4}).c()), infoOf(F({}, {0.25f}).c())});
  CHECK(folded[0].constData && folded[0].type == DType::kFLOAT, "DequantizeLinear of int8 weights folds to a float constant");
  expectExact("a scalar input (rank 0)", runOp("QuantizeLinear", A(), {F({}, {-3.5f}), F({1}, {1.f}).c()})[0], {}, {-4});

  auto qOf = [](std::vector<TensorInfo> const& in, A const& attrs = A(), int64_t opset = 17) { infer("QuantizeLinear", attrs, in, opset); };
  TensorInfo const x = ti(DType::kFLOAT, {2, 3});
  expectThrow("uint8 zero point", [&] { qOf({x, infoOf(F({}, {1}).c()), infoOf(U8({}, {128}).c())}); }, "unsupported zero point type UINT8");
  expectThrow("uint8 input to DequantizeLinear", [&] { infer("DequantizeLinear", A(), {ti(DType::kUINT8, {2}), infoOf(F({}, {1}).c())}); },
              "unsupported input type UINT8");
  expectThrow("asymmetric", [&] { qOf({x, infoOf(F({}, {1}).c()), infoOf(I8({}, {3}).c())}); },
              "TensorRT only supports symmetric quantization: the zero point must be all zeros, element 0 is 3");
  expectThrow("a zero point computed at run time", [&] { qOf({x, infoOf(F({}, {1}).c()), ti(DType::kINT8, {})}); }, "the zero point must be a build-time constant");
  expectThrow("zero point volume", [&] { qOf({x, infoOf(F({}, {1}).c()), infoOf(I8({2}, {0, 0}).c())}); }, "same volume (zero point 2, scale 1)");
  expectThrow("a scale computed at run time", [&] { qOf({x, ti(DType::kFLOAT, {})}); }, "the scale must be a build-time constant");
  expectThrow("a zero scale", [&] { qOf({x, infoOf(F({2}, {1, 0}).c())}); }, "scale coefficients must all be positive");
  expectThrow("a NaN scale", [&] { qOf({x, infoOf(F({}, {NAN}).c())}); }, "scale coefficients must all be positive");
  expectThrow("per-channel count against the default axis 0", [&] { qOf({x, infoOf(F({3}, {1, 1, 1}).c())}); },
              "the number of scales (3) is not the extent of axis 0 of the input [2,3] (no axis given: TensorRT's importer uses 0)");
  expectThrow("per-channel over a dynamic axis", [&] { qOf({ti(DType::kFLOAT, {-1, 3}), infoOf(F({2}, {1, 1}).c())}, A().i("axis", 0)); },
              "is not the extent of axis 0 of the input [-1,3]");
  expectThrow("block quantization", [&] { qOf({x, infoOf(F({2, 1}, {1, 1}).c())}); }, "block quantization");
  expectThrow("block_size", [&] { qOf({x, infoOf(F({}, {1}).c())}, A().i("block_size", 2), 21); }, "block quantization (block_size 2)");
  expectThrow("output_dtype uint8", [&] { qOf({x, infoOf(F({}, {1}).c())}, A().i("output_dtype", 2), 21); }, "only FP8, INT8 and INT4");
  expectThrow("output_dtype INT4", [&] { qOf({x, infoOf(F({}, {1}).c())}, A().i("output_dtype", 22), 21); }, "INT4 is not modelled");
  expectThrow("output_dtype against the zero point's type", [&] { qOf({x, infoOf(F({}, {1}).c()), infoOf(I8({}, {0}).c())}, A().i("output_dtype", 17), 21); },
              "output_dtype fp8 and the zero point's type int8 differ");

  // FP8 E4M3: round to nearest even on 3 mantissa bits, subnormals below 2^-6, saturation to ±448, NaN kept.
  T fp8Zero = make<uint8_t>(DType::kFP8, {}, {0});
  auto q8 = runOp("QuantizeLinear", A(), {F({9}, {0.3f, 500.f, -1000.f, NAN, 0.001f, 0.0029296875f, -0.f, 0.5f, 1.0625f}), F({}, {1.f}).c(), fp8Zero.c()});
  CHECK(q8[0].type == DType::kFP8, "an FP8 zero point makes the output FP8");
  std::vector<uint8_t> wantBits = {0x2A, 0x7E, 0xFE, 0x7F, 0x01, 0x02, 0x80, 0x30, 0x38};
  for (size_t i = 0; i < wantBits.size(); ++i) {
    CHECK(q8[0].at<uint8_t>(static_cast<int64_t>(i)) == wantBits[i], "E4M3 bits of element " + std::to_string(i) + ": 0.3 -> 0.3125, ±448 saturation, NaN, subnormals and a tie to even (1.0625 -> 1)");
  }
  auto dq8 = runOp("DequantizeLinear", A(), {q8[0], F({}, {2.f}).c()});
  expectValues("FP8 back to float, times the scale", dq8[0], {9}, {0.625, 896, -896, NAN, 0.00390625, 0.0078125, -0.0, 1, 2}, 0, 0);
  for (int b = 0; b < 256; ++b) {
    float v = fp8ToFloat(static_cast<uint8_t>(b));
    if (!std::isnan(v)) CHECK(floatToFp8(v) == b, "every finite E4M3 value converts back to its own bits: " + std::to_string(b));
  }
  auto fromAttr = infer("QuantizeLinear", A().i("output_dtype", 17), {x, infoOf(F({}, {1}).c())}, 21);
  CHECK(fromAttr[0].type == DType::kFP8, "output_dtype FLOAT8E4M3FN without a zero point");
  auto ignoredZero = runOp("QuantizeLinear", A(), {F({1}, {1.f}), F({}, {1.f}).c(), make<uint8_t>(DType::kFP8, {}, {0x38}).c()});
  CHECK(ignoredZero[0].at<uint8_t>(0) == 0x38, "an FP8 zero point is not read (TensorRT's importer ignores it): 1 stays 1");
  expectThrow("an int32 input", [&] { infer("DequantizeLinear", A(), {ti(DType::kINT32, {2}), infoOf(F({}, {1}).c())}); }, "input has unsupported type int32");
  expectThrow("axis before opset 13", [&] { qOf({x, infoOf(F({}, {1}).c())}, A().i("axis", 1), 10); }, "unsupported attribute 'axis'");
}

static void testFlops() {
  g_test = "flops";
  std::vector<float> a(6), b(6), c(6);
  auto op = createOp("Add", Attributes{}, 17);
  CHECK(op->flops({HostTensor{DType::kFLOAT, {2, 3}, a.data()}, HostTensor{DType::kFLOAT, {3}, b.data()}},
                  {HostTensor{DType::kFLOAT, {2, 3}, c.data()}}) == 6, "elementwise = output volume");
  op = createOp("ReduceSum", A().i("keepdims", 0).a, 13);
  CHECK(op->flops({HostTensor{DType::kFLOAT, {2, 3}, a.data()}}, {HostTensor{DType::kFLOAT, {}, c.data()}}) == 6, "reduce = input volume");
  op = createOp("Gemm", Attributes{}, 17);
  CHECK(op->flops({HostTensor{DType::kFLOAT, {2, 3}, a.data()}, HostTensor{DType::kFLOAT, {3, 2}, b.data()}},
                  {HostTensor{DType::kFLOAT, {2, 2}, c.data()}}) == 2 * 2 * 2 * 3, "Gemm 2MNK");
  op = createOp("Reshape", Attributes{}, 17);
  CHECK(op->flops({HostTensor{DType::kFLOAT, {6}, a.data()}}, {HostTensor{DType::kFLOAT, {2, 3}, c.data()}}) == 0, "Reshape 0");
}

int main() {
  struct { char const* name; void (*fn)(); } tests[] = {
      {"testHalf", testHalf},
      {"testHelpers", testHelpers},
      {"testBinaryFloat", testBinaryFloat},
      {"testBinaryInt", testBinaryInt},
      {"testBinaryHalf", testBinaryHalf},
      {"testBroadcastInference", testBroadcastInference},
      {"testCompareLogic", testCompareLogic},
      {"testUnary", testUnary},
      {"testSoftmax", testSoftmax},
      {"testMatMul", testMatMul},
      {"testGemm", testGemm},
      {"testGather", testGather},
      {"testReduce", testReduce},
      {"testLayerNorm", testLayerNorm},
      {"testCast", testCast},
      {"testReshape", testReshape},
      {"testSliceClip", testSliceClip},
      {"testTranspose", testTranspose},
      {"testSqueezeUnsqueeze", testSqueezeUnsqueeze},
      {"testConcatFlatten", testConcatFlatten},
      {"testShapeAndFolding", testShapeAndFolding},
      {"testNonZero", testNonZero},
      {"testWindowOps", testWindowOps},
      {"testVariadicModActivations", testVariadicModActivations},
      {"testQuantize", testQuantize},
      {"testHardmaxLrnGridSample", testHardmaxLrnGridSample},
      {"testGatherNDEyeLikeCastLike", testGatherNDEyeLikeCastLike},
      {"testAxisNorms", testAxisNorms},
      {"testRecurrent", testRecurrent},
      {"testIf", testIf},
      {"testLoop", testLoop},
      {"testScan", testScan},
      {"testFlops", testFlops},
  };
  for (auto const& t : tests) {
    g_test = t.name;
    try {
      t.fn();
    } catch (std::exception const& e) {
      report(std::string("uncaught exception: ") + e.what());
    }
  }
  std::printf("%d checks, %d failures\n", g_checks, g_failures);
  return g_failures == 0 ? 0 : 1;
}
