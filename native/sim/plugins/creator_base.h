// What every simulator plugin creator has in common: its name, version, namespace and field list, which identify it
// in the registry and tell the ONNX parser which node attributes to pass.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "../nvinfer/plugin_registry.h"

namespace trtsim {
namespace plugins {

class CreatorBase : public SimPluginCreator {
 public:
  CreatorBase(std::string name, std::string version, std::vector<nvinfer1::PluginField> fields)
      : mName(std::move(name)), mVersion(std::move(version)), mFields(std::move(fields)) {
    mCollection.nbFields = static_cast<int32_t>(mFields.size());
    mCollection.fields = mFields.data();
  }
  nvinfer1::PluginFieldCollection const* getFieldNames() noexcept override { return &mCollection; }
  char const* getPluginName() const noexcept override { return mName.c_str(); }
  char const* getPluginVersion() const noexcept override { return mVersion.c_str(); }
  // TensorRT registers a creator under the namespace it is given; this is the one a library asks for.
  char const* getPluginNamespace() const noexcept override { return mNamespace.c_str(); }
  void setNamespace(std::string ns) { mNamespace = std::move(ns); }

 private:
  std::string mName, mVersion, mNamespace;
  std::vector<nvinfer1::PluginField> mFields;
  nvinfer1::PluginFieldCollection mCollection;
};

}  // namespace plugins
}  // namespace trtsim
