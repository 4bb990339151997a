#!/usr/bin/env bash
# The simulator's C++ unit tests under AddressSanitizer and UndefinedBehaviorSanitizer (slow to compile: minutes),
# its CUDA streams under ThreadSanitizer (the simulated libcudart rebuilt with -fsanitize=thread), and the addon
# itself under AddressSanitizer: the committed HEAD is built with -fsanitize=address in a scratch worktree and the
# tests of ownership, teardown, workers and completions run with libasan preloaded into node, then most test files
# once more under LeakSanitizer.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
cleanup() {
  git -C "$root" worktree remove --force "$work/addon" 2>/dev/null || true
  git -C "$root" worktree remove --force "$work/tsan" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
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

git -C "$root" worktree add -q --detach "$work/addon" HEAD
ln -s "$root/node_modules" "$work/addon/node_modules"
(cd "$work/addon" && npx cmake-js compile --CDTRTN_SANITIZE=address >"$work/addon-build.log" 2>&1) || {
  tail -30 "$work/addon-build.log"; exit 1; }
# Instrumented, not just linked against the runtime (CMakeLists.txt, TRTN_SANITIZE).
# (Through a file: with pipefail, `grep -q` closing the pipe early would fail nm with SIGPIPE.)
nm -D "$work/addon/build/Release/tensorrt_node.node" >"$work/addon-symbols.txt"
grep -q __asan_report "$work/addon-symbols.txt" || { echo "the addon is not instrumented"; exit 1; }
(cd "$work/addon" && npx tsup >/dev/null && \
  LD_PRELOAD="$(gcc -print-file-name=libasan.so)" ASAN_OPTIONS=detect_leaks=0:halt_on_error=1 \
  npx vitest run test/lifecycle.test.ts test/workers.test.ts test/completion-polling.test.ts test/concurrency.test.ts \
    test/faults.test.ts test/sticky.test.ts test/device-tensors.test.ts test/validation.test.ts \
    test/data-dependent-shapes.test.ts test/devices.test.ts test/cuda-graphs.test.ts test/native-surface.test.ts \
    test/enqueue-on.test.ts test/create-context-async.test.ts test/warm-up.test.ts test/shape-tensors.test.ts \
    test/shape-outputs.test.ts test/io-formats.test.ts test/plugins.test.ts test/efficient-nms.test.ts \
    test/hostile-prototypes.test.ts test/build-and-profiles.test.ts >"$work/addon-tests.log" 2>&1) || {
  # Which test failed, and why: the summary alone does not say.
  grep -E "FAIL|×|Error|expected" "$work/addon-tests.log" | head -40; tail -4 "$work/addon-tests.log"; exit 1; }
tail -4 "$work/addon-tests.log"

# The same build under LeakSanitizer, over the addon's test files in one process (scripts/sanitizers/): every leak
# whose allocating frame is in the addon or a simulator library fails. Left out: sticky.test.ts (a poisoned device
# frees nothing, as on a GPU), library-loading.test.ts (it needs a process of its own) and native-units.test.ts (the
# simulator's C++ tests, covered above).
mkdir -p "$work/lsan"
leak_files=()
for f in "$work"/addon/test/*.test.ts; do
  case "$(basename "$f")" in sticky.test.ts | library-loading.test.ts | native-units.test.ts) ;; *) leak_files+=("test/$(basename "$f")") ;; esac
done
(cd "$work/addon" && LD_PRELOAD="$(gcc -print-file-name=libasan.so)" \
  ASAN_OPTIONS=detect_leaks=1:halt_on_error=0:exitcode=0:fast_unwind_on_malloc=0:log_path="$work/lsan/report" \
  node --expose-gc --require ./scripts/sanitizers/pin-addon.cjs node_modules/vitest/vitest.mjs run \
    --config scripts/sanitizers/vitest.one-process.config.mjs "${leak_files[@]}" >"$work/leak-tests.log" 2>&1) || {
  grep -E "FAIL|×|Error|expected" "$work/leak-tests.log" | head -40; tail -4 "$work/leak-tests.log"; exit 1; }
tail -4 "$work/leak-tests.log" | head -2
node "$root/scripts/sanitizers/our-leaks.mjs" "$work/lsan"

# The addon and the simulator under ThreadSanitizer, built in a second worktree: the tests of concurrency, completions,
# workers, launcher threads (enqueueOn), CUDA graphs and faults, with libtsan preloaded into node (which is not instrumented).
# Any report with a frame of ours fails; scripts/sanitizers/our-races.mjs says what it leaves out and why.
git -C "$root" worktree add -q --detach "$work/tsan" HEAD
ln -s "$root/node_modules" "$work/tsan/node_modules"
(cd "$work/tsan" && npx cmake-js compile --CDTRTN_SANITIZE=thread >"$work/tsan-build.log" 2>&1 && npx tsup >/dev/null) || {
  tail -30 "$work/tsan-build.log"; exit 1; }
mkdir -p "$work/tsan-reports"
(cd "$work/tsan" && LD_PRELOAD="$(gcc -print-file-name=libtsan.so)" \
  TSAN_OPTIONS="halt_on_error=0:exitcode=0:log_path=$work/tsan-reports/report" \
  node node_modules/vitest/vitest.mjs run test/concurrency.test.ts test/completion-polling.test.ts test/workers.test.ts \
    test/data-dependent-shapes.test.ts test/device-tensors.test.ts test/cuda-graphs.test.ts test/lifecycle.test.ts \
    test/faults.test.ts test/devices.test.ts test/output-targets.test.ts test/sticky.test.ts test/validation.test.ts \
    test/native-surface.test.ts test/enqueue-on.test.ts test/create-context-async.test.ts test/warm-up.test.ts \
    test/shape-tensors.test.ts test/shape-outputs.test.ts test/io-formats.test.ts test/plugins.test.ts test/efficient-nms.test.ts \
    test/build-and-profiles.test.ts test/hostile-prototypes.test.ts >"$work/tsan-tests.log" 2>&1) || {
  grep -E "FAIL|×|Error|expected" "$work/tsan-tests.log" | head -40; tail -4 "$work/tsan-tests.log"; exit 1; }
tail -4 "$work/tsan-tests.log" | head -2
node "$root/scripts/sanitizers/our-races.mjs" "$work/tsan-reports"
