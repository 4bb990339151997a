// Opens the libraries of a backend kind once per process and hands them to the backend compiled for that API.
// Library handles stay open for the life of the process: TensorRT objects may outlive any JS wrapper.
#include <dlfcn.h>

#include <map>
#include <mutex>

#include "backend_open.h"
#include "loader.h"

namespace trtn {
namespace {

constexpr char const* kLibDirHint =
    "Install TensorRT and the CUDA runtime, or point TENSORRT_NODE_LIB_DIR at the folder holding them "
    "(for a tarball install: <TensorRT>/lib:/usr/local/cuda/lib64).";

#ifdef TRTN_HAVE_REAL_BACKEND
constexpr bool kHaveReal = true;
#else
constexpr bool kHaveReal = false;
#endif

std::vector<std::string> soNames(std::string const& stem, std::vector<int> const& majors) {
  std::vector<std::string> names;
  for (int m : majors) names.push_back(stem + ".so." + std::to_string(m));
  return names;
}

// TENSORRT_NODE_LIB_DIR, when set, is the only place searched: an explicit choice must not be overridden by
// whatever the system happens to have.
std::vector<std::string> realSearchDirs() {
  auto dirs = envDirectories("TENSORRT_NODE_LIB_DIR");
  if (!dirs.empty()) return dirs;
  dirs.push_back("");  // the dynamic linker: LD_LIBRARY_PATH, ld.so cache
  for (auto const& root : envDirectories("TENSORRT_ROOT")) dirs.push_back(root + "/lib");
  for (char const* d : {"/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/local/tensorrt/lib",
                        "/opt/tensorrt/lib", "/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib"}) {
    dirs.push_back(d);
  }
  return dirs;
}

std::vector<std::string> simulatorDirs() {
  auto dirs = envDirectories("TENSORRT_NODE_SIM_DIR");
  if (!dirs.empty()) return dirs;
  return {addonDirectory()};
}

Failure notFound(std::string const& what, std::vector<std::string> tried) {
  Failure f;
  f.code = "LIBRARY_NOT_FOUND";
  f.message = what + " could not be loaded. " + kLibDirHint;
  f.details = std::move(tried);
  return f;
}

// NVIDIA ships libnvinfer, its ONNX parser and its standard plugins as one version, each built against that version's
// libnvinfer; a search path can still mix installs (a parser from /usr/lib beside a libnvinfer from TENSORRT_ROOT).
// Neither library tells its version through an API (the parser's getNvOnnxParserVersion is a constant 0.1.0,
// libnvinfer_plugin exports initLibNvInferPlugins alone), but their files usually do: "libnvonnxparser.so.10.16.1".
// One whose file says another major.minor than libnvinfer is not used (a newer one calls methods libnvinfer lacks);
// one whose name says no version (pip's wheels) is trusted. Returns why not, or "".
std::string versionMismatch(std::string const& what, LoadedLibrary const& lib, int32_t nvinferVersion,
                            std::string const& nvinferPath) {
  std::string file = realFileOf(lib);
  int32_t version = versionInFileName(file);
  if (version == 0 || version / 100 == nvinferVersion / 100) return "";
  std::string wanted = std::to_string(nvinferVersion / 10000) + "." + std::to_string(nvinferVersion / 100 % 100);
  return what + " at " + file + " is TensorRT " + versionText(version) + " (by its file name), but libnvinfer at " +
         nvinferPath + " is " + versionText(nvinferVersion) + ": TensorRT's libraries must be of one version. Install " +
         "the one of TensorRT " + wanted + ", or point TENSORRT_NODE_LIB_DIR at the lib folder of one TensorRT install";
}

// The plugin registry (libnvinfer) and TensorRT's standard plugins (libnvinfer_plugin), both optional: without them
// only engines and models that use plugins fail, and they say why.
void openStandardPlugins(OpenedLibraries& libs, LoadedLibrary const& nvinfer, bool simulator,
                         std::vector<int> const& nvMajors, std::vector<std::string> const& dirs) {
  std::vector<std::string> registryMissing, missing;
  libs.getPluginRegistry = reinterpret_cast<void* (*)()>(findSymbol(nvinfer, "getPluginRegistry", registryMissing));
  std::vector<std::string> tried;
  LoadedLibrary plugins = openLibrary(simulator ? std::vector<std::string>{"libtrtsim_nvinfer_plugin.so"}
                                                : soNames("libnvinfer_plugin", nvMajors),
                                      dirs, tried);
  if (plugins.handle) {
    libs.initLibNvInferPlugins = reinterpret_cast<bool (*)(void*, char const*)>(
        findSymbol(plugins, "initLibNvInferPlugins", missing));
  }
  std::string mismatch =
      plugins.handle ? versionMismatch("libnvinfer_plugin", plugins, libs.getInferLibVersion(), nvinfer.path) : "";
  if (!mismatch.empty()) {
    libs.initLibNvInferPlugins = nullptr;
    libs.standardPluginsError = mismatch;
    return;
  }
  if (plugins.handle && missing.empty()) {
    libs.standardPluginsPath = plugins.path;
  } else {
    libs.initLibNvInferPlugins = nullptr;
    libs.standardPluginsTried = plugins.handle ? missing : tried;
  }
}

std::shared_ptr<Backend> open(std::string const& kind, Failure& failure) {
  bool simulator = kind == "simulator";
  auto libs = std::make_shared<OpenedLibraries>();
  libs->kind = kind;
  auto dirs = simulator ? simulatorDirs() : realSearchDirs();
  std::vector<int> nvMajors = kHaveReal ? std::vector<int>{real::compiledHeaderVersion() / 10000}
                                        : std::vector<int>{10, 11};

  std::vector<std::string> tried;
  LoadedLibrary nvinfer = openLibrary(simulator ? std::vector<std::string>{"libtrtsim_nvinfer.so"}
                                                : soNames("libnvinfer", nvMajors),
                                      dirs, tried);
  if (!nvinfer.handle) {
    failure = notFound(simulator ? "The simulator's libnvinfer (libtrtsim_nvinfer.so)" : "TensorRT (libnvinfer)",
                       std::move(tried));
    if (simulator) failure.message = "The simulator's libraries are missing next to the addon; run `npm run build`.";
    return nullptr;
  }
  tried.clear();
  LoadedLibrary cudart = openLibrary(simulator ? std::vector<std::string>{"libtrtsim_cudart.so"}
                                               : soNames("libcudart", {13, 12}),
                                     dirs, tried);
  if (!cudart.handle) {
    failure = notFound("The CUDA runtime (libcudart)", std::move(tried));
    return nullptr;
  }
  std::vector<std::string> missing;
  libs->createInferRuntime =
      reinterpret_cast<void* (*)(void*, int32_t)>(findSymbol(nvinfer, "createInferRuntime_INTERNAL", missing));
  libs->createInferBuilder =
      reinterpret_cast<void* (*)(void*, int32_t)>(findSymbol(nvinfer, "createInferBuilder_INTERNAL", missing));
  libs->getInferLibVersion = reinterpret_cast<int32_t (*)()>(findSymbol(nvinfer, "getInferLibVersion", missing));
  resolveCudaApi(cudart, libs->cuda, missing);
  if (!missing.empty()) {
    failure.code = "LIBRARY_VERSION";
    failure.message = "Required functions are missing from the loaded libraries (too old a version?).";
    failure.details = missing;
    return nullptr;
  }
  libs->paths = {nvinfer.path, cudart.path};
  libs->cudartHandle = cudart.handle;

  std::vector<std::string> parserTried;
  LoadedLibrary parser = openLibrary(simulator ? std::vector<std::string>{"libtrtsim_nvonnxparser.so"}
                                               : soNames("libnvonnxparser", nvMajors),
                                     dirs, parserTried);
  if (parser.handle) {
    std::vector<std::string> parserMissing;
    libs->createNvOnnxParser = reinterpret_cast<void* (*)(void*, void*, int)>(
        findSymbol(parser, "createNvOnnxParser_INTERNAL", parserMissing));
    libs->parserTried = parserMissing;
    libs->parserVersionError = versionMismatch("the ONNX parser", parser, libs->getInferLibVersion(), nvinfer.path);
    if (libs->parserVersionError.empty()) {
      libs->paths.push_back(parser.path);
    } else {
      libs->createNvOnnxParser = nullptr;
    }
  } else {
    libs->parserTried = std::move(parserTried);
  }

  openStandardPlugins(*libs, nvinfer, simulator, nvMajors, dirs);

  if (simulator) return sim::create(libs, failure);
  if (!kHaveReal) {
    failure.code = "LIBRARY_VERSION";
    failure.message = "Found TensorRT at " + nvinfer.path +
                      ", but this build of tensorrt-node was compiled without TensorRT headers. Rebuild it with "
                      "TENSORRT_ROOT=<TensorRT install> npm run build:native.";
    return nullptr;
  }
#ifdef TRTN_HAVE_REAL_BACKEND
  return real::create(libs, failure);
#else
  return nullptr;
#endif
}

}  // namespace

std::shared_ptr<Backend> loadBackend(std::string const& kind, Failure& failure) {
  if (kind != "tensorrt" && kind != "simulator") {
    failure.code = "INVALID_ARGUMENT";
    failure.message = "unknown backend '" + kind + "' (expected 'tensorrt' or 'simulator')";
    return nullptr;
  }
  static std::mutex mutex;
  // Never destroyed: the libraries' threads may still run work for a backend while the process exits.
  static auto* loaded = new std::map<std::string, std::shared_ptr<Backend>>();
  std::lock_guard<std::mutex> lock(mutex);
  auto it = loaded->find(kind);
  if (it != loaded->end()) return it->second;
  // Failures are not cached: a later call may succeed once the environment is fixed.
  auto backend = open(kind, failure);
  if (backend) loaded->emplace(kind, backend);
  return backend;
}

std::vector<CompiledBackend> compiledBackends() {
  std::vector<CompiledBackend> out;
#ifdef TRTN_HAVE_REAL_BACKEND
  out.push_back(CompiledBackend{"tensorrt", real::compiledHeaderVersion(), false});
#endif
  out.push_back(CompiledBackend{"simulator", sim::compiledHeaderVersion(), true});
  return out;
}

void* OpenedLibraries::cudartSymbol(char const* name) const {
  return cudartHandle ? dlsym(cudartHandle, name) : nullptr;
}

char const* dataTypeName(DataType type) {
  switch (type) {
    case DataType::kFLOAT: return "float32";
    case DataType::kHALF: return "float16";
    case DataType::kBF16: return "bfloat16";
    case DataType::kINT8: return "int8";
    case DataType::kUINT8: return "uint8";
    case DataType::kINT32: return "int32";
    case DataType::kINT64: return "int64";
    case DataType::kBOOL: return "bool";
    case DataType::kFP8: return "fp8";
    case DataType::kINT4: return "int4";
    case DataType::kFP4: return "fp4";
    default: return "unknown";
  }
}

size_t dataTypeSize(DataType type) {
  switch (type) {
    case DataType::kFLOAT:
    case DataType::kINT32: return 4;
    case DataType::kHALF:
    case DataType::kBF16: return 2;
    case DataType::kINT8:
    case DataType::kUINT8:
    case DataType::kBOOL:
    case DataType::kFP8: return 1;
    case DataType::kINT64: return 8;
    default: return 0;
  }
}

}  // namespace trtn
