// ReduceMean, ReduceSum, ReduceMax, ReduceMin, ReduceProd, ReduceL1, ReduceL2, ReduceSumSquare, ReduceLogSumExp,
// ReduceLogSum (the parser's log of a ReduceSum: float types only).
// Axes are an attribute before opset 18 (ReduceSum: 13) and an optional constant second input from then on (with
// noop_with_empty_axes). Float reductions accumulate in double (LogSumExp too, so it overflows only beyond double's
// range where TensorRT's float log(sum(exp(x))) overflows beyond 88).
#include <cmath>
#include <map>

#include "common.h"

namespace trtsim {
namespace ops {
namespace {

enum class RedKind { kMean, kSum, kMax, kMin, kProd, kL1, kL2, kSumSquare, kLogSumExp, kLogSum };

class ReduceOp : public OpBase {
 public:
  ReduceOp(std::string name, RedKind kind, bool axesInput, bool hasAttrAxes, std::vector<int64_t> attrAxes,
           bool keepdims, bool noop)
      : OpBase(std::move(name), 1, axesInput ? 2 : 1),
        kind_(kind),
        axesInput_(axesInput),
        hasAttrAxes_(hasAttrAxes),
        attrAxes_(std::move(attrAxes)),
        keepdims_(keepdims),
        noop_(noop) {}

  double flops(std::vector<HostTensor> const& in, std::vector<HostTensor> const&) const override {
    return static_cast<double>(shapeVolume(in[0].shape));
  }

 protected:
  struct Resolved {
    bool identity = false;
    std::vector<bool> reduce;  // per input dim
    Shape out;
  };

  // `axes` is null when not given (attribute absent / input omitted).
  Resolved resolve(Shape const& in, std::vector<int64_t> const* axes) const {
    Resolved r;
    int64_t rank = static_cast<int64_t>(in.size());
    r.reduce.assign(in.size(), false);
    bool all = axes == nullptr || axes->empty();
    if (all && axesInput_ && noop_) {
      r.identity = true;
      r.out = in;
      return r;
    }
    if (all) {
      std::fill(r.reduce.begin(), r.reduce.end(), true);
    } else {
      for (int64_t a : *axes) {
        // A repeated axis is reduced once: TensorRT's parser ORs the axes into a bit mask, and onnxruntime agrees.
        r.reduce[static_cast<size_t>(normalizeAxis(name_, "axis", a, rank))] = true;
      }
    }
    for (size_t i = 0; i < in.size(); ++i) {
      if (!r.reduce[i]) r.out.push_back(in[i]);
      else if (keepdims_) r.out.push_back(1);
    }
    return r;
  }

  bool extreme() const { return kind_ == RedKind::kMax || kind_ == RedKind::kMin; }

  std::vector<DType> types() const {
    if (extreme()) {
      return {DType::kFLOAT, DType::kHALF, DType::kBF16, DType::kINT8, DType::kUINT8, DType::kINT32, DType::kINT64};
    }
    if (kind_ == RedKind::kL2 || kind_ == RedKind::kLogSumExp || kind_ == RedKind::kLogSum) return {DType::kFLOAT, DType::kHALF, DType::kBF16};
    return {DType::kFLOAT, DType::kHALF, DType::kBF16, DType::kINT32, DType::kINT64};
  }

  // What each element contributes, and how contributions combine (the extremes have their own loop).
  double contribution(double v) const {
    switch (kind_) {
      case RedKind::kL1: return std::fabs(v);
      case RedKind::kL2:
      case RedKind::kSumSquare: return v * v;
      case RedKind::kLogSumExp: return std::exp(v);
      default: return v;
    }
  }
  int64_t contribution(int64_t v) const {
    switch (kind_) {
      case RedKind::kL1: return v < 0 ? wrapNeg<int64_t>(v) : v;
      case RedKind::kSumSquare: return wrapMul<int64_t>(v, v);
      default: return v;
    }
  }
  bool product() const { return kind_ == RedKind::kProd; }

  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    std::vector<DType> ok = types();
    bool found = false;
    for (DType d : ok) found = found || d == in[0].type;
    if (!found) fail(std::string("input data has unsupported type ") + dtypeName(in[0].type));
    Resolved r;
    if (axesInput_ && in.size() > 1) {
      std::vector<int64_t> axes = constInts(name_, "axes", in[1]);
      r = resolve(in[0].shape, &axes);
    } else {
      r = resolve(in[0].shape, hasAttrAxes_ ? &attrAxes_ : nullptr);
    }
    return {TensorInfo{in[0].type, r.out, nullptr}};
  }

  template <typename Tag>
  void reduce(HostTensor const& in, HostTensor const& out, Resolved const& r) const {
    using S = typename Tag::S;
    Shape const& s = in.shape;
    int64_t outVol = shapeVolume(r.out);
    int64_t inVol = shapeVolume(s);
    int64_t count = 1;
    for (size_t i = 0; i < s.size(); ++i)
      if (r.reduce[i]) count *= s[i];
    // Accumulator strides over the input dims: 0 on reduced dims, contiguous over the kept ones.
    std::vector<int64_t> accStrides(s.size(), 0);
    int64_t st = 1;
    for (size_t i = s.size(); i-- > 0;) {
      if (!r.reduce[i]) {
        accStrides[i] = st;
        st *= s[i];
      }
    }
    StridedPlan plan = makeStridedPlan(s, {contiguousStrides(s), accStrides});
    auto x = static_cast<S const*>(in.data);
    auto y = static_cast<S*>(out.data);
    if constexpr (Tag::kFloat) {
      // Sums start from -0, the identity of IEEE addition (+0 would turn a group of -0s into +0).
      double init = kind_ == RedKind::kMax ? -INFINITY : kind_ == RedKind::kMin ? INFINITY : product() ? 1.0 : -0.0;
      std::vector<double> acc(static_cast<size_t>(outVol), init);
      double* ap = acc.data();
      if (inVol > 0) {
        if (extreme()) {
          bool const isMax = kind_ == RedKind::kMax;
          // Start from the group's first element, then keep v when v > max: a NaN propagates only when it comes
          // first; later NaNs are skipped. This is the order of onnxruntime's plain loop; its vectorized path treats
          // NaNs otherwise (a differential fuzz saw it return 2 for [1, NaN, 2, 3]), so NaN results of ReduceMax are
          // not a point of comparison.
          std::vector<uint8_t> seen(static_cast<size_t>(outVol), 0);
          uint8_t* sp = seen.data();
          forEachRow(plan, [&](int64_t const* off, int64_t n, int64_t const* sd) {
            S const* xp = x + off[0];
            double* a = ap + off[1];
            uint8_t* sn = sp + off[1];
            int64_t const sa = sd[1];
            if (sa == 0) {
              int64_t j = 0;
              double t = *a;
              if (!*sn) {
                t = Tag::toF(xp[0]);
                j = 1;
                *sn = 1;
              }
              for (; j < n; ++j) {
                double v = Tag::toF(xp[j]);
                if (isMax ? v > t : v < t) t = v;
              }
              *a = t;
            } else {
              for (int64_t j = 0; j < n; ++j) {
                double v = Tag::toF(xp[j]);
                if (!sn[j * sa]) {
                  a[j * sa] = v;
                  sn[j * sa] = 1;
                } else if (isMax ? v > a[j * sa] : v < a[j * sa]) {
                  a[j * sa] = v;
                }
              }
            }
          });
        } else {
          forEachRow(plan, [&](int64_t const* off, int64_t n, int64_t const* sd) {
            S const* xp = x + off[0];
            double* a = ap + off[1];
            int64_t const sa = sd[1];
            if (product()) {
              for (int64_t j = 0; j < n; ++j) a[j * sa] *= Tag::toF(xp[j]);
            } else if (sa == 0) {
              double sum = -0.0;
              for (int64_t j = 0; j < n; ++j) sum += contribution(static_cast<double>(Tag::toF(xp[j])));
              *a += sum;
            } else {
              for (int64_t j = 0; j < n; ++j) a[j * sa] += contribution(static_cast<double>(Tag::toF(xp[j])));
            }
          });
        }
      }
      // The sums and the mean of an empty set are +0 (onnxruntime), not -0 or 0/0; its product is 1, its LogSumExp
      // and LogSum -Infinity and its extremes the opposite infinity.
      double div = kind_ == RedKind::kMean && count > 0 ? static_cast<double>(count) : 1.0;
      for (int64_t i = 0; i < outVol; ++i) {
        double v = acc[static_cast<size_t>(i)];
        if (kind_ == RedKind::kMean) v /= div;
        if (kind_ == RedKind::kL2) v = std::sqrt(v);
        bool const logarithm = kind_ == RedKind::kLogSumExp || kind_ == RedKind::kLogSum;
        if (count == 0 && !extreme() && !product()) v = 0.0;
        if (logarithm) v = std::log(v);
        y[i] = Tag::fromF(static_cast<float>(v));
      }
    } else {
      int64_t init = kind_ == RedKind::kMax   ? static_cast<int64_t>(std::numeric_limits<S>::min())
                     : kind_ == RedKind::kMin ? static_cast<int64_t>(std::numeric_limits<S>::max())
                     : product()              ? 1
                                              : 0;
      std::vector<int64_t> acc(static_cast<size_t>(outVol), init);
      int64_t* ap = acc.data();
      if (inVol > 0) {
        forEachRow(plan, [&](int64_t const* off, int64_t n, int64_t const* sd) {
          S const* xp = x + off[0];
          int64_t* a = ap + off[1];
          int64_t const sa = sd[1];
          if (kind_ == RedKind::kMax) {
            for (int64_t j = 0; j < n; ++j) {
              int64_t v = xp[j];
              if (v > a[j * sa]) a[j * sa] = v;
            }
          } else if (kind_ == RedKind::kMin) {
            for (int64_t j = 0; j < n; ++j) {
              int64_t v = xp[j];
              if (v < a[j * sa]) a[j * sa] = v;
            }
          } else if (product()) {
            for (int64_t j = 0; j < n; ++j) a[j * sa] = wrapMul<int64_t>(a[j * sa], static_cast<int64_t>(xp[j]));
          } else {
            for (int64_t j = 0; j < n; ++j) a[j * sa] = wrapAdd<int64_t>(a[j * sa], contribution(static_cast<int64_t>(xp[j])));
          }
        });
      }
      for (int64_t i = 0; i < outVol; ++i) {
        int64_t v = acc[static_cast<size_t>(i)];
        if (kind_ == RedKind::kMean && count > 0) v = v / count;
        y[i] = Tag::fromI(v);
      }
    }
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    Resolved r;
    if (axesInput_ && in.size() > 1) {
      HostTensor const& a = in[1];
      if (a.type != DType::kINT64 && a.type != DType::kINT32) fail("the axes input must be int64");
      int64_t n = shapeVolume(a.shape);
      std::vector<int64_t> axes(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) {
        axes[static_cast<size_t>(i)] = a.type == DType::kINT64 ? static_cast<int64_t const*>(a.data)[i]
                                                               : static_cast<int32_t const*>(a.data)[i];
      }
      r = resolve(in[0].shape, &axes);
    } else {
      r = resolve(in[0].shape, hasAttrAxes_ ? &attrAxes_ : nullptr);
    }
    expectShape(out[0], r.out);
    if (r.identity) {
      size_t bytes = static_cast<size_t>(shapeVolume(in[0].shape)) * dtypeSize(in[0].type);
      if (bytes && out[0].data != in[0].data) std::memmove(out[0].data, in[0].data, bytes);
      return;
    }
    visitDType(name_, in[0].type, [&](auto tag) {
      using Tag = decltype(tag);
      if constexpr (std::is_same<Tag, BoolTag>::value) {
        fail("input data has unsupported type bool");
      } else {
        reduce<Tag>(in[0], out[0], r);
      }
    });
  }

 private:
  RedKind kind_;
  bool axesInput_;
  bool hasAttrAxes_;
  std::vector<int64_t> attrAxes_;
  bool keepdims_;
  bool noop_;
};

}  // namespace

std::unique_ptr<Op> makeReduceOp(std::string const& type, Attributes const& attrs, int64_t opset) {
  static std::map<std::string, RedKind> const kinds = {
      {"ReduceMean", RedKind::kMean}, {"ReduceSum", RedKind::kSum}, {"ReduceMax", RedKind::kMax},
      {"ReduceMin", RedKind::kMin}, {"ReduceProd", RedKind::kProd}, {"ReduceL1", RedKind::kL1},
      {"ReduceL2", RedKind::kL2}, {"ReduceSumSquare", RedKind::kSumSquare}, {"ReduceLogSumExp", RedKind::kLogSumExp},
      {"ReduceLogSum", RedKind::kLogSum}};
  RedKind kind = kinds.at(type);
  int64_t since = kind == RedKind::kSum ? 13 : 18;
  bool axesInput = opset <= 0 || opset >= since;
  int64_t keep = attrs.getInt("keepdims", 1);
  if (keep != 0 && keep != 1) fail(type, "unsupported value " + std::to_string(keep) + " for attribute 'keepdims' (0 or 1)");
  if (axesInput) {
    if (attrs.has("axes")) {
      fail(type, "attribute 'axes' (value " + attributeValueString(attrs.values.at("axes")) +
                     ") is not valid from opset " + std::to_string(since) + " (axes are the second input); model opset is " +
                     std::to_string(opset));
    }
    checkAttributes(type, attrs, {"keepdims", "noop_with_empty_axes"});
    int64_t noop = attrs.getInt("noop_with_empty_axes", 0);
    if (noop != 0 && noop != 1) {
      fail(type, "unsupported value " + std::to_string(noop) + " for attribute 'noop_with_empty_axes' (0 or 1)");
    }
    return std::make_unique<ReduceOp>(type, kind, true, false, std::vector<int64_t>{}, keep == 1, noop == 1);
  }
  checkAttributes(type, attrs, {"keepdims", "axes"});
  bool has = attrs.has("axes");
  return std::make_unique<ReduceOp>(type, kind, false, has, attrs.getInts("axes", {}), keep == 1, false);
}

}  // namespace ops
}  // namespace trtsim
