// IRuntime of the simulator and the library's C entry points (the names libnvinfer exports).
#include <cstring>

#include "cudart_calls.h"
#include "../cudart/sim_cuda.h"
#include "../include/NvInfer.h"
#include "../include/trtsim_control.h"
#include "engine.h"
#include "lib_state.h"
#include "library_version.h"
#include "plugin_registry.h"
#include "shapes.h"

namespace trtsim {

nvinfer1::IBuilder* createBuilder(nvinfer1::ILogger* logger);

InferCounters& inferCounters() {
  static InferCounters c;
  return c;
}

namespace {

using nvinfer1::ErrorCode;

class RuntimeImpl : public nvinfer1::IRuntime {
 public:
  explicit RuntimeImpl(nvinfer1::ILogger* logger) : mLogger(logger) { inferCounters().runtimes++; }
  ~RuntimeImpl() noexcept override {
    mEngines.parentDestroyed();  // TensorRT requires engines to be destroyed first
    inferCounters().runtimes--;
  }

  nvinfer1::ICudaEngine* deserializeCudaEngine(void const* blob, std::size_t size) noexcept override {
    holdCaller(trtsim_deserialize_delay());
    Reporter report(mLogger, mRecorder.get());
    constexpr char const* kWhere = "IRuntime::deserializeCudaEngine";
    if (!blob || size == 0) {
      report.error(ErrorCode::kINVALID_ARGUMENT, kWhere, "API Usage Error",
                   "Parameter check failed, condition: (blob) != nullptr && size > 0.");
      return nullptr;
    }
    if (int sticky = cuda::stickyError()) {
      report.error(ErrorCode::kUNSPECIFIED_ERROR, kWhere, "Cuda Runtime", cudaGetErrorString(sticky));
      return nullptr;
    }
    int ccMajor = 0, ccMinor = 0;
    cuda::deviceComputeCapability(&ccMajor, &ccMinor);
    std::shared_ptr<PlanContents> plan;
    try {
      plan = std::make_shared<PlanContents>(readPlan(static_cast<uint8_t const*>(blob), size, ccMajor, ccMinor));
      requirePlugins(plan->graph);  // subgraphs' plugins too, before any op is made
      for (NodeDef& node : plan->graph.nodes) node.op = createNodeOp(node, plan->graph.opset);
      requireConsistentGraph(plan->graph);
    } catch (PlanError const& e) {
      reportPlanError(report, e);
      return nullptr;
    } catch (PluginNotFound const& e) {
      // TensorRT 10's two errors: the registry's miss, then the deserializer's assertion.
      report.error(ErrorCode::kINVALID_CONFIG, "IPluginRegistry::getCreator", "API Usage Error", e.what());
      report.error(ErrorCode::kUNSPECIFIED_ERROR, kWhere, "Serialization",
                   "Serialization assertion creator failed.Cannot deserialize plugin since corresponding "
                   "IPluginCreator not found in Plugin Registry");
      return nullptr;
    } catch (std::exception const& e) {
      report.error(ErrorCode::kUNSPECIFIED_ERROR, kWhere, "Serialization",
                   std::string("Serialization assertion plan layers are valid failed.") + e.what());
      return nullptr;
    }
    if ((plan->flags & kPlanFlagHostCode) && !mHostCodeAllowed) {
      // The exact words of TensorRT's refusal are not documented; the shape and the setter it names are.
      report.error(ErrorCode::kUNSPECIFIED_ERROR, kWhere, "Serialization",
                   "Serialization assertion hostCodeAllowed failed.The engine plan contains host code (the lean "
                   "runtime of a version-compatible plan); the runtime refuses it unless "
                   "IRuntime::setEngineHostCodeAllowed(true) was called");
      return nullptr;
    }
    // Weights live in device memory for the engine's lifetime, like TensorRT's.
    std::vector<int64_t> offsets(plan->graph.tensors.size(), 0);
    int64_t total = 0;
    for (size_t i = 0; i < plan->graph.tensors.size(); ++i) {
      auto const& data = plan->graph.tensors[i].constData;
      if (!data) continue;
      offsets[i] = total;
      total += (static_cast<int64_t>(data->size()) + 255) / 256 * 256;
    }
    void* weights = nullptr;
    if (total > 0) {
      if (int rc = cudaMalloc(&weights, static_cast<size_t>(total))) {
        report.outOfMemory(kWhere, total, rc);
        return nullptr;
      }
      auto* host = static_cast<uint8_t*>(cuda::resolveDevice(weights, static_cast<size_t>(total)));
      for (size_t i = 0; i < plan->graph.tensors.size(); ++i) {
        auto const& data = plan->graph.tensors[i].constData;
        if (data) std::memcpy(host + offsets[i], data->data(), data->size());
      }
    }
    report.log(nvinfer1::ILogger::Severity::kINFO,
               "Loaded engine size: " + std::to_string((size + (1u << 20) - 1) >> 20) + " MiB");
    return new EngineImpl(std::move(plan), weights, std::move(offsets), mLogger, mRecorder.get(), mEngines.adopt());
  }

  void setErrorRecorder(nvinfer1::IErrorRecorder* recorder) noexcept override { mRecorder.set(recorder); }
  nvinfer1::IErrorRecorder* getErrorRecorder() const noexcept override { return mRecorder.get(); }
  nvinfer1::ILogger* getLogger() const noexcept override { return mLogger; }
  bool setMaxThreads(int32_t n) noexcept override {
    if (n <= 0) return false;
    mMaxThreads = n;
    return true;
  }
  int32_t getMaxThreads() const noexcept override { return mMaxThreads; }
  void setEngineHostCodeAllowed(bool allowed) noexcept override { mHostCodeAllowed = allowed; }
  bool getEngineHostCodeAllowed() const noexcept override { return mHostCodeAllowed; }
  nvinfer1::IPluginRegistry& getPluginRegistry() noexcept override { return *::getPluginRegistry(); }

 private:
  // What the plan says about each tensor must be what its layers compute: the engine's IO sizes come from the stored
  // types and shapes, the kernels from the computed ones. A damaged plan (with its checksum recomputed) that
  // disagrees would have kernels read and write past their tensors.
  static void requireConsistentGraph(Graph const& graph) {
    std::vector<TensorInfo> computed;
    try {
      // The stored shapes were inferred without the values of shape inputs, as these are.
      std::vector<bool> shape = shapeTensors(graph);
      bool shapeInputs = std::any_of(graph.inputs.begin(), graph.inputs.end(), [&](int idx) { return shape[idx]; });
      computed = resolveGraph(graph, {}, {}, !shapeInputs);
    } catch (std::exception const& e) {
      throw PlanError(PlanError::Kind::kCorrupt, std::string("the layers do not fit together: ") + e.what());
    }
    for (size_t i = 0; i < graph.tensors.size(); ++i) {
      TensorDef const& t = graph.tensors[i];
      if (computed[i].type != t.type || computed[i].shape != t.shape) {
        throw PlanError(PlanError::Kind::kCorrupt, "tensor " + t.name + " is stored as " + dtypeName(t.type) + " " +
                                                       shapeToString(t.shape) + " but computed as " +
                                                       dtypeName(computed[i].type) + " " + shapeToString(computed[i].shape));
      }
    }
  }

  static void reportPlanError(Reporter const& report, PlanError const& e) {
    constexpr char const* kWhere = "IRuntime::deserializeCudaEngine";
    switch (e.kind) {
      case PlanError::Kind::kMagic:
        report.error(ErrorCode::kUNSPECIFIED_ERROR, kWhere, "Serialization",
                     std::string("Serialization assertion magicTagRead == kMAGIC_TAG failed.") + e.what());
        break;
      case PlanError::Kind::kSize:
        report.error(ErrorCode::kUNSPECIFIED_ERROR, kWhere, "Serialization",
                     std::string("Serialization assertion sizeRead == static_cast<uint64_t>(mEnd - mCurrent) "
                                 "failed.") + e.what());
        break;
      case PlanError::Kind::kVersion:
        report.error(ErrorCode::kUNSPECIFIED_ERROR, kWhere, "Serialization",
                     std::string("Serialization assertion stdVersionRead == kSERIALIZATION_VERSION failed.") +
                         e.what());
        break;
      case PlanError::Kind::kDevice:
        report.error(ErrorCode::kFAILED_INITIALIZATION, kWhere, "Failed Initialization", e.what());
        report.error(ErrorCode::kINTERNAL_ERROR, kWhere, "Internal Error",
                     "Assertion engine->deserialize(...) failed.");
        break;
      case PlanError::Kind::kCorrupt:
        report.error(ErrorCode::kUNSPECIFIED_ERROR, kWhere, "Serialization",
                     std::string("Serialization assertion plan body is consistent failed.") + e.what());
        break;
    }
  }

  nvinfer1::ILogger* mLogger;
  RecorderHolder mRecorder;
  int32_t mMaxThreads = 1;
  bool mHostCodeAllowed = false;
  Children mEngines;
};

// Factories refuse callers compiled against another major version, whose vtables would not match.
bool versionAccepted(void* logger, int32_t version, char const* what) {
  if (version / 10000 == libraryMajor()) return true;
  if (logger) {
    std::string message = std::string(what) + ": Error Code 6: API Usage Error (The caller was compiled against "
                          "TensorRT version " + std::to_string(version) + ", this library is " +
                          std::to_string(libraryVersion()) + ".)";
    static_cast<nvinfer1::ILogger*>(logger)->log(nvinfer1::ILogger::Severity::kERROR, message.c_str());
  }
  return false;
}

void addInferCounters(trtsim_counters* out) {
  InferCounters& c = inferCounters();
  out->live_runtimes = c.runtimes.load();
  out->live_engines = c.engines.load();
  out->live_contexts = c.contexts.load();
  out->live_builders = c.builders.load();
  out->enqueues = c.enqueues.load();
  out->builds = c.builds.load();
  out->timing_cache_hits = c.timingCacheHits.load();
  out->timing_cache_misses = c.timingCacheMisses.load();
  out->destroy_order_violations = c.destroyOrderViolations.load();
}

__attribute__((constructor)) void registerCounters() { trtsim_register_counters_hook(addInferCounters); }

}  // namespace
}  // namespace trtsim

extern "C" {

TRTSIM_EXPORT void* createInferRuntime_INTERNAL(void* logger, int32_t version) noexcept {
  if (!logger || !trtsim::versionAccepted(logger, version, "createInferRuntime")) return nullptr;
  return static_cast<nvinfer1::IRuntime*>(new trtsim::RuntimeImpl(static_cast<nvinfer1::ILogger*>(logger)));
}

TRTSIM_EXPORT void* createInferBuilder_INTERNAL(void* logger, int32_t version) noexcept {
  if (!logger || !trtsim::versionAccepted(logger, version, "createInferBuilder")) return nullptr;
  return trtsim::createBuilder(static_cast<nvinfer1::ILogger*>(logger));
}

TRTSIM_EXPORT int32_t getInferLibVersion() noexcept { return trtsim::libraryVersion(); }
TRTSIM_EXPORT int32_t getInferLibMajorVersion() noexcept { return trtsim::libraryMajor(); }
TRTSIM_EXPORT int32_t getInferLibMinorVersion() noexcept { return trtsim::libraryMinor(); }
TRTSIM_EXPORT int32_t getInferLibPatchVersion() noexcept { return trtsim::libraryPatch(); }
TRTSIM_EXPORT int32_t getInferLibBuildVersion() noexcept { return NV_TENSORRT_BUILD; }

}  // extern "C"
