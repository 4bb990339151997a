// The CUDA runtime functions the libnvinfer stand-in calls, as real libnvinfer calls libcudart's. They resolve to
// the simulator's libcudart.
#pragma once

#include <cstddef>

#include "../include/NvInferRuntime.h"

extern "C" {
int cudaMalloc(void** devPtr, size_t size);
int cudaFree(void* devPtr);
int cudaMallocAsync(void** devPtr, size_t size, cudaStream_t stream);
int cudaFreeAsync(void* devPtr, cudaStream_t stream);
int cudaStreamSynchronize(cudaStream_t stream);
int cudaEventRecord(cudaEvent_t event, cudaStream_t stream);
char const* cudaGetErrorString(int error);
}
