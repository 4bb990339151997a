// describeOnnx(backend, onnx) -> Promise<{ inputs, outputs, plugins, trtLog }>: what TensorRT's ONNX parser makes of a
// model's inputs and outputs (names, types, dims, which inputs are shape tensors), which plugins its layers use and
// what it warned of, without building; parsed on a thread of its own (thread_channel.h): a large model takes a
// while.
#include "errors.h"
#include "exports.h"
#include "js_bytes.h"
#include "js_strings.h"
#include "plugin_list.h"
#include "thread_channel.h"

namespace trtn {

namespace {

Napi::Array tensors(Napi::Env env, std::vector<NetworkTensor> const& list) {
  Napi::Array array = Napi::Array::New(env, list.size());
  for (size_t i = 0; i < list.size(); ++i) {
    NetworkTensor const& t = list[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", t.name);
    o.Set("dtype", dataTypeName(t.dataType));
    Napi::Array dims = Napi::Array::New(env, t.dims.size());
    for (size_t k = 0; k < t.dims.size(); ++k) dims.Set(static_cast<uint32_t>(k), static_cast<double>(t.dims[k]));
    o.Set("shape", dims);
    o.Set("shapeTensor", t.shapeTensor);
    array.Set(static_cast<uint32_t>(i), o);
  }
  return array;
}

}  // namespace

Napi::Value describeOnnx(Napi::CallbackInfo const& info) {
  Napi::Env env = info.Env();
  std::string kind = info.Length() > 0 && info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "tensorrt";
  uint8_t const* bytes = nullptr;
  size_t size = 0;
  if (info.Length() < 2 || !bytesOf(info[1], &bytes, &size)) {
    throw jsError(env, "INVALID_ARGUMENT", "describeOnnx(backend, onnx: Uint8Array)");
  }
  auto backend = loadBackendOrThrow(env, kind);
  auto onnx = std::make_shared<std::vector<uint8_t>>(bytes, bytes + size);
  Napi::Promise::Deferred deferred(env);
  Napi::Promise promise = deferred.Promise();
  auto channel = ThreadChannel::open(env, Napi::Function(), "tensorrt-node describeOnnx");
  try {
    startThread(env, [backend, onnx, deferred, channel] {
      auto failure = std::make_shared<Failure>();
      auto description =
          std::make_shared<NetworkDescription>(backend->describeOnnx(onnx->data(), onnx->size(), nullptr, *failure));
      channel->settle([deferred, failure, description](Napi::Env env) {
        Napi::HandleScope scope(env);
        if (!failure->code.empty()) {
          deferred.Reject(toJsError(env, *failure).Value());
          return;
        }
        Napi::Object out = Napi::Object::New(env);
        out.Set("inputs", tensors(env, description->inputs));
        out.Set("outputs", tensors(env, description->outputs));
        out.Set("plugins", pluginList(env, description->plugins));
        out.Set("trtLog", stringArray(env, description->log));
        deferred.Resolve(out);
      });
    }, "describeOnnx");
  } catch (...) {
    channel->abandon(env);
    throw;
  }
  return promise;
}

}  // namespace trtn
