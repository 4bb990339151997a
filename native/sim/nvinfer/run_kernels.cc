// The kernels of a run (run_kernels.h): each layer's kernel resolves its tensors' device addresses when it runs on
// the stream's worker, computes, and rounds or quantizes its float outputs to the engine's precision.
#include "run_kernels.h"

#include <algorithm>
#include <cstring>

#include "cudart_calls.h"
#include "../cudart/sim_cuda.h"
#include "precision.h"
#include "shapes.h"
#include "ops/common.h"
#include "ops/subgraph.h"

namespace trtsim {
namespace {

// Resolves the device addresses of a node's tensors to host memory now, when the kernel runs.
bool resolve(RunState const& run, std::vector<int> const& indices, std::vector<HostTensor>& tensors,
             std::vector<size_t> const& bytes) {
  bool ok = true;
  for (size_t k = 0; k < indices.size(); ++k) {
    if (indices[k] < 0) continue;
    // An empty tensor is never touched (a kernel launches no threads for it), wherever it points: with a profile
    // whose largest shape is empty, the context's activation memory is null.
    if (bytes[k] == 0) {
      tensors[k].data = nullptr;
      continue;
    }
    tensors[k].data = cuda::resolveDevice(run.addresses[indices[k]], bytes[k]);
    ok = ok && tensors[k].data != nullptr;
  }
  return ok;
}

bool readsDataDependent(RunState const& run, NodeDef const& node) {
  return std::any_of(node.inputs.begin(), node.inputs.end(),
                     [&](int idx) { return idx >= 0 && run.actualShapes.count(idx) != 0; });
}

// A layer after a data-dependent one learns its inputs' shapes only now, from the kernels before it (stream order),
// and infers its outputs' shapes from them, as TensorRT's kernels do on the device. Its buffers are sized for the
// upper bounds; false when an output would not fit.
bool useActualShapes(RunState const& run, NodeDef const& node, std::vector<HostTensor>& inputs,
                     std::vector<HostTensor>& outputs) {
  std::vector<TensorInfo> in;
  for (size_t k = 0; k < node.inputs.size(); ++k) {
    int idx = node.inputs[k];
    if (idx < 0) {
      in.push_back(omittedInfo());
      continue;
    }
    auto actual = run.actualShapes.find(idx);
    if (actual != run.actualShapes.end()) inputs[k].shape = actual->second;
    in.push_back(TensorInfo{inputs[k].type, inputs[k].shape, run.infos[idx].constData});
  }
  std::vector<TensorInfo> out = node.op->inferOutputs(in);
  for (size_t k = 0; k < node.outputs.size() && k < out.size(); ++k) {
    int idx = node.outputs[k];
    if (idx < 0) continue;
    if (shapeVolume(out[k].shape) > shapeVolume(run.infos[idx].shape)) return false;  // beyond the bound
    outputs[k].shape = out[k].shape;
    if (run.actualShapes.count(idx)) run.actualShapes[idx] = out[k].shape;
  }
  return true;
}

// A subgraph layer's float output at fp16 or bf16, as a top-level one's. Inner tensors have no int8 scales, so at
// int8 they stay float, as TensorRT keeps a layer without scales in a float precision.
void roundInnerOutput(HostTensor const& t, void const* state) {
  auto const& plan = *static_cast<PlanContents const*>(state);
  if (t.type != DType::kFLOAT || (plan.precision != Precision::kFP16 && plan.precision != Precision::kBF16)) return;
  reducePrecision(plan.precision, static_cast<float*>(t.data), static_cast<size_t>(std::max<int64_t>(shapeVolume(t.shape), 0)), 0.f);
}

// What a reduced-precision kernel would have written: float outputs rounded, or quantized where int8 has scales.
void applyPrecision(PlanContents const& plan, NodeDef const& node, std::vector<HostTensor> const& outputs) {
  if (plan.precision == Precision::kFP32) return;
  for (size_t k = 0; k < outputs.size(); ++k) {
    HostTensor const& t = outputs[k];
    if (!t.data || t.type != DType::kFLOAT) continue;
    size_t count = static_cast<size_t>(std::max<int64_t>(shapeVolume(t.shape), 0));
    if (plan.precision == Precision::kINT8) {
      auto it = plan.int8Scales.find(node.outputs[k]);
      if (it != plan.int8Scales.end()) reducePrecision(Precision::kINT8, static_cast<float*>(t.data), count, it->second);
    } else {
      reducePrecision(plan.precision, static_cast<float*>(t.data), count, 0.f);
    }
  }
}

}  // namespace

void describeNodeTensors(RunState& run) {
  auto describe = [&](std::vector<int> const& indices, std::vector<HostTensor>& tensors, std::vector<size_t>& bytes) {
    for (int idx : indices) {
      if (idx < 0) {
        tensors.push_back(omittedTensor());
        bytes.push_back(0);
        continue;
      }
      TensorInfo const& info = run.infos[idx];
      tensors.push_back(HostTensor{info.type, info.shape, nullptr});
      bytes.push_back(static_cast<size_t>(std::max<int64_t>(shapeVolume(info.shape), 0)) * dtypeSize(info.type));
    }
  };
  size_t n = run.plan->graph.nodes.size();
  run.nodeInputs.resize(n);
  run.nodeOutputs.resize(n);
  run.nodeInputBytes.resize(n);
  run.nodeOutputBytes.resize(n);
  for (size_t i = 0; i < n; ++i) {
    NodeDef const& node = run.plan->graph.nodes[i];
    describe(node.inputs, run.nodeInputs[i], run.nodeInputBytes[i]);
    describe(node.outputs, run.nodeOutputs[i], run.nodeOutputBytes[i]);
  }
}

// One layer, run on the stream's worker. A device address outside a live allocation is an illegal address.
int runNode(RunState const& run, size_t n) {
  NodeDef const& node = run.plan->graph.nodes[n];
  std::vector<HostTensor>& inputs = run.nodeInputs[n];
  std::vector<HostTensor>& outputs = run.nodeOutputs[n];
  bool ok = resolve(run, node.inputs, inputs, run.nodeInputBytes[n]);
  ok = resolve(run, node.outputs, outputs, run.nodeOutputBytes[n]) && ok;
  if (!ok) return trtn::cuda::kErrorIllegalAddress;
  try {
    if (node.op->dataDependent()) {
      std::vector<Shape> shapes = node.op->computeDynamic(inputs, outputs);
      for (size_t k = 0; k < node.outputs.size() && k < shapes.size(); ++k) {
        if (node.outputs[k] >= 0) run.actualShapes[node.outputs[k]] = shapes[k];
      }
      return 0;
    }
    if (readsDataDependent(run, node) && !useActualShapes(run, node, inputs, outputs)) {
      return trtn::cuda::kErrorLaunchFailure;
    }
    // Layers inside its subgraphs (If branches, Loop bodies) run at the engine's precision too.
    ops::InnerOutputScope inner(roundInnerOutput, run.plan.get());
    node.op->compute(inputs, outputs);
  } catch (std::exception const&) {
    return trtn::cuda::kErrorLaunchFailure;
  }
  applyPrecision(*run.plan, node, outputs);
  return 0;
}

double nodeFlops(RunState const& run, size_t n) {
  NodeDef const& node = run.plan->graph.nodes[n];
  std::vector<HostTensor> in, out;
  for (int idx : node.inputs) in.push_back(idx < 0 ? omittedTensor() : HostTensor{run.infos[idx].type, run.infos[idx].shape, nullptr});
  for (int idx : node.outputs) {
    out.push_back(idx < 0 ? HostTensor{} : HostTensor{run.infos[idx].type, run.infos[idx].shape, nullptr});
  }
  return node.op->flops(in, out);
}

int launchDeviceCopy(cudaStream_t stream, void const* source, void* destination, size_t bytes) {
  return cuda::launchKernel(stream, [source, destination, bytes] {
    if (bytes == 0) return 0;
    void* s = cuda::resolveDevice(source, bytes);
    void* d = cuda::resolveDevice(destination, bytes);
    if (!s || !d) return static_cast<int>(trtn::cuda::kErrorIllegalAddress);
    std::memcpy(d, s, bytes);
    return 0;
  }, static_cast<double>(bytes));
}

int launchReformat(cudaStream_t stream, void* linear, void* formatted, Shape const& dims,
                   trtn::layout::Layout const& layout, size_t elementSize, bool toFormatted) {
  size_t const linearBytes = static_cast<size_t>(std::max<int64_t>(shapeVolume(dims), 0)) * elementSize;
  size_t const formattedBytes = static_cast<size_t>(trtn::layout::formattedVolume(dims, layout)) * elementSize;
  return cuda::launchKernel(stream, [=] {
    if (linearBytes == 0) return 0;
    void* l = cuda::resolveDevice(linear, linearBytes);
    void* f = cuda::resolveDevice(formatted, formattedBytes);
    if (!l || !f) return static_cast<int>(trtn::cuda::kErrorIllegalAddress);
    trtn::layout::reformat(static_cast<uint8_t*>(l), static_cast<uint8_t*>(f), dims, layout, elementSize, toFormatted);
    return 0;
  }, static_cast<double>(formattedBytes));
}

}  // namespace trtsim
