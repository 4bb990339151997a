// tensor_layout.h against layouts worked out by hand from NvInferRuntime.h's description of each TensorFormat, so a
// mistake shared by the simulator and the binding (which both use it) cannot cancel out in a round trip.
#include "../tensor_layout.h"

#include <cstdio>
#include <string>
#include <vector>

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

// Formats `values` (row-major, int32 elements) with `format`; empty when the format does not apply.
std::vector<int32_t> formatted(int32_t format, std::vector<int64_t> const& dims, std::vector<int32_t> values) {
  trtn::layout::Layout layout;
  if (!trtn::layout::layoutOf(format, static_cast<int>(dims.size()), layout)) return {};
  std::vector<int32_t> out(static_cast<size_t>(trtn::layout::formattedVolume(dims, layout)), -1);
  trtn::layout::reformat(reinterpret_cast<uint8_t*>(values.data()), reinterpret_cast<uint8_t*>(out.data()), dims,
                         layout, sizeof(int32_t), true);
  std::vector<int32_t> back(values.size(), -1);
  trtn::layout::reformat(reinterpret_cast<uint8_t*>(back.data()), reinterpret_cast<uint8_t*>(out.data()), dims, layout,
                         sizeof(int32_t), false);
  check(back == values, "format " + std::to_string(format) + " round trip");
  return out;
}

}  // namespace

int main() {
  // N=1, C=3, H=1, W=2; the value of (c, w) is 1 + 2c + w.
  std::vector<int64_t> const nchw = {1, 3, 1, 2};
  std::vector<int32_t> const values = {1, 2, 3, 4, 5, 6};
  check(formatted(0, nchw, values) == values, "kLINEAR is row-major");
  // Vector-major, V=4: [N][ceil(C/4)][H][W][4], padding zeroed.
  check(formatted(3, nchw, values) == std::vector<int32_t>{1, 3, 5, 0, 2, 4, 6, 0}, "kCHW4");
  // V=2: two channel blocks, each [W][2].
  check(formatted(1, nchw, values) == std::vector<int32_t>{1, 3, 2, 4, 5, 0, 6, 0}, "kCHW2");
  // Vector-minor, V=8: [N][H][W][C padded to 8].
  check(formatted(2, nchw, values) == std::vector<int32_t>{1, 3, 5, 0, 0, 0, 0, 0, 2, 4, 6, 0, 0, 0, 0, 0}, "kHWC8");
  // kHWC: channel last, unpadded.
  check(formatted(8, nchw, values) == std::vector<int32_t>{1, 3, 5, 2, 4, 6}, "kHWC");
  check(formatted(5, nchw, values).size() == 64 && formatted(5, nchw, values)[32] == 2, "kCHW32: W=1 starts at 32");
  // Fourth to last: N=1, C=2, D=1, H=1, W=2; value of (c, w) is 1 + 2c + w.
  std::vector<int64_t> const ncdhw = {1, 2, 1, 1, 2};
  std::vector<int32_t> const small = {1, 2, 3, 4};
  check(formatted(6, ncdhw, small) == std::vector<int32_t>{1, 3, 0, 0, 0, 0, 0, 0, 2, 4, 0, 0, 0, 0, 0, 0}, "kDHWC8");
  check(formatted(12, ncdhw, small) == std::vector<int32_t>{1, 3, 2, 4}, "kDHWC");
  std::vector<int32_t> cdhw32 = formatted(7, ncdhw, small);
  check(cdhw32.size() == 64 && cdhw32[0] == 1 && cdhw32[1] == 3 && cdhw32[2] == 0 && cdhw32[32] == 2 && cdhw32[33] == 4,
        "kCDHW32");
  // Rank 3 (C, H, W): the vector dimension is the first.
  check(formatted(3, {3, 1, 2}, values) == std::vector<int32_t>{1, 3, 5, 0, 2, 4, 6, 0}, "kCHW4 of rank 3");
  trtn::layout::Layout layout;
  check(!trtn::layout::layoutOf(3, 2, layout), "kCHW4 needs three dimensions");
  check(!trtn::layout::layoutOf(6, 3, layout), "kDHWC8 needs four");
  check(!trtn::layout::layoutOf(9, 4, layout) && !trtn::layout::layoutOf(10, 4, layout), "no DLA layouts");
  check(trtn::layout::layoutOf(0, 0, layout) && layout.linear(), "kLINEAR fits any rank");
  // An empty tensor formats to nothing.
  check(formatted(2, {1, 3, 0, 2}, {}).empty(), "an empty tensor");
  std::printf("%d checks, %d failures\n", checks, failures);
  return failures == 0 ? 0 : 1;
}
