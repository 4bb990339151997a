// Runs a subgraph (If's branches, Loop's body) with the simulator's own ops: shape inference for given input infos,
// and computation on host tensors. The subgraph's tensors live in slots: the tensors of the enclosing graphs it reads
// (captured, in the order the parser lists them), then its own graph inputs (Loop's iteration number, condition and
// carried values), then its constants, then every node output.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common.h"

namespace trtsim {
namespace ops {

// Called with each output of each layer a subgraph runs, on the thread that runs it, while an InnerOutputScope is
// alive there: the executor rounds them to the engine's reduced precision as it rounds top-level layers' outputs (ops
// know nothing of plans). Nested subgraphs are reached too.
using InnerOutputHook = void (*)(HostTensor const& output, void const* state);

class InnerOutputScope {
 public:
  InnerOutputScope(InnerOutputHook hook, void const* state);
  ~InnerOutputScope();
  InnerOutputScope(InnerOutputScope const&) = delete;
  InnerOutputScope& operator=(InnerOutputScope const&) = delete;

 private:
  InnerOutputHook mPreviousHook;
  void const* mPreviousState;
};

class SubGraphRunner {
 public:
  static constexpr int64_t kKnownValues = 64;  // tensors up to this many elements pass their values to inference

  // op: the owning operator's name for errors ("If"); label: which subgraph ("then_branch", "body"). Throws OpError
  // for a node the simulator cannot run inside a subgraph, or a name read before it is defined.
  SubGraphRunner(char const* op, char const* label, std::shared_ptr<SubGraph const> graph, std::vector<std::string> const& captured,
                 int64_t opset);

  size_t numOutputs() const { return outputs_.size(); }
  char const* label() const { return label_; }
  // Whether a node or an output reads graph input k (Loop's iteration_num and cond need not be given a value).
  bool readsInput(size_t k) const;

  // Output infos for the infos of the captured tensors followed by the subgraph's inputs.
  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& inputs) const;
  // Computes the outputs (shapes as infer() gives them) from host tensors in the same order as infer's inputs.
  void run(std::vector<HostTensor> const& inputs, std::vector<HostTensor> const& outputs) const;
  // The arithmetic of one run, as far as shapes are known before values (a Reshape to a computed shape stops the
  // count). Never throws: it is called when a run is enqueued.
  double flops(std::vector<HostTensor> const& inputs) const;

 private:
  struct Step {
    std::shared_ptr<Op> op;
    std::vector<int> inputs;   // slots; -1 for an omitted input
    std::vector<int> outputs;  // slots; -1 for an omitted output
  };

  [[noreturn]] void fail(std::string const& message) const;
  std::vector<TensorInfo> seedInfos(std::vector<TensorInfo> const& inputs) const;
  void inferStep(size_t s, std::vector<TensorInfo>& infos) const;

  char const* op_;
  char const* label_;
  std::shared_ptr<SubGraph const> graph_;
  size_t given_ = 0;  // captured tensors and graph inputs: the slots infer() and run() are given
  int slots_ = 0;
  std::vector<Step> steps_;
  std::vector<int> outputs_;
};

// Loop's carried values and Scan's states are TensorRT recurrences, which keep their input's type and shape: throws
// OpError("<op>: <what> is float32 [2] before the body and float32 [4] after it: ...") when the body changes them.
// Extents unknown at build time (-1) are not compared.
void requireRecurrence(char const* op, std::string const& what, TensorInfo const& before, TensorInfo const& after);

}  // namespace ops
}  // namespace trtsim
