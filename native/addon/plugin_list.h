// A list of plugins (registered creators, or the plugins a network's layers use) as JS objects
// { name, version, namespace, kind, library } (library: the file that registered it, or null when unknown).
#pragma once

#include <napi.h>

#include <vector>

#include "../backend/backend.h"

namespace trtn {

Napi::Array pluginList(Napi::Env env, std::vector<PluginCreatorInfo> const& plugins);

}  // namespace trtn
