// IBuilder, IBuilderConfig, IOptimizationProfile and ITimingCache of the simulator. A build validates the network
// and its profiles the way TensorRT does, reports progress in phases, consults the timing cache per layer, and
// writes the simulator's plan format.
#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "../include/NvInfer.h"
#include "../include/trtsim_control.h"
#include "io_formats.h"
#include "lib_state.h"
#include "network.h"
#include "plan.h"
#include "report.h"
#include "shapes.h"
#include "precision.h"

namespace trtsim {
namespace {

using nvinfer1::ErrorCode;
using nvinfer1::OptProfileSelector;

class OptimizationProfileImpl : public nvinfer1::IOptimizationProfile {
 public:
  std::map<std::string, std::array<Shape, 3>> shapes;
  std::map<std::string, std::array<bool, 3>> isSet;
  std::map<std::string, std::array<std::vector<int64_t>, 3>> values;  // shape inputs; empty until set
  float extraMemoryTarget = 1.0f;

  bool setDimensions(char const* inputName, OptProfileSelector select, nvinfer1::Dims const& dims) noexcept override {
    if (!inputName || dims.nbDims < 0 || dims.nbDims > 8) return false;
    for (int32_t i = 0; i < dims.nbDims; ++i) {
      if (dims.d[i] < 0) return false;
    }
    int s = static_cast<int>(select);
    if (s < 0 || s > 2) return false;
    shapes[inputName][s] = fromDims(dims);
    isSet[inputName][s] = true;
    return true;
  }
  nvinfer1::Dims getDimensions(char const* inputName, OptProfileSelector select) const noexcept override {
    auto it = shapes.find(inputName ? inputName : "");
    int s = static_cast<int>(select);
    if (it == shapes.end() || s < 0 || s > 2 || !isSet.at(it->first)[s]) return invalidDims();
    return toDims(it->second[s]);
  }
  int32_t getNbShapeValues(char const* inputName) const noexcept override {
    auto it = values.find(inputName ? inputName : "");
    return it == values.end() ? -1 : static_cast<int32_t>(valueCount(it->second));
  }
  bool setShapeValuesV2(char const* inputName, OptProfileSelector select, int64_t const* given,
                        int32_t nbValues) noexcept override {
    int s = static_cast<int>(select);
    if (!inputName || !given || nbValues < 1 || s < 0 || s > 2) return false;
    auto& entry = values[inputName];
    size_t known = valueCount(entry);
    if (known != 0 && known != static_cast<size_t>(nbValues)) return false;  // another count than an earlier call
    entry[s].assign(given, given + nbValues);
    return true;
  }
  int64_t const* getShapeValuesV2(char const* inputName, OptProfileSelector select) const noexcept override {
    auto it = values.find(inputName ? inputName : "");
    int s = static_cast<int>(select);
    if (it == values.end() || s < 0 || s > 2 || it->second[s].empty()) return nullptr;
    return it->second[s].data();
  }
  bool setExtraMemoryTarget(float target) noexcept override {
    if (target < 0) return false;
    extraMemoryTarget = target;
    return true;
  }
  float getExtraMemoryTarget() const noexcept override { return extraMemoryTarget; }
  bool isValid() const noexcept override {
    for (auto const& [name, v] : values) {
      if (v[0].empty() || v[1].empty() || v[2].empty()) return false;
      for (size_t i = 0; i < v[0].size(); ++i) {
        if (v[0][i] > v[1][i] || v[1][i] > v[2][i]) return false;
      }
    }
    for (auto const& [name, s] : shapes) {
      auto const& set = isSet.at(name);
      if (!set[0] || !set[1] || !set[2]) return false;
      if (s[0].size() != s[1].size() || s[1].size() != s[2].size()) return false;
      for (size_t i = 0; i < s[0].size(); ++i) {
        if (s[0][i] > s[1][i] || s[1][i] > s[2][i]) return false;
      }
    }
    return true;
  }

 private:
  static size_t valueCount(std::array<std::vector<int64_t>, 3> const& v) {
    return std::max({v[0].size(), v[1].size(), v[2].size()});
  }
};

class TimingCacheImpl : public nvinfer1::ITimingCache {
 public:
  std::set<std::string> entries;

  nvinfer1::IHostMemory* serialize() const noexcept override {
    std::string text = "trtsim-timing-cache-v1\n";
    for (auto const& e : entries) text += e + "\n";
    return new HostMemoryImpl(std::vector<uint8_t>(text.begin(), text.end()));
  }
  bool combine(nvinfer1::ITimingCache const& other, bool) noexcept override {
    auto const* o = dynamic_cast<TimingCacheImpl const*>(&other);
    if (!o) return false;
    entries.insert(o->entries.begin(), o->entries.end());
    return true;
  }
  bool reset() noexcept override {
    entries.clear();
    return true;
  }
  static TimingCacheImpl* parse(void const* blob, size_t size) {
    auto* cache = new TimingCacheImpl();
    if (size == 0) return cache;
    std::string text(static_cast<char const*>(blob), size);
    std::istringstream in(text);
    std::string line;
    if (!std::getline(in, line) || line != "trtsim-timing-cache-v1") {
      delete cache;
      return nullptr;
    }
    while (std::getline(in, line)) {
      if (!line.empty()) cache->entries.insert(line);
    }
    return cache;
  }
};

class BuilderConfigImpl : public nvinfer1::IBuilderConfig {
 public:
  nvinfer1::BuilderFlags flags = 1u << static_cast<uint32_t>(nvinfer1::BuilderFlag::kTF32);
  std::map<int, size_t> poolLimits;
  std::vector<OptimizationProfileImpl const*> profiles;
  TimingCacheImpl* timingCache = nullptr;  // not owned
  int32_t optimizationLevel = 3;
  nvinfer1::HardwareCompatibilityLevel hardwareLevel = nvinfer1::HardwareCompatibilityLevel::kNONE;
  nvinfer1::IProgressMonitor* monitor = nullptr;
  nvinfer1::IInt8Calibrator* calibrator = nullptr;

  void setFlags(nvinfer1::BuilderFlags f) noexcept override { flags = f; }
  nvinfer1::BuilderFlags getFlags() const noexcept override { return flags; }
  void clearFlag(nvinfer1::BuilderFlag f) noexcept override { flags &= ~(1u << static_cast<uint32_t>(f)); }
  void setFlag(nvinfer1::BuilderFlag f) noexcept override { flags |= 1u << static_cast<uint32_t>(f); }
  bool getFlag(nvinfer1::BuilderFlag f) const noexcept override {
    return (flags & (1u << static_cast<uint32_t>(f))) != 0;
  }
  void setMemoryPoolLimit(nvinfer1::MemoryPoolType pool, std::size_t size) noexcept override {
    poolLimits[static_cast<int>(pool)] = size;
  }
  std::size_t getMemoryPoolLimit(nvinfer1::MemoryPoolType pool) const noexcept override {
    auto it = poolLimits.find(static_cast<int>(pool));
    return it == poolLimits.end() ? std::size_t{8} << 30 : it->second;
  }
  int32_t addOptimizationProfile(nvinfer1::IOptimizationProfile const* profile) noexcept override {
    auto const* p = dynamic_cast<OptimizationProfileImpl const*>(profile);
    if (!p || !p->isValid()) return -1;
    profiles.push_back(p);
    return static_cast<int32_t>(profiles.size() - 1);
  }
  int32_t getNbOptimizationProfiles() const noexcept override { return static_cast<int32_t>(profiles.size()); }
  nvinfer1::ITimingCache* createTimingCache(void const* blob, std::size_t size) const noexcept override {
    return TimingCacheImpl::parse(blob, size);
  }
  bool setTimingCache(nvinfer1::ITimingCache const& cache, bool) noexcept override {
    timingCache = dynamic_cast<TimingCacheImpl*>(const_cast<nvinfer1::ITimingCache*>(&cache));
    return timingCache != nullptr;
  }
  nvinfer1::ITimingCache const* getTimingCache() const noexcept override { return timingCache; }
  void setBuilderOptimizationLevel(int32_t level) noexcept override { optimizationLevel = level; }
  int32_t getBuilderOptimizationLevel() noexcept override { return optimizationLevel; }
  void setHardwareCompatibilityLevel(nvinfer1::HardwareCompatibilityLevel level) noexcept override {
    hardwareLevel = level;
  }
  nvinfer1::HardwareCompatibilityLevel getHardwareCompatibilityLevel() const noexcept override {
    return hardwareLevel;
  }
  void setProgressMonitor(nvinfer1::IProgressMonitor* m) noexcept override { monitor = m; }
  nvinfer1::IProgressMonitor* getProgressMonitor() const noexcept override { return monitor; }
  void setInt8Calibrator(nvinfer1::IInt8Calibrator* c) noexcept override { calibrator = c; }
  nvinfer1::IInt8Calibrator* getInt8Calibrator() const noexcept override { return calibrator; }
};

// A calibration cache as TensorRT writes it: a "TRT-<version>-<Algorithm>" line, then "<tensor>: <hex of the
// float32 scale>" per tensor.
std::map<std::string, float> parseCalibrationCache(std::string const& text, std::string* error) {
  std::map<std::string, float> scales;
  std::istringstream in(text);
  std::string line;
  if (!std::getline(in, line) || line.rfind("TRT-", 0) != 0) {
    *error = "the calibration cache does not start with a TRT-<version>-<algorithm> line";
    return scales;
  }
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto colon = line.rfind(": ");
    if (colon == std::string::npos) {
      *error = "calibration cache line without ': ': " + line;
      return {};
    }
    std::string hex = line.substr(colon + 2);
    char* end = nullptr;
    unsigned long bits = std::strtoul(hex.c_str(), &end, 16);
    if (hex.empty() || *end != '\0' || hex.size() > 8) {
      *error = "calibration cache scale is not 8 hex digits: " + line;
      return {};
    }
    uint32_t u = static_cast<uint32_t>(bits);
    float scale;
    std::memcpy(&scale, &u, sizeof scale);
    scales[line.substr(0, colon)] = scale;
  }
  return scales;
}

// Thrown inside a build to stop it; the message is already reported.
struct BuildAbort {};

class BuilderImpl : public nvinfer1::IBuilder {
 public:
  explicit BuilderImpl(nvinfer1::ILogger* logger) : mLogger(logger) { inferCounters().builders++; }
  ~BuilderImpl() noexcept override {
    for (auto* p : mProfiles) delete p;
    inferCounters().builders--;
  }

  nvinfer1::IBuilderConfig* createBuilderConfig() noexcept override { return new BuilderConfigImpl(); }
  nvinfer1::INetworkDefinition* createNetworkV2(nvinfer1::NetworkDefinitionCreationFlags flags) noexcept override {
    return new NetworkImpl(flags);
  }
  nvinfer1::IOptimizationProfile* createOptimizationProfile() noexcept override {
    mProfiles.push_back(new OptimizationProfileImpl());
    return mProfiles.back();
  }
  void setErrorRecorder(nvinfer1::IErrorRecorder* recorder) noexcept override { mRecorder.set(recorder); }
  nvinfer1::IErrorRecorder* getErrorRecorder() const noexcept override { return mRecorder.get(); }
  nvinfer1::ILogger* getLogger() const noexcept override { return mLogger; }
  bool setMaxThreads(int32_t n) noexcept override { return n > 0; }
  bool isNetworkSupported(nvinfer1::INetworkDefinition const&, nvinfer1::IBuilderConfig const&) const noexcept override {
    return true;
  }
  void reset() noexcept override {}
  nvinfer1::IPluginRegistry& getPluginRegistry() noexcept override { return *::getPluginRegistry(); }

  nvinfer1::IHostMemory* buildSerializedNetwork(nvinfer1::INetworkDefinition& network,
                                                nvinfer1::IBuilderConfig& config) noexcept override {
    Reporter report(mLogger, mRecorder.get());
    auto* net = dynamic_cast<NetworkImpl*>(&network);
    auto* cfg = dynamic_cast<BuilderConfigImpl*>(&config);
    if (!net || !cfg) {
      report.error(ErrorCode::kINVALID_ARGUMENT, "IBuilder::buildSerializedNetwork", "API Usage Error",
                   "network or config was not created by this builder");
      return nullptr;
    }
    int major = 0, minor = 0;
    cuda::deviceComputeCapability(&major, &minor);
    // kAMPERE_PLUS is for GPUs from Ampere (8.0), kSAME_COMPUTE_CAPABILITY from Turing (7.5), per NvInfer.h.
    bool ampere = cfg->hardwareLevel == nvinfer1::HardwareCompatibilityLevel::kAMPERE_PLUS;
    bool sameCc = cfg->hardwareLevel == nvinfer1::HardwareCompatibilityLevel::kSAME_COMPUTE_CAPABILITY;
    if ((ampere && major < 8) || (sameCc && major * 10 + minor < 75)) {
      report.error(ErrorCode::kINVALID_ARGUMENT, "IBuilder::buildSerializedNetwork", "API Usage Error",
                   std::string("Hardware compatibility level ") + (ampere ? "kAMPERE_PLUS is only supported on Ampere"
                                                                          : "kSAME_COMPUTE_CAPABILITY is only supported "
                                                                            "on Turing") +
                       " and later GPUs; this is compute capability " + std::to_string(major) + "." +
                       std::to_string(minor) + ".");
      return nullptr;
    }
    try {
      auto plan = build(*net, *cfg, report);
      inferCounters().builds++;
      return new HostMemoryImpl(writePlan(plan, major, minor));
    } catch (BuildAbort const&) {
      return nullptr;
    } catch (std::exception const& e) {
      report.error(ErrorCode::kINTERNAL_ERROR, "IBuilder::buildSerializedNetwork", "Internal Error", e.what());
      return nullptr;
    }
  }

 private:
  // Progress reporting; a false from stepComplete cancels the build as in TensorRT.
  struct Phases {
    nvinfer1::IProgressMonitor* monitor;
    Reporter const& report;
    void start(char const* name, char const* parent, int32_t steps) const {
      if (monitor) monitor->phaseStart(name, parent, steps);
    }
    void step(char const* name, int32_t i) const {
      holdCaller(trtsim_build_step_delay());
      if (monitor && !monitor->stepComplete(name, i)) {
        report.error(ErrorCode::kUNSPECIFIED_ERROR, "IBuilder::buildSerializedNetwork", "Internal Error",
                     "Build was cancelled by the progress monitor.");
        throw BuildAbort{};
      }
    }
    void finish(char const* name) const {
      if (monitor) monitor->phaseFinish(name);
    }
  };

  PlanContents build(NetworkImpl const& net, BuilderConfigImpl const& cfg, Reporter const& report) {
    Graph const& g = net.graph();
    auto fail = [&](ErrorCode code, std::string const& category, std::string const& detail) {
      report.error(code, "IBuilder::buildSerializedNetwork", category, detail);
      throw BuildAbort{};
    };
    if (g.outputs.empty()) fail(ErrorCode::kINVALID_ARGUMENT, "API Usage Error", "Network must have at least one output.");

    Phases phases{cfg.monitor, report};
    phases.start("Building engine", nullptr, 3);

    // Profiles: dynamic inputs need one with min/opt/max inside the fixed extents.
    std::vector<int> dynamicInputs;
    for (int idx : g.inputs) {
      for (int64_t d : g.tensors[idx].shape) {
        if (d < 0) {
          dynamicInputs.push_back(idx);
          break;
        }
      }
    }
    // Shape inputs: TensorRT reads their values on the host, so they must be small integer vectors of fixed size.
    std::vector<bool> const shapeTensor = shapeTensors(g);
    std::vector<int> shapeInputs;
    for (int idx : g.inputs) {
      if (!shapeTensor[idx]) continue;
      TensorDef const& t = g.tensors[idx];
      if (!hasShapeTensorForm(t)) {
        fail(ErrorCode::kINVALID_ARGUMENT, "API Usage Error",
             "Network input " + t.name + " is a shape tensor (its values decide a shape), so it must be an int32 or "
             "int64 tensor of rank 0 or 1 with fixed dimensions; it is " + dtypeName(t.type) + " " +
                 dimsText(t.shape) + ".");
      }
      shapeInputs.push_back(idx);
    }
    // Shape outputs: TensorRT computes their values on the host while it infers shapes, so they too must be small
    // integer vectors of fixed size.
    std::vector<int> shapeOutputs;
    for (int idx : g.outputs) {
      TensorDef const& t = g.tensors[idx];
      if (!t.isShapeOutput) continue;
      if (!hasShapeTensorForm(t)) {
        fail(ErrorCode::kINVALID_ARGUMENT, "API Usage Error",
             "Network output " + t.name + " is marked as a shape output (markOutputForShapes), so it must be an "
             "int32 or int64 tensor of rank 0 or 1 with fixed dimensions; it is " + dtypeName(t.type) + " " +
                 dimsText(t.shape) + ".");
      }
      shapeOutputs.push_back(idx);
    }
    // IO formats: the layout of each input and output in the caller's memory (ITensor::setAllowedFormats).
    std::vector<int32_t> formats(g.tensors.size(), 0);
    for (size_t i = 0; i < g.tensors.size(); ++i) {
      TensorDef const& t = g.tensors[i];
      if (!t.isInput && !t.isOutput) continue;
      std::string why;
      formats[i] = chooseIoFormat(t, shapeTensor[i], why);
      if (formats[i] < 0) {
        fail(ErrorCode::kINVALID_ARGUMENT, "API Usage Error",
             std::string("Network ") + (t.isInput ? "input " : "output ") + t.name + ": " + why + ".");
      }
    }
    std::vector<Profile> profiles;
    if (cfg.profiles.empty()) {
      if (!dynamicInputs.empty() || !shapeInputs.empty()) {
        fail(ErrorCode::kINVALID_CONFIG, "Configuration Error",
             "Network has dynamic or shape inputs, but no optimization profile has been defined.");
      }
      profiles.push_back(Profile{});
    }
    for (size_t p = 0; p < cfg.profiles.size(); ++p) {
      Profile profile;
      for (int idx : g.inputs) {
        TensorDef const& t = g.tensors[idx];
        auto it = cfg.profiles[p]->shapes.find(t.name);
        bool dynamic = std::find(dynamicInputs.begin(), dynamicInputs.end(), idx) != dynamicInputs.end();
        if (it == cfg.profiles[p]->shapes.end()) {
          if (dynamic) {
            fail(ErrorCode::kINVALID_CONFIG, "Configuration Error",
                 "Optimization profile " + std::to_string(p) + " is missing values for input tensor " + t.name +
                     ". Set its minimum, optimum and maximum dimensions.");
          }
          continue;
        }
        auto const& s = it->second;
        for (int k = 0; k < 3; ++k) {
          bool ok = s[k].size() == t.shape.size();
          for (size_t i = 0; ok && i < t.shape.size(); ++i) ok = t.shape[i] < 0 || t.shape[i] == s[k][i];
          if (!ok) {
            fail(ErrorCode::kINVALID_CONFIG, "Configuration Error",
                 "Optimization profile " + std::to_string(p) + " dimensions " + dimsText(s[k]) + " for input " +
                     t.name + " do not match the network input dimensions " + dimsText(t.shape) + ".");
          }
        }
        profile.shapes.emplace(idx, s);
      }
      addShapeValues(g, shapeTensor, *cfg.profiles[p], p, profile, fail);
      profiles.push_back(std::move(profile));
    }
    phases.step("Building engine", 0);

    // Validate shapes at each profile's min and max and size the activation memory for the max.
    PlanContents plan;
    phases.start("Graph validation", "Building engine", static_cast<int32_t>(profiles.size()));
    // With shape inputs, only the optimum is checked strictly: the minimum values need not fit the minimum shapes
    // (a Reshape target and its input's extents vary apart), and TensorRT checks such a combination per run.
    std::vector<int> points = shapeInputs.empty() ? std::vector<int>{0, 2} : std::vector<int>{1, 0, 2};
    for (size_t p = 0; p < profiles.size(); ++p) {
      int64_t memory = 0;
      for (int k : points) {
        std::vector<Shape> inputShapes;
        std::vector<InputValues> inputValues;
        for (int idx : g.inputs) {
          auto it = profiles[p].shapes.find(idx);
          inputShapes.push_back(it == profiles[p].shapes.end() ? g.tensors[idx].shape : it->second[k]);
          auto v = profiles[p].values.find(idx);
          inputValues.push_back(v == profiles[p].values.end() ? nullptr : valueBytes(g.tensors[idx].type, v->second[k]));
        }
        try {
          auto infos = resolveGraph(g, inputShapes, inputValues);
          for (auto const& [idx, bound] : dataDependentUpperBounds(g, infos)) {  // enqueueV3 sizes them by these
            if (formats[idx] == 0) continue;
            fail(ErrorCode::kINVALID_ARGUMENT, "API Usage Error",
                 "Network output " + g.tensors[idx].name + " has a data-dependent shape, so its format must be "
                 "kLINEAR, not " + formatName(formats[idx]) + ".");
          }
          requireShapeOutputValues(g, infos, shapeOutputs, p, fail);
          memory = std::max(memory, activationBytes(g, infos));
        } catch (OpError const& e) {
          if (k != points.front()) continue;
          fail(ErrorCode::kINVALID_ARGUMENT, "API Usage Error",
               std::string("shape check at optimization profile ") + std::to_string(p) + " failed: " + e.what());
        }
      }
      plan.deviceMemoryPerProfile.push_back(memory);
      phases.step("Graph validation", static_cast<int32_t>(p));
    }
    phases.finish("Graph validation");
    phases.step("Building engine", 1);

    // "Tactic selection": one step per layer, answered from the timing cache when it knows the layer.
    phases.start("Tactic selection", "Building engine", static_cast<int32_t>(g.nodes.size()));
    for (size_t i = 0; i < g.nodes.size(); ++i) {
      NodeDef const& n = g.nodes[i];
      std::string key = n.opType;
      for (int idx : n.inputs) key += idx >= 0 ? dimsText(g.tensors[idx].shape) : "[]";
      if (cfg.timingCache && cfg.timingCache->entries.count(key)) {
        inferCounters().timingCacheHits++;
      } else {
        inferCounters().timingCacheMisses++;
        if (cfg.timingCache) cfg.timingCache->entries.insert(key);
      }
      phases.step("Tactic selection", static_cast<int32_t>(i));
    }
    phases.finish("Tactic selection");
    phases.step("Building engine", 2);
    phases.finish("Building engine");

    plan.graph = g;
    for (size_t i = 0; i < formats.size(); ++i) plan.graph.tensors[i].format = formats[i];
    choosePrecision(net, cfg, plan, fail, report);
    plan.profiles = std::move(profiles);
    if (cfg.getFlag(nvinfer1::BuilderFlag::kVERSION_COMPATIBLE)) {
      plan.flags |= kPlanFlagVersionCompatible;
      if (!cfg.getFlag(nvinfer1::BuilderFlag::kEXCLUDE_LEAN_RUNTIME)) plan.flags |= kPlanFlagHostCode;
    }
    // kSAME_COMPUTE_CAPABILITY asks for what the simulator's plans always require (the build GPU's compute
    // capability), so only kAMPERE_PLUS widens where the plan loads.
    if (cfg.hardwareLevel == nvinfer1::HardwareCompatibilityLevel::kAMPERE_PLUS) plan.flags |= kPlanFlagHardwareCompatible;
    plan.hardwareCompatibilityLevel = static_cast<int>(cfg.hardwareLevel);
    return plan;
  }

  // A profile's min/opt/max values for each shape input (the profile's isValid checked their order); values for an
  // input that is no shape tensor are refused, as the builder could not use them.
  template <typename Fail>
  static void addShapeValues(Graph const& g, std::vector<bool> const& shapeTensor, OptimizationProfileImpl const& given,
                             size_t p, Profile& profile, Fail&& fail) {
    std::string const which = "Optimization profile " + std::to_string(p);
    for (int idx : g.inputs) {
      TensorDef const& t = g.tensors[idx];
      auto it = given.values.find(t.name);
      if (!shapeTensor[idx]) {
        if (it != given.values.end()) {
          fail(ErrorCode::kINVALID_CONFIG, "Configuration Error",
               which + " sets values for input tensor " + t.name + ", which is not a shape tensor (its values "
               "decide no shape). Set its dimensions instead.");
        }
        continue;
      }
      if (it == given.values.end()) {
        fail(ErrorCode::kINVALID_CONFIG, "Configuration Error",
             which + " is missing values for shape input tensor " + t.name +
                 ". Set its minimum, optimum and maximum values.");
      }
      auto volume = static_cast<size_t>(shapeVolume(t.shape));
      if (it->second[0].size() != volume) {
        fail(ErrorCode::kINVALID_CONFIG, "Configuration Error",
             which + " has " + std::to_string(it->second[0].size()) + " values for shape input tensor " + t.name +
                 ", which has " + std::to_string(volume) + " elements " + dimsText(t.shape) + ".");
      }
      profile.values.emplace(idx, it->second);
    }
  }

  // A shape output's values must follow from the input shapes and shape input values alone, as TensorRT computes
  // them on the host before any kernel runs: one that depends on execution tensor data is refused.
  template <typename Fail>
  static void requireShapeOutputValues(Graph const& g, std::vector<TensorInfo> const& infos,
                                       std::vector<int> const& shapeOutputs, size_t p, Fail&& fail) {
    for (int idx : shapeOutputs) {
      if (infos[idx].constData) continue;
      fail(ErrorCode::kINVALID_ARGUMENT, "API Usage Error",
           "Network output " + g.tensors[idx].name + " is marked as a shape output (markOutputForShapes), but at "
           "optimization profile " + std::to_string(p) + " its values depend on execution tensor data, not only on "
           "input shapes and shape tensor values.");
    }
  }

  static bool isQuantizeNode(NodeDef const& n) { return n.opType == "QuantizeLinear" || n.opType == "DequantizeLinear"; }

  // Q/DQ nodes make the network explicitly quantized: they say where int8 and FP8 are used, so no calibration, and
  // the other layers keep the precision the remaining flags allow. A weakly typed network still needs the flag of
  // each quantized type; FP8 kernels exist from Ada (compute capability 8.9). True when the network has Q/DQ nodes.
  template <typename Fail>
  static bool checkExplicitQuantization(NetworkImpl const& net, BuilderConfigImpl const& cfg, bool int8Flag, Fail&& fail) {
    Graph const& g = net.graph();
    if (!std::any_of(g.nodes.begin(), g.nodes.end(), isQuantizeNode)) return false;
    bool const stronglyTyped = net.getFlag(nvinfer1::NetworkDefinitionCreationFlag::kSTRONGLY_TYPED);
    auto hasType = [&](DType type) {
      return std::any_of(g.tensors.begin(), g.tensors.end(), [type](TensorDef const& t) { return t.type == type; });
    };
    if (hasType(DType::kINT8) && !int8Flag && !stronglyTyped) {
      fail(ErrorCode::kINVALID_CONFIG, "Internal Error",
           "Int8 precision has been set for a layer or layer output, but int8 is not configured in the builder "
           "(the network has QuantizeLinear/DequantizeLinear nodes: set BuilderFlag::kINT8, or build it strongly "
           "typed)");
    }
    if (hasType(DType::kFP8)) {
      int major = 0, minor = 0;
      cuda::deviceComputeCapability(&major, &minor);
      if (major * 10 + minor < 89) {
        fail(ErrorCode::kINVALID_CONFIG, "Internal Error",
             "The network has FP8 (E4M3) tensors, which need a GPU of compute capability 8.9 or later; this is " +
                 std::to_string(major) + "." + std::to_string(minor) + ".");
      }
      if (!cfg.getFlag(nvinfer1::BuilderFlag::kFP8) && !stronglyTyped) {
        fail(ErrorCode::kINVALID_CONFIG, "Internal Error",
             "FP8 precision has been set for a layer or layer output, but fp8 is not configured in the builder "
             "(the network has FP8 QuantizeLinear/DequantizeLinear nodes: build it strongly typed)");
      }
    }
    return true;
  }

  template <typename Fail>
  static void choosePrecision(NetworkImpl const& net, BuilderConfigImpl const& cfg, PlanContents& plan, Fail&& fail,
                              Reporter const& report) {
    using nvinfer1::BuilderFlag;
    bool fp16 = cfg.getFlag(BuilderFlag::kFP16);
    bool bf16 = cfg.getFlag(BuilderFlag::kBF16);
    bool int8 = cfg.getFlag(BuilderFlag::kINT8);
    if ((fp16 || bf16 || int8) && net.getFlag(nvinfer1::NetworkDefinitionCreationFlag::kSTRONGLY_TYPED)) {
      fail(ErrorCode::kINVALID_ARGUMENT, "API Usage Error",
           "Parameter check failed, condition: !flags[BuilderFlag::kFP16] && !flags[BuilderFlag::kBF16] && "
           "!flags[BuilderFlag::kINT8]. Precision flags are not allowed with a strongly typed network: the "
           "network's own types decide.");
    }
    bool const explicitQuantization = checkExplicitQuantization(net, cfg, int8, fail);
    if (explicitQuantization && int8) {
      if (cfg.calibrator) {
        report.log(nvinfer1::ILogger::Severity::kWARNING,
                   "Calibrator won't be used in explicit precision mode. Use quantization aware training to generate "
                   "network with Quantize/Dequantize nodes.");
      }
      int8 = false;
    }
    plan.precision = int8 ? Precision::kINT8 : fp16 ? Precision::kFP16 : bf16 ? Precision::kBF16 : Precision::kFP32;
    if (int8) {
      std::map<std::string, float> byName;
      size_t length = 0;
      void const* cache = cfg.calibrator ? cfg.calibrator->readCalibrationCache(length) : nullptr;
      if (cache && length > 0) {
        std::string error;
        byName = parseCalibrationCache(std::string(static_cast<char const*>(cache), length), &error);
        if (!error.empty()) fail(ErrorCode::kINVALID_CONFIG, "Configuration Error", error);
      }
      if (byName.empty()) {
        fail(ErrorCode::kINVALID_CONFIG, "Configuration Error",
             "Calibration failure occurred with no scaling factors detected. This could be due to no int8 "
             "calibrator or insufficient custom scales for network layers.");
      }
      for (size_t i = 0; i < plan.graph.tensors.size(); ++i) {
        TensorDef const& t = plan.graph.tensors[i];
        if (t.type != DType::kFLOAT || t.constData) continue;
        auto it = byName.find(t.name);
        if (it != byName.end() && it->second > 0) {
          plan.int8Scales[static_cast<int>(i)] = it->second;
        } else {
          // One warning per tensor, as TensorRT logs it.
          report.log(nvinfer1::ILogger::Severity::kWARNING,
                     "Missing scale and zero-point for tensor " + t.name +
                         ", expect fall back to non-int8 implementation for any layer consuming or producing given "
                         "tensor");
        }
      }
    }
    // Weights as reduced-precision kernels see them: rounded (fp16, bf16) or quantized per tensor (int8, matrices).
    // Q/DQ scales stay as given: the parser sets those layers' precision to the scale's type.
    std::set<int> quantizationScales;
    for (NodeDef const& n : plan.graph.nodes) {
      if (isQuantizeNode(n) && n.inputs.size() > 1) quantizationScales.insert(n.inputs[1]);
    }
    for (size_t i = 0; i < plan.graph.tensors.size(); ++i) {
      TensorDef& t = plan.graph.tensors[i];
      if (quantizationScales.count(static_cast<int>(i))) continue;
      if (!t.constData || t.type != DType::kFLOAT || plan.precision == Precision::kFP32) continue;
      if (plan.precision == Precision::kINT8 && t.shape.size() < 2) continue;  // biases, scales stay in fp32
      auto data = std::make_shared<std::vector<uint8_t>>(*t.constData);
      reducePrecision(plan.precision, reinterpret_cast<float*>(data->data()), data->size() / sizeof(float), 0.f);
      t.constData = data;
    }
  }

  nvinfer1::ILogger* mLogger;
  RecorderHolder mRecorder;
  std::vector<OptimizationProfileImpl*> mProfiles;
};

}  // namespace

nvinfer1::IBuilder* createBuilder(nvinfer1::ILogger* logger) { return new BuilderImpl(logger); }

}  // namespace trtsim
