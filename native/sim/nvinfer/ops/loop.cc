// Loop as TensorRT's ONNX parser builds it: an ILoop whose trip limit is the trip count M (kCOUNT) and, when the
// node has a condition, the condition carried from one iteration to the next (kWHILE); recurrences for the carried
// values, whose last values are the node's first outputs; and the body's scan outputs concatenated along a new first
// axis. The body runs with the simulator's own ops (SubGraphRunner).
//
// What the parser's network would compute otherwise than ONNX is refused:
// - scan outputs without a trip count: the parser gives them a dummy length of 1024;
// - scan outputs of a loop that a condition may end before M iterations: the parser's outputs keep M rows. Allowed
//   only when the condition is a weight that is true and the body's cond output is then known true (passed on, or a
//   constant), as exporters write a counted loop.
// - a body that reads iteration_num without a trip count, or cond without a condition: the parser gives those
//   inputs no value;
// - a carried value whose shape or type changes in the body: a recurrence keeps its input's;
// - neither a trip count nor a condition: the loop would never end.
// A trip count of INT32_MAX or more that is a weight counts as none, as the parser reads it ("loop on cond").
// The inputs are M, cond, the initial carried values, then the tensors of the enclosing graphs the body reads (in the
// order of the "trtsim.captured" attribute).
#include <algorithm>
#include <cstring>
#include <limits>

#include "common.h"
#include "subgraph.h"

namespace trtsim {
namespace ops {
namespace {

class LoopOp : public OpBase {
 public:
  bool isShapeInput(int index) const override { return index == 0; }
  LoopOp(std::shared_ptr<SubGraph const> const& body, std::vector<std::string> const& captured, int64_t opset)
      : OpBase("Loop", 0, static_cast<int>(body->inputs.size() + captured.size()),
               static_cast<int>(std::max<size_t>(body->outputs.size(), 2) - 1)),
        body_("Loop", "body", body, captured, opset),
        carried_(body->inputs.size() >= 2 ? body->inputs.size() - 2 : 0),
        captured_(captured.size()) {
    if (body->inputs.size() < 2) fail("body must take iteration_num and cond, then the carried values; it has " + std::to_string(body->inputs.size()) + " inputs");
    if (body->outputs.size() < 1 + carried_) {
      fail("body has " + std::to_string(body->outputs.size()) + " outputs; cond and the " + std::to_string(carried_) + " carried values need " +
           std::to_string(1 + carried_));
    }
    scans_ = body->outputs.size() - 1 - carried_;
  }

  double flops(std::vector<HostTensor> const& in, std::vector<HostTensor> const&) const override {
    // The kernels are timed before the trip count is read: one iteration's work.
    return body_.flops(bodyInputs(in, HostTensor{DType::kINT64, {}, nullptr}, HostTensor{DType::kBOOL, {}, nullptr}, nullptr));
  }

 protected:
  Fold foldPolicy() const override { return Fold::kNever; }

  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    // Trailing omitted inputs are dropped before the op sees them, so M and cond alone may come as fewer than two.
    size_t const expected = 2 + carried_ + captured_;
    if (carried_ + captured_ > 0 ? in.size() != expected : in.size() > 2) {
      fail("the body takes " + std::to_string(carried_) + " carried values, the node gives " +
           std::to_string(in.size() > 2 + captured_ ? in.size() - 2 - captured_ : 0));
    }
    if (given(in, 0)) {
      requireType(in[0], "the trip count M", {DType::kINT64});
      if (shapeVolume(in[0].shape) != 1) fail("the trip count M must hold one value, got shape " + shapeToString(in[0].shape));
    }
    bool const hasCount = given(in, 0) && !countIsUnbounded(in[0]);
    bool const hasCondition = given(in, 1);
    if (hasCondition) {
      requireType(in[1], "the condition", {DType::kBOOL});
      if (shapeVolume(in[1].shape) != 1) fail("the condition must hold one value, got shape " + shapeToString(in[1].shape));
    }
    if (!hasCount && !hasCondition) fail("the loop has neither a trip count nor a condition: TensorRT's loop needs a trip limit");
    if (!hasCount && body_.readsInput(0)) fail("the body reads iteration_num, which TensorRT's parser gives no value without a trip count");
    if (!hasCondition && body_.readsInput(1)) fail("the body reads cond, which TensorRT's parser gives no value without a condition input");
    if (!hasCount && scans_ > 0) {
      fail("scan outputs of a loop without a trip count are not modelled: TensorRT's parser gives them a dummy length of 1024");
    }
    std::vector<TensorInfo> out = body_.infer(bodyInfos(in));
    TensorInfo const& cond = out[0];
    if (cond.type != DType::kBOOL || shapeVolume(cond.shape) != 1) {
      fail("the body's first output (cond) must be one bool, got " + std::string(dtypeName(cond.type)) + " of shape " + shapeToString(cond.shape));
    }
    if (hasCondition && scans_ > 0 && !(isTrue(in[1]) && isTrue(cond))) {
      fail("scan outputs of a loop that its condition may end before the trip count are not modelled: TensorRT's "
           "scan outputs keep the trip count's rows (a condition that is a weight true, passed on by the body, is)");
    }
    std::vector<TensorInfo> result;
    for (size_t k = 0; k < carried_; ++k) {
      requireRecurrence("Loop", "carried value " + std::to_string(k), in[2 + k], out[1 + k]);
      result.push_back(TensorInfo{in[2 + k].type, in[2 + k].shape, nullptr});
    }
    int64_t const trips = hasCount && in[0].constData ? tripCount(in[0]) : -1;
    if (scans_ > 0 && trips < 0 && allKnown(in)) {
      // Every extent is known, yet M is not: it comes from the data, so the scan outputs' extent would too.
      fail("scan outputs of a loop whose trip count is computed from the data are not modelled: their extent would depend on the data");
    }
    for (size_t k = 0; k < scans_; ++k) {
      TensorInfo const& each = out[1 + carried_ + k];
      Shape shape{trips};
      shape.insert(shape.end(), each.shape.begin(), each.shape.end());
      result.push_back(TensorInfo{each.type, shape, nullptr});
    }
    return result;
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    bool const hasCount = given(in, 0) && !countIsUnbounded(in[0]);
    bool const hasCondition = given(in, 1);
    int64_t const trips = hasCount ? tripCount(in[0]) : std::numeric_limits<int64_t>::max();
    bool condition = hasCondition ? *static_cast<uint8_t const*>(in[1].data) != 0 : true;
    // Carried values, updated in place; the body writes into `next`, then the two swap.
    std::vector<std::vector<uint8_t>> state(carried_), next(carried_);
    for (size_t k = 0; k < carried_; ++k) {
      HostTensor const& t = in[2 + k];
      size_t const bytes = static_cast<size_t>(checkedVolume(name_, t.shape)) * dtypeSize(t.type);
      auto const* data = static_cast<uint8_t const*>(t.data);
      state[k].assign(data, data + bytes);
      next[k].resize(bytes);
    }
    std::vector<std::vector<uint8_t>> scanRow(scans_);
    uint8_t condOut = 0;
    int64_t i = 0;
    for (; i < trips && condition; ++i) {
      std::vector<HostTensor> inputs = bodyInputs(in, HostTensor{DType::kINT64, {}, &i}, HostTensor{DType::kBOOL, {}, &condition}, &state);
      std::vector<HostTensor> outputs{HostTensor{DType::kBOOL, {}, &condOut}};
      for (size_t k = 0; k < carried_; ++k) outputs.push_back(HostTensor{in[2 + k].type, in[2 + k].shape, next[k].data()});
      for (size_t k = 0; k < scans_; ++k) {
        if (carried_ + k >= out.size() || out[carried_ + k].omitted) {  // a scan output the node leaves out
          outputs.push_back(omittedTensor());
          continue;
        }
        HostTensor const& o = out[carried_ + k];
        Shape each(o.shape.begin() + 1, o.shape.end());
        scanRow[k].resize(static_cast<size_t>(checkedVolume(name_, each)) * dtypeSize(o.type));
        outputs.push_back(HostTensor{o.type, each, scanRow[k].data()});
      }
      body_.run(inputs, outputs);
      for (size_t k = 0; k < scans_ && carried_ + k < out.size(); ++k) {
        HostTensor const& o = out[carried_ + k];
        if (!o.omitted && o.data && !scanRow[k].empty()) {
          std::memcpy(static_cast<uint8_t*>(o.data) + static_cast<size_t>(i) * scanRow[k].size(), scanRow[k].data(), scanRow[k].size());
        }
      }
      for (size_t k = 0; k < carried_; ++k) state[k].swap(next[k]);
      if (hasCondition) condition = condOut != 0;
    }
    if (scans_ > 0 && i < trips) {
      fail("the condition ended the loop after " + std::to_string(i) + " of " + std::to_string(trips) +
           " iterations: TensorRT's scan outputs keep the trip count's rows, which is not modelled");
    }
    for (size_t k = 0; k < carried_ && k < out.size(); ++k) {
      if (!out[k].omitted && out[k].data && !state[k].empty()) std::memcpy(out[k].data, state[k].data(), state[k].size());
    }
  }

 private:
  static bool given(std::vector<TensorInfo> const& in, size_t k) { return k < in.size() && !in[k].omitted; }
  static bool given(std::vector<HostTensor> const& in, size_t k) { return k < in.size() && !in[k].omitted; }

  // M, an int64 scalar the inference checked; a negative count runs no iteration.
  int64_t tripCount(TensorInfo const& m) const { return std::max<int64_t>(0, constInts(name_, "trip count M", m)[0]); }
  static int64_t tripCount(HostTensor const& m) { return std::max<int64_t>(0, hostInts(m)[0]); }
  // A weight of INT32_MAX or more: "no trip count", as the parser reads it.
  bool countIsUnbounded(TensorInfo const& m) const {
    return m.constData && constInts(name_, "trip count M", m)[0] >= std::numeric_limits<int32_t>::max();
  }
  static bool countIsUnbounded(HostTensor const& m) { return hostInts(m)[0] >= std::numeric_limits<int32_t>::max(); }

  static bool allKnown(std::vector<TensorInfo> const& in) {
    for (auto const& t : in) {
      if (!t.omitted && !isKnown(t.shape)) return false;
    }
    return true;
  }

  static bool isTrue(TensorInfo const& t) { return t.constData && t.constData->size() == 1 && (*t.constData)[0] != 0; }

  // The body's inputs: the captured tensors, then iteration_num, cond and the carried values.
  std::vector<TensorInfo> bodyInfos(std::vector<TensorInfo> const& in) const {
    std::vector<TensorInfo> infos;
    for (size_t k = 0; k < captured_; ++k) infos.push_back(in[2 + carried_ + k]);
    infos.push_back(TensorInfo{DType::kINT64, {}, nullptr});
    // cond: its value when it is a weight, so that a body passing it on gives a known cond.
    infos.push_back(TensorInfo{DType::kBOOL, {}, given(in, 1) && isTrue(in[1]) ? in[1].constData : nullptr});
    for (size_t k = 0; k < carried_; ++k) infos.push_back(TensorInfo{in[2 + k].type, in[2 + k].shape, nullptr});
    return infos;
  }
  std::vector<HostTensor> bodyInputs(std::vector<HostTensor> const& in, HostTensor iteration, HostTensor cond,
                                     std::vector<std::vector<uint8_t>>* state) const {
    std::vector<HostTensor> inputs;
    for (size_t k = 0; k < captured_; ++k) inputs.push_back(in[2 + carried_ + k]);
    inputs.push_back(iteration);
    inputs.push_back(cond);
    for (size_t k = 0; k < carried_; ++k) {
      inputs.push_back(HostTensor{in[2 + k].type, in[2 + k].shape, state ? (*state)[k].data() : nullptr});
    }
    return inputs;
  }

  SubGraphRunner body_;
  size_t carried_;
  size_t captured_;
  size_t scans_ = 0;
};

}  // namespace

std::unique_ptr<Op> makeLoopOp(std::string const& type, Attributes const& attrs, int64_t opset) {
  checkAttributes(type, attrs, {"body", "trtsim.captured"});
  auto it = attrs.values.find("body");
  if (it == attrs.values.end()) fail(type, "the body attribute is required");
  if (it->second.kind != Attribute::Kind::kGRAPH || !it->second.graph) fail(type, "attribute 'body' must be a graph");
  return std::make_unique<LoopOp>(it->second.graph, attrs.getStrings("trtsim.captured", {}), opset);
}

}  // namespace ops
}  // namespace trtsim
