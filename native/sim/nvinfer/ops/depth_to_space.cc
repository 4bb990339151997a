// DepthToSpace (modes DCR, the default, and CRD) and SpaceToDepth on 4-D NCHW tensors, as TensorRT's parser takes
// them (it refuses other ranks). Element bytes are moved, never converted.
#include <cstring>

#include "common.h"

namespace trtsim {
namespace ops {
namespace {

class DepthSpaceOp : public OpBase {
 public:
  DepthSpaceOp(std::string name, bool toSpace, int64_t block, bool crd)
      : OpBase(std::move(name), 1, 1), toSpace_(toSpace), block_(block), crd_(crd) {}

  double flops(std::vector<HostTensor> const&, std::vector<HostTensor> const&) const override { return 0; }

 protected:
  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    return {TensorInfo{in[0].type, outputShape(in[0].shape), nullptr}};
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    Shape const& x = in[0].shape;
    Shape y = outputShape(x);
    expectShape(out[0], y);
    size_t const element = dtypeSize(in[0].type);
    auto src = static_cast<uint8_t const*>(in[0].data);
    auto dst = static_cast<uint8_t*>(out[0].data);
    int64_t const b = block_;
    // Walk the space-side tensor [N, C, H*b, W*b] (the output of DepthToSpace, the input of SpaceToDepth) and
    // pair each element with its depth-side position [N, C*b*b, H, W].
    Shape const& space = toSpace_ ? y : x;
    Shape const& depth = toSpace_ ? x : y;
    int64_t const n = space[0], c = space[1], h = depth[2], w = depth[3];
    for (int64_t in0 = 0; in0 < n; ++in0) {
      for (int64_t ci = 0; ci < c; ++ci) {
        for (int64_t hi = 0; hi < h * b; ++hi) {
          for (int64_t wi = 0; wi < w * b; ++wi) {
            int64_t by = hi % b, bx = wi % b;
            int64_t dc = crd_ ? (ci * b + by) * b + bx : (by * b + bx) * c + ci;
            int64_t spaceAt = ((in0 * c + ci) * h * b + hi) * w * b + wi;
            int64_t depthAt = ((in0 * depth[1] + dc) * h + hi / b) * w + wi / b;
            int64_t from = toSpace_ ? depthAt : spaceAt;
            int64_t to = toSpace_ ? spaceAt : depthAt;
            std::memcpy(dst + static_cast<size_t>(to) * element, src + static_cast<size_t>(from) * element, element);
          }
        }
      }
    }
  }

 private:
  Shape outputShape(Shape const& x) const {
    if (x.size() != 4) fail("the input must be 4-D (NCHW), got shape " + shapeToString(x));
    int64_t const bb = block_ * block_;
    if (toSpace_) {
      if (x[1] >= 0 && x[1] % bb != 0) fail("channels " + std::to_string(x[1]) + " are not a multiple of blocksize² " + std::to_string(bb));
      return {x[0], x[1] < 0 ? -1 : x[1] / bb, x[2] < 0 ? -1 : x[2] * block_, x[3] < 0 ? -1 : x[3] * block_};
    }
    for (size_t a = 2; a < 4; ++a) {
      if (x[a] >= 0 && x[a] % block_ != 0) fail("extent " + std::to_string(x[a]) + " of axis " + std::to_string(a) + " is not a multiple of blocksize " + std::to_string(block_));
    }
    return {x[0], x[1] < 0 ? -1 : x[1] * bb, x[2] < 0 ? -1 : x[2] / block_, x[3] < 0 ? -1 : x[3] / block_};
  }

  bool toSpace_;  // DepthToSpace
  int64_t block_;
  bool crd_;
};

}  // namespace

std::unique_ptr<Op> makeDepthSpaceOp(std::string const& type, Attributes const& attrs, int64_t /*opset*/) {
  bool toSpace = type == "DepthToSpace";
  checkAttributes(type, attrs, toSpace ? std::initializer_list<char const*>{"blocksize", "mode"} : std::initializer_list<char const*>{"blocksize"});
  if (!attrs.has("blocksize")) fail(type, "the blocksize attribute is required");
  int64_t block = attrs.getInt("blocksize", 1);
  if (block < 1) fail(type, "blocksize must be >= 1, got " + std::to_string(block));
  std::string mode = attrs.getString("mode", "DCR");
  if (mode != "DCR" && mode != "CRD") fail(type, "unsupported attribute 'mode' (" + mode + ")");
  return std::make_unique<DepthSpaceOp>(type, toSpace, block, mode == "CRD");
}

}  // namespace ops
}  // namespace trtsim
