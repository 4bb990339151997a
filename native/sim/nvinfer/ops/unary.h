// The unary functions of activation.cc, shared with the recurrent ops (LSTM, GRU, RNN), whose gates apply the same
// activations.
#pragma once

namespace trtsim {
namespace ops {

enum class UnKind {
  kRelu, kSigmoid, kTanh, kSqrt, kExp, kLog, kNeg, kAbs, kErf, kGeluNone, kGeluTanh,
  kLeakyRelu, kElu, kHardSigmoid, kHardSwish, kSoftplus,
  kFloor, kCeil, kRound, kReciprocal, kSign, kSin, kCos, kTan, kAsin, kAcos, kAtan, kSinh, kCosh, kAsinh, kAcosh, kAtanh,
  kSelu, kCelu, kSoftsign, kThresholdedRelu, kMish, kShrink,
  kScaledTanh,  // alpha * tanh(beta * x): only a recurrent op's activation (the ScaledTanh op is not modelled)
};

// f(x) in float, transcendental parts in double. alpha and beta are the function's parameters: LeakyRelu's, Elu's,
// Celu's and ThresholdedRelu's alpha, HardSigmoid's and ScaledTanh's alpha and beta, Selu's alpha and gamma (beta),
// Shrink's lambd and bias; the other functions ignore them.
float unaryValue(UnKind k, float x, float alpha, float beta);

}  // namespace ops
}  // namespace trtsim
