// N-API type tags of the addon's classes (wraps.h).
#include "wraps.h"

namespace trtn {

void tagObject(Napi::Env env, Napi::Value object, napi_type_tag const& tag) {
  napi_type_tag_object(env, object, &tag);  // fails only for an object already tagged, which a constructor never sees
}

bool hasTag(Napi::Env env, Napi::Value value, napi_type_tag const& tag) {
  bool tagged = false;
  return value.IsObject() && napi_check_object_type_tag(env, value, &tag, &tagged) == napi_ok && tagged;
}

void requireReceiver(Napi::CallbackInfo const& info, napi_type_tag const& tag) {
  if (!hasTag(info.Env(), info.This(), tag)) throw Napi::TypeError::New(info.Env(), "Illegal invocation");
}

}  // namespace trtn
