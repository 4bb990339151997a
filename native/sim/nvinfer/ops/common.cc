// Helpers declared in op.h (dtype names/sizes, shapes, attribute getters, Op::flops) and common.h.
#include "common.h"

#include <algorithm>
#include <sstream>

namespace trtsim {

// ---------------------------------------------------------------------------------------------------------------
// op.h helpers

size_t dtypeSize(DType type) {
  switch (type) {
    case DType::kFLOAT: return 4;
    case DType::kHALF: return 2;
    case DType::kINT8: return 1;
    case DType::kINT32: return 4;
    case DType::kBOOL: return 1;
    case DType::kUINT8: return 1;
    case DType::kFP8: return 1;
    case DType::kBF16: return 2;
    case DType::kINT64: return 8;
  }
  throw OpError("unknown data type " + std::to_string(static_cast<int32_t>(type)));
}

char const* dtypeName(DType type) {
  switch (type) {
    case DType::kFLOAT: return "float32";
    case DType::kHALF: return "float16";
    case DType::kINT8: return "int8";
    case DType::kINT32: return "int32";
    case DType::kBOOL: return "bool";
    case DType::kUINT8: return "uint8";
    case DType::kFP8: return "fp8";
    case DType::kBF16: return "bfloat16";
    case DType::kINT64: return "int64";
  }
  return "unknown";
}

int64_t shapeVolume(Shape const& shape) {
  int64_t v = 1;
  bool unknown = false;
  for (int64_t d : shape) {
    if (d < 0) {
      unknown = true;
      continue;
    }
    if (d != 0 && v > std::numeric_limits<int64_t>::max() / d) throw OpError("shape " + shapeToString(shape) + " has too many elements");
    v *= d;
  }
  return unknown ? -1 : v;
}

std::string shapeToString(Shape const& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ",";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

namespace {
char const* kindName(Attribute::Kind k) {
  switch (k) {
    case Attribute::Kind::kFLOAT: return "a float";
    case Attribute::Kind::kINT: return "an int";
    case Attribute::Kind::kSTRING: return "a string";
    case Attribute::Kind::kFLOATS: return "a list of floats";
    case Attribute::Kind::kINTS: return "a list of ints";
    case Attribute::Kind::kTENSOR: return "a tensor";
    case Attribute::Kind::kSTRINGS: return "a list of strings";
    case Attribute::Kind::kGRAPH: return "a graph";
  }
  return "of unknown kind";
}

Attribute const* findAttr(Attributes const& a, std::string const& name, Attribute::Kind want) {
  auto it = a.values.find(name);
  if (it == a.values.end()) return nullptr;
  if (it->second.kind != want) {
    throw OpError("attribute '" + name + "' is " + kindName(it->second.kind) + ", expected " + kindName(want));
  }
  return &it->second;
}
}  // namespace

int64_t Attributes::getInt(std::string const& name, int64_t fallback) const {
  auto a = findAttr(*this, name, Attribute::Kind::kINT);
  return a ? a->i : fallback;
}
float Attributes::getFloat(std::string const& name, float fallback) const {
  auto a = findAttr(*this, name, Attribute::Kind::kFLOAT);
  return a ? a->f : fallback;
}
std::string Attributes::getString(std::string const& name, std::string const& fallback) const {
  auto a = findAttr(*this, name, Attribute::Kind::kSTRING);
  return a ? a->s : fallback;
}
std::vector<int64_t> Attributes::getInts(std::string const& name, std::vector<int64_t> const& fallback) const {
  auto a = findAttr(*this, name, Attribute::Kind::kINTS);
  return a ? a->ints : fallback;
}
std::vector<float> Attributes::getFloats(std::string const& name, std::vector<float> const& fallback) const {
  auto a = findAttr(*this, name, Attribute::Kind::kFLOATS);
  return a ? a->floats : fallback;
}

std::vector<std::string> Attributes::getStrings(std::string const& name, std::vector<std::string> const& fallback) const {
  auto a = findAttr(*this, name, Attribute::Kind::kSTRINGS);
  return a ? a->strings : fallback;
}

SubGraph const* Attributes::getGraph(std::string const& name) const {
  auto a = findAttr(*this, name, Attribute::Kind::kGRAPH);
  return a ? a->graph.get() : nullptr;
}

Attribute const* Attributes::getTensor(std::string const& name) const {
  return findAttr(*this, name, Attribute::Kind::kTENSOR);
}

double Op::flops(std::vector<HostTensor> const& /*inputs*/, std::vector<HostTensor> const& outputs) const {
  double total = 0;
  for (auto const& o : outputs) {
    int64_t v = shapeVolume(o.shape);
    if (v > 0) total += static_cast<double>(v);
  }
  return total;
}

std::vector<Shape> Op::upperBounds(std::vector<TensorInfo> const& /*inputs*/) const {
  throw OpError("the op's output shapes do not depend on data");
}

std::vector<Shape> Op::computeDynamic(std::vector<HostTensor> const& /*inputs*/,
                                      std::vector<HostTensor> const& /*outputs*/) const {
  throw OpError("the op's output shapes do not depend on data");
}

namespace ops {

// ---------------------------------------------------------------------------------------------------------------
// Errors and attributes

void fail(std::string const& op, std::string const& message) { throw OpError(op + ": " + message); }

std::string attributeValueString(Attribute const& a) {
  std::ostringstream os;
  switch (a.kind) {
    case Attribute::Kind::kFLOAT: os << a.f; break;
    case Attribute::Kind::kINT: os << a.i; break;
    case Attribute::Kind::kSTRING: os << '"' << a.s << '"'; break;
    case Attribute::Kind::kFLOATS:
      os << '[';
      for (size_t i = 0; i < a.floats.size(); ++i) os << (i ? "," : "") << a.floats[i];
      os << ']';
      break;
    case Attribute::Kind::kINTS:
      os << '[';
      for (size_t i = 0; i < a.ints.size(); ++i) os << (i ? "," : "") << a.ints[i];
      os << ']';
      break;
    case Attribute::Kind::kSTRINGS:
      os << '[';
      for (size_t i = 0; i < a.strings.size(); ++i) os << (i ? "," : "") << '"' << a.strings[i] << '"';
      os << ']';
      break;
    case Attribute::Kind::kGRAPH: os << "a graph of " << (a.graph ? a.graph->nodes.size() : 0) << " nodes"; break;
    case Attribute::Kind::kTENSOR: os << "a " << dtypeName(a.tensorType) << " tensor of shape " << shapeToString(a.tensorShape); break;
  }
  return os.str();
}

void checkAttributes(std::string const& op, Attributes const& attrs, std::initializer_list<char const*> allowed) {
  for (auto const& kv : attrs.values) {
    bool ok = false;
    for (char const* name : allowed) ok = ok || kv.first == name;
    if (!ok) fail(op, "unsupported attribute '" + kv.first + "' (value " + attributeValueString(kv.second) + ")");
  }
}

int64_t elementIndex(std::string const& op, int64_t v, int64_t extent, int64_t axis) {
  if (v < -extent || v >= extent) {
    fail(op, "index " + std::to_string(v) + " is out of range [" + std::to_string(-extent) + ", " + std::to_string(extent - 1) +
                 "] for axis " + std::to_string(axis) + " of extent " + std::to_string(extent));
  }
  return v < 0 ? v + extent : v;
}

int64_t normalizeAxis(std::string const& op, char const* what, int64_t axis, int64_t rank, bool inclusiveEnd) {
  int64_t hi = inclusiveEnd ? rank : rank - 1;
  if (axis < -rank || axis > hi) {
    fail(op, std::string(what) + " " + std::to_string(axis) + " is out of range [" + std::to_string(-rank) + ", " +
                 std::to_string(hi) + "] for rank " + std::to_string(rank));
  }
  return axis < 0 ? axis + rank : axis;
}

// ---------------------------------------------------------------------------------------------------------------
// Shapes

bool isKnown(Shape const& shape) {
  for (int64_t d : shape)
    if (d < 0) return false;
  return true;
}

std::vector<int64_t> contiguousStrides(Shape const& shape) {
  std::vector<int64_t> s(shape.size(), 1);
  int64_t acc = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    s[i] = acc;
    acc *= std::max<int64_t>(shape[i], 1);
  }
  return s;
}

Shape broadcastShapes(std::string const& op, std::vector<Shape> const& shapes) {
  size_t rank = 0;
  for (auto const& s : shapes) rank = std::max(rank, s.size());
  Shape out(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    int64_t known = -2;  // the known non-1 extent, -2 when none
    bool unknown = false;
    for (auto const& s : shapes) {
      if (s.size() + i < rank) continue;  // missing leading dim = 1
      int64_t d = s[s.size() + i - rank];
      if (d < 0) {
        unknown = true;
      } else if (d != 1) {
        if (known != -2 && known != d) {
          std::string msg = "cannot broadcast ";
          for (size_t k = 0; k < shapes.size(); ++k) {
            if (k) msg += (k + 1 == shapes.size()) ? (shapes.size() > 2 ? ", and " : " with ") : ", ";
            msg += shapeToString(shapes[k]);
          }
          fail(op, msg);
        }
        known = d;
      }
    }
    out[i] = known != -2 ? known : (unknown ? -1 : 1);
  }
  return out;
}

int64_t productOf(Shape const& shape, size_t begin, size_t end) {
  Shape part(shape.begin() + static_cast<std::ptrdiff_t>(begin), shape.begin() + static_cast<std::ptrdiff_t>(end));
  return shapeVolume(part);
}

StridedPlan makeStridedPlan(Shape const& dims, std::vector<std::vector<int64_t>> const& strides) {
  StridedPlan p;
  p.count = static_cast<int>(strides.size());
  if (p.count > kMaxOperands) throw OpError("internal: too many operands in a strided plan");
  p.volume = shapeVolume(dims);
  // Keep dims of extent != 1, outermost first, then merge from the inside out.
  std::vector<size_t> keep;
  for (size_t i = 0; i < dims.size(); ++i)
    if (dims[i] != 1) keep.push_back(i);
  std::vector<int64_t> rd;                     // reversed collapsed dims
  std::vector<int64_t> rs[kMaxOperands];       // reversed collapsed strides
  for (size_t j = keep.size(); j-- > 0;) {
    size_t i = keep[j];
    bool merge = !rd.empty();
    for (int k = 0; merge && k < p.count; ++k) merge = strides[k][i] == rs[k].back() * rd.back();
    if (merge) {
      rd.back() *= dims[i];
    } else {
      rd.push_back(dims[i]);
      for (int k = 0; k < p.count; ++k) rs[k].push_back(strides[k][i]);
    }
  }
  if (rd.empty()) {
    rd.push_back(1);
    for (int k = 0; k < p.count; ++k) rs[k].push_back(0);
  }
  p.dims.assign(rd.rbegin(), rd.rend());
  for (int k = 0; k < p.count; ++k) p.strides[k].assign(rs[k].rbegin(), rs[k].rend());
  return p;
}

StridedPlan makeBroadcastPlan(Shape const& out, std::vector<Shape> const& inputs) {
  size_t r = out.size();
  std::vector<std::vector<int64_t>> strides;
  strides.push_back(contiguousStrides(out));
  for (auto const& s : inputs) {
    if (s.size() > r) throw OpError("internal: broadcast operand " + shapeToString(s) + " has a higher rank than " + shapeToString(out));
    std::vector<int64_t> own = contiguousStrides(s);
    std::vector<int64_t> st(r, 0);
    for (size_t i = 0; i < s.size(); ++i) {
      size_t oi = r - s.size() + i;
      if (s[i] == out[oi]) {
        st[oi] = s[i] == 1 ? 0 : own[i];
      } else if (s[i] != 1) {
        throw OpError("internal: " + shapeToString(s) + " does not broadcast to " + shapeToString(out));
      }
    }
    strides.push_back(std::move(st));
  }
  return makeStridedPlan(out, strides);
}

// ---------------------------------------------------------------------------------------------------------------
// Dtypes

bool isFloatType(DType t) { return t == DType::kFLOAT || t == DType::kHALF || t == DType::kBF16; }
bool isIntType(DType t) {
  return t == DType::kINT8 || t == DType::kUINT8 || t == DType::kINT32 || t == DType::kINT64;
}

float const* floatInput(HostTensor const& t, std::vector<float>& buf) {
  int64_t n = shapeVolume(t.shape);
  if (t.type == DType::kFLOAT) return static_cast<float const*>(t.data);
  buf.resize(static_cast<size_t>(std::max<int64_t>(n, 0)));
  auto src = static_cast<uint16_t const*>(t.data);
  if (t.type == DType::kHALF) {
    for (int64_t i = 0; i < n; ++i) buf[static_cast<size_t>(i)] = halfToFloat(src[i]);
  } else if (t.type == DType::kBF16) {
    for (int64_t i = 0; i < n; ++i) buf[static_cast<size_t>(i)] = bf16ToFloat(src[i]);
  } else {
    throw OpError(std::string("internal: floatInput on ") + dtypeName(t.type));
  }
  return buf.data();
}

float* floatOutput(HostTensor const& t, std::vector<float>& buf) {
  if (t.type == DType::kFLOAT) return static_cast<float*>(t.data);
  buf.resize(static_cast<size_t>(std::max<int64_t>(shapeVolume(t.shape), 0)));
  return buf.data();
}

void storeFloatOutput(HostTensor const& t, std::vector<float> const& buf) {
  if (t.type == DType::kFLOAT) return;
  int64_t n = shapeVolume(t.shape);
  auto dst = static_cast<uint16_t*>(t.data);
  if (t.type == DType::kHALF) {
    for (int64_t i = 0; i < n; ++i) dst[i] = floatToHalf(buf[static_cast<size_t>(i)]);
  } else if (t.type == DType::kBF16) {
    for (int64_t i = 0; i < n; ++i) dst[i] = floatToBf16(buf[static_cast<size_t>(i)]);
  } else {
    throw OpError(std::string("internal: storeFloatOutput on ") + dtypeName(t.type));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Constant data

uint8_t const* constBytes(std::string const& op, TensorInfo const& info) {
  if (!info.constData) return nullptr;
  int64_t v = shapeVolume(info.shape);
  if (v < 0) fail(op, "constant input has unknown shape " + shapeToString(info.shape));
  size_t want = static_cast<size_t>(v) * dtypeSize(info.type);
  if (info.constData->size() != want) {
    fail(op, "constant input of shape " + shapeToString(info.shape) + " and type " + dtypeName(info.type) + " holds " +
                 std::to_string(info.constData->size()) + " bytes, expected " + std::to_string(want));
  }
  static uint8_t const kEmpty = 0;  // data() of an empty vector may be null; "present but empty" must not be
  return want == 0 ? &kEmpty : info.constData->data();
}

std::vector<int64_t> hostInts(HostTensor const& t) {
  std::vector<int64_t> out(static_cast<size_t>(std::max<int64_t>(shapeVolume(t.shape), 0)));
  for (size_t i = 0; i < out.size(); ++i) {
    if (t.type == DType::kINT64) {
      std::memcpy(&out[i], static_cast<uint8_t const*>(t.data) + i * 8, 8);
    } else {
      int32_t v;
      std::memcpy(&v, static_cast<uint8_t const*>(t.data) + i * 4, 4);
      out[i] = v;
    }
  }
  return out;
}

std::vector<int64_t> constInts(std::string const& op, char const* what, TensorInfo const& info) {
  if (info.type != DType::kINT64 && info.type != DType::kINT32) {
    fail(op, std::string("the ") + what + " input must be int64 (got " + dtypeName(info.type) + ")");
  }
  uint8_t const* bytes = constBytes(op, info);
  if (!bytes) {
    fail(op, std::string("the ") + what +
                 " input must be a constant (an initializer or a value computable at build time); computed " + what +
                 " are not supported");
  }
  int64_t n = shapeVolume(info.shape);
  std::vector<int64_t> out(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    if (info.type == DType::kINT64) {
      int64_t v;
      std::memcpy(&v, bytes + i * 8, 8);
      out[static_cast<size_t>(i)] = v;
    } else {
      int32_t v;
      std::memcpy(&v, bytes + i * 4, 4);
      out[static_cast<size_t>(i)] = v;
    }
  }
  return out;
}

TensorInfo int64Constant(std::vector<int64_t> const& values, Shape shape) {
  TensorInfo t;
  t.type = DType::kINT64;
  t.shape = std::move(shape);
  t.constData = std::make_shared<std::vector<uint8_t>>(values.size() * 8);
  if (!values.empty()) std::memcpy(t.constData->data(), values.data(), values.size() * 8);
  return t;
}

int64_t checkedVolume(std::string const& op, Shape const& shape) {
  int64_t v = shapeVolume(shape);
  if (v < 0) fail(op, "shape " + shapeToString(shape) + " is not concrete");
  return v;
}

// ---------------------------------------------------------------------------------------------------------------
// OpBase

std::vector<TensorInfo> OpBase::inferOutputs(std::vector<TensorInfo> const& inputs) const {
  int n = static_cast<int>(inputs.size());
  if (n < minIn_ || n > maxIn_) {
    fail("expects " + (minIn_ == maxIn_ ? std::to_string(minIn_) : std::to_string(minIn_) + " to " + std::to_string(maxIn_)) +
         " inputs, got " + std::to_string(n));
  }
  for (auto const& in : inputs) {
    for (int64_t d : in.shape)
      if (d < -1) fail("invalid extent " + std::to_string(d) + " in input shape " + shapeToString(in.shape));
    (void)dtypeSize(in.type);
  }
  std::vector<TensorInfo> outs = infer(inputs);

  Fold policy = foldPolicy();
  if (policy == Fold::kNever || inputs.empty()) return outs;
  for (auto const& o : outs)
    if (o.constData) return outs;  // infer() already folded (Shape)
  for (auto const& in : inputs)
    if (!in.constData) return outs;
  if (policy == Fold::kView) {
    if (!outs.empty() && isKnown(outs[0].shape) && outs[0].type == inputs[0].type) {
      constBytes(name_, inputs[0]);  // validates the size
      if (shapeVolume(outs[0].shape) == shapeVolume(inputs[0].shape)) outs[0].constData = inputs[0].constData;
    }
    return outs;
  }
  int64_t inElems = 0, outElems = 0;
  for (auto const& in : inputs) {
    constBytes(name_, in);
    inElems += shapeVolume(in.shape);
  }
  for (auto const& o : outs) {
    if (!isKnown(o.shape)) return outs;
    outElems += shapeVolume(o.shape);
  }
  if (inElems > kFoldMaxInputElements || outElems > kFoldMaxOutputElements) return outs;

  std::vector<HostTensor> hin, hout;
  for (auto const& in : inputs) hin.push_back(HostTensor{in.type, in.shape, const_cast<uint8_t*>(in.constData->data())});
  std::vector<std::shared_ptr<std::vector<uint8_t>>> bufs;
  for (auto const& o : outs) {
    bufs.push_back(std::make_shared<std::vector<uint8_t>>(static_cast<size_t>(shapeVolume(o.shape)) * dtypeSize(o.type)));
    hout.push_back(HostTensor{o.type, o.shape, bufs.back()->data()});
  }
  compute(hin, hout);
  for (size_t i = 0; i < outs.size(); ++i) outs[i].constData = bufs[i];
  return outs;
}

void OpBase::compute(std::vector<HostTensor> const& inputs, std::vector<HostTensor> const& outputs) const {
  int n = static_cast<int>(inputs.size());
  if (n < minIn_ || n > maxIn_) fail("expects " + std::to_string(minIn_) + " to " + std::to_string(maxIn_) + " inputs, got " + std::to_string(n));
  if (outputs.empty() || static_cast<int>(outputs.size()) > numOut_) {
    fail("expects 1 to " + std::to_string(numOut_) + " outputs, got " + std::to_string(outputs.size()));
  }
  for (auto const& t : inputs) {
    if (t.omitted) continue;
    int64_t v = checkedVolume(name_, t.shape);
    if (v > 0 && !t.data) fail("input buffer is null");
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (outputs[i].omitted) continue;  // an optional output the node leaves out ("" in ONNX), such as LSTM's Y
    int64_t v = checkedVolume(name_, outputs[i].shape);
    if (v > 0 && !outputs[i].data && i == 0) fail("output buffer is null");
  }
  run(inputs, outputs);
}

void OpBase::requireType(TensorInfo const& t, char const* what, std::initializer_list<DType> allowed) const {
  for (DType d : allowed)
    if (t.type == d) return;
  std::string list;
  for (DType d : allowed) list += (list.empty() ? "" : ", ") + std::string(dtypeName(d));
  fail(std::string(what) + " has unsupported type " + dtypeName(t.type) + " (supported: " + list + ")");
}

void OpBase::requireSameType(TensorInfo const& a, TensorInfo const& b, char const* whatA, char const* whatB) const {
  if (a.type != b.type) {
    fail(std::string(whatA) + " and " + whatB + " must have the same type (got " + dtypeName(a.type) + " and " +
         dtypeName(b.type) + ")");
  }
}

void OpBase::expectShape(HostTensor const& out, Shape const& expected, char const* what) const {
  if (out.shape != expected) {
    fail(std::string(what) + " buffer has shape " + shapeToString(out.shape) + ", expected " + shapeToString(expected));
  }
}

}  // namespace ops
}  // namespace trtsim
