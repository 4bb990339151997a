// FP8 E4M3 (ONNX FLOAT8E4M3FN, TensorRT's DataType::kFP8): 1 sign, 4 exponent (bias 7) and 3 mantissa bits, no
// infinities, NaN as S.1111.111, largest finite 448. Conversion from float rounds to nearest even and, as
// TensorRT's quantize layer clamps, saturates to ±448; NaN stays NaN.
#pragma once

#include <cmath>
#include <cstdint>

namespace trtsim {

inline uint8_t floatToFp8(float f) {
  uint8_t const sign = std::signbit(f) ? 0x80 : 0x00;
  if (std::isnan(f)) return sign | 0x7F;
  double a = std::fmin(std::fabs(static_cast<double>(f)), 448.0);
  if (a < 0.015625) {  // below the smallest normal 2^-6: subnormal steps of 2^-9 (8 steps reach the normal 0x08)
    return sign | static_cast<uint8_t>(std::nearbyint(a * 512.0));
  }
  int e2 = 0;
  double m = std::frexp(a, &e2);  // a = m * 2^e2, m in [0.5, 1)
  int exponent = e2 - 1;           // a = (2m) * 2^exponent
  int mantissa = static_cast<int>(std::nearbyint((2.0 * m - 1.0) * 8.0));
  if (mantissa == 8) {
    mantissa = 0;
    ++exponent;
  }
  return sign | static_cast<uint8_t>(((exponent + 7) << 3) | mantissa);
}

inline float fp8ToFloat(uint8_t b) {
  bool const negative = (b & 0x80) != 0;
  int const exponent = (b >> 3) & 0xF;
  int const mantissa = b & 0x7;
  float v;
  if (exponent == 0xF && mantissa == 0x7) {
    v = NAN;
  } else if (exponent == 0) {
    v = std::ldexp(static_cast<float>(mantissa), -9);
  } else {
    v = std::ldexp(1.0f + static_cast<float>(mantissa) / 8.0f, exponent - 7);
  }
  return negative ? -v : v;
}

}  // namespace trtsim
