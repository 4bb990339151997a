// tensorrt-node simulator: the stand-in for NvInferPlugin.h, the entry point of libnvinfer_plugin (TensorRT's
// standard plugins: ROIAlign_TRT, EfficientNMS_TRT, ...). Written for this project from the documented API.
#pragma once

#include "NvInferRuntime.h"

//! Registers the library's plugin creators in the process's plugin registry under `libNamespace` ("" for the
//! default). `logger` (an nvinfer1::ILogger*) must outlive the library's plugins. True on success.
extern "C" TENSORRTAPI bool initLibNvInferPlugins(void* logger, char const* libNamespace);
