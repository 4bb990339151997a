#!/usr/bin/env bash
# The simulator's C++ unit tests under AddressSanitizer and UndefinedBehaviorSanitizer (slow to compile: minutes),
# and its CUDA streams under ThreadSanitizer (the simulated libcudart rebuilt with -fsanitize=thread).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
flags=(-std=c++17 -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all)
g++ "${flags[@]}" -I"$root/native/sim/nvinfer/ops" "$root"/native/sim/nvinfer/ops/*.cc \
  "$root/native/sim/nvinfer/ops/test/ops_test.cc" -o "$work/ops_test" &
node "$root/native/sim/onnxparser/test/make_fixtures.cjs" "$work/fixtures"
g++ "${flags[@]}" -I"$root/native/sim/onnxparser" "$root/native/sim/onnxparser/onnx_model.cc" \
  "$root/native/sim/onnxparser/test/onnx_model_test.cc" -o "$work/onnx_model_test"
wait
"$work/ops_test" | tail -1
"$work/onnx_model_test" "$work/fixtures" | tail -1
tsan=(-std=c++17 -O1 -g -fsanitize=thread)
g++ "${tsan[@]}" -fPIC -shared "$root"/native/sim/cudart/*.cc -o "$work/libtrtsim_cudart.so" -lpthread
g++ "${tsan[@]}" -I"$root/native/sim/include" "$root/native/sim/test/stream_stress_test.cc" \
  -L"$work" -ltrtsim_cudart -Wl,-rpath,"$work" -o "$work/stream_stress_test"
TSAN_OPTIONS=halt_on_error=1 "$work/stream_stress_test" 200
