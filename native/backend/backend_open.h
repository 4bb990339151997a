// The libraries of one backend, opened and resolved (backend_registry.cc), handed to the compiled backend.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "backend.h"
#include "cuda_api.h"

namespace trtn {

struct OpenedLibraries {
  std::string kind;
  std::vector<std::string> paths;        // nvinfer first, then cudart, then the parser when found
  std::vector<std::string> parserTried;  // why the ONNX parser could not be opened (builds need it)
  std::string parserVersionError;        // it opened, but is of another TensorRT version than libnvinfer: not used
  CudaApi cuda;
  void* (*createInferRuntime)(void* logger, int32_t version) = nullptr;
  void* (*createInferBuilder)(void* logger, int32_t version) = nullptr;
  int32_t (*getInferLibVersion)() = nullptr;
  void* (*createNvOnnxParser)(void* network, void* logger, int version) = nullptr;
  void* cudartHandle = nullptr;

  // Plugins. The registry lives in libnvinfer; the standard plugins (libnvinfer_plugin) are optional, as only engines
  // and models that use them need them, and are registered when the backend is created.
  void* (*getPluginRegistry)() = nullptr;  // nvinfer1::IPluginRegistry*
  bool (*initLibNvInferPlugins)(void* logger, char const* libNamespace) = nullptr;
  std::string standardPluginsPath;                // where libnvinfer_plugin was opened; empty when it was not
  std::vector<std::string> standardPluginsTried;  // why it was not (paths tried with dlerror, a missing symbol)
  std::string standardPluginsError;               // initLibNvInferPlugins refused (set by the backend)
  // Plugin libraries loaded on request (loadPluginLibrary), by real path, in load order.
  mutable std::mutex pluginMutex;
  std::vector<std::string> pluginLibraries;
  // The library each creator came from, by "name/version/namespace": the standard plugins' file, or a library of
  // pluginLibraries, for the creators that appeared in the registry when the backend loaded it.
  std::map<std::string, std::string> pluginLibraryOf;

  void* cudartSymbol(char const* name) const;
};

inline std::string versionText(int32_t v) {
  return std::to_string(v / 10000) + "." + std::to_string(v / 100 % 100) + "." + std::to_string(v % 100);
}

// Per compiled API: validates versions and wraps the libraries (backend_impl.inc).
namespace sim {
std::shared_ptr<Backend> create(std::shared_ptr<OpenedLibraries> libs, Failure& failure);
int32_t compiledHeaderVersion();
}  // namespace sim
namespace real {
std::shared_ptr<Backend> create(std::shared_ptr<OpenedLibraries> libs, Failure& failure);
int32_t compiledHeaderVersion();
}  // namespace real

}  // namespace trtn
