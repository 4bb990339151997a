#include "library_version.h"

#include <cstdio>
#include <cstdlib>

#include "../include/NvInferVersion.h"

namespace trtsim {

int32_t libraryVersion() {
  static int32_t const version = [] {
    char const* text = std::getenv("TRTSIM_LIBRARY_VERSION");
    int major = 0, minor = 0, patch = 0;
    if (text && std::sscanf(text, "%d.%d.%d", &major, &minor, &patch) == 3 && major >= 0 && minor >= 0 && minor < 100 &&
        patch >= 0 && patch < 100) {
      return major * 10000 + minor * 100 + patch;
    }
    return static_cast<int>(NV_TENSORRT_VERSION);
  }();
  return version;
}

}  // namespace trtsim
