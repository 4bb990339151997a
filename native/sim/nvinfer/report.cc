#include "report.h"

#include <sstream>

#include "cudart_calls.h"
#include "graph.h"

namespace trtsim {

char const* errorCategory(nvinfer1::ErrorCode code) {
  using nvinfer1::ErrorCode;
  switch (code) {
    case ErrorCode::kUNSPECIFIED_ERROR: return "Unspecified Error";
    case ErrorCode::kINTERNAL_ERROR: return "Internal Error";
    case ErrorCode::kINVALID_ARGUMENT: return "API Usage Error";
    case ErrorCode::kINVALID_CONFIG: return "Configuration Error";
    case ErrorCode::kFAILED_ALLOCATION: return "Failed Allocation";
    case ErrorCode::kFAILED_INITIALIZATION: return "Failed Initialization";
    case ErrorCode::kFAILED_EXECUTION: return "Failed Execution";
    case ErrorCode::kFAILED_COMPUTATION: return "Failed Computation";
    case ErrorCode::kINVALID_STATE: return "Invalid State";
    case ErrorCode::kUNSUPPORTED_STATE: return "Unsupported State";
    default: return "Error";
  }
}

void Reporter::error(nvinfer1::ErrorCode code, std::string const& where, std::string const& category,
                     std::string const& detail) const {
  std::string message =
      where + ": Error Code " + std::to_string(static_cast<int>(code)) + ": " + category + " (" + detail + ")";
  if (mRecorder) {
    mRecorder->reportError(code, message.c_str());
  } else if (mLogger) {
    mLogger->log(nvinfer1::ILogger::Severity::kERROR, message.c_str());
  }
}

void Reporter::log(nvinfer1::ILogger::Severity severity, std::string const& message) const {
  if (mLogger) mLogger->log(severity, message.c_str());
}

void Reporter::outOfMemory(std::string const& where, int64_t bytes, int cudaError) const {
  error(nvinfer1::ErrorCode::kUNSPECIFIED_ERROR, where, "Cuda Runtime", cudaGetErrorString(cudaError));
  log(nvinfer1::ILogger::Severity::kWARNING,
      "Requested amount of GPU memory (" + std::to_string(bytes) +
          " bytes) could not be allocated. There may not be enough free memory for allocation to succeed.");
  error(nvinfer1::ErrorCode::kINTERNAL_ERROR, where, "OutOfMemory",
        "Requested size was " + std::to_string(bytes) + " bytes.");
}

std::string dimsText(Shape const& shape) {
  std::ostringstream out;
  out << '[';
  for (size_t i = 0; i < shape.size(); ++i) out << (i ? "," : "") << shape[i];
  out << ']';
  return out.str();
}

}  // namespace trtsim
