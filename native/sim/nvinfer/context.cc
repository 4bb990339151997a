// IExecutionContext of the simulator. enqueueV3 checks what TensorRT checks (input shapes inside the active profile,
// every IO address set, a valid stream, a healthy CUDA context), then queues one kernel per layer on the stream
// (run_kernels.h: what the kernels do when they run).
#include <cstring>
#include <map>

#include "cudart_calls.h"
#include "../cudart/sim_cuda.h"
#include "../include/trtsim_control.h"
#include "engine.h"
#include "io_formats.h"
#include "lib_state.h"
#include "shapes.h"
#include "run_kernels.h"
#include "ops/common.h"

namespace trtsim {
namespace {

using nvinfer1::ErrorCode;

std::string shapeListText(Shape const& a, Shape const& b) { return dimsText(a) + ".." + dimsText(b); }

// Storage enqueueV3 needs only while it runs, freed in stream order on every path out of it.
struct TemporaryStorage {
  explicit TemporaryStorage(cudaStream_t s) : stream(s) {}
  ~TemporaryStorage() {
    for (auto const& [idx, memory] : blocks) cudaFreeAsync(memory, stream);
  }
  // A block for tensor `idx` of `shape`; false, reported as enqueueV3 running out of memory, when there is none.
  bool allocate(int idx, Shape const& shape, DType type, Reporter const& report) {
    size_t bytes = std::max<size_t>(static_cast<size_t>(std::max<int64_t>(shapeVolume(shape), 0)) * dtypeSize(type), 1);
    void* memory = nullptr;
    if (int rc = cudaMallocAsync(&memory, bytes, stream)) {
      report.outOfMemory("IExecutionContext::enqueueV3", static_cast<int64_t>(bytes), rc);
      return false;
    }
    blocks[idx] = memory;
    return true;
  }
  cudaStream_t stream;
  std::map<int, void*> blocks;  // by tensor index
};

class ContextImpl : public nvinfer1::IExecutionContext {
 public:
  // `activations` is owned unless the context is user-managed (kUSER_MANAGED: none until setDeviceMemoryV2).
  ContextImpl(EngineImpl const& engine, void* activations, int64_t activationBytes, bool userManaged)
      : mEngine(engine), mActivations(activations), mActivationBytes(activationBytes), mUserManaged(userManaged),
        mRecorder(engine.getErrorRecorder()), mOwner(engine.adoptContext()) {
    size_t n = graph().tensors.size();
    mInputShapes.resize(graph().inputs.size());
    mShapeSet.assign(graph().inputs.size(), false);
    mAddresses.assign(n, nullptr);
    mAllocators.assign(n, nullptr);
    for (size_t i = 0; i < graph().inputs.size(); ++i) {
      Shape const& s = graph().tensors[graph().inputs[i]].shape;
      bool isStatic = std::all_of(s.begin(), s.end(), [](int64_t d) { return d >= 0; });
      if (isStatic) {
        mInputShapes[i] = s;
        mShapeSet[i] = true;
      }
    }
    allocateShapeValues();
    for (int idx : graph().inputs) {
      if (graph().tensors[idx].format != 0) mFormattedIo.push_back(idx);
    }
    for (int idx : graph().outputs) {
      if (graph().tensors[idx].format != 0) mFormattedIo.push_back(idx);
    }
    inferCounters().contexts++;
  }

  ~ContextImpl() noexcept override {
    if (mShapeValuesDevice) cudaFree(mShapeValuesDevice);
    if (mActivations && !mUserManaged) cudaFree(mActivations);
    inferCounters().contexts--;
  }

  nvinfer1::ICudaEngine const& getEngine() const noexcept override { return mEngine; }
  void setName(char const* name) noexcept override { mName = name ? name : ""; }
  char const* getName() const noexcept override { return mName.c_str(); }
  void setErrorRecorder(nvinfer1::IErrorRecorder* recorder) noexcept override { mRecorder.set(recorder); }
  nvinfer1::IErrorRecorder* getErrorRecorder() const noexcept override { return mRecorder.get(); }

  bool setInputShape(char const* tensorName, nvinfer1::Dims const& dims) noexcept override {
    Reporter report = reporter();
    int idx = mEngine.ioTensor(tensorName);
    std::string name = tensorName ? tensorName : "(null)";
    if (idx < 0 || !mEngine.isInput(idx)) {
      report.error(ErrorCode::kINVALID_ARGUMENT, "IExecutionContext::setInputShape", "API Usage Error",
                   "Parameter check failed, condition: mEngine.tensorNameToIndex(tensorName) != -1. Given invalid "
                   "tensor name: " + name + ". Get valid tensor names with getIOTensorName().");
      return false;
    }
    Shape wanted = fromDims(dims);
    Shape const& built = graph().tensors[idx].shape;
    if (dims.nbDims != static_cast<int32_t>(built.size())) {
      report.error(ErrorCode::kINVALID_ARGUMENT, "IExecutionContext::setInputShape", "API Usage Error",
                   "Parameter check failed, condition: engineDims.nbDims == dimensions.nbDims. The number of "
                   "dimensions " + std::to_string(dims.nbDims) + " of " + name + " differs from the engine's " +
                   std::to_string(built.size()) + ".");
      return false;
    }
    auto const& profile = mEngine.plan()->profiles[mProfile];
    auto it = profile.shapes.find(idx);
    Shape const& lo = it == profile.shapes.end() ? built : it->second[0];
    Shape const& hi = it == profile.shapes.end() ? built : it->second[2];
    for (size_t i = 0; i < wanted.size(); ++i) {
      if (wanted[i] < lo[i] || wanted[i] > hi[i]) {
        report.error(ErrorCode::kINVALID_ARGUMENT, "IExecutionContext::setInputShape", "API Usage Error",
                     "Parameter check failed, condition: satisfyProfile. Set dimension " + dimsText(wanted) +
                         " for tensor " + name + " does not satisfy any optimization profile. Valid range for profile " +
                         std::to_string(mProfile) + ": " + shapeListText(lo, hi) + ".");
        return false;
      }
    }
    size_t pos = inputPosition(idx);
    if (!mShapeSet[pos] || mInputShapes[pos] != wanted) {
      mResolved.reset();
      ++mShapesEpoch;
    }
    mInputShapes[pos] = std::move(wanted);
    mShapeSet[pos] = true;
    return true;
  }

  nvinfer1::Dims getTensorShape(char const* tensorName) const noexcept override {
    int idx = mEngine.ioTensor(tensorName);
    if (idx < 0) return invalidDims();
    if (mEngine.isInput(idx)) {
      size_t pos = inputPosition(idx);
      return toDims(mShapeSet[pos] ? mInputShapes[pos] : graph().tensors[idx].shape);
    }
    auto const* infos = resolved(nullptr);
    return toDims(infos ? (*infos)[idx].shape : graph().tensors[idx].shape);
  }

  nvinfer1::Dims getTensorStrides(char const* tensorName) const noexcept override {
    nvinfer1::Dims shape = getTensorShape(tensorName);
    if (shape.nbDims < 0) return shape;
    for (int32_t i = 0; i < shape.nbDims; ++i) {
      if (shape.d[i] < 0) return nvinfer1::Dims{-1, {}};  // a dynamic extent not set yet: no strides, as TensorRT
    }
    nvinfer1::Dims strides = shape;
    int64_t stride = 1;
    for (int32_t i = shape.nbDims - 1; i >= 0; --i) {
      strides.d[i] = stride;
      stride *= std::max<int64_t>(shape.d[i], 1);
    }
    return strides;
  }

  bool allInputDimensionsSpecified() const noexcept override {
    return std::all_of(mShapeSet.begin(), mShapeSet.end(), [](bool b) { return b; });
  }

  int32_t inferShapes(int32_t nbMaxNames, char const** tensorNames) noexcept override {
    if (nbMaxNames < 0 || (tensorNames == nullptr && nbMaxNames != 0)) return -1;  // TensorRT's documented refusals
    int32_t missing = 0;
    for (size_t i = 0; i < mShapeSet.size(); ++i) {
      if (mShapeSet[i]) continue;
      if (tensorNames && missing < nbMaxNames) tensorNames[missing] = graph().tensors[graph().inputs[i]].name.c_str();
      ++missing;
    }
    for (int idx : graph().inputs) {
      if (!mEngine.isShapeInput(idx) || mAddresses[idx]) continue;
      if (tensorNames && missing < nbMaxNames) tensorNames[missing] = graph().tensors[idx].name.c_str();
      ++missing;
    }
    if (missing > 0) return missing;
    std::string error;
    if (auto const* infos = resolved(&error)) {
      // "If an output tensor has isShapeInferenceIO(t)=true and its address has been specified, then its value is
      // written."
      if (mShapeOutputOffsets.empty() || writeShapeOutputs(*infos, /*requireAddresses=*/false, error)) return 0;
      reporter().error(ErrorCode::kINVALID_ARGUMENT, "IExecutionContext::inferShapes", "API Usage Error", error);
      return -1;
    }
    // As TensorRT's shape machine: a layer that cannot take the shapes or shape values given is an internal error.
    reporter().error(ErrorCode::kFAILED_EXECUTION, "IExecutionContext::inferShapes", "Internal Error", error);
    return -1;
  }

  bool setTensorAddress(char const* tensorName, void* data) noexcept override {
    int idx = mEngine.ioTensor(tensorName);
    if (idx < 0) {
      reporter().error(ErrorCode::kINVALID_ARGUMENT, "IExecutionContext::setTensorAddress", "API Usage Error",
                       std::string("Parameter check failed, condition: mEngine.tensorNameToIndex(tensorName) != -1. "
                                   "Given invalid tensor name: ") + (tensorName ? tensorName : "(null)") +
                           ". Get valid tensor names with getIOTensorName().");
      return false;
    }
    // TensorRT documents that every tensor address needs at least 256-byte alignment (cudaMalloc gives that).
    if (data != nullptr && reinterpret_cast<uintptr_t>(data) % 256 != 0) {
      reporter().error(ErrorCode::kINVALID_ARGUMENT, "IExecutionContext::setTensorAddress", "API Usage Error",
                       std::string("Parameter check failed, condition: isAligned(data, 256). The address for tensor ") +
                           tensorName + " must have at least 256-byte alignment.");
      return false;
    }
    mAddresses[idx] = data;
    return true;
  }

  void const* getTensorAddress(char const* tensorName) const noexcept override {
    int idx = mEngine.ioTensor(tensorName);
    return idx < 0 ? nullptr : mAddresses[idx];
  }

  bool setInputTensorAddress(char const* tensorName, void const* data) noexcept override {
    int idx = mEngine.ioTensor(tensorName);
    if (idx >= 0 && !mEngine.isInput(idx)) {
      reporter().error(ErrorCode::kINVALID_ARGUMENT, "IExecutionContext::setInputTensorAddress", "API Usage Error",
                       std::string("Parameter check failed, condition: tensor ") + tensorName + " is an input.");
      return false;
    }
    return setTensorAddress(tensorName, const_cast<void*>(data));
  }

  bool setOutputTensorAddress(char const* tensorName, void* data) noexcept override {
    int idx = mEngine.ioTensor(tensorName);
    if (idx >= 0 && mEngine.isInput(idx)) {
      reporter().error(ErrorCode::kINVALID_ARGUMENT, "IExecutionContext::setOutputTensorAddress", "API Usage Error",
                       std::string("Parameter check failed, condition: tensor ") + tensorName + " is an output.");
      return false;
    }
    return setTensorAddress(tensorName, data);
  }

  void* getOutputTensorAddress(char const* tensorName) const noexcept override {
    int idx = mEngine.ioTensor(tensorName);
    return idx < 0 || mEngine.isInput(idx) ? nullptr : mAddresses[idx];
  }

  bool setOutputAllocator(char const* tensorName, nvinfer1::IOutputAllocator* allocator) noexcept override {
    int idx = mEngine.ioTensor(tensorName);
    if (idx < 0 || mEngine.isInput(idx)) {
      // Documented as returning false; reported like TensorRT's other name checks, so the caller learns why.
      reporter().error(ErrorCode::kINVALID_ARGUMENT, "IExecutionContext::setOutputAllocator", "API Usage Error",
                       idx < 0 ? std::string("Parameter check failed, condition: mEngine.tensorNameToIndex(tensorName) "
                                             "!= -1. Given invalid tensor name: ") +
                                     (tensorName ? tensorName : "(null)") +
                                     ". Get valid tensor names with getIOTensorName()."
                               : std::string("Parameter check failed, condition: tensor ") + tensorName +
                                     " is an output.");
      return false;
    }
    mAllocators[idx] = allocator;
    return true;
  }

  nvinfer1::IOutputAllocator* getOutputAllocator(char const* tensorName) const noexcept override {
    int idx = mEngine.ioTensor(tensorName);
    return idx < 0 ? nullptr : mAllocators[idx];
  }

  int64_t getMaxOutputSize(char const* tensorName) const noexcept override {
    int idx = mEngine.ioTensor(tensorName);
    if (idx < 0 || mEngine.isInput(idx)) return -1;
    auto const* infos = resolved(nullptr);
    if (!infos) return -1;
    auto bound = mUpperBounds.find(idx);
    Shape const& shape = bound == mUpperBounds.end() ? (*infos)[idx].shape : bound->second;
    return shapeVolume(shape) * static_cast<int64_t>(dtypeSize((*infos)[idx].type));
  }

  bool setOptimizationProfileAsync(int32_t profileIndex, cudaStream_t stream) noexcept override {
    if (profileIndex < 0 || profileIndex >= mEngine.getNbOptimizationProfiles()) {
      reporter().error(ErrorCode::kINVALID_ARGUMENT, "IExecutionContext::setOptimizationProfileAsync",
                       "API Usage Error",
                       "Parameter check failed, condition: profileIndex >= 0 && profileIndex < "
                       "mEngine.getNbOptimizationProfiles(). Profile index " + std::to_string(profileIndex) +
                           " is out of range.");
      return false;
    }
    if (!cuda::isValidStream(stream)) {
      reporter().error(ErrorCode::kUNSPECIFIED_ERROR, "IExecutionContext::setOptimizationProfileAsync",
                       "Cuda Runtime", cudaGetErrorString(trtn::cuda::kErrorInvalidResourceHandle));
      return false;
    }
    if (profileIndex != mProfile) {
      mProfile = profileIndex;
      // Shapes set for the old profile must be set again, as in TensorRT.
      for (size_t i = 0; i < mShapeSet.size(); ++i) {
        Shape const& s = graph().tensors[graph().inputs[i]].shape;
        mShapeSet[i] = std::all_of(s.begin(), s.end(), [](int64_t d) { return d >= 0; });
      }
      mResolved.reset();
      ++mShapesEpoch;
    }
    return true;
  }

  int32_t getOptimizationProfile() const noexcept override { return mProfile; }

  void setDeviceMemoryV2(void* memory, int64_t size) noexcept override {
    Reporter report = reporter();
    if (!mUserManaged) {
      report.error(ErrorCode::kINVALID_STATE, "IExecutionContext::setDeviceMemoryV2", "API Usage Error",
                   "Parameter check failed, condition: the context was created with kUSER_MANAGED.");
      return;
    }
    int64_t needed = mEngine.getDeviceMemorySizeForProfileV2(mProfile);
    if (size < needed || (memory == nullptr && needed > 0) || reinterpret_cast<uintptr_t>(memory) % 256 != 0) {
      report.error(ErrorCode::kINVALID_ARGUMENT, "IExecutionContext::setDeviceMemoryV2", "API Usage Error",
                   "Parameter check failed, condition: memory is 256-byte aligned and size >= " +
                       std::to_string(needed) + " (getDeviceMemorySizeForProfileV2). Given " + std::to_string(size) +
                       " bytes.");
      return;
    }
    mActivations = memory;
    mActivationBytes = size;
  }

  size_t updateDeviceMemorySizeForShapes() noexcept override {
    auto const* infos = resolved(nullptr);
    return infos ? static_cast<size_t>(activationBytes(graph(), *infos)) : 0;
  }

  bool setInputConsumedEvent(cudaEvent_t event) noexcept override {
    mInputConsumed = event;
    return true;
  }
  cudaEvent_t getInputConsumedEvent() const noexcept override { return mInputConsumed; }

  bool executeV2(void* const*) noexcept override {
    reporter().error(ErrorCode::kUNSUPPORTED_STATE, "IExecutionContext::executeV2", "API Usage Error",
                     "executeV2 is not implemented by the tensorrt-node simulator; use enqueueV3.");
    return false;
  }

  bool enqueueV3(cudaStream_t stream) noexcept override {
    inferCounters().enqueues++;
    Reporter report = reporter();
    auto cudaFailure = [&](int error) {
      report.error(ErrorCode::kUNSPECIFIED_ERROR, "IExecutionContext::enqueueV3", "Cuda Runtime",
                   cudaGetErrorString(error));
      return false;
    };
    int injected = 0;
    if (cuda::takeFault(TRTSIM_FAULT_ENQUEUE, &injected, nullptr)) return cudaFailure(injected);
    if (int sticky = cuda::stickyError()) return cudaFailure(sticky);
    if (!cuda::isValidStream(stream)) return cudaFailure(trtn::cuda::kErrorInvalidResourceHandle);
    for (size_t i = 0; i < mShapeSet.size(); ++i) {
      if (!mShapeSet[i]) {
        report.error(ErrorCode::kINVALID_ARGUMENT, "IExecutionContext::enqueueV3", "API Usage Error",
                     "Parameter check failed, condition: allInputDimensionsSpecified(routine). Input shape of " +
                         graph().tensors[graph().inputs[i]].name + " is not set. Call setInputShape before enqueue.");
        return false;
      }
    }
    std::string error;
    auto const* infos = resolved(&error);
    if (!infos) {
      report.error(ErrorCode::kINVALID_ARGUMENT, "IExecutionContext::enqueueV3", "API Usage Error", error);
      return false;
    }
    if (mUserManaged && !mActivations && activationBytes(graph(), *infos) > 0) {
      report.error(ErrorCode::kINVALID_STATE, "IExecutionContext::enqueueV3", "API Usage Error",
                   "Parameter check failed, condition: the device memory of a context created with kUSER_MANAGED is "
                   "set. Call setDeviceMemoryV2 before enqueue.");
      return false;
    }
    // The addresses of this run; when they and the shapes equal the previous run's, its (immutable) state is
    // shared instead of rebuilt, which keeps the enqueue of a steady stream of requests free of allocations.
    std::vector<void*>& addresses = mScratchAddresses;
    addresses.assign(graph().tensors.size(), nullptr);
    int64_t activationOffset = 0;
    for (size_t i = 0; i < graph().tensors.size(); ++i) {
      TensorDef const& t = graph().tensors[i];
      bool dataDependent = mUpperBounds.count(static_cast<int>(i)) != 0;
      if (t.isShapeOutput) {
        // Written to the caller's host memory below; layers that compute it write the context's device copy.
        addresses[i] = static_cast<uint8_t*>(mShapeValuesDevice) + mShapeOutputOffsets.at(static_cast<int>(i));
      } else if (t.isInput || t.isOutput) {
        // An output with an allocator asks it for memory every run, with the address it has (which it may keep if
        // big enough): an address set beforehand is a preallocation that the allocator may replace.
        if (!t.isInput && !dataDependent && mAllocators[i]) {
          if (!allocateOutput(static_cast<int>(i), (*infos)[i], stream)) return false;
        }
        if (!mAddresses[i] && !(dataDependent && mAllocators[i])) {
          report.error(ErrorCode::kINVALID_ARGUMENT, "IExecutionContext::enqueueV3", "API Usage Error",
                       addressNotSet(t));
          return false;
        }
        addresses[i] = mAddresses[i];
      } else if (t.constData) {
        addresses[i] = static_cast<uint8_t*>(mEngine.weights()) + mEngine.constOffsets()[i];
      } else {
        int64_t volume = shapeVolume((*infos)[i].shape);
        int64_t bytes = std::max<int64_t>(volume, 0) * static_cast<int64_t>(dtypeSize((*infos)[i].type));
        addresses[i] = static_cast<uint8_t*>(mActivations) + activationOffset;
        activationOffset += (bytes + 255) / 256 * 256;
      }
    }
    // Data-dependent tensors are computed into temporary storage as large as their upper bound; enqueueV3 copies the
    // outputs among them out once their shape is known (below).
    TemporaryStorage temporary(stream);
    for (auto const& [idx, bound] : mUpperBounds) {
      if (!temporary.allocate(idx, bound, (*infos)[idx].type, report)) return false;
      addresses[idx] = temporary.blocks[idx];
    }
    // IO tensors in another format than kLINEAR: the layers compute on a linear copy in temporary storage, converted
    // from the caller's input before them and into the caller's output after them.
    for (int idx : mFormattedIo) {
      if (!temporary.allocate(idx, (*infos)[idx].shape, (*infos)[idx].type, report)) return false;
      addresses[idx] = temporary.blocks[idx];
    }
    if (!mShapeValueOffsets.empty() && !copyShapeValuesToDevice(addresses, stream)) return false;
    if (!mShapeOutputOffsets.empty()) {
      if (!mShapeValuesDevice) {
        report.outOfMemory("IExecutionContext::enqueueV3", 256, trtn::cuda::kErrorMemoryAllocation);
        return false;
      }
      if (!writeShapeOutputs(*infos, /*requireAddresses=*/true, error)) {
        report.error(ErrorCode::kINVALID_ARGUMENT, "IExecutionContext::enqueueV3", "API Usage Error", error);
        return false;
      }
    }
    if (!mLastRun || mLastRun->shapesEpoch != mShapesEpoch || mLastRun->addresses != addresses) {
      auto fresh = std::make_shared<RunState>();
      fresh->plan = mEngine.plan();
      fresh->infos = *infos;
      for (auto const& [idx, bound] : mUpperBounds) {
        fresh->infos[idx].shape = bound;
        fresh->actualShapes[idx] = Shape{};
      }
      fresh->addresses = addresses;
      fresh->shapesEpoch = mShapesEpoch;
      for (size_t n = 0; n < graph().nodes.size(); ++n) fresh->flops.push_back(nodeFlops(*fresh, n));
      describeNodeTensors(*fresh);
      mLastRun = std::move(fresh);
    }
    std::shared_ptr<RunState const> run = mLastRun;
    if (activationOffset > mActivationBytes) {
      report.error(ErrorCode::kFAILED_ALLOCATION, "IExecutionContext::enqueueV3", "Internal Error",
                   "Activation memory of the context is smaller than the shapes require.");
      return false;
    }
    for (int outputIdx : graph().outputs) {
      TensorDef const& t = graph().tensors[outputIdx];
      if (!t.constData) continue;
      void* src = static_cast<uint8_t*>(mEngine.weights()) + mEngine.constOffsets()[outputIdx];
      if (int rc = launchDeviceCopy(stream, src, run->addresses[outputIdx], t.constData->size())) return cudaFailure(rc);
    }
    for (int idx : mFormattedIo) {
      if (!graph().tensors[idx].isInput) continue;
      if (int rc = reformatIo(idx, *infos, temporary, stream, /*toFormatted=*/false)) return cudaFailure(rc);
    }
    for (size_t n = 0; n < graph().nodes.size(); ++n) {
      RunState const* state = run.get();
      mEngine.loadKernel(mProfile, n);
      int rc = cuda::launchKernel(stream, [state, n] { return runNode(*state, n); }, run->flops[n], run);
      if (rc != 0) return cudaFailure(rc);
    }
    for (int idx : mFormattedIo) {
      if (graph().tensors[idx].isInput) continue;
      if (int rc = reformatIo(idx, *infos, temporary, stream, /*toFormatted=*/true)) return cudaFailure(rc);
    }
    // The inputs may be reused once the event completes; the simulator says so after the last kernel (TensorRT may
    // say so earlier, never later).
    if (mInputConsumed) {
      if (int rc = cudaEventRecord(mInputConsumed, stream)) return cudaFailure(rc);
    }
    return mUpperBounds.empty() || deliverDataDependentOutputs(*run, temporary, stream);
  }

 private:
  Graph const& graph() const { return mEngine.graph(); }
  Reporter reporter() const { return Reporter(mEngine.logger(), mRecorder.get()); }

  size_t inputPosition(int tensor) const {
    auto const& inputs = graph().inputs;
    return static_cast<size_t>(std::find(inputs.begin(), inputs.end(), tensor) - inputs.begin());
  }

  // Concrete infos of all tensors for the current input shapes, cached until a shape changes.
  std::vector<TensorInfo> const* resolved(std::string* error) const {
    if (mResolved && mShapeValueOffsets.empty()) return mResolved.get();  // the path of every enqueue
    if (!std::all_of(mShapeSet.begin(), mShapeSet.end(), [](bool b) { return b; })) return nullptr;
    if (!readShapeValues(error)) return nullptr;  // shape inputs: their values may have changed in place
    if (mResolved) return mResolved.get();
    try {
      auto infos = std::make_unique<std::vector<TensorInfo>>(resolveGraph(graph(), mInputShapes, mInputValues));
      mUpperBounds = dataDependentUpperBounds(graph(), *infos);
      mResolved = std::move(infos);
    } catch (OpError const& e) {
      if (error) *error = e.what();
      return nullptr;
    }
    return mResolved.get();
  }

  // Reads the shape inputs' values from their host memory into mInputValues, dropping the resolved shapes when they
  // changed. False, with the reason, when an address is missing or the values lie outside the active profile.
  bool readShapeValues(std::string* error) const {
    if (mShapeValueOffsets.empty()) return true;  // no shape inputs: nothing on the path of every enqueue
    auto const& profile = mEngine.plan()->profiles[mProfile];
    mInputValues.resize(graph().inputs.size());
    for (size_t pos = 0; pos < graph().inputs.size(); ++pos) {
      int idx = graph().inputs[pos];
      auto range = profile.values.find(idx);
      if (range == profile.values.end()) continue;
      TensorDef const& t = graph().tensors[idx];
      void const* address = mAddresses[idx];
      if (!address) {
        if (error) *error = addressNotSet(t);
        return false;
      }
      // On a GPU the host would read a device address and crash; the simulator says what is wrong instead.
      if (cuda::isDevicePointer(address)) {
        if (error) {
          *error = "Parameter check failed, condition: getTensorLocation(" + t.name + ") == TensorLocation::kHOST. "
                   "The address of shape tensor " + t.name + " is device memory; shape tensor inputs are read from "
                   "host memory.";
        }
        return false;
      }
      auto const* bytes = static_cast<uint8_t const*>(address);
      size_t size = range->second[0].size() * dtypeSize(t.type);
      if (!mInputValues[pos] || std::memcmp(mInputValues[pos]->data(), bytes, size) != 0) {
        mInputValues[pos] = std::make_shared<std::vector<uint8_t>>(bytes, bytes + size);
        mResolved.reset();
        ++mShapesEpoch;
      }
      HostTensor view{t.type, t.shape, mInputValues[pos]->data()};
      std::vector<int64_t> values = ops::hostInts(view);
      auto const& [lo, opt, hi] = range->second;
      for (size_t i = 0; i < values.size(); ++i) {
        if (values[i] < lo[i] || values[i] > hi[i]) {
          if (error) {
            *error = "Parameter check failed, condition: satisfyProfile. Set values " + dimsText(values) +
                     " for shape tensor " + t.name + " do not satisfy any optimization profile. Valid range for "
                     "profile " + std::to_string(mProfile) + ": " + shapeListText(lo, hi) + ".";
          }
          return false;
        }
      }
    }
    return true;
  }

  // Device memory of the context for its shape inputs' values and its shape outputs' (their shapes are fixed), like
  // its activations.
  void allocateShapeValues() {
    auto const& profile = mEngine.plan()->profiles.front();
    size_t total = 0;
    for (auto const& [idx, values] : profile.values) {
      mShapeValueOffsets[idx] = total;
      total += (values[0].size() * dtypeSize(graph().tensors[idx].type) + 255) / 256 * 256;
    }
    for (int idx : graph().outputs) {
      TensorDef const& t = graph().tensors[idx];
      if (!t.isShapeOutput) continue;
      mShapeOutputOffsets[idx] = total;
      total += (static_cast<size_t>(shapeVolume(t.shape)) * dtypeSize(t.type) + 255) / 256 * 256;
    }
    if (total > 0 && cudaMalloc(&mShapeValuesDevice, total) != 0) mShapeValuesDevice = nullptr;
  }

  // TensorRT takes a shape input's values from host memory during enqueueV3; layers that compute with them read a
  // copy on the device, queued here, so the caller may reuse its host memory once enqueueV3 returns. The copy is a
  // kernel holding the values, so a CUDA graph captured now replays them (a new capture is needed for new values).
  bool copyShapeValuesToDevice(std::vector<void*>& addresses, cudaStream_t stream) {
    for (size_t pos = 0; pos < mInputValues.size(); ++pos) {
      InputValues values = mInputValues[pos];
      if (!values) continue;
      int idx = graph().inputs[pos];
      if (!mShapeValuesDevice) {
        reporter().outOfMemory("IExecutionContext::enqueueV3", static_cast<int64_t>(values->size()),
                               trtn::cuda::kErrorMemoryAllocation);
        return false;
      }
      void* memory = static_cast<uint8_t*>(mShapeValuesDevice) + mShapeValueOffsets.at(idx);
      addresses[idx] = memory;
      int rc = cuda::launchKernel(stream, [values, memory] {
        void* device = cuda::resolveDevice(memory, values->size());
        if (!device && !values->empty()) return static_cast<int>(trtn::cuda::kErrorIllegalAddress);
        if (!values->empty()) std::memcpy(device, values->data(), values->size());
        return 0;
      }, static_cast<double>(values->size()));
      if (rc != 0) {
        reporter().error(ErrorCode::kUNSPECIFIED_ERROR, "IExecutionContext::enqueueV3", "Cuda Runtime",
                         cudaGetErrorString(rc));
        return false;
      }
    }
    return true;
  }

  // TensorRT computes shape outputs on the host while it infers shapes, and writes them to the host memory set for
  // them at once (not in stream order). With `requireAddresses` (enqueueV3) every one needs an address; inferShapes
  // writes those that have one. False with the reason.
  bool writeShapeOutputs(std::vector<TensorInfo> const& infos, bool requireAddresses, std::string& error) const {
    for (auto const& [idx, offset] : mShapeOutputOffsets) {
      TensorDef const& t = graph().tensors[idx];
      void* address = mAddresses[idx];
      if (!address) {
        if (!requireAddresses) continue;
        error = addressNotSet(t);
        return false;
      }
      // On a GPU the host would write to a device address and crash; the simulator says what is wrong instead.
      if (cuda::isDevicePointer(address)) {
        error = "Parameter check failed, condition: getTensorLocation(" + t.name + ") == TensorLocation::kHOST. The "
                "address of shape tensor " + t.name + " is device memory; shape tensor outputs are written to host "
                "memory.";
        return false;
      }
      InputValues const& values = infos[idx].constData;
      size_t bytes = static_cast<size_t>(shapeVolume(t.shape)) * dtypeSize(t.type);
      if (!values || values->size() != bytes) {  // the builder refuses such outputs; a damaged plan may not
        error = "Shape tensor output " + t.name + " could not be computed from the input shapes and shape tensor "
                "values.";
        return false;
      }
      if (bytes > 0) std::memcpy(address, values->data(), bytes);
    }
    return true;
  }

  int reformatIo(int idx, std::vector<TensorInfo> const& infos, TemporaryStorage const& temporary, cudaStream_t stream,
                 bool toFormatted) const {
    TensorDef const& t = graph().tensors[idx];
    return launchReformat(stream, temporary.blocks.at(idx), mAddresses[idx], infos[idx].shape, ioLayout(t),
                          dtypeSize(t.type), toFormatted);
  }

  static std::string addressNotSet(TensorDef const& t) {
    bool input = t.isInput;
    return std::string("Parameter check failed, condition: mContext.profileObliviousBindings.at(") +
           "profileObliviousIndex) || getPtrOrNull(mOutputAllocators, profileObliviousIndex). Address is not set for " +
           (input ? "input" : "output") + " tensor " + t.name + ". Call " +
           (input ? "setInputTensorAddress or setTensorAddress"
                  : "setOutputTensorAddress, setTensorAddress or setOutputAllocator") +
           " before enqueue/execute.";
  }

  // Like TensorRT, enqueueV3 of a network with data-dependent output shapes waits for the kernels that decide them,
  // then asks each output's IOutputAllocator for memory of the actual size (or uses the address set with
  // setTensorAddress), queues the copy out of temporary storage and reports the shape through notifyShape, all
  // before it returns.
  bool deliverDataDependentOutputs(RunState const& run, TemporaryStorage const& temporary, cudaStream_t stream) {
    Reporter report = reporter();
    if (int rc = cudaStreamSynchronize(stream)) {
      report.error(ErrorCode::kUNSPECIFIED_ERROR, "IExecutionContext::enqueueV3", "Cuda Runtime",
                   cudaGetErrorString(rc));
      return false;
    }
    for (auto const& [idx, actual] : run.actualShapes) {
      if (!graph().tensors[idx].isOutput) continue;  // an intermediate tensor: read by later layers in place
      char const* name = graph().tensors[idx].name.c_str();
      size_t bytes = static_cast<size_t>(shapeVolume(actual)) * dtypeSize(run.infos[idx].type);
      nvinfer1::IOutputAllocator* allocator = mAllocators[idx];
      void* destination = mAddresses[idx];
      if (allocator) {
        // The size is always positive, even for an empty tensor (the header's contract).
        destination = allocator->reallocateOutputAsync(name, mAddresses[idx], std::max<size_t>(bytes, 1), 256, stream);
        if (!destination) {
          report.error(ErrorCode::kFAILED_ALLOCATION, "IExecutionContext::enqueueV3", "Failed Allocation",
                       std::string("IOutputAllocator returned nullptr for output tensor ") + name + ".");
          return false;
        }
        mAddresses[idx] = destination;
      }
      if (int rc = launchDeviceCopy(stream, temporary.blocks.at(idx), destination, bytes)) {
        report.error(ErrorCode::kUNSPECIFIED_ERROR, "IExecutionContext::enqueueV3", "Cuda Runtime",
                     cudaGetErrorString(rc));
        return false;
      }
      if (allocator) allocator->notifyShape(name, toDims(actual));
    }
    return true;
  }

  bool allocateOutput(int idx, TensorInfo const& info, cudaStream_t stream) {
    // "Always positive, even for an empty tensor", as for data-dependent outputs; in the output's format.
    auto elements = static_cast<uint64_t>(trtn::layout::formattedVolume(info.shape, ioLayout(graph().tensors[idx])));
    uint64_t bytes = std::max<uint64_t>(elements * dtypeSize(info.type), 1);
    char const* name = graph().tensors[idx].name.c_str();
    void* memory = mAllocators[idx]->reallocateOutputAsync(name, mAddresses[idx], bytes, 256, stream);
    if (!memory) {
      reporter().error(ErrorCode::kFAILED_ALLOCATION, "IExecutionContext::enqueueV3", "Failed Allocation",
                       std::string("IOutputAllocator returned nullptr for output tensor ") + name + ".");
      return false;
    }
    mAddresses[idx] = memory;
    mAllocators[idx]->notifyShape(name, toDims(info.shape));
    return true;
  }

  EngineImpl const& mEngine;
  void* mActivations;
  int64_t mActivationBytes;
  bool mUserManaged;
  RecorderHolder mRecorder;
  Children::Token mOwner;  // this context, as a child of its engine
  std::string mName;
  int32_t mProfile = 0;
  std::vector<Shape> mInputShapes;  // indexed like graph().inputs
  std::vector<bool> mShapeSet;
  std::vector<void*> mAddresses;  // indexed like graph().tensors
  std::vector<nvinfer1::IOutputAllocator*> mAllocators;
  cudaEvent_t mInputConsumed = nullptr;
  mutable std::unique_ptr<std::vector<TensorInfo>> mResolved;
  mutable std::map<int, Shape> mUpperBounds;  // data-dependent tensors' largest shapes, for the resolved shapes
  mutable uint64_t mShapesEpoch = 0;  // bumped whenever mResolved is dropped
  // The values of the shape inputs that mResolved was resolved for (indexed like graph().inputs; nullptr for other
  // inputs). TensorRT reads them from host memory at each enqueue, so they can change with no call to the context.
  mutable std::vector<InputValues> mInputValues;
  void* mShapeValuesDevice = nullptr;      // the device copy of the shape inputs' values
  std::map<int, size_t> mShapeValueOffsets;  // by tensor index, into mShapeValuesDevice
  // Shape outputs, by tensor index, at their offsets into mShapeValuesDevice: the device copy that layers write.
  std::map<int, size_t> mShapeOutputOffsets;
  std::vector<int> mFormattedIo;  // IO tensors (inputs, then outputs) whose format is not kLINEAR
  std::vector<void*> mScratchAddresses;
  std::shared_ptr<RunState const> mLastRun;
};

}  // namespace

nvinfer1::IExecutionContext* createContext(EngineImpl const& engine,
                                           nvinfer1::ExecutionContextAllocationStrategy strategy) {
  Reporter report = engine.reporter();
  // Creating a context makes CUDA calls even when it needs no activation memory; on a poisoned device the first one
  // returns the sticky error.
  if (int sticky = cuda::stickyError()) {
    report.error(nvinfer1::ErrorCode::kUNSPECIFIED_ERROR, "ICudaEngine::createExecutionContext", "Cuda Runtime",
                 cudaGetErrorString(sticky));
    return nullptr;
  }
  if (strategy == nvinfer1::ExecutionContextAllocationStrategy::kUSER_MANAGED) {
    return new ContextImpl(engine, nullptr, 0, /*userManaged=*/true);  // no memory until setDeviceMemoryV2
  }
  int64_t bytes = engine.getDeviceMemorySizeV2();
  void* activations = nullptr;
  int rc = 0;
  if (cuda::takeFault(TRTSIM_FAULT_CONTEXT_CREATE, nullptr, nullptr)) {
    rc = trtn::cuda::kErrorMemoryAllocation;
  } else if (bytes > 0) {
    rc = cudaMalloc(&activations, static_cast<size_t>(bytes));
  }
  if (rc == trtn::cuda::kErrorMemoryAllocation) {
    report.outOfMemory("ICudaEngine::createExecutionContext", bytes, rc);
    return nullptr;
  }
  if (rc != 0) {  // the allocator's CUDA error, and no claim of being out of memory
    report.error(nvinfer1::ErrorCode::kUNSPECIFIED_ERROR, "ICudaEngine::createExecutionContext", "Cuda Runtime",
                 cudaGetErrorString(rc));
    return nullptr;
  }
  return new ContextImpl(engine, activations, bytes, /*userManaged=*/false);
}

}  // namespace trtsim
