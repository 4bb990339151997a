// tensorrt-node simulator: the runtime half of the TensorRT API subset that tensorrt-node uses.
//
// Written for this project from the documented TensorRT 10 API (names, signatures, enum values); it is not NVIDIA's
// header. Source code written against `nvinfer1::` compiles against this header and against the real SDK alike.
// Differences that only matter to ABI, never to source:
//  - Library-implemented classes (IRuntime, ICudaEngine, ...) declare their methods pure virtual here; the real
//    headers forward non-virtual inline methods to a private implementation table.
//  - Everything lives in the inline namespace `nvinfer1::trtsim`, so the simulator's classes never share a mangled
//    name with the real ones when both backends are linked into one addon.
#pragma once

#include <cstddef>
#include <cstdint>

#include "NvInferVersion.h"

// CUDA handle types with the CUDA runtime's own spelling, so that no CUDA header is needed to build the simulator.
struct CUstream_st;
struct CUevent_st;
typedef struct CUstream_st* cudaStream_t;
typedef struct CUevent_st* cudaEvent_t;

#if defined(__GNUC__)
#define TENSORRTAPI __attribute__((visibility("default")))
#else
#define TENSORRTAPI
#endif

namespace nvinfer1 {
inline namespace trtsim {

using AsciiChar = char;
using InterfaceKind = char const*;

template <typename T>
constexpr int32_t EnumMax() noexcept;

//! Base of the library-implemented objects: not copyable, not movable, destroyed with `delete`.
class INoCopy {
 protected:
  INoCopy() = default;
  virtual ~INoCopy() = default;
  INoCopy(INoCopy const&) = delete;
  INoCopy(INoCopy&&) = delete;
  INoCopy& operator=(INoCopy const&) = delete;
  INoCopy& operator=(INoCopy&&) = delete;
};

enum class DataType : int32_t {
  kFLOAT = 0,
  kHALF = 1,
  kINT8 = 2,
  kINT32 = 3,
  kBOOL = 4,
  kUINT8 = 5,
  kFP8 = 6,
  kBF16 = 7,
  kINT64 = 8,
  kINT4 = 9,
  kFP4 = 10,
  kE8M0 = 11,
};

enum class TensorIOMode : int32_t { kNONE = 0, kINPUT = 1, kOUTPUT = 2 };

enum class TensorLocation : int32_t { kDEVICE = 0, kHOST = 1 };

enum class TensorFormat : int32_t {
  kLINEAR = 0,
  kCHW2 = 1,
  kHWC8 = 2,
  kCHW4 = 3,
  kCHW16 = 4,
  kCHW32 = 5,
  kDHWC8 = 6,
  kCDHW32 = 7,
  kHWC = 8,
  kDLA_LINEAR = 9,
  kDLA_HWC4 = 10,
  kHWC16 = 11,
  kDHWC = 12,
};

enum class OptProfileSelector : int32_t { kMIN = 0, kOPT = 1, kMAX = 2 };

enum class ExecutionContextAllocationStrategy : int32_t { kSTATIC = 0, kON_PROFILE_CHANGE = 1, kUSER_MANAGED = 2 };

enum class HardwareCompatibilityLevel : int32_t { kNONE = 0, kAMPERE_PLUS = 1, kSAME_COMPUTE_CAPABILITY = 2 };

enum class EngineCapability : int32_t { kSTANDARD = 0, kSAFETY = 1, kDLA_STANDALONE = 2 };

enum class ErrorCode : int32_t {
  kSUCCESS = 0,
  kUNSPECIFIED_ERROR = 1,
  kINTERNAL_ERROR = 2,
  kINVALID_ARGUMENT = 3,
  kINVALID_CONFIG = 4,
  kFAILED_ALLOCATION = 5,
  kFAILED_INITIALIZATION = 6,
  kFAILED_EXECUTION = 7,
  kFAILED_COMPUTATION = 8,
  kINVALID_STATE = 9,
  kUNSUPPORTED_STATE = 10,
};

template <>
constexpr int32_t EnumMax<ErrorCode>() noexcept {
  return 11;
}

//! Tensor extents: int64 since TensorRT 10; -1 marks a dynamic extent, nbDims == -1 an invalid result.
class Dims64 {
 public:
  static constexpr int32_t MAX_DIMS{8};
  int32_t nbDims;
  int64_t d[MAX_DIMS];
};
using Dims = Dims64;

class InterfaceInfo {
 public:
  InterfaceKind kind;
  int32_t major;
  int32_t minor;
};

enum class APILanguage : int32_t { kCPP = 0, kPYTHON = 1 };

//! Base of the versioned user-implemented interfaces; the library reads the kind and version before using one.
class IVersionedInterface {
 public:
  virtual APILanguage getAPILanguage() const noexcept { return APILanguage::kCPP; }
  virtual InterfaceInfo getInterfaceInfo() const noexcept = 0;
  virtual ~IVersionedInterface() noexcept = default;

 protected:
  IVersionedInterface() = default;
  IVersionedInterface(IVersionedInterface const&) = default;
  IVersionedInterface(IVersionedInterface&&) = default;
  IVersionedInterface& operator=(IVersionedInterface const&) & = default;
  IVersionedInterface& operator=(IVersionedInterface&&) & = default;
};

//! Receives every message of the library. Must be thread-safe and outlive the objects created with it.
class ILogger {
 public:
  enum class Severity : int32_t { kINTERNAL_ERROR = 0, kERROR = 1, kWARNING = 2, kINFO = 3, kVERBOSE = 4 };
  virtual void log(Severity severity, AsciiChar const* msg) noexcept = 0;
  ILogger() = default;
  virtual ~ILogger() = default;

 protected:
  ILogger(ILogger const&) = default;
  ILogger(ILogger&&) = default;
  ILogger& operator=(ILogger const&) & = default;
  ILogger& operator=(ILogger&&) & = default;
};

namespace v_1_0 {
//! Receives errors as (code, text) pairs; a recorder set on the runtime is inherited by what it creates.
class IErrorRecorder : public IVersionedInterface {
 public:
  InterfaceInfo getInterfaceInfo() const noexcept override { return InterfaceInfo{"IErrorRecorder", 1, 0}; }
  using ErrorDesc = char const*;
  static constexpr size_t kMAX_DESC_LENGTH{127U};
  using RefCount = int32_t;

  IErrorRecorder() = default;
  ~IErrorRecorder() noexcept override = default;

  virtual int32_t getNbErrors() const noexcept = 0;
  virtual ErrorCode getErrorCode(int32_t errorIdx) const noexcept = 0;
  virtual ErrorDesc getErrorDesc(int32_t errorIdx) const noexcept = 0;
  virtual bool hasOverflowed() const noexcept = 0;
  virtual void clear() noexcept = 0;
  virtual bool reportError(ErrorCode val, ErrorDesc desc) noexcept = 0;
  virtual RefCount incRefCount() noexcept = 0;
  virtual RefCount decRefCount() noexcept = 0;

 protected:
  IErrorRecorder(IErrorRecorder const&) = default;
  IErrorRecorder(IErrorRecorder&&) = default;
  IErrorRecorder& operator=(IErrorRecorder const&) & = default;
  IErrorRecorder& operator=(IErrorRecorder&&) & = default;
};

//! Lets the application allocate outputs whose size is only known during enqueueV3.
class IOutputAllocator : public IVersionedInterface {
 public:
  InterfaceInfo getInterfaceInfo() const noexcept override { return InterfaceInfo{"IOutputAllocator", 1, 0}; }

  //! Deprecated in TensorRT 10.0 in favour of reallocateOutputAsync.
  virtual void* reallocateOutput(char const* tensorName, void* currentMemory, uint64_t size,
                                 uint64_t alignment) noexcept {
    (void)tensorName;
    (void)currentMemory;
    (void)size;
    (void)alignment;
    return nullptr;
  }

  //! Not noexcept in the SDK either.
  virtual void* reallocateOutputAsync(char const* tensorName, void* currentMemory, uint64_t size, uint64_t alignment,
                                      cudaStream_t /*stream*/) {
    return reallocateOutput(tensorName, currentMemory, size, alignment);
  }

  virtual void notifyShape(char const* tensorName, Dims const& dims) noexcept = 0;
};
}  // namespace v_1_0

using IErrorRecorder = v_1_0::IErrorRecorder;
using IOutputAllocator = v_1_0::IOutputAllocator;

//! A buffer owned by the library (serialized plans, timing caches). Release with `delete`.
class IHostMemory : public INoCopy {
 public:
  ~IHostMemory() noexcept override = default;
  virtual void* data() const noexcept = 0;
  virtual std::size_t size() const noexcept = 0;
  virtual DataType type() const noexcept = 0;
};

//! Min/opt/max shapes per dynamic input; created by IBuilder, which owns it.
class IOptimizationProfile : public INoCopy {
 public:
  ~IOptimizationProfile() noexcept override = default;
  virtual bool setDimensions(char const* inputName, OptProfileSelector select, Dims const& dims) noexcept = 0;
  virtual Dims getDimensions(char const* inputName, OptProfileSelector select) const noexcept = 0;
  virtual int32_t getNbShapeValues(char const* inputName) const noexcept = 0;
  //! Min/opt/max values of a shape input tensor (one per element, row-major); false on an inconsistent count.
  virtual bool setShapeValuesV2(char const* inputName, OptProfileSelector select, int64_t const* values,
                                int32_t nbValues) noexcept = 0;
  virtual int64_t const* getShapeValuesV2(char const* inputName, OptProfileSelector select) const noexcept = 0;
  virtual bool setExtraMemoryTarget(float target) noexcept = 0;
  virtual float getExtraMemoryTarget() const noexcept = 0;
  virtual bool isValid() const noexcept = 0;
};

class ICudaEngine;

class IExecutionContext : public INoCopy {
 public:
  ~IExecutionContext() noexcept override = default;

  virtual ICudaEngine const& getEngine() const noexcept = 0;
  virtual void setName(char const* name) noexcept = 0;
  virtual char const* getName() const noexcept = 0;
  virtual void setErrorRecorder(IErrorRecorder* recorder) noexcept = 0;
  virtual IErrorRecorder* getErrorRecorder() const noexcept = 0;

  virtual bool setInputShape(char const* tensorName, Dims const& dims) noexcept = 0;
  virtual Dims getTensorShape(char const* tensorName) const noexcept = 0;
  virtual Dims getTensorStrides(char const* tensorName) const noexcept = 0;
  virtual bool allInputDimensionsSpecified() const noexcept = 0;
  virtual int32_t inferShapes(int32_t nbMaxNames, char const** tensorNames) noexcept = 0;

  virtual bool setTensorAddress(char const* tensorName, void* data) noexcept = 0;
  virtual void const* getTensorAddress(char const* tensorName) const noexcept = 0;
  virtual bool setInputTensorAddress(char const* tensorName, void const* data) noexcept = 0;
  virtual bool setOutputTensorAddress(char const* tensorName, void* data) noexcept = 0;
  virtual void* getOutputTensorAddress(char const* tensorName) const noexcept = 0;

  virtual bool setOutputAllocator(char const* tensorName, IOutputAllocator* outputAllocator) noexcept = 0;
  virtual IOutputAllocator* getOutputAllocator(char const* tensorName) const noexcept = 0;
  virtual int64_t getMaxOutputSize(char const* tensorName) const noexcept = 0;

  virtual bool setOptimizationProfileAsync(int32_t profileIndex, cudaStream_t stream) noexcept = 0;
  virtual int32_t getOptimizationProfile() const noexcept = 0;

  virtual void setDeviceMemoryV2(void* memory, int64_t size) noexcept = 0;
  virtual size_t updateDeviceMemorySizeForShapes() noexcept = 0;

  virtual bool setInputConsumedEvent(cudaEvent_t event) noexcept = 0;
  virtual cudaEvent_t getInputConsumedEvent() const noexcept = 0;

  virtual bool enqueueV3(cudaStream_t stream) noexcept = 0;
  virtual bool executeV2(void* const* bindings) noexcept = 0;
};

class ICudaEngine : public INoCopy {
 public:
  ~ICudaEngine() noexcept override = default;

  virtual int32_t getNbIOTensors() const noexcept = 0;
  virtual char const* getIOTensorName(int32_t index) const noexcept = 0;
  virtual TensorIOMode getTensorIOMode(char const* tensorName) const noexcept = 0;
  virtual DataType getTensorDataType(char const* tensorName) const noexcept = 0;
  virtual Dims getTensorShape(char const* tensorName) const noexcept = 0;
  virtual TensorLocation getTensorLocation(char const* tensorName) const noexcept = 0;
  virtual bool isShapeInferenceIO(char const* tensorName) const noexcept = 0;
  virtual TensorFormat getTensorFormat(char const* tensorName) const noexcept = 0;
  virtual TensorFormat getTensorFormat(char const* tensorName, int32_t profileIndex) const noexcept = 0;
  virtual char const* getTensorFormatDesc(char const* tensorName) const noexcept = 0;
  virtual int32_t getTensorBytesPerComponent(char const* tensorName) const noexcept = 0;
  virtual int32_t getTensorComponentsPerElement(char const* tensorName) const noexcept = 0;
  virtual int32_t getTensorVectorizedDim(char const* tensorName) const noexcept = 0;

  virtual int32_t getNbOptimizationProfiles() const noexcept = 0;
  virtual Dims getProfileShape(char const* tensorName, int32_t profileIndex,
                               OptProfileSelector select) const noexcept = 0;
  //! Deprecated in TensorRT 10.11, removed in 11: the values set with the int32 setShapeValues, which the simulator
  //! does not offer (nullptr always).
  [[deprecated]] virtual int32_t const* getProfileTensorValues(char const* tensorName, int32_t profileIndex,
                                                               OptProfileSelector select) const noexcept = 0;
  //! The values of a shape input tensor in a profile; nullptr for another tensor.
  virtual int64_t const* getProfileTensorValuesV2(char const* tensorName, int32_t profileIndex,
                                                  OptProfileSelector select) const noexcept = 0;

  virtual int64_t getDeviceMemorySizeV2() const noexcept = 0;
  virtual int64_t getDeviceMemorySizeForProfileV2(int32_t profileIndex) const noexcept = 0;

  virtual IExecutionContext* createExecutionContext(
      ExecutionContextAllocationStrategy strategy = ExecutionContextAllocationStrategy::kSTATIC) noexcept = 0;

  virtual IHostMemory* serialize() const noexcept = 0;
  virtual char const* getName() const noexcept = 0;
  virtual int32_t getNbLayers() const noexcept = 0;
  virtual EngineCapability getEngineCapability() const noexcept = 0;
  virtual HardwareCompatibilityLevel getHardwareCompatibilityLevel() const noexcept = 0;
  virtual bool isRefittable() const noexcept = 0;
  virtual void setErrorRecorder(IErrorRecorder* recorder) noexcept = 0;
  virtual IErrorRecorder* getErrorRecorder() const noexcept = 0;
};

//! The types of plugin fields: what a plugin creator is given (the ONNX parser converts a node's attributes to them).
enum class PluginFieldType : int32_t {
  kFLOAT16 = 0,
  kFLOAT32 = 1,
  kFLOAT64 = 2,
  kINT8 = 3,
  kINT16 = 4,
  kINT32 = 5,
  kCHAR = 6,
  kDIMS = 7,
  kUNKNOWN = 8,
  kBF16 = 9,
  kINT64 = 10,
  kFP8 = 11,
  kINT4 = 12,
  kFP4 = 13,
};

class PluginField {
 public:
  AsciiChar const* name;
  void const* data;
  PluginFieldType type;
  int32_t length;
  PluginField(AsciiChar const* const name_ = nullptr, void const* const data_ = nullptr,
              PluginFieldType const type_ = PluginFieldType::kUNKNOWN, int32_t const length_ = 0) noexcept
      : name(name_), data(data_), type(type_), length(length_) {}
};

struct PluginFieldCollection {
  int32_t nbFields{};
  PluginField const* fields{};
};

namespace v_1_0 {
//! Base of every plugin creator; getInterfaceInfo().kind says which creator interface it implements.
class IPluginCreatorInterface : public IVersionedInterface {
 public:
  ~IPluginCreatorInterface() noexcept override = default;

 protected:
  IPluginCreatorInterface() = default;
  IPluginCreatorInterface(IPluginCreatorInterface const&) = default;
  IPluginCreatorInterface(IPluginCreatorInterface&&) = default;
  IPluginCreatorInterface& operator=(IPluginCreatorInterface const&) & = default;
  IPluginCreatorInterface& operator=(IPluginCreatorInterface&&) & = default;
};

//! A creator of IPluginV3 plugins. This header names what identifies a creator; creating and running plugins is
//! between the library and the plugin library, and tensorrt-node takes no part in it.
class IPluginCreatorV3One : public IPluginCreatorInterface {
 public:
  InterfaceInfo getInterfaceInfo() const noexcept override { return InterfaceInfo{"PLUGIN CREATOR_V3ONE", 1, 0}; }
  virtual PluginFieldCollection const* getFieldNames() noexcept = 0;
  virtual AsciiChar const* getPluginName() const noexcept = 0;
  virtual AsciiChar const* getPluginVersion() const noexcept = 0;
  virtual AsciiChar const* getPluginNamespace() const noexcept = 0;
  IPluginCreatorV3One() = default;
  virtual ~IPluginCreatorV3One() = default;

 protected:
  IPluginCreatorV3One(IPluginCreatorV3One const&) = default;
  IPluginCreatorV3One(IPluginCreatorV3One&&) = default;
  IPluginCreatorV3One& operator=(IPluginCreatorV3One const&) & = default;
  IPluginCreatorV3One& operator=(IPluginCreatorV3One&&) & = default;
};
}  // namespace v_1_0
using IPluginCreatorInterface = v_1_0::IPluginCreatorInterface;
using IPluginCreatorV3One = v_1_0::IPluginCreatorV3One;

//! A creator of the legacy IPluginV2 plugins (deprecated since TensorRT 10, yet most of libnvinfer_plugin's). As
//! above, only what identifies one.
class IPluginCreator : public IPluginCreatorInterface {
 public:
  InterfaceInfo getInterfaceInfo() const noexcept override { return InterfaceInfo{"PLUGIN CREATOR_V1", 1, 0}; }
  virtual AsciiChar const* getPluginName() const noexcept = 0;
  virtual AsciiChar const* getPluginVersion() const noexcept = 0;
  virtual PluginFieldCollection const* getFieldNames() noexcept = 0;
  virtual AsciiChar const* getPluginNamespace() const noexcept = 0;
};

//! Which capability interface IPluginV3::getCapabilityInterface returns.
enum class PluginCapabilityType : int32_t { kCORE = 0, kBUILD = 1, kRUNTIME = 2 };

namespace v_1_0 {
//! One capability of an IPluginV3 plugin object (its core, build or runtime interface).
class IPluginCapability : public IVersionedInterface {};

//! A plugin object of the V3 kind, as a plugin layer of a network holds it. As for creators, this header names only
//! what identifies one (its core capability); building and running plugins is between TensorRT and their library.
class IPluginV3 : public IVersionedInterface {
 public:
  InterfaceInfo getInterfaceInfo() const noexcept override { return InterfaceInfo{"PLUGIN", 1, 0}; }
  virtual IPluginCapability* getCapabilityInterface(PluginCapabilityType type) noexcept = 0;
  virtual IPluginV3* clone() noexcept = 0;
};

//! The core capability of a V3 plugin: its identity, the name, version and namespace of its creator.
class IPluginV3OneCore : public IPluginCapability {
 public:
  InterfaceInfo getInterfaceInfo() const noexcept override { return InterfaceInfo{"PLUGIN_V3ONE_CORE", 1, 0}; }
  virtual AsciiChar const* getPluginName() const noexcept = 0;
  virtual AsciiChar const* getPluginVersion() const noexcept = 0;
  virtual AsciiChar const* getPluginNamespace() const noexcept = 0;
};
}  // namespace v_1_0
using IPluginCapability = v_1_0::IPluginCapability;
using IPluginV3 = v_1_0::IPluginV3;
using IPluginV3OneCore = v_1_0::IPluginV3OneCore;

//! A plugin object of the legacy kind (deprecated since TensorRT 10, as its creator): only what identifies it.
class [[deprecated]] IPluginV2 {
 public:
  virtual AsciiChar const* getPluginType() const noexcept = 0;
  virtual AsciiChar const* getPluginVersion() const noexcept = 0;
  virtual AsciiChar const* getPluginNamespace() const noexcept = 0;
  virtual ~IPluginV2() noexcept = default;
};

//! The process-wide registry of plugin creators, shared by every runtime and builder of the library. Deserializing a
//! plan looks up the creator of each plugin layer by name, version and namespace; the ONNX parser looks up the
//! plugins it imports (RoiAlign, and any operator it has no importer for) the same way.
class IPluginRegistry {
 public:
  using PluginLibraryHandle = void*;
  virtual ~IPluginRegistry() noexcept = default;
  virtual void setErrorRecorder(IErrorRecorder* const recorder) noexcept = 0;
  virtual IErrorRecorder* getErrorRecorder() const noexcept = 0;
  //! Opens a plugin library and registers its creators (it exports getCreators or getPluginCreators); nullptr when it
  //! cannot, the reason reported.
  virtual PluginLibraryHandle loadLibrary(AsciiChar const* pluginPath) noexcept = 0;
  virtual void deregisterLibrary(PluginLibraryHandle handle) noexcept = 0;
  //! False when a creator of the same name, version and namespace is registered already.
  virtual bool registerCreator(IPluginCreatorInterface& creator, AsciiChar const* const pluginNamespace) noexcept = 0;
  virtual IPluginCreatorInterface* const* getAllCreators(int32_t* const numCreators) const noexcept = 0;
  virtual IPluginCreatorInterface* getCreator(AsciiChar const* const pluginName, AsciiChar const* const pluginVersion,
                                              AsciiChar const* const pluginNamespace = "") noexcept = 0;
  virtual bool deregisterCreator(IPluginCreatorInterface const& creator) noexcept = 0;

 protected:
  IPluginRegistry() = default;
  IPluginRegistry(IPluginRegistry const&) = default;
  IPluginRegistry(IPluginRegistry&&) = default;
  IPluginRegistry& operator=(IPluginRegistry const&) & = default;
  IPluginRegistry& operator=(IPluginRegistry&&) & = default;
};

class IRuntime : public INoCopy {
 public:
  ~IRuntime() noexcept override = default;

  //! Returns nullptr on failure; the reason goes to the error recorder (or the logger when none is set).
  virtual ICudaEngine* deserializeCudaEngine(void const* blob, std::size_t size) noexcept = 0;
  virtual void setErrorRecorder(IErrorRecorder* recorder) noexcept = 0;
  virtual IErrorRecorder* getErrorRecorder() const noexcept = 0;
  virtual ILogger* getLogger() const noexcept = 0;
  virtual bool setMaxThreads(int32_t maxThreads) noexcept = 0;
  virtual int32_t getMaxThreads() const noexcept = 0;
  virtual void setEngineHostCodeAllowed(bool allowed) noexcept = 0;
  virtual bool getEngineHostCodeAllowed() const noexcept = 0;
  virtual IPluginRegistry& getPluginRegistry() noexcept = 0;
};

}  // namespace trtsim
}  // namespace nvinfer1

// C entry points of libnvinfer. The simulator's library exports the same names; tensorrt-node resolves them with
// dlsym and never links them.
extern "C" TENSORRTAPI void* createInferRuntime_INTERNAL(void* logger, int32_t version) noexcept;
extern "C" TENSORRTAPI int32_t getInferLibVersion() noexcept;
extern "C" TENSORRTAPI int32_t getInferLibMajorVersion() noexcept;
extern "C" TENSORRTAPI int32_t getInferLibMinorVersion() noexcept;
extern "C" TENSORRTAPI int32_t getInferLibPatchVersion() noexcept;
extern "C" TENSORRTAPI int32_t getInferLibBuildVersion() noexcept;
extern "C" TENSORRTAPI nvinfer1::IPluginRegistry* getPluginRegistry() noexcept;

namespace nvinfer1 {
inline namespace trtsim {
namespace {
//! The SDK's convenience factory; it links libnvinfer, so tensorrt-node itself never calls it.
inline IRuntime* createInferRuntime(ILogger& logger) noexcept {
  return static_cast<IRuntime*>(createInferRuntime_INTERNAL(&logger, NV_TENSORRT_VERSION));
}
}  // namespace
}  // namespace trtsim
}  // namespace nvinfer1
