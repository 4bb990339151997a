// What every simulator plugin creator has in common: its name, version, namespace and field list, which identify it
// in the registry and tell the ONNX parser which node attributes to pass. `Interface` is the TensorRT creator
// interface it presents: IPluginCreatorV3One for IPluginV3 plugins, IPluginCreator for the legacy IPluginV2 ones.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "../nvinfer/plugin_registry.h"

namespace trtsim {
namespace plugins {

template <class Interface>
class CreatorBase : public Interface, public SimPlugin {
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

  nvinfer1::PluginFieldCollection const* fields() const override { return &mCollection; }
  char const* name() const override { return mName.c_str(); }
  char const* version() const override { return mVersion.c_str(); }

 private:
  std::string mName, mVersion, mNamespace;
  std::vector<nvinfer1::PluginField> mFields;
  nvinfer1::PluginFieldCollection mCollection;
};

using CreatorV3 = CreatorBase<nvinfer1::IPluginCreatorV3One>;
using CreatorV2 = CreatorBase<nvinfer1::IPluginCreator>;

}  // namespace plugins
}  // namespace trtsim
