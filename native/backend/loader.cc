#include "loader.h"

#include <dlfcn.h>
#include <link.h>

#include <climits>
#include <cstdlib>
#include <regex>
#include <sstream>

namespace trtn {

LoadedLibrary openLibrary(std::vector<std::string> const& names, std::vector<std::string> const& dirs,
                          std::vector<std::string>& tried) {
  for (auto const& dir : dirs) {
    for (auto const& name : names) {
      std::string path = dir.empty() ? name : dir + "/" + name;
      dlerror();
      // RTLD_LOCAL keeps the simulator's CUDA symbols from shadowing a real libcudart loaded by someone else.
      void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (handle) return LoadedLibrary{handle, path};
      char const* raw = dlerror();
      std::string why = raw ? raw : "";
      // glibc's text already starts with the path; keep one copy.
      if (why.rfind(path + ": ", 0) == 0) why = why.substr(path.size() + 2);
      tried.push_back(path + ": " + (why.empty() ? "not found" : why));
    }
  }
  return LoadedLibrary{};
}

std::string realFileOf(LoadedLibrary const& lib) {
  std::string file = lib.path;
  link_map* map = nullptr;
  if (lib.handle && dlinfo(lib.handle, RTLD_DI_LINKMAP, &map) == 0 && map && map->l_name && *map->l_name) {
    file = map->l_name;
  }
  char resolved[PATH_MAX];
  return realpath(file.c_str(), resolved) ? std::string(resolved) : file;
}

int32_t versionInFileName(std::string const& file) {
  // TensorRT's numbering: minor and patch below 100 (a fourth number, the build, may follow).
  static std::regex const versioned(R"(\.so\.(\d{1,4})\.(\d{1,2})\.(\d{1,2})(\.\d+)*$)");
  std::smatch m;
  if (!std::regex_search(file, m, versioned)) return 0;
  return std::stoi(m[1]) * 10000 + std::stoi(m[2]) * 100 + std::stoi(m[3]);
}

void* findSymbol(LoadedLibrary const& lib, char const* symbol, std::vector<std::string>& missing) {
  dlerror();
  void* p = dlsym(lib.handle, symbol);
  if (!p) missing.push_back(std::string(symbol) + " in " + lib.path);
  return p;
}

bool resolveCudaApi(LoadedLibrary const& lib, CudaApi& api, std::vector<std::string>& missing) {
  size_t before = missing.size();
#define TRTN_CUDA_RESOLVE(name, ret, params) \
  api.name = reinterpret_cast<ret(*) params>(findSymbol(lib, #name, missing));
  TRTN_CUDA_FUNCTIONS(TRTN_CUDA_RESOLVE)
#undef TRTN_CUDA_RESOLVE
  void* props = dlsym(lib.handle, "cudaGetDeviceProperties_v2");
  if (!props) props = dlsym(lib.handle, "cudaGetDeviceProperties");
  api.getDeviceProperties = reinterpret_cast<int (*)(void*, int)>(props);
  return missing.size() == before;
}

std::string addonDirectory() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&addonDirectory), &info) == 0 || !info.dli_fname) return ".";
  std::string path = info.dli_fname;
  auto slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

std::vector<std::string> envDirectories(char const* variable) {
  std::vector<std::string> dirs;
  char const* value = std::getenv(variable);
  if (!value) return dirs;
  std::stringstream in(value);
  std::string dir;
  while (std::getline(in, dir, ':')) {
    if (!dir.empty()) dirs.push_back(dir);
  }
  return dirs;
}

}  // namespace trtn
