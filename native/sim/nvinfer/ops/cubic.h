// Cubic convolution weights (Keys), shared by Resize and GridSample.
#pragma once

#include <array>

namespace trtsim {
namespace ops {

// The four weights of a cubic sample at distance `t` (0 <= t < 1) past the second tap, for taps at -1, 0, 1 and 2,
// with coefficient `a` (-0.75 in TensorRT's layers unless set). In float, as onnxruntime's and TensorRT's kernels
// compute them (the formula of IResizeLayer::setCubicCoeff).
inline std::array<float, 4> cubicWeights(float t, float a) {
  auto near = [a](float x) { return ((a + 2) * x - (a + 3)) * x * x + 1; };       // |x| <= 1
  auto far = [a](float x) { return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a; };  // 1 < |x| < 2
  return {far(t + 1), near(t), near(1 - t), far(2 - t)};
}

}  // namespace ops
}  // namespace trtsim
