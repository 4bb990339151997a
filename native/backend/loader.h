// Finding and opening shared libraries with dlopen, recording every path tried, so a missing library becomes an
// error that names the file, the places searched and the fix, never a crash at require() time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "backend.h"

namespace trtn {

struct LoadedLibrary {
  void* handle = nullptr;
  std::string path;  // the path or soname that opened
};

// Tries each candidate file name in each directory (an empty directory entry means "let the dynamic linker search
// by name": LD_LIBRARY_PATH, the ld.so cache). Appends "<path>: <dlerror>" to `tried` for each failure.
LoadedLibrary openLibrary(std::vector<std::string> const& names, std::vector<std::string> const& dirs,
                          std::vector<std::string>& tried);

// The file an opened library was loaded from, symlinks resolved (a library the dynamic linker found by name has only
// its soname in `path`); `path` itself when the system cannot tell.
std::string realFileOf(LoadedLibrary const& lib);

// The version a TensorRT library's file name carries, as major * 10000 + minor * 100 + patch
// ("libnvonnxparser.so.10.16.1" → 101601), or 0 when it carries none ("libnvonnxparser.so.10", as pip's wheels ship).
int32_t versionInFileName(std::string const& file);

// dlsym that records a missing symbol in `missing`.
void* findSymbol(LoadedLibrary const& lib, char const* symbol, std::vector<std::string>& missing);

// Resolves the CUDA runtime table from an opened libcudart; false (with the missing names) when incomplete.
bool resolveCudaApi(LoadedLibrary const& lib, CudaApi& api, std::vector<std::string>& missing);

// Directory holding the addon's .node file (where the simulator's libraries are built and shipped).
std::string addonDirectory();

// Directories from a colon-separated environment variable; empty when unset.
std::vector<std::string> envDirectories(char const* variable);

}  // namespace trtn
