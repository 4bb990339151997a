#include "states.h"

#include <algorithm>

#include "device_scope.h"
#include "dynamic_run.h"
#include "graph_launch.h"

namespace trtn {

void keepForever(std::shared_ptr<void> owner) {
  static auto* mutex = new std::mutex();  // never destroyed: CUDA threads may call this while the process exits
  static auto* kept = new std::vector<std::shared_ptr<void>>();
  std::lock_guard<std::mutex> lock(*mutex);
  kept->push_back(std::move(owner));
}

RuntimeState::~RuntimeState() {
  pinned.reset();
  runtime.reset();
  if (utilityStream) backend->cuda().cudaStreamDestroy(utilityStream);
}

int DeviceBufferState::waitForPreviousUse(cuda::Stream stream) {
  return lastUse ? runtime->cuda().cudaStreamWaitEvent(stream, lastUse, 0) : 0;
}

int DeviceBufferState::markUse(cuda::Stream stream) {
  CudaApi const& api = runtime->cuda();
  if (!lastUse) {
    int rc = api.cudaEventCreateWithFlags(&lastUse, cuda::kEventDisableTiming);
    if (rc != 0) return rc;
  }
  return api.cudaEventRecord(lastUse, stream);
}

DeviceBufferState::~DeviceBufferState() {
  DeviceScope device(runtime->cuda(), runtime->device);  // wherever the last reference went
  // Every run that used this buffer has settled (they hold this state), so a stream-ordered free cannot race them.
  if (data) runtime->cuda().cudaFreeAsync(data, runtime->utilityStream);
  if (lastUse) runtime->cuda().cudaEventDestroy(lastUse);
}

int ContextState::ensureCapacity(GrowableDeviceBuffer& buffer, size_t bytes) {
  if (buffer.data && buffer.capacity >= bytes) return 0;
  size_t capacity = std::max<size_t>(bytes, 256);
  if (buffer.data) capacity = std::max(capacity, buffer.capacity * 2);
  void* fresh = nullptr;
  int rc = cuda().cudaMallocAsync(&fresh, capacity, stream);
  if (rc != 0) return rc;
  if (buffer.data) cuda().cudaFreeAsync(buffer.data, stream);
  buffer = GrowableDeviceBuffer{fresh, capacity};
  return 0;
}

ContextState::ContextState() = default;

bool ContextState::bindTensor(int index, void* address, Failure& failure) {
  if (boundAddress[index] == address) return true;
  if (!context->setTensorAddress(engine->engine->info().tensors[index].name, address, failure)) return false;
  boundAddress[index] = address;
  ++bindingsEpoch;
  return true;
}

bool ContextState::applyInputShape(size_t input, std::vector<int64_t> const& dims, Failure& failure) {
  if (dims == inputDims[input]) return true;
  if (!context->setInputShape(engine->engine->info().tensors[engine->inputs[input]].name, dims, failure)) return false;
  inputDims[input] = dims;
  ++bindingsEpoch;
  return true;
}

bool ContextState::refreshShapeOutputs(Failure& failure) {
  EngineState const& e = *engine;
  EngineInfo const& info = e.engine->info();
  for (size_t o = 0; o < e.outputs.size(); ++o) {
    if (!e.hostOutputs[o]) continue;
    TensorInfo const& t = info.tensors[e.outputs[o]];
    // A shape output's shape is fixed (no -1).
    uint8_t* values = shapeOutputValues[o].reserve(std::max<size_t>(volume(t.shape) * dataTypeSize(t.dataType), 1));
    if (!bindTensor(e.outputs[o], values, failure)) return false;
  }
  if (shapeOutputsEpoch == bindingsEpoch) return true;
  if (!context->inferShapes(failure)) return false;
  shapeOutputsEpoch = bindingsEpoch;
  return true;
}

ContextState::~ContextState() {
  CudaApi const& api = cuda();
  std::unique_ptr<DynamicRunState> launched = std::move(dynamic);
  if (launched) launched->stopLauncher();  // idle: every run held this state until it settled
  dropGraph(*this);
  context.reset();
  launched.reset();  // the output sinks TensorRT called, and their memory
  for (auto& b : deviceBuffers) {
    if (b.data) api.cudaFreeAsync(b.data, stream);
  }
  staging.reset();  // idle: every run that used it has settled, so no queued copy still reads or writes it
  if (stream) api.cudaStreamDestroy(stream);
}

}  // namespace trtn
