#include "io_formats.h"

namespace trtsim {

namespace {

struct FormatInfo {
  int32_t format;
  char const* name;
  char const* description;  // with the type's name appended, as getTensorFormatDesc words it
};

constexpr FormatInfo kFormats[] = {
    {0, "kLINEAR", "Row major linear"},
    {1, "kCHW2", "Two wide channel vectorized row major"},
    {2, "kHWC8", "Channel major with channels padded to a multiple of 8"},
    {3, "kCHW4", "Four wide channel vectorized row major"},
    {4, "kCHW16", "Sixteen wide channel vectorized row major"},
    {5, "kCHW32", "Thirty-two wide channel vectorized row major"},
    {6, "kDHWC8", "Channel major with channels padded to a multiple of 8, three spatial dimensions,"},
    {7, "kCDHW32", "Thirty-two wide channel vectorized row major, three spatial dimensions,"},
    {8, "kHWC", "Channel major"},
    {9, "kDLA_LINEAR", "DLA planar"},
    {10, "kDLA_HWC4", "DLA image"},
    {11, "kHWC16", "Channel major with channels padded to a multiple of 16"},
    {12, "kDHWC", "Channel major, three spatial dimensions,"},
};

FormatInfo const* infoOf(int32_t format) {
  for (FormatInfo const& f : kFormats) {
    if (f.format == format) return &f;
  }
  return nullptr;
}

char const* typeWord(DType type) {
  switch (type) {
    case DType::kFLOAT: return "FP32";
    case DType::kHALF: return "FP16";
    case DType::kBF16: return "BF16";
    case DType::kINT8: return "Int8";
    case DType::kUINT8: return "UInt8";
    case DType::kINT32: return "Int32";
    case DType::kINT64: return "Int64";
    case DType::kBOOL: return "Bool";
    case DType::kFP8: return "FP8";
  }
  return "unknown";
}

}  // namespace

std::string formatName(int32_t format) {
  FormatInfo const* f = infoOf(format);
  return f ? f->name : "TensorFormat(" + std::to_string(format) + ")";
}

std::string formatDescription(int32_t format, DType type) {
  FormatInfo const* f = infoOf(format);
  return f ? std::string(f->description) + " " + typeWord(type) + " format" : std::string();
}

bool formatTakes(int32_t format, DType type) {
  bool const half = type == DType::kHALF || type == DType::kBF16;
  switch (format) {
    case 0: return true;                                                  // kLINEAR: every type
    case 1: return half;                                                  // kCHW2
    case 2: return half;                                                  // kHWC8
    case 3: return type == DType::kINT8;                                  // kCHW4
    case 5: return type == DType::kINT8 || type == DType::kFLOAT || type == DType::kHALF;  // kCHW32
    case 6: return half;                                                  // kDHWC8
    case 7: return type == DType::kHALF || type == DType::kINT8;          // kCDHW32
    case 8: return type == DType::kFLOAT || type == DType::kUINT8;        // kHWC
    case 11: return type == DType::kHALF || type == DType::kINT8 || type == DType::kFP8;  // kHWC16
    case 12: return type == DType::kFLOAT;                                // kDHWC
    default: return false;  // kCHW16 and the DLA formats: DLA only, which the simulator has not
  }
}

int32_t chooseIoFormat(TensorDef const& t, bool shapeTensor, std::string& why) {
  uint32_t const allowed = shapeTensor ? 1u : t.allowedFormats;
  if (allowed & 1u) return 0;
  std::string tried;
  for (int32_t format = 1; format < 32; ++format) {
    if (!(allowed & (1u << format))) continue;
    tried += (tried.empty() ? "" : ", ") + formatName(format);
    trtn::layout::Layout layout;
    if (!formatTakes(format, t.type) || !trtn::layout::layoutOf(format, static_cast<int>(t.shape.size()), layout)) {
      continue;
    }
    if (t.shape[layout.vectorDim] < 0) continue;  // a vectorized dimension must be known at build time
    return format;
  }
  why = "none of its allowed formats (" + (tried.empty() ? std::string("none") : tried) + ") can hold a " +
        dtypeName(t.type) + " tensor of dimensions " + dimsText(t.shape) +
        " (each needs certain types, enough dimensions and a fixed vectorized dimension)";
  return -1;
}

}  // namespace trtsim
