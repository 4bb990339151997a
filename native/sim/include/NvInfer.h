// tensorrt-node simulator: the builder half of the TensorRT API subset that tensorrt-node uses (network, builder
// config, optimization profiles, timing cache, progress monitor). See NvInferRuntime.h for how this header relates to
// NVIDIA's SDK header of the same name.
#pragma once

#include "NvInferRuntime.h"

namespace nvinfer1 {
inline namespace trtsim {

//! Bit positions in BuilderFlags (TensorRT 10.16 numbering; TensorRT 11 renumbers, so code uses names only).
enum class BuilderFlag : int32_t {
  kFP16 = 0,
  kINT8 = 1,
  kDEBUG = 2,
  kGPU_FALLBACK = 3,
  kREFIT = 4,
  kDISABLE_TIMING_CACHE = 5,
  kTF32 = 6,
  kSPARSE_WEIGHTS = 7,
  kSAFETY_SCOPE = 8,
  kOBEY_PRECISION_CONSTRAINTS = 9,
  kPREFER_PRECISION_CONSTRAINTS = 10,
  kDIRECT_IO = 11,
  kREJECT_EMPTY_ALGORITHMS = 12,
  kVERSION_COMPATIBLE = 13,
  kEXCLUDE_LEAN_RUNTIME = 14,
  kFP8 = 15,
  kERROR_ON_TIMING_CACHE_MISS = 16,
  kBF16 = 17,
  kDISABLE_COMPILATION_CACHE = 18,
  kSTRIP_PLAN = 19,
  kREFIT_IDENTICAL = 20,
  kWEIGHT_STREAMING = 21,
  kINT4 = 22,
  kREFIT_INDIVIDUAL = 23,
  kSTRICT_NANS = 24,
  kMONITOR_MEMORY = 25,
  kFP4 = 26,
  kEDITABLE_TIMING_CACHE = 27,
  kDISTRIBUTIVE_INDEPENDENCE = 28,
};
using BuilderFlags = uint32_t;

enum class MemoryPoolType : int32_t {
  kWORKSPACE = 0,
  kDLA_MANAGED_SRAM = 1,
  kDLA_LOCAL_DRAM = 2,
  kDLA_GLOBAL_DRAM = 3,
  kTACTIC_DRAM = 4,
  kTACTIC_SHARED_MEMORY = 5,
};

enum class NetworkDefinitionCreationFlag : int32_t {
  kEXPLICIT_BATCH = 0,
  kSTRONGLY_TYPED = 1,
  kPREFER_JIT_PYTHON_PLUGINS = 2,
  kPREFER_AOT_PYTHON_PLUGINS = 3,
};
using NetworkDefinitionCreationFlags = uint32_t;
//! A bitmask of TensorFormat values (bit 1 << TensorFormat::kX).
using TensorFormats = uint32_t;

class ITensor : public INoCopy {
 public:
  ~ITensor() noexcept override = default;
  virtual void setName(char const* name) noexcept = 0;
  virtual char const* getName() const noexcept = 0;
  virtual void setDimensions(Dims const& dimensions) noexcept = 0;
  virtual Dims getDimensions() const noexcept = 0;
  virtual void setType(DataType type) noexcept = 0;
  virtual DataType getType() const noexcept = 0;
  virtual bool isNetworkInput() const noexcept = 0;
  virtual bool isNetworkOutput() const noexcept = 0;
  virtual bool isShapeTensor() const noexcept = 0;
  virtual void setAllowedFormats(TensorFormats formats) noexcept = 0;
  virtual TensorFormats getAllowedFormats() const noexcept = 0;
};

//! What a network layer is (TensorRT 10.16 and 11.1 number these alike).
enum class LayerType : int32_t {
  kCONVOLUTION = 0, kCAST = 1, kACTIVATION = 2, kPOOLING = 3, kLRN = 4, kSCALE = 5, kSOFTMAX = 6, kDECONVOLUTION = 7,
  kCONCATENATION = 8, kELEMENTWISE = 9, kPLUGIN = 10, kUNARY = 11, kPADDING = 12, kSHUFFLE = 13, kREDUCE = 14,
  kTOPK = 15, kGATHER = 16, kMATRIX_MULTIPLY = 17, kRAGGED_SOFTMAX = 18, kCONSTANT = 19, kIDENTITY = 20,
  kPLUGIN_V2 = 21, kSLICE = 22, kSHAPE = 23, kPARAMETRIC_RELU = 24, kRESIZE = 25, kTRIP_LIMIT = 26, kRECURRENCE = 27,
  kITERATOR = 28, kLOOP_OUTPUT = 29, kSELECT = 30, kFILL = 31, kQUANTIZE = 32, kDEQUANTIZE = 33, kCONDITION = 34,
  kCONDITIONAL_INPUT = 35, kCONDITIONAL_OUTPUT = 36, kSCATTER = 37, kEINSUM = 38, kASSERTION = 39, kONE_HOT = 40,
  kNON_ZERO = 41, kGRID_SAMPLE = 42, kNMS = 43, kREVERSE_SEQUENCE = 44, kNORMALIZATION = 45, kPLUGIN_V3 = 46,
  kSQUEEZE = 47, kUNSQUEEZE = 48, kCUMULATIVE = 49, kDYNAMIC_QUANTIZE = 50, kATTENTION_INPUT = 51,
  kATTENTION_OUTPUT = 52, kROTARY_EMBEDDING = 53, kKVCACHE_UPDATE = 54, kMOE = 55, kDIST_COLLECTIVE = 56,
};

//! One layer of a network: an operation the ONNX parser added. The simulator's layers are the parser's nodes, with
//! the nodes of If branches and Loop/Scan bodies among them as in TensorRT's flat list.
class ILayer : public INoCopy {
 public:
  virtual LayerType getType() const noexcept = 0;
  virtual char const* getName() const noexcept = 0;

 protected:
  ~ILayer() noexcept override = default;
};

//! A layer of a legacy (IPluginV2) plugin (deprecated since TensorRT 10.8, as IPluginV2).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"  // the deprecated layer names its deprecated plugin
class [[deprecated]] IPluginV2Layer : public ILayer {
 public:
  virtual IPluginV2& getPlugin() noexcept = 0;

 protected:
  ~IPluginV2Layer() noexcept override = default;
};
#pragma GCC diagnostic pop

//! A layer of an IPluginV3 plugin.
class IPluginV3Layer : public ILayer {
 public:
  virtual IPluginV3& getPlugin() noexcept = 0;

 protected:
  ~IPluginV3Layer() noexcept override = default;
};

class INetworkDefinition : public INoCopy {
 public:
  ~INetworkDefinition() noexcept override = default;
  virtual int32_t getNbInputs() const noexcept = 0;
  virtual ITensor* getInput(int32_t index) const noexcept = 0;
  virtual int32_t getNbOutputs() const noexcept = 0;
  virtual ITensor* getOutput(int32_t index) const noexcept = 0;
  virtual int32_t getNbLayers() const noexcept = 0;
  virtual ILayer* getLayer(int32_t index) const noexcept = 0;
  virtual ITensor* addInput(char const* name, DataType type, Dims const& dimensions) noexcept = 0;
  virtual void markOutput(ITensor& tensor) noexcept = 0;
  virtual void unmarkOutput(ITensor& tensor) noexcept = 0;
  virtual bool markOutputForShapes(ITensor& tensor) noexcept = 0;
  virtual bool unmarkOutputForShapes(ITensor& tensor) noexcept = 0;
  virtual bool getFlag(NetworkDefinitionCreationFlag networkDefinitionCreationFlag) const noexcept = 0;
  virtual void setName(char const* name) noexcept = 0;
  virtual char const* getName() const noexcept = 0;
};

class ITimingCache : public INoCopy {
 public:
  ~ITimingCache() noexcept override = default;
  virtual IHostMemory* serialize() const noexcept = 0;
  virtual bool combine(ITimingCache const& inputCache, bool ignoreMismatch) noexcept = 0;
  virtual bool reset() noexcept = 0;
};

namespace v_1_0 {
//! Build progress in nested phases; stepComplete returning false cancels the build.
class IProgressMonitor : public IVersionedInterface {
 public:
  IProgressMonitor() = default;
  ~IProgressMonitor() noexcept override = default;
  InterfaceInfo getInterfaceInfo() const noexcept override { return InterfaceInfo{"IProgressMonitor", 1, 0}; }
  virtual void phaseStart(char const* phaseName, char const* parentPhase, int32_t nbSteps) noexcept = 0;
  virtual bool stepComplete(char const* phaseName, int32_t step) noexcept = 0;
  virtual void phaseFinish(char const* phaseName) noexcept = 0;

 protected:
  IProgressMonitor(IProgressMonitor const&) = default;
  IProgressMonitor(IProgressMonitor&&) = default;
  IProgressMonitor& operator=(IProgressMonitor const&) & = default;
  IProgressMonitor& operator=(IProgressMonitor&&) & = default;
};
}  // namespace v_1_0
using IProgressMonitor = v_1_0::IProgressMonitor;

//! INT8 calibration algorithms (deprecated since TensorRT 10.1 in favour of explicit quantization; gone in 11).
enum class CalibrationAlgoType : int32_t {
  kLEGACY_CALIBRATION = 0,
  kENTROPY_CALIBRATION = 1,
  kENTROPY_CALIBRATION_2 = 2,
  kMINMAX_CALIBRATION = 3,
};

//! Supplies calibration batches, or a calibration cache that makes them unnecessary.
class IInt8Calibrator : public IVersionedInterface {
 public:
  virtual int32_t getBatchSize() const noexcept = 0;
  virtual bool getBatch(void* bindings[], char const* names[], int32_t nbBindings) noexcept = 0;
  virtual void const* readCalibrationCache(std::size_t& length) noexcept = 0;
  virtual void writeCalibrationCache(void const* ptr, std::size_t length) noexcept = 0;
  virtual CalibrationAlgoType getAlgorithm() noexcept = 0;
  ~IInt8Calibrator() noexcept override = default;
};

namespace v_1_0 {
class IInt8EntropyCalibrator2 : public IInt8Calibrator {
 public:
  InterfaceInfo getInterfaceInfo() const noexcept override { return InterfaceInfo{"IInt8EntropyCalibrator2", 1, 0}; }
  CalibrationAlgoType getAlgorithm() noexcept override { return CalibrationAlgoType::kENTROPY_CALIBRATION_2; }
  ~IInt8EntropyCalibrator2() noexcept override = default;
};
}  // namespace v_1_0
using IInt8EntropyCalibrator2 = v_1_0::IInt8EntropyCalibrator2;

class IBuilderConfig : public INoCopy {
 public:
  ~IBuilderConfig() noexcept override = default;
  virtual void setFlags(BuilderFlags builderFlags) noexcept = 0;
  virtual BuilderFlags getFlags() const noexcept = 0;
  virtual void clearFlag(BuilderFlag builderFlag) noexcept = 0;
  virtual void setFlag(BuilderFlag builderFlag) noexcept = 0;
  virtual bool getFlag(BuilderFlag builderFlag) const noexcept = 0;
  virtual void setMemoryPoolLimit(MemoryPoolType pool, std::size_t poolSize) noexcept = 0;
  virtual std::size_t getMemoryPoolLimit(MemoryPoolType pool) const noexcept = 0;
  virtual int32_t addOptimizationProfile(IOptimizationProfile const* profile) noexcept = 0;
  virtual int32_t getNbOptimizationProfiles() const noexcept = 0;
  virtual ITimingCache* createTimingCache(void const* blob, std::size_t size) const noexcept = 0;
  virtual bool setTimingCache(ITimingCache const& cache, bool ignoreMismatch) noexcept = 0;
  virtual ITimingCache const* getTimingCache() const noexcept = 0;
  virtual void setBuilderOptimizationLevel(int32_t level) noexcept = 0;
  virtual int32_t getBuilderOptimizationLevel() noexcept = 0;
  virtual void setHardwareCompatibilityLevel(HardwareCompatibilityLevel hardwareCompatibilityLevel) noexcept = 0;
  virtual HardwareCompatibilityLevel getHardwareCompatibilityLevel() const noexcept = 0;
  virtual void setProgressMonitor(IProgressMonitor* monitor) noexcept = 0;
  virtual IProgressMonitor* getProgressMonitor() const noexcept = 0;
  virtual void setInt8Calibrator(IInt8Calibrator* calibrator) noexcept = 0;
  virtual IInt8Calibrator* getInt8Calibrator() const noexcept = 0;
};

class IBuilder : public INoCopy {
 public:
  ~IBuilder() noexcept override = default;
  virtual IBuilderConfig* createBuilderConfig() noexcept = 0;
  virtual INetworkDefinition* createNetworkV2(NetworkDefinitionCreationFlags flags) noexcept = 0;
  virtual IOptimizationProfile* createOptimizationProfile() noexcept = 0;
  virtual void setErrorRecorder(IErrorRecorder* recorder) noexcept = 0;
  virtual IErrorRecorder* getErrorRecorder() const noexcept = 0;
  virtual ILogger* getLogger() const noexcept = 0;
  virtual bool setMaxThreads(int32_t maxThreads) noexcept = 0;
  virtual IHostMemory* buildSerializedNetwork(INetworkDefinition& network, IBuilderConfig& config) noexcept = 0;
  virtual bool isNetworkSupported(INetworkDefinition const& network, IBuilderConfig const& config) const noexcept = 0;
  virtual void reset() noexcept = 0;
  virtual IPluginRegistry& getPluginRegistry() noexcept = 0;
};

}  // namespace trtsim
}  // namespace nvinfer1

extern "C" TENSORRTAPI void* createInferBuilder_INTERNAL(void* logger, int32_t version) noexcept;

namespace nvinfer1 {
inline namespace trtsim {
namespace {
//! The SDK's convenience factory; it links libnvinfer, so tensorrt-node itself never calls it.
inline IBuilder* createInferBuilder(ILogger& logger) noexcept {
  return static_cast<IBuilder*>(createInferBuilder_INTERNAL(&logger, NV_TENSORRT_VERSION));
}
}  // namespace
}  // namespace trtsim
}  // namespace nvinfer1
