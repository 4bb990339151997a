// What enqueueV3 queues on the stream: a run's state, fixed at enqueue, and the kernels that run its layers on the
// stream's worker (plus the copy and reformat kernels around them). Kernels resolve every device address when they
// run, so a freed or too-small buffer faults as on a GPU.
#pragma once

#include <map>
#include <memory>
#include <vector>

#include "../include/NvInferRuntime.h"  // cudaStream_t
#include "../../common/tensor_layout.h"
#include "plan.h"

namespace trtsim {

// Everything a run's kernels need, fixed at enqueue time (later setInputShape/setTensorAddress calls for the next
// run must not affect it).
struct RunState {
  std::shared_ptr<PlanContents const> plan;  // keeps the graph alive while kernels are queued
  std::vector<TensorInfo> infos;
  std::vector<void*> addresses;  // device address of every tensor
  std::vector<double> flops;     // per node, for the cost model
  uint64_t shapesEpoch = 0;      // which input shapes `infos` were resolved for
  // Per node, the tensors its kernel sees; only the host addresses change between executions. Kernels of one
  // context run in stream order on one worker, so filling them in place is race-free.
  mutable std::vector<std::vector<HostTensor>> nodeInputs, nodeOutputs;
  std::vector<std::vector<size_t>> nodeInputBytes, nodeOutputBytes;
  // Data-dependent tensors: the shape their kernel found, by tensor index (keys set at enqueue, values written by
  // the kernels on the stream's worker, read by later kernels and by enqueueV3 after it synchronized the stream).
  mutable std::map<int, Shape> actualShapes;
};

// Fills the run's per-node tensor descriptions (types, shapes and byte sizes; their addresses are resolved when each
// kernel runs).
void describeNodeTensors(RunState& run);

// Layer n of the run, on the stream's worker: 0, or the CUDA error its kernel raises.
int runNode(RunState const& run, size_t n);

// Layer n's work for the cost model.
double nodeFlops(RunState const& run, size_t n);

// A device-to-device copy as a kernel on the stream: addresses outside live allocations fault when it runs.
int launchDeviceCopy(cudaStream_t stream, void const* source, void* destination, size_t bytes);

// Converts an IO tensor between the linear copy the layers use and the caller's memory in the tensor's format, as a
// kernel on the stream (TensorRT's reformatting layer).
int launchReformat(cudaStream_t stream, void* linear, void* formatted, Shape const& dims,
                   trtn::layout::Layout const& layout, size_t elementSize, bool toFormatted);

}  // namespace trtsim
