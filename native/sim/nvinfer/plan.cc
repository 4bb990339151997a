#include "plan.h"

#include <cstring>
#include <sstream>

#include "../include/NvInferVersion.h"
#include "io_formats.h"
#include "library_version.h"

namespace trtsim {
namespace {

class Writer {
 public:
  std::vector<uint8_t> bytes;

  template <typename T>
  void pod(T value) {
    uint8_t raw[sizeof(T)];
    std::memcpy(raw, &value, sizeof(T));
    bytes.insert(bytes.end(), raw, raw + sizeof(T));
  }
  void str(std::string const& s) {
    pod<uint64_t>(s.size());
    bytes.insert(bytes.end(), s.begin(), s.end());
  }
  void blob(std::vector<uint8_t> const& b) {
    pod<uint64_t>(b.size());
    bytes.insert(bytes.end(), b.begin(), b.end());
  }
  void shape(Shape const& s) {
    pod<uint32_t>(static_cast<uint32_t>(s.size()));
    for (int64_t d : s) pod<int64_t>(d);
  }
  template <typename T>
  void vec(std::vector<T> const& v) {
    pod<uint64_t>(v.size());
    for (T const& x : v) pod<T>(x);
  }
};

// Bounds-checked reader: any overrun is a corrupt plan, never an out-of-bounds read.
class Reader {
 public:
  Reader(uint8_t const* data, size_t size) : mData(data), mSize(size) {}

  template <typename T>
  T pod() {
    need(sizeof(T));
    T value;
    std::memcpy(&value, mData + mPos, sizeof(T));
    mPos += sizeof(T);
    return value;
  }
  std::string str() {
    uint64_t n = pod<uint64_t>();
    need(n);
    std::string s(reinterpret_cast<char const*>(mData + mPos), n);
    mPos += n;
    return s;
  }
  std::vector<uint8_t> blob() {
    uint64_t n = pod<uint64_t>();
    need(n);
    std::vector<uint8_t> b(mData + mPos, mData + mPos + n);
    mPos += n;
    return b;
  }
  Shape shape() {
    uint32_t rank = pod<uint32_t>();
    if (rank > 8) corrupt("tensor rank above 8");
    Shape s(rank);
    for (auto& d : s) d = pod<int64_t>();
    return s;
  }
  template <typename T>
  std::vector<T> vec() {
    uint64_t n = pod<uint64_t>();
    need(n * sizeof(T));
    std::vector<T> v(n);
    for (auto& x : v) x = pod<T>();
    return v;
  }
  int32_t index(size_t limit, bool allowMissing) {
    int32_t i = pod<int32_t>();
    if ((i < 0 && !(allowMissing && i == -1)) || (i >= 0 && static_cast<size_t>(i) >= limit)) {
      corrupt("tensor index out of range");
    }
    return i;
  }
  bool atEnd() const { return mPos == mSize; }
  [[noreturn]] static void corrupt(std::string const& why) { throw PlanError(PlanError::Kind::kCorrupt, why); }

 private:
  void need(uint64_t n) {
    if (n > mSize - mPos) corrupt("unexpected end of plan body");
  }
  uint8_t const* mData;
  size_t mSize;
  size_t mPos = 0;
};

// Whether `bytes` is what `type` and `shape` take: false for an unknown type or an uncountable shape too.
bool bytesMatch(DType type, Shape const& shape, size_t bytes) {
  if (type < DType::kFLOAT || type > DType::kINT64) return false;
  try {
    int64_t volume = shapeVolume(shape);
    return volume >= 0 && static_cast<uint64_t>(volume) * dtypeSize(type) == bytes;
  } catch (std::exception const&) {  // too many elements to count
    return false;
  }
}

void writeAttributes(Writer& w, Attributes const& attrs);

// Marks a plugin layer's type in the plan; its version and namespace follow. "plugin:" cannot start an ONNX
// operator's name, so plans without plugins keep their bytes.
std::string const kPluginPrefix = "plugin:";

void writeLayerType(Writer& w, std::string const& opType, PluginKey const& plugin) {
  if (plugin.empty()) {
    w.str(opType);
    return;
  }
  w.str(kPluginPrefix + plugin.name);
  w.str(plugin.version);
  w.str(plugin.ns);
}

// The layer's type word: an ONNX operator, or a plugin (whose name is also its opType).
void readLayerType(Reader& r, std::string& opType, PluginKey& plugin) {
  opType = r.str();
  if (opType.compare(0, kPluginPrefix.size(), kPluginPrefix) != 0) return;
  opType.erase(0, kPluginPrefix.size());
  if (opType.empty()) Reader::corrupt("a plugin layer without a plugin name");
  plugin = PluginKey{opType, r.str(), r.str()};
}

void writeStrings(Writer& w, std::vector<std::string> const& strings) {
  w.pod<uint32_t>(static_cast<uint32_t>(strings.size()));
  for (auto const& s : strings) w.str(s);
}

void writeSubGraph(Writer& w, SubGraph const& g) {
  w.str(g.name);
  writeStrings(w, g.inputs);
  w.pod<uint32_t>(static_cast<uint32_t>(g.constants.size()));
  for (auto const& c : g.constants) {
    w.str(c.name);
    w.pod<int32_t>(static_cast<int32_t>(c.type));
    w.vec(c.shape);
    w.vec(c.bytes);
  }
  w.pod<uint32_t>(static_cast<uint32_t>(g.nodes.size()));
  for (auto const& n : g.nodes) {
    w.str(n.name);
    writeLayerType(w, n.opType, n.plugin);
    writeAttributes(w, n.attrs);
    writeStrings(w, n.inputs);
    writeStrings(w, n.outputs);
  }
  writeStrings(w, g.outputs);
}

void writeAttributes(Writer& w, Attributes const& attrs) {
  w.pod<uint32_t>(static_cast<uint32_t>(attrs.values.size()));
  for (auto const& [key, a] : attrs.values) {
    w.str(key);
    w.pod<int32_t>(static_cast<int32_t>(a.kind));
    w.pod<float>(a.f);
    w.pod<int64_t>(a.i);
    w.str(a.s);
    w.vec(a.floats);
    w.vec(a.ints);
    if (a.kind == Attribute::Kind::kTENSOR) {  // only tensors carry these, so plans without any read as before
      w.pod<int32_t>(static_cast<int32_t>(a.tensorType));
      w.vec(a.tensorShape);
      w.vec(a.tensorBytes);
    }
    if (a.kind == Attribute::Kind::kSTRINGS) writeStrings(w, a.strings);  // likewise
    if (a.kind == Attribute::Kind::kGRAPH) writeSubGraph(w, *a.graph);
  }
}

Attributes readAttributes(Reader& r, int depth);

std::vector<std::string> readStrings(Reader& r) {
  std::vector<std::string> strings;
  uint32_t count = r.pod<uint32_t>();  // no reserve: a corrupt count runs out of bytes before memory
  for (uint32_t k = 0; k < count; ++k) strings.push_back(r.str());
  return strings;
}

// depth: how many subgraphs enclose this one; a corrupt plan could nest them until the stack overflows.
std::shared_ptr<SubGraph const> readSubGraph(Reader& r, int depth) {
  if (depth > 16) Reader::corrupt("subgraphs nested too deeply");
  auto g = std::make_shared<SubGraph>();
  g->name = r.str();
  g->inputs = readStrings(r);
  uint32_t constants = r.pod<uint32_t>();
  for (uint32_t k = 0; k < constants; ++k) {
    SubGraph::Constant c;
    c.name = r.str();
    c.type = static_cast<DType>(r.pod<int32_t>());
    c.shape = r.vec<int64_t>();
    c.bytes = r.vec<uint8_t>();
    if (!bytesMatch(c.type, c.shape, c.bytes.size())) Reader::corrupt("bad subgraph constant");
    g->constants.push_back(std::move(c));
  }
  uint32_t nodes = r.pod<uint32_t>();
  for (uint32_t k = 0; k < nodes; ++k) {
    SubGraph::Node n;
    n.name = r.str();
    readLayerType(r, n.opType, n.plugin);
    n.attrs = readAttributes(r, depth + 1);
    n.inputs = readStrings(r);
    n.outputs = readStrings(r);
    g->nodes.push_back(std::move(n));
  }
  g->outputs = readStrings(r);
  return g;
}

Attributes readAttributes(Reader& r, int depth) {
  Attributes attrs;
  uint32_t n = r.pod<uint32_t>();
  for (uint32_t i = 0; i < n; ++i) {
    std::string key = r.str();
    Attribute a;
    int32_t kind = r.pod<int32_t>();
    if (kind < 0 || kind > static_cast<int32_t>(Attribute::Kind::kGRAPH)) Reader::corrupt("bad attribute kind");
    a.kind = static_cast<Attribute::Kind>(kind);
    a.f = r.pod<float>();
    a.i = r.pod<int64_t>();
    a.s = r.str();
    a.floats = r.vec<float>();
    a.ints = r.vec<int64_t>();
    if (a.kind == Attribute::Kind::kTENSOR) {
      a.tensorType = static_cast<DType>(r.pod<int32_t>());
      a.tensorShape = r.vec<int64_t>();
      a.tensorBytes = r.vec<uint8_t>();
      if (a.tensorType == DType::kFP8 || !bytesMatch(a.tensorType, a.tensorShape, a.tensorBytes.size())) {
        Reader::corrupt("bad tensor attribute");
      }
    }
    if (a.kind == Attribute::Kind::kSTRINGS) a.strings = readStrings(r);
    if (a.kind == Attribute::Kind::kGRAPH) a.graph = readSubGraph(r, depth);
    attrs.values.emplace(std::move(key), std::move(a));
  }
  return attrs;
}

void writeBody(Writer& w, PlanContents const& plan) {
  Graph const& g = plan.graph;
  w.str(g.name);
  w.pod<int64_t>(g.opset);
  w.pod<int32_t>(plan.hardwareCompatibilityLevel);
  w.pod<uint32_t>(static_cast<uint32_t>(g.tensors.size()));
  for (auto const& t : g.tensors) {
    w.str(t.name);
    // An IO tensor's format rides in the upper half of its type word, so plans with linear IO keep their bytes.
    w.pod<int32_t>(static_cast<int32_t>(t.type) | (t.format << 16));
    w.shape(t.shape);
    w.pod<uint8_t>(t.isInput);
    w.pod<uint8_t>(t.isShapeOutput ? 2 : t.isOutput);  // 2: a shape output, so other plans keep their bytes
    w.pod<uint8_t>(t.constData != nullptr);
    if (t.constData) w.blob(*t.constData);
  }
  w.pod<uint32_t>(static_cast<uint32_t>(g.nodes.size()));
  for (auto const& n : g.nodes) {
    w.str(n.name);
    writeLayerType(w, n.opType, n.plugin);
    writeAttributes(w, n.attrs);
    w.vec(std::vector<int32_t>(n.inputs.begin(), n.inputs.end()));
    w.vec(std::vector<int32_t>(n.outputs.begin(), n.outputs.end()));
  }
  w.vec(std::vector<int32_t>(g.inputs.begin(), g.inputs.end()));
  w.vec(std::vector<int32_t>(g.outputs.begin(), g.outputs.end()));
  w.pod<uint32_t>(static_cast<uint32_t>(plan.profiles.size()));
  for (auto const& p : plan.profiles) {
    w.pod<uint32_t>(static_cast<uint32_t>(p.shapes.size()));
    for (auto const& [tensor, shapes] : p.shapes) {
      w.pod<int32_t>(tensor);
      for (auto const& s : shapes) w.shape(s);
    }
  }
  w.vec(plan.deviceMemoryPerProfile);
  w.pod<uint8_t>(static_cast<uint8_t>(plan.precision));
  w.pod<uint32_t>(static_cast<uint32_t>(plan.int8Scales.size()));
  for (auto const& [tensor, scale] : plan.int8Scales) {
    w.pod<int32_t>(tensor);
    w.pod<float>(scale);
  }
  // Shape inputs' values: a section only plans with shape inputs carry, so other plans keep their bytes.
  if (plan.profiles.front().values.empty()) return;
  for (auto const& p : plan.profiles) {
    w.pod<uint32_t>(static_cast<uint32_t>(p.values.size()));
    for (auto const& [tensor, values] : p.values) {
      w.pod<int32_t>(tensor);
      for (auto const& v : values) w.vec(v);
    }
  }
}

// A constant's bytes must be exactly what its type and shape say: kernels index them by the shape, so a plan that
// disagrees (damaged, with its checksum recomputed) would have them read past the bytes.
void requireConstantBytes(TensorDef const& t) {
  if (bytesMatch(t.type, t.shape, t.constData->size())) return;
  Reader::corrupt("constant " + t.name + " holds " + std::to_string(t.constData->size()) + " bytes, not what its shape " +
                  shapeToString(t.shape) + " needs");
}

// A profile entry must belong to an input and match its rank and fixed extents, with min <= opt <= max: contexts
// index the entry by the input's rank when a shape is set.
void requireProfileFits(Graph const& g, int32_t tensor, std::array<Shape, 3> const& shapes) {
  bool isInput = false;
  for (int idx : g.inputs) isInput = isInput || idx == tensor;
  TensorDef const& t = g.tensors[tensor];
  bool fits = isInput;
  for (Shape const& s : shapes) fits = fits && s.size() == t.shape.size();
  for (size_t d = 0; fits && d < t.shape.size(); ++d) {
    int64_t lo = shapes[0][d], mid = shapes[1][d], hi = shapes[2][d];
    fits = lo >= 0 && lo <= mid && mid <= hi && (t.shape[d] < 0 || (lo == t.shape[d] && hi == t.shape[d]));
  }
  if (!fits) Reader::corrupt("the profile entry for " + t.name + " does not fit the input");
}

// The IO flags, the input and output lists, and the per-profile tables must agree: contexts index one by the
// other (an engine has at least one profile, as TensorRT's do).
void requireConsistentIo(PlanContents const& plan) {
  Graph const& g = plan.graph;
  std::vector<int> inputs(g.tensors.size(), 0), outputs(g.tensors.size(), 0);
  for (int idx : g.inputs) inputs[idx]++;
  for (int idx : g.outputs) outputs[idx]++;
  for (size_t i = 0; i < g.tensors.size(); ++i) {
    if (inputs[i] != (g.tensors[i].isInput ? 1 : 0) || outputs[i] != (g.tensors[i].isOutput ? 1 : 0)) {
      Reader::corrupt("tensor " + g.tensors[i].name + " is listed as IO other than it is marked");
    }
    // Contexts write a shape output's elements to host memory by its fixed volume.
    TensorDef const& t = g.tensors[i];
    // ... and convert a formatted IO tensor by its layout, which must exist for its type and rank.
    if (t.format != 0) {
      trtn::layout::Layout layout;
      bool fits = (t.isInput || t.isOutput) && !t.isShapeOutput && formatTakes(t.format, t.type) &&
                  trtn::layout::layoutOf(t.format, static_cast<int>(t.shape.size()), layout) &&
                  t.shape[layout.vectorDim] >= 0;
      if (!fits) Reader::corrupt("tensor " + t.name + " has a format its type, rank or role cannot have");
    }
    if (t.isShapeOutput && !hasShapeTensorForm(t)) {
      Reader::corrupt("shape output " + t.name + " is not an int32 or int64 tensor of rank 0 or 1 and fixed size");
    }
  }
  if (plan.profiles.empty() || plan.deviceMemoryPerProfile.size() != plan.profiles.size()) {
    Reader::corrupt("the profiles and their device memory sizes do not match");
  }
  for (int64_t bytes : plan.deviceMemoryPerProfile) {
    if (bytes < 0) Reader::corrupt("a negative device memory size");
  }
}

// Every profile gives values for the same shape inputs (int32 or int64 inputs of fixed shape), one per element, with
// min <= opt <= max: contexts check a run's values against them and read them by the input's volume.
void readShapeValues(Reader& r, PlanContents& plan) {
  Graph const& g = plan.graph;
  for (Profile& p : plan.profiles) {
    uint32_t entries = r.pod<uint32_t>();
    for (uint32_t e = 0; e < entries; ++e) {
      int32_t tensor = r.index(static_cast<uint32_t>(g.tensors.size()), false);
      std::array<std::vector<int64_t>, 3> values{r.vec<int64_t>(), r.vec<int64_t>(), r.vec<int64_t>()};
      TensorDef const& t = g.tensors[tensor];
      bool fits = t.isInput && hasShapeTensorForm(t);
      for (auto const& v : values) fits = fits && v.size() == static_cast<size_t>(shapeVolume(t.shape));
      for (size_t i = 0; fits && i < values[0].size(); ++i) {
        fits = values[0][i] <= values[1][i] && values[1][i] <= values[2][i];
      }
      if (!fits) Reader::corrupt("the shape values for " + t.name + " do not fit the input");
      p.values.emplace(tensor, std::move(values));
    }
    bool sameInputs = p.values.size() == plan.profiles.front().values.size();
    for (auto const& [tensor, values] : p.values) sameInputs = sameInputs && plan.profiles.front().values.count(tensor);
    if (!sameInputs || p.values.empty()) Reader::corrupt("the profiles give values for different shape inputs");
  }
}

PlanContents readBody(Reader& r) {
  PlanContents plan;
  Graph& g = plan.graph;
  g.name = r.str();
  g.opset = r.pod<int64_t>();
  plan.hardwareCompatibilityLevel = r.pod<int32_t>();
  uint32_t nTensors = r.pod<uint32_t>();
  for (uint32_t i = 0; i < nTensors; ++i) {
    TensorDef t;
    t.name = r.str();
    int32_t typeAndFormat = r.pod<int32_t>();
    t.type = static_cast<DType>(typeAndFormat & 0xffff);
    t.format = typeAndFormat >> 16;
    t.shape = r.shape();
    t.isInput = r.pod<uint8_t>() != 0;
    uint8_t output = r.pod<uint8_t>();
    if (output > 2) Reader::corrupt("tensor " + t.name + " has an unknown output kind");
    t.isOutput = output != 0;
    t.isShapeOutput = output == 2;
    if (r.pod<uint8_t>()) {
      t.constData = std::make_shared<std::vector<uint8_t>>(r.blob());
      requireConstantBytes(t);
    }
    g.tensors.push_back(std::move(t));
  }
  uint32_t nNodes = r.pod<uint32_t>();
  for (uint32_t i = 0; i < nNodes; ++i) {
    NodeDef n;
    n.name = r.str();
    readLayerType(r, n.opType, n.plugin);
    n.attrs = readAttributes(r, 0);
    for (int32_t idx : r.vec<int32_t>()) {
      if (idx < -1 || idx >= static_cast<int32_t>(nTensors)) Reader::corrupt("node input out of range");
      n.inputs.push_back(idx);
    }
    for (int32_t idx : r.vec<int32_t>()) {
      if (idx < -1 || idx >= static_cast<int32_t>(nTensors)) Reader::corrupt("node output out of range");
      n.outputs.push_back(idx);
    }
    g.nodes.push_back(std::move(n));
  }
  for (int32_t idx : r.vec<int32_t>()) {
    if (idx < 0 || idx >= static_cast<int32_t>(nTensors)) Reader::corrupt("input index out of range");
    g.inputs.push_back(idx);
  }
  for (int32_t idx : r.vec<int32_t>()) {
    if (idx < 0 || idx >= static_cast<int32_t>(nTensors)) Reader::corrupt("output index out of range");
    g.outputs.push_back(idx);
  }
  uint32_t nProfiles = r.pod<uint32_t>();
  for (uint32_t i = 0; i < nProfiles; ++i) {
    Profile p;
    uint32_t entries = r.pod<uint32_t>();
    for (uint32_t e = 0; e < entries; ++e) {
      int32_t tensor = r.index(nTensors, false);
      std::array<Shape, 3> shapes{r.shape(), r.shape(), r.shape()};
      requireProfileFits(g, tensor, shapes);
      p.shapes.emplace(tensor, std::move(shapes));
    }
    plan.profiles.push_back(std::move(p));
  }
  plan.deviceMemoryPerProfile = r.vec<int64_t>();
  requireConsistentIo(plan);
  uint8_t precision = r.pod<uint8_t>();
  if (precision > static_cast<uint8_t>(Precision::kINT8)) Reader::corrupt("unknown precision");
  plan.precision = static_cast<Precision>(precision);
  uint32_t nScales = r.pod<uint32_t>();
  for (uint32_t i = 0; i < nScales; ++i) {
    int32_t tensor = r.index(nTensors, false);
    plan.int8Scales[tensor] = r.pod<float>();
  }
  if (!r.atEnd()) readShapeValues(r, plan);
  if (!r.atEnd()) Reader::corrupt("trailing bytes after plan body");
  return plan;
}

void putU32(std::vector<uint8_t>& b, size_t at, uint32_t v) { std::memcpy(b.data() + at, &v, 4); }
void putU64(std::vector<uint8_t>& b, size_t at, uint64_t v) { std::memcpy(b.data() + at, &v, 8); }

}  // namespace

uint32_t serializationVersionOf(int major, int minor, int patch) {
  return static_cast<uint32_t>(239 + (major - 10) * 64 + (minor - 16) * 2 + (patch - 1));
}

uint64_t fnv1a64(uint8_t const* data, size_t size) {
  uint64_t h = 14695981039346656037ull;  // the FNV-1a 64 offset basis
  for (size_t i = 0; i < size; ++i) {
    h ^= data[i];
    h *= 1099511628211ull;
  }
  return h;
}

std::vector<uint8_t> writePlan(PlanContents const& plan, int ccMajor, int ccMinor) {
  Writer body;
  writeBody(body, plan);
  std::vector<uint8_t> out(kPlanHeaderSize, 0);
  putU32(out, 0, kPlanMagic);
  putU32(out, 4, 0);
  putU64(out, 8, kPlanHeaderSize + body.bytes.size());
  putU32(out, 16, serializationVersionOf(libraryMajor(), libraryMinor(), libraryPatch()));
  putU32(out, 20, plan.flags);
  out[24] = static_cast<uint8_t>(libraryMajor());
  out[25] = static_cast<uint8_t>(libraryMinor());
  out[26] = static_cast<uint8_t>(libraryPatch());
  out[27] = NV_TENSORRT_BUILD;
  out[28] = static_cast<uint8_t>(ccMajor);
  out[29] = static_cast<uint8_t>(ccMinor);
  putU64(out, 32, fnv1a64(body.bytes.data(), body.bytes.size()));
  out.insert(out.end(), body.bytes.begin(), body.bytes.end());
  return out;
}

PlanHeader readPlanHeader(uint8_t const* data, size_t size) {
  PlanHeader h;
  if (size < 4) throw PlanError(PlanError::Kind::kMagic, "Magic tag does not match");
  std::memcpy(&h.magic, data, 4);
  if (h.magic != kPlanMagic) throw PlanError(PlanError::Kind::kMagic, "Magic tag does not match");
  if (size < kPlanHeaderSize) throw PlanError(PlanError::Kind::kSize, "Size specified in header does not match archive size");
  std::memcpy(&h.layout, data + 4, 4);
  std::memcpy(&h.totalSize, data + 8, 8);
  std::memcpy(&h.serializationVersion, data + 16, 4);
  std::memcpy(&h.flags, data + 20, 4);
  h.trtMajor = data[24];
  h.trtMinor = data[25];
  h.trtPatch = data[26];
  h.trtBuild = data[27];
  h.ccMajor = data[28];
  h.ccMinor = data[29];
  std::memcpy(&h.checksum, data + 32, 8);
  if (h.totalSize != size) {
    throw PlanError(PlanError::Kind::kSize, "Size specified in header does not match archive size");
  }
  return h;
}

PlanContents readPlan(uint8_t const* data, size_t size, int ccMajor, int ccMinor) {
  PlanHeader h = readPlanHeader(data, size);
  uint32_t const currentTag = serializationVersionOf(libraryMajor(), libraryMinor(), libraryPatch());
  // TensorRT refuses a plan by its serialization tag (the stdVersionRead assertion), and only layout 0 is known: a
  // header of another layout comes from another format version. The version bytes must agree as well (the default
  // rule: the exact TensorRT build).
  bool sameVersion = h.layout == 0 && h.serializationVersion == currentTag && h.trtMajor == libraryMajor() &&
                     h.trtMinor == libraryMinor() && h.trtPatch == libraryPatch() &&
                     h.trtBuild == NV_TENSORRT_BUILD;
  // A version-compatible plan runs on a newer TensorRT of the same major through the lean runtime it embeds (host
  // code, see runtime.cc). Built with kEXCLUDE_LEAN_RUNTIME it carries none: only a lean runtime of its own version,
  // loaded with IRuntime::loadRuntime, runs it elsewhere, and a plain runtime refuses it by its version tag.
  bool compatible = h.layout == 0 && (h.flags & kPlanFlagVersionCompatible) && (h.flags & kPlanFlagHostCode) &&
                    h.trtMajor == libraryMajor() &&
                    (h.trtMinor < libraryMinor() || (h.trtMinor == libraryMinor() && h.trtPatch <= libraryPatch()));
  if (!sameVersion && !compatible) {
    std::ostringstream why;
    why << "Version tag does not match. Note: Current Version: " << currentTag
        << ", Serialized Engine Version: " << h.serializationVersion;
    throw PlanError(PlanError::Kind::kVersion, why.str());
  }
  bool sameDevice = h.ccMajor == ccMajor && h.ccMinor == ccMinor;
  bool hardwareCompatible = (h.flags & kPlanFlagHardwareCompatible) && ccMajor >= 8;
  if (!sameDevice && !hardwareCompatible) {
    std::ostringstream why;
    why << "The engine plan file is generated on an incompatible device, expecting compute " << int(h.ccMajor) << "."
        << int(h.ccMinor) << " got compute " << ccMajor << "." << ccMinor << ", please rebuild.";
    throw PlanError(PlanError::Kind::kDevice, why.str());
  }
  uint8_t const* body = data + kPlanHeaderSize;
  size_t bodySize = size - kPlanHeaderSize;
  if (fnv1a64(body, bodySize) != h.checksum) {
    throw PlanError(PlanError::Kind::kCorrupt, "Plan checksum does not match its contents");
  }
  Reader r(body, bodySize);
  PlanContents plan = readBody(r);
  plan.flags = h.flags;
  return plan;
}

}  // namespace trtsim
