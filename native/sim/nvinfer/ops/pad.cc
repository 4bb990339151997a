// Pad: widens (or, with negative pads, crops) every axis of the data. The pads are an attribute before opset 11 and
// an input from 11, with an optional constant_value input and, from 18, a constant axes input (TensorRT's parser
// takes no computed axes). Like Slice's ranges, the pads may be computed from input extents; pads computed from
// tensor data are not supported. Modes as TensorRT's slice layer samples them: constant (the fill value), edge
// (clamped), reflect (mirrored without repeating the edge) and wrap. uint8 data is refused, as there. Element bytes
// are moved, never converted.
#include <algorithm>
#include <cstring>

#include "common.h"

namespace trtsim {
namespace ops {
namespace {

enum class PadMode { kConstant, kReflect, kEdge, kWrap };

struct AxisPads {
  std::vector<int64_t> begin, end;
};

class PadOp : public OpBase {
 public:
  bool isShapeInput(int index) const override { return index == 1; }
  // Before opset 11 the pads and the fill value are attributes (`fixedPads`, `fixedValue`).
  PadOp(bool padsAsInputs, PadMode mode, std::vector<int64_t> fixedPads, float fixedValue)
      : OpBase("Pad", padsAsInputs ? 2 : 1, padsAsInputs ? 4 : 1),
        asInputs_(padsAsInputs),
        mode_(mode),
        fixedPads_(std::move(fixedPads)),
        fixedValue_(fixedValue) {}

  double flops(std::vector<HostTensor> const&, std::vector<HostTensor> const&) const override { return 0; }

 protected:
  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    requireType(in[0], "data", {DType::kFLOAT, DType::kHALF, DType::kBF16, DType::kINT8, DType::kINT32, DType::kINT64, DType::kBOOL});
    Shape const& s = in[0].shape;
    std::vector<int64_t> pads = fixedPads_, axes;
    if (asInputs_) {
      if (in[1].shape.size() != 1) fail("the pads input must be 1-D, got shape " + shapeToString(in[1].shape));
      if (in.size() > 2 && !in[2].omitted) {
        requireSameType(in[0], in[2], "data", "constant_value");
        int64_t volume = shapeVolume(in[2].shape);
        if (volume != 1 && !(volume < 0 && in[2].shape.size() <= 1)) {
          fail("constant_value must be a scalar, got shape " + shapeToString(in[2].shape));
        }
      }
      if (in.size() > 3 && !in[3].omitted) {
        if (!in[3].constData) fail("the axes input must be a constant (TensorRT's parser does not support computed axes)");
        axes = constInts(name_, "axes", in[3]);
      }
      if (!in[1].constData) return {TensorInfo{in[0].type, extentsKnownAtRunTime(s, axes), nullptr}};
      pads = constInts(name_, "pads", in[1]);
    }
    AxisPads p = perAxis(s.size(), pads, axes);
    Shape out = s;
    for (size_t d = 0; d < s.size(); ++d) {
      if (s[d] < 0) continue;
      out[d] = s[d] + p.begin[d] + p.end[d];
      if (out[d] < 0) {
        fail("axis " + std::to_string(d) + ": pads " + std::to_string(p.begin[d]) + " and " + std::to_string(p.end[d]) +
             " remove more than its extent " + std::to_string(s[d]));
      }
    }
    return {TensorInfo{in[0].type, out, nullptr}};
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    Shape const& s = in[0].shape;
    std::vector<int64_t> pads = asInputs_ ? hostInts(in[1]) : fixedPads_;
    std::vector<int64_t> axes = asInputs_ && in.size() > 3 && !in[3].omitted ? hostInts(in[3]) : std::vector<int64_t>{};
    AxisPads p = perAxis(s.size(), pads, axes);
    Shape outShape = s;
    for (size_t d = 0; d < s.size(); ++d) {
      outShape[d] = s[d] + p.begin[d] + p.end[d];
      bool padded = p.begin[d] > 0 || p.end[d] > 0;
      if (s[d] == 0 && padded && mode_ != PadMode::kConstant) {
        fail("axis " + std::to_string(d) + " is empty: only constant mode can pad it");
      }
    }
    expectShape(out[0], outShape);
    size_t const element = dtypeSize(in[0].type);
    std::vector<uint8_t> fill = fillValue(in, element);
    std::vector<int64_t> strides = contiguousStrides(s);
    std::vector<int64_t> index(s.size(), 0);
    auto src = static_cast<uint8_t const*>(in[0].data);
    auto dst = static_cast<uint8_t*>(out[0].data);
    int64_t n = shapeVolume(outShape);
    for (int64_t i = 0; i < n; ++i) {
      int64_t offset = 0;
      bool inside = true;
      for (size_t d = 0; d < s.size() && inside; ++d) {
        int64_t at = sample(index[d] - p.begin[d], s[d]);
        inside = at >= 0;
        offset += at * strides[d];
      }
      std::memcpy(dst + static_cast<size_t>(i) * element,
                  inside ? src + static_cast<size_t>(offset) * element : fill.data(), element);
      nextIndex(index, outShape);
    }
  }

 private:
  // The input index that output index `i - begin` = `at` reads along an axis of extent `dim`; -1 for the fill.
  int64_t sample(int64_t at, int64_t dim) const {
    if (at >= 0 && at < dim) return at;
    switch (mode_) {
      case PadMode::kConstant: return -1;
      case PadMode::kEdge: return std::clamp<int64_t>(at, 0, dim - 1);
      case PadMode::kWrap: return ((at % dim) + dim) % dim;
      case PadMode::kReflect: {
        if (dim == 1) return 0;
        int64_t period = 2 * (dim - 1);
        int64_t r = ((at % period) + period) % period;
        return r < dim ? r : period - r;
      }
    }
    return -1;
  }

  // The fill value's bytes in the data type: the constant_value input, or the attribute (0 by default) converted as
  // TensorRT's parser does (to the float type, or truncated to an integer).
  std::vector<uint8_t> fillValue(std::vector<HostTensor> const& in, size_t element) const {
    std::vector<uint8_t> bytes(element, 0);
    if (asInputs_ && in.size() > 2 && !in[2].omitted) {
      std::memcpy(bytes.data(), in[2].data, element);
      return bytes;
    }
    visitDType(name_, in[0].type, [&](auto tag) {
      using Tag = decltype(tag);
      typename Tag::S v;
      if constexpr (Tag::kFloat) v = Tag::fromF(fixedValue_);
      else v = Tag::fromI(static_cast<int64_t>(fixedValue_));
      std::memcpy(bytes.data(), &v, element);
    });
    return bytes;
  }

  // Begin and end pads per axis from ONNX's [begins..., ends...] over all axes, or over `axes` when given.
  AxisPads perAxis(size_t rank, std::vector<int64_t> const& pads, std::vector<int64_t> const& axes) const {
    size_t listed = axes.empty() ? rank : axes.size();
    if (pads.size() != 2 * listed) {
      fail("pads has " + std::to_string(pads.size()) + " values, expected " + std::to_string(2 * listed) +
           (axes.empty() ? " (two per axis of the data)" : " (two per listed axis)"));
    }
    AxisPads p{std::vector<int64_t>(rank, 0), std::vector<int64_t>(rank, 0)};
    std::vector<bool> seen(rank, false);
    for (size_t i = 0; i < listed; ++i) {
      size_t axis = axes.empty() ? i : static_cast<size_t>(normalizeAxis(name_, "axis", axes[i], static_cast<int64_t>(rank)));
      if (seen[axis]) fail("axis " + std::to_string(axes[i]) + " is listed more than once in axes");
      seen[axis] = true;
      p.begin[axis] = pads[i];
      p.end[axis] = pads[listed + i];
    }
    return p;
  }

  // The output shape while the pads are computed: padded extents are -1. Computed from input extents, they fold
  // once those are known; computed from data, they never do, and the build's profile check refuses the model.
  Shape extentsKnownAtRunTime(Shape const& s, std::vector<int64_t> const& axes) const {
    if (axes.empty()) return Shape(s.size(), -1);
    Shape out = s;
    for (int64_t a : axes) out[static_cast<size_t>(normalizeAxis(name_, "axis", a, static_cast<int64_t>(s.size())))] = -1;
    return out;
  }

  bool asInputs_;
  PadMode mode_;
  std::vector<int64_t> fixedPads_;
  float fixedValue_;
};

}  // namespace

std::unique_ptr<Op> makePadOp(std::string const& type, Attributes const& attrs, int64_t opset) {
  bool const asInputs = opset <= 0 || opset >= 11;
  if (asInputs) {
    checkAttributes(type, attrs, {"mode"});
  } else {
    checkAttributes(type, attrs, {"mode", "pads", "value"});
    if (!attrs.has("pads")) fail(type, "the pads attribute is required before opset 11");
  }
  std::string m = attrs.getString("mode", "constant");
  PadMode mode = PadMode::kConstant;
  if (m == "reflect") {
    mode = PadMode::kReflect;
  } else if (m == "edge") {
    mode = PadMode::kEdge;
  } else if (m == "wrap") {
    mode = PadMode::kWrap;
  } else if (m != "constant") {
    fail(type, "unsupported attribute 'mode' (" + m + ")");
  }
  return std::make_unique<PadOp>(asInputs, mode, attrs.getInts("pads", {}), attrs.getFloat("value", 0.f));
}

}  // namespace ops
}  // namespace trtsim
