// MatMul (numpy semantics: 1-D promotion, batch broadcasting) and Gemm.
// Float products are accumulated in double (one rounding per output element); integer products wrap.
#include "common.h"

namespace trtsim {
namespace ops {
namespace {

// C[M,N] = A[M,K] * B[K,N], all row-major, i-k-j order (B and C rows are streamed contiguously).
void matmulF(float const* a, float const* b, float* c, int64_t M, int64_t N, int64_t K, std::vector<double>& acc) {
  acc.resize(static_cast<size_t>(N));
  for (int64_t i = 0; i < M; ++i) {
    std::fill(acc.begin(), acc.end(), 0.0);
    double* ap = acc.data();
    float const* arow = a + i * K;
    for (int64_t k = 0; k < K; ++k) {
      double av = arow[k];
      float const* brow = b + k * N;
      for (int64_t j = 0; j < N; ++j) ap[j] += av * static_cast<double>(brow[j]);
    }
    float* crow = c + i * N;
    for (int64_t j = 0; j < N; ++j) crow[j] = static_cast<float>(ap[j]);
  }
}

template <typename T>
void matmulI(T const* a, T const* b, T* c, int64_t M, int64_t N, int64_t K, std::vector<uint64_t>& acc) {
  acc.resize(static_cast<size_t>(N));
  for (int64_t i = 0; i < M; ++i) {
    std::fill(acc.begin(), acc.end(), 0);
    uint64_t* ap = acc.data();
    T const* arow = a + i * K;
    for (int64_t k = 0; k < K; ++k) {
      uint64_t av = static_cast<uint64_t>(static_cast<int64_t>(arow[k]));
      T const* brow = b + k * N;
      for (int64_t j = 0; j < N; ++j) ap[j] += av * static_cast<uint64_t>(static_cast<int64_t>(brow[j]));
    }
    T* crow = c + i * N;
    for (int64_t j = 0; j < N; ++j) crow[j] = static_cast<T>(static_cast<std::make_unsigned_t<T>>(ap[j]));
  }
}

struct MatMulDims {
  Shape batchA, batchB, batch;  // batch dims of A, B and the broadcast result
  int64_t M = 1, N = 1, K = 1;
  Shape out;
};

class MatMulOp : public OpBase {
 public:
  MatMulOp() : OpBase("MatMul", 2, 2) {}

  double flops(std::vector<HostTensor> const& in, std::vector<HostTensor> const&) const override {
    MatMulDims d = dims(in[0].shape, in[1].shape);
    return 2.0 * static_cast<double>(d.M) * static_cast<double>(d.N) * static_cast<double>(d.K) *
           static_cast<double>(shapeVolume(d.batch));
  }

 protected:
  Fold foldPolicy() const override { return Fold::kNever; }

  MatMulDims dims(Shape const& a, Shape const& b) const {
    if (a.empty()) fail("input A must have rank >= 1, got a scalar");
    if (b.empty()) fail("input B must have rank >= 1, got a scalar");
    MatMulDims d;
    int64_t ka = a.back();
    int64_t kb = b.size() == 1 ? b[0] : b[b.size() - 2];
    if (ka >= 0 && kb >= 0 && ka != kb) {
      fail("inner dimensions " + std::to_string(ka) + " and " + std::to_string(kb) + " differ (A " + shapeToString(a) +
           ", B " + shapeToString(b) + ")");
    }
    d.K = ka >= 0 ? ka : kb;
    d.M = a.size() == 1 ? 1 : a[a.size() - 2];
    d.N = b.size() == 1 ? 1 : b.back();
    if (a.size() > 2) d.batchA.assign(a.begin(), a.end() - 2);
    if (b.size() > 2) d.batchB.assign(b.begin(), b.end() - 2);
    try {
      d.batch = broadcastShapes(name_, {d.batchA, d.batchB});
    } catch (OpError const&) {
      fail("cannot broadcast batch dimensions " + shapeToString(d.batchA) + " of A " + shapeToString(a) + " with " +
           shapeToString(d.batchB) + " of B " + shapeToString(b));
    }
    d.out = d.batch;
    if (a.size() != 1) d.out.push_back(d.M);
    if (b.size() != 1) d.out.push_back(d.N);
    return d;
  }

  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    requireType(in[0], "input A", {DType::kFLOAT, DType::kHALF, DType::kBF16, DType::kINT32, DType::kINT64});
    requireSameType(in[0], in[1], "input A", "input B");
    return {TensorInfo{in[0].type, dims(in[0].shape, in[1].shape).out, nullptr}};
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    MatMulDims d = dims(in[0].shape, in[1].shape);
    expectShape(out[0], d.out);
    if (shapeVolume(d.out) == 0) return;
    // Iterate the batch with operands (C, A, B) in units of whole matrices.
    StridedPlan plan = makeBroadcastPlan(d.batch, {d.batchA, d.batchB});
    int64_t const sa = d.M * d.K, sb = d.K * d.N, sc = d.M * d.N;
    DType t = in[0].type;
    if (isFloatType(t)) {
      std::vector<float> abuf, bbuf, cbuf;
      std::vector<double> acc;
      float const* a = floatInput(in[0], abuf);
      float const* b = floatInput(in[1], bbuf);
      float* c = floatOutput(out[0], cbuf);
      forEachRow(plan, [&](int64_t const* off, int64_t n, int64_t const* s) {
        for (int64_t j = 0; j < n; ++j) {
          matmulF(a + (off[1] + j * s[1]) * sa, b + (off[2] + j * s[2]) * sb, c + (off[0] + j * s[0]) * sc, d.M, d.N,
                  d.K, acc);
        }
      });
      storeFloatOutput(out[0], cbuf);
      return;
    }
    std::vector<uint64_t> acc;
    auto go = [&](auto* tp) {
      using T = std::remove_pointer_t<decltype(tp)>;
      auto a = static_cast<T const*>(in[0].data);
      auto b = static_cast<T const*>(in[1].data);
      auto c = static_cast<T*>(out[0].data);
      forEachRow(plan, [&](int64_t const* off, int64_t n, int64_t const* s) {
        for (int64_t j = 0; j < n; ++j) {
          matmulI<T>(a + (off[1] + j * s[1]) * sa, b + (off[2] + j * s[2]) * sb, c + (off[0] + j * s[0]) * sc, d.M,
                     d.N, d.K, acc);
        }
      });
    };
    if (t == DType::kINT32) go(static_cast<int32_t*>(nullptr));
    else go(static_cast<int64_t*>(nullptr));
  }
};

class GemmOp : public OpBase {
 public:
  GemmOp(float alpha, float beta, bool transA, bool transB)
      : OpBase("Gemm", 2, 3), alpha_(alpha), beta_(beta), transA_(transA), transB_(transB) {}

  double flops(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    Shape const& a = in[0].shape;
    if (a.size() != 2 || out.empty()) return Op::flops(in, out);
    double K = static_cast<double>(transA_ ? a[0] : a[1]);
    double mn = static_cast<double>(shapeVolume(out[0].shape));
    return 2.0 * mn * K + (in.size() > 2 ? 2.0 * mn : 0.0);
  }

 protected:
  Fold foldPolicy() const override { return Fold::kNever; }

  Shape outShape(Shape const& a, Shape const& b, Shape const* c) const {
    if (a.size() != 2) fail("input A must have rank 2, got " + shapeToString(a));
    if (b.size() != 2) fail("input B must have rank 2, got " + shapeToString(b));
    int64_t M = transA_ ? a[1] : a[0];
    int64_t ka = transA_ ? a[0] : a[1];
    int64_t kb = transB_ ? b[1] : b[0];
    int64_t N = transB_ ? b[0] : b[1];
    if (ka >= 0 && kb >= 0 && ka != kb) {
      fail("inner dimensions " + std::to_string(ka) + " and " + std::to_string(kb) + " differ (A " + shapeToString(a) +
           (transA_ ? " transposed" : "") + ", B " + shapeToString(b) + (transB_ ? " transposed" : "") + ")");
    }
    Shape y = {M, N};
    if (c) {
      // C must be unidirectionally broadcastable to [M, N].
      if (c->size() > 2) fail("input C must have rank <= 2, got " + shapeToString(*c));
      for (size_t i = 0; i < c->size(); ++i) {
        int64_t cd = (*c)[i];
        int64_t yd = y[2 - c->size() + i];
        if (cd >= 0 && cd != 1 && yd >= 0 && cd != yd) {
          fail("input C of shape " + shapeToString(*c) + " cannot be broadcast to the output shape " + shapeToString(y));
        }
      }
    }
    return y;
  }

  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    requireType(in[0], "input A", {DType::kFLOAT, DType::kHALF, DType::kBF16});
    requireSameType(in[0], in[1], "input A", "input B");
    if (in.size() > 2) requireSameType(in[0], in[2], "input A", "input C");
    return {TensorInfo{in[0].type, outShape(in[0].shape, in[1].shape, in.size() > 2 ? &in[2].shape : nullptr), nullptr}};
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    Shape y = outShape(in[0].shape, in[1].shape, in.size() > 2 ? &in[2].shape : nullptr);
    expectShape(out[0], y);
    int64_t M = y[0], N = y[1];
    int64_t K = transA_ ? in[0].shape[0] : in[0].shape[1];
    if (M == 0 || N == 0) return;
    std::vector<float> abuf, bbuf, cbuf, ybuf, bt;
    float const* a = floatInput(in[0], abuf);
    float const* b = floatInput(in[1], bbuf);
    float* o = floatOutput(out[0], ybuf);
    if (transB_) {  // B is [N, K]: transpose once so rows of B' stream contiguously
      bt.resize(static_cast<size_t>(K * N));
      for (int64_t n = 0; n < N; ++n)
        for (int64_t k = 0; k < K; ++k) bt[static_cast<size_t>(k * N + n)] = b[n * K + k];
      b = bt.data();
    }
    float const* c = nullptr;
    int64_t csr = 0, csc = 0;  // C strides over the output rows / columns (0 when broadcast)
    if (in.size() > 2 && beta_ != 0.f) {
      c = floatInput(in[2], cbuf);
      Shape const& cs = in[2].shape;
      if (cs.size() == 2) {
        csr = cs[0] == 1 ? 0 : cs[1];
        csc = cs[1] == 1 ? 0 : 1;
      } else if (cs.size() == 1) {
        csc = cs[0] == 1 ? 0 : 1;
      }
    }
    std::vector<double> acc(static_cast<size_t>(N));
    double const alpha = alpha_, beta = beta_;
    for (int64_t i = 0; i < M; ++i) {
      std::fill(acc.begin(), acc.end(), 0.0);
      for (int64_t k = 0; k < K; ++k) {
        double av = transA_ ? a[k * M + i] : a[i * K + k];
        float const* brow = b + k * N;
        for (int64_t j = 0; j < N; ++j) acc[static_cast<size_t>(j)] += av * static_cast<double>(brow[j]);
      }
      float* orow = o + i * N;
      if (c) {
        float const* crow = c + i * csr;
        for (int64_t j = 0; j < N; ++j) {
          orow[j] = static_cast<float>(alpha * acc[static_cast<size_t>(j)] + beta * static_cast<double>(crow[j * csc]));
        }
      } else {
        for (int64_t j = 0; j < N; ++j) orow[j] = static_cast<float>(alpha * acc[static_cast<size_t>(j)]);
      }
    }
    storeFloatOutput(out[0], ybuf);
  }

 private:
  float alpha_, beta_;
  bool transA_, transB_;
};

}  // namespace

std::unique_ptr<Op> makeMatMulOp(std::string const& type, Attributes const& attrs, int64_t /*opset*/) {
  checkAttributes(type, attrs, {});
  return std::make_unique<MatMulOp>();
}

std::unique_ptr<Op> makeGemmOp(std::string const& type, Attributes const& attrs, int64_t /*opset*/) {
  checkAttributes(type, attrs, {"alpha", "beta", "transA", "transB"});
  // Any non-zero value transposes: TensorRT's parser reads these as bools, and onnxruntime tests them for non-zero.
  bool ta = attrs.getInt("transA", 0) != 0, tb = attrs.getInt("transB", 0) != 0;
  return std::make_unique<GemmOp>(attrs.getFloat("alpha", 1.f), attrs.getFloat("beta", 1.f), ta, tb);
}

}  // namespace ops
}  // namespace trtsim
