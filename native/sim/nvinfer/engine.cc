#include "engine.h"

#include <algorithm>
#include <cstring>

#include "../cudart/sim_cuda.h"
#include "../include/trtsim_control.h"
#include "cudart_calls.h"
#include "io_formats.h"
#include "lib_state.h"
#include "shapes.h"

namespace trtsim {

EngineImpl::EngineImpl(std::shared_ptr<PlanContents const> plan, void* weights, std::vector<int64_t> constOffsets,
                       nvinfer1::ILogger* logger, nvinfer1::IErrorRecorder* recorder, Children::Token runtime)
    : mPlan(std::move(plan)), mWeights(weights), mConstOffsets(std::move(constOffsets)), mLogger(logger),
      mRecorder(recorder), mRuntime(std::move(runtime)) {
  mIo = graph().inputs;
  mIo.insert(mIo.end(), graph().outputs.begin(), graph().outputs.end());
  for (int idx : mIo) mFormatDescs[idx] = formatDescription(graph().tensors[idx].format, graph().tensors[idx].type);
  size_t profiles = std::max<size_t>(mPlan->profiles.size(), 1);
  mKernelLoads = std::make_unique<std::once_flag[]>(profiles * graph().nodes.size());
  if (!cuda::lazyModuleLoading()) {
    for (size_t p = 0; p < profiles; ++p) {
      for (size_t n = 0; n < graph().nodes.size(); ++n) loadKernel(static_cast<int32_t>(p), n);
    }
  }
  inferCounters().engines++;
}

void EngineImpl::loadKernel(int32_t profile, size_t node) const {
  std::call_once(mKernelLoads[static_cast<size_t>(profile) * graph().nodes.size() + node], cuda::loadKernelModule);
}

EngineImpl::~EngineImpl() noexcept {
  mContexts.parentDestroyed();  // TensorRT requires contexts to be destroyed first
  if (mWeights) cudaFree(mWeights);  // waits for device work, as cudaFree does
  inferCounters().engines--;
}

int EngineImpl::ioTensor(char const* name) const {
  if (!name) return -1;
  for (int idx : mIo) {
    if (graph().tensors[idx].name == name) return idx;
  }
  return -1;
}

int32_t EngineImpl::getNbIOTensors() const noexcept { return static_cast<int32_t>(mIo.size()); }

char const* EngineImpl::getIOTensorName(int32_t index) const noexcept {
  if (index < 0 || index >= getNbIOTensors()) return nullptr;
  return graph().tensors[mIo[index]].name.c_str();
}

nvinfer1::TensorIOMode EngineImpl::getTensorIOMode(char const* name) const noexcept {
  int idx = ioTensor(name);
  if (idx < 0) return nvinfer1::TensorIOMode::kNONE;
  return isInput(idx) ? nvinfer1::TensorIOMode::kINPUT : nvinfer1::TensorIOMode::kOUTPUT;
}

nvinfer1::DataType EngineImpl::getTensorDataType(char const* name) const noexcept {
  int idx = ioTensor(name);
  if (idx < 0) return nvinfer1::DataType::kFLOAT;
  return static_cast<nvinfer1::DataType>(graph().tensors[idx].type);
}

nvinfer1::Dims EngineImpl::getTensorShape(char const* name) const noexcept {
  int idx = ioTensor(name);
  if (idx < 0) return invalidDims();
  return toDims(graph().tensors[idx].shape);
}

nvinfer1::TensorLocation EngineImpl::getTensorLocation(char const* name) const noexcept {
  int idx = ioTensor(name);
  return idx >= 0 && (isShapeInput(idx) || isShapeOutput(idx)) ? nvinfer1::TensorLocation::kHOST
                                                                : nvinfer1::TensorLocation::kDEVICE;
}

bool EngineImpl::isShapeInferenceIO(char const* name) const noexcept {
  int idx = ioTensor(name);
  return idx >= 0 && (isShapeInput(idx) || isShapeOutput(idx));
}

nvinfer1::TensorFormat EngineImpl::getTensorFormat(char const* name) const noexcept {
  int idx = ioTensor(name);
  return static_cast<nvinfer1::TensorFormat>(idx < 0 ? 0 : graph().tensors[idx].format);
}

// One format per tensor for every profile, as the builder chooses one.
nvinfer1::TensorFormat EngineImpl::getTensorFormat(char const* name, int32_t) const noexcept {
  return getTensorFormat(name);
}

char const* EngineImpl::getTensorFormatDesc(char const* name) const noexcept {
  int idx = ioTensor(name);
  if (idx < 0) return nullptr;
  return mFormatDescs.at(idx).c_str();
}

// The three queries below answer -1 for a tensor that is not vectorized (one scalar per vector: kLINEAR, kHWC,
// kDHWC), as the header documents.
int32_t EngineImpl::getTensorBytesPerComponent(char const* name) const noexcept {
  int idx = ioTensor(name);
  if (idx < 0 || ioLayout(graph().tensors[idx]).components == 1) return -1;
  return static_cast<int32_t>(dtypeSize(graph().tensors[idx].type));
}

int32_t EngineImpl::getTensorComponentsPerElement(char const* name) const noexcept {
  int idx = ioTensor(name);
  if (idx < 0 || ioLayout(graph().tensors[idx]).components == 1) return -1;
  return static_cast<int32_t>(ioLayout(graph().tensors[idx]).components);
}

int32_t EngineImpl::getTensorVectorizedDim(char const* name) const noexcept {
  int idx = ioTensor(name);
  if (idx < 0 || ioLayout(graph().tensors[idx]).components == 1) return -1;
  return ioLayout(graph().tensors[idx]).vectorDim;
}

int32_t EngineImpl::getNbOptimizationProfiles() const noexcept {
  return static_cast<int32_t>(mPlan->profiles.size());
}

nvinfer1::Dims EngineImpl::getProfileShape(char const* name, int32_t profileIndex,
                                           nvinfer1::OptProfileSelector select) const noexcept {
  int idx = ioTensor(name);
  int s = static_cast<int>(select);
  if (idx < 0 || !isInput(idx) || profileIndex < 0 || profileIndex >= getNbOptimizationProfiles() || s < 0 || s > 2) {
    return invalidDims();
  }
  auto const& shapes = mPlan->profiles[profileIndex].shapes;
  auto it = shapes.find(idx);
  // Static inputs have no profile entry; their profile shape is their fixed shape.
  return toDims(it == shapes.end() ? graph().tensors[idx].shape : it->second[s]);
}

int64_t const* EngineImpl::getProfileTensorValuesV2(char const* name, int32_t profileIndex,
                                                    nvinfer1::OptProfileSelector select) const noexcept {
  int idx = ioTensor(name);
  int s = static_cast<int>(select);
  if (idx < 0 || profileIndex < 0 || profileIndex >= getNbOptimizationProfiles() || s < 0 || s > 2) return nullptr;
  auto const& values = mPlan->profiles[profileIndex].values;
  auto it = values.find(idx);
  return it == values.end() ? nullptr : it->second[s].data();
}

int64_t EngineImpl::getDeviceMemorySizeV2() const noexcept {
  int64_t most = 0;
  for (int64_t m : mPlan->deviceMemoryPerProfile) most = std::max(most, m);
  return most;
}

int64_t EngineImpl::getDeviceMemorySizeForProfileV2(int32_t profileIndex) const noexcept {
  if (profileIndex < 0 || profileIndex >= static_cast<int32_t>(mPlan->deviceMemoryPerProfile.size())) return 0;
  return mPlan->deviceMemoryPerProfile[profileIndex];
}

nvinfer1::IExecutionContext* EngineImpl::createExecutionContext(
    nvinfer1::ExecutionContextAllocationStrategy strategy) noexcept {
  holdCaller(trtsim_context_create_delay());
  return createContext(*this, strategy);
}

nvinfer1::IHostMemory* EngineImpl::serialize() const noexcept {
  int major = 0, minor = 0;
  cuda::deviceComputeCapability(&major, &minor);
  return new HostMemoryImpl(writePlan(*mPlan, major, minor));
}

char const* EngineImpl::getName() const noexcept { return graph().name.c_str(); }
int32_t EngineImpl::getNbLayers() const noexcept { return static_cast<int32_t>(graph().nodes.size()); }
nvinfer1::EngineCapability EngineImpl::getEngineCapability() const noexcept {
  return nvinfer1::EngineCapability::kSTANDARD;
}
nvinfer1::HardwareCompatibilityLevel EngineImpl::getHardwareCompatibilityLevel() const noexcept {
  return static_cast<nvinfer1::HardwareCompatibilityLevel>(mPlan->hardwareCompatibilityLevel);
}
bool EngineImpl::isRefittable() const noexcept { return false; }
void EngineImpl::setErrorRecorder(nvinfer1::IErrorRecorder* recorder) noexcept { mRecorder.set(recorder); }
nvinfer1::IErrorRecorder* EngineImpl::getErrorRecorder() const noexcept { return mRecorder.get(); }

}  // namespace trtsim
