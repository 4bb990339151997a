// Hand-written protobuf wire-format decoder for the subset of onnx.proto that the simulator uses.
//
// Every read is checked against the end of the message it belongs to: a nested message gets a Reader over
// exactly its own byte range, so a bad length inside it can never reach past its parent. Lengths are compared
// with the bytes left before anything is allocated, which bounds every allocation by the input size.
#include "onnx_model.h"

#include <cstring>
#include <initializer_list>
#include <limits>
#include <string>
#include <utility>

namespace trtsim::onnx {
namespace {

enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLen = 2, kStartGroup = 3, kEndGroup = 4, kFixed32 = 5 };

// Complex types are not in ElemType (the simulator has no use for them), but ONNX stores them in float_data /
// double_data, so the data normalization still needs their sizes.
constexpr int32_t kCOMPLEX64 = 14;
constexpr int32_t kCOMPLEX128 = 15;
constexpr int32_t kDataLocationExternal = 1;

// Where we are in the message tree. Built on the stack while descending and only turned into text when an error
// is reported, so well-formed input costs no string work.
struct Path {
  Path const* parent;
  char const* name;
  long index;  // -1 for a singular field
};

std::string render(Path const* p) {
  if (p == nullptr) return {};
  std::string s = render(p->parent);
  if (!s.empty()) s += '.';
  s += p->name;
  if (p->index >= 0) s += '[' + std::to_string(p->index) + ']';
  return s;
}

// Field names used in error messages; each table ends with {0, nullptr}.
struct FieldName {
  uint32_t number;
  char const* name;
};

constexpr FieldName kModelFields[] = {
    {1, "ir_version"}, {2, "producer_name"}, {3, "producer_version"}, {7, "graph"}, {8, "opset_import"}, {0, nullptr}};
constexpr FieldName kOpsetFields[] = {{1, "domain"}, {2, "version"}, {0, nullptr}};
constexpr FieldName kGraphFields[] = {{1, "node"},   {2, "name"},        {5, "initializer"}, {11, "input"},
                                      {12, "output"}, {13, "value_info"}, {0, nullptr}};
constexpr FieldName kNodeFields[] = {{1, "input"},     {2, "output"}, {3, "name"}, {4, "op_type"},
                                     {5, "attribute"}, {7, "domain"}, {0, nullptr}};
constexpr FieldName kAttributeFields[] = {{1, "name"},    {2, "f"},     {3, "i"},        {4, "s"},
                                          {5, "t"},       {6, "g"},     {7, "floats"},   {8, "ints"},
                                          {9, "strings"}, {10, "tensors"}, {11, "graphs"}, {20, "type"},
                                          {0, nullptr}};
constexpr FieldName kTensorFields[] = {{1, "dims"},        {2, "data_type"},   {4, "float_data"},   {5, "int32_data"},
                                       {6, "string_data"}, {7, "int64_data"},  {8, "name"},         {9, "raw_data"},
                                       {10, "double_data"}, {11, "uint64_data"}, {13, "external_data"},
                                       {14, "data_location"}, {0, nullptr}};
constexpr FieldName kValueInfoFields[] = {{1, "name"}, {2, "type"}, {0, nullptr}};
constexpr FieldName kTypeFields[] = {{1, "tensor_type"}, {0, nullptr}};
constexpr FieldName kTensorTypeFields[] = {{1, "elem_type"}, {2, "shape"}, {0, nullptr}};
constexpr FieldName kShapeFields[] = {{1, "dim"}, {0, nullptr}};
constexpr FieldName kDimFields[] = {{1, "dim_value"}, {2, "dim_param"}, {0, nullptr}};

// Two's-complement reinterpretation without relying on implementation-defined narrowing (C++17).
int64_t asInt64(uint64_t u) {
  return u <= uint64_t(std::numeric_limits<int64_t>::max()) ? int64_t(u) : -int64_t(~u) - 1;
}

// protobuf int32 fields are sign-extended to 64 bits on the wire; the value is the low 32 bits.
int32_t asInt32(uint64_t u) {
  uint32_t const low = uint32_t(u);
  return low <= uint32_t(std::numeric_limits<int32_t>::max()) ? int32_t(low) : -int32_t(~low) - 1;
}

uint64_t loadLE(uint8_t const* p, size_t width) {
  uint64_t v = 0;
  for (size_t i = 0; i < width; ++i) v |= uint64_t(p[i]) << (8 * i);
  return v;
}

void storeLE(std::vector<uint8_t>& out, uint64_t v, size_t width) {
  for (size_t i = 0; i < width; ++i) out.push_back(uint8_t(v >> (8 * i)));
}

float floatFromBits(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

class Reader {
 public:
  Reader(uint8_t const* base, size_t begin, size_t end, Path const* path, FieldName const* names)
      : base_(base), begin_(begin), pos_(begin), end_(end), path_(path), names_(names) {}

  // Reads the next tag; false once the message is exhausted.
  bool next();
  uint32_t field() const { return field_; }
  Path const* path() const { return path_; }
  size_t begin() const { return begin_; }

  uint64_t varint();
  int64_t int64() { return asInt64(varint()); }
  int32_t int32() { return asInt32(varint()); }
  float float32();
  std::string bytes();
  void bytes(std::vector<uint8_t>& out);
  Reader message(Path const* path, FieldName const* names);
  // Repeated scalars arrive packed (one length-delimited run) or unpacked (one tag per element); both append.
  void repeatedVarint(std::vector<uint64_t>& out);
  void repeatedFixed(size_t width, std::vector<uint8_t>& out);
  void skip();

  [[noreturn]] void fail(size_t at, std::string const& what) const;

 private:
  uint64_t rawVarint(size_t limit);
  size_t length();
  void need(size_t n) const;
  void expectWire(uint32_t wire) const;

  uint8_t const* base_;
  size_t begin_;
  size_t pos_;
  size_t end_;
  Path const* path_;
  FieldName const* names_;
  uint32_t field_ = 0;  // 0 outside a field, so message-level errors name just the message
  uint32_t wire_ = 0;
  size_t tagPos_ = 0;
};

void Reader::fail(size_t at, std::string const& what) const {
  std::string where = render(path_);
  if (field_ != 0) {
    char const* name = nullptr;
    for (FieldName const* f = names_; f != nullptr && f->name != nullptr; ++f) {
      if (f->number == field_) name = f->name;
    }
    where += name != nullptr ? "." + std::string(name) : " field " + std::to_string(field_);
  }
  throw ParseError(where + ": " + what + " at byte " + std::to_string(at));
}

uint64_t Reader::rawVarint(size_t limit) {
  size_t const start = pos_;
  uint64_t v = 0;
  for (unsigned shift = 0; shift < 64; shift += 7) {
    if (pos_ >= limit) fail(start, "truncated varint");
    uint8_t const b = base_[pos_++];
    // The 10th byte may only contribute bit 63.
    if (shift == 63 && (b & 0x80) != 0) fail(start, "varint longer than 10 bytes");
    if (shift == 63 && b > 1) fail(start, "varint wider than 64 bits");
    v |= uint64_t(b & 0x7f) << shift;
    if ((b & 0x80) == 0) return v;
  }
  fail(start, "varint longer than 10 bytes");  // not reached: the 10th byte always returns or fails above
}

bool Reader::next() {
  field_ = 0;
  if (pos_ >= end_) return false;
  tagPos_ = pos_;
  uint64_t const tag = rawVarint(end_);
  if (tag > std::numeric_limits<uint32_t>::max()) fail(tagPos_, "tag " + std::to_string(tag) + " out of range");
  if ((tag >> 3) == 0) fail(tagPos_, "invalid field number 0");
  field_ = uint32_t(tag >> 3);
  wire_ = uint32_t(tag & 7);
  // Groups are deprecated proto2 and never used by ONNX; skipping them would need nesting-aware scanning.
  if (wire_ == kStartGroup || wire_ == kEndGroup) {
    fail(tagPos_, "wire type " + std::to_string(wire_) + " (group) is not supported");
  }
  if (wire_ > kFixed32) fail(tagPos_, "invalid wire type " + std::to_string(wire_));
  return true;
}

void Reader::expectWire(uint32_t wire) const {
  if (wire_ != wire) {
    fail(tagPos_, "wire type " + std::to_string(wire_) + " where " + std::to_string(wire) + " was expected");
  }
}

void Reader::need(size_t n) const {
  if (end_ - pos_ < n) {
    fail(pos_, "need " + std::to_string(n) + " bytes but only " + std::to_string(end_ - pos_) + " are left");
  }
}

// Reads a length prefix and checks it against what is left of this message (not of the whole buffer).
size_t Reader::length() {
  size_t const at = pos_;
  uint64_t const len = rawVarint(end_);
  size_t const left = end_ - pos_;
  if (len > left) {
    fail(at, "length " + std::to_string(len) + " exceeds the " + std::to_string(left) + " bytes left");
  }
  return size_t(len);
}

uint64_t Reader::varint() {
  expectWire(kVarint);
  return rawVarint(end_);
}

float Reader::float32() {
  expectWire(kFixed32);
  need(4);
  uint32_t const bits = uint32_t(loadLE(base_ + pos_, 4));
  pos_ += 4;
  return floatFromBits(bits);
}

std::string Reader::bytes() {
  expectWire(kLen);
  size_t const len = length();
  std::string s(reinterpret_cast<char const*>(base_ + pos_), len);
  pos_ += len;
  return s;
}

void Reader::bytes(std::vector<uint8_t>& out) {
  expectWire(kLen);
  size_t const len = length();
  out.assign(base_ + pos_, base_ + pos_ + len);
  pos_ += len;
}

Reader Reader::message(Path const* path, FieldName const* names) {
  expectWire(kLen);
  size_t const len = length();
  Reader sub(base_, pos_, pos_ + len, path, names);
  pos_ += len;
  return sub;
}

void Reader::repeatedVarint(std::vector<uint64_t>& out) {
  if (wire_ == kVarint) {
    out.push_back(rawVarint(end_));
    return;
  }
  expectWire(kLen);
  size_t const len = length();
  size_t const stop = pos_ + len;
  // Each varint ends in exactly one byte without the continuation bit, so this count is exact for valid input
  // and never exceeds len for invalid input.
  size_t count = 0;
  for (size_t i = pos_; i < stop; ++i) count += (base_[i] & 0x80) == 0;
  out.reserve(out.size() + count);
  while (pos_ < stop) out.push_back(rawVarint(stop));
}

void Reader::repeatedFixed(size_t width, std::vector<uint8_t>& out) {
  uint32_t const scalarWire = width == 4 ? kFixed32 : kFixed64;
  size_t count = width;  // bytes to take: one element unpacked, the whole run packed
  if (wire_ == scalarWire) {
    need(width);
  } else {
    expectWire(kLen);
    size_t const at = pos_;
    count = length();
    if (count % width != 0) {
      fail(at, "packed length " + std::to_string(count) + " is not a multiple of " + std::to_string(width));
    }
  }
  // Fixed-width values are little-endian on the wire, which is exactly the layout Tensor.data wants.
  out.insert(out.end(), base_ + pos_, base_ + pos_ + count);
  pos_ += count;
}

void Reader::skip() {
  switch (wire_) {
    case kVarint:
      rawVarint(end_);
      return;
    case kFixed64:
      need(8);
      pos_ += 8;
      return;
    case kFixed32:
      need(4);
      pos_ += 4;
      return;
    case kLen:
      pos_ += length();
      return;
    default:
      fail(tagPos_, "cannot skip wire type " + std::to_string(wire_));  // next() already rejects these
  }
}

// Byte size of one element as stored in Tensor.data; 0 when the type has no fixed size we know of.
size_t storageSize(int32_t dataType) {
  if (dataType == kCOMPLEX64) return 8;
  if (dataType == kCOMPLEX128) return 16;
  return elemTypeSize(dataType);
}

// Typed data fields collected while scanning a TensorProto; they can only be converted once data_type is
// known, and protobuf does not guarantee that it comes first.
struct TensorFields {
  std::vector<uint64_t> dims;
  bool hasRaw = false;
  std::vector<uint8_t> raw;
  std::vector<uint8_t> floatData;   // little-endian float32 bytes
  std::vector<uint8_t> doubleData;  // little-endian float64 bytes
  std::vector<uint64_t> int32Data;
  std::vector<uint64_t> int64Data;
  std::vector<uint64_t> uint64Data;
  int32_t dataLocation = 0;
};

std::string tensorLabel(Tensor const& t) { return "tensor '" + t.name + "'"; }

bool isOneOf(int32_t v, std::initializer_list<int32_t> list) {
  for (int32_t x : list) {
    if (x == v) return true;
  }
  return false;
}

// ONNX forbids mixing raw_data with a typed field, or two typed fields; accepting it would mean guessing.
void checkSingleSource(Reader const& r, TensorFields const& f, Tensor const& t) {
  struct Source {
    char const* name;
    bool present;
  };
  Source const sources[] = {{"raw_data", f.hasRaw},
                            {"float_data", !f.floatData.empty()},
                            {"int32_data", !f.int32Data.empty()},
                            {"int64_data", !f.int64Data.empty()},
                            {"double_data", !f.doubleData.empty()},
                            {"uint64_data", !f.uint64Data.empty()}};
  char const* first = nullptr;
  for (Source const& s : sources) {
    if (!s.present) continue;
    if (first != nullptr) r.fail(r.begin(), tensorLabel(t) + " has both " + first + " and " + s.name);
    first = s.name;
  }
}

// Narrows varint-decoded values to the element width. Values are kept as their low bytes (two's complement),
// as numpy's astype does; bool is normalized to 0/1.
void packIntegers(std::vector<uint64_t> const& values, size_t width, bool isBool, std::vector<uint8_t>& out) {
  out.clear();
  out.reserve(values.size() * width);
  for (uint64_t v : values) storeLE(out, isBool ? uint64_t(v != 0) : v, width);
}

// Moves whichever data field is present into t.data as dense little-endian elements of t.dataType.
void fillData(Reader const& r, TensorFields& f, Tensor& t) {
  checkSingleSource(r, f, t);
  int32_t const dt = t.dataType;
  auto require = [&](char const* field, std::initializer_list<int32_t> types) {
    if (!isOneOf(dt, types)) {
      r.fail(r.begin(), tensorLabel(t) + ": " + field + " cannot hold data_type " + std::to_string(dt) + " (" +
                            elemTypeName(dt) + ")");
    }
  };
  if (f.hasRaw) {
    t.data = std::move(f.raw);
  } else if (!f.floatData.empty()) {
    require("float_data", {kFLOAT, kCOMPLEX64});
    t.data = std::move(f.floatData);
  } else if (!f.doubleData.empty()) {
    require("double_data", {kDOUBLE, kCOMPLEX128});
    t.data = std::move(f.doubleData);
  } else if (!f.int32Data.empty()) {
    // FLOAT16 / BFLOAT16 travel as their 16-bit pattern inside an int32, so narrowing keeps the bits intact.
    require("int32_data", {kINT32, kINT16, kINT8, kUINT16, kUINT8, kBOOL, kFLOAT16, kBFLOAT16, kFLOAT8E4M3FN, kFLOAT8E4M3FNUZ,
                           kFLOAT8E5M2, kFLOAT8E5M2FNUZ});
    packIntegers(f.int32Data, storageSize(dt), dt == kBOOL, t.data);
  } else if (!f.int64Data.empty()) {
    require("int64_data", {kINT64});
    packIntegers(f.int64Data, 8, false, t.data);
  } else if (!f.uint64Data.empty()) {
    require("uint64_data", {kUINT32, kUINT64});
    packIntegers(f.uint64Data, storageSize(dt), false, t.data);
  }
}

std::string formatDims(std::vector<int64_t> const& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

// volume(dims) * width, or false on overflow. A zero dim makes the tensor empty however large the others are.
bool byteSize(std::vector<int64_t> const& dims, size_t width, size_t& out) {
  for (int64_t d : dims) {
    if (d == 0) {
      out = 0;
      return true;
    }
  }
  size_t total = width;
  for (int64_t d : dims) {
    if (uint64_t(d) > std::numeric_limits<size_t>::max() / total) return false;
    total *= size_t(d);
  }
  out = total;
  return true;
}

void setDims(Reader const& r, TensorFields const& f, Tensor& t) {
  t.dims.reserve(f.dims.size());
  for (uint64_t raw : f.dims) {
    int64_t const d = asInt64(raw);
    if (d < 0) {
      r.fail(r.begin(), tensorLabel(t) + " has negative dim " + std::to_string(d) + " at index " +
                            std::to_string(t.dims.size()));
    }
    t.dims.push_back(d);
  }
}

void checkDataSize(Reader const& r, Tensor const& t) {
  size_t const width = storageSize(t.dataType);
  if (width == 0) return;  // string or unknown element type: no fixed size to check against
  size_t expected = 0;
  bool const fits = byteSize(t.dims, width, expected);
  if (fits && expected == t.data.size()) return;
  std::string const need = fits ? std::to_string(expected) + " bytes" : "more than SIZE_MAX bytes";
  r.fail(r.begin(), tensorLabel(t) + ": data has " + std::to_string(t.data.size()) + " bytes but dims " +
                        formatDims(t.dims) + " of " + elemTypeName(t.dataType) + " need " + need);
}

// string_data is not kept (Tensor has nowhere to put it): string tensors come back with empty data.
void parseTensor(Reader r, Tensor& t) {
  TensorFields f;
  while (r.next()) {
    switch (r.field()) {
      case 1: r.repeatedVarint(f.dims); break;
      case 2: t.dataType = r.int32(); break;
      case 4: r.repeatedFixed(4, f.floatData); break;
      case 5: r.repeatedVarint(f.int32Data); break;
      case 7: r.repeatedVarint(f.int64Data); break;
      case 8: t.name = r.bytes(); break;
      case 9:
        r.bytes(f.raw);
        f.hasRaw = true;
        break;
      case 10: r.repeatedFixed(8, f.doubleData); break;
      case 11: r.repeatedVarint(f.uint64Data); break;
      case 14: f.dataLocation = r.int32(); break;
      default: r.skip(); break;
    }
  }
  setDims(r, f, t);
  t.external = f.dataLocation == kDataLocationExternal;
  if (t.external) return;  // the bytes live in another file; the caller resolves external_data
  fillData(r, f, t);
  checkDataSize(r, t);
}

template <typename T>
void parseSingular(Reader& r, T& obj, char const* name, FieldName const* names, void (*parse)(Reader, T&)) {
  Path const path{r.path(), name, -1};
  parse(r.message(&path, names), obj);
}

template <typename T>
void parseAppend(Reader& r, std::vector<T>& list, char const* name, FieldName const* names,
                 void (*parse)(Reader, T&)) {
  list.emplace_back();
  Path const path{r.path(), name, long(list.size()) - 1};
  parse(r.message(&path, names), list.back());
}

// Writers predating AttributeProto.type leave it unset; the one value field that is present tells the type.
unsigned seenBit(uint32_t field) {
  // AttributeProto field number -> Attribute::Type of the value it carries.
  switch (field) {
    case 2: return 1u << Attribute::kFLOAT;
    case 3: return 1u << Attribute::kINT;
    case 4: return 1u << Attribute::kSTRING;
    case 5: return 1u << Attribute::kTENSOR;
    case 6: return 1u << Attribute::kGRAPH;
    case 7: return 1u << Attribute::kFLOATS;
    case 8: return 1u << Attribute::kINTS;
    case 9: return 1u << Attribute::kSTRINGS;
    case 10: return 1u << Attribute::kTENSORS;
    case 11: return 1u << Attribute::kGRAPHS;
    default: return 0;
  }
}

int32_t inferAttributeType(unsigned seenMask) {
  if (seenMask == 0 || (seenMask & (seenMask - 1)) != 0) return Attribute::kUNDEFINED;
  int32_t type = 0;
  while ((seenMask >> type) != 1) ++type;
  return type;
}

void parseGraph(Reader r, Graph& g);

// How many graphs enclose the reader's position (the model's own counts as one).
int graphDepth(Path const* p) {
  int depth = 0;
  for (; p != nullptr; p = p->parent) depth += std::string(p->name) == "graph" || std::string(p->name) == "g";
  return depth;
}

void parseAttribute(Reader r, Attribute& a) {
  std::vector<uint8_t> floatBytes;
  std::vector<uint64_t> ints;
  unsigned seen = 0;  // bit per Attribute::Type whose value field appeared
  while (r.next()) {
    uint32_t const field = r.field();
    switch (field) {
      case 1: a.name = r.bytes(); break;
      case 2: a.f = r.float32(); break;
      case 3: a.i = r.int64(); break;
      case 4: a.s = r.bytes(); break;
      case 5:
        a.t = Tensor{};
        parseSingular(r, a.t, "t", kTensorFields, parseTensor);
        break;
      case 7: r.repeatedFixed(4, floatBytes); break;
      case 8: r.repeatedVarint(ints); break;
      case 9: a.strings.push_back(r.bytes()); break;
      case 6:
        // A file can nest subgraphs until the stack overflows: ONNX models nest a few levels at most.
        if (graphDepth(r.path()) > 16) r.fail(r.begin(), "subgraphs nested more than 16 deep");
        a.g = std::make_shared<Graph>();
        parseSingular(r, *a.g, "g", kGraphFields, parseGraph);
        break;
      case 20: a.type = r.int32(); break;
      // tensors and graphs (lists) are not needed by the simulator and are skipped like unknown fields.
      default: r.skip(); break;
    }
    seen |= seenBit(field);
  }
  a.floats.reserve(floatBytes.size() / 4);
  for (size_t i = 0; i < floatBytes.size(); i += 4) {
    a.floats.push_back(floatFromBits(uint32_t(loadLE(floatBytes.data() + i, 4))));
  }
  a.ints.reserve(ints.size());
  for (uint64_t v : ints) a.ints.push_back(asInt64(v));
  if (a.type == Attribute::kUNDEFINED) a.type = inferAttributeType(seen);
}

void parseNode(Reader r, Node& n) {
  while (r.next()) {
    switch (r.field()) {
      case 1: n.inputs.push_back(r.bytes()); break;
      case 2: n.outputs.push_back(r.bytes()); break;
      case 3: n.name = r.bytes(); break;
      case 4: n.opType = r.bytes(); break;
      case 5: parseAppend(r, n.attributes, "attribute", kAttributeFields, parseAttribute); break;
      case 7: n.domain = r.bytes(); break;
      default: r.skip(); break;
    }
  }
}

// dim_value and dim_param are a oneof: the last one on the wire wins.
void parseDim(Reader r, Dim& d) {
  while (r.next()) {
    switch (r.field()) {
      case 1: {
        int64_t const v = r.int64();
        // Some exporters write -1 for "unknown"; treat any negative value as an unnamed dynamic dim.
        d.value = v < 0 ? -1 : v;
        d.param.clear();
        break;
      }
      case 2:
        d.param = r.bytes();
        d.value = -1;
        break;
      default: r.skip(); break;
    }
  }
}

void parseShape(Reader r, ValueInfo& vi) {
  vi.hasShape = true;
  while (r.next()) {
    if (r.field() == 1) {
      parseAppend(r, vi.dims, "dim", kDimFields, parseDim);
    } else {
      r.skip();
    }
  }
}

void parseTensorType(Reader r, ValueInfo& vi) {
  while (r.next()) {
    switch (r.field()) {
      case 1: vi.elemType = r.int32(); break;
      case 2: parseSingular(r, vi, "shape", kShapeFields, parseShape); break;
      default: r.skip(); break;
    }
  }
}

// Only tensor types are kept; sequence, map, optional and sparse types leave the ValueInfo untyped.
void parseType(Reader r, ValueInfo& vi) {
  while (r.next()) {
    if (r.field() == 1) {
      parseSingular(r, vi, "tensor_type", kTensorTypeFields, parseTensorType);
    } else {
      r.skip();
    }
  }
}

void parseValueInfo(Reader r, ValueInfo& vi) {
  while (r.next()) {
    switch (r.field()) {
      case 1: vi.name = r.bytes(); break;
      case 2: parseSingular(r, vi, "type", kTypeFields, parseType); break;
      default: r.skip(); break;
    }
  }
}

void parseGraph(Reader r, Graph& g) {
  while (r.next()) {
    switch (r.field()) {
      case 1: parseAppend(r, g.nodes, "node", kNodeFields, parseNode); break;
      case 2: g.name = r.bytes(); break;
      case 5: parseAppend(r, g.initializers, "initializer", kTensorFields, parseTensor); break;
      case 11: parseAppend(r, g.inputs, "input", kValueInfoFields, parseValueInfo); break;
      case 12: parseAppend(r, g.outputs, "output", kValueInfoFields, parseValueInfo); break;
      case 13: parseAppend(r, g.valueInfo, "value_info", kValueInfoFields, parseValueInfo); break;
      default: r.skip(); break;
    }
  }
}

void parseOpset(Reader r, OpsetImport& o) {
  while (r.next()) {
    switch (r.field()) {
      case 1: o.domain = r.bytes(); break;
      case 2: o.version = r.int64(); break;
      default: r.skip(); break;
    }
  }
}

}  // namespace

Model parseModel(uint8_t const* data, size_t size) {
  static Path const root{nullptr, "ModelProto", -1};
  if (data == nullptr && size != 0) throw ParseError("ModelProto: null data with size " + std::to_string(size));
  static uint8_t const kEmpty = 0;  // keeps the base pointer non-null for an empty buffer
  Reader r(data != nullptr ? data : &kEmpty, 0, size, &root, kModelFields);
  Model m;
  // A repeated occurrence of a singular message field (graph) merges into it, as protobuf specifies.
  while (r.next()) {
    switch (r.field()) {
      case 1: m.irVersion = r.int64(); break;
      case 2: m.producerName = r.bytes(); break;
      case 3: m.producerVersion = r.bytes(); break;
      case 7: parseSingular(r, m.graph, "graph", kGraphFields, parseGraph); break;
      case 8: parseAppend(r, m.opsets, "opset_import", kOpsetFields, parseOpset); break;
      default: r.skip(); break;
    }
  }
  return m;
}

int64_t Model::defaultOpset() const {
  for (OpsetImport const& o : opsets) {
    if (o.domain.empty() || o.domain == "ai.onnx") return o.version;
  }
  return 0;
}

size_t elemTypeSize(int32_t elemType) {
  switch (elemType) {
    case kUINT8:
    case kINT8:
    case kBOOL:
    case kFLOAT8E4M3FN:
    case kFLOAT8E4M3FNUZ:
    case kFLOAT8E5M2:
    case kFLOAT8E5M2FNUZ: return 1;
    case kUINT16:
    case kINT16:
    case kFLOAT16:
    case kBFLOAT16: return 2;
    case kFLOAT:
    case kINT32:
    case kUINT32: return 4;
    case kINT64:
    case kDOUBLE:
    case kUINT64: return 8;
    default: return 0;  // kSTRING, kUNDEFINED and anything this reader does not know
  }
}

char const* elemTypeName(int32_t elemType) {
  switch (elemType) {
    case kFLOAT: return "float32";
    case kUINT8: return "uint8";
    case kINT8: return "int8";
    case kUINT16: return "uint16";
    case kINT16: return "int16";
    case kINT32: return "int32";
    case kINT64: return "int64";
    case kSTRING: return "string";
    case kBOOL: return "bool";
    case kFLOAT16: return "float16";
    case kDOUBLE: return "float64";
    case kUINT32: return "uint32";
    case kUINT64: return "uint64";
    case kBFLOAT16: return "bfloat16";
    case kFLOAT8E4M3FN: return "float8e4m3fn";
    case kFLOAT8E4M3FNUZ: return "float8e4m3fnuz";
    case kFLOAT8E5M2: return "float8e5m2";
    case kFLOAT8E5M2FNUZ: return "float8e5m2fnuz";
    default: return "undefined";
  }
}

}  // namespace trtsim::onnx
