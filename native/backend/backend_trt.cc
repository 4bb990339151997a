// The backend compiled against NVIDIA's TensorRT headers (built when TENSORRT_ROOT or TENSORRT_INCLUDE_DIR is set).
#include <NvInfer.h>
#include <NvOnnxParser.h>

#define TRTN_BACKEND_NS real
#define TRTN_BACKEND_KIND "tensorrt"
#include "backend_impl.inc"

#if NV_TENSORRT_MAJOR < 10
#error "tensorrt-node needs TensorRT 10 or newer headers"
#endif
