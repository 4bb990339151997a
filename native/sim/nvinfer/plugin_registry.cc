// The simulator's IPluginRegistry: one per process, shared by runtimes, builders and the ONNX parser, as TensorRT's.
// Plugin libraries come in through initLibNvInferPlugins (libtrtsim_nvinfer_plugin registers its creators) or
// loadLibrary (a library exporting getCreators or getPluginCreators, as TensorRT requires of one).
#include "plugin_registry.h"

#include <dlfcn.h>

#include <cstring>
#include <mutex>
#include <vector>

#include "report.h"

namespace trtsim {

SimPlugin::~SimPlugin() = default;

std::string pluginNotFoundText(PluginKey const& key) {
  return "Cannot find plugin: " + key.name + ", version: " + key.version + ", namespace:" + key.ns + ".";
}

PluginNotFound::PluginNotFound(PluginKey k) : OpError(pluginNotFoundText(k)), key(std::move(k)) {}

namespace {

using nvinfer1::ErrorCode;
using nvinfer1::IPluginCreatorInterface;

bool same(PluginKey const& a, PluginKey const& b) { return a.name == b.name && a.version == b.version && a.ns == b.ns; }

// A creator's name and version, read through the interface its kind names; false for a kind the registry does not
// know or a creator without a name.
bool identify(IPluginCreatorInterface& creator, PluginKey& key) {
  nvinfer1::InterfaceInfo info = creator.getInterfaceInfo();
  char const* name = nullptr;
  char const* version = nullptr;
  if (info.kind && std::strcmp(info.kind, "PLUGIN CREATOR_V3ONE") == 0) {
    auto& c = static_cast<nvinfer1::IPluginCreatorV3One&>(creator);
    name = c.getPluginName();
    version = c.getPluginVersion();
  } else if (info.kind && std::strcmp(info.kind, "PLUGIN CREATOR_V1") == 0) {
    auto& c = static_cast<nvinfer1::IPluginCreator&>(creator);
    name = c.getPluginName();
    version = c.getPluginVersion();
  }
  if (!name || !*name || !version) return false;
  key.name = name;
  key.version = version;
  return true;
}

char const* namespaceOf(IPluginCreatorInterface& creator) {
  nvinfer1::InterfaceInfo info = creator.getInterfaceInfo();
  if (info.kind && std::strcmp(info.kind, "PLUGIN CREATOR_V3ONE") == 0) {
    return static_cast<nvinfer1::IPluginCreatorV3One&>(creator).getPluginNamespace();
  }
  if (info.kind && std::strcmp(info.kind, "PLUGIN CREATOR_V1") == 0) {
    return static_cast<nvinfer1::IPluginCreator&>(creator).getPluginNamespace();
  }
  return "";
}

class PluginRegistryImpl final : public nvinfer1::IPluginRegistry {
 public:
  void setErrorRecorder(nvinfer1::IErrorRecorder* const recorder) noexcept override {
    std::lock_guard<std::mutex> lock(mMutex);
    mRecorder.set(recorder);
  }
  nvinfer1::IErrorRecorder* getErrorRecorder() const noexcept override {
    std::lock_guard<std::mutex> lock(mMutex);
    return mRecorder.get();
  }

  PluginLibraryHandle loadLibrary(nvinfer1::AsciiChar const* pluginPath) noexcept override {
    constexpr char const* kWhere = "IPluginRegistry::loadLibrary";
    if (!pluginPath || !*pluginPath) {
      report(ErrorCode::kINVALID_ARGUMENT, kWhere, "Parameter check failed, condition: pluginPath != nullptr.");
      return nullptr;
    }
    void* handle = dlopen(pluginPath, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      char const* why = dlerror();
      report(ErrorCode::kINVALID_ARGUMENT, kWhere, std::string("Cannot load library: ") + (why ? why : pluginPath));
      return nullptr;
    }
    using GetCreators = IPluginCreatorInterface* const* (*)(int32_t&);
    using GetPluginCreators = nvinfer1::IPluginCreator* const* (*)(int32_t&);
    auto getCreators = reinterpret_cast<GetCreators>(dlsym(handle, "getCreators"));
    auto getPluginCreators = reinterpret_cast<GetPluginCreators>(dlsym(handle, "getPluginCreators"));
    std::vector<IPluginCreatorInterface*> creators;
    int32_t count = 0;
    if (getCreators) {
      IPluginCreatorInterface* const* list = getCreators(count);
      for (int32_t i = 0; list && i < count; ++i) creators.push_back(list[i]);
    } else if (getPluginCreators) {
      nvinfer1::IPluginCreator* const* list = getPluginCreators(count);
      for (int32_t i = 0; list && i < count; ++i) creators.push_back(list[i]);
    } else {
      report(ErrorCode::kINVALID_ARGUMENT, kWhere,
             std::string("Failed to retrieve getCreators or getPluginCreators from ") + pluginPath +
                 ": a plugin library must export one of them");
      dlclose(handle);
      return nullptr;
    }
    std::string refused;
    for (size_t i = 0; i < creators.size(); ++i) {
      IPluginCreatorInterface* creator = creators[i];
      char const* ns = creator ? namespaceOf(*creator) : "";
      if (!creator || !add(*creator, ns ? ns : "", handle, refused)) {
        // All of this load's creators or none; a load of the same library before keeps its own.
        for (size_t k = 0; k < i; ++k) deregisterCreator(*creators[k]);
        report(ErrorCode::kINVALID_ARGUMENT, kWhere, std::string(pluginPath) + ": " + (creator ? refused : "a null creator"));
        dlclose(handle);
        return nullptr;
      }
    }
    return handle;
  }

  void deregisterLibrary(PluginLibraryHandle handle) noexcept override {
    if (!handle || !remove(handle)) return;
    dlclose(handle);
  }

  bool registerCreator(IPluginCreatorInterface& creator, nvinfer1::AsciiChar const* const pluginNamespace) noexcept
      override {
    std::string refused;
    if (add(creator, pluginNamespace ? pluginNamespace : "", nullptr, refused)) return true;
    report(ErrorCode::kINVALID_ARGUMENT, "IPluginRegistry::registerCreator", refused);
    return false;
  }

  IPluginCreatorInterface* const* getAllCreators(int32_t* const numCreators) const noexcept override {
    std::lock_guard<std::mutex> lock(mMutex);
    mList.clear();
    for (Entry const& e : mEntries) mList.push_back(e.creator);
    if (numCreators) *numCreators = static_cast<int32_t>(mList.size());
    return mList.empty() ? nullptr : mList.data();
  }

  IPluginCreatorInterface* getCreator(nvinfer1::AsciiChar const* const pluginName,
                                      nvinfer1::AsciiChar const* const pluginVersion,
                                      nvinfer1::AsciiChar const* const pluginNamespace) noexcept override {
    PluginKey key{pluginName ? pluginName : "", pluginVersion ? pluginVersion : "",
                  pluginNamespace ? pluginNamespace : ""};
    if (IPluginCreatorInterface* creator = find(key)) return creator;
    report(ErrorCode::kINVALID_CONFIG, "IPluginRegistry::getCreator", pluginNotFoundText(key));
    return nullptr;
  }

  bool deregisterCreator(IPluginCreatorInterface const& creator) noexcept override {
    std::lock_guard<std::mutex> lock(mMutex);
    for (auto it = mEntries.begin(); it != mEntries.end(); ++it) {
      if (it->creator == &creator) {
        mEntries.erase(it);
        return true;
      }
    }
    return false;
  }

  // The creator of `key` without reporting a miss: deserialization reports one in its own words.
  IPluginCreatorInterface* find(PluginKey const& key) const {
    std::lock_guard<std::mutex> lock(mMutex);
    for (Entry const& e : mEntries) {
      if (same(e.key, key)) return e.creator;
    }
    return nullptr;
  }

 private:
  struct Entry {
    IPluginCreatorInterface* creator;
    PluginKey key;
    void* library;  // the loadLibrary handle that brought it, or nullptr
  };

  bool add(IPluginCreatorInterface& creator, std::string const& ns, void* library, std::string& refused) {
    PluginKey key;
    if (!identify(creator, key)) {
      refused = std::string("a plugin creator of unknown interface kind '") +
                (creator.getInterfaceInfo().kind ? creator.getInterfaceInfo().kind : "") + "' or without a name";
      return false;
    }
    key.ns = ns;
    std::lock_guard<std::mutex> lock(mMutex);
    for (Entry const& e : mEntries) {
      if (same(e.key, key)) {
        refused = "Plugin creator already registered - " + key.ns + "::" + key.name + " version " + key.version;
        return false;
      }
    }
    mEntries.push_back(Entry{&creator, std::move(key), library});
    return true;
  }

  // Deregisters a library's creators; false when it had none.
  bool remove(void* library) {
    std::lock_guard<std::mutex> lock(mMutex);
    size_t before = mEntries.size();
    for (auto it = mEntries.begin(); it != mEntries.end();) {
      it = it->library == library ? mEntries.erase(it) : it + 1;
    }
    return mEntries.size() != before;
  }

  // To the recorder set on the registry; TensorRT's registry would also tell its logger, which the simulator's has
  // none of.
  // Every refusal of the registry reads "API Usage Error", whatever its code (TensorRT 10's wording).
  void report(ErrorCode code, char const* where, std::string const& detail) const {
    Reporter(nullptr, getErrorRecorder()).error(code, where, "API Usage Error", detail);
  }

  mutable std::mutex mMutex;
  std::vector<Entry> mEntries;
  mutable std::vector<IPluginCreatorInterface*> mList;  // what getAllCreators returned last
  RecorderHolder mRecorder;
};

PluginRegistryImpl& registry() {
  static auto* instance = new PluginRegistryImpl();  // never destroyed: plugin layers may outlive static destruction
  return *instance;
}

}  // namespace

SimPlugin const* findPluginCreator(PluginKey const& key) {
  return dynamic_cast<SimPlugin const*>(registry().find(key));
}

bool isLegacyPlugin(PluginKey const& key) {
  IPluginCreatorInterface const* creator = registry().find(key);
  if (!creator) return false;
  char const* kind = creator->getInterfaceInfo().kind;
  return kind && std::strcmp(kind, "PLUGIN CREATOR_V1") == 0;
}

std::unique_ptr<Op> createPluginOp(PluginKey const& key, Attributes const& fields) {
  SimPlugin const* creator = findPluginCreator(key);
  if (!creator) throw PluginNotFound(key);
  return creator->createOp(fields);
}

std::unique_ptr<Op> createNodeOp(NodeDef const& node, int64_t opset) {
  if (node.plugin.empty()) return createOp(node.opType, node.attrs, opset, static_cast<int>(node.outputs.size()));
  return createPluginOp(node.plugin, node.attrs);
}

namespace {

PluginKey const* missingIn(SubGraph const& graph);

PluginKey const* missingIn(Attributes const& attrs) {
  for (auto const& [name, a] : attrs.values) {
    if (a.graph) {
      if (PluginKey const* key = missingIn(*a.graph)) return key;
    }
  }
  return nullptr;
}

PluginKey const* missingIn(SubGraph const& graph) {
  for (SubGraph::Node const& node : graph.nodes) {
    if (!node.plugin.empty() && !findPluginCreator(node.plugin)) return &node.plugin;
    if (PluginKey const* key = missingIn(node.attrs)) return key;
  }
  return nullptr;
}

// Subgraph runners make their plugin layers' ops through the registry.
struct InstallPluginOpFactory {
  InstallPluginOpFactory() { setPluginOpFactory(&createPluginOp); }
} const installPluginOpFactory;

}  // namespace

void requirePlugins(Graph const& graph) {
  for (NodeDef const& node : graph.nodes) {
    if (!node.plugin.empty() && !findPluginCreator(node.plugin)) throw PluginNotFound(node.plugin);
    if (PluginKey const* key = missingIn(node.attrs)) throw PluginNotFound(*key);
  }
}

}  // namespace trtsim

extern "C" TRTSIM_EXPORT nvinfer1::IPluginRegistry* getPluginRegistry() noexcept { return &trtsim::registry(); }
