#pragma once

#include "creator_base.h"

namespace trtsim {
namespace plugins {
// TensorRT's EfficientNMS_TRT plugin, version 1: an IPluginV2DynamicExt plugin, so its creator is of the legacy kind.
CreatorV2& efficientNmsCreator();
}  // namespace plugins
}  // namespace trtsim
