// describeOnnx(backend, onnx) -> Promise<{ inputs, outputs, plugins, trtLog }>: what TensorRT's ONNX parser makes of a
// model's inputs and outputs (names, types, dims, which inputs are shape tensors), which plugins its layers use and
// what it warned of, without building; parsed on a worker thread, as a large model takes a while.
#include "errors.h"
#include "exports.h"
#include "js_bytes.h"
#include "js_strings.h"
#include "plugin_list.h"

namespace trtn {

namespace {

class DescribeWorker : public Napi::AsyncWorker {
 public:
  DescribeWorker(Napi::Env env, std::shared_ptr<Backend> backend, std::vector<uint8_t> onnx)
      : Napi::AsyncWorker(env, "tensorrt-node describeOnnx"), mBackend(std::move(backend)), mOnnx(std::move(onnx)),
        mDeferred(env) {}

  Napi::Promise promise() { return mDeferred.Promise(); }

  void Execute() override { mDescription = mBackend->describeOnnx(mOnnx.data(), mOnnx.size(), nullptr, mFailure); }

  void OnOK() override {
    Napi::Env env = Env();
    if (!mFailure.code.empty()) {
      mDeferred.Reject(toJsError(env, mFailure).Value());
      return;
    }
    Napi::Object out = Napi::Object::New(env);
    out.Set("inputs", tensors(env, mDescription.inputs));
    out.Set("outputs", tensors(env, mDescription.outputs));
    out.Set("plugins", pluginList(env, mDescription.plugins));
    out.Set("trtLog", stringArray(env, mDescription.log));
    mDeferred.Resolve(out);
  }

  void OnError(Napi::Error const& e) override { mDeferred.Reject(e.Value()); }

 private:
  static Napi::Array tensors(Napi::Env env, std::vector<NetworkTensor> const& list) {
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

  std::shared_ptr<Backend> mBackend;
  std::vector<uint8_t> mOnnx;
  Napi::Promise::Deferred mDeferred;
  NetworkDescription mDescription;
  Failure mFailure;
};

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
  auto* worker = new DescribeWorker(env, backend, std::vector<uint8_t>(bytes, bytes + size));
  Napi::Promise promise = worker->promise();
  worker->Queue();
  return promise;
}

}  // namespace trtn
