// The backend compiled against the simulator's stand-in headers (always built).
#include <NvInfer.h>
#include <NvOnnxParser.h>

#define TRTN_BACKEND_NS sim
#define TRTN_BACKEND_KIND "simulator"
#include "backend_impl.inc"
