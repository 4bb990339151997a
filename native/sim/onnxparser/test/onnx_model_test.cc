// Standalone test for onnx_model.cc. Usage: onnx_model_test [fixtureDir]
// fixtureDir holds the files written by make_fixtures.cjs; without it the fixture tests are reported as skipped.
// Meant to run under -fsanitize=address,undefined: the truncation and mutation loops rely on ASan to catch any
// out-of-bounds read, which is why every input is copied into a heap buffer of exactly its own size.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "onnx_model.h"

using namespace trtsim::onnx;

namespace {

int gFailures = 0;
int gChecks = 0;

template <typename T>
std::string show(T const& v) {
  std::ostringstream os;
  os << v;
  return os.str();
}
std::string show(std::string const& v) { return '"' + v + '"'; }
template <typename T>
std::string show(std::vector<T> const& v) {
  std::string s = "{";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + show(v[i]);
  return s + "}";
}
std::string show(std::vector<uint8_t> const& v) {
  std::string s = "{";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? " " : "") + std::to_string(v[i]);
  return s + "}";
}

void report(bool ok, char const* file, int line, std::string const& what) {
  ++gChecks;
  if (ok) return;
  ++gFailures;
  std::fprintf(stderr, "%s:%d: FAILED: %s\n", file, line, what.c_str());
}

#define CHECK(cond) report((cond), __FILE__, __LINE__, #cond)
// Copies both sides: (a) may refer into a temporary that dies before the report.
#define CHECK_EQ(a, b)                                                                      \
  do {                                                                                      \
    auto const va_ = (a);                                                                   \
    auto const vb_ = (b);                                                                   \
    report(va_ == vb_, __FILE__, __LINE__, #a " == " #b ": " + show(va_) + " vs " + show(vb_)); \
  } while (0)

// --- a tiny protobuf writer for hand-made inputs -------------------------------------------------------------

struct Enc {
  std::vector<uint8_t> b;

  Enc& varint(uint64_t v) {
    while (v >= 0x80) {
      b.push_back(uint8_t(v | 0x80));
      v >>= 7;
    }
    b.push_back(uint8_t(v));
    return *this;
  }
  Enc& tag(uint32_t field, uint32_t wire) { return varint((uint64_t(field) << 3) | wire); }
  Enc& bytes(std::initializer_list<uint8_t> raw) {
    b.insert(b.end(), raw);
    return *this;
  }
  Enc& fixed(uint64_t v, int width) {
    for (int i = 0; i < width; ++i) b.push_back(uint8_t(v >> (8 * i)));
    return *this;
  }
  Enc& i64(uint32_t field, int64_t v) { return tag(field, 0).varint(uint64_t(v)); }
  Enc& str(uint32_t field, std::string const& s) {
    tag(field, 2).varint(s.size());
    b.insert(b.end(), s.begin(), s.end());
    return *this;
  }
  Enc& msg(uint32_t field, Enc const& m) {
    tag(field, 2).varint(m.b.size());
    b.insert(b.end(), m.b.begin(), m.b.end());
    return *this;
  }
  Enc& f32(uint32_t field, float v) {
    uint32_t bits;
    std::memcpy(&bits, &v, 4);
    return tag(field, 5).fixed(bits, 4);
  }
  Enc& f64(uint32_t field, double v) {
    uint64_t bits;
    std::memcpy(&bits, &v, 8);
    return tag(field, 1).fixed(bits, 8);
  }
  Enc& packedVarints(uint32_t field, std::vector<int64_t> const& values) {
    Enc inner;
    for (int64_t v : values) inner.varint(uint64_t(v));
    return msg(field, inner);
  }
  Enc& packedF32(uint32_t field, std::vector<float> const& values) {
    Enc inner;
    for (float v : values) {
      uint32_t bits;
      std::memcpy(&bits, &v, 4);
      inner.fixed(bits, 4);
    }
    return msg(field, inner);
  }
  Enc& packedF64(uint32_t field, std::vector<double> const& values) {
    Enc inner;
    for (double v : values) {
      uint64_t bits;
      std::memcpy(&bits, &v, 8);
      inner.fixed(bits, 8);
    }
    return msg(field, inner);
  }
};

// Parses from a heap copy of exactly `bytes.size()` bytes so ASan flags any read past the end.
Model parse(std::vector<uint8_t> const& bytes) {
  std::vector<uint8_t> exact(bytes.begin(), bytes.end());
  exact.shrink_to_fit();
  return parseModel(exact.data(), exact.size());
}

Model parseWrapped(Enc const& graph) { return parse(Enc().i64(1, 8).msg(7, graph).b); }

// Runs `fn`, expecting a ParseError whose message contains every string in `parts`.
void expectError(char const* file, int line, std::function<void()> const& fn, std::vector<std::string> const& parts) {
  try {
    fn();
    report(false, file, line, "expected ParseError containing " + show(parts) + ", but parsing succeeded");
  } catch (ParseError const& e) {
    std::string const msg = e.what();
    for (std::string const& p : parts) {
      report(msg.find(p) != std::string::npos, file, line, "error \"" + msg + "\" lacks \"" + p + "\"");
    }
  } catch (std::exception const& e) {
    report(false, file, line, std::string("expected ParseError, got another exception: ") + e.what());
  }
}
#define EXPECT_ERROR(expr, ...) expectError(__FILE__, __LINE__, [&] { (void)(expr); }, {__VA_ARGS__})

std::vector<float> floatsOf(Tensor const& t) {
  std::vector<float> out;
  for (size_t i = 0; i + 4 <= t.data.size(); i += 4) {
    uint32_t bits = uint32_t(t.data[i]) | uint32_t(t.data[i + 1]) << 8 | uint32_t(t.data[i + 2]) << 16 |
                    uint32_t(t.data[i + 3]) << 24;
    float f;
    std::memcpy(&f, &bits, 4);
    out.push_back(f);
  }
  return out;
}

std::vector<int64_t> int64sOf(Tensor const& t) {
  std::vector<int64_t> out;
  for (size_t i = 0; i + 8 <= t.data.size(); i += 8) {
    uint64_t v = 0;
    for (int k = 0; k < 8; ++k) v |= uint64_t(t.data[i + k]) << (8 * k);
    int64_t s;
    std::memcpy(&s, &v, 8);
    out.push_back(s);
  }
  return out;
}

std::vector<uint8_t> le(std::initializer_list<int64_t> values, int width) {
  std::vector<uint8_t> out;
  for (int64_t v : values) {
    for (int i = 0; i < width; ++i) out.push_back(uint8_t(uint64_t(v) >> (8 * i)));
  }
  return out;
}

std::vector<uint8_t> readFile(std::string const& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

Tensor const* findInit(Graph const& g, std::string const& name) {
  for (Tensor const& t : g.initializers) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

Attribute const* findAttr(Node const& n, std::string const& name) {
  for (Attribute const& a : n.attributes) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

// --- fixtures written by make_fixtures.cjs (values must match that script) ----------------------------------

void checkDims(ValueInfo const& vi, std::vector<std::pair<int64_t, std::string>> const& expected) {
  CHECK(vi.hasShape);
  CHECK_EQ(vi.dims.size(), expected.size());
  for (size_t i = 0; i < vi.dims.size() && i < expected.size(); ++i) {
    CHECK_EQ(vi.dims[i].value, expected[i].first);
    CHECK_EQ(vi.dims[i].param, expected[i].second);
  }
}

void testMlpFixture(std::vector<uint8_t> const& bytes) {
  Model const m = parse(bytes);
  CHECK_EQ(m.irVersion, 8);
  CHECK_EQ(m.producerName, std::string("tensorrt-node-tests"));
  CHECK_EQ(m.producerVersion, std::string("1.2.3"));
  CHECK_EQ(m.opsets.size(), 2u);
  CHECK_EQ(m.defaultOpset(), 17);

  Graph const& g = m.graph;
  CHECK_EQ(g.name, std::string("mlp"));
  if (g.nodes.size() != 5) {
    CHECK_EQ(g.nodes.size(), 5u);
    return;
  }
  Node const& gemm1 = g.nodes[0];
  CHECK_EQ(gemm1.name, std::string("gemm1"));
  CHECK_EQ(gemm1.opType, std::string("Gemm"));
  CHECK_EQ(gemm1.domain, std::string(""));
  CHECK_EQ(gemm1.inputs, (std::vector<std::string>{"x", "W1", "B1"}));
  CHECK_EQ(gemm1.outputs, (std::vector<std::string>{"h"}));
  CHECK_EQ(gemm1.attributes.size(), 3u);
  if (Attribute const* a = findAttr(gemm1, "beta")) {
    CHECK_EQ(a->type, Attribute::kFLOAT);
    CHECK_EQ(a->f, 0.5f);
  } else {
    CHECK(!"beta attribute missing");
  }
  if (Attribute const* a = findAttr(gemm1, "transB")) {
    CHECK_EQ(a->type, Attribute::kINT);
    CHECK_EQ(a->i, 1);
  } else {
    CHECK(!"transB attribute missing");
  }
  CHECK_EQ(g.nodes[1].opType, std::string("Relu"));
  CHECK_EQ(g.nodes[2].inputs, (std::vector<std::string>{"r", "W2", ""}));  // omitted optional input
  CHECK_EQ(g.nodes[3].inputs, (std::vector<std::string>{"g2", "shape"}));

  Node const& probe = g.nodes[4];
  CHECK_EQ(probe.domain, std::string("test.domain"));
  CHECK_EQ(probe.attributes.size(), 9u);
  Attribute const* a = findAttr(probe, "f");
  CHECK(a && a->type == Attribute::kFLOAT && a->f == -1.5f);
  a = findAttr(probe, "i");
  CHECK(a && a->type == Attribute::kINT && a->i == -7);
  a = findAttr(probe, "s");
  CHECK(a && a->type == Attribute::kSTRING && a->s == "hello");
  a = findAttr(probe, "t");
  CHECK(a && a->type == Attribute::kTENSOR);
  if (a) {
    CHECK_EQ(a->t.name, std::string("tval"));
    CHECK_EQ(a->t.dataType, int32_t(kINT32));
    CHECK_EQ(a->t.dims, (std::vector<int64_t>{3}));
    CHECK_EQ(a->t.data, le({-1, 0, 70000}, 4));
  }
  a = findAttr(probe, "g");
  CHECK(a && a->type == Attribute::kGRAPH);
  a = findAttr(probe, "floats");
  CHECK(a && a->type == Attribute::kFLOATS);
  if (a) CHECK_EQ(a->floats, (std::vector<float>{1.f, -2.5f, 3.25f}));
  a = findAttr(probe, "ints");
  CHECK(a && a->type == Attribute::kINTS);
  if (a) CHECK_EQ(a->ints, (std::vector<int64_t>{-1, 0, 5, int64_t(1) << 40}));
  a = findAttr(probe, "strings");
  CHECK(a && a->type == Attribute::kSTRINGS);
  if (a) CHECK_EQ(a->strings, (std::vector<std::string>{"a", "", "ccc"}));
  a = findAttr(probe, "legacy");
  CHECK(a && a->type == Attribute::kINTS);  // inferred: the writer left `type` unset
  if (a) CHECK_EQ(a->ints, (std::vector<int64_t>{4, 5}));

  CHECK_EQ(g.initializers.size(), 5u);
  if (Tensor const* t = findInit(g, "W1")) {  // raw_data
    CHECK_EQ(t->dataType, int32_t(kFLOAT));
    CHECK_EQ(t->dims, (std::vector<int64_t>{4, 4}));
    std::vector<float> expected;
    for (int i = 0; i < 16; ++i) expected.push_back(float(i) * 0.5f);
    CHECK_EQ(floatsOf(*t), expected);
    CHECK(!t->external);
  } else {
    CHECK(!"W1 missing");
  }
  if (Tensor const* t = findInit(g, "B1")) {  // float_data
    CHECK_EQ(floatsOf(*t), (std::vector<float>{0.1f, 0.2f, 0.3f, 0.4f}));
  } else {
    CHECK(!"B1 missing");
  }
  if (Tensor const* t = findInit(g, "W2")) {
    CHECK_EQ(t->dims, (std::vector<int64_t>{3, 4}));
    CHECK_EQ(floatsOf(*t)[11], 1.25f);
  } else {
    CHECK(!"W2 missing");
  }
  if (Tensor const* t = findInit(g, "shape")) {  // int64_data, negative value
    CHECK_EQ(t->dataType, int32_t(kINT64));
    CHECK_EQ(int64sOf(*t), (std::vector<int64_t>{-1, 3}));
  } else {
    CHECK(!"shape missing");
  }
  if (Tensor const* t = findInit(g, "scale")) {  // scalar
    CHECK(t->dims.empty());
    CHECK_EQ(floatsOf(*t), (std::vector<float>{2.5f}));
  } else {
    CHECK(!"scale missing");
  }

  CHECK_EQ(g.inputs.size(), 2u);
  CHECK_EQ(g.inputs[0].name, std::string("x"));
  CHECK_EQ(g.inputs[0].elemType, int32_t(kFLOAT));
  checkDims(g.inputs[0], {{-1, "batch"}, {4, ""}});
  CHECK_EQ(g.outputs.size(), 1u);
  checkDims(g.outputs.at(0), {{-1, "batch"}, {3, ""}});
  CHECK_EQ(g.valueInfo.size(), 3u);
  checkDims(g.valueInfo.at(1), {{-1, ""}, {4, ""}});
  CHECK_EQ(g.valueInfo.at(2).name, std::string("probe_out"));
  CHECK_EQ(g.valueInfo.at(2).elemType, int32_t(kFLOAT));
  CHECK(!g.valueInfo.at(2).hasShape);
}

void testTypedFixture(std::vector<uint8_t> const& bytes) {
  Model const m = parse(bytes);
  CHECK_EQ(m.defaultOpset(), 13);  // domain "ai.onnx"
  Graph const& g = m.graph;
  struct Case {
    char const* name;
    int32_t type;
    std::vector<uint8_t> data;
  };
  std::vector<Case> const cases = {
      {"h16", kFLOAT16, {0x00, 0x3c, 0x00, 0xc0}},
      {"bf16", kBFLOAT16, {0x80, 0x3f}},
      {"b", kBOOL, {1, 0, 1}},
      {"i8", kINT8, {0xff, 0x7f}},
      {"u8", kUINT8, {0xff, 0x01}},
      {"i16", kINT16, {0xfe, 0xff}},
      {"u16", kUINT16, {0xff, 0xff}},
      {"i32", kINT32, le({-2, 5}, 4)},
      {"u32", kUINT32, le({4294967295, 7}, 4)},
      {"u64", kUINT64, le({1099511627779}, 8)},
      {"f64", kDOUBLE, {0, 0, 0, 0, 0, 0, 0xf8, 0x3f, 0, 0, 0, 0, 0, 0, 0xd0, 0xbf}},
      {"empty", kFLOAT, {}},
      {"rawi64", kINT64, le({-5, 6}, 8)},
      {"str", kSTRING, {}},  // string_data is not kept
  };
  CHECK_EQ(g.initializers.size(), cases.size());
  for (Case const& c : cases) {
    Tensor const* t = findInit(g, c.name);
    if (t == nullptr) {
      report(false, __FILE__, __LINE__, std::string("initializer missing: ") + c.name);
      continue;
    }
    report(t->dataType == c.type, __FILE__, __LINE__, std::string("data type of ") + c.name);
    report(t->data == c.data, __FILE__, __LINE__,
           std::string("data of ") + c.name + ": " + show(t->data) + " vs " + show(c.data));
  }
}

void testExternalFixture(std::vector<uint8_t> const& bytes) {
  Model const m = parse(bytes);
  CHECK_EQ(m.defaultOpset(), 0);  // only com.microsoft is imported
  CHECK_EQ(m.graph.initializers.size(), 1u);
  Tensor const& t = m.graph.initializers.at(0);
  CHECK(t.external);
  CHECK(t.data.empty());
  CHECK_EQ(t.dims, (std::vector<int64_t>{1000, 1000}));
}

void testBadSizeFixture(std::vector<uint8_t> const& bytes) {
  EXPECT_ERROR(parse(bytes), "ModelProto.graph.initializer[0]", "'oops'", "20 bytes", "need 24 bytes", "at byte ");
}

// Every prefix of a valid model must either parse (cut at a field boundary) or throw ParseError.
void testAllPrefixes(std::vector<uint8_t> const& bytes, char const* label) {
  size_t parsed = 0;
  size_t rejected = 0;
  for (size_t n = 0; n <= bytes.size(); ++n) {
    try {
      parse(std::vector<uint8_t>(bytes.begin(), bytes.begin() + long(n)));
      ++parsed;
    } catch (ParseError const&) {
      ++rejected;
    } catch (std::exception const& e) {
      report(false, __FILE__, __LINE__, std::string(label) + " prefix " + std::to_string(n) + ": " + e.what());
    }
  }
  CHECK(parsed >= 2);  // the empty prefix and the whole model at least
  CHECK(rejected > bytes.size() / 2);
  std::printf("  %s: %zu prefixes, %zu parsed, %zu rejected\n", label, bytes.size() + 1, parsed, rejected);
}

// Single-byte corruptions anywhere must never crash or throw anything but ParseError.
void testMutations(std::vector<uint8_t> const& bytes, char const* label) {
  size_t rejected = 0;
  size_t runs = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (uint8_t v : {uint8_t(0x00), uint8_t(0x7f), uint8_t(0x80), uint8_t(0xff), uint8_t(bytes[i] ^ 0x01)}) {
      std::vector<uint8_t> copy = bytes;
      copy[i] = v;
      ++runs;
      try {
        parse(copy);
      } catch (ParseError const&) {
        ++rejected;
      } catch (std::exception const& e) {
        report(false, __FILE__, __LINE__, std::string(label) + " mutation at " + std::to_string(i) + ": " + e.what());
      }
    }
  }
  std::printf("  %s: %zu mutations, %zu rejected\n", label, runs, rejected);
}

// --- hand-encoded inputs ---------------------------------------------------------------------------------------

Enc floatTensorPacked() {
  return Enc().packedVarints(1, {2, 3}).i64(2, kFLOAT).packedF32(4, {1, 2, 3, 4, 5, 6}).str(8, "w");
}

// A model exercising many fields, used for prefix/mutation loops without needing fixtures.
std::vector<uint8_t> handModel() {
  Enc attr = Enc().str(1, "perm").packedVarints(8, {0, -1, 2}).i64(20, Attribute::kINTS);
  Enc node = Enc().str(1, "x").str(1, "").str(2, "y").str(3, "n0").str(4, "Transpose").msg(5, attr);
  Enc dimA = Enc().str(2, "batch");
  Enc dimB = Enc().i64(1, 7);
  Enc shape = Enc().msg(1, dimA).msg(1, dimB);
  Enc tensorType = Enc().i64(1, kFLOAT).msg(2, shape);
  Enc input = Enc().str(1, "x").msg(2, Enc().msg(1, tensorType));
  Enc graph = Enc().msg(1, node).str(2, "g").msg(5, floatTensorPacked()).msg(11, input).msg(12, input);
  Enc opset = Enc().str(1, "").i64(2, 18);
  return Enc().i64(1, 9).str(2, "hand").msg(7, graph).msg(8, opset).b;
}

void testHandModel() {
  Model const m = parse(handModel());
  CHECK_EQ(m.irVersion, 9);
  CHECK_EQ(m.defaultOpset(), 18);
  CHECK_EQ(m.graph.nodes.size(), 1u);
  CHECK_EQ(m.graph.nodes.at(0).attributes.at(0).ints, (std::vector<int64_t>{0, -1, 2}));
  CHECK_EQ(floatsOf(m.graph.initializers.at(0)), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  checkDims(m.graph.inputs.at(0), {{-1, "batch"}, {7, ""}});
}

void testPackedAndUnpacked() {
  // Tensors: the same values once packed (as proto3 / protobufjs write) and once unpacked (older writers).
  Enc packedF = floatTensorPacked();
  Enc unpackedF = Enc().i64(1, 2).i64(1, 3).i64(2, kFLOAT).str(8, "w");
  for (float v : {1.f, 2.f, 3.f, 4.f, 5.f, 6.f}) unpackedF.f32(4, v);
  Enc packedI = Enc().packedVarints(1, {3}).i64(2, kINT64).packedVarints(7, {-1, 0, int64_t(1) << 62});
  Enc unpackedI = Enc().i64(1, 3).i64(2, kINT64).i64(7, -1).i64(7, 0).i64(7, int64_t(1) << 62);
  Enc packedD = Enc().packedVarints(1, {2}).i64(2, kDOUBLE).packedF64(10, {0.5, -8});
  Enc unpackedD = Enc().i64(1, 2).i64(2, kDOUBLE).f64(10, 0.5).f64(10, -8);
  Enc packedH = Enc().packedVarints(1, {2}).i64(2, kFLOAT16).packedVarints(5, {0x3c00, 0x7bff});
  Enc unpackedH = Enc().i64(1, 2).i64(2, kFLOAT16).i64(5, 0x3c00).i64(5, 0x7bff);
  Enc packedU = Enc().packedVarints(1, {2}).i64(2, kUINT32).packedVarints(11, {1, 0xffffffff});
  Enc unpackedU = Enc().i64(1, 2).i64(2, kUINT32).i64(11, 1).i64(11, 0xffffffff);
  // A packed run followed by a single unpacked element: protobuf concatenates them.
  Enc mixedF = Enc().packedVarints(1, {2}).i64(1, 3).i64(2, kFLOAT).packedF32(4, {1, 2, 3, 4, 5}).f32(4, 6);

  Enc graphP = Enc().msg(5, packedF).msg(5, packedI).msg(5, packedD).msg(5, packedH).msg(5, packedU);
  Enc graphU = Enc().msg(5, unpackedF).msg(5, unpackedI).msg(5, unpackedD).msg(5, unpackedH).msg(5, unpackedU);
  Graph const p = parseWrapped(graphP).graph;
  Graph const u = parseWrapped(graphU).graph;
  CHECK_EQ(p.initializers.size(), 5u);
  CHECK_EQ(u.initializers.size(), 5u);
  for (size_t i = 0; i < p.initializers.size() && i < u.initializers.size(); ++i) {
    CHECK_EQ(p.initializers[i].dims, u.initializers[i].dims);
    CHECK_EQ(p.initializers[i].dataType, u.initializers[i].dataType);
    CHECK_EQ(p.initializers[i].data, u.initializers[i].data);
  }
  CHECK_EQ(int64sOf(u.initializers.at(1)), (std::vector<int64_t>{-1, 0, int64_t(1) << 62}));
  CHECK_EQ(u.initializers.at(3).data, (std::vector<uint8_t>{0x00, 0x3c, 0xff, 0x7b}));
  CHECK_EQ(u.initializers.at(4).data, le({1, 0xffffffff}, 4));
  Graph const mixed = parseWrapped(Enc().msg(5, mixedF)).graph;
  CHECK_EQ(mixed.initializers.at(0).dims, (std::vector<int64_t>{2, 3}));
  CHECK_EQ(floatsOf(mixed.initializers.at(0)), (std::vector<float>{1, 2, 3, 4, 5, 6}));

  // Attributes: floats and ints, packed vs unpacked.
  Enc attrP = Enc().str(1, "a").packedF32(7, {0.25f, -1}).packedVarints(8, {-3, 4});
  Enc attrU = Enc().str(1, "a").f32(7, 0.25f).f32(7, -1).i64(8, -3).i64(8, 4);
  for (Enc const* attr : {&attrP, &attrU}) {
    Graph const g = parseWrapped(Enc().msg(1, Enc().str(4, "Op").msg(5, *attr))).graph;
    Attribute const& a = g.nodes.at(0).attributes.at(0);
    CHECK_EQ(a.floats, (std::vector<float>{0.25f, -1.f}));
    CHECK_EQ(a.ints, (std::vector<int64_t>{-3, 4}));
    CHECK_EQ(a.type, Attribute::kUNDEFINED);  // two value kinds present: not inferable
  }
}

void testUnknownFieldsSkipped() {
  // Unknown fields of every legal wire type at several levels must be skipped without effect.
  auto junk = [](Enc e) {
    return e.i64(99, -5).tag(98, 1).fixed(0x1122334455667788u, 8).str(97, "junk").tag(96, 5).fixed(0xdeadbeef, 4)
        .msg(95, Enc().i64(1, 1).str(2, "nested"));
  };
  Enc attr = junk(Enc().str(1, "k")).i64(3, 42).i64(20, Attribute::kINT);
  Enc tensor = junk(Enc().i64(1, 1).i64(2, kFLOAT)).packedF32(4, {7.f}).str(8, "t");
  Enc node = junk(Enc().str(4, "Op")).msg(5, attr);
  Enc graph = junk(Enc().str(2, "g")).msg(1, node).msg(5, tensor);
  Model const m = parse(junk(Enc().i64(1, 3)).msg(7, graph).b);
  CHECK_EQ(m.irVersion, 3);
  CHECK_EQ(m.graph.name, std::string("g"));
  CHECK_EQ(m.graph.nodes.at(0).attributes.at(0).i, 42);
  CHECK_EQ(floatsOf(m.graph.initializers.at(0)), (std::vector<float>{7.f}));
}

void testLengthErrors() {
  // Top level: a length larger than what is left of the buffer.
  Enc big = Enc().tag(7, 2).varint(900);
  for (int i = 0; i < 12; ++i) big.b.push_back(0);
  EXPECT_ERROR(parse(big.b), "ModelProto.graph: length 900 exceeds the 12 bytes left at byte 1");

  // Nested: the bad length fits in the whole buffer but not in its enclosing message, and the path names it.
  Enc badAttr = Enc().str(1, "a").tag(4, 2).varint(50).bytes({'x', 'y'});
  Enc node0 = Enc().str(4, "Relu");
  Enc node1 = Enc().str(4, "Op").msg(5, badAttr);
  Enc m = Enc().msg(7, Enc().msg(1, node0).msg(1, node1)).str(2, std::string(200, 'p'));
  EXPECT_ERROR(parse(m.b), "ModelProto.graph.node[1].attribute[0].s: length 50 exceeds the 2 bytes left at byte ");

  // A length near 2^64 must fail the bounds check, not reach an allocation.
  EXPECT_ERROR(parse(Enc().tag(2, 2).varint(~uint64_t(0)).bytes({'a'}).b), "ModelProto.producer_name: length ",
               "exceeds the 1 bytes left");
  EXPECT_ERROR(parse(Enc().tag(3, 2).varint(uint64_t(1) << 62).b), "exceeds the 0 bytes left");

  // Packed fixed32 data whose length is not a multiple of 4.
  Enc tensor = Enc().i64(2, kFLOAT).tag(4, 2).varint(6).bytes({0, 0, 0x80, 0x3f, 0, 0});
  EXPECT_ERROR(parseWrapped(Enc().msg(5, tensor)), "initializer[0].float_data", "not a multiple");

  // A fixed32 cut short by the end of its message.
  Enc attr = Enc().str(1, "f").tag(2, 5).bytes({0, 0});
  EXPECT_ERROR(parseWrapped(Enc().msg(1, Enc().msg(5, attr))), "node[0].attribute[0].f: need 4 bytes but only 2");

  // A packed varint run whose last element runs past the run's own length.
  Enc dims = Enc().tag(1, 2).varint(2).bytes({0x02, 0x83, 0x01});
  EXPECT_ERROR(parseWrapped(Enc().msg(5, dims)), "initializer[0].dims: truncated varint");
}

void testVarints() {
  // 10 bytes with only bit 63 in the last byte: the largest legal varint (INT64_MIN as int64).
  Enc ok = Enc().tag(1, 0).bytes({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01});
  CHECK_EQ(parse(ok.b).irVersion, std::numeric_limits<int64_t>::min());
  // Non-minimal but within 10 bytes: accepted, as protobuf does.
  CHECK_EQ(parse(Enc().tag(1, 0).bytes({0x85, 0x80, 0x00}).b).irVersion, 5);

  Enc overlong = Enc().tag(1, 0).bytes({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00});
  EXPECT_ERROR(parse(overlong.b), "ModelProto.ir_version: varint longer than 10 bytes", "at byte 1");
  Enc wide = Enc().tag(1, 0).bytes({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02});
  EXPECT_ERROR(parse(wide.b), "wider than 64 bits");
  EXPECT_ERROR(parse(Enc().tag(1, 0).bytes({0x80, 0x80}).b), "ModelProto.ir_version: truncated varint at byte 1");
  // An overlong tag varint.
  EXPECT_ERROR(parse(Enc().bytes({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}).b),
               "ModelProto: varint longer than 10 bytes at byte 0");
}

void testWireTypes() {
  EXPECT_ERROR(parse(Enc().i64(1, 1).tag(50, 3).b), "ModelProto field 50: wire type 3 (group)", "at byte 2");
  EXPECT_ERROR(parse(Enc().tag(50, 4).b), "wire type 4 (group)");
  EXPECT_ERROR(parse(Enc().tag(7, 3).b), "ModelProto.graph: wire type 3 (group)");
  EXPECT_ERROR(parseWrapped(Enc().msg(1, Enc().tag(30, 3).tag(30, 4))), "ModelProto.graph.node[0] field 30: wire type 3");
  EXPECT_ERROR(parse(Enc().tag(50, 6).b), "invalid wire type 6");
  EXPECT_ERROR(parse(Enc().tag(50, 7).b), "invalid wire type 7");
  EXPECT_ERROR(parse(Enc().tag(0, 0).varint(1).b), "invalid field number 0");
  EXPECT_ERROR(parse(Enc().varint(uint64_t(1) << 35).varint(1).b), "out of range");
  // A known field with the wrong wire type.
  EXPECT_ERROR(parse(Enc().i64(2, 5).b), "ModelProto.producer_name: wire type 0 where 2 was expected");
  EXPECT_ERROR(parse(Enc().str(1, "x").b), "ModelProto.ir_version: wire type 2 where 0 was expected");
}

void testTensorErrors() {
  // Too few elements for dims (typed field).
  Enc fewer = Enc().packedVarints(1, {2, 3}).i64(2, kFLOAT).packedF32(4, {1, 2, 3, 4, 5}).str(8, "w");
  EXPECT_ERROR(parseWrapped(Enc().msg(5, fewer)), "ModelProto.graph.initializer[0]: tensor 'w': data has 20 bytes",
               "dims [2, 3] of float32 need 24 bytes");
  // Too many bytes for dims (raw_data), inside an attribute tensor.
  Enc raw = Enc().packedVarints(1, {2}).i64(2, kINT16).str(9, std::string(5, '\0')).str(8, "r");
  EXPECT_ERROR(parseWrapped(Enc().msg(1, Enc().msg(5, Enc().str(1, "value").msg(5, raw)))),
               "ModelProto.graph.node[0].attribute[0].t: tensor 'r': data has 5 bytes", "need 4 bytes");
  // Missing data altogether.
  EXPECT_ERROR(parseWrapped(Enc().msg(5, Enc().packedVarints(1, {4}).i64(2, kINT32).str(8, "z"))),
               "tensor 'z': data has 0 bytes");
  // A volume that overflows size_t must be reported, not multiplied into a bogus small number.
  Enc huge = Enc().packedVarints(1, {int64_t(1) << 40, int64_t(1) << 40}).i64(2, kFLOAT).str(8, "huge");
  EXPECT_ERROR(parseWrapped(Enc().msg(5, huge)), "tensor 'huge'", "more than SIZE_MAX");
  // A zero dim makes the volume 0 regardless of the others.
  Enc zero = Enc().packedVarints(1, {int64_t(1) << 40, 0, int64_t(1) << 40}).i64(2, kFLOAT).str(8, "zero");
  CHECK(parseWrapped(Enc().msg(5, zero)).graph.initializers.at(0).data.empty());
  // Negative dims.
  Enc neg = Enc().packedVarints(1, {2, -3}).i64(2, kFLOAT).str(8, "neg");
  EXPECT_ERROR(parseWrapped(Enc().msg(5, neg)), "tensor 'neg' has negative dim -3 at index 1");
  // Conflicting data sources and type/field mismatches.
  Enc both = Enc().packedVarints(1, {1}).i64(2, kFLOAT).str(9, "abcd").packedF32(4, {1}).str(8, "both");
  EXPECT_ERROR(parseWrapped(Enc().msg(5, both)), "tensor 'both' has both raw_data and float_data");
  Enc wrong = Enc().packedVarints(1, {1}).i64(2, kFLOAT).packedVarints(5, {1}).str(8, "wrong");
  EXPECT_ERROR(parseWrapped(Enc().msg(5, wrong)), "tensor 'wrong': int32_data cannot hold data_type 1 (float32)");
  Enc wrong64 = Enc().packedVarints(1, {1}).i64(2, kINT32).packedVarints(7, {1}).str(8, "w64");
  EXPECT_ERROR(parseWrapped(Enc().msg(5, wrong64)), "int64_data cannot hold data_type 6 (int32)");
  // External data: no size check, data left empty even if bytes are present.
  Enc ext = Enc().packedVarints(1, {10}).i64(2, kFLOAT).str(8, "ext").str(9, "xx").i64(14, 1);
  Tensor const t = parseWrapped(Enc().msg(5, ext)).graph.initializers.at(0);
  CHECK(t.external);
  CHECK(t.data.empty());
  // Complex64 in float_data: pairs of floats.
  Enc cplx = Enc().packedVarints(1, {2}).i64(2, 14).packedF32(4, {1, 2, 3, 4}).str(8, "c");
  CHECK_EQ(parseWrapped(Enc().msg(5, cplx)).graph.initializers.at(0).data.size(), 16u);
  // An unknown element type with raw_data is kept as is (nothing to check its size against).
  Enc f8 = Enc().packedVarints(1, {3}).i64(2, 17).str(9, "abc").str(8, "f8");
  CHECK_EQ(parseWrapped(Enc().msg(5, f8)).graph.initializers.at(0).data.size(), 3u);
}

void testDims() {
  // dim_value / dim_param are a oneof (last wins); negative dim_value means unknown.
  Enc dims = Enc()
                 .msg(1, Enc().i64(1, 5).str(2, "n"))
                 .msg(1, Enc().str(2, "n").i64(1, 6))
                 .msg(1, Enc().i64(1, -1))
                 .msg(1, Enc());
  Enc vi = Enc().str(1, "v").msg(2, Enc().msg(1, Enc().i64(1, kINT8).msg(2, dims)));
  ValueInfo const v = parseWrapped(Enc().msg(11, vi)).graph.inputs.at(0);
  CHECK_EQ(v.elemType, int32_t(kINT8));
  checkDims(v, {{-1, "n"}, {6, ""}, {-1, ""}, {-1, ""}});
  // A scalar: shape present with no dims.
  Enc scalar = Enc().str(1, "s").msg(2, Enc().msg(1, Enc().i64(1, kFLOAT).msg(2, Enc())));
  ValueInfo const s = parseWrapped(Enc().msg(11, scalar)).graph.inputs.at(0);
  CHECK(s.hasShape);
  CHECK(s.dims.empty());
  // A non-tensor type (sequence_type = 4) is skipped.
  Enc seq = Enc().str(1, "q").msg(2, Enc().msg(4, Enc().msg(1, Enc().msg(1, Enc().i64(1, kFLOAT)))));
  ValueInfo const q = parseWrapped(Enc().msg(11, seq)).graph.inputs.at(0);
  CHECK_EQ(q.elemType, int32_t(kUNDEFINED));
  CHECK(!q.hasShape);
  EXPECT_ERROR(parseWrapped(Enc().msg(11, Enc().str(1, "v").msg(2, Enc().msg(1, Enc().msg(2, Enc().msg(1, Enc().tag(2, 2).varint(9))))))),
               "ModelProto.graph.input[0].type.tensor_type.shape.dim[0].dim_param: length 9 exceeds the 0 bytes left");
}

void testModelLevel() {
  Model const empty = parse({});
  CHECK_EQ(empty.irVersion, 0);
  CHECK(empty.graph.nodes.empty());
  CHECK_EQ(empty.defaultOpset(), 0);
  CHECK_EQ(parseModel(nullptr, 0).irVersion, 0);
  EXPECT_ERROR(parseModel(nullptr, 3), "null data");

  // Two graph fields merge, as protobuf does for a repeated singular message.
  Enc m = Enc().msg(7, Enc().str(2, "first").msg(1, Enc().str(4, "A"))).msg(7, Enc().msg(1, Enc().str(4, "B")));
  Graph const g = parse(m.b).graph;
  CHECK_EQ(g.name, std::string("first"));
  CHECK_EQ(g.nodes.size(), 2u);

  // A node's graph attribute (If's branches) is read, nested graphs too; nesting past 16 graphs is refused rather
  // than recursed into until the stack overflows.
  auto nested = [](int depth) {
    Enc graph = Enc().str(2, "leaf").msg(1, Enc().str(4, "Relu"));
    for (int k = 0; k < depth; ++k) {
      Enc attr = Enc().str(1, "then_branch").i64(20, 5).msg(6, graph);
      graph = Enc().str(2, "level").msg(1, Enc().str(4, "If").msg(5, attr));
    }
    return Enc().msg(7, graph).b;
  };
  Graph const two = parse(nested(2)).graph;
  Attribute const& branch = two.nodes.at(0).attributes.at(0);
  CHECK(branch.type == Attribute::kGRAPH && branch.g != nullptr);
  if (branch.g) {
    CHECK_EQ(branch.g->nodes.at(0).opType, std::string("If"));
    CHECK(branch.g->nodes.at(0).attributes.at(0).g != nullptr);
  }
  (void)parse(nested(16));  // the model's graph and 16 subgraphs
  std::vector<uint8_t> const seventeen = nested(17);
  EXPECT_ERROR(parseModel(seventeen.data(), seventeen.size()), "subgraphs nested more than 16 deep");
  std::vector<uint8_t> const deep = nested(3000);
  EXPECT_ERROR(parseModel(deep.data(), deep.size()), "subgraphs nested more than 16 deep");

  Model opsets;
  opsets.opsets = {{"com.microsoft", 1}, {"ai.onnx", 11}};
  CHECK_EQ(opsets.defaultOpset(), 11);
  opsets.opsets = {{"ai.onnx.ml", 3}, {"", 21}};
  CHECK_EQ(opsets.defaultOpset(), 21);
  opsets.opsets = {{"ai.onnx.ml", 3}};
  CHECK_EQ(opsets.defaultOpset(), 0);
}

void testElemTypes() {
  struct Row {
    int32_t type;
    size_t size;
    char const* name;
  };
  Row const rows[] = {{kUNDEFINED, 0, "undefined"}, {kFLOAT, 4, "float32"},   {kUINT8, 1, "uint8"},
                      {kINT8, 1, "int8"},           {kUINT16, 2, "uint16"},   {kINT16, 2, "int16"},
                      {kINT32, 4, "int32"},         {kINT64, 8, "int64"},     {kSTRING, 0, "string"},
                      {kBOOL, 1, "bool"},           {kFLOAT16, 2, "float16"}, {kDOUBLE, 8, "float64"},
                      {kUINT32, 4, "uint32"},       {kUINT64, 8, "uint64"},   {kBFLOAT16, 2, "bfloat16"},
                      {14, 0, "undefined"},         {-3, 0, "undefined"},     {1000, 0, "undefined"}};
  for (Row const& r : rows) {
    CHECK_EQ(elemTypeSize(r.type), r.size);
    CHECK_EQ(std::string(elemTypeName(r.type)), std::string(r.name));
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::printf("hand-encoded tests\n");
  testHandModel();
  testPackedAndUnpacked();
  testUnknownFieldsSkipped();
  testLengthErrors();
  testVarints();
  testWireTypes();
  testTensorErrors();
  testDims();
  testModelLevel();
  testElemTypes();
  testAllPrefixes(handModel(), "hand model");
  testMutations(handModel(), "hand model");

  if (argc > 1) {
    std::string const dir = argv[1];
    std::printf("fixture tests (%s)\n", dir.c_str());
    auto load = [&](char const* name) {
      std::vector<uint8_t> bytes = readFile(dir + "/" + name);
      report(!bytes.empty(), __FILE__, __LINE__, std::string("cannot read fixture ") + name);
      return bytes;
    };
    std::vector<uint8_t> const mlp = load("mlp.onnx");
    std::vector<uint8_t> const typed = load("typed.onnx");
    if (!mlp.empty()) {
      testMlpFixture(mlp);
      testAllPrefixes(mlp, "mlp.onnx");
      testMutations(mlp, "mlp.onnx");
    }
    if (!typed.empty()) {
      testTypedFixture(typed);
      testAllPrefixes(typed, "typed.onnx");
    }
    std::vector<uint8_t> const external = load("external.onnx");
    if (!external.empty()) testExternalFixture(external);
    std::vector<uint8_t> const badSize = load("bad_size.onnx");
    if (!badSize.empty()) testBadSizeFixture(badSize);
  } else {
    std::printf("fixture tests SKIPPED (pass the directory written by make_fixtures.cjs)\n");
  }

  if (gFailures != 0) {
    std::printf("%d of %d checks FAILED\n", gFailures, gChecks);
    return 1;
  }
  std::printf("all %d checks passed\n", gChecks);
  return 0;
}
