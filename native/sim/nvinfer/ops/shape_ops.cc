// Data-movement and shape ops: Identity, Reshape, Flatten, Squeeze, Unsqueeze (views of the input bytes),
// Transpose, Concat, Shape and Size. All are dtype-agnostic (element bytes are moved, never converted).
#include <algorithm>

#include "common.h"

namespace trtsim {
namespace ops {
namespace {

void copyBytes(HostTensor const& in, HostTensor const& out) {
  size_t bytes = static_cast<size_t>(shapeVolume(in.shape)) * dtypeSize(in.type);
  if (bytes && in.data != out.data) std::memmove(out.data, in.data, bytes);
}

// Ops whose output holds exactly the input bytes under another shape.
class ViewOp : public OpBase {
 public:
  using OpBase::OpBase;
  double flops(std::vector<HostTensor> const&, std::vector<HostTensor> const&) const override { return 0; }

 protected:
  Fold foldPolicy() const override { return Fold::kView; }
  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    if (shapeVolume(out[0].shape) != shapeVolume(in[0].shape)) {
      fail("output buffer of shape " + shapeToString(out[0].shape) + " does not match the input " + shapeToString(in[0].shape));
    }
    if (out[0].type != in[0].type) fail("output buffer type differs from the input type");
    checkRuntime(in, out[0].shape);
    copyBytes(in[0], out[0]);
  }
  // Verifies the concrete output shape against the inputs (default: none).
  virtual void checkRuntime(std::vector<HostTensor> const&, Shape const&) const {}
};

class IdentityOp : public ViewOp {
 public:
  IdentityOp() : ViewOp("Identity", 1, 1) {}

 protected:
  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    return {TensorInfo{in[0].type, in[0].shape, nullptr}};
  }
  void checkRuntime(std::vector<HostTensor> const& in, Shape const& out) const override {
    if (out != in[0].shape) fail("output buffer has shape " + shapeToString(out) + ", expected " + shapeToString(in[0].shape));
  }
};

// ---------------------------------------------------------------------------------------------------------------

class ReshapeOp : public ViewOp {
 public:
  bool isShapeInput(int index) const override { return index == 1; }
  explicit ReshapeOp(bool allowzero) : ViewOp("Reshape", 2, 2), allowzero_(allowzero) {}

 protected:
  Shape target(Shape const& in, std::vector<int64_t> const& spec) const {
    Shape out(spec.size(), 0);
    int64_t inferIdx = -1;
    bool hasZero = false;
    bool copiedZero = false;  // a 0 entry copies an input extent of 0
    std::vector<bool> copied(in.size(), false);  // input dims reproduced by a 0 entry
    for (size_t i = 0; i < spec.size(); ++i) {
      int64_t v = spec[i];
      if (v == -1) {
        if (inferIdx >= 0) fail("the shape " + shapeToString(spec) + " has more than one -1");
        inferIdx = static_cast<int64_t>(i);
        out[i] = -1;
      } else if (v == 0 && !allowzero_) {
        if (i >= in.size()) {
          fail("shape[" + std::to_string(i) + "] is 0 (copy the input extent) but the input " + shapeToString(in) +
               " has rank " + std::to_string(in.size()));
        }
        out[i] = in[i];
        copied[i] = true;
        copiedZero = copiedZero || in[i] == 0;
      } else if (v < 0) {
        fail("invalid value " + std::to_string(v) + " in the shape " + shapeToString(spec));
      } else {
        hasZero = hasZero || v == 0;
        out[i] = v;
      }
    }
    if (allowzero_ && hasZero && inferIdx >= 0) {
      fail("the shape " + shapeToString(spec) + " holds both 0 and -1, which allowzero=1 forbids");
    }
    // Known products, and whether every unknown input extent reappears (copied by a 0) in the output.
    int64_t inKnown = 1, outKnown = 1;
    bool inZero = false, outZero = false;
    bool unknownsCancel = true;
    for (size_t i = 0; i < in.size(); ++i) {
      if (in[i] < 0) {
        if (!copied[i]) unknownsCancel = false;
      } else if (!copied[i]) {
        if (in[i] == 0) inZero = true;
        else inKnown *= in[i];
      }
    }
    for (size_t i = 0; i < out.size(); ++i) {
      if (static_cast<int64_t>(i) == inferIdx) continue;
      if (spec[i] == 0 && !allowzero_) continue;  // copied: cancels with the input dim (known or not)
      if (out[i] == 0) outZero = true;
      else outKnown *= out[i];
    }
    // The input and output volumes share the copied dims, so compare what is left: inKnown/inZero vs outKnown/outZero.
    if (inferIdx >= 0) {
      if (!unknownsCancel) return out;  // extent depends on an unknown input dim
      if (outZero || copiedZero) {
        fail("cannot infer the -1 in " + shapeToString(spec) + " for input " + shapeToString(in) +
             ": the other extents multiply to 0");
      }
      if (inZero) {
        out[static_cast<size_t>(inferIdx)] = 0;
      } else {
        if (inKnown % outKnown != 0) {
          fail("cannot reshape " + shapeToString(in) + " to " + shapeToString(spec) + ": " + std::to_string(inKnown) +
               " elements are not divisible by " + std::to_string(outKnown));
        }
        out[static_cast<size_t>(inferIdx)] = inKnown / outKnown;
      }
      return out;
    }
    if (unknownsCancel && !copiedZero) {
      bool same = inZero || outZero ? (inZero && outZero) : inKnown == outKnown;
      if (!same) {
        fail("cannot reshape " + shapeToString(in) + " (" + std::to_string(shapeVolume(in)) + " elements) to " +
             shapeToString(spec) + " (" + std::to_string(shapeVolume(out)) + " elements)");
      }
    }
    return out;
  }

  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    if (in[1].shape.size() != 1) fail("the shape input must be 1-D, got shape " + shapeToString(in[1].shape));
    if (!in[1].constData) {
      // A shape computed from dynamic extents (Shape -> Gather -> Concat of a dynamic batch) folds at run time, when
      // the extents are known; one given by a shape input is read when a run sets its values. Either way the output
      // rank is known already.
      if (in[1].shape[0] < 0) fail("the shape input must have a known length, got shape " + shapeToString(in[1].shape));
      return {TensorInfo{in[0].type, Shape(in[1].shape[0], -1), nullptr}};
    }
    std::vector<int64_t> spec = constInts(name_, "shape", in[1]);
    return {TensorInfo{in[0].type, target(in[0].shape, spec), nullptr}};
  }

 private:
  bool allowzero_;
};

class FlattenOp : public ViewOp {
 public:
  explicit FlattenOp(int64_t axis) : ViewOp("Flatten", 1, 1), axis_(axis) {}

 protected:
  Shape target(Shape const& s) const {
    int64_t axis = normalizeAxis(name_, "axis", axis_, static_cast<int64_t>(s.size()), true);
    return {productOf(s, 0, static_cast<size_t>(axis)), productOf(s, static_cast<size_t>(axis), s.size())};
  }
  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    return {TensorInfo{in[0].type, target(in[0].shape), nullptr}};
  }
  void checkRuntime(std::vector<HostTensor> const& in, Shape const& out) const override {
    Shape want = target(in[0].shape);
    if (out != want) fail("output buffer has shape " + shapeToString(out) + ", expected " + shapeToString(want));
  }

 private:
  int64_t axis_;
};

class UnsqueezeOp : public ViewOp {
 public:
  UnsqueezeOp(bool axesInput, std::vector<int64_t> attrAxes)
      : ViewOp("Unsqueeze", axesInput ? 2 : 1, axesInput ? 2 : 1), axesInput_(axesInput), attrAxes_(std::move(attrAxes)) {}

 protected:
  Shape target(Shape const& s, std::vector<int64_t> const& axes) const {
    int64_t rank = static_cast<int64_t>(s.size() + axes.size());
    std::vector<bool> ins(static_cast<size_t>(rank), false);
    for (int64_t a : axes) {
      int64_t n = normalizeAxis(name_, "axis", a, rank);
      if (ins[static_cast<size_t>(n)]) fail("axis " + std::to_string(a) + " is listed more than once in axes");
      ins[static_cast<size_t>(n)] = true;
    }
    Shape out;
    size_t j = 0;
    for (int64_t i = 0; i < rank; ++i) out.push_back(ins[static_cast<size_t>(i)] ? 1 : s[j++]);
    return out;
  }
  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    std::vector<int64_t> axes = axesInput_ ? constInts(name_, "axes", in[1]) : attrAxes_;
    if (axesInput_ && in[1].shape.size() > 1) fail("the axes input must be 1-D, got shape " + shapeToString(in[1].shape));
    return {TensorInfo{in[0].type, target(in[0].shape, axes), nullptr}};
  }

 private:
  bool axesInput_;
  std::vector<int64_t> attrAxes_;
};

class SqueezeOp : public ViewOp {
 public:
  SqueezeOp(bool axesInput, bool hasAttrAxes, std::vector<int64_t> attrAxes)
      : ViewOp("Squeeze", 1, axesInput ? 2 : 1),
        axesInput_(axesInput),
        hasAttrAxes_(hasAttrAxes),
        attrAxes_(std::move(attrAxes)) {}

 protected:
  Shape target(Shape const& s, std::vector<int64_t> const* axes) const {
    int64_t rank = static_cast<int64_t>(s.size());
    std::vector<bool> drop(s.size(), false);
    if (axes && !axes->empty()) {  // an empty axes list squeezes every extent-1 dim, as onnxruntime does
      for (int64_t a : *axes) {
        int64_t n = normalizeAxis(name_, "axis", a, rank);
        if (drop[static_cast<size_t>(n)]) fail("axis " + std::to_string(a) + " is listed more than once in axes");
        int64_t d = s[static_cast<size_t>(n)];
        if (d >= 0 && d != 1) {
          fail("cannot squeeze axis " + std::to_string(a) + " of " + shapeToString(s) + ": its extent is " +
               std::to_string(d) + ", not 1");
        }
        drop[static_cast<size_t>(n)] = true;
      }
    } else {
      for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] < 0) {
          fail("without axes, which dimensions of " + shapeToString(s) + " to remove depends on dimension " +
               std::to_string(i) + ", unknown at build time; give the axes explicitly");
        }
        drop[i] = s[i] == 1;
      }
    }
    Shape out;
    for (size_t i = 0; i < s.size(); ++i)
      if (!drop[i]) out.push_back(s[i]);
    return out;
  }
  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    if (axesInput_ && in.size() > 1) {
      if (in[1].shape.size() > 1) fail("the axes input must be 1-D, got shape " + shapeToString(in[1].shape));
      std::vector<int64_t> axes = constInts(name_, "axes", in[1]);
      return {TensorInfo{in[0].type, target(in[0].shape, &axes), nullptr}};
    }
    return {TensorInfo{in[0].type, target(in[0].shape, hasAttrAxes_ ? &attrAxes_ : nullptr), nullptr}};
  }

 private:
  bool axesInput_;
  bool hasAttrAxes_;
  std::vector<int64_t> attrAxes_;
};

// ---------------------------------------------------------------------------------------------------------------

template <typename T>
void permute(StridedPlan const& plan, T const* src, T* dst) {
  forEachRow(plan, [&](int64_t const* off, int64_t n, int64_t const* s) {
    T* d = dst + off[0];
    T const* p = src + off[1];
    int64_t const st = s[1];
    for (int64_t j = 0; j < n; ++j) d[j] = p[j * st];
  });
}

class TransposeOp : public OpBase {
 public:
  TransposeOp(bool hasPerm, std::vector<int64_t> perm) : OpBase("Transpose", 1, 1), hasPerm_(hasPerm), perm_(std::move(perm)) {}

 protected:
  std::vector<int64_t> permFor(size_t rank) const {
    if (!hasPerm_) {
      std::vector<int64_t> p(rank);
      for (size_t i = 0; i < rank; ++i) p[i] = static_cast<int64_t>(rank - 1 - i);
      return p;
    }
    if (perm_.size() != rank) {
      fail("perm " + shapeToString(perm_) + " has " + std::to_string(perm_.size()) + " entries but the input has rank " +
           std::to_string(rank));
    }
    std::vector<bool> seen(rank, false);
    std::vector<int64_t> p(rank);
    for (size_t i = 0; i < rank; ++i) {
      int64_t v = perm_[i];
      if (v < 0 || v >= static_cast<int64_t>(rank) || seen[static_cast<size_t>(v)]) {
        fail("perm " + shapeToString(perm_) + " is not a permutation of the " + std::to_string(rank) + " input axes");
      }
      seen[static_cast<size_t>(v)] = true;
      p[i] = v;
    }
    return p;
  }
  Shape target(Shape const& s) const {
    std::vector<int64_t> p = permFor(s.size());
    Shape out(s.size());
    for (size_t i = 0; i < s.size(); ++i) out[i] = s[static_cast<size_t>(p[i])];
    return out;
  }
  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    return {TensorInfo{in[0].type, target(in[0].shape), nullptr}};
  }
  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    Shape const& s = in[0].shape;
    Shape os = target(s);
    expectShape(out[0], os);
    std::vector<int64_t> p = permFor(s.size());
    std::vector<int64_t> is = contiguousStrides(s), ps(s.size());
    for (size_t i = 0; i < s.size(); ++i) ps[i] = is[static_cast<size_t>(p[i])];
    StridedPlan plan = makeStridedPlan(os, {contiguousStrides(os), ps});
    switch (dtypeSize(in[0].type)) {
      case 1: permute(plan, static_cast<uint8_t const*>(in[0].data), static_cast<uint8_t*>(out[0].data)); break;
      case 2: permute(plan, static_cast<uint16_t const*>(in[0].data), static_cast<uint16_t*>(out[0].data)); break;
      case 4: permute(plan, static_cast<uint32_t const*>(in[0].data), static_cast<uint32_t*>(out[0].data)); break;
      case 8: permute(plan, static_cast<uint64_t const*>(in[0].data), static_cast<uint64_t*>(out[0].data)); break;
      default: fail("internal: bad element size");
    }
  }

 private:
  bool hasPerm_;
  std::vector<int64_t> perm_;
};

class ConcatOp : public OpBase {
 public:
  explicit ConcatOp(int64_t axis) : OpBase("Concat", 1, 1 << 20), axis_(axis) {}

 protected:
  Shape target(std::vector<Shape const*> const& shapes, int64_t* axisOut) const {
    Shape const& first = *shapes[0];
    if (first.empty()) fail("inputs must have rank >= 1, got a scalar");
    int64_t axis = normalizeAxis(name_, "axis", axis_, static_cast<int64_t>(first.size()));
    *axisOut = axis;
    Shape out = first;
    out[static_cast<size_t>(axis)] = 0;
    bool axisUnknown = false;
    for (size_t k = 0; k < shapes.size(); ++k) {
      Shape const& s = *shapes[k];
      if (s.size() != first.size()) {
        fail("input " + std::to_string(k) + " has shape " + shapeToString(s) + ", rank " + std::to_string(s.size()) +
             " differs from input 0's " + shapeToString(first));
      }
      for (size_t d = 0; d < s.size(); ++d) {
        if (static_cast<int64_t>(d) == axis) {
          if (s[d] < 0) axisUnknown = true;
          else out[d] += s[d];
          continue;
        }
        if (s[d] >= 0) {
          if (out[d] >= 0 && out[d] != s[d]) {
            fail("input " + std::to_string(k) + " has shape " + shapeToString(s) + ", incompatible with " +
                 shapeToString(*shapes[0]) + " outside axis " + std::to_string(axis_) + " (dimension " +
                 std::to_string(d) + ")");
          }
          out[d] = s[d];
        }
      }
    }
    if (axisUnknown) out[static_cast<size_t>(axis)] = -1;
    return out;
  }

  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    std::vector<Shape const*> shapes;
    for (size_t k = 0; k < in.size(); ++k) {
      if (in[k].type != in[0].type) {
        fail("input " + std::to_string(k) + " has type " + dtypeName(in[k].type) + ", input 0 has " + dtypeName(in[0].type));
      }
      shapes.push_back(&in[k].shape);
    }
    int64_t axis = 0;
    return {TensorInfo{in[0].type, target(shapes, &axis), nullptr}};
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    std::vector<Shape const*> shapes;
    for (auto const& t : in) shapes.push_back(&t.shape);
    int64_t axis = 0;
    Shape os = target(shapes, &axis);
    expectShape(out[0], os);
    size_t es = dtypeSize(in[0].type);
    int64_t outer = productOf(os, 0, static_cast<size_t>(axis));
    size_t innerBytes = static_cast<size_t>(productOf(os, static_cast<size_t>(axis) + 1, os.size())) * es;
    auto dst = static_cast<uint8_t*>(out[0].data);
    std::vector<size_t> chunk(in.size());
    for (size_t k = 0; k < in.size(); ++k) chunk[k] = static_cast<size_t>(in[k].shape[static_cast<size_t>(axis)]) * innerBytes;
    for (int64_t o = 0; o < outer; ++o) {
      for (size_t k = 0; k < in.size(); ++k) {
        if (chunk[k] == 0) continue;
        std::memcpy(dst, static_cast<uint8_t const*>(in[k].data) + static_cast<size_t>(o) * chunk[k], chunk[k]);
        dst += chunk[k];
      }
    }
  }

 private:
  int64_t axis_;
};

class ShapeOp : public OpBase {
 public:
  ShapeOp(int64_t start, bool hasEnd, int64_t end) : OpBase("Shape", 1, 1), start_(start), hasEnd_(hasEnd), end_(end) {}

  double flops(std::vector<HostTensor> const&, std::vector<HostTensor> const&) const override { return 0; }

 protected:
  Fold foldPolicy() const override { return Fold::kNever; }  // folded in infer() from the shape alone

  void range(int64_t rank, int64_t* b, int64_t* e) const {
    int64_t s = start_ < 0 ? start_ + rank : start_;
    int64_t t = hasEnd_ ? (end_ < 0 ? end_ + rank : end_) : rank;
    s = std::min(std::max<int64_t>(s, 0), rank);
    t = std::min(std::max<int64_t>(t, 0), rank);
    *b = s;
    *e = std::max(s, t);
  }

  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    int64_t b, e;
    range(static_cast<int64_t>(in[0].shape.size()), &b, &e);
    std::vector<int64_t> dims(in[0].shape.begin() + b, in[0].shape.begin() + e);
    if (isKnown(dims)) return {int64Constant(dims, {e - b})};
    return {TensorInfo{DType::kINT64, {e - b}, nullptr}};
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    int64_t b, e;
    range(static_cast<int64_t>(in[0].shape.size()), &b, &e);
    expectShape(out[0], {e - b});
    if (out[0].type != DType::kINT64) fail("output buffer must be int64");
    auto dst = static_cast<int64_t*>(out[0].data);
    for (int64_t i = b; i < e; ++i) dst[i - b] = in[0].shape[static_cast<size_t>(i)];
  }

 private:
  int64_t start_;
  bool hasEnd_;
  int64_t end_;
};

// Size: the input's element count as an int64 scalar, folded from the shape alone as Shape is.
class SizeOp : public OpBase {
 public:
  SizeOp() : OpBase("Size", 1, 1) {}

  double flops(std::vector<HostTensor> const&, std::vector<HostTensor> const&) const override { return 0; }

 protected:
  Fold foldPolicy() const override { return Fold::kNever; }

  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    int64_t volume = shapeVolume(in[0].shape);
    if (volume >= 0) return {int64Constant({volume}, {})};
    return {TensorInfo{DType::kINT64, {}, nullptr}};
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    expectShape(out[0], {});
    if (out[0].type != DType::kINT64) fail("output buffer must be int64");
    *static_cast<int64_t*>(out[0].data) = shapeVolume(in[0].shape);
  }
};

}  // namespace

std::unique_ptr<Op> makeShapeOp(std::string const& type, Attributes const& attrs, int64_t opset) {
  bool axesInput = opset <= 0 || opset >= 13;
  if (type == "Identity") {
    checkAttributes(type, attrs, {});
    return std::make_unique<IdentityOp>();
  }
  if (type == "Size") {
    checkAttributes(type, attrs, {});
    return std::make_unique<SizeOp>();
  }
  if (type == "Reshape") {
    checkAttributes(type, attrs, {"allowzero"});
    int64_t az = attrs.getInt("allowzero", 0);
    if (az != 0 && az != 1) fail(type, "unsupported value " + std::to_string(az) + " for attribute 'allowzero' (0 or 1)");
    return std::make_unique<ReshapeOp>(az == 1);
  }
  if (type == "Flatten") {
    checkAttributes(type, attrs, {"axis"});
    return std::make_unique<FlattenOp>(attrs.getInt("axis", 1));
  }
  if (type == "Unsqueeze" || type == "Squeeze") {
    if (axesInput) {
      if (attrs.has("axes")) {
        fail(type, "attribute 'axes' (value " + attributeValueString(attrs.values.at("axes")) +
                       ") is not valid from opset 13 (axes are the second input); model opset is " + std::to_string(opset));
      }
      checkAttributes(type, attrs, {});
    } else {
      checkAttributes(type, attrs, {"axes"});
    }
    if (type == "Unsqueeze") {
      if (!axesInput && !attrs.has("axes")) fail(type, "missing required attribute 'axes'");
      return std::make_unique<UnsqueezeOp>(axesInput, attrs.getInts("axes", {}));
    }
    return std::make_unique<SqueezeOp>(axesInput, attrs.has("axes"), attrs.getInts("axes", {}));
  }
  if (type == "Transpose") {
    checkAttributes(type, attrs, {"perm"});
    return std::make_unique<TransposeOp>(attrs.has("perm"), attrs.getInts("perm", {}));
  }
  if (type == "Concat") {
    checkAttributes(type, attrs, {"axis"});
    if (!attrs.has("axis")) fail(type, "missing required attribute 'axis'");
    return std::make_unique<ConcatOp>(attrs.getInt("axis", 0));
  }
  if (type == "Shape") {
    checkAttributes(type, attrs, {"start", "end"});
    return std::make_unique<ShapeOp>(attrs.getInt("start", 0), attrs.has("end"), attrs.getInt("end", 0));
  }
  fail(type, "internal: not a shape op");
}

}  // namespace ops
}  // namespace trtsim
