// NonMaxSuppression: per batch entry and class, the boxes kept by greedy suppression, as int64 rows [batch, class,
// box] (batch, then class, then selection order). A box is a candidate when its score exceeds score_threshold (when
// given); candidates are taken by descending score (ties: the lower box index first), and one is dropped when its IoU
// with a kept box exceeds iou_threshold, until max_output_boxes_per_class are kept (0, the default, keeps none).
// Boxes are corners [y1, x1, y2, x2] in either order (center_point_box 0) or [x_center, y_center, width, height] (1).
// The row count depends on the scores, so like NonZero this is a data-dependent op; its upper bound is
// batch x classes x min(boxes, max_output_boxes_per_class) when that input is a constant, else x boxes.
#include <algorithm>
#include <numeric>

#include "common.h"

namespace trtsim {
namespace ops {
namespace {

struct Corners {
  float yMin, xMin, yMax, xMax;
};

class NonMaxSuppressionOp : public OpBase {
 public:
  bool isShapeInput(int index) const override { return index == 2; }
  explicit NonMaxSuppressionOp(bool centers) : OpBase("NonMaxSuppression", 2, 5), centers_(centers) {}

  bool dataDependent() const override { return true; }

  std::vector<Shape> upperBounds(std::vector<TensorInfo> const& in) const override {
    Shape const& boxes = in[0].shape;
    Shape const& scores = in[1].shape;
    int64_t perClass = boxes[1];
    if (in.size() > 2 && !in[2].omitted && in[2].constData) perClass = std::min(perClass, std::max<int64_t>(constInts(name_, "max_output_boxes_per_class", in[2]).at(0), 0));
    int64_t rows = checkedVolume(name_, {boxes[0], scores[1], perClass});
    return {Shape{rows, 3}};
  }

  std::vector<Shape> computeDynamic(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    Shape const& bs = in[0].shape;
    Shape const& ss = in[1].shape;
    checkShapes(bs, ss);
    int64_t const batches = bs[0], boxes = bs[1], classes = ss[1];
    int64_t const maxOut = in.size() > 2 && !in[2].omitted ? std::max<int64_t>(hostInts(in[2]).at(0), 0) : 0;
    float const iouThreshold = in.size() > 3 && !in[3].omitted ? scalar(in[3]) : 0.f;
    bool const hasScoreThreshold = in.size() > 4 && !in[4].omitted;
    float const scoreThreshold = hasScoreThreshold ? scalar(in[4]) : 0.f;
    std::vector<float> boxBuf, scoreBuf;
    float const* box = floatInput(in[0], boxBuf);
    float const* score = floatInput(in[1], scoreBuf);
    int64_t const capacity = out[0].shape[0];
    auto y = static_cast<int64_t*>(out[0].data);
    int64_t rows = 0;
    std::vector<int64_t> order(static_cast<size_t>(boxes));
    for (int64_t b = 0; b < batches; ++b) {
      std::vector<Corners> corners(static_cast<size_t>(boxes));
      for (int64_t i = 0; i < boxes; ++i) corners[static_cast<size_t>(i)] = toCorners(box + (b * boxes + i) * 4);
      for (int64_t c = 0; c < classes; ++c) {
        float const* s = score + (b * classes + c) * boxes;
        order.clear();
        for (int64_t i = 0; i < boxes; ++i) {
          if (!hasScoreThreshold || s[i] > scoreThreshold) order.push_back(i);
        }
        std::stable_sort(order.begin(), order.end(), [s](int64_t p, int64_t q) { return s[p] > s[q]; });
        std::vector<int64_t> kept;
        for (int64_t i : order) {
          if (static_cast<int64_t>(kept.size()) >= maxOut) break;
          bool suppressed = std::any_of(kept.begin(), kept.end(), [&](int64_t k) {
            return iou(corners[static_cast<size_t>(k)], corners[static_cast<size_t>(i)]) > iouThreshold;
          });
          if (suppressed) continue;
          kept.push_back(i);
          if (rows >= capacity) fail("internal: more rows than the upper bound");
          y[rows * 3] = b;
          y[rows * 3 + 1] = c;
          y[rows * 3 + 2] = i;
          ++rows;
        }
      }
    }
    return {Shape{rows, 3}};
  }

  double flops(std::vector<HostTensor> const& in, std::vector<HostTensor> const&) const override {
    return static_cast<double>(std::max<int64_t>(shapeVolume(in[1].shape), 0)) * 8.0;
  }

 protected:
  Fold foldPolicy() const override { return Fold::kNever; }

  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    requireType(in[0], "boxes", {DType::kFLOAT, DType::kHALF});
    requireSameType(in[0], in[1], "boxes", "scores");
    checkShapes(in[0].shape, in[1].shape);
    if (in.size() > 2 && !in[2].omitted) requireType(in[2], "max_output_boxes_per_class", {DType::kINT64});
    for (size_t k = 3; k < in.size(); ++k) {
      if (!in[k].omitted) requireType(in[k], k == 3 ? "iou_threshold" : "score_threshold", {DType::kFLOAT});
    }
    return {TensorInfo{DType::kINT64, Shape{-1, 3}, nullptr}};
  }

  void run(std::vector<HostTensor> const&, std::vector<HostTensor> const&) const override {
    fail("the output shape depends on the data: run it through computeDynamic");
  }

 private:
  void checkShapes(Shape const& boxes, Shape const& scores) const {
    if (boxes.size() != 3 || (boxes[2] >= 0 && boxes[2] != 4)) fail("boxes must have shape [batch, boxes, 4], got " + shapeToString(boxes));
    if (scores.size() != 3) fail("scores must have shape [batch, classes, boxes], got " + shapeToString(scores));
    bool mismatch = (boxes[0] >= 0 && scores[0] >= 0 && boxes[0] != scores[0]) || (boxes[1] >= 0 && scores[2] >= 0 && boxes[1] != scores[2]);
    if (mismatch) fail("boxes " + shapeToString(boxes) + " and scores " + shapeToString(scores) + " disagree on batch or box count");
  }

  static float scalar(HostTensor const& t) { return *static_cast<float const*>(t.data); }

  Corners toCorners(float const* v) const {
    if (centers_) {
      float const halfW = v[2] / 2, halfH = v[3] / 2;
      return Corners{v[1] - halfH, v[0] - halfW, v[1] + halfH, v[0] + halfW};
    }
    return Corners{std::min(v[0], v[2]), std::min(v[1], v[3]), std::max(v[0], v[2]), std::max(v[1], v[3])};
  }

  // Intersection over union; 0 when the boxes do not overlap or either has no area.
  static float iou(Corners const& a, Corners const& b) {
    float const w = std::min(a.xMax, b.xMax) - std::max(a.xMin, b.xMin);
    float const h = std::min(a.yMax, b.yMax) - std::max(a.yMin, b.yMin);
    if (w <= 0 || h <= 0) return 0;
    float const inter = w * h;
    float const areaA = (a.xMax - a.xMin) * (a.yMax - a.yMin);
    float const areaB = (b.xMax - b.xMin) * (b.yMax - b.yMin);
    float const uni = areaA + areaB - inter;
    if (areaA <= 0 || areaB <= 0 || uni <= 0) return 0;
    return inter / uni;
  }

  bool centers_;
};

}  // namespace

std::unique_ptr<Op> makeNonMaxSuppressionOp(std::string const& type, Attributes const& attrs, int64_t /*opset*/) {
  checkAttributes(type, attrs, {"center_point_box"});
  int64_t centers = attrs.getInt("center_point_box", 0);
  if (centers != 0 && centers != 1) fail(type, "unsupported value " + std::to_string(centers) + " for attribute 'center_point_box' (0 or 1)");
  return std::make_unique<NonMaxSuppressionOp>(centers == 1);
}

}  // namespace ops
}  // namespace trtsim
