// LSTM, GRU and RNN as TensorRT's ONNX parser builds them: a loop over the sequence axis whose body is matrix
// multiplies, the gates' activations and, with sequence_lens, selects that keep a batch entry's state past its length
// and zero its Y there. The reverse direction runs from the last element of the sequence back (from the entry's own
// last element, since the steps past its length keep the initial state). Where this differs from onnxruntime: a
// length of 0 keeps the initial state (onnxruntime: zeros), a length beyond the sequence runs every step (onnxruntime
// refuses it), and clip also bounds LSTM's cell state where it enters h (onnxruntime clips the gates only; the spec
// says every activation's input).
//
// What the parser does not read is refused rather than computed wrongly: layout 1 (it reads [seq, batch, input]),
// input_forget (it never couples the gates), a reverse direction whose activations differ from the forward's (it
// applies the forward ones to both), and, for GRU and RNN, activation parameters it would hand to another function
// (it gives the k-th alpha to the k-th activation, where ONNX gives them in order to the functions that take one).
// Only float32 is modelled: the parser makes the initial states float32 whatever the input's type.
#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "common.h"
#include "unary.h"

namespace trtsim {
namespace ops {
namespace {

enum class Cell { kRnn, kGru, kLstm };

// The inputs' ONNX names, in order (GRU and RNN stop at initial_h).
char const* const kNames[] = {"X", "W", "R", "B", "sequence_lens", "initial_h", "initial_c", "P"};

int gatesOf(Cell c) { return c == Cell::kLstm ? 4 : c == Cell::kGru ? 3 : 1; }
size_t activationsOf(Cell c) { return c == Cell::kLstm ? 3 : c == Cell::kGru ? 2 : 1; }

struct Activation {
  std::string name;
  UnKind kind;
  int params;  // how many of alpha and beta the function takes
  float alpha;
  float beta;
  float operator()(float x) const { return unaryValue(kind, x, alpha, beta); }
};

// The activations TensorRT's parser maps to its activation layer, with how many parameters ONNX gives each and the
// parser's defaults (its getActivationDefaultAlpha / Beta).
struct ActivationInfo {
  char const* name;
  UnKind kind;
  int params;  // 0, 1 (alpha) or 2 (alpha, beta)
  float alpha;
  float beta;
};
constexpr ActivationInfo kActivations[] = {
    {"Relu", UnKind::kRelu, 0, 0.f, 0.f},
    {"Tanh", UnKind::kTanh, 0, 0.f, 0.f},
    {"Sigmoid", UnKind::kSigmoid, 0, 0.f, 0.f},
    {"LeakyRelu", UnKind::kLeakyRelu, 1, 0.01f, 0.f},
    {"ThresholdedRelu", UnKind::kThresholdedRelu, 1, 1.f, 0.f},
    {"ScaledTanh", UnKind::kScaledTanh, 2, 1.f, 1.f},
    {"HardSigmoid", UnKind::kHardSigmoid, 2, 0.2f, 0.5f},
    {"Elu", UnKind::kElu, 1, 1.f, 0.f},
    {"Softsign", UnKind::kSoftsign, 0, 0.f, 0.f},
    {"Softplus", UnKind::kSoftplus, 0, 0.f, 0.f},
};

ActivationInfo const& activationInfo(std::string const& op, std::string const& name) {
  for (auto const& a : kActivations)
    if (name == a.name) return a;
  fail(op, "Unknown activation type: " + name + " (TensorRT's parser maps Relu, Tanh, Sigmoid, LeakyRelu, ThresholdedRelu, "
           "ScaledTanh, HardSigmoid, Elu, Softsign and Softplus)");
}

std::vector<std::string> defaultActivations(Cell cell, int directions) {
  std::vector<std::string> one = cell == Cell::kLstm ? std::vector<std::string>{"Sigmoid", "Tanh", "Tanh"}
                                 : cell == Cell::kGru ? std::vector<std::string>{"Sigmoid", "Tanh"}
                                                      : std::vector<std::string>{"Tanh"};
  std::vector<std::string> all = one;
  if (directions == 2) all.insert(all.end(), one.begin(), one.end());
  return all;
}

// ONNX's reading: alphas (and betas) go in order to the functions that take one.
std::vector<Activation> onnxActivations(std::string const& op, std::vector<std::string> const& names,
                                        std::vector<float> const& alphas, std::vector<float> const& betas) {
  std::vector<Activation> out;
  size_t a = 0, b = 0;
  for (auto const& name : names) {
    ActivationInfo const& info = activationInfo(op, name);
    Activation act{name, info.kind, info.params, info.alpha, info.beta};
    if (info.params >= 1 && a < alphas.size()) act.alpha = alphas[a++];
    if (info.params >= 2 && b < betas.size()) act.beta = betas[b++];
    out.push_back(act);
  }
  return out;
}

// The parser's GRU and RNN reading: the k-th alpha (beta) to the k-th function, defaults after the list.
std::vector<Activation> positionalActivations(std::string const& op, std::vector<std::string> const& names,
                                              std::vector<float> const& alphas, std::vector<float> const& betas) {
  std::vector<Activation> out;
  for (size_t k = 0; k < names.size(); ++k) {
    ActivationInfo const& info = activationInfo(op, names[k]);
    out.push_back(Activation{names[k], info.kind, info.params, k < alphas.size() ? alphas[k] : info.alpha, k < betas.size() ? betas[k] : info.beta});
  }
  return out;
}

// Equal as functions: parameters a function does not take are not compared.
bool sameActivation(Activation const& a, Activation const& b) {
  return a.kind == b.kind && (a.params < 1 || a.alpha == b.alpha) && (a.params < 2 || a.beta == b.beta);
}

std::string describe(Activation const& a) {
  std::ostringstream os;
  os << a.name;
  if (a.params == 1) os << "(alpha " << a.alpha << ")";
  if (a.params == 2) os << "(alpha " << a.alpha << ", beta " << a.beta << ")";
  return os.str();
}

struct RecurrentSpec {
  Cell cell = Cell::kLstm;
  int64_t hidden = 0;
  int directions = 1;
  bool reverse = false;  // a single direction, run backwards
  float clip = -1.f;     // < 0: none
  bool linearBeforeReset = false;
  std::vector<Activation> acts;  // one direction's: RNN f; GRU f, g; LSTM f, g, h
};

class RecurrentOp : public OpBase {
 public:
  RecurrentOp(std::string name, RecurrentSpec spec)
      : OpBase(std::move(name), 3, spec.cell == Cell::kLstm ? 8 : 6, spec.cell == Cell::kLstm ? 3 : 2), spec_(std::move(spec)) {}

  double flops(std::vector<HostTensor> const& in, std::vector<HostTensor> const&) const override {
    Shape const& x = in[0].shape;
    double const steps = static_cast<double>(x[0]) * static_cast<double>(x[1]) * spec_.directions;
    double const gates = static_cast<double>(gatesOf(spec_.cell) * spec_.hidden);
    return steps * gates * (2.0 * static_cast<double>(x[2] + spec_.hidden) + 8.0);
  }

 protected:
  Fold foldPolicy() const override { return Fold::kNever; }

  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    for (size_t k = 0; k < in.size(); ++k) {
      if (in[k].omitted) {
        if (k < 3) fail(std::string("input ") + kNames[k] + " is required");
        continue;
      }
      requireType(in[k], kNames[k], {k == 4 ? DType::kINT32 : DType::kFLOAT});
    }
    Shape const& x = in[0].shape;
    if (x.size() != 3) fail("X must be 3-D [seq_length, batch_size, input_size], got shape " + shapeToString(x));
    int64_t const d = spec_.directions, h = spec_.hidden, g = gatesOf(spec_.cell), batch = x[1];
    expect(in, 1, {d, g * h, x[2]}, "[num_directions, " + std::to_string(g) + "*hidden_size, input_size]");
    expect(in, 2, {d, g * h, h}, "[num_directions, " + std::to_string(g) + "*hidden_size, hidden_size]");
    expect(in, 3, {d, 2 * g * h}, "[num_directions, " + std::to_string(2 * g) + "*hidden_size]");
    expect(in, 4, {batch}, "[batch_size]");
    expect(in, 5, {d, batch, h}, "[num_directions, batch_size, hidden_size]");
    expect(in, 6, {d, batch, h}, "[num_directions, batch_size, hidden_size]");
    expect(in, 7, {d, 3 * h}, "[num_directions, 3*hidden_size]");
    std::vector<TensorInfo> out = {TensorInfo{DType::kFLOAT, {x[0], d, batch, h}, nullptr},
                                   TensorInfo{DType::kFLOAT, {d, batch, h}, nullptr}};
    if (spec_.cell == Cell::kLstm) out.push_back(TensorInfo{DType::kFLOAT, {d, batch, h}, nullptr});
    return out;
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    auto given = [&](size_t k) { return k < in.size() && !in[k].omitted; };
    auto output = [&](size_t k) { return k < out.size() && !out[k].omitted ? static_cast<float*>(out[k].data) : nullptr; };
    int64_t const steps = in[0].shape[0], batch = in[0].shape[1], inputSize = in[0].shape[2];
    int64_t const h = spec_.hidden, gh = gatesOf(spec_.cell) * h;
    std::vector<int64_t> lens = given(4) ? hostInts(in[4]) : std::vector<int64_t>(static_cast<size_t>(batch), steps);
    float* y = output(0);
    float* yh = output(1);
    float* yc = output(2);
    std::vector<float> state(static_cast<size_t>(h)), cell(static_cast<size_t>(h)), next(static_cast<size_t>(h)),
        nextCell(static_cast<size_t>(h)), gates(static_cast<size_t>(gh)), recurrent(static_cast<size_t>(gh)),
        scratch(static_cast<size_t>(4 * h));
    for (int64_t dir = 0; dir < spec_.directions; ++dir) {
      bool const backwards = spec_.directions == 2 ? dir == 1 : spec_.reverse;
      Weights const wt = weightsOf(in, dir, inputSize);
      for (int64_t b = 0; b < batch; ++b) {
        size_t const stateOffset = static_cast<size_t>((dir * batch + b) * h);
        initialState(in, 5, stateOffset, state);
        if (spec_.cell == Cell::kLstm) initialState(in, 6, stateOffset, cell);
        for (int64_t i = 0; i < steps; ++i) {
          int64_t const t = backwards ? steps - 1 - i : i;
          // The parser's mask: a step counts while its time index is below the entry's length.
          bool const valid = t < lens[static_cast<size_t>(b)];
          float const* xt = static_cast<float const*>(in[0].data) + (t * batch + b) * inputSize;
          if (valid) {
            multiply(wt.w, xt, inputSize, gh, gates.data());
            multiply(wt.r, state.data(), h, gh, recurrent.data());
            step(wt, state, cell, gates, recurrent, next, nextCell, scratch);
            state.swap(next);
            if (spec_.cell == Cell::kLstm) cell.swap(nextCell);
          }
          if (y) {
            float* row = y + ((t * spec_.directions + dir) * batch + b) * h;
            for (int64_t k = 0; k < h; ++k) row[k] = valid ? state[static_cast<size_t>(k)] : 0.f;
          }
        }
        if (yh) std::copy(state.begin(), state.end(), yh + stateOffset);
        if (yc) std::copy(cell.begin(), cell.end(), yc + stateOffset);
      }
    }
  }

 private:
  // One direction's parameters: W [gh, input], R [gh, h], the biases Wb and Rb [gh] (null when B is absent), the
  // peepholes P [3h] (null when absent).
  struct Weights {
    float const* w;
    float const* r;
    float const* wb;
    float const* rb;
    float const* p;
  };

  Weights weightsOf(std::vector<HostTensor> const& in, int64_t dir, int64_t inputSize) const {
    int64_t const h = spec_.hidden, gh = gatesOf(spec_.cell) * h;
    auto given = [&](size_t k) { return k < in.size() && !in[k].omitted; };
    auto data = [&](size_t k) { return static_cast<float const*>(in[k].data); };
    Weights wt{data(1) + dir * gh * inputSize, data(2) + dir * gh * h, nullptr, nullptr, nullptr};
    if (given(3)) {
      wt.wb = data(3) + dir * 2 * gh;
      wt.rb = wt.wb + gh;
    }
    if (given(7)) wt.p = data(7) + dir * 3 * h;
    return wt;
  }

  static void initialState(std::vector<HostTensor> const& in, size_t k, size_t offset, std::vector<float>& state) {
    if (k < in.size() && !in[k].omitted) {
      float const* src = static_cast<float const*>(in[k].data) + offset;
      std::copy(src, src + state.size(), state.begin());
    } else {
      std::fill(state.begin(), state.end(), 0.f);
    }
  }

  // out[j] = sum_k m[j, k] v[k]: a matrix multiply by the transposed weights, as the parser's layers compute it.
  static void multiply(float const* m, float const* v, int64_t n, int64_t rows, float* out) {
    for (int64_t j = 0; j < rows; ++j) {
      float const* row = m + j * n;
      float sum = 0.f;
      for (int64_t k = 0; k < n; ++k) sum += row[k] * v[k];
      out[j] = sum;
    }
  }

  float clipped(float v) const { return spec_.clip >= 0.f ? std::fmin(std::fmax(v, -spec_.clip), spec_.clip) : v; }
  float act(size_t k, float v) const { return spec_.acts[k](clipped(v)); }

  // One time step of one batch entry: gates = x W^T, recurrent = h R^T; writes the new state (and cell). scratch: 4h.
  void step(Weights const& wt, std::vector<float> const& state, std::vector<float> const& cell, std::vector<float> const& gates,
            std::vector<float> const& recurrent, std::vector<float>& next, std::vector<float>& nextCell,
            std::vector<float>& scratch) const {
    size_t const h = static_cast<size_t>(spec_.hidden);
    auto bias = [&](size_t j) { return wt.wb ? wt.wb[j] + wt.rb[j] : 0.f; };  // the parser sums Wb and Rb first
    switch (spec_.cell) {
      case Cell::kRnn:
        for (size_t k = 0; k < h; ++k) next[k] = act(0, gates[k] + recurrent[k] + bias(k));
        return;
      case Cell::kLstm:
        for (size_t k = 0; k < h; ++k) {  // gate blocks i, o, f, c; peepholes i, o, f
          auto pre = [&](size_t gate) { return gates[gate * h + k] + recurrent[gate * h + k] + bias(gate * h + k); };
          float const peepI = wt.p ? wt.p[k] * cell[k] : 0.f, peepF = wt.p ? wt.p[2 * h + k] * cell[k] : 0.f;
          float const i = act(0, pre(0) + peepI), f = act(0, pre(2) + peepF), c = act(1, pre(3));
          nextCell[k] = f * cell[k] + i * c;
          float const peepO = wt.p ? wt.p[h + k] * nextCell[k] : 0.f;
          next[k] = act(0, pre(1) + peepO) * act(2, nextCell[k]);
        }
        return;
      case Cell::kGru: {
        // z and r from blocks 0 and 1; the candidate from block 2, with the reset before or after R_h.
        float* update = scratch.data();
        float* reset = update + h;
        float* candidate = reset + h;
        float* gated = candidate + h;
        for (size_t k = 0; k < h; ++k) {
          auto zr = [&](size_t j) { return act(0, wt.wb ? gates[j] + recurrent[j] + wt.wb[j] + wt.rb[j] : gates[j] + recurrent[j]); };
          update[k] = zr(k);
          reset[k] = zr(h + k);
        }
        if (spec_.linearBeforeReset) {
          for (size_t k = 0; k < h; ++k) {
            float const rh = recurrent[2 * h + k] + (wt.rb ? wt.rb[2 * h + k] : 0.f);
            candidate[k] = act(1, gates[2 * h + k] + (reset[k] * rh + (wt.wb ? wt.wb[2 * h + k] : 0.f)));
          }
        } else {
          for (size_t k = 0; k < h; ++k) gated[k] = reset[k] * state[k];
          float const* rh = wt.r + 2 * h * h;
          for (size_t k = 0; k < h; ++k) {
            float sum = 0.f;
            for (size_t j = 0; j < h; ++j) sum += rh[k * h + j] * gated[j];
            candidate[k] = act(1, gates[2 * h + k] + sum + (wt.wb ? wt.rb[2 * h + k] + wt.wb[2 * h + k] : 0.f));
          }
        }
        for (size_t k = 0; k < h; ++k) next[k] = (1.f - update[k]) * candidate[k] + update[k] * state[k];
        return;
      }
    }
  }

  // Checks input k's shape against `want` (extents of -1 on either side are not compared yet).
  void expect(std::vector<TensorInfo> const& in, size_t k, Shape const& want, std::string const& form) const {
    if (k >= in.size() || in[k].omitted) return;
    Shape const& got = in[k].shape;
    bool ok = got.size() == want.size();
    for (size_t i = 0; ok && i < got.size(); ++i) ok = got[i] < 0 || want[i] < 0 || got[i] == want[i];
    if (!ok) {
      fail(std::string(kNames[k]) + " must have shape " + shapeToString(want) + " " + form + ", got " + shapeToString(got) +
           " (hidden_size " + std::to_string(spec_.hidden) + ", " + std::to_string(spec_.directions) + " direction" +
           (spec_.directions == 2 ? "s" : "") + ", X " + shapeToString(in[0].shape) + ")");
    }
  }

  RecurrentSpec spec_;
};

}  // namespace

std::unique_ptr<Op> makeRecurrentOp(std::string const& type, Attributes const& attrs, int64_t /*opset*/) {
  RecurrentSpec spec;
  spec.cell = type == "LSTM" ? Cell::kLstm : type == "GRU" ? Cell::kGru : Cell::kRnn;
  if (spec.cell == Cell::kLstm) {
    checkAttributes(type, attrs, {"activation_alpha", "activation_beta", "activations", "clip", "direction", "hidden_size", "input_forget", "layout"});
  } else if (spec.cell == Cell::kGru) {
    checkAttributes(type, attrs, {"activation_alpha", "activation_beta", "activations", "clip", "direction", "hidden_size", "layout", "linear_before_reset"});
  } else {
    checkAttributes(type, attrs, {"activation_alpha", "activation_beta", "activations", "clip", "direction", "hidden_size", "layout"});
  }
  if (!attrs.has("hidden_size")) fail(type, "the hidden_size attribute is required");
  spec.hidden = attrs.getInt("hidden_size", 0);
  if (spec.hidden <= 0) fail(type, "hidden_size must be positive, got " + std::to_string(spec.hidden));
  std::string const direction = attrs.getString("direction", "forward");
  if (direction != "forward" && direction != "reverse" && direction != "bidirectional") {
    fail(type, "direction " + direction + " is not forward, reverse or bidirectional");
  }
  spec.directions = direction == "bidirectional" ? 2 : 1;
  spec.reverse = direction == "reverse";
  if (attrs.getInt("layout", 0) != 0) {
    fail(type, "layout 1 ([batch, seq, ...]) is not modelled: TensorRT's parser reads X as [seq_length, batch_size, input_size] whatever layout says");
  }
  if (attrs.getInt("input_forget", 0) != 0) fail(type, "input_forget is not modelled: TensorRT's parser does not couple the input and forget gates");
  int64_t const lbr = attrs.getInt("linear_before_reset", 0);
  if (lbr != 0 && lbr != 1) fail(type, "linear_before_reset must be 0 or 1, got " + std::to_string(lbr));
  spec.linearBeforeReset = lbr == 1;
  if (attrs.has("clip")) {
    spec.clip = attrs.getFloat("clip", -1.f);
    if (!(spec.clip >= 0.f)) fail(type, "clip must be a threshold >= 0, got " + attributeValueString(attrs.values.at("clip")));
  }

  size_t const perDirection = activationsOf(spec.cell);
  std::vector<std::string> names = attrs.getStrings("activations", defaultActivations(spec.cell, spec.directions));
  if (names.size() != perDirection * static_cast<size_t>(spec.directions)) {
    fail(type, "activations lists " + std::to_string(names.size()) + " functions; " + direction + " takes " +
                   std::to_string(perDirection * static_cast<size_t>(spec.directions)));
  }
  std::vector<float> const alphas = attrs.getFloats("activation_alpha", {}), betas = attrs.getFloats("activation_beta", {});
  std::vector<Activation> acts = onnxActivations(type, names, alphas, betas);
  if (spec.cell != Cell::kLstm) {
    std::vector<Activation> parsers = positionalActivations(type, names, alphas, betas);
    for (size_t k = 0; k < perDirection; ++k) {
      if (!sameActivation(acts[k], parsers[k])) {
        fail(type, "activation " + std::to_string(k) + " is " + describe(acts[k]) + " in ONNX, but TensorRT's parser gives the k-th "
                   "activation_alpha and activation_beta to the k-th function and would compute " + describe(parsers[k]) + ": not modelled");
      }
    }
  }
  for (size_t k = 0; spec.directions == 2 && k < perDirection; ++k) {
    if (!sameActivation(acts[k], acts[perDirection + k])) {
      fail(type, "the reverse direction's activation " + std::to_string(k) + " " + describe(acts[perDirection + k]) + " differs from the forward's " +
                     describe(acts[k]) + ": TensorRT's parser applies the forward direction's activations to both, so this is not modelled");
    }
  }
  acts.resize(perDirection);
  spec.acts = std::move(acts);
  return std::make_unique<RecurrentOp>(type, std::move(spec));
}

}  // namespace ops
}  // namespace trtsim
