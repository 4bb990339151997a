// EfficientNMS_TRT (version 1), as TensorRT's plugin kernels compute it, in float:
//  1. candidates: every (anchor, class) score >= score_threshold, background_class excluded. With score_activation
//     the threshold is moved to logit space and sigmoid is applied to the kept scores only. A threshold below 0.007
//     (its logit with score_activation) takes the plugin's dense path instead: every element is a candidate and the
//     ones below the threshold or of the background class get the score -32768, so they can fill the output after
//     the real detections, as on a GPU.
//  2. sorted by score, descending (the GPU's order of equal scores is not fixed; here, by element index), and cut
//     to the first 5000 (the plugin's numSelectedBoxes on current GPUs);
//  3. greedy NMS: a box is kept unless a kept box of its class (any class with class_agnostic) overlaps it with
//     IoU >= iou_threshold, until max_output_boxes are kept.
// Boxes are [batch, anchors, 4] or per class [batch, anchors, classes, 4], as corners (box_coding 0) or centre and
// size (1), in either axis order; with a third input (anchors, [1 or batch, anchors, 4]) they are decoded first
// (corners: added; centre-size: x * anchor size + anchor centre, anchor size * exp(size)). Outputs: num_detections
// [batch, 1] int32, detection_boxes [batch, max, 4] as corners, detection_scores [batch, max], detection_classes
// [batch, max] int32, zero past num_detections.
#include "efficient_nms.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <numeric>

#include "../nvinfer/ops/common.h"

namespace trtsim {
namespace plugins {
namespace {

using nvinfer1::PluginField;
using nvinfer1::PluginFieldType;

constexpr int64_t kSelectedBoxes = 5000;  // numSelectedBoxes: devices with 64K registers per block
constexpr float kDenseScore = -32768.f;   // -(1 << 15): what the dense path gives the candidates it rules out

struct NmsFields {
  float scoreThreshold = 0.5f;
  float iouThreshold = 0.5f;
  int64_t maxOutputBoxes = 100;
  int64_t backgroundClass = -1;
  bool scoreActivation = false;
  bool classAgnostic = false;
  bool centerSize = false;  // box_coding 1
};

// A box as the plugin's BoxCorner: {y1, x1, y2, x2} (or {x1, y1, x2, y2}: NMS treats both axes alike).
using Corner = std::array<float, 4>;

Corner reordered(Corner b) {
  if (b[0] > b[2]) std::swap(b[0], b[2]);
  if (b[1] > b[3]) std::swap(b[1], b[3]);
  return b;
}

float area(Corner const& b) {
  float const h = b[2] - b[0], w = b[3] - b[1];
  return h <= 0.f || w <= 0.f ? 0.f : h * w;
}

float iou(Corner a, Corner b) {
  a = reordered(a);
  b = reordered(b);
  Corner const inter{std::max(a[0], b[0]), std::max(a[1], b[1]), std::min(a[2], b[2]), std::min(a[3], b[3])};
  float const overlap = area(inter);
  if (overlap <= 0.f) return 0.f;
  float const total = area(a) + area(b) - overlap;
  return total <= 0.f ? 0.f : overlap / total;
}

class EfficientNmsOp : public ops::OpBase {
 public:
  explicit EfficientNmsOp(NmsFields f) : OpBase("EfficientNMS_TRT", 2, 3, 4), f_(f) {}

  double flops(std::vector<HostTensor> const& in, std::vector<HostTensor> const&) const override {
    double const elements = static_cast<double>(shapeVolume(in[1].shape));
    double const selected = std::min(elements, static_cast<double>(kSelectedBoxes));
    return elements * 8.0 + selected * static_cast<double>(f_.maxOutputBoxes) * 12.0;
  }

 protected:
  Fold foldPolicy() const override { return Fold::kNever; }

  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    requireType(in[0], "boxes", {DType::kFLOAT, DType::kHALF});
    requireSameType(in[0], in[1], "boxes", "scores");
    Shape const& boxes = in[0].shape;
    Shape const& scores = in[1].shape;
    if (scores.size() != 3 && !(scores.size() == 4 && scores[3] == 1)) {
      fail("scores must be [batch, boxes, classes], got shape " + shapeToString(scores));
    }
    if (boxes.size() == 3 ? boxes[2] != 4 : boxes.size() != 4 || boxes[3] != 4) {
      fail("boxes must be [batch, boxes, 4] or [batch, boxes, classes, 4], got shape " + shapeToString(boxes));
    }
    auto agree = [&](int64_t a, int64_t b, char const* what) {
      if (a >= 0 && b >= 0 && a != b) {
        fail(std::string("boxes ") + shapeToString(boxes) + " and scores " + shapeToString(scores) + " disagree on " + what);
      }
    };
    agree(boxes[0], scores[0], "the batch");
    agree(boxes[1], scores[1], "the number of boxes");
    if (boxes.size() == 4 && boxes[2] != 1) agree(boxes[2], scores[2], "the number of classes");
    if (in.size() > 2 && !in[2].omitted) {
      requireSameType(in[0], in[2], "boxes", "anchors");
      Shape const& anchors = in[2].shape;
      if (anchors.size() != 3 || (anchors[2] >= 0 && anchors[2] != 4)) {
        fail("anchors must be [1 or batch, boxes, 4], got shape " + shapeToString(anchors));
      }
      agree(anchors[1], scores[1], "the number of boxes (anchors)");
    }
    int64_t const batch = boxes[0] >= 0 ? boxes[0] : scores[0];
    DType const type = in[0].type;
    return {TensorInfo{DType::kINT32, Shape{batch, 1}, nullptr}, TensorInfo{type, Shape{batch, f_.maxOutputBoxes, 4}, nullptr},
            TensorInfo{type, Shape{batch, f_.maxOutputBoxes}, nullptr},
            TensorInfo{DType::kINT32, Shape{batch, f_.maxOutputBoxes}, nullptr}};
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    Shape const& scoresShape = in[1].shape;
    int64_t const batch = scoresShape[0], anchors = scoresShape[1], classes = scoresShape[2];
    bool const shareLocation = in[0].shape.size() == 3 || in[0].shape[2] == 1;
    bool const decode = in.size() > 2 && !in[2].omitted;
    bool const shareAnchors = decode && in[2].shape[0] == 1;
    if (decode && !shareAnchors && in[2].shape[0] != batch) {
      fail("anchors " + shapeToString(in[2].shape) + " must have a batch of 1 or " + std::to_string(batch));
    }
    std::vector<float> boxBuf, scoreBuf, anchorBuf, outBoxBuf, outScoreBuf;
    float const* boxes = ops::floatInput(in[0], boxBuf);
    float const* scores = ops::floatInput(in[1], scoreBuf);
    float const* anchorData = decode ? ops::floatInput(in[2], anchorBuf) : nullptr;
    auto* numDetections = static_cast<int32_t*>(out[0].data);
    float* outBoxes = ops::floatOutput(out[1], outBoxBuf);
    float* outScores = ops::floatOutput(out[2], outScoreBuf);
    auto* outClasses = static_cast<int32_t*>(out[3].data);
    int64_t const k = f_.maxOutputBoxes;
    std::fill(outBoxes, outBoxes + batch * k * 4, 0.f);
    std::fill(outScores, outScores + batch * k, 0.f);
    std::fill(outClasses, outClasses + batch * k, 0);

    float threshold = f_.scoreThreshold, denseBelow = 0.007f;
    if (f_.scoreActivation) {  // compare raw scores with the threshold's logit
      threshold = threshold <= 0.f ? kDenseScore : std::log(threshold / (1.f - threshold));
      denseBelow = std::log(denseBelow / (1.f - denseBelow));
    }
    bool const dense = threshold < denseBelow;
    int64_t const elements = anchors * classes;
    struct Candidate {
      float score;
      int64_t element;
    };
    std::vector<Candidate> candidates;
    for (int64_t b = 0; b < batch; ++b) {
      candidates.clear();
      float const* s = scores + b * elements;
      for (int64_t e = 0; e < elements; ++e) {
        bool const ruledOut = s[e] < threshold || e % classes == f_.backgroundClass;
        if (!ruledOut || dense) candidates.push_back({ruledOut ? kDenseScore : s[e], e});
      }
      std::stable_sort(candidates.begin(), candidates.end(),
                       [](Candidate const& x, Candidate const& y) { return x.score > y.score; });
      size_t const selected = std::min<size_t>(candidates.size(), kSelectedBoxes);
      std::vector<Corner> candidateBoxes(selected);
      for (size_t i = 0; i < selected; ++i) {
        int64_t const anchor = candidates[i].element / classes, cls = candidates[i].element % classes;
        int64_t const boxIndex = shareLocation ? b * anchors + anchor : (b * anchors + anchor) * classes + cls;
        int64_t const anchorIndex = shareAnchors ? anchor : b * anchors + anchor;
        candidateBoxes[i] = boxOf(boxes + boxIndex * 4, decode ? anchorData + anchorIndex * 4 : nullptr);
      }
      std::vector<bool> dropped(selected, false);
      int64_t kept = 0;
      for (size_t i = 0; i < selected && kept < k; ++i) {
        if (dropped[i]) continue;
        int64_t const cls = candidates[i].element % classes;
        int64_t const slot = b * k + kept++;
        std::copy(candidateBoxes[i].begin(), candidateBoxes[i].end(), outBoxes + slot * 4);
        outScores[slot] = f_.scoreActivation ? 1.f / (1.f + std::exp(-candidates[i].score)) : candidates[i].score;
        outClasses[slot] = static_cast<int32_t>(cls);
        for (size_t j = i + 1; j < selected; ++j) {
          if (dropped[j] || (!f_.classAgnostic && candidates[j].element % classes != cls)) continue;
          if (candidates[j].score <= candidates[i].score && iou(candidateBoxes[j], candidateBoxes[i]) >= f_.iouThreshold) {
            dropped[j] = true;
          }
        }
      }
      numDetections[b] = static_cast<int32_t>(kept);
    }
    ops::storeFloatOutput(out[1], outBoxBuf);
    ops::storeFloatOutput(out[2], outScoreBuf);
  }

 private:
  // A candidate's box as corners: decoded with its anchor when there are anchors.
  Corner boxOf(float const* p, float const* anchor) const {
    Corner box{p[0], p[1], p[2], p[3]};
    if (anchor) {
      Corner a{anchor[0], anchor[1], anchor[2], anchor[3]};
      if (f_.centerSize) {  // {y, x, h, w}: offsets scaled by the anchor's size, sizes by exp
        box = Corner{box[0] * a[2] + a[0], box[1] * a[3] + a[1], a[2] * std::exp(box[2]), a[3] * std::exp(box[3])};
      } else {
        box = reordered(box);
        a = reordered(a);
        box = Corner{box[0] + a[0], box[1] + a[1], box[2] + a[2], box[3] + a[3]};
      }
    }
    if (!f_.centerSize) return box;
    float const h2 = box[2] * 0.5f, w2 = box[3] * 0.5f;
    return Corner{box[0] - h2, box[1] - w2, box[0] + h2, box[1] + w2};
  }

  NmsFields f_;
};

class EfficientNmsCreator : public CreatorV2 {
 public:
  EfficientNmsCreator()
      : CreatorV2("EfficientNMS_TRT", "1",
                  {PluginField("score_threshold", nullptr, PluginFieldType::kFLOAT32, 1),
                   PluginField("iou_threshold", nullptr, PluginFieldType::kFLOAT32, 1),
                   PluginField("max_output_boxes", nullptr, PluginFieldType::kINT32, 1),
                   PluginField("background_class", nullptr, PluginFieldType::kINT32, 1),
                   PluginField("score_activation", nullptr, PluginFieldType::kINT32, 1),
                   PluginField("class_agnostic", nullptr, PluginFieldType::kINT32, 1),
                   PluginField("box_coding", nullptr, PluginFieldType::kINT32, 1)}) {}

  // The plugin's checks: the fields it requires, and their ranges.
  std::unique_ptr<Op> createOp(Attributes const& fields) const override {
    auto refuse = [](std::string const& what) { ops::fail("EfficientNMS_TRT", what); };
    for (char const* required : {"score_threshold", "iou_threshold", "max_output_boxes", "background_class",
                                 "score_activation", "box_coding"}) {
      if (!fields.has(required)) refuse(std::string("the required field ") + required + " is missing");
    }
    NmsFields f;
    f.scoreThreshold = fields.getFloat("score_threshold", 0.5f);
    f.iouThreshold = fields.getFloat("iou_threshold", 0.5f);
    f.maxOutputBoxes = fields.getInt("max_output_boxes", 100);
    f.backgroundClass = fields.getInt("background_class", -1);
    int64_t const activation = fields.getInt("score_activation", 0);
    int64_t const agnostic = fields.getInt("class_agnostic", 0);
    int64_t const coding = fields.getInt("box_coding", 0);
    if (!(f.scoreThreshold >= 0.f)) refuse("score_threshold must be >= 0");
    if (!(f.iouThreshold > 0.f)) refuse("iou_threshold must be > 0");
    if (f.maxOutputBoxes <= 0) refuse("max_output_boxes must be > 0, got " + std::to_string(f.maxOutputBoxes));
    if (activation != 0 && activation != 1) refuse("score_activation must be 0 or 1");
    if (agnostic != 0 && agnostic != 1) refuse("class_agnostic must be 0 or 1");
    if (coding != 0 && coding != 1) refuse("box_coding must be 0 (corners) or 1 (centre and size)");
    f.scoreActivation = activation == 1;
    f.classAgnostic = agnostic == 1;
    f.centerSize = coding == 1;
    return std::make_unique<EfficientNmsOp>(f);
  }
};

}  // namespace

CreatorV2& efficientNmsCreator() {
  static EfficientNmsCreator creator;
  return creator;
}

}  // namespace plugins
}  // namespace trtsim
