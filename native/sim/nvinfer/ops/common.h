// Shared helpers of the operator library: the OpBase class (input-count checks, constant folding), error helpers,
// attribute validation, broadcasting, strided iteration and dtype dispatch. Internal to native/sim/nvinfer/ops.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "half.h"
#include "op.h"

namespace trtsim {
namespace ops {

// ---------------------------------------------------------------------------------------------------------------
// Errors and attributes

[[noreturn]] void fail(std::string const& op, std::string const& message);  // throws OpError("op: message")
std::string attributeValueString(Attribute const& attr);
// Throws OpError("<op>: unsupported attribute 'name' (value)") for attributes outside `allowed`.
void checkAttributes(std::string const& op, Attributes const& attrs, std::initializer_list<char const*> allowed);
// Normalizes an axis in [-rank, rank-1] (or [-rank, rank] when `inclusiveEnd`); throws naming `what`.
int64_t normalizeAxis(std::string const& op, char const* what, int64_t axis, int64_t rank, bool inclusiveEnd = false);

// ---------------------------------------------------------------------------------------------------------------
// Shapes

bool isKnown(Shape const& shape);  // no -1 extent
std::vector<int64_t> contiguousStrides(Shape const& shape);
// Multidirectional (numpy) broadcasting of shapes that may hold -1. Throws OpError("<op>: cannot broadcast ...").
Shape broadcastShapes(std::string const& op, std::vector<Shape> const& shapes);
// Multiplies extents; -1 if any is unknown. Throws on int64 overflow.
int64_t productOf(Shape const& shape, size_t begin, size_t end);

// A strided iteration plan over `dims` for up to kMaxOperands operands: dims of extent 1 are dropped and adjacent
// dims merged whenever every operand's strides allow it, so the innermost loop is as long as possible.
constexpr int kMaxOperands = 4;
struct StridedPlan {
  int count = 0;
  int64_t volume = 0;
  std::vector<int64_t> dims;                   // collapsed, outermost first, never empty
  std::vector<int64_t> strides[kMaxOperands];  // element strides per operand and collapsed dim
};
StridedPlan makeStridedPlan(Shape const& dims, std::vector<std::vector<int64_t>> const& strides);
// Operand 0 is `out` (contiguous); the others are broadcast to `out` (their shapes must be broadcastable to it).
StridedPlan makeBroadcastPlan(Shape const& out, std::vector<Shape> const& inputs);

// Moves a row-major position over `shape` to the next one (last axis fastest); wraps to all zeros after the last.
inline void nextIndex(std::vector<int64_t>& index, Shape const& shape) {
  for (size_t d = shape.size(); d-- > 0;) {
    if (++index[d] < shape[d]) return;
    index[d] = 0;
  }
}

// An element index along an axis of `extent` elements, negative ones counted from the end; throws OpError naming the
// op and `axis` when it is out of range (a kernel's out-of-bounds access).
int64_t elementIndex(std::string const& op, int64_t v, int64_t extent, int64_t axis);

// Calls f(offsets, n, innerStrides) once per innermost row; offsets[k] is operand k's element offset at the row
// start, and element j of the row of operand k sits at offsets[k] + j * innerStrides[k]. No division per element.
template <typename F>
void forEachRow(StridedPlan const& p, F&& f) {
  if (p.volume <= 0) return;
  size_t const r = p.dims.size();
  int64_t const n = p.dims[r - 1];
  int64_t inner[kMaxOperands] = {0, 0, 0, 0};
  int64_t off[kMaxOperands] = {0, 0, 0, 0};
  for (int k = 0; k < p.count; ++k) inner[k] = p.strides[k][r - 1];
  if (r == 1) {
    f(static_cast<int64_t const*>(off), n, static_cast<int64_t const*>(inner));
    return;
  }
  std::vector<int64_t> idx(r - 1, 0);
  int64_t const rows = p.volume / n;
  for (int64_t row = 0; row < rows; ++row) {
    f(static_cast<int64_t const*>(off), n, static_cast<int64_t const*>(inner));
    for (size_t d = r - 1; d-- > 0;) {
      if (++idx[d] < p.dims[d]) {
        for (int k = 0; k < p.count; ++k) off[k] += p.strides[k][d];
        break;
      }
      for (int k = 0; k < p.count; ++k) off[k] -= p.strides[k][d] * (p.dims[d] - 1);
      idx[d] = 0;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Dtypes: tag types for dispatch. `S` is the storage type.

struct F32Tag {
  using S = float;
  static constexpr bool kFloat = true;
  static constexpr DType kType = DType::kFLOAT;
  static float toF(S v) { return v; }
  static S fromF(float f) { return f; }
};
struct F16Tag {
  using S = uint16_t;
  static constexpr bool kFloat = true;
  static constexpr DType kType = DType::kHALF;
  static float toF(S v) { return halfToFloat(v); }
  static S fromF(float f) { return floatToHalf(f); }
};
struct BF16Tag {
  using S = uint16_t;
  static constexpr bool kFloat = true;
  static constexpr DType kType = DType::kBF16;
  static float toF(S v) { return bf16ToFloat(v); }
  static S fromF(float f) { return floatToBf16(f); }
};
template <typename T, DType D>
struct IntTag {
  using S = T;
  static constexpr bool kFloat = false;
  static constexpr DType kType = D;
  static int64_t toI(S v) { return static_cast<int64_t>(v); }
  static S fromI(int64_t v) {  // modular (two's complement) narrowing
    return static_cast<S>(static_cast<std::make_unsigned_t<S>>(static_cast<uint64_t>(v)));
  }
};
using I8Tag = IntTag<int8_t, DType::kINT8>;
using U8Tag = IntTag<uint8_t, DType::kUINT8>;
using I32Tag = IntTag<int32_t, DType::kINT32>;
using I64Tag = IntTag<int64_t, DType::kINT64>;
struct BoolTag {
  using S = uint8_t;
  static constexpr bool kFloat = false;
  static constexpr DType kType = DType::kBOOL;
  static int64_t toI(S v) { return v != 0 ? 1 : 0; }
  static S fromI(int64_t v) { return v != 0 ? 1 : 0; }
};

bool isFloatType(DType t);  // float32, float16, bfloat16
// ONNX TensorProto.DataType -> DType, for the types the simulator stores; false for others.
bool onnxToDType(int64_t onnx, DType* out);
bool isIntType(DType t);    // int8, uint8, int32, int64

// Calls f(Tag{}) for the tag of `t`; throws OpError naming `op` for FP8 and unknown values.
template <typename F>
void visitDType(std::string const& op, DType t, F&& f) {
  switch (t) {
    case DType::kFLOAT: f(F32Tag{}); return;
    case DType::kHALF: f(F16Tag{}); return;
    case DType::kBF16: f(BF16Tag{}); return;
    case DType::kINT8: f(I8Tag{}); return;
    case DType::kUINT8: f(U8Tag{}); return;
    case DType::kINT32: f(I32Tag{}); return;
    case DType::kINT64: f(I64Tag{}); return;
    case DType::kBOOL: f(BoolTag{}); return;
    default: break;
  }
  fail(op, std::string("data type ") + dtypeName(t) + " is not supported");
}

// Float -> integer conversion as C/C++ static_cast does on x86-64 (truncation toward zero; NaN and out-of-range
// values give the "integer indefinite" value: INT32_MIN for 8/32-bit targets, INT64_MIN for 64-bit; 8-bit targets
// keep the low byte of the 32-bit conversion). ONNX leaves out-of-range conversions undefined.
template <typename T>
T floatToInt(double v) {
  if constexpr (sizeof(T) == 8) {
    double t = std::trunc(v);
    if (!(t >= -9223372036854775808.0 && t < 9223372036854775808.0)) return std::numeric_limits<int64_t>::min();
    return static_cast<T>(static_cast<int64_t>(t));
  } else {
    double t = std::trunc(v);
    int32_t r = (t >= -2147483648.0 && t <= 2147483647.0) ? static_cast<int32_t>(t) : INT32_MIN;
    return static_cast<T>(static_cast<std::make_unsigned_t<T>>(static_cast<uint32_t>(r)));
  }
}

// Integer arithmetic that wraps (two's complement) instead of overflowing.
template <typename T>
T wrapAdd(T a, T b) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(static_cast<U>(a) + static_cast<U>(b)));
}
template <typename T>
T wrapSub(T a, T b) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(static_cast<U>(a) - static_cast<U>(b)));
}
template <typename T>
T wrapMul(T a, T b) {
  using U = std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned, std::make_unsigned_t<T>>;
  return static_cast<T>(static_cast<std::make_unsigned_t<T>>(static_cast<U>(a) * static_cast<U>(b)));
}
template <typename T>
T wrapNeg(T a) {
  return wrapSub<T>(T(0), a);
}

// Float view of a float-typed tensor: float32 data directly, float16/bfloat16 converted into `buf`.
float const* floatInput(HostTensor const& t, std::vector<float>& buf);
// Where to write float results for a float-typed output: the tensor itself for float32, else `buf` (then call
// storeFloatOutput to round into the tensor).
float* floatOutput(HostTensor const& t, std::vector<float>& buf);
void storeFloatOutput(HostTensor const& t, std::vector<float> const& buf);

// ---------------------------------------------------------------------------------------------------------------
// Constant data

// Validated byte view of constData (size must be volume * dtypeSize); nullptr when absent.
uint8_t const* constBytes(std::string const& op, TensorInfo const& info);
// Integer (int32/int64) constant input as int64 values. Throws "<op>: the <what> input must be a constant ..." when
// constData is absent and names the type when not integer.
std::vector<int64_t> constInts(std::string const& op, char const* what, TensorInfo const& info);
TensorInfo int64Constant(std::vector<int64_t> const& values, Shape shape);
// The values of an int32/int64 tensor when a kernel runs (ranges and sizes that were computed, or constants).
std::vector<int64_t> hostInts(HostTensor const& t);

int64_t checkedVolume(std::string const& op, Shape const& shape);  // volume of a concrete shape, throws if -1

// ---------------------------------------------------------------------------------------------------------------
// Base class of all ops

class OpBase : public Op {
 public:
  OpBase(std::string name, int minIn, int maxIn, int numOut = 1)
      : name_(std::move(name)), minIn_(minIn), maxIn_(maxIn), numOut_(numOut) {}

  // Checks the input count, runs infer(), then constant-folds when every input is constant (see foldPolicy).
  std::vector<TensorInfo> inferOutputs(std::vector<TensorInfo> const& inputs) const final;
  // Checks input/output counts and buffers, then runs run().
  void compute(std::vector<HostTensor> const& inputs, std::vector<HostTensor> const& outputs) const final;

  int minInputs() const override { return minIn_; }
  int maxInputs() const override { return maxIn_; }
  int numOutputs() const override { return numOut_; }
  std::string const& name() const { return name_; }

 protected:
  enum class Fold {
    kNever,    // heavy ops: never folded at build time
    kCompute,  // folded by running compute() when all inputs are constant and the tensors are small
    kView,     // output bytes equal input 0's bytes (Identity, Reshape, ...): constData is shared, any size
  };
  virtual Fold foldPolicy() const { return Fold::kCompute; }
  virtual std::vector<TensorInfo> infer(std::vector<TensorInfo> const& inputs) const = 0;
  virtual void run(std::vector<HostTensor> const& inputs, std::vector<HostTensor> const& outputs) const = 0;

  [[noreturn]] void fail(std::string const& message) const { ops::fail(name_, message); }
  void requireType(TensorInfo const& t, char const* what, std::initializer_list<DType> allowed) const;
  void requireSameType(TensorInfo const& a, TensorInfo const& b, char const* whatA, char const* whatB) const;
  void expectShape(HostTensor const& out, Shape const& expected, char const* what = "output") const;

  std::string name_;
  int minIn_;
  int maxIn_;
  int numOut_;
};

// Constant folding limits (elements): outputs at most this large, inputs at most kFoldMaxInputElements.
constexpr int64_t kFoldMaxOutputElements = 1 << 16;
constexpr int64_t kFoldMaxInputElements = 1 << 20;

// Factories of the op families (registry.cc maps op types to them).
std::unique_ptr<Op> makeElementwiseOp(std::string const& type, Attributes const& attrs, int64_t opset);
std::unique_ptr<Op> makeActivationOp(std::string const& type, Attributes const& attrs, int64_t opset);
std::unique_ptr<Op> makeSoftmaxOp(std::string const& type, Attributes const& attrs, int64_t opset);
std::unique_ptr<Op> makeMatMulOp(std::string const& type, Attributes const& attrs, int64_t opset);
std::unique_ptr<Op> makeGemmOp(std::string const& type, Attributes const& attrs, int64_t opset);
std::unique_ptr<Op> makeGatherOp(std::string const& type, Attributes const& attrs, int64_t opset);
std::unique_ptr<Op> makeReduceOp(std::string const& type, Attributes const& attrs, int64_t opset);
std::unique_ptr<Op> makeLayerNormOp(std::string const& type, Attributes const& attrs, int64_t opset);
std::unique_ptr<Op> makeCastOp(std::string const& type, Attributes const& attrs, int64_t opset);
std::unique_ptr<Op> makeShapeOp(std::string const& type, Attributes const& attrs, int64_t opset);
std::unique_ptr<Op> makeNonMaxSuppressionOp(std::string const& type, Attributes const& attrs, int64_t opset);
std::unique_ptr<Op> makeNonZeroOp(std::string const& type, Attributes const& attrs, int64_t opset);
std::unique_ptr<Op> makeClipOp(std::string const& type, Attributes const& attrs, int64_t opset);
std::unique_ptr<Op> makeSliceOp(std::string const& type, Attributes const& attrs, int64_t opset);
std::unique_ptr<Op> makeExpandOp(std::string const& type, Attributes const& attrs, int64_t opset);
std::unique_ptr<Op> makeRangeOp(std::string const& type, Attributes const& attrs, int64_t opset);
std::unique_ptr<Op> makeConvOp(std::string const& type, Attributes const& attrs, int64_t opset);
std::unique_ptr<Op> makeConvTransposeOp(std::string const& type, Attributes const& attrs, int64_t opset);
std::unique_ptr<Op> makePoolOp(std::string const& type, Attributes const& attrs, int64_t opset);
std::unique_ptr<Op> makeBatchNormOp(std::string const& type, Attributes const& attrs, int64_t opset);
std::unique_ptr<Op> makePadOp(std::string const& type, Attributes const& attrs, int64_t opset);
std::unique_ptr<Op> makeVariadicOp(std::string const& type, Attributes const& attrs, int64_t opset);
std::unique_ptr<Op> makeConstantOfShapeOp(std::string const& type, Attributes const& attrs, int64_t opset);
std::unique_ptr<Op> makeDropoutOp(std::string const& type, Attributes const& attrs, int64_t opset);
std::unique_ptr<Op> makeTriluOp(std::string const& type, Attributes const& attrs, int64_t opset);
std::unique_ptr<Op> makeCumSumOp(std::string const& type, Attributes const& attrs, int64_t opset);
std::unique_ptr<Op> makeTopKOp(std::string const& type, Attributes const& attrs, int64_t opset);
std::unique_ptr<Op> makeGatherElementsOp(std::string const& type, Attributes const& attrs, int64_t opset);
std::unique_ptr<Op> makeResizeOp(std::string const& type, Attributes const& attrs, int64_t opset);
std::unique_ptr<Op> makeUpsampleOp(std::string const& type, Attributes const& attrs, int64_t opset);
std::unique_ptr<Op> makeScatterOp(std::string const& type, Attributes const& attrs, int64_t opset);
std::unique_ptr<Op> makeDepthSpaceOp(std::string const& type, Attributes const& attrs, int64_t opset);
std::unique_ptr<Op> makeGroupNormOp(std::string const& type, Attributes const& attrs, int64_t opset);
std::unique_ptr<Op> makeEinsumOp(std::string const& type, Attributes const& attrs, int64_t opset);
std::unique_ptr<Op> makeOneHotOp(std::string const& type, Attributes const& attrs, int64_t opset);
std::unique_ptr<Op> makeTileOp(std::string const& type, Attributes const& attrs, int64_t opset);
std::unique_ptr<Op> makeArgExtremeOp(std::string const& type, Attributes const& attrs, int64_t opset);
std::unique_ptr<Op> makeHardmaxOp(std::string const& type, Attributes const& attrs, int64_t opset);
std::unique_ptr<Op> makeGridSampleOp(std::string const& type, Attributes const& attrs, int64_t opset);
std::unique_ptr<Op> makeGatherNDOp(std::string const& type, Attributes const& attrs, int64_t opset);
std::unique_ptr<Op> makeCastLikeOp(std::string const& type, Attributes const& attrs, int64_t opset);
std::unique_ptr<Op> makeEyeLikeOp(std::string const& type, Attributes const& attrs, int64_t opset);
std::unique_ptr<Op> makeLpNormalizationOp(std::string const& type, Attributes const& attrs, int64_t opset);
std::unique_ptr<Op> makeMeanVarianceNormalizationOp(std::string const& type, Attributes const& attrs, int64_t opset);
std::unique_ptr<Op> makeReverseSequenceOp(std::string const& type, Attributes const& attrs, int64_t opset);
std::unique_ptr<Op> makeScanOp(std::string const& type, Attributes const& attrs, int64_t opset);
std::unique_ptr<Op> makeLoopOp(std::string const& type, Attributes const& attrs, int64_t opset);
std::unique_ptr<Op> makeIfOp(std::string const& type, Attributes const& attrs, int64_t opset);
std::unique_ptr<Op> makeRecurrentOp(std::string const& type, Attributes const& attrs, int64_t opset);
std::unique_ptr<Op> makeLrnOp(std::string const& type, Attributes const& attrs, int64_t opset);
std::unique_ptr<Op> makeQuantizeOp(std::string const& type, Attributes const& attrs, int64_t opset);
// Split's output count is the node's: the only factory that needs it.
std::unique_ptr<Op> makeSplitOp(std::string const& type, Attributes const& attrs, int64_t opset, int outputs);

}  // namespace ops
}  // namespace trtsim
