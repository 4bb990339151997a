// Reduced precision as the simulator models it: float32 values rounded to fp16 or bf16, or fake-quantized to int8.
#pragma once

#include <cstddef>

#include "plan.h"

namespace trtsim {

// Rewrites `values` in place. For kINT8, `scale` is the tensor's scale (0: per-tensor symmetric from the data).
void reducePrecision(Precision precision, float* values, size_t count, float scale);

}  // namespace trtsim
