// The TensorRT version this library is: the header's, or what TRTSIM_LIBRARY_VERSION says (10.15.1), so tests can
// try a caller's checks against a library of another version. getInferLibVersion reports it, plans are written with
// it and only plans of it load (as a real library of that version would do).
#pragma once

#include <cstdint>

namespace trtsim {

int32_t libraryVersion();  // major * 10000 + minor * 100 + patch
inline int libraryMajor() { return libraryVersion() / 10000; }
inline int libraryMinor() { return libraryVersion() / 100 % 100; }
inline int libraryPatch() { return libraryVersion() % 100; }

}  // namespace trtsim
