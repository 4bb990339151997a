#include "thread_channel.h"

#include <thread>

#include "errors.h"

namespace trtn {

void deliverChannelEvent(Napi::Env env, Napi::Function callback, std::nullptr_t*, ChannelEvent* event) {
  std::unique_ptr<ChannelEvent> owned(event);
  if (env == nullptr) return;  // the environment is going away: nobody waits for the promise
  if (owned->settle) {
    owned->settle(env);
    return;
  }
  if (callback.IsEmpty()) return;
  Napi::Object o = Napi::Object::New(env);
  o.Set("kind", owned->kind);
  o.Set("phase", owned->phase);
  if (!owned->parent.empty()) o.Set("parent", owned->parent);
  if (owned->kind == "start") o.Set("steps", owned->value);
  if (owned->kind == "step") o.Set("step", owned->value);
  try {
    callback.Call({o});
  } catch (Napi::Error const& e) {
    // Not swallowed: the callback's exception surfaces as an uncaught exception, like any throwing event handler.
    // (Thrown back from a thread-safe function's call, Node's default policy for this N-API version only prints a
    // DEP0168 warning.)
    if (!e.Value().IsEmpty()) napi_fatal_exception(env, e.Value());
  }
}

std::shared_ptr<ThreadChannel> ThreadChannel::open(Napi::Env env, Napi::Function callback, char const* name) {
  auto channel = std::make_shared<ThreadChannel>();
  channel->mTsfn = Tsfn::New(env, callback, name, 0, 1);
  channel->mHook = new std::shared_ptr<ThreadChannel>(channel);
  napi_add_env_cleanup_hook(env, closeAtTeardown, channel->mHook);
  return channel;
}

bool ThreadChannel::queue(ChannelEvent event) {
  auto owned = std::make_unique<ChannelEvent>(std::move(event));
  std::lock_guard<std::mutex> lock(mMutex);
  if (mClosed || mTsfn.NonBlockingCall(owned.get()) != napi_ok) return false;
  owned.release();  // the queue owns it now
  return true;
}

void ThreadChannel::settle(std::function<void(Napi::Env)> settle) {
  ChannelEvent last;
  last.settle = [hook = mHook, settle = std::move(settle)](Napi::Env env) {
    napi_remove_env_cleanup_hook(env, closeAtTeardown, hook);
    delete hook;
    settle(env);
  };
  // Refused only once the environment is closing: nobody waits for the promise then, and the hook owns its argument.
  queue(std::move(last));
  release();
}

void ThreadChannel::abandon(Napi::Env env) {
  napi_remove_env_cleanup_hook(env, closeAtTeardown, mHook);
  delete mHook;
  mHook = nullptr;
  release();
}

void ThreadChannel::release() {
  std::lock_guard<std::mutex> lock(mMutex);
  if (!mClosed) mTsfn.Release();
}

void ThreadChannel::closeAtTeardown(void* holder) {
  std::unique_ptr<std::shared_ptr<ThreadChannel>> owned(static_cast<std::shared_ptr<ThreadChannel>*>(holder));
  ThreadChannel& channel = **owned;
  channel.cancelled.store(true);
  std::lock_guard<std::mutex> lock(channel.mMutex);
  channel.mClosed = true;
}

void startThread(Napi::Env env, std::function<void()> work, char const* what) {
  try {
    std::thread(std::move(work)).detach();
  } catch (std::exception const& e) {
    throw jsError(env, "INTERNAL", std::string("could not start a thread for ") + what + ": " + e.what());
  }
}

}  // namespace trtn
