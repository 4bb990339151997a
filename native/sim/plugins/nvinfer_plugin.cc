// libtrtsim_nvinfer_plugin: the simulator's stand-in for libnvinfer_plugin, TensorRT's library of standard plugins.
// It holds the ones the simulator computes (ROIAlign_TRT, version 2) and registers them when asked, as the real
// library's initLibNvInferPlugins does.
#include <mutex>
#include <set>
#include <string>

#include "../include/NvInferPlugin.h"
#include "roi_align.h"

extern "C" TENSORRTAPI bool initLibNvInferPlugins(void* logger, char const* libNamespace) {
  (void)logger;  // the simulator's plugins log nothing
  static std::mutex mutex;
  static std::set<std::string> registered;  // namespaces; called again, the library carries on
  std::lock_guard<std::mutex> lock(mutex);
  std::string ns = libNamespace ? libNamespace : "";
  if (registered.count(ns)) return true;
  trtsim::plugins::CreatorBase& creator = trtsim::plugins::roiAlignCreator();
  creator.setNamespace(ns);
  if (!getPluginRegistry()->registerCreator(creator, ns.c_str())) return false;
  registered.insert(ns);
  return true;
}
