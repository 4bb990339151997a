// ICudaEngine of the simulator: an immutable plan plus its weights in (simulated) device memory.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "../include/NvInferRuntime.h"
#include "lib_state.h"
#include "plan.h"
#include "report.h"

namespace trtsim {

class EngineImpl : public nvinfer1::ICudaEngine {
 public:
  // Takes ownership of the decoded plan; `weights` is the device block holding every constant at `constOffsets`.
  EngineImpl(std::shared_ptr<PlanContents const> plan, void* weights, std::vector<int64_t> constOffsets,
             nvinfer1::ILogger* logger, nvinfer1::IErrorRecorder* recorder, Children::Token runtime);
  ~EngineImpl() noexcept override;

  std::shared_ptr<PlanContents const> const& plan() const { return mPlan; }
  Graph const& graph() const { return mPlan->graph; }
  void* weights() const { return mWeights; }
  std::vector<int64_t> const& constOffsets() const { return mConstOffsets; }
  nvinfer1::ILogger* logger() const { return mLogger; }
  Reporter reporter() const { return Reporter(mLogger, mRecorder.get()); }
  // Held by each of its contexts (see Children).
  Children::Token adoptContext() const { return mContexts.adopt(); }
  // Loads the kernel of layer `node` for optimization profile `profile` on its first launch (CUDA lazy loading:
  // TensorRT selects kernels per profile), holding the caller for the load; concurrent first launches wait for one
  // load, as the driver's do. Later calls return at once.
  void loadKernel(int32_t profile, size_t node) const;
  // Index into graph().tensors of an IO tensor name, or -1.
  int ioTensor(char const* name) const;
  bool isInput(int tensor) const { return graph().tensors[tensor].isInput; }
  // An input whose values decide shapes: every profile gives its values, and runs read it from host memory.
  bool isShapeInput(int tensor) const { return mPlan->profiles.front().values.count(tensor) != 0; }
  bool isShapeOutput(int tensor) const { return graph().tensors[tensor].isShapeOutput; }

  int32_t getNbIOTensors() const noexcept override;
  char const* getIOTensorName(int32_t index) const noexcept override;
  nvinfer1::TensorIOMode getTensorIOMode(char const* tensorName) const noexcept override;
  nvinfer1::DataType getTensorDataType(char const* tensorName) const noexcept override;
  nvinfer1::Dims getTensorShape(char const* tensorName) const noexcept override;
  nvinfer1::TensorLocation getTensorLocation(char const* tensorName) const noexcept override;
  bool isShapeInferenceIO(char const* tensorName) const noexcept override;
  nvinfer1::TensorFormat getTensorFormat(char const* tensorName) const noexcept override;
  nvinfer1::TensorFormat getTensorFormat(char const* tensorName, int32_t profileIndex) const noexcept override;
  char const* getTensorFormatDesc(char const* tensorName) const noexcept override;
  int32_t getTensorBytesPerComponent(char const* tensorName) const noexcept override;
  int32_t getTensorComponentsPerElement(char const* tensorName) const noexcept override;
  int32_t getTensorVectorizedDim(char const* tensorName) const noexcept override;
  int32_t getNbOptimizationProfiles() const noexcept override;
  nvinfer1::Dims getProfileShape(char const* tensorName, int32_t profileIndex,
                                 nvinfer1::OptProfileSelector select) const noexcept override;
  int64_t const* getProfileTensorValuesV2(char const* tensorName, int32_t profileIndex,
                                          nvinfer1::OptProfileSelector select) const noexcept override;
  int32_t const* getProfileTensorValues(char const*, int32_t, nvinfer1::OptProfileSelector) const noexcept override {
    return nullptr;  // profiles hold values set with setShapeValuesV2 only
  }
  int64_t getDeviceMemorySizeV2() const noexcept override;
  int64_t getDeviceMemorySizeForProfileV2(int32_t profileIndex) const noexcept override;
  nvinfer1::IExecutionContext* createExecutionContext(
      nvinfer1::ExecutionContextAllocationStrategy strategy) noexcept override;
  nvinfer1::IHostMemory* serialize() const noexcept override;
  char const* getName() const noexcept override;
  int32_t getNbLayers() const noexcept override;
  nvinfer1::EngineCapability getEngineCapability() const noexcept override;
  nvinfer1::HardwareCompatibilityLevel getHardwareCompatibilityLevel() const noexcept override;
  bool isRefittable() const noexcept override;
  void setErrorRecorder(nvinfer1::IErrorRecorder* recorder) noexcept override;
  nvinfer1::IErrorRecorder* getErrorRecorder() const noexcept override;

 private:
  std::shared_ptr<PlanContents const> mPlan;
  std::vector<int> mIo;  // tensor indices: inputs, then outputs
  std::map<int, std::string> mFormatDescs;  // per IO tensor, getTensorFormatDesc's text
  void* mWeights;
  std::vector<int64_t> mConstOffsets;
  nvinfer1::ILogger* mLogger;
  RecorderHolder mRecorder;
  Children::Token mRuntime;  // this engine, as a child of its runtime
  Children mContexts;
  mutable std::unique_ptr<std::once_flag[]> mKernelLoads;  // per profile, then per layer
};

// Creates a context; defined in context.cc.
nvinfer1::IExecutionContext* createContext(EngineImpl const& engine,
                                           nvinfer1::ExecutionContextAllocationStrategy strategy);

}  // namespace trtsim
