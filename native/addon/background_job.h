// Work that must not hold the JS thread and is not GPU work (deserializing an engine, creating an execution
// context): a pool of up to 4 threads of the addon's own runs it, and its promise settles through the completion
// queue like a run's. As napi async work, a worker that exited meanwhile leaked what it made (12 workers left 6
// runtimes and engines alive): its completion came when the environment could no longer wrap the new object for JS,
// and the native state handed over for wrapping was never released. The completion queue frees a job that finishes after its environment
// (CompletionJob::leakJsHandles), and a job's result is owned through reaped() from the start.
#pragma once

#include <napi.h>

#include <memory>

#include "completion.h"
#include "errors.h"
#include "wraps.h"

namespace trtn {

class BackgroundJob : public CompletionJob {
 public:
  using CompletionJob::CompletionJob;
  // On a pool thread. Must not throw; the job settles (settle(), on the JS thread) once it returns.
  virtual void run() = 0;

  // JS thread: counts the job in flight and queues it for the pool (starting a pool thread while fewer than 4 exist
  // and all are busy).
  static void start(Napi::Env env, std::unique_ptr<BackgroundJob> job);
  // Blocks until every job started so far has run (quiesce.h). Returns whether any was still running.
  static bool drainAll();

 protected:
  // settle() of a job that makes a native object: resolves with `made` wrapped in `cls`, or rejects with `failure`.
  template <typename State>
  void settleMade(Napi::Env env, Napi::FunctionReference& cls, std::shared_ptr<State>& made, Failure const& failure) {
    if (!made) {
      settlement.Reject(toJsError(env, failure).Value());
      return;
    }
    settlement.Resolve(newWrapped(cls, env, std::move(made)));
  }
};

}  // namespace trtn
