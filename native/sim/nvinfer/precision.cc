#include "precision.h"

#include <algorithm>
#include <cmath>

#include "ops/half.h"

namespace trtsim {

void reducePrecision(Precision precision, float* values, size_t count, float scale) {
  switch (precision) {
    case Precision::kFP32:
      return;
    case Precision::kFP16:
      for (size_t i = 0; i < count; ++i) values[i] = halfToFloat(floatToHalf(values[i]));
      return;
    case Precision::kBF16:
      for (size_t i = 0; i < count; ++i) values[i] = bf16ToFloat(floatToBf16(values[i]));
      return;
    case Precision::kINT8: {
      if (scale <= 0) {
        float most = 0;
        for (size_t i = 0; i < count; ++i) most = std::max(most, std::fabs(values[i]));
        scale = most > 0 ? most / 127.f : 1.f;
      }
      for (size_t i = 0; i < count; ++i) {
        float q = std::nearbyint(values[i] / scale);
        values[i] = std::clamp(q, -127.f, 127.f) * scale;
      }
      return;
    }
  }
}

}  // namespace trtsim
