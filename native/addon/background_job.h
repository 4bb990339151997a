// Work that must not hold the JS thread and is not GPU work (creating an execution context): a thread of its own
// runs it, and its promise settles through the completion queue like a run's. napi async work would leak it when a
// worker exits meanwhile: the worker's loop is gone when the work finishes, so nothing ever completes or deletes it.
// The completion queue instead frees a job that finishes after its environment (CompletionJob::leakJsHandles).
#pragma once

#include <napi.h>

#include <memory>

#include "completion.h"

namespace trtn {

class BackgroundJob : public CompletionJob {
 public:
  using CompletionJob::CompletionJob;
  // On the job's own thread. Must not throw; the job settles (settle(), on the JS thread) once it returns.
  virtual void run() = 0;

  // JS thread: counts the job in flight and starts its thread.
  static void start(Napi::Env env, std::unique_ptr<BackgroundJob> job);
  // Blocks until every job started so far has run (quiesce.h). Returns whether any was still running.
  static bool drainAll();
};

}  // namespace trtn
