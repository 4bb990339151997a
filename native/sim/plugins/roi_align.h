#pragma once

#include "creator_base.h"

namespace trtsim {
namespace plugins {
// TensorRT's ROIAlign_TRT plugin, version 2 (the IPluginV3 one the ONNX parser imports RoiAlign with).
CreatorV3& roiAlignCreator();
}  // namespace plugins
}  // namespace trtsim
