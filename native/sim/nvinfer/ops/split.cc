// Split: the input cut into consecutive pieces along an axis, one per output. The piece sizes are an attribute
// before opset 13 and an optional constant input from 13; without them the pieces are equal (from opset 18, with
// num_outputs, the last may be smaller). Element bytes are copied, never converted.
#include <algorithm>
#include <cstring>

#include "common.h"

namespace trtsim {
namespace ops {
namespace {

class SplitOp : public OpBase {
 public:
  // `sizes` empty: equal pieces. `unevenLast`: opset 18's rule for extents that do not divide evenly.
  // `sizesRequired`: opset 18 without num_outputs, where the split input must be given.
  SplitOp(int outputs, int64_t axis, bool sizesAsInput, std::vector<int64_t> sizes, bool unevenLast, bool sizesRequired)
      : OpBase("Split", 1, sizesAsInput ? 2 : 1, outputs),
        axis_(axis),
        sizes_(std::move(sizes)),
        unevenLast_(unevenLast),
        sizesRequired_(sizesRequired) {}

  double flops(std::vector<HostTensor> const&, std::vector<HostTensor> const&) const override { return 0; }

 protected:
  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    Shape const& s = in[0].shape;
    if (s.empty()) fail("input must have rank >= 1, got a scalar");
    size_t axis = static_cast<size_t>(normalizeAxis(name_, "axis", axis_, static_cast<int64_t>(s.size())));
    std::vector<int64_t> sizes = sizes_;
    bool sizesGiven = in.size() > 1 && !in[1].omitted;
    if (sizesRequired_ && !sizesGiven) fail("from opset 18, the split input or the num_outputs attribute must be given");
    if (sizesGiven) {
      if (in[1].shape.size() != 1) fail("the split input must be 1-D, got shape " + shapeToString(in[1].shape));
      sizes = constInts(name_, "split", in[1]);
    }
    std::vector<TensorInfo> out(static_cast<size_t>(numOut_), TensorInfo{in[0].type, s, nullptr});
    std::vector<int64_t> pieces = pieceSizes(s[axis], sizes);
    for (size_t k = 0; k < out.size(); ++k) out[k].shape[axis] = pieces[k];
    return out;
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    Shape const& s = in[0].shape;
    size_t axis = static_cast<size_t>(normalizeAxis(name_, "axis", axis_, static_cast<int64_t>(s.size())));
    std::vector<int64_t> sizes = sizes_;
    if (in.size() > 1 && !in[1].omitted) sizes = hostInts(in[1]);
    std::vector<int64_t> pieces = pieceSizes(s[axis], sizes);
    size_t element = dtypeSize(in[0].type);
    int64_t outer = productOf(s, 0, axis);
    int64_t inner = productOf(s, axis + 1, s.size());
    auto src = static_cast<uint8_t const*>(in[0].data);
    int64_t first = 0;  // where the piece starts along the axis
    for (size_t k = 0; k < out.size(); ++k) {
      Shape expected = s;
      expected[axis] = pieces[k];
      expectShape(out[k], expected);
      size_t row = static_cast<size_t>(pieces[k] * inner) * element;
      if (out[k].data && row > 0) {
        auto dst = static_cast<uint8_t*>(out[k].data);
        for (int64_t o = 0; o < outer; ++o) {
          std::memcpy(dst + static_cast<size_t>(o) * row, src + static_cast<size_t>((o * s[axis] + first) * inner) * element, row);
        }
      }
      first += pieces[k];
    }
  }

 private:
  // The extent of each output along the axis (-1 while the input's is unknown and the pieces are equal).
  std::vector<int64_t> pieceSizes(int64_t extent, std::vector<int64_t> const& sizes) const {
    size_t n = static_cast<size_t>(numOut_);
    if (!sizes.empty()) {
      if (sizes.size() != n) fail("split has " + std::to_string(sizes.size()) + " sizes for " + std::to_string(n) + " outputs");
      int64_t total = 0;
      for (int64_t v : sizes) {
        if (v < 0) fail("split sizes must not be negative, got " + shapeToString(sizes));
        total += v;
      }
      if (extent >= 0 && total != extent) {
        fail("split sizes " + shapeToString(sizes) + " add up to " + std::to_string(total) + ", the axis has " + std::to_string(extent));
      }
      return sizes;
    }
    if (extent < 0) return std::vector<int64_t>(n, -1);
    int64_t n64 = static_cast<int64_t>(n);
    if (!unevenLast_) {
      if (extent % n64 != 0) fail("the axis extent " + std::to_string(extent) + " does not split into " + std::to_string(n) + " equal pieces");
      return std::vector<int64_t>(n, extent / n64);
    }
    int64_t piece = (extent + n64 - 1) / n64;  // opset 18: ceil, the last piece takes what is left
    std::vector<int64_t> out(n);
    for (size_t k = 0; k < n; ++k) out[k] = std::clamp<int64_t>(extent - piece * static_cast<int64_t>(k), 0, piece);
    return out;
  }

  int64_t axis_;
  std::vector<int64_t> sizes_;
  bool unevenLast_;
  bool sizesRequired_;
};

}  // namespace

std::unique_ptr<Op> makeSplitOp(std::string const& type, Attributes const& attrs, int64_t opset, int outputs) {
  bool sizesAsInput = opset <= 0 || opset >= 13;
  bool withNumOutputs = opset <= 0 || opset >= 18;
  if (!sizesAsInput) checkAttributes(type, attrs, {"axis", "split"});
  else if (!withNumOutputs) checkAttributes(type, attrs, {"axis"});
  else checkAttributes(type, attrs, {"axis", "num_outputs"});
  if (outputs < 1) fail(type, "needs at least one output");
  if (attrs.has("num_outputs") && attrs.getInt("num_outputs", 0) != outputs) {
    fail(type, "num_outputs is " + std::to_string(attrs.getInt("num_outputs", 0)) + " but the node has " + std::to_string(outputs) + " outputs");
  }
  return std::make_unique<SplitOp>(outputs, attrs.getInt("axis", 0), sizesAsInput, attrs.getInts("split", {}), withNumOutputs,
                                   withNumOutputs && !attrs.has("num_outputs"));
}

}  // namespace ops
}  // namespace trtsim
