// The boundary between the N-API layer and the code that speaks TensorRT. Nothing here names an nvinfer1 type, so
// the N-API layer compiles once while the backend implementation (backend_impl.inc) is compiled once per TensorRT
// API: against the simulator's header always, and against NVIDIA's headers when the build is given them.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "../common/tensor_layout.h"
#include "cuda_api.h"

namespace trtn {

// A failure with everything the TypeScript layer needs to build a typed error.
struct Failure {
  std::string code;     // LIBRARY_NOT_FOUND, LIBRARY_VERSION, ENGINE_INCOMPATIBLE, ENGINE_CORRUPT, INVALID_INPUT,
                        // CUDA_TRANSIENT, CUDA_STICKY, OUT_OF_MEMORY, BUILD_FAILED, INTERNAL
  std::string message;  // one readable sentence or more
  int trtErrorCode = 0;  // nvinfer1::ErrorCode of the first recorded error, 0 when none
  int cudaError = 0;     // cudaError_t when CUDA reported one
  std::vector<std::string> trtMessages;  // every error TensorRT recorded during the call, in order
  std::vector<std::string> logMessages;  // warnings and errors TensorRT logged during the call ("[W] ...")
  std::vector<std::string> details;      // paths tried, parser errors ("node 3 (Gemm_3, Gemm): ...")
  std::string tensor;                    // the tensor concerned, when there is one
  // The plugin concerned (an engine or model needs one no registered library provides); empty name when none.
  std::string pluginName, pluginVersion, pluginNamespace;
};

// Log messages from TensorRT, at or above a severity (0 internal error .. 4 verbose). Thread-safe: TensorRT logs
// from its own threads.
class LogSink {
 public:
  virtual ~LogSink() = default;
  virtual void log(int severity, std::string const& message) = 0;
};

enum class DataType { kFLOAT, kHALF, kBF16, kINT8, kUINT8, kINT32, kINT64, kBOOL, kFP8, kINT4, kFP4, kUNKNOWN };
char const* dataTypeName(DataType type);  // "float32", "float16", ... ("unknown")
size_t dataTypeSize(DataType type);       // 0 for sub-byte or unknown types

// Elements of a tensor of known `dims` (every extent non-negative).
inline size_t volume(std::vector<int64_t> const& dims) {
  size_t v = 1;
  for (int64_t d : dims) v *= static_cast<size_t>(d);
  return v;
}

// A -1 extent left once every input has a shape: the shape depends on the data (NonZero and the like).
inline bool hasUnknownExtent(std::vector<int64_t> const& dims) {
  for (int64_t d : dims) {
    if (d < 0) return true;
  }
  return false;
}

struct TensorInfo {
  std::string name;
  bool isInput = false;
  DataType dataType = DataType::kUNKNOWN;
  std::vector<int64_t> shape;  // -1 for dynamic extents
  std::string format;          // "linear", "chw4", ...
  layout::Layout layout;       // the memory layout of `format` (tensor_layout.h)
  // Why runs cannot bind this tensor (a DLA format, a type without whole-byte elements); empty when they can.
  std::string unbindable;
  std::string location;        // "device" or "host" (a shape tensor input, whose values TensorRT reads on the host)
  bool dataDependent = false;  // an output whose shape depends on the values computed, not only on input shapes
};

struct ProfileShapes {
  std::string tensor;
  std::vector<int64_t> min, opt, max;
  // A shape tensor input's min/opt/max values, one per element (getProfileTensorValuesV2); empty for other inputs.
  std::vector<int64_t> minValues, optValues, maxValues;
};

struct EngineInfo {
  std::string name;
  std::vector<TensorInfo> tensors;                   // IO order: as TensorRT enumerates them
  std::vector<std::vector<ProfileShapes>> profiles;  // per profile, one entry per input
  int64_t deviceMemoryBytes = 0;
  int32_t layers = 0;
};

// Receives an output whose extents depend on the data (TensorRT's IOutputAllocator). During enqueue, TensorRT asks it
// for memory once the size is known, then tells it the shape; both happen before enqueue returns, on its thread.
class DynamicOutputSink {
 public:
  virtual ~DynamicOutputSink() = default;
  // Device memory of at least `bytes` (always > 0), usable in the order of `stream`; nullptr when it cannot be had.
  virtual void* reallocate(size_t bytes, cuda::Stream stream) = 0;
  virtual void shape(std::vector<int64_t> const& dims) = 0;
};

class ContextBackend {
 public:
  virtual ~ContextBackend() = default;
  virtual bool setProfile(int32_t index, cuda::Stream stream, Failure& failure) = 0;
  virtual bool setInputShape(std::string const& name, std::vector<int64_t> const& dims, Failure& failure) = 0;
  // Shape of any IO tensor after the input shapes were set (-1 extents if still unknown).
  virtual std::vector<int64_t> tensorShape(std::string const& name) = 0;
  // Why the output shapes cannot be inferred (IExecutionContext::inferShapes): false with TensorRT's reason, for a
  // caller that found an extent unknown which the data does not decide.
  virtual bool inferShapes(Failure& failure) = 0;
  virtual bool setTensorAddress(std::string const& name, void* address, Failure& failure) = 0;
  // Routes a data-dependent output to `sink` (which must outlive the context) instead of a fixed address.
  virtual bool setOutputSink(std::string const& name, DynamicOutputSink* sink, Failure& failure) = 0;
  // Queues the network on the stream; on failure classifies it (CUDA_TRANSIENT / CUDA_STICKY / INVALID_INPUT).
  virtual bool enqueue(cuda::Stream stream, Failure& failure) = 0;
};

class EngineBackend {
 public:
  virtual ~EngineBackend() = default;
  virtual EngineInfo const& info() const = 0;
  virtual std::unique_ptr<ContextBackend> createContext(Failure& failure) = 0;
  virtual std::vector<uint8_t> serialize(Failure& failure) = 0;
};

class RuntimeBackend {
 public:
  virtual ~RuntimeBackend() = default;
  virtual std::unique_ptr<EngineBackend> deserialize(uint8_t const* data, size_t size, Failure& failure) = 0;
};

struct BuildProfile {
  std::string tensor;
  std::vector<int64_t> min, opt, max;
  bool values = false;  // min/opt/max are a shape tensor input's values (setShapeValuesV2), not dimensions
};

struct BuildOptions {
  std::vector<std::vector<BuildProfile>> profiles;  // one vector per optimization profile
  int64_t workspaceBytes = 0;                        // 0: TensorRT's default
  int32_t optimizationLevel = -1;                    // -1: TensorRT's default
  std::string precision = "fp32";                    // fp32 | fp16 | bf16 | int8 (builder flags, TensorRT 10)
  bool stronglyTyped = false;                        // the ONNX model's types decide (TensorRT 11: always)
  std::vector<uint8_t> calibrationCache;             // int8: a TensorRT calibration cache
  std::vector<uint8_t> timingCache;                  // read before the build (may be empty)
  bool versionCompatible = false;
  bool excludeLeanRuntime = false;
  std::string hardwareCompatibility = "none";        // none | ampere+ | same-compute-capability
  // Model outputs to mark as shape tensor outputs (markOutputForShapes): TensorRT computes them on the host while it
  // infers shapes and writes them to host memory, so reading them needs no kernel and no device copy.
  std::vector<std::string> shapeOutputs;
  // IO tensors to build in another memory layout than row-major (ITensor::setAllowedFormats), by name: "chw4",
  // "hwc8", ... as formatName says. TensorRT then expects and writes that layout; runs convert to and from it.
  std::vector<std::pair<std::string, std::string>> ioFormats;
  // Progress: phase start (name, parent, steps), step (name, step) -> false cancels, finish (name).
  std::function<void(std::string const&, std::string const&, int32_t)> onPhaseStart;
  std::function<bool(std::string const&, int32_t)> onStep;
  std::function<void(std::string const&)> onPhaseFinish;
};

// A network input or output as TensorRT's ONNX parser made it.
struct NetworkTensor {
  std::string name;
  DataType dataType = DataType::kUNKNOWN;
  std::vector<int64_t> dims;  // -1 for dynamic extents
  bool shapeTensor = false;   // ITensor::isShapeTensor: an input whose values decide shapes (read on the host)
};

// A plugin creator in TensorRT's plugin registry, or a plugin that layers use.
struct PluginCreatorInfo {
  std::string name, version, pluginNamespace;
  std::string kind;  // "v3" (IPluginV3 plugins), "v2" (the legacy IPluginV2 ones), or the interface kind TensorRT gives
  std::string library;  // the file whose loading registered it (standard plugins or loadPluginLibrary); "" if unknown
};

struct NetworkDescription {
  std::vector<NetworkTensor> inputs, outputs;
  std::vector<PluginCreatorInfo> plugins;  // the plugins its layers use, each once: what a plan of it needs registered
  std::vector<std::string> log;            // what the parser logged as warnings or errors ("[W] ...")
};

struct BuildResult {
  std::vector<uint8_t> plan;
  std::vector<uint8_t> timingCache;
  std::vector<PluginCreatorInfo> plugins;  // as NetworkDescription's
  std::vector<std::string> log;            // the parser's and the builder's, as NetworkDescription's
};

// What the backend's plugin registry holds and where it came from.
struct PluginStatus {
  bool registry = false;                   // libnvinfer exports getPluginRegistry (plugin libraries can be loaded)
  std::string standardPath;                // libnvinfer_plugin, its plugins registered; empty when not
  std::vector<std::string> standardTried;  // why not: paths tried with the loader's reasons, missing symbols
  std::string standardError;               // initLibNvInferPlugins refused
  std::vector<std::string> libraries;      // loaded by loadPluginLibrary, in order
  std::vector<PluginCreatorInfo> creators;
};

// One loaded set of libraries (TensorRT, ONNX parser, CUDA runtime) and the API compiled for it.
class Backend {
 public:
  virtual ~Backend() = default;
  virtual char const* kind() const = 0;  // "tensorrt" or "simulator"
  virtual CudaApi const& cuda() const = 0;
  virtual int32_t libraryVersion() const = 0;  // getInferLibVersion()
  virtual int32_t headerVersion() const = 0;   // NV_TENSORRT_VERSION the backend was compiled with
  virtual std::vector<std::string> libraryPaths() const = 0;
  // Why the ONNX parser cannot be used (builds need it, running engines does not): LIBRARY_NOT_FOUND or
  // LIBRARY_VERSION, as a build would fail; code "" when it can.
  virtual Failure onnxParserProblem() const = 0;
  // A symbol of the loaded CUDA runtime (the simulator's control functions live there).
  virtual void* cudaSymbol(char const* name) const = 0;
  // allowEngineHostCode: IRuntime::setEngineHostCodeAllowed (needed for version-compatible plans, which embed the
  // lean runtime; off by default, as in TensorRT, since it runs code from the plan).
  virtual std::unique_ptr<RuntimeBackend> createRuntime(std::shared_ptr<LogSink> sink, int minSeverity,
                                                        bool allowEngineHostCode, Failure& failure) = 0;
  // Parses ONNX and builds a serialized plan. Runs on the calling thread (the N-API layer calls it off the JS thread).
  // On success the plan is non-empty and `timingCache` holds the cache after the build.
  virtual BuildResult buildFromOnnx(uint8_t const* onnx, size_t size, BuildOptions const& options,
                                    std::shared_ptr<LogSink> sink, Failure& failure) = 0;
  // Parses ONNX into a network and describes its inputs and outputs, without building (failure.code is set when it
  // fails). Runs on the calling thread.
  virtual NetworkDescription describeOnnx(uint8_t const* onnx, size_t size, std::shared_ptr<LogSink> sink,
                                          Failure& failure) = 0;
  virtual PluginStatus plugins() = 0;
  // Registers the plugins of a shared library (IPluginRegistry::loadLibrary) for the whole process: runtimes,
  // builders and the ONNX parser of this backend. Loading a library loaded before does nothing. False with the
  // failure: LIBRARY_NOT_FOUND when it cannot be opened, INVALID_ARGUMENT when TensorRT refuses its plugins.
  virtual bool loadPluginLibrary(std::string const& path, Failure& failure) = 0;
};

// Loads (once per process) the libraries of a backend kind and returns it, or nullptr with the failure.
std::shared_ptr<Backend> loadBackend(std::string const& kind, Failure& failure);

struct CompiledBackend {
  std::string kind;
  int32_t headerVersion;  // NV_TENSORRT_VERSION of the header
  bool simulatorHeader;
};
std::vector<CompiledBackend> compiledBackends();

}  // namespace trtn
