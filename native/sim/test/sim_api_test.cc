// The simulator's TensorRT and CUDA stand-ins driven directly through the API (the same calls the backend makes),
// checking that each misuse is reported where, and how, real TensorRT reports it. Built and run by
// test/native-units.test.ts against the built libraries; argv[1] is an ONNX model file (x [batch,4] -> Relu -> y),
// argv[2] one with a data-dependent output (x [n] -> NonZero -> idx), argv[3] one with a shape tensor input
// (x [n,4], target int64 [2] -> Reshape -> y), argv[4] one with an output that can be a shape output (x [n,4] ->
// Relu -> y, Shape(x) -> dims), argv[5] one of rank 4 (x [1,3,1,2] -> Neg -> y) for IO formats, argv[6] one with a
// plugin node (x [2,3] -> Swish_TRTN -> y) and argv[7] the test plugin library that provides it.
#include <NvInfer.h>
#include <NvOnnxParser.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <malloc.h>
#include <iterator>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "../../common/cuda_abi.h"
#include "../include/trtsim_control.h"

extern "C" {
#define DECLARE(name, ret, params) ret name params;
TRTN_CUDA_FUNCTIONS(DECLARE)
#undef DECLARE
}

namespace {

int failures = 0;
int checks = 0;

void check(bool ok, std::string const& what) {
  ++checks;
  if (!ok) {
    ++failures;
    std::printf("FAIL %s\n", what.c_str());
  }
}

class Logger : public nvinfer1::ILogger {
 public:
  void log(Severity, char const*) noexcept override {}
};

class Recorder : public nvinfer1::IErrorRecorder {
 public:
  std::vector<std::pair<nvinfer1::ErrorCode, std::string>> errors;
  int32_t refs = 0;
  int32_t getNbErrors() const noexcept override { return static_cast<int32_t>(errors.size()); }
  nvinfer1::ErrorCode getErrorCode(int32_t i) const noexcept override { return errors[i].first; }
  ErrorDesc getErrorDesc(int32_t i) const noexcept override { return errors[i].second.c_str(); }
  bool hasOverflowed() const noexcept override { return false; }
  void clear() noexcept override { errors.clear(); }
  bool reportError(nvinfer1::ErrorCode code, ErrorDesc desc) noexcept override {
    errors.emplace_back(code, desc);
    return false;
  }
  RefCount incRefCount() noexcept override { return ++refs; }
  RefCount decRefCount() noexcept override { return --refs; }
  std::string last() const { return errors.empty() ? "" : errors.back().second; }
};

nvinfer1::Dims dims2(int64_t a, int64_t b) {
  nvinfer1::Dims d{};
  d.nbDims = 2;
  d.d[0] = a;
  d.d[1] = b;
  return d;
}

nvinfer1::Dims dims1(int64_t a) {
  nvinfer1::Dims d{};
  d.nbDims = 1;
  d.d[0] = a;
  return d;
}

// A builder, a network parsed from ONNX into it, and a config, as the backend makes them.
struct ParsedModel {
  std::unique_ptr<nvinfer1::IBuilder> builder;
  std::unique_ptr<nvinfer1::INetworkDefinition> network;
  std::unique_ptr<nvinfer1::IBuilderConfig> config;
  std::unique_ptr<nvonnxparser::IParser> parser;
};

ParsedModel parseModel(Logger& logger, std::vector<uint8_t> const& onnx) {
  ParsedModel m;
  m.builder.reset(static_cast<nvinfer1::IBuilder*>(createInferBuilder_INTERNAL(&logger, NV_TENSORRT_VERSION)));
  m.network.reset(m.builder->createNetworkV2(0));
  m.config.reset(m.builder->createBuilderConfig());
  m.parser.reset(static_cast<nvonnxparser::IParser*>(
      createNvOnnxParser_INTERNAL(m.network.get(), &logger, NV_ONNX_PARSER_VERSION)));
  check(m.parser->parse(onnx.data(), onnx.size()), "parse the fixture");
  return m;
}

// An optimization profile giving input "x" the range min..max (opt in between).
nvinfer1::IOptimizationProfile* profileForX(nvinfer1::IBuilder& builder, nvinfer1::Dims const& min,
                                            nvinfer1::Dims const& opt, nvinfer1::Dims const& max) {
  nvinfer1::IOptimizationProfile* profile = builder.createOptimizationProfile();
  profile->setDimensions("x", nvinfer1::OptProfileSelector::kMIN, min);
  profile->setDimensions("x", nvinfer1::OptProfileSelector::kOPT, opt);
  profile->setDimensions("x", nvinfer1::OptProfileSelector::kMAX, max);
  return profile;
}

// The engine of `plan`, from a runtime of its own (handed out in `runtime`) that reports to `recorder`.
std::unique_ptr<nvinfer1::ICudaEngine> loadPlan(Logger& logger, Recorder& recorder, nvinfer1::IHostMemory const& plan,
                                                std::unique_ptr<nvinfer1::IRuntime>& runtime) {
  runtime.reset(static_cast<nvinfer1::IRuntime*>(createInferRuntime_INTERNAL(&logger, NV_TENSORRT_VERSION)));
  runtime->setErrorRecorder(&recorder);
  return std::unique_ptr<nvinfer1::ICudaEngine>(runtime->deserializeCudaEngine(plan.data(), plan.size()));
}

// A stream and two device buffers for a test's runs, released at the end of its scope (after the test resets its
// context, engine and runtime).
struct DeviceScratch {
  cudaStream_t stream = nullptr;
  void* x = nullptr;
  void* y = nullptr;
  DeviceScratch(size_t xBytes, size_t yBytes) {
    cudaStreamCreateWithFlags(&stream, trtn::cuda::kStreamNonBlocking);
    cudaMalloc(&x, xBytes);
    if (yBytes > 0) cudaMalloc(&y, yBytes);
  }
  ~DeviceScratch() {
    cudaFree(x);
    if (y) cudaFree(y);
    cudaStreamDestroy(stream);
  }
  DeviceScratch(DeviceScratch const&) = delete;
  DeviceScratch& operator=(DeviceScratch const&) = delete;
};

// A plan of the model whose one input "x" gets the profile min..max.
std::vector<uint8_t> buildPlan(Logger& logger, std::vector<uint8_t> const& onnx, nvinfer1::Dims const& min,
                               nvinfer1::Dims const& opt, nvinfer1::Dims const& max,
                               std::vector<nvinfer1::BuilderFlag> const& flags = {}) {
  ParsedModel m = parseModel(logger, onnx);
  auto& [builder, network, config, parser] = m;
  check(config->addOptimizationProfile(profileForX(*builder, min, opt, max)) == 0, "add a profile");
  for (nvinfer1::BuilderFlag flag : flags) config->setFlag(flag);
  std::unique_ptr<nvinfer1::IHostMemory> plan(builder->buildSerializedNetwork(*network, *config));
  check(plan != nullptr, "build");
  if (!plan) return {};
  auto const* p = static_cast<uint8_t const*>(plan->data());
  return std::vector<uint8_t>(p, p + plan->size());
}

// Hands out one growing cudaMalloc block per output, like the addon's allocator, and records the calls in order.
class OutputAllocator : public nvinfer1::IOutputAllocator {
 public:
  std::vector<std::string> calls;
  void* memory = nullptr;
  uint64_t capacity = 0;
  bool refuse = false;
  nvinfer1::Dims shape{};

  void* reallocateOutputAsync(char const* name, void*, uint64_t size, uint64_t alignment, cudaStream_t) override {
    calls.push_back(std::string("reallocate ") + name + " " + std::to_string(size) + " " + std::to_string(alignment));
    if (refuse) return nullptr;
    if (size > capacity) {
      cudaFree(memory);
      memory = nullptr;
      if (cudaMalloc(&memory, size) != 0) return nullptr;
      capacity = size;
    }
    return memory;
  }
  void notifyShape(char const* name, nvinfer1::Dims const& dims) noexcept override {
    std::string text = std::string("shape ") + name + " [";
    for (int32_t i = 0; i < dims.nbDims; ++i) text += (i ? "," : "") + std::to_string(dims.d[i]);
    calls.push_back(text + "]");
    shape = dims;
  }
  ~OutputAllocator() override { cudaFree(memory); }
};

// x [n] -> NonZero -> idx [1, count]: the output's extent depends on the values, so enqueueV3 asks the output
// allocator for memory and reports the shape before it returns, as TensorRT does.
void testDataDependentOutput(Logger& logger, Recorder& recorder, std::vector<uint8_t> const& onnx) {
  std::vector<uint8_t> plan = buildPlan(logger, onnx, dims1(1), dims1(4), dims1(16));
  std::unique_ptr<nvinfer1::IRuntime> runtime(
      static_cast<nvinfer1::IRuntime*>(createInferRuntime_INTERNAL(&logger, NV_TENSORRT_VERSION)));
  runtime->setErrorRecorder(&recorder);
  std::unique_ptr<nvinfer1::ICudaEngine> engine(runtime->deserializeCudaEngine(plan.data(), plan.size()));
  check(engine != nullptr, "deserialize the NonZero model");
  if (!engine) return;
  nvinfer1::Dims engineShape = engine->getTensorShape("idx");
  check(engineShape.nbDims == 2 && engineShape.d[0] == 1 && engineShape.d[1] == -1, "the engine reports [1,-1]");
  std::unique_ptr<nvinfer1::IExecutionContext> context(engine->createExecutionContext());
  DeviceScratch scratch(16 * sizeof(float), 0);
  auto const& [stream, x, unused] = scratch;
  context->setInputShape("x", dims1(6));
  context->setTensorAddress("x", x);
  nvinfer1::Dims shape = context->getTensorShape("idx");
  check(shape.nbDims == 2 && shape.d[1] == -1, "the count stays -1 once the input shape is known");
  check(context->getMaxOutputSize("idx") == 6 * 8, "getMaxOutputSize: the upper bound, 6 int64 coordinates");
  check(!context->enqueueV3(stream), "enqueue without an allocator or address for the output fails");
  check(recorder.last().find("Address is not set for output tensor idx. Call setOutputTensorAddress, setTensorAddress "
                             "or setOutputAllocator") != std::string::npos,
        "... naming the output and the allocator: " + recorder.last());

  OutputAllocator allocator;
  check(context->setOutputAllocator("idx", &allocator) && context->getOutputAllocator("idx") == &allocator,
        "setOutputAllocator");
  float values[6] = {0, 3, 0, 0, 5, 1};
  cudaMemcpyAsync(x, values, sizeof values, trtn::cuda::kHostToDevice, stream);
  check(context->enqueueV3(stream), "enqueue with the allocator");
  check((allocator.calls == std::vector<std::string>{"reallocate idx 24 256", "shape idx [1,3]"}),
        "memory for 3 coordinates, then the shape, both before enqueueV3 returned");
  int64_t got[3] = {};
  cudaMemcpyAsync(got, allocator.memory, sizeof got, trtn::cuda::kDeviceToHost, stream);
  check(cudaStreamSynchronize(stream) == 0 && got[0] == 1 && got[1] == 4 && got[2] == 5, "the coordinates");

  float zeros[6] = {};
  allocator.calls.clear();
  cudaMemcpyAsync(x, zeros, sizeof zeros, trtn::cuda::kHostToDevice, stream);
  check(context->enqueueV3(stream), "enqueue with no non-zero element");
  check((allocator.calls == std::vector<std::string>{"reallocate idx 1 256", "shape idx [1,0]"}),
        "an empty output still gets a positive size, and the shape [1,0]");

  allocator.refuse = true;
  check(!context->enqueueV3(stream), "an allocator returning nullptr fails the enqueue");
  check(recorder.last().find("IOutputAllocator returned nullptr for output tensor idx.") != std::string::npos,
        "... saying so: " + recorder.last());
  check(cudaStreamSynchronize(stream) == 0, "the failed enqueue left the stream healthy");
  context.reset();
  engine.reset();
  runtime.reset();
}

// A shape tensor input: the network and the profile say what it is, the engine puts it on the host with its profile
// values, and a context reads its values from host memory when it infers shapes and at each enqueueV3.
void testShapeInput(Logger& logger, Recorder& recorder, std::vector<uint8_t> const& onnx) {
  ParsedModel m = parseModel(logger, onnx);
  auto& [builder, network, config, parser] = m;
  check(!network->getInput(0)->isShapeTensor() && network->getInput(1)->isShapeTensor(),
        "the target is a shape tensor, x is not");
  nvinfer1::IOptimizationProfile* profile = profileForX(*builder, dims2(1, 4), dims2(2, 4), dims2(8, 4));
  int64_t const lo[2] = {-1, 1}, mid[2] = {2, 4}, hi[2] = {32, 32};
  check(profile->getNbShapeValues("target") == -1 && profile->getShapeValuesV2("target", nvinfer1::OptProfileSelector::kMIN) == nullptr,
        "no values before they are set");
  check(profile->setShapeValuesV2("target", nvinfer1::OptProfileSelector::kMIN, lo, 2) &&
            profile->setShapeValuesV2("target", nvinfer1::OptProfileSelector::kOPT, mid, 2),
        "setShapeValuesV2");
  check(!profile->isValid(), "a profile missing the maximum values is not valid");
  check(!profile->setShapeValuesV2("target", nvinfer1::OptProfileSelector::kMAX, hi, 1),
        "a count other than the earlier calls' is refused");
  check(profile->setShapeValuesV2("target", nvinfer1::OptProfileSelector::kMAX, hi, 2) && profile->isValid(),
        "with the maximum the profile is valid");
  check(profile->getNbShapeValues("target") == 2 && profile->getShapeValuesV2("target", nvinfer1::OptProfileSelector::kOPT)[1] == 4,
        "getNbShapeValues and getShapeValuesV2");
  check(config->addOptimizationProfile(profile) == 0, "add the profile");
  std::unique_ptr<nvinfer1::IHostMemory> plan(builder->buildSerializedNetwork(*network, *config));
  check(plan != nullptr, "build with the values");
  if (!plan) return;

  std::unique_ptr<nvinfer1::IRuntime> runtime;
  std::unique_ptr<nvinfer1::ICudaEngine> engine = loadPlan(logger, recorder, *plan, runtime);
  check(engine != nullptr, "deserialize the Reshape model");
  if (!engine) return;
  check(engine->getTensorLocation("target") == nvinfer1::TensorLocation::kHOST &&
            engine->getTensorLocation("x") == nvinfer1::TensorLocation::kDEVICE,
        "the shape input lives on the host");
  check(engine->isShapeInferenceIO("target") && !engine->isShapeInferenceIO("x") && !engine->isShapeInferenceIO("y"),
        "isShapeInferenceIO");
  int64_t const* maxValues = engine->getProfileTensorValuesV2("target", 0, nvinfer1::OptProfileSelector::kMAX);
  check(maxValues && maxValues[0] == 32 && maxValues[1] == 32, "getProfileTensorValuesV2");
  check(engine->getProfileTensorValuesV2("x", 0, nvinfer1::OptProfileSelector::kMAX) == nullptr &&
            engine->getProfileTensorValuesV2("target", 1, nvinfer1::OptProfileSelector::kMAX) == nullptr,
        "no values for another input or profile");

  std::unique_ptr<nvinfer1::IExecutionContext> context(engine->createExecutionContext());
  DeviceScratch scratch(8 * 4 * sizeof(float), 8 * 4 * sizeof(float));
  auto const& [stream, x, y] = scratch;
  context->setInputShape("x", dims2(2, 4));
  context->setTensorAddress("x", x);
  context->setTensorAddress("y", y);
  char const* unset[2] = {nullptr, nullptr};
  check(context->inferShapes(2, unset) == 1 && std::strcmp(unset[0], "target") == 0,
        "inferShapes names the shape input whose address is unset");
  check(context->getTensorShape("y").nbDims == 2 && context->getTensorShape("y").d[0] == -1,
        "the output's extents stay unknown without the values");
  check(!context->enqueueV3(stream) && recorder.last().find("Address is not set for input tensor target") != std::string::npos,
        "enqueueV3 without the values' address: " + recorder.last());

  // 256-byte aligned host memory, as every tensor address must be.
  alignas(256) static int64_t target[32] = {4, 2};
  check(context->setInputTensorAddress("target", target), "bind host memory");
  nvinfer1::Dims shape = context->getTensorShape("y");
  check(shape.nbDims == 2 && shape.d[0] == 4 && shape.d[1] == 2, "the output shape follows the values");
  target[0] = 8;
  target[1] = 1;
  shape = context->getTensorShape("y");
  check(shape.d[0] == 8 && shape.d[1] == 1, "new values in the same memory are read again");
  float values[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  cudaMemcpyAsync(x, values, sizeof values, trtn::cuda::kHostToDevice, stream);
  check(context->enqueueV3(stream), "enqueue with the values");
  target[0] = 64;  // after enqueueV3 returned: the queued run keeps the values it read
  float got[8] = {};
  cudaMemcpyAsync(got, y, sizeof got, trtn::cuda::kDeviceToHost, stream);
  check(cudaStreamSynchronize(stream) == 0 && got[7] == 8, "the run computed with the values read at enqueue");
  check(!context->enqueueV3(stream) &&
            recorder.last().find("Set values [64,1] for shape tensor target do not satisfy any optimization profile. "
                                 "Valid range for profile 0: [-1,1]..[32,32].") != std::string::npos,
        "values outside the profile are refused at enqueue: " + recorder.last());
  target[0] = 4;
  target[1] = 2;
  check(context->setInputTensorAddress("target", x) && !context->enqueueV3(stream) &&
            recorder.last().find("The address of shape tensor target is device memory") != std::string::npos,
        "device memory for a host tensor is refused (a GPU would crash reading it): " + recorder.last());
  check(context->setInputTensorAddress("target", target) && context->enqueueV3(stream), "host memory again");
  check(cudaStreamSynchronize(stream) == 0, "the stream stayed healthy");
  context.reset();
  engine.reset();
  runtime.reset();
}

// A shape tensor output: marked in place of an ordinary output, it lives on the host, and a context writes its values
// to host memory when it infers shapes and at each enqueueV3, not in stream order.
void testShapeOutput(Logger& logger, Recorder& recorder, std::vector<uint8_t> const& onnx) {
  ParsedModel m = parseModel(logger, onnx);
  auto& [builder, network, config, parser] = m;
  nvinfer1::ITensor* dims = network->getOutput(1);
  check(dims && !dims->isShapeTensor(), "an ordinary output is no shape tensor");
  check(!network->markOutputForShapes(*dims), "markOutputForShapes refuses a tensor already marked as an output");
  check(!network->markOutputForShapes(*network->getInput(0)), "... and a network input");
  network->unmarkOutput(*dims);
  check(network->getNbOutputs() == 1 && !dims->isNetworkOutput(), "unmarkOutput");
  check(network->markOutputForShapes(*dims) && network->getNbOutputs() == 2 && dims->isShapeTensor() &&
            !network->getInput(0)->isShapeTensor(),
        "marked for shapes: a shape tensor, computed from x's extents only");
  check(!network->unmarkOutputForShapes(*network->getOutput(0)), "unmarkOutputForShapes refuses an ordinary output");
  config->addOptimizationProfile(profileForX(*builder, dims2(1, 4), dims2(2, 4), dims2(8, 4)));
  std::unique_ptr<nvinfer1::IHostMemory> plan(builder->buildSerializedNetwork(*network, *config));
  check(plan != nullptr, "build with a shape output");
  if (!plan) return;

  std::unique_ptr<nvinfer1::IRuntime> runtime;
  std::unique_ptr<nvinfer1::ICudaEngine> engine = loadPlan(logger, recorder, *plan, runtime);
  check(engine != nullptr, "deserialize the shape output model");
  if (!engine) return;
  check(engine->getTensorLocation("dims") == nvinfer1::TensorLocation::kHOST &&
            engine->getTensorLocation("y") == nvinfer1::TensorLocation::kDEVICE && engine->isShapeInferenceIO("dims") &&
            !engine->isShapeInferenceIO("x"),
        "the shape output lives on the host and is shape inference IO");
  check(engine->getTensorShape("dims").nbDims == 1 && engine->getTensorShape("dims").d[0] == 2, "its shape is fixed");

  std::unique_ptr<nvinfer1::IExecutionContext> context(engine->createExecutionContext());
  DeviceScratch scratch(8 * 4 * sizeof(float), 8 * 4 * sizeof(float));
  auto const& [stream, x, y] = scratch;
  alignas(256) static int64_t written[32] = {};
  context->setInputShape("x", dims2(3, 4));
  context->setTensorAddress("x", x);
  context->setTensorAddress("y", y);
  check(context->inferShapes(0, nullptr) == 0 && written[0] == 0, "inferShapes writes no shape output without an address");
  check(!context->enqueueV3(stream) && recorder.last().find("Address is not set for output tensor dims") != std::string::npos,
        "enqueueV3 wants the shape output's address: " + recorder.last());
  check(context->setTensorAddress("dims", written) && context->inferShapes(0, nullptr) == 0 && written[0] == 3 &&
            written[1] == 4,
        "inferShapes writes the values to the host address");
  context->setInputShape("x", dims2(5, 4));
  written[0] = 0;
  check(context->enqueueV3(stream) && written[0] == 5 && written[1] == 4,
        "enqueueV3 writes them before it returns, without waiting for the stream");
  check(cudaStreamSynchronize(stream) == 0 && written[0] == 5, "the kernels leave the host values alone");
  check(context->setTensorAddress("dims", y) && !context->enqueueV3(stream) &&
            recorder.last().find("The address of shape tensor dims is device memory") != std::string::npos,
        "device memory for a host output is refused (a GPU would crash writing it): " + recorder.last());
  check(context->setTensorAddress("dims", written) && context->enqueueV3(stream) && cudaStreamSynchronize(stream) == 0,
        "host memory again");
  context.reset();
  engine.reset();
  runtime.reset();
}

// IO formats: the builder takes a format per IO tensor, the engine describes it as the header does, and a run reads
// and writes the caller's memory in that layout, checked here against layouts written out by hand (the binding's
// conversions are checked against onnxruntime through the same layouts, so a mistake shared by both shows here).
void testIoFormats(Logger& logger, Recorder& recorder, std::vector<uint8_t> const& onnx) {
  {
    ParsedModel m = parseModel(logger, onnx);
    m.builder->setErrorRecorder(&recorder);
    m.network->getInput(0)->setAllowedFormats(1u << static_cast<int>(nvinfer1::TensorFormat::kCHW4));
    std::unique_ptr<nvinfer1::IHostMemory> refused(m.builder->buildSerializedNetwork(*m.network, *m.config));
    check(!refused && recorder.last().find("Network input x: none of its allowed formats (kCHW4) can hold a float32 "
                                           "tensor") != std::string::npos,
          "a format the type does not fit fails the build: " + recorder.last());
  }
  ParsedModel m = parseModel(logger, onnx);
  check(m.network->getInput(0)->getAllowedFormats() == ~0u, "every format is allowed until set");
  m.network->getInput(0)->setAllowedFormats(1u << static_cast<int>(nvinfer1::TensorFormat::kHWC));
  m.network->getOutput(0)->setAllowedFormats(1u << static_cast<int>(nvinfer1::TensorFormat::kCHW32));
  std::unique_ptr<nvinfer1::IHostMemory> plan(m.builder->buildSerializedNetwork(*m.network, *m.config));
  check(plan != nullptr, "build with IO formats");
  if (!plan) return;
  std::unique_ptr<nvinfer1::IRuntime> runtime;
  std::unique_ptr<nvinfer1::ICudaEngine> engine = loadPlan(logger, recorder, *plan, runtime);
  if (!engine) return;
  check(engine->getTensorFormat("x") == nvinfer1::TensorFormat::kHWC &&
            engine->getTensorFormat("y") == nvinfer1::TensorFormat::kCHW32,
        "getTensorFormat");
  // kHWC has one scalar per vector: not vectorized, so -1, as for kLINEAR.
  check(engine->getTensorVectorizedDim("x") == -1 && engine->getTensorComponentsPerElement("x") == -1 &&
            engine->getTensorBytesPerComponent("x") == -1,
        "kHWC is not vectorized");
  check(engine->getTensorVectorizedDim("y") == 1 && engine->getTensorComponentsPerElement("y") == 32 &&
            engine->getTensorBytesPerComponent("y") == 4,
        "kCHW32 is vectorized in dimension 1, 32 components of 4 bytes");
  check(std::string(engine->getTensorFormatDesc("y")).find("Thirty-two wide channel vectorized") == 0,
        std::string("getTensorFormatDesc: ") + engine->getTensorFormatDesc("y"));

  std::unique_ptr<nvinfer1::IExecutionContext> context(engine->createExecutionContext());
  DeviceScratch scratch(6 * sizeof(float), 64 * sizeof(float));  // y: [1][1][1][2][32], C=3 padded to 32
  auto const& [stream, x, y] = scratch;
  // x[0][c][0][w] = 1 + 2c + w, given channel-last: [w][c].
  float const hwc[6] = {1, 3, 5, 2, 4, 6};
  cudaMemcpyAsync(x, hwc, sizeof hwc, trtn::cuda::kHostToDevice, stream);
  context->setTensorAddress("x", x);
  context->setTensorAddress("y", y);
  check(context->enqueueV3(stream), "enqueue with formatted IO");
  float got[64];
  std::fill(std::begin(got), std::end(got), 99.f);
  cudaMemcpyAsync(got, y, sizeof got, trtn::cuda::kDeviceToHost, stream);
  check(cudaStreamSynchronize(stream) == 0, "the run completes");
  // y = -x in kCHW32: position w holds its 32 channel scalars, zero past C.
  bool laidOut = got[0] == -1 && got[1] == -3 && got[2] == -5 && got[32] == -2 && got[33] == -4 && got[34] == -6;
  for (int i : {3, 31, 35, 63}) laidOut = laidOut && got[i] == 0;
  check(laidOut, "the run read kHWC and wrote kCHW32, padding zeroed");
  context.reset();
  engine.reset();
  runtime.reset();
}

}  // namespace

// Two GPUs, with CUDA's rules for the current device: kernels go only into streams of the current device, events
// record only on streams of their own device, memory is per device, and a kernel that touches another device's
// memory faults. An engine loaded on device 1 runs there.
// A plugin creator as an application would register one: identified only, it creates nothing the simulator can run.
class IdentityOnlyCreator : public nvinfer1::IPluginCreatorV3One {
 public:
  nvinfer1::PluginFieldCollection const* getFieldNames() noexcept override { return &mFields; }
  char const* getPluginName() const noexcept override { return "Probe_TEST"; }
  char const* getPluginVersion() const noexcept override { return "3"; }
  char const* getPluginNamespace() const noexcept override { return "probe"; }

 private:
  nvinfer1::PluginFieldCollection mFields{};
};

// The plugin registry through the public API: registration and lookup with TensorRT's wording for a miss, a plugin
// library loaded, used by a plan and removed, and a plan whose plugin is missing refused as TensorRT refuses it.
// `swishOnnx` is x [2,3] -> Swish_TRTN(beta 1) -> y; `library` the test plugin library that provides it.
void testPluginRegistry(Logger& logger, Recorder& recorder, std::vector<uint8_t> const& swishOnnx, char const* library) {
  nvinfer1::IPluginRegistry* registry = getPluginRegistry();
  check(registry != nullptr, "getPluginRegistry");
  registry->setErrorRecorder(&recorder);
  std::unique_ptr<nvinfer1::IRuntime> runtime(
      static_cast<nvinfer1::IRuntime*>(createInferRuntime_INTERNAL(&logger, NV_TENSORRT_VERSION)));
  runtime->setErrorRecorder(&recorder);
  check(&runtime->getPluginRegistry() == registry, "one registry per process: the runtime's is the global one");

  check(registry->getCreator("ROIAlign_TRT", "2", "") == nullptr, "no standard plugins until libnvinfer_plugin registers them");
  check(recorder.last() == "IPluginRegistry::getCreator: Error Code 4: API Usage Error (Cannot find plugin: ROIAlign_TRT, "
                           "version: 2, namespace:.)",
        "... in TensorRT's words: " + recorder.last());

  IdentityOnlyCreator probe;
  int32_t before = 0;
  registry->getAllCreators(&before);
  check(registry->registerCreator(probe, "probe"), "registerCreator");
  check(!registry->registerCreator(probe, "probe"), "the same name, version and namespace twice is refused");
  check(recorder.last().find("Plugin creator already registered - probe::Probe_TEST version 3") != std::string::npos,
        "... saying so: " + recorder.last());
  int32_t count = 0;
  nvinfer1::IPluginCreatorInterface* const* all = registry->getAllCreators(&count);
  check(count == before + 1 && all[count - 1] == &probe, "getAllCreators lists it");
  check(registry->getCreator("Probe_TEST", "3", "probe") == &probe, "found by name, version and namespace");
  check(registry->getCreator("Probe_TEST", "3", "") == nullptr, "not in another namespace");
  check(registry->deregisterCreator(probe) && !registry->deregisterCreator(probe), "deregistered once");

  check(registry->loadLibrary("/nonexistent/libplugins.so") == nullptr, "a missing library does not load");
  check(recorder.last().find("IPluginRegistry::loadLibrary: Error Code 3: API Usage Error (Cannot load library: ") == 0,
        "... with the loader's reason: " + recorder.last());
  std::string staticLibrary = std::string(library).substr(0, std::string(library).rfind('/') + 1) +
                              "libtrtsim_test_static_plugins.so";
  check(registry->loadLibrary(staticLibrary.c_str()) == nullptr,
        "a library exporting neither getCreators nor getPluginCreators is refused");
  check(recorder.last().find("Failed to retrieve getCreators or getPluginCreators from ") != std::string::npos,
        "... saying so: " + recorder.last());
  check(registry->getCreator("Clamp_TRTN", "1", "") != nullptr,
        "... though its static initializer registered its creator when it was opened, as with TensorRT");

  nvinfer1::IPluginRegistry::PluginLibraryHandle handle = registry->loadLibrary(library);
  check(handle != nullptr, "the test plugin library loads");
  check(registry->getCreator("Swish_TRTN", "1", "") != nullptr, "its creator is registered");
  check(registry->loadLibrary(library) == nullptr, "loading it again is refused: its creators are registered");
  check(registry->getCreator("Swish_TRTN", "1", "") != nullptr, "... and the refusal leaves the first load's creators");
  std::vector<uint8_t> plan = buildPlan(logger, swishOnnx, dims2(2, 3), dims2(2, 3), dims2(2, 3));
  check(!plan.empty(), "a network with the plugin builds");
  registry->deregisterLibrary(handle);
  check(registry->getCreator("Swish_TRTN", "1", "") == nullptr, "deregisterLibrary removes its creators");

  recorder.clear();
  check(runtime->deserializeCudaEngine(plan.data(), plan.size()) == nullptr, "a plan whose plugin is missing does not load");
  check(recorder.errors.size() == 2 &&
            recorder.errors[0].second == "IPluginRegistry::getCreator: Error Code 4: API Usage Error (Cannot find plugin: "
                                         "Swish_TRTN, version: 1, namespace:.)" &&
            recorder.errors[1].second == "IRuntime::deserializeCudaEngine: Error Code 1: Serialization (Serialization "
                                         "assertion creator failed.Cannot deserialize plugin since corresponding "
                                         "IPluginCreator not found in Plugin Registry)",
        "... with TensorRT's two errors: " + recorder.last());
  handle = registry->loadLibrary(library);
  std::unique_ptr<nvinfer1::ICudaEngine> engine(runtime->deserializeCudaEngine(plan.data(), plan.size()));
  check(engine != nullptr, "with the library loaded again, it does");
  engine.reset();
  runtime.reset();
  registry->setErrorRecorder(nullptr);
}

void testTwoDevices(Logger& logger, Recorder& recorder, std::vector<uint8_t> const& plan) {
  check(trtsim_set_device_count(2) == 1, "the machine had one device");
  int count = 0;
  cudaGetDeviceCount(&count);
  check(count == 2, "cudaGetDeviceCount sees two");
  check(cudaSetDevice(2) == trtn::cuda::kErrorInvalidDevice, "device 2 does not exist");
  cudaGetLastError();
  size_t free0 = 0, free1 = 0, total = 0;
  cudaMemGetInfo(&free0, &total);

  check(cudaSetDevice(1) == 0, "cudaSetDevice(1)");
  size_t free1Before = 0;
  cudaMemGetInfo(&free1Before, &total);
  check(free1Before == total, "device 1 starts empty");
  int current = -1;
  cudaGetDevice(&current);
  check(current == 1, "the thread's current device is 1");
  auto* runtime = static_cast<nvinfer1::IRuntime*>(createInferRuntime_INTERNAL(&logger, NV_TENSORRT_VERSION));
  runtime->setErrorRecorder(&recorder);
  nvinfer1::ICudaEngine* engine = runtime->deserializeCudaEngine(plan.data(), plan.size());
  nvinfer1::IExecutionContext* context = engine->createExecutionContext();
  cudaStream_t stream1 = nullptr;
  cudaStreamCreateWithFlags(&stream1, trtn::cuda::kStreamNonBlocking);
  void* x = nullptr;
  void* y = nullptr;
  cudaMalloc(&x, 4 * sizeof(float));
  cudaMalloc(&y, 4 * sizeof(float));
  cudaMemGetInfo(&free1, &total);
  cudaSetDevice(0);
  size_t free0After = 0;
  cudaMemGetInfo(&free0After, &total);
  check(free0After == free0 && free1 + 2 * 4 * sizeof(float) <= free1Before,
        "memory is counted on the device it was allocated on");

  float host[4] = {-1, 2, -3, 4};
  float out[4] = {};
  context->setInputShape("x", dims2(1, 4));
  context->setTensorAddress("x", x);
  context->setTensorAddress("y", y);
  check(cudaMemcpy(x, host, sizeof host, trtn::cuda::kHostToDevice) == 0, "a copy works whatever the current device");
  check(!context->enqueueV3(stream1), "enqueue into device 1's stream while device 0 is current fails");
  check(recorder.last() == "IExecutionContext::enqueueV3: Error Code 1: Cuda Runtime (invalid resource handle)",
        "... as a launch into another device's stream: " + recorder.last());
  cudaGetLastError();
  trtn::cuda::Event event0 = nullptr;
  cudaEventCreateWithFlags(&event0, trtn::cuda::kEventDisableTiming);
  check(cudaEventRecord(event0, stream1) == trtn::cuda::kErrorInvalidResourceHandle,
        "an event of device 0 does not record on device 1's stream");
  cudaGetLastError();
  check(cudaStreamWaitEvent(stream1, event0, 0) == 0, "a stream may wait for another device's event");

  cudaSetDevice(1);
  check(context->enqueueV3(stream1), "with device 1 current the engine runs");
  check(cudaMemcpyAsync(out, y, sizeof out, trtn::cuda::kDeviceToHost, stream1) == 0 &&
            cudaStreamSynchronize(stream1) == 0 && out[0] == 0 && out[1] == 2 && out[3] == 4,
        "... and computes on device 1");

  // A context of device 1 given device 0's memory: the kernel faults, as without peer access on a GPU.
  cudaSetDevice(0);
  void* foreign = nullptr;
  cudaMalloc(&foreign, 4 * sizeof(float));
  cudaSetDevice(1);
  context->setTensorAddress("y", foreign);
  check(context->enqueueV3(stream1), "enqueue with another device's memory is accepted (the kernel faults later)");
  check(cudaStreamSynchronize(stream1) == trtn::cuda::kErrorIllegalAddress, "... with an illegal address");
  trtsim_clear_sticky_error();

  delete context;
  delete engine;
  delete runtime;
  cudaFree(x);
  cudaFree(y);
  cudaFree(foreign);
  cudaEventDestroy(event0);
  cudaStreamDestroy(stream1);
  cudaSetDevice(0);
  check(trtsim_set_device_count(1) == 2, "back to one device");
}

// The Relu plan deserialized into a context on its own stream, with x [1,4] and y bound: ready to enqueue.
struct ReadyContext {
  nvinfer1::IRuntime* runtime = nullptr;
  nvinfer1::ICudaEngine* engine = nullptr;
  nvinfer1::IExecutionContext* context = nullptr;
  cudaStream_t stream = nullptr;
  void* x = nullptr;
  void* y = nullptr;

  ReadyContext(Logger& logger, Recorder* recorder, std::vector<uint8_t> const& plan) {
    runtime = static_cast<nvinfer1::IRuntime*>(createInferRuntime_INTERNAL(&logger, NV_TENSORRT_VERSION));
    if (recorder) runtime->setErrorRecorder(recorder);
    engine = runtime->deserializeCudaEngine(plan.data(), plan.size());
    context = engine->createExecutionContext();
    cudaStreamCreateWithFlags(&stream, trtn::cuda::kStreamNonBlocking);
    cudaMalloc(&x, 4 * sizeof(float));
    cudaMalloc(&y, 4 * sizeof(float));
    context->setInputShape("x", dims2(1, 4));
    context->setTensorAddress("x", x);
    context->setTensorAddress("y", y);
  }
  ~ReadyContext() {
    delete context;
    delete engine;
    delete runtime;
    cudaFree(x);
    cudaFree(y);
    cudaStreamDestroy(stream);
  }
};

// Stream capture and graphs: enqueueV3 captured and replayed computes like a plain enqueue; synchronizing with a
// capturing stream fails and invalidates the capture, as in CUDA.
void testCapture(Logger& logger, std::vector<uint8_t> const& plan) {
  ReadyContext ready(logger, nullptr, plan);
  auto* context = ready.context;
  cudaStream_t stream = ready.stream;

  trtn::cuda::Graph graph = nullptr;
  check(cudaStreamEndCapture(stream, &graph) == trtn::cuda::kErrorIllegalState, "ending a capture never begun");
  cudaGetLastError();
  check(cudaStreamBeginCapture(nullptr, 0) == trtn::cuda::kErrorStreamCaptureUnsupported,
        "the legacy NULL stream cannot be captured");
  cudaGetLastError();
  check(cudaStreamBeginCapture(stream, 0) == 0 && context->enqueueV3(stream), "enqueueV3 under capture");
  check(cudaStreamSynchronize(stream) == trtn::cuda::kErrorStreamCaptureUnsupported,
        "synchronizing with a capturing stream is refused");
  check(cudaStreamEndCapture(stream, &graph) == trtn::cuda::kErrorStreamCaptureInvalidated && graph == nullptr,
        "... and invalidates the capture");
  cudaGetLastError();

  // Which threads may allocate and free while a capture is active depends on its mode.
  auto mallocFreeOnOtherThread = [] {
    int rc = -1;
    std::thread([&] {
      void* p = nullptr;
      rc = cudaMalloc(&p, 16);
      if (rc == 0) rc = cudaFree(p);
    }).join();
    return rc;
  };
  void* scratch = nullptr;
  check(cudaStreamBeginCapture(stream, 0) == 0, "a Global capture");
  check(mallocFreeOnOtherThread() == trtn::cuda::kErrorStreamCaptureUnsupported,
        "... forbids cudaMalloc on every thread");
  check(cudaStreamEndCapture(stream, &graph) == 0 && cudaGraphDestroy(graph) == 0, "... ends");
  check(cudaStreamBeginCapture(stream, 1) == 0, "a ThreadLocal capture");
  check(mallocFreeOnOtherThread() == 0, "... lets other threads allocate and free");
  check(cudaMalloc(&scratch, 16) == trtn::cuda::kErrorStreamCaptureUnsupported, "... but not the capturing one");
  cudaGetLastError();
  int endedElsewhere = -1;
  std::thread([&] { endedElsewhere = cudaStreamEndCapture(stream, &graph); }).join();
  check(endedElsewhere == trtn::cuda::kErrorStreamCaptureWrongThread, "... and only that thread ends it");
  check(cudaStreamEndCapture(stream, &graph) == 0 && cudaGraphDestroy(graph) == 0, "... ends there");
  check(mallocFreeOnOtherThread() == 0 && cudaMalloc(&scratch, 16) == 0 && cudaFree(scratch) == 0,
        "after the captures, allocation works everywhere");

  trtsim_counters before{};
  trtsim_get_counters(&before);
  check(cudaStreamBeginCapture(stream, 0) == 0 && context->enqueueV3(stream), "capture again");
  trtsim_counters during{};
  trtsim_get_counters(&during);
  check(cudaStreamEndCapture(stream, &graph) == 0 && graph != nullptr, "a valid capture gives a graph");
  trtn::cuda::GraphExec exec = nullptr;
  check(cudaGraphInstantiate(&exec, graph, 0) == 0 && cudaGraphDestroy(graph) == 0, "instantiate, then drop the graph");
  float out[4] = {};
  for (float sign : {1.0f, -1.0f}) {
    float host[4] = {-1 * sign, 2 * sign, -3 * sign, 4 * sign};
    cudaMemcpy(ready.x, host, sizeof host, trtn::cuda::kHostToDevice);
    check(cudaGraphLaunch(exec, stream) == 0 && cudaStreamSynchronize(stream) == 0, "launch the graph");
    cudaMemcpy(out, ready.y, sizeof out, trtn::cuda::kDeviceToHost);
    check(out[0] == std::max(0.0f, host[0]) && out[1] == std::max(0.0f, host[1]) && out[3] == std::max(0.0f, host[3]),
          "each launch computes Relu of the input at that time");
  }
  trtsim_counters after{};
  trtsim_get_counters(&after);
  check(during.kernels_executed == before.kernels_executed, "nothing ran while capturing");
  check(after.graph_launches - before.graph_launches == 2 && after.live_graph_execs == 1 && after.live_graphs == 0,
        "two launches, one executable graph alive");

  // The host side of launching: each kernel launch (enqueueV3 launches one per layer) and each graph launch is
  // counted for the launching thread and holds it for the host launch cost, which only this thread pays.
  int64_t kernels0 = 0, graphs0 = 0, kernels1 = 0, graphs1 = 0;
  trtsim_thread_launches(&kernels0, &graphs0);
  trtsim_set_host_launch_cost(2000);
  using Clock = std::chrono::steady_clock;
  auto start = Clock::now();
  check(context->enqueueV3(stream), "enqueue with a host launch cost");
  auto enqueued = Clock::now();
  check(cudaGraphLaunch(exec, stream) == 0, "graph launch with a host launch cost");
  auto launched = Clock::now();
  trtsim_set_host_launch_cost(0);
  check(cudaStreamSynchronize(stream) == 0, "both ran");
  trtsim_thread_launches(&kernels1, &graphs1);
  int64_t layers = kernels1 - kernels0;
  check(layers >= 1 && graphs1 - graphs0 == 1, "the thread counted the network's kernel launches and one graph launch");
  check(enqueued - start >= std::chrono::microseconds(2000 * layers), "enqueueV3 held its caller per kernel launched");
  check(launched - enqueued >= std::chrono::microseconds(2000), "a graph launch holds it once");
  {
    // Other submissions cost the driver as much (a copy, a host function), without counting as launches.
    trtsim_set_host_launch_cost(2000);
    float host[4] = {};
    int64_t kernelsBefore = 0, graphsBefore = 0, kernelsAfter = 0, graphsAfter = 0;
    trtsim_thread_launches(&kernelsBefore, &graphsBefore);
    auto copyStart = Clock::now();
    check(cudaMemcpyAsync(host, ready.y, sizeof host, trtn::cuda::kDeviceToHost, stream) == 0, "a copy with a host cost");
    auto copied = Clock::now();
    trtsim_set_host_launch_cost(0);
    trtsim_thread_launches(&kernelsAfter, &graphsAfter);
    check(copied - copyStart >= std::chrono::microseconds(2000), "a copy holds its caller for the host cost");
    check(kernelsAfter == kernelsBefore && graphsAfter == graphsBefore, "a copy is not counted as a launch");
  }
  int64_t otherKernels = -1;
  std::thread([&] { trtsim_thread_launches(&otherKernels, nullptr); }).join();
  check(otherKernels == 0, "another thread launched nothing");
  check(cudaGraphExecDestroy(exec) == 0, "destroy the executable graph");

}

// CUDA forbids runtime calls inside stream callbacks and host functions ("may result in cudaErrorNotPermitted"); the
// simulator always refuses them, so code that makes them fails here instead of hanging or misbehaving on a GPU.
struct InCallback {
  nvinfer1::IExecutionContext* context = nullptr;
  int malloc = -1, sync = -1, record = -1, getDevice = -1;
  bool enqueued = true;
  std::string text;
  int lastError = -1;
};

void tryCudaCalls(void* data) {
  auto* seen = static_cast<InCallback*>(data);
  void* memory = nullptr;
  seen->malloc = cudaMalloc(&memory, 16);
  seen->sync = cudaDeviceSynchronize();
  int device = -1;
  seen->getDevice = cudaGetDevice(&device);
  seen->text = cudaGetErrorString(seen->malloc);  // error texts stay callable
  seen->lastError = cudaGetLastError();
  if (seen->context) seen->enqueued = seen->context->enqueueV3(nullptr);
}

void testNoCudaCallsInCallbacks(Logger& logger, Recorder& recorder, std::vector<uint8_t> const& plan) {
  ReadyContext ready(logger, &recorder, plan);
  auto* context = ready.context;
  cudaStream_t stream = ready.stream;

  InCallback callback;
  callback.context = context;
  check(cudaStreamAddCallback(stream, [](trtn::cuda::Stream, int, void* data) { tryCudaCalls(data); }, &callback, 0) == 0,
        "queue a stream callback");
  InCallback hostFn;
  check(cudaLaunchHostFunc(stream, tryCudaCalls, &hostFn) == 0, "queue a host function");
  check(cudaStreamSynchronize(stream) == 0, "the stream completes; refusing the calls poisons nothing");
  for (InCallback const* seen : {&callback, &hostFn}) {
    std::string where = seen == &callback ? "in a stream callback: " : "in a host function: ";
    check(seen->malloc == trtn::cuda::kErrorNotPermitted, where + "cudaMalloc is not permitted");
    check(seen->sync == trtn::cuda::kErrorNotPermitted, where + "cudaDeviceSynchronize is not permitted");
    check(seen->getDevice == trtn::cuda::kErrorNotPermitted, where + "cudaGetDevice is not permitted");
    check(seen->text == "operation not permitted", where + "cudaGetErrorString still works: " + seen->text);
    check(seen->lastError == trtn::cuda::kErrorNotPermitted, where + "... and the refusal is the last error");
  }
  check(!callback.enqueued, "enqueueV3 inside a callback fails");
  check(recorder.last() == "IExecutionContext::enqueueV3: Error Code 1: Cuda Runtime (operation not permitted)",
        "... as TensorRT reports a CUDA error: " + recorder.last());
  void* after = nullptr;
  check(cudaMalloc(&after, 16) == 0 && cudaFree(after) == 0, "outside the callback CUDA calls work again");
  check(context->enqueueV3(stream) && cudaStreamSynchronize(stream) == 0, "so does enqueueV3");

}

// TensorRT leaves destroying a runtime before its engines, or an engine before its contexts, undefined; the simulator
// counts each such destruction so that the addon's tests can assert its release order never does it.
void testDestructionOrder(Logger& logger, std::vector<uint8_t> const& plan) {
  auto violations = [] {
    trtsim_counters c{};
    trtsim_get_counters(&c);
    return c.destroy_order_violations;
  };
  int64_t before = violations();
  auto* runtime = static_cast<nvinfer1::IRuntime*>(createInferRuntime_INTERNAL(&logger, NV_TENSORRT_VERSION));
  nvinfer1::ICudaEngine* engine = runtime->deserializeCudaEngine(plan.data(), plan.size());
  nvinfer1::IExecutionContext* context = engine->createExecutionContext();
  delete context;
  delete engine;
  delete runtime;
  check(violations() == before, "contexts, then engines, then the runtime: in order");
  runtime = static_cast<nvinfer1::IRuntime*>(createInferRuntime_INTERNAL(&logger, NV_TENSORRT_VERSION));
  engine = runtime->deserializeCudaEngine(plan.data(), plan.size());
  context = engine->createExecutionContext();
  delete engine;  // before its context
  check(violations() == before + 1, "an engine destroyed before its context is counted");
  delete runtime;
  check(violations() == before + 1, "a runtime whose engines are gone is in order");
  delete context;
  runtime = static_cast<nvinfer1::IRuntime*>(createInferRuntime_INTERNAL(&logger, NV_TENSORRT_VERSION));
  engine = runtime->deserializeCudaEngine(plan.data(), plan.size());
  delete runtime;  // before its engine
  check(violations() == before + 2, "a runtime destroyed before its engine is counted");
  delete engine;
}

// Callbacks of independent streams may be serialized by CUDA (one driver thread); the simulator always serializes
// them, so a callback that waits for another stream's callback hangs here as it can on a GPU.
// A freed pinned buffer stops counting as pinned, even for the thread that looked it up last (its lookups are
// remembered per thread until a free invalidates them): pageable memory handed out at the same address afterwards
// must get pageable semantics, a device-to-host copy into it being synchronous.
void testPinnedFreeForgets() {
  cudaStream_t stream = nullptr;
  check(cudaStreamCreateWithFlags(&stream, trtn::cuda::kStreamNonBlocking) == 0, "pinned test stream");
  void* device = nullptr;
  check(cudaMalloc(&device, 4096) == 0, "pinned test device buffer");
  auto syncs = [] {
    trtsim_counters c{};
    trtsim_get_counters(&c);
    return c.implicit_device_syncs;
  };
  // The simulator's pinned memory comes from aligned_alloc(4096, ...): after its free, the same request from the
  // host allocator gets the same address back. At 1 MB, above a fixed mmap threshold, glibc maps and unmaps each
  // buffer and the kernel hands the hole back, whatever the heap looks like after the tests before this one (a
  // 4 KB buffer relied on glibc reusing a heap chunk, which they could upset). Tried a few times all the same.
  constexpr size_t kBytes = size_t{1} << 20;
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);  // fixed: glibc would otherwise raise it after the first free
  bool reused = false;
  for (int attempt = 0; attempt < 8 && !reused; ++attempt) {
    void* pinned = nullptr;
    check(cudaMallocHost(&pinned, kBytes) == 0, "cudaMallocHost");
    int64_t before = syncs();
    check(cudaMemcpyAsync(pinned, device, 4096, trtn::cuda::kDeviceToHost, stream) == 0, "copy into pinned memory");
    check(syncs() == before, "a copy into pinned memory is asynchronous");
    check(cudaStreamSynchronize(stream) == 0, "pinned test synchronize");
    check(cudaFreeHost(pinned) == 0, "cudaFreeHost");
    void* pageable = std::aligned_alloc(4096, kBytes);
    if (pageable == pinned) {
      reused = true;
      before = syncs();
      check(cudaMemcpyAsync(pageable, device, 4096, trtn::cuda::kDeviceToHost, stream) == 0, "copy into pageable memory");
      check(syncs() == before + 1, "memory at a freed pinned buffer's address is pageable: the copy into it is synchronous");
      cudaStreamSynchronize(stream);  // if it was taken as pinned, the copy is still queued
    }
    std::free(pageable);
  }
  check(reused, "the host allocator gave a freed pinned buffer's address back (needed by this check)");
  check(cudaFree(device) == 0 && cudaStreamDestroy(stream) == 0, "pinned test clean-up");
}

void testCallbacksSerialized() {
  struct Overlap {
    std::atomic<int> active{0};
    std::atomic<int> most{0};
    std::atomic<int> ran{0};
  } overlap;
  auto callback = [](trtn::cuda::Stream, int, void* data) {
    auto* o = static_cast<Overlap*>(data);
    int now = ++o->active;
    int most = o->most.load();
    while (now > most && !o->most.compare_exchange_weak(most, now)) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
    --o->active;
    ++o->ran;
  };
  std::vector<cudaStream_t> streams(3, nullptr);
  for (auto& stream : streams) cudaStreamCreateWithFlags(&stream, trtn::cuda::kStreamNonBlocking);
  for (int round = 0; round < 3; ++round) {
    for (auto stream : streams) cudaStreamAddCallback(stream, callback, &overlap, 0);
  }
  for (auto stream : streams) cudaStreamSynchronize(stream);
  check(overlap.ran == 9, "every callback ran");
  check(overlap.most == 1, "callbacks of three streams never overlapped, at most " + std::to_string(overlap.most.load()));
  for (auto stream : streams) cudaStreamDestroy(stream);
}

// Stream-ordered memory (cudaMallocAsync) is usable once its stream reaches the allocation: by later work on that
// stream, or on another stream ordered after it by an event. Another stream reaching it earlier races the
// allocation, and the simulator faults. cudaFree of such memory does not synchronize (CUDA documents it so).
void testStreamOrderedAllocation() {
  cudaStream_t a = nullptr, b = nullptr;
  cudaStreamCreateWithFlags(&a, trtn::cuda::kStreamNonBlocking);
  cudaStreamCreateWithFlags(&b, trtn::cuda::kStreamNonBlocking);
  auto const hold = [](void* millis) {
    std::this_thread::sleep_for(std::chrono::milliseconds(*static_cast<int*>(millis)));
  };
  int holdMillis = 300;

  // Ordered: the same stream, and another one through an event.
  void* p = nullptr;
  check(cudaLaunchHostFunc(a, hold, &holdMillis) == 0 && cudaMallocAsync(&p, 1024, a) == 0, "allocate behind a hold");
  check(cudaMemsetAsync(p, 0, 1024, a) == 0, "a memset on the allocating stream");
  cudaEvent_t allocated = nullptr;
  cudaEventCreateWithFlags(&allocated, trtn::cuda::kEventDisableTiming);
  check(cudaEventRecord(allocated, a) == 0 && cudaStreamWaitEvent(b, allocated, 0) == 0, "b waits for the allocation");
  check(cudaMemsetAsync(p, 1, 1024, b) == 0, "a memset on b, after the event");
  check(cudaStreamSynchronize(b) == 0 && cudaStreamSynchronize(a) == 0, "both ordered uses run");

  // cudaFree of stream-ordered memory returns at once (a is held), with no implicit synchronization.
  trtsim_counters before{};
  trtsim_get_counters(&before);
  check(cudaLaunchHostFunc(a, hold, &holdMillis) == 0, "hold a again");
  auto start = std::chrono::steady_clock::now();
  check(cudaFree(p) == 0, "cudaFree of cudaMallocAsync memory");
  auto waited = std::chrono::steady_clock::now() - start;
  trtsim_counters after{};
  trtsim_get_counters(&after);
  check(waited < std::chrono::milliseconds(200) && after.implicit_device_syncs == before.implicit_device_syncs,
        "... does not wait for the held stream");
  check(cudaStreamSynchronize(a) == 0, "a drains");

  // Unordered: b uses memory whose allocation a has not reached: the device faults, stickily.
  void* q = nullptr;
  check(cudaLaunchHostFunc(a, hold, &holdMillis) == 0 && cudaMallocAsync(&q, 1024, a) == 0, "allocate behind a hold");
  check(cudaMemsetAsync(q, 0, 1024, b) == 0, "a memset on b is accepted (the check is the device's, when it runs)");
  check(cudaStreamSynchronize(b) == trtn::cuda::kErrorIllegalAddress, "... and faults: a has not reached the allocation");
  trtsim_clear_sticky_error();
  cudaStreamSynchronize(a);
  check(cudaFreeAsync(q, a) == 0 && cudaStreamSynchronize(a) == 0, "freed in stream order");

  // Unordered the other way: b frees memory that a copy on a is still moving. The copy faults when its bytes move;
  // the memory behind it is not freed under it (that would free the host's heap under the stream worker).
  void* r = nullptr;
  void* from = nullptr;
  check(cudaMallocAsync(&r, 64, a) == 0 && cudaMalloc(&from, 64) == 0 && cudaStreamSynchronize(a) == 0,
        "allocate and reach it");
  trtsim_set_cost_model(0, 0, 1e-6, 0);  // 64 bytes take 64 ms
  check(cudaMemcpyAsync(r, from, 64, trtn::cuda::kDeviceToDevice, a) == 0, "a slow copy into it on a");
  cudaStreamQuery(a);  // rings a's doorbell: the copy starts now (a copy alone is batched until something rings)
  std::this_thread::sleep_for(std::chrono::milliseconds(10));
  check(cudaFreeAsync(r, b) == 0 && cudaStreamSynchronize(b) == 0, "b frees it while the copy is under way");
  check(cudaStreamSynchronize(a) == trtn::cuda::kErrorIllegalAddress, "... and the copy faults as its bytes move");
  trtsim_set_cost_model(0, 0, 0, 0);
  trtsim_clear_sticky_error();
  cudaFree(from);
  cudaEventDestroy(allocated);
  cudaStreamDestroy(a);
  cudaStreamDestroy(b);
}

// The plan header's checks, as TensorRT makes them: by the serialization tag (bytes 16..19, the stdVersionRead
// assertion), only for the one known header layout, and a version-compatible plan from an older TensorRT loads only
// through the lean runtime it embeds: built with kEXCLUDE_LEAN_RUNTIME, a plain runtime refuses it.
void testPlanHeaderChecks(Logger& logger, Recorder& recorder, std::vector<uint8_t> const& onnx) {
  auto const u32At = [](std::vector<uint8_t> const& p, size_t at) {
    uint32_t v = 0;
    std::memcpy(&v, p.data() + at, 4);
    return v;
  };
  auto const withU32 = [](std::vector<uint8_t> p, size_t at, uint32_t v) {
    std::memcpy(p.data() + at, &v, 4);
    return p;
  };
  // Made by TensorRT 10.<minor - 1>: the version bytes and a tag of that version (tags grow with versions).
  auto const fromOlderMinor = [&](std::vector<uint8_t> p) {
    p[25] = static_cast<uint8_t>(p[25] - 1);
    return withU32(p, 16, u32At(p, 16) - 2);
  };
  std::unique_ptr<nvinfer1::IRuntime> runtime(
      static_cast<nvinfer1::IRuntime*>(createInferRuntime_INTERNAL(&logger, NV_TENSORRT_VERSION)));
  runtime->setErrorRecorder(&recorder);
  auto const loads = [&](std::vector<uint8_t> const& p) {
    std::unique_ptr<nvinfer1::ICudaEngine> engine(runtime->deserializeCudaEngine(p.data(), p.size()));
    return engine != nullptr;
  };
  std::string const refusal =
      "IRuntime::deserializeCudaEngine: Error Code 1: Serialization (Serialization assertion stdVersionRead == "
      "kSERIALIZATION_VERSION failed.Version tag does not match. Note: Current Version: ";

  std::vector<uint8_t> plan = buildPlan(logger, onnx, dims2(1, 4), dims2(2, 4), dims2(8, 4));
  uint32_t const tag = u32At(plan, 16);
  check(loads(plan), "a plan of this version loads");
  check(!loads(withU32(plan, 16, tag + 2)), "a plan whose serialization tag alone differs is refused");
  check(recorder.last() == refusal + std::to_string(tag) + ", Serialized Engine Version: " + std::to_string(tag + 2) + ")",
        "... by its tag: " + recorder.last());
  check(!loads(withU32(plan, 4, 7)), "a header of another layout is refused");
  check(recorder.last().rfind(refusal, 0) == 0, "... as another format version: " + recorder.last());

  using nvinfer1::BuilderFlag;
  std::vector<uint8_t> lean = buildPlan(logger, onnx, dims2(1, 4), dims2(2, 4), dims2(8, 4),
                                        {BuilderFlag::kVERSION_COMPATIBLE, BuilderFlag::kEXCLUDE_LEAN_RUNTIME});
  std::vector<uint8_t> embedding = buildPlan(logger, onnx, dims2(1, 4), dims2(2, 4), dims2(8, 4),
                                             {BuilderFlag::kVERSION_COMPATIBLE});
  check(loads(lean), "version-compatible without the lean runtime: no host code, so it loads where it was built");
  runtime->setEngineHostCodeAllowed(true);
  check(loads(fromOlderMinor(embedding)), "with the lean runtime embedded, a plan of an older minor loads");
  check(!loads(fromOlderMinor(lean)), "without it, a plan of an older minor is refused even where host code is allowed");
  check(recorder.last().rfind(refusal, 0) == 0, "... by its version tag: " + recorder.last());
  runtime->setEngineHostCodeAllowed(false);
  check(!loads(fromOlderMinor(lean)), "... and by a plain runtime");
}

int main(int argc, char** argv) {
  if (argc < 2) {
    std::printf("usage: sim_api_test model.onnx\n");
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  std::vector<uint8_t> onnx((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Logger logger;
  Recorder recorder;
  std::vector<uint8_t> plan = buildPlan(logger, onnx, dims2(1, 4), dims2(2, 4), dims2(8, 4));

  auto* runtime = static_cast<nvinfer1::IRuntime*>(createInferRuntime_INTERNAL(&logger, NV_TENSORRT_VERSION));
  check(createInferRuntime_INTERNAL(&logger, 90000) == nullptr, "a caller built for TensorRT 9 is refused");
  runtime->setErrorRecorder(&recorder);
  check(recorder.refs == 1, "setErrorRecorder takes a reference");
  nvinfer1::ICudaEngine* engine = runtime->deserializeCudaEngine(plan.data(), plan.size());
  check(engine != nullptr, "deserialize");
  check(engine->getNbIOTensors() == 2 && std::strcmp(engine->getIOTensorName(0), "x") == 0, "IO tensors");
  check(engine->getTensorShape("x").d[0] == -1, "dynamic dim reported as -1");
  check(engine->getTensorIOMode("nope") == nvinfer1::TensorIOMode::kNONE, "unknown name is kNONE");
  nvinfer1::IExecutionContext* context = engine->createExecutionContext();
  check(recorder.refs == 3, "engine and context inherit the runtime's recorder");

  cudaStream_t stream = nullptr;
  cudaStreamCreateWithFlags(&stream, trtn::cuda::kStreamNonBlocking);
  void* x = nullptr;
  void* y = nullptr;
  cudaMalloc(&x, 8 * 4 * sizeof(float));
  cudaMalloc(&y, 8 * 4 * sizeof(float));

  // 1. Dynamic input shape not set.
  check(context->getTensorStrides("x").nbDims == -1, "no strides while a dynamic extent is unset");
  char const* unset[2] = {nullptr, nullptr};
  check(context->inferShapes(2, unset) == 1 && std::strcmp(unset[0], "x") == 0, "inferShapes names the unset input");
  check(context->inferShapes(2, nullptr) == -1 && context->inferShapes(-1, unset) == -1,
        "inferShapes refuses a null buffer with room, and a negative count");
  check(!context->enqueueV3(stream), "enqueue without the input shape fails");
  check(recorder.last().rfind("IExecutionContext::enqueueV3: Error Code 3: API Usage Error (Parameter check failed, "
                              "condition: allInputDimensionsSpecified(routine).", 0) == 0,
        "... with Error Code 3: " + recorder.last());
  // 2. Shape outside the profile.
  check(!context->setInputShape("x", dims2(9, 4)), "a shape above the profile is refused");
  check(recorder.last().find("Set dimension [9,4] for tensor x does not satisfy any optimization profile. Valid range "
                             "for profile 0: [1,4]..[8,4].") != std::string::npos,
        "... naming the valid range: " + recorder.last());
  check(context->setInputShape("x", dims2(2, 4)), "a shape inside the profile");
  check(context->getTensorShape("y").d[0] == 2, "output shape inferred from the input shape");
  // 3. Address not set.
  check(!context->enqueueV3(stream), "enqueue without addresses fails");
  check(recorder.last().find("Address is not set for input tensor x.") != std::string::npos,
        "... naming the tensor: " + recorder.last());
  check(!context->setTensorAddress("x", static_cast<char*>(x) + 4), "an address without 256-byte alignment is refused");
  check(recorder.last().find("isAligned(data, 256)") != std::string::npos, "... saying why: " + recorder.last());
  context->setTensorAddress("x", x);
  check(!context->enqueueV3(stream), "enqueue without the output address fails");
  check(recorder.last().find("Address is not set for output tensor y.") != std::string::npos, "... names y");
  context->setTensorAddress("y", y);
  {
    OutputAllocator allocator;
    check(!context->setOutputAllocator("x", &allocator), "an output allocator for an input is refused");
    check(recorder.last() == "IExecutionContext::setOutputAllocator: Error Code 3: API Usage Error (Parameter check "
                             "failed, condition: tensor x is an output.)",
          "... saying why: " + recorder.last());
    check(!context->setOutputAllocator("nope", &allocator), "an output allocator for an unknown name is refused");
    check(recorder.last().find("Given invalid tensor name: nope.") != std::string::npos, "... naming it: " + recorder.last());
  }
  // 4. Invalid stream.
  cudaStream_t dead = nullptr;
  cudaStreamCreateWithFlags(&dead, 0);
  check(cudaMemsetAsync(x, 0, 4, dead) == 0 && cudaStreamSynchronize(dead) == 0, "a stream used before it goes");
  cudaStreamDestroy(dead);
  // This thread's lookups remember the streams they used: a destroyed one must not be among them.
  check(cudaMemsetAsync(x, 0, 4, dead) == trtn::cuda::kErrorInvalidResourceHandle,
        "a destroyed stream is refused by the runtime after it was used");
  check(!context->enqueueV3(dead), "a destroyed stream is refused");
  check(recorder.last() == "IExecutionContext::enqueueV3: Error Code 1: Cuda Runtime (invalid resource handle)",
        "... as TensorRT reports it: " + recorder.last());
  // 5. A real run: Relu of [-1, 2, -3, 4, ...].
  float host[8] = {-1, 2, -3, 4, -5, 6, -7, 8};
  float out[8] = {};
  check(cudaMemcpyAsync(x, host, sizeof host, trtn::cuda::kHostToDevice, stream) == 0, "copy in");
  check(context->enqueueV3(stream), "enqueue");
  check(cudaMemcpyAsync(out, y, sizeof out, trtn::cuda::kDeviceToHost, stream) == 0, "copy out (pageable: sync)");
  check(cudaStreamSynchronize(stream) == 0, "synchronize");
  check(out[0] == 0 && out[1] == 2 && out[6] == 0 && out[7] == 8, "Relu computed");
  // 5a. The input-consumed event completes only once the kernels have read the inputs.
  {
    cudaEvent_t consumed = nullptr;
    check(cudaEventCreateWithFlags(&consumed, trtn::cuda::kEventDisableTiming) == 0, "event for setInputConsumedEvent");
    check(context->setInputConsumedEvent(consumed) && context->getInputConsumedEvent() == consumed, "event set");
    trtsim_inject_fault(TRTSIM_FAULT_SLOW_KERNEL, 1, 0, 500);  // long enough for a sanitizer build's pauses
    check(context->enqueueV3(stream), "enqueue behind a 500 ms kernel");
    check(cudaEventQuery(consumed) == trtn::cuda::kErrorNotReady, "inputs not yet consumed while the kernel runs");
    check(cudaStreamSynchronize(stream) == 0 && cudaEventQuery(consumed) == 0, "consumed once the kernel is done");
    context->setInputConsumedEvent(nullptr);
    cudaEventDestroy(consumed);
  }
  // 5b. A user-managed context allocates nothing and runs only once it is given its device memory.
  {
    trtsim_counters before{};
    trtsim_get_counters(&before);
    std::unique_ptr<nvinfer1::IExecutionContext> managed(
        engine->createExecutionContext(nvinfer1::ExecutionContextAllocationStrategy::kUSER_MANAGED));
    trtsim_counters after{};
    trtsim_get_counters(&after);
    check(managed && after.live_device_allocations == before.live_device_allocations,
          "kUSER_MANAGED: no device memory allocated");
    managed->setInputShape("x", dims2(8, 4));
    managed->setTensorAddress("x", x);
    managed->setTensorAddress("y", y);
    int64_t needed = engine->getDeviceMemorySizeV2();
    if (needed > 0) {
      check(!managed->enqueueV3(stream), "kUSER_MANAGED: enqueue without device memory fails");
      check(recorder.last().find("Call setDeviceMemoryV2 before enqueue.") != std::string::npos,
            "... saying what to call: " + recorder.last());
      void* memory = nullptr;
      cudaMalloc(&memory, static_cast<size_t>(needed));
      managed->setDeviceMemoryV2(memory, needed - 1);
      check(recorder.last().find("size >= " + std::to_string(needed)) != std::string::npos,
            "setDeviceMemoryV2 refuses too little memory: " + recorder.last());
      managed->setDeviceMemoryV2(memory, needed);
      check(managed->enqueueV3(stream) && cudaStreamSynchronize(stream) == 0, "kUSER_MANAGED: runs with its memory");
      managed.reset();
      check(cudaFree(memory) == 0, "the context did not free the caller's memory");
    }
    context->setDeviceMemoryV2(x, 1 << 20);
    check(recorder.last().find("the context was created with kUSER_MANAGED") != std::string::npos,
          "setDeviceMemoryV2 on an ordinary context is refused");
  }
  // 5c. An output allocator on an output of known shape is asked every run, with the memory it gave last, and may
  // keep it or replace it (IOutputAllocator: preallocate, then reallocate if not big enough).
  {
    struct Growing : nvinfer1::IOutputAllocator {
      std::vector<std::pair<void*, uint64_t>> asked;  // (currentMemory, size) per call
      std::vector<void*> blocks;
      uint64_t capacity = 0;
      void* reallocateOutputAsync(char const*, void* current, uint64_t size, uint64_t, cudaStream_t) override {
        asked.emplace_back(current, size);
        if (size <= capacity) return current;
        void* fresh = nullptr;
        if (cudaMalloc(&fresh, size) != 0) return nullptr;
        blocks.push_back(fresh);
        capacity = size;
        return fresh;
      }
      void notifyShape(char const*, nvinfer1::Dims const&) noexcept override {}
    } growing;
    std::unique_ptr<nvinfer1::IExecutionContext> owned(engine->createExecutionContext());
    owned->setTensorAddress("x", x);
    check(owned->setOutputAllocator("y", &growing), "an allocator for y, whose shape follows x's");
    owned->setInputShape("x", dims2(2, 4));
    check(owned->enqueueV3(stream), "run at [2,4]");
    owned->setInputShape("x", dims2(2, 4));
    check(owned->enqueueV3(stream), "run at [2,4] again");
    owned->setInputShape("x", dims2(8, 4));
    check(owned->enqueueV3(stream) && cudaStreamSynchronize(stream) == 0, "run at [8,4]");
    check(growing.asked.size() == 3, "asked once per run: " + std::to_string(growing.asked.size()));
    if (growing.asked.size() == 3 && growing.blocks.size() == 2) {
      check(growing.asked[0] == std::make_pair<void*, uint64_t>(nullptr, 32) &&
                growing.asked[1] == std::make_pair(growing.blocks[0], uint64_t{32}) &&
                growing.asked[2] == std::make_pair(growing.blocks[0], uint64_t{128}),
            "each time with the memory it gave before, and the size of this run");
      check(owned->getTensorAddress("y") == growing.blocks[1], "the run used the larger block");
    } else {
      check(false, "two blocks allocated: " + std::to_string(growing.blocks.size()));
    }
    owned.reset();
    for (void* block : growing.blocks) cudaFree(block);
  }
  // 6. Device pointers are not host pointers, and copies are bounds-checked.
  check(cudaMemcpy(out, x, 1 << 20, trtn::cuda::kDeviceToHost) == trtn::cuda::kErrorInvalidValue,
        "a copy past the end of an allocation is an invalid value");
  check(cudaMemcpy(x, host, sizeof host, trtn::cuda::kDeviceToHost) == trtn::cuda::kErrorInvalidValue,
        "a copy in the wrong direction is an invalid value");
  // 7. A kernel that reads freed memory faults like a GPU: sticky illegal address for every later call.
  trtn::cuda::Event madeBefore = nullptr;
  cudaEventCreateWithFlags(&madeBefore, trtn::cuda::kEventDisableTiming);
  cudaFree(x);
  check(context->enqueueV3(stream), "enqueue with a dangling address is accepted (the kernel faults later)");
  check(cudaStreamSynchronize(stream) == trtn::cuda::kErrorIllegalAddress, "the stream reports the illegal address");
  check(cudaGetLastError() == trtn::cuda::kErrorIllegalAddress && cudaGetLastError() == trtn::cuda::kErrorIllegalAddress,
        "a sticky error is never cleared");
  void* more = nullptr;
  check(cudaMalloc(&more, 16) == trtn::cuda::kErrorIllegalAddress, "later calls fail with the sticky error");
  check(!context->enqueueV3(stream), "TensorRT refuses to enqueue on a poisoned context");
  check(recorder.last() ==
            "IExecutionContext::enqueueV3: Error Code 1: Cuda Runtime (an illegal memory access was encountered)",
        "... with the CUDA text: " + recorder.last());
  check(engine->createExecutionContext() == nullptr, "no new context on a poisoned device");
  check(recorder.last() == "ICudaEngine::createExecutionContext: Error Code 1: Cuda Runtime (an illegal memory access "
                           "was encountered)",
        "... failing with the allocator's CUDA error, not as out of memory: " + recorder.last());
  check(engine->createExecutionContext(nvinfer1::ExecutionContextAllocationStrategy::kUSER_MANAGED) == nullptr,
        "nor a user-managed one");
  {
    trtsim_counters c{};
    trtsim_get_counters(&c);
    int64_t events = c.live_events;
    check(cudaEventDestroy(madeBefore) == trtn::cuda::kErrorIllegalAddress,
          "destroying an event reports the sticky error, as every call does");
    trtsim_get_counters(&c);
    check(c.live_events == events - 1, "... and still releases it (the counts stay exact)");
  }
  trtsim_clear_sticky_error();

  delete context;
  delete engine;
  delete runtime;
  check(recorder.refs == 0, "every reference returned");
  if (argc > 2) {
    std::ifstream nonZero(argv[2], std::ios::binary);
    testDataDependentOutput(logger, recorder, std::vector<uint8_t>((std::istreambuf_iterator<char>(nonZero)),
                                                                   std::istreambuf_iterator<char>()));
    check(recorder.refs == 0, "every reference returned after the data-dependent test");
  }
  if (argc > 3) {
    std::ifstream reshape(argv[3], std::ios::binary);
    testShapeInput(logger, recorder, std::vector<uint8_t>((std::istreambuf_iterator<char>(reshape)),
                                                          std::istreambuf_iterator<char>()));
    check(recorder.refs == 0, "every reference returned after the shape input test");
  }
  if (argc > 4) {
    std::ifstream shapeOf(argv[4], std::ios::binary);
    testShapeOutput(logger, recorder, std::vector<uint8_t>((std::istreambuf_iterator<char>(shapeOf)),
                                                           std::istreambuf_iterator<char>()));
    check(recorder.refs == 0, "every reference returned after the shape output test");
  }
  if (argc > 5) {
    std::ifstream neg(argv[5], std::ios::binary);
    testIoFormats(logger, recorder, std::vector<uint8_t>((std::istreambuf_iterator<char>(neg)), std::istreambuf_iterator<char>()));
    check(recorder.refs == 0, "every reference returned after the IO format test");
  }
  if (argc > 7) {
    std::ifstream swish(argv[6], std::ios::binary);
    testPluginRegistry(logger, recorder, std::vector<uint8_t>((std::istreambuf_iterator<char>(swish)), std::istreambuf_iterator<char>()), argv[7]);
    check(recorder.refs == 0, "every reference returned after the plugin registry test");
  }
  testPlanHeaderChecks(logger, recorder, onnx);
  check(recorder.refs == 0, "every reference returned after the plan header test");
  testTwoDevices(logger, recorder, plan);
  testCapture(logger, plan);
  testNoCudaCallsInCallbacks(logger, recorder, plan);
  testPinnedFreeForgets();
  testCallbacksSerialized();
  testStreamOrderedAllocation();
  testDestructionOrder(logger, plan);
  check(recorder.refs == 0, "every reference returned after the two-device test");
  cudaFree(y);
  cudaStreamDestroy(stream);
  cudaDeviceSynchronize();
  trtsim_counters c{};
  trtsim_get_counters(&c);
  check(c.live_device_allocations == 0 && c.live_streams == 0 && c.live_engines == 0 && c.live_contexts == 0 &&
            c.live_graphs == 0 && c.live_graph_execs == 0,
        "nothing left alive");
  std::printf("%d checks, %d failures\n", checks, failures);
  return failures == 0 ? 0 : 1;
}
