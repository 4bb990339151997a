// The simulator's plan (serialized engine) format.
//
// Header, 40 bytes, little-endian; the first 28 bytes follow the layout trtexec reads without deserializing:
//   0  u32  magic 0x74727466 ("ftrt")
//   4  u32  header layout, 0
//   8  u64  total plan size in bytes (a truncated file is detected before anything else is read)
//  16  u32  serialization version tag (derived from the TensorRT version)
//  20  u32  flags (bit 0: version-compatible, bit 1: hardware-compatible)
//  24  u8   TensorRT major, minor, patch, build of the builder
//  28  u8   compute capability major, minor; u16 reserved
//  32  u64  FNV-1a 64 checksum of the body
// Body: the graph (tensors with weights, nodes with attributes; an IO tensor's format in the upper 16 bits of its type
// word), IO order, optimization profiles, device memory sizes. The header sits outside the checksum, so a test can rewrite the version or compute capability of a valid
// plan and get exactly the error TensorRT gives for a plan from another version or GPU.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <map>
#include <vector>

#include "graph.h"

namespace trtsim {

constexpr uint32_t kPlanMagic = 0x74727466u;
constexpr size_t kPlanHeaderSize = 40;
constexpr uint32_t kPlanFlagVersionCompatible = 1u << 0;
constexpr uint32_t kPlanFlagHardwareCompatible = 1u << 1;  // kAMPERE_PLUS: any GPU of compute capability 8.0+
// Version-compatible without kEXCLUDE_LEAN_RUNTIME: the plan embeds the lean runtime, which is host code that a runtime
// loads only after setEngineHostCodeAllowed(true).
constexpr uint32_t kPlanFlagHostCode = 1u << 2;

struct PlanHeader {
  uint32_t magic = kPlanMagic;
  uint32_t layout = 0;
  uint64_t totalSize = 0;
  uint32_t serializationVersion = 0;
  uint32_t flags = 0;
  uint8_t trtMajor = 0, trtMinor = 0, trtPatch = 0, trtBuild = 0;
  uint8_t ccMajor = 0, ccMinor = 0;
  uint64_t checksum = 0;
};

// The precision the builder was allowed to use for float tensors. The simulator computes in float32 and then
// rounds (fp16, bf16) or fake-quantizes with the calibration scales (int8) every float output of every layer, so
// results differ from fp32 the way reduced-precision kernels make them differ.
enum class Precision : uint8_t { kFP32 = 0, kFP16 = 1, kBF16 = 2, kINT8 = 3 };

struct PlanContents {
  Graph graph;
  std::vector<Profile> profiles;
  std::vector<int64_t> deviceMemoryPerProfile;
  uint32_t flags = 0;
  int hardwareCompatibilityLevel = 0;
  Precision precision = Precision::kFP32;
  std::map<int, float> int8Scales;  // tensor index -> scale (int8 only)
};

// Why a plan was refused; `kind` selects the TensorRT message shape.
struct PlanError : std::runtime_error {
  enum class Kind { kMagic, kSize, kVersion, kDevice, kCorrupt };
  Kind kind;
  PlanError(Kind k, std::string const& what) : std::runtime_error(what), kind(k) {}
};

// The serialization version tag of a TensorRT version (an internal number, like the real one).
uint32_t serializationVersionOf(int major, int minor, int patch);
uint64_t fnv1a64(uint8_t const* data, size_t size);

std::vector<uint8_t> writePlan(PlanContents const& plan, int ccMajor, int ccMinor);
PlanHeader readPlanHeader(uint8_t const* data, size_t size);  // throws PlanError (kMagic, kSize)
// Checks the header against this library and device, then decodes the body; throws PlanError.
PlanContents readPlan(uint8_t const* data, size_t size, int ccMajor, int ccMinor);

}  // namespace trtsim
