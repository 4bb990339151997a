// Scan (opset 9 and later) as TensorRT's ONNX parser builds it: an ILoop whose trip count is the extent of the last
// scan input along its axis; recurrences for the state variables, whose last values are the first outputs;
// iterators over the scan inputs (reversed where scan_input_directions says 1); the body's scan outputs concatenated
// along scan_output_axes (prepended where scan_output_directions says 1). The body runs with the simulator's own ops
// (SubGraphRunner).
//
// What the parser's network would compute otherwise than ONNX, or not build, is refused:
// - negative scan axes: the parser counts them from TensorRT's 8 dimensions, not from the tensor's rank;
// - no state variable: the parser registers the first state's layer unconditionally and fails;
// - scan inputs whose extents along their axes differ: the parser takes the trip count from the last one;
// - a state variable whose shape or type changes: a recurrence keeps its input's;
// - opset 8's form (a batch axis, sequence_lens): not modelled.
// The inputs are the initial states, the scan inputs, then the tensors of the enclosing graphs the body reads (in the
// order of the "trtsim.captured" attribute).
#include <algorithm>
#include <cstring>

#include "common.h"
#include "subgraph.h"

namespace trtsim {
namespace ops {
namespace {

class ScanOp : public OpBase {
 public:
  ScanOp(std::shared_ptr<SubGraph const> const& body, size_t scanInputs, std::vector<int64_t> inputAxes, std::vector<int64_t> inputReverse,
         std::vector<int64_t> outputAxes, std::vector<int64_t> outputReverse, std::vector<std::string> const& captured, int64_t opset)
      : OpBase("Scan", static_cast<int>(body->inputs.size() + captured.size()), static_cast<int>(body->inputs.size() + captured.size()),
               static_cast<int>(std::max<size_t>(body->outputs.size(), 1))),
        body_("Scan", "body", body, captured, opset),
        scanInputs_(scanInputs),
        states_(body->inputs.size() >= scanInputs ? body->inputs.size() - scanInputs : 0),
        captured_(captured.size()),
        inputAxes_(std::move(inputAxes)),
        inputReverse_(std::move(inputReverse)),
        outputAxes_(std::move(outputAxes)),
        outputReverse_(std::move(outputReverse)) {
    if (scanInputs_ < 1 || body->inputs.size() < scanInputs_) {
      fail("num_scan_inputs is " + std::to_string(scanInputs_) + " for a body of " + std::to_string(body->inputs.size()) + " inputs");
    }
    if (states_ == 0) fail("a Scan without state variables: TensorRT's parser needs at least one (it registers the first state's layer)");
    if (body->outputs.size() < states_) fail("the body gives " + std::to_string(body->outputs.size()) + " outputs for " + std::to_string(states_) + " states");
    scanOutputs_ = body->outputs.size() - states_;
    checkList("scan_input_axes", inputAxes_, scanInputs_, 0);
    checkList("scan_input_directions", inputReverse_, scanInputs_, 0);
    checkList("scan_output_axes", outputAxes_, scanOutputs_, 0);
    checkList("scan_output_directions", outputReverse_, scanOutputs_, 0);
    for (auto const* list : {&inputAxes_, &outputAxes_}) {
      for (int64_t axis : *list) {
        if (axis < 0) fail("negative scan axes are not modelled: TensorRT's parser counts them from 8 dimensions, not from the tensor's rank");
      }
    }
    for (auto const* list : {&inputReverse_, &outputReverse_}) {
      for (int64_t d : *list) {
        if (d != 0 && d != 1) fail("scan directions must be 0 or 1, got " + std::to_string(d));
      }
    }
  }

  double flops(std::vector<HostTensor> const& in, std::vector<HostTensor> const&) const override {
    std::vector<HostTensor> inputs = bodyInputs(in, nullptr, nullptr);
    double const steps = static_cast<double>(std::max<int64_t>(tripsOf(in), 0));
    return steps * body_.flops(inputs);
  }

 protected:
  Fold foldPolicy() const override { return Fold::kNever; }

  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    int64_t trips = -1;
    for (size_t i = 0; i < scanInputs_; ++i) {
      TensorInfo const& x = in[states_ + i];
      int64_t const axis = inputAxes_[i];
      if (axis >= static_cast<int64_t>(x.shape.size())) {
        fail("scan input " + std::to_string(i) + " of shape " + shapeToString(x.shape) + " has no axis " + std::to_string(axis));
      }
      int64_t const extent = x.shape[static_cast<size_t>(axis)];
      if (extent >= 0 && trips >= 0 && extent != trips) {
        fail("scan inputs have " + std::to_string(trips) + " and " + std::to_string(extent) +
             " elements along their axes: TensorRT's parser takes the trip count from the last one, which is not modelled");
      }
      if (extent >= 0) trips = extent;
    }
    std::vector<TensorInfo> out = body_.infer(bodyInfos(in));
    std::vector<TensorInfo> result;
    for (size_t k = 0; k < states_; ++k) {
      requireRecurrence("Scan", "state " + std::to_string(k), in[k], out[k]);
      result.push_back(TensorInfo{in[k].type, in[k].shape, nullptr});
    }
    for (size_t k = 0; k < scanOutputs_; ++k) {
      TensorInfo const& each = out[states_ + k];
      int64_t const axis = outputAxes_[k];
      if (axis > static_cast<int64_t>(each.shape.size())) {
        fail("scan output " + std::to_string(k) + " of shape " + shapeToString(each.shape) + " per iteration has no axis " + std::to_string(axis));
      }
      Shape shape = each.shape;
      shape.insert(shape.begin() + axis, trips);
      result.push_back(TensorInfo{each.type, shape, nullptr});
    }
    return result;
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    int64_t const trips = tripsOf(in);
    std::vector<std::vector<uint8_t>> state(states_), next(states_), element(scanInputs_), row(scanOutputs_);
    for (size_t k = 0; k < states_; ++k) {
      size_t const bytes = static_cast<size_t>(checkedVolume(name_, in[k].shape)) * dtypeSize(in[k].type);
      auto const* data = static_cast<uint8_t const*>(in[k].data);
      state[k].assign(data, data + bytes);
      next[k].resize(bytes);
    }
    for (int64_t t = 0; t < trips; ++t) {
      std::vector<HostTensor> elements;
      for (size_t i = 0; i < scanInputs_; ++i) {
        HostTensor const& x = in[states_ + i];
        int64_t const at = inputReverse_[i] ? trips - 1 - t : t;
        elements.push_back(slice(x, static_cast<size_t>(inputAxes_[i]), at, element[i]));
      }
      std::vector<HostTensor> inputs = bodyInputs(in, &state, &elements);
      std::vector<HostTensor> outputs;
      for (size_t k = 0; k < states_; ++k) outputs.push_back(HostTensor{in[k].type, in[k].shape, next[k].data()});
      for (size_t k = 0; k < scanOutputs_; ++k) {
        if (states_ + k >= out.size() || out[states_ + k].omitted) {
          outputs.push_back(omittedTensor());
          continue;
        }
        HostTensor const& o = out[states_ + k];
        Shape each = o.shape;
        each.erase(each.begin() + outputAxes_[k]);
        row[k].resize(static_cast<size_t>(checkedVolume(name_, each)) * dtypeSize(o.type));
        outputs.push_back(HostTensor{o.type, each, row[k].data()});
      }
      body_.run(inputs, outputs);
      for (size_t k = 0; k < scanOutputs_ && states_ + k < out.size(); ++k) {
        HostTensor const& o = out[states_ + k];
        if (o.omitted || !o.data) continue;
        place(o, static_cast<size_t>(outputAxes_[k]), outputReverse_[k] ? trips - 1 - t : t, row[k]);
      }
      for (size_t k = 0; k < states_; ++k) state[k].swap(next[k]);
    }
    for (size_t k = 0; k < states_ && k < out.size(); ++k) {
      if (!out[k].omitted && out[k].data && !state[k].empty()) std::memcpy(out[k].data, state[k].data(), state[k].size());
    }
  }

 private:
  void checkList(char const* name, std::vector<int64_t>& list, size_t count, int64_t fallback) const {
    if (list.empty()) list.assign(count, fallback);
    if (list.size() != count) fail(std::string(name) + " lists " + std::to_string(list.size()) + " values for " + std::to_string(count));
  }

  // The trip count: the last scan input's extent along its axis, as the parser takes it.
  int64_t tripsOf(std::vector<HostTensor> const& in) const {
    HostTensor const& last = in[states_ + scanInputs_ - 1];
    size_t const axis = static_cast<size_t>(inputAxes_[scanInputs_ - 1]);
    return axis < last.shape.size() ? last.shape[axis] : -1;
  }

  // Element `at` of `x` along `axis`, copied into `buf`.
  static HostTensor slice(HostTensor const& x, size_t axis, int64_t at, std::vector<uint8_t>& buf) {
    Shape each = x.shape;
    each.erase(each.begin() + static_cast<long>(axis));
    size_t const element = dtypeSize(x.type);
    size_t const inner = static_cast<size_t>(productOf(x.shape, axis + 1, x.shape.size())) * element;
    size_t const outer = static_cast<size_t>(productOf(x.shape, 0, axis));
    size_t const extent = static_cast<size_t>(x.shape[axis]);
    buf.resize(outer * inner);
    auto const* src = static_cast<uint8_t const*>(x.data);
    for (size_t o = 0; o < outer; ++o) {
      if (inner > 0) std::memcpy(buf.data() + o * inner, src + (o * extent + static_cast<size_t>(at)) * inner, inner);
    }
    return HostTensor{x.type, each, buf.data()};
  }

  // Writes one iteration's `row` into `out` at index `at` along `axis`.
  static void place(HostTensor const& out, size_t axis, int64_t at, std::vector<uint8_t> const& row) {
    size_t const element = dtypeSize(out.type);
    size_t const inner = static_cast<size_t>(productOf(out.shape, axis + 1, out.shape.size())) * element;
    size_t const outer = static_cast<size_t>(productOf(out.shape, 0, axis));
    size_t const extent = static_cast<size_t>(out.shape[axis]);
    auto* dst = static_cast<uint8_t*>(out.data);
    for (size_t o = 0; o < outer; ++o) {
      if (inner > 0) std::memcpy(dst + (o * extent + static_cast<size_t>(at)) * inner, row.data() + o * inner, inner);
    }
  }

  // The body's inputs: the captured tensors, then the states, then one element of each scan input.
  std::vector<TensorInfo> bodyInfos(std::vector<TensorInfo> const& in) const {
    std::vector<TensorInfo> infos;
    for (size_t k = 0; k < captured_; ++k) infos.push_back(in[states_ + scanInputs_ + k]);
    for (size_t k = 0; k < states_; ++k) infos.push_back(TensorInfo{in[k].type, in[k].shape, nullptr});
    for (size_t i = 0; i < scanInputs_; ++i) {
      TensorInfo const& x = in[states_ + i];
      Shape each = x.shape;
      each.erase(each.begin() + inputAxes_[i]);
      infos.push_back(TensorInfo{x.type, each, nullptr});
    }
    return infos;
  }
  std::vector<HostTensor> bodyInputs(std::vector<HostTensor> const& in, std::vector<std::vector<uint8_t>>* state,
                                     std::vector<HostTensor> const* elements) const {
    std::vector<HostTensor> inputs;
    for (size_t k = 0; k < captured_; ++k) inputs.push_back(in[states_ + scanInputs_ + k]);
    for (size_t k = 0; k < states_; ++k) inputs.push_back(HostTensor{in[k].type, in[k].shape, state ? (*state)[k].data() : nullptr});
    for (size_t i = 0; i < scanInputs_; ++i) {
      if (elements) {
        inputs.push_back((*elements)[i]);
        continue;
      }
      HostTensor const& x = in[states_ + i];
      Shape each = x.shape;
      if (static_cast<size_t>(inputAxes_[i]) < each.size()) each.erase(each.begin() + inputAxes_[i]);
      inputs.push_back(HostTensor{x.type, each, nullptr});
    }
    return inputs;
  }

  SubGraphRunner body_;
  size_t scanInputs_;
  size_t states_;
  size_t captured_;
  size_t scanOutputs_ = 0;
  std::vector<int64_t> inputAxes_, inputReverse_, outputAxes_, outputReverse_;
};

}  // namespace

std::unique_ptr<Op> makeScanOp(std::string const& type, Attributes const& attrs, int64_t opset) {
  checkAttributes(type, attrs, {"body", "num_scan_inputs", "scan_input_axes", "scan_input_directions", "scan_output_axes",
                                "scan_output_directions", "trtsim.captured"});
  if (opset > 0 && opset < 9) fail(type, "opset 8's Scan (a batch axis and sequence_lens) is not modelled");
  auto it = attrs.values.find("body");
  if (it == attrs.values.end()) fail(type, "the body attribute is required");
  if (it->second.kind != Attribute::Kind::kGRAPH || !it->second.graph) fail(type, "attribute 'body' must be a graph");
  if (!attrs.has("num_scan_inputs")) fail(type, "the num_scan_inputs attribute is required");
  int64_t const scanInputs = attrs.getInt("num_scan_inputs", 0);
  if (scanInputs < 1) fail(type, "num_scan_inputs must be at least 1, got " + std::to_string(scanInputs));
  return std::make_unique<ScanOp>(it->second.graph, static_cast<size_t>(scanInputs), attrs.getInts("scan_input_axes", {}),
                                  attrs.getInts("scan_input_directions", {}), attrs.getInts("scan_output_axes", {}),
                                  attrs.getInts("scan_output_directions", {}), attrs.getStrings("trtsim.captured", {}), opset);
}

}  // namespace ops
}  // namespace trtsim
