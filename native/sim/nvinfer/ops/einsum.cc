// Einsum: sums of products over labelled axes ("bhqd,bhkd->bhqk"), with TensorRT's einsum layer's rules: lower-case
// labels, float32/float16 inputs, repeated labels in one input take the diagonal, "..." broadcasts the unlabelled
// leading axes, and without "->" the output is the ellipsis axes then the labels seen once, in alphabetical order.
// Every combination of label values is visited and products accumulate in double: fine for the small tensors the
// simulator is for.
#include <algorithm>
#include <map>

#include "common.h"

namespace trtsim {
namespace ops {
namespace {

// An equation with each operand's "..." spelled out as labels '0', '1', ... (right-aligned across operands).
struct Equation {
  std::vector<std::string> inputs;
  std::string output;
};

class EinsumOp : public OpBase {
 public:
  explicit EinsumOp(std::string equation) : OpBase("Einsum", 1, 16), equation_(std::move(equation)) {}

  double flops(std::vector<HostTensor> const& in, std::vector<HostTensor> const&) const override {
    std::map<char, int64_t> extents = labelExtents(parse(ranksOf(in)), shapesOf(in));
    double v = 2;
    for (auto const& kv : extents) v *= static_cast<double>(std::max<int64_t>(kv.second, 1));
    return v;
  }

 protected:
  Fold foldPolicy() const override { return Fold::kNever; }

  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    for (TensorInfo const& t : in) {
      requireType(t, "input", {DType::kFLOAT, DType::kHALF});
      requireSameType(in[0], t, "input 0", "each input");
    }
    Equation e = parse(ranksOf(in));
    std::map<char, int64_t> extents = labelExtents(e, shapesOf(in));
    Shape out;
    for (char l : e.output) out.push_back(extents.at(l));
    return {TensorInfo{in[0].type, out, nullptr}};
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    Equation e = parse(ranksOf(in));
    std::vector<Shape> shapes = shapesOf(in);
    std::map<char, int64_t> extents = labelExtents(e, shapes);
    Shape outShape;
    for (char l : e.output) outShape.push_back(extents.at(l));
    expectShape(out[0], outShape);
    // Every label gets a position in one index vector; each operand reads through strides over it (0 for a label it
    // lacks or holds with extent 1, the sum of its strides for a repeated label: the diagonal).
    std::vector<char> labels;
    Shape space;
    for (auto const& kv : extents) {
      labels.push_back(kv.first);
      space.push_back(kv.second);
    }
    auto stridesFor = [&](std::string const& operand, Shape const& shape) {
      std::vector<int64_t> own = contiguousStrides(shape);
      std::vector<int64_t> s(labels.size(), 0);
      for (size_t a = 0; a < operand.size(); ++a) {
        size_t k = static_cast<size_t>(std::find(labels.begin(), labels.end(), operand[a]) - labels.begin());
        if (shape[a] != 1) s[k] += own[a];
      }
      return s;
    };
    std::vector<std::vector<int64_t>> inStrides;
    std::vector<std::vector<float>> bufs(in.size());
    std::vector<float const*> data;
    for (size_t i = 0; i < in.size(); ++i) {
      inStrides.push_back(stridesFor(e.inputs[i], shapes[i]));
      data.push_back(floatInput(in[i], bufs[i]));
    }
    std::vector<int64_t> outStrides = stridesFor(e.output, outShape);
    std::vector<double> acc(static_cast<size_t>(shapeVolume(outShape)), 0.0);
    std::vector<int64_t> index(labels.size(), 0);
    for (int64_t n = 0, total = shapeVolume(space); n < total; ++n) {
      double product = 1;
      for (size_t i = 0; i < in.size(); ++i) {
        int64_t offset = 0;
        for (size_t k = 0; k < labels.size(); ++k) offset += index[k] * inStrides[i][k];
        product *= data[i][offset];
      }
      int64_t at = 0;
      for (size_t k = 0; k < labels.size(); ++k) at += index[k] * outStrides[k];
      acc[static_cast<size_t>(at)] += product;
      nextIndex(index, space);
    }
    std::vector<float> yBuf;
    float* y = floatOutput(out[0], yBuf);
    for (size_t i = 0; i < acc.size(); ++i) y[i] = static_cast<float>(acc[i]);
    storeFloatOutput(out[0], yBuf);
  }

 private:
  template <typename T>
  static std::vector<size_t> ranksOf(std::vector<T> const& in) {
    std::vector<size_t> r;
    for (T const& t : in) r.push_back(t.shape.size());
    return r;
  }
  template <typename T>
  static std::vector<Shape> shapesOf(std::vector<T> const& in) {
    std::vector<Shape> s;
    for (T const& t : in) s.push_back(t.shape);
    return s;
  }

  Equation parse(std::vector<size_t> const& ranks) const {
    std::string eq;
    for (char c : equation_) {
      if (c != ' ') eq += c;
    }
    size_t arrow = eq.find("->");
    std::string lhs = arrow == std::string::npos ? eq : eq.substr(0, arrow);
    Equation e;
    size_t start = 0;
    for (size_t comma; (comma = lhs.find(',', start)) != std::string::npos; start = comma + 1) e.inputs.push_back(lhs.substr(start, comma - start));
    e.inputs.push_back(lhs.substr(start));
    if (e.inputs.size() != ranks.size()) {
      fail("the equation names " + std::to_string(e.inputs.size()) + " inputs, the node has " + std::to_string(ranks.size()));
    }
    size_t ellipsisRank = 0;
    for (size_t i = 0; i < e.inputs.size(); ++i) {
      std::string& op = e.inputs[i];
      size_t dots = op.find("...");
      size_t labelled = op.size() - (dots == std::string::npos ? 0 : 3);
      if (dots == std::string::npos ? labelled != ranks[i] : labelled > ranks[i]) {
        fail("the equation's term '" + op + "' does not fit input " + std::to_string(i) + " of rank " + std::to_string(ranks[i]));
      }
      if (dots != std::string::npos) {
        size_t covered = ranks[i] - labelled;
        ellipsisRank = std::max(ellipsisRank, covered);
        op.replace(dots, 3, ellipsisLabels(covered));
      }
      checkLabels(op);
    }
    // Ellipsis labels are right-aligned: an operand covering fewer axes names the last of them.
    for (size_t i = 0; i < e.inputs.size(); ++i) {
      std::string& op = e.inputs[i];
      for (char& c : op) {
        if (c >= '0' && c <= '9') c = static_cast<char>(c + static_cast<char>(ellipsisRank - countDigits(op)));
      }
    }
    if (arrow != std::string::npos) {
      e.output = eq.substr(arrow + 2);
      size_t dots = e.output.find("...");
      if (dots != std::string::npos) e.output.replace(dots, 3, ellipsisLabels(ellipsisRank));
      checkLabels(e.output);
      for (char c : e.output) {
        bool found = std::any_of(e.inputs.begin(), e.inputs.end(), [c](std::string const& op) { return op.find(c) != std::string::npos; });
        if (!found) fail(std::string("output label '") + c + "' is not in any input");
      }
    } else {
      e.output = ellipsisLabels(ellipsisRank);
      std::map<char, int> count;
      for (std::string const& op : e.inputs) {
        for (char c : op) {
          if (c >= 'a' && c <= 'z') ++count[c];
        }
      }
      for (auto const& kv : count) {
        if (kv.second == 1) e.output += kv.first;
      }
    }
    return e;
  }

  static std::string ellipsisLabels(size_t count) {
    std::string s;
    for (size_t k = 0; k < count; ++k) s += static_cast<char>('0' + k);
    return s;
  }
  static size_t countDigits(std::string const& s) {
    return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }));
  }
  void checkLabels(std::string const& term) const {
    for (char c : term) {
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
        fail(std::string("label '") + c + "' is not supported (TensorRT's einsum takes lower-case letters)");
      }
    }
  }

  // Each label's extent; extents of 1 broadcast, -1 stays unknown until run time.
  std::map<char, int64_t> labelExtents(Equation const& e, std::vector<Shape> const& shapes) const {
    std::map<char, int64_t> extents;
    for (size_t i = 0; i < e.inputs.size(); ++i) {
      for (size_t a = 0; a < e.inputs[i].size(); ++a) {
        char l = e.inputs[i][a];
        int64_t d = shapes[i][a];
        auto it = extents.find(l);
        if (it == extents.end() || it->second == 1 || (it->second < 0 && d > 1)) {
          extents[l] = it == extents.end() || d != 1 ? d : it->second;
        } else if (d >= 0 && it->second >= 0 && d != 1 && d != it->second) {
          fail(std::string("label '") + l + "' has extents " + std::to_string(it->second) + " and " + std::to_string(d));
        }
      }
    }
    return extents;
  }

  std::string equation_;
};

}  // namespace

std::unique_ptr<Op> makeEinsumOp(std::string const& type, Attributes const& attrs, int64_t /*opset*/) {
  checkAttributes(type, attrs, {"equation"});
  if (!attrs.has("equation")) fail(type, "the equation attribute is required");
  return std::make_unique<EinsumOp>(attrs.getString("equation", ""));
}

}  // namespace ops
}  // namespace trtsim
