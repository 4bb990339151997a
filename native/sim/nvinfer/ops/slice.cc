// Slice: the elements of a strided range along some axes. starts/ends/axes are attributes before opset 10, and
// inputs (with steps) from 10. axes must be constant, as TensorRT's parser requires. starts, ends and steps may be
// computed from input extents (Shape -> Gather -> Sub -> Slice, or a static position table sliced to a dynamic
// sequence length): then the sliced extents are known only at run time, when that arithmetic folds; ranges computed
// from data are not supported.
// Out-of-range starts and ends are clamped as the ONNX spec says, negative steps walk backwards, and element bytes
// are moved, never converted (any data type).
#include <algorithm>
#include <cstring>
#include <limits>

#include "common.h"

namespace trtsim {
namespace ops {
namespace {

struct SliceParams {
  std::vector<int64_t> starts, ends, axes, steps;
};

// Where the output's extent `count` along one input axis starts, and its stride in input elements.
struct AxisRange {
  int64_t start = 0;
  int64_t step = 1;
  int64_t count = -1;  // -1: the input extent is unknown
};

class SliceOp : public OpBase {
 public:
  bool isShapeInput(int index) const override { return index == 1 || index == 2 || index == 4; }
  // Before opset 10 the ranges are attributes (`fixed`); from 10 they are inputs 1..4.
  SliceOp(bool rangesAsInputs, SliceParams fixed)
      : OpBase("Slice", rangesAsInputs ? 3 : 1, rangesAsInputs ? 5 : 1), asInputs_(rangesAsInputs), fixed_(std::move(fixed)) {}

  double flops(std::vector<HostTensor> const&, std::vector<HostTensor> const&) const override { return 0; }

 protected:
  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    SliceParams p = fixed_;
    if (asInputs_) {
      char const* names[] = {"starts", "ends", "axes", "steps"};
      std::vector<int64_t>* fields[] = {&p.starts, &p.ends, &p.axes, &p.steps};
      bool atRunTime = false;
      for (size_t k = 1; k < in.size(); ++k) {
        if (in[k].omitted && k >= 3) continue;  // axes and steps are optional
        if (in[k].shape.size() != 1) fail(std::string("the ") + names[k - 1] + " input must be 1-D, got shape " + shapeToString(in[k].shape));
        if (!in[k].constData && k != 3) {
          atRunTime = true;
          continue;
        }
        *fields[k - 1] = constInts(name_, names[k - 1], in[k]);
      }
      if (atRunTime) return {TensorInfo{in[0].type, extentsKnownAtRunTime(in, p.axes), nullptr}};
    }
    Shape out;
    for (AxisRange const& r : ranges(in[0].shape, p)) out.push_back(r.count);
    return {TensorInfo{in[0].type, out, nullptr}};
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    SliceParams p = fixed_;
    if (asInputs_) {
      std::vector<int64_t>* fields[] = {&p.starts, &p.ends, &p.axes, &p.steps};
      for (size_t k = 1; k < in.size(); ++k) {
        if (!in[k].omitted) *fields[k - 1] = hostInts(in[k]);
      }
    }
    Shape const& s = in[0].shape;
    std::vector<AxisRange> r = ranges(s, p);
    Shape outShape;
    for (AxisRange const& a : r) outShape.push_back(a.count);
    expectShape(out[0], outShape);
    size_t element = dtypeSize(in[0].type);
    int64_t n = shapeVolume(outShape);
    std::vector<int64_t> inStrides = contiguousStrides(s);
    std::vector<int64_t> index(s.size(), 0);
    auto src = static_cast<uint8_t const*>(in[0].data);
    auto dst = static_cast<uint8_t*>(out[0].data);
    for (int64_t i = 0; i < n; ++i) {
      int64_t offset = 0;
      for (size_t d = 0; d < s.size(); ++d) offset += (r[d].start + index[d] * r[d].step) * inStrides[d];
      std::memcpy(dst + static_cast<size_t>(i) * element, src + static_cast<size_t>(offset) * element, element);
      nextIndex(index, outShape);
    }
  }

 private:
  // The output shape while starts, ends or steps are computed: the sliced extents are -1. Computed from input
  // extents, they fold once those are known; computed from data, they never do, and the build's profile check
  // refuses the model (shapes.cc).
  Shape extentsKnownAtRunTime(std::vector<TensorInfo> const& in, std::vector<int64_t> axes) const {
    Shape out = in[0].shape;
    int64_t count = in[1].shape[0];
    if (axes.empty()) {
      if (count < 0) return Shape(out.size(), -1);
      for (int64_t i = 0; i < count; ++i) axes.push_back(i);
    }
    for (int64_t a : axes) out[static_cast<size_t>(normalizeAxis(name_, "axis", a, static_cast<int64_t>(out.size())))] = -1;
    return out;
  }

  std::vector<AxisRange> ranges(Shape const& s, SliceParams const& p) const {
    int64_t rank = static_cast<int64_t>(s.size());
    if (p.starts.size() != p.ends.size()) {
      fail("starts and ends have " + std::to_string(p.starts.size()) + " and " + std::to_string(p.ends.size()) + " values");
    }
    std::vector<int64_t> axes = p.axes;
    if (axes.empty()) {
      for (size_t i = 0; i < p.starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
    }
    if (axes.size() != p.starts.size()) fail("axes has " + std::to_string(axes.size()) + " values, starts " + std::to_string(p.starts.size()));
    if (!p.steps.empty() && p.steps.size() != p.starts.size()) fail("steps has " + std::to_string(p.steps.size()) + " values, starts " + std::to_string(p.starts.size()));
    std::vector<AxisRange> r(s.size());
    std::vector<bool> seen(s.size(), false);
    for (size_t d = 0; d < s.size(); ++d) r[d].count = s[d];
    for (size_t i = 0; i < axes.size(); ++i) {
      size_t axis = static_cast<size_t>(normalizeAxis(name_, "axis", axes[i], rank));
      if (seen[axis]) fail("axis " + std::to_string(axes[i]) + " is listed more than once in axes");
      seen[axis] = true;
      int64_t step = p.steps.empty() ? 1 : p.steps[i];
      if (step == 0) fail("steps must not be 0");
      r[axis].step = step;
      int64_t dim = s[axis];
      if (dim < 0) {
        r[axis].count = -1;
        continue;
      }
      // The ONNX spec's clamping: starts to [0, dim] going forwards and [0, dim-1] backwards; ends to [0, dim]
      // forwards and [-1, dim-1] backwards.
      int64_t start = p.starts[i] < 0 ? p.starts[i] + dim : p.starts[i];
      int64_t end = p.ends[i] < 0 ? p.ends[i] + dim : p.ends[i];
      if (step > 0) {
        start = std::clamp<int64_t>(start, 0, dim);
        end = std::clamp<int64_t>(end, 0, dim);
      } else {
        start = std::clamp<int64_t>(start, 0, std::max<int64_t>(dim - 1, 0));
        end = std::clamp<int64_t>(end, -1, dim - 1);
      }
      int64_t span = step > 0 ? end - start : start - end;
      int64_t stride = step > 0 ? step : -step;
      r[axis].start = start;
      r[axis].count = span <= 0 || dim == 0 ? 0 : (span + stride - 1) / stride;
    }
    return r;
  }

  bool asInputs_;
  SliceParams fixed_;
};

}  // namespace

std::unique_ptr<Op> makeSliceOp(std::string const& type, Attributes const& attrs, int64_t opset) {
  if (opset <= 0 || opset >= 10) {
    checkAttributes(type, attrs, {});
    return std::make_unique<SliceOp>(true, SliceParams{});
  }
  checkAttributes(type, attrs, {"starts", "ends", "axes"});
  if (!attrs.has("starts") || !attrs.has("ends")) fail(type, "the starts and ends attributes are required before opset 10");
  return std::make_unique<SliceOp>(false, SliceParams{attrs.getInts("starts", {}), attrs.getInts("ends", {}), attrs.getInts("axes", {}), {}});
}

}  // namespace ops
}  // namespace trtsim
