// Tile: the input repeated along every axis (repeats: int64, one per axis; 0 gives an empty axis). The repeats may
// be computed from any input's extents (a row tiled to the batch size); repeats computed from tensor data are not
// supported.
// Element bytes are copied, never converted (any data type).
#include <cstring>

#include "common.h"

namespace trtsim {
namespace ops {
namespace {

class TileOp : public OpBase {
 public:
  bool isShapeInput(int index) const override { return index == 1; }
  TileOp() : OpBase("Tile", 2, 2) {}

  double flops(std::vector<HostTensor> const&, std::vector<HostTensor> const&) const override { return 0; }

 protected:
  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    requireType(in[1], "repeats", {DType::kINT64});
    Shape const& s = in[0].shape;
    if (in[1].shape.size() != 1 || (in[1].shape[0] >= 0 && in[1].shape[0] != static_cast<int64_t>(s.size()))) {
      fail("repeats must be 1-D with one value per input axis (" + std::to_string(s.size()) + "), got shape " +
           shapeToString(in[1].shape));
    }
    // Computed repeats: the extents are known at run time (from extents) or never (from data: the build's profile
    // check refuses those, shapes.cc).
    if (!in[1].constData) return {TensorInfo{in[0].type, Shape(s.size(), -1), nullptr}};
    return {TensorInfo{in[0].type, tiledShape(s, constInts(name_, "repeats", in[1])), nullptr}};
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    Shape const& s = in[0].shape;
    Shape outShape = tiledShape(s, hostInts(in[1]));
    expectShape(out[0], outShape);
    size_t const element = dtypeSize(in[0].type);
    std::vector<int64_t> strides = contiguousStrides(s);
    std::vector<int64_t> index(s.size(), 0);
    auto src = static_cast<uint8_t const*>(in[0].data);
    auto dst = static_cast<uint8_t*>(out[0].data);
    for (int64_t i = 0, n = shapeVolume(outShape); i < n; ++i) {
      int64_t offset = 0;
      for (size_t d = 0; d < s.size(); ++d) offset += (index[d] % s[d]) * strides[d];
      std::memcpy(dst + static_cast<size_t>(i) * element, src + static_cast<size_t>(offset) * element, element);
      nextIndex(index, outShape);
    }
  }

 private:
  Shape tiledShape(Shape const& s, std::vector<int64_t> const& repeats) const {
    if (repeats.size() != s.size()) {
      fail("repeats has " + std::to_string(repeats.size()) + " values for an input of rank " + std::to_string(s.size()));
    }
    Shape out(s.size());
    for (size_t d = 0; d < s.size(); ++d) {
      if (repeats[d] < 0) fail("repeats must be >= 0, got " + shapeToString(repeats));
      out[d] = s[d] < 0 ? -1 : s[d] * repeats[d];
    }
    return out;
  }
};

}  // namespace

std::unique_ptr<Op> makeTileOp(std::string const& type, Attributes const& attrs, int64_t /*opset*/) {
  checkAttributes(type, attrs, {});
  return std::make_unique<TileOp>();
}

}  // namespace ops
}  // namespace trtsim
