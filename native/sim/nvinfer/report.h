// Error and log reporting with TensorRT's message shapes: "<Interface>::<method>: Error Code <n>: <Category>
// (<detail>)", sent to the error recorder when one is set and to the logger otherwise.
#pragma once

#include <cstdint>
#include <string>

#include "../include/NvInferRuntime.h"

namespace trtsim {

class Reporter {
 public:
  Reporter(nvinfer1::ILogger* logger, nvinfer1::IErrorRecorder* recorder) : mLogger(logger), mRecorder(recorder) {}

  // where: "IExecutionContext::enqueueV3"; category: "Cuda Runtime", "API Usage Error", ...; detail: the text in
  // parentheses.
  void error(nvinfer1::ErrorCode code, std::string const& where, std::string const& category,
             std::string const& detail) const;
  void log(nvinfer1::ILogger::Severity severity, std::string const& message) const;
  // An allocation of `bytes` failed with `cudaError`, told as TensorRT 10 tells it: the allocator's CUDA error, a
  // warning with the size (to the logger only), then an OutOfMemory error. No ErrorCode says "out of memory".
  void outOfMemory(std::string const& where, int64_t bytes, int cudaError) const;

  nvinfer1::ILogger* logger() const { return mLogger; }
  nvinfer1::IErrorRecorder* recorder() const { return mRecorder; }

 private:
  nvinfer1::ILogger* mLogger;
  nvinfer1::IErrorRecorder* mRecorder;
};

// Category text for an error code as TensorRT prints it ("Cuda Runtime" is chosen by the caller for CUDA failures).
char const* errorCategory(nvinfer1::ErrorCode code);

// Keeps a recorder's reference count: increments on set, decrements on replace and destruction.
class RecorderHolder {
 public:
  RecorderHolder() = default;
  explicit RecorderHolder(nvinfer1::IErrorRecorder* r) { set(r); }
  ~RecorderHolder() { set(nullptr); }
  RecorderHolder(RecorderHolder const&) = delete;
  RecorderHolder& operator=(RecorderHolder const&) = delete;
  void set(nvinfer1::IErrorRecorder* r) {
    if (r) r->incRefCount();
    if (mRecorder) mRecorder->decRefCount();
    mRecorder = r;
  }
  nvinfer1::IErrorRecorder* get() const { return mRecorder; }

 private:
  nvinfer1::IErrorRecorder* mRecorder = nullptr;
};

}  // namespace trtsim
