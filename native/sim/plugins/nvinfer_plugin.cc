// libtrtsim_nvinfer_plugin: the simulator's stand-in for libnvinfer_plugin, TensorRT's library of standard plugins.
// It holds the ones the simulator computes (ROIAlign_TRT version 2, an IPluginV3 plugin; EfficientNMS_TRT version 1,
// an IPluginV2 one) and registers them when asked, as the real library's initLibNvInferPlugins does.
#include <mutex>
#include <set>
#include <string>

#include "../include/NvInferPlugin.h"
#include "efficient_nms.h"
#include "roi_align.h"

namespace {

template <class Creator>
bool registerIn(nvinfer1::IPluginRegistry& registry, Creator& creator, std::string const& ns) {
  creator.setNamespace(ns);
  return registry.registerCreator(creator, ns.c_str());
}

}  // namespace

extern "C" TENSORRTAPI bool initLibNvInferPlugins(void* logger, char const* libNamespace) {
  (void)logger;  // the simulator's plugins log nothing
  static std::mutex mutex;
  static std::set<std::string> registered;  // namespaces; called again, the library carries on
  std::lock_guard<std::mutex> lock(mutex);
  std::string ns = libNamespace ? libNamespace : "";
  if (registered.count(ns)) return true;
  nvinfer1::IPluginRegistry& registry = *getPluginRegistry();
  bool ok = registerIn(registry, trtsim::plugins::roiAlignCreator(), ns) &&
            registerIn(registry, trtsim::plugins::efficientNmsCreator(), ns);
  if (ok) registered.insert(ns);
  return ok;
}
