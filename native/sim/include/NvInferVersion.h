// tensorrt-node simulator: version macros of the simulated TensorRT (the stand-in for the SDK header of this name).
// The simulator imitates TensorRT 10.16.1; plans it writes carry this version and its runtime rejects others.
#pragma once

#define TRTSIM_HEADER 1  // lets build-info tell the simulator's header from NVIDIA's

#define NV_TENSORRT_MAJOR 10
#define NV_TENSORRT_MINOR 16
#define NV_TENSORRT_PATCH 1
#define NV_TENSORRT_BUILD 11

#define NV_TENSORRT_LWS_MAJOR 0
#define NV_TENSORRT_LWS_MINOR 0
#define NV_TENSORRT_LWS_PATCH 0

#define NV_TENSORRT_RELEASE_TYPE 2  // general availability

#define NV_TENSORRT_VERSION_INT(major, minor, patch) ((major) * 10000L + (minor) * 100L + (patch) * 1L)
#define NV_TENSORRT_VERSION NV_TENSORRT_VERSION_INT(NV_TENSORRT_MAJOR, NV_TENSORRT_MINOR, NV_TENSORRT_PATCH)
