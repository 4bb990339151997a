// IEEE 754 binary16 (float16) and bfloat16 conversions, shared by the simulator's ops and the rest of the simulator.
// float -> half/bfloat16 rounds to nearest, ties to even; overflow goes to infinity; NaN stays NaN (quieted).
// half/bfloat16 -> float is exact.
#pragma once

#include <cstdint>
#include <cstring>

namespace trtsim {

inline uint32_t floatBits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

inline float bitsToFloat(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

inline uint16_t floatToHalf(float f) {
  uint32_t x = floatBits(f);
  uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
  uint32_t ax = x & 0x7FFFFFFFu;
  if (ax >= 0x7F800000u) {  // inf or NaN
    if (ax > 0x7F800000u) return static_cast<uint16_t>(sign | 0x7E00u | ((ax >> 13) & 0x3FFu));
    return static_cast<uint16_t>(sign | 0x7C00u);
  }
  if (ax >= 0x477FF000u) return static_cast<uint16_t>(sign | 0x7C00u);  // >= 65520 rounds to infinity
  if (ax < 0x38800000u) {
    // Below the smallest normal half (2^-14): the result is a subnormal (or zero, or rounds up to 2^-14). Adding 0.5
    // puts the value where one float ulp is 2^-24, the half subnormal step, so the FPU does the RNE rounding.
    float a = bitsToFloat(ax) + 0.5f;
    return static_cast<uint16_t>(sign | static_cast<uint16_t>(floatBits(a) - 0x3F000000u));
  }
  uint32_t odd = (ax >> 13) & 1u;
  ax += 0xC8000FFFu + odd;  // rebias the exponent (-112 << 23) and round the 13 dropped bits to nearest even
  return static_cast<uint16_t>(sign | static_cast<uint16_t>(ax >> 13));
}

inline float halfToFloat(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1Fu;
  uint32_t mant = h & 0x3FFu;
  if (exp == 0) {
    float mag = static_cast<float>(mant) * (1.0f / 16777216.0f);  // mant * 2^-24, exact
    return bitsToFloat(floatBits(mag) | sign);
  }
  if (exp == 31) return bitsToFloat(sign | 0x7F800000u | (mant << 13));
  return bitsToFloat(sign | ((exp + 112u) << 23) | (mant << 13));
}

inline uint16_t floatToBf16(float f) {
  uint32_t x = floatBits(f);
  if ((x & 0x7FFFFFFFu) > 0x7F800000u) return static_cast<uint16_t>((x >> 16) | 0x0040u);  // quiet NaN
  uint32_t lsb = (x >> 16) & 1u;
  x += 0x7FFFu + lsb;  // round to nearest even; overflow carries into the exponent and yields infinity
  return static_cast<uint16_t>(x >> 16);
}

inline float bf16ToFloat(uint16_t b) { return bitsToFloat(static_cast<uint32_t>(b) << 16); }

}  // namespace trtsim
