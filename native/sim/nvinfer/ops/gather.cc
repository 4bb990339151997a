// Gather (ONNX opset 13): any data type, int32/int64 indices, negative indices count from the end.
#include "common.h"

namespace trtsim {
namespace ops {
namespace {

class GatherOp : public OpBase {
 public:
  explicit GatherOp(int64_t axis) : OpBase("Gather", 2, 2), axis_(axis) {}

 protected:
  Shape outShape(Shape const& data, Shape const& idx, int64_t* axisOut) const {
    if (data.empty()) fail("data must have rank >= 1, got a scalar");
    int64_t axis = normalizeAxis(name_, "axis", axis_, static_cast<int64_t>(data.size()));
    *axisOut = axis;
    Shape out(data.begin(), data.begin() + axis);
    out.insert(out.end(), idx.begin(), idx.end());
    out.insert(out.end(), data.begin() + axis + 1, data.end());
    return out;
  }

  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    requireType(in[1], "indices", {DType::kINT32, DType::kINT64});
    int64_t axis = 0;
    Shape out = outShape(in[0].shape, in[1].shape, &axis);
    int64_t dim = in[0].shape[static_cast<size_t>(axis)];
    if (in[1].constData && dim >= 0) {
      for (int64_t v : constInts(name_, "indices", in[1])) elementIndex(name_, v, dim, axis_);
    }
    return {TensorInfo{in[0].type, out, nullptr}};
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    int64_t axis = 0;
    Shape const& ds = in[0].shape;
    expectShape(out[0], outShape(ds, in[1].shape, &axis));
    int64_t dim = ds[static_cast<size_t>(axis)];
    int64_t outer = productOf(ds, 0, static_cast<size_t>(axis));
    size_t es = dtypeSize(in[0].type);
    size_t chunk = static_cast<size_t>(productOf(ds, static_cast<size_t>(axis) + 1, ds.size())) * es;
    int64_t nIdx = shapeVolume(in[1].shape);
    std::vector<int64_t> idx(static_cast<size_t>(nIdx));
    for (int64_t i = 0; i < nIdx; ++i) {
      int64_t v = in[1].type == DType::kINT64 ? static_cast<int64_t const*>(in[1].data)[i]
                                              : static_cast<int64_t>(static_cast<int32_t const*>(in[1].data)[i]);
      idx[static_cast<size_t>(i)] = elementIndex(name_, v, dim, axis_);
    }
    if (chunk == 0) return;
    auto src = static_cast<uint8_t const*>(in[0].data);
    auto dst = static_cast<uint8_t*>(out[0].data);
    for (int64_t o = 0; o < outer; ++o) {
      uint8_t const* block = src + static_cast<size_t>(o * dim) * chunk;
      for (int64_t i = 0; i < nIdx; ++i) {
        std::memcpy(dst, block + static_cast<size_t>(idx[static_cast<size_t>(i)]) * chunk, chunk);
        dst += chunk;
      }
    }
  }

 private:
  int64_t axis_;
};

}  // namespace

std::unique_ptr<Op> makeGatherOp(std::string const& type, Attributes const& attrs, int64_t /*opset*/) {
  checkAttributes(type, attrs, {"axis"});
  return std::make_unique<GatherOp>(attrs.getInt("axis", 0));
}

}  // namespace ops
}  // namespace trtsim
