// The CUDA runtime as a table of function pointers resolved with dlsym (see common/cuda_abi.h for why).
#pragma once

#include "../common/cuda_abi.h"

namespace trtn {

namespace cuda = ::trtn::cuda;

struct CudaApi {
#define TRTN_CUDA_MEMBER(name, ret, params) ret(*name) params = nullptr;
  TRTN_CUDA_FUNCTIONS(TRTN_CUDA_MEMBER)
#undef TRTN_CUDA_MEMBER
  // Optional: cudaGetDeviceProperties_v2 (CUDA 12+) or cudaGetDeviceProperties, for the device name only. The
  // struct's layout changes between versions, but `char name[256]` is always its first field.
  int (*getDeviceProperties)(void* prop, int device) = nullptr;
};

}  // namespace trtn
