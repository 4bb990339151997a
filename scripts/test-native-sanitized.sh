#!/usr/bin/env bash
# The simulator's C++ unit tests under AddressSanitizer and UndefinedBehaviorSanitizer (slow to compile: minutes).
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
