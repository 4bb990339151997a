// CUDA's current device is a property of the host thread, and streams, memory and TensorRT objects belong to the
// device current when they were made: a kernel launched into another device's stream fails, and one that touches
// another device's memory faults. Every native entry point that makes CUDA or TensorRT calls for a runtime (on the
// JS thread, a worker, a context's launcher or the reaper) therefore opens a DeviceScope for the runtime's device.
#pragma once

#include "../backend/cuda_api.h"

namespace trtn {

class DeviceScope {
 public:
  // Makes `device` current on this thread until the scope ends, then restores the previous device: another library
  // on the same thread (onnxruntime's CUDA provider, say) keeps its own. Costs one cudaGetDevice when nothing
  // changes. A failure to switch is left to the calls that follow, which then report it.
  DeviceScope(CudaApi const& cuda, int device) : mCuda(cuda) {
    if (mCuda.cudaGetDevice(&mPrevious) == 0 && mPrevious != device && mCuda.cudaSetDevice(device) == 0) {
      mRestore = true;
    }
  }
  ~DeviceScope() {
    if (mRestore) mCuda.cudaSetDevice(mPrevious);
  }
  DeviceScope(DeviceScope const&) = delete;
  DeviceScope& operator=(DeviceScope const&) = delete;

 private:
  CudaApi const& mCuda;
  int mPrevious = 0;
  bool mRestore = false;
};

}  // namespace trtn
