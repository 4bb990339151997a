#!/usr/bin/env bash
# Builds the addon against NVIDIA's TensorRT headers (no TensorRT library needed) in a scratch copy of this
# checkout and runs the test suite with it: the simulator tests must pass unchanged, and backend 'tensorrt' must
# report LIBRARY_NOT_FOUND on a machine without TensorRT.
#
#   scripts/check-real-headers.sh /path/to/TensorRT-root-with-include/   [more roots...]
#
# Nothing of the headers is copied into the project.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
for root in "$@"; do
  work="$(mktemp -d)"
  git -C "$repo" worktree add -q --detach "$work/src" HEAD
  ln -s "$repo/node_modules" "$work/src/node_modules"
  echo "== TensorRT headers at $root"
  (cd "$work/src" && TENSORRT_ROOT="$root" npx cmake-js compile >"$work/build.log" 2>&1) || { tail -30 "$work/build.log"; exit 1; }
  grep -E "tensorrt-node: TensorRT backend" "$work/build.log"
  # The simulator's API surface against the real headers: every declared method with the same signature, and (for
  # the 10.x headers the simulator imitates) every enum value identical.
  g++ -std=c++17 -Inative/sim/include "$repo/native/sim/test/api_surface.cc" -o "$work/surface-sim"
  if g++ -std=c++17 -w -isystem "$root/include" -isystem /usr/local/cuda/include "$repo/native/sim/test/api_surface.cc" \
      -o "$work/surface-real" 2>"$work/surface.log"; then
    "$work/surface-sim" >"$work/sim.txt"
    "$work/surface-real" >"$work/real.txt"
    if diff -q "$work/sim.txt" "$work/real.txt" >/dev/null; then
      echo "API surface: every method signature and all $(wc -l <"$work/sim.txt") enum values match"
    else
      echo "API surface: signatures match; enum values that differ:"; diff "$work/sim.txt" "$work/real.txt" | head -40
    fi
  else
    echo "API surface: not identical to these headers (expected for TensorRT 11, which removes and renumbers):"
    grep -o "error: .*" "$work/surface.log" | sort -u | head -40
  fi
  (cd "$work/src" && node -e "
    const n = require('./build/Release/tensorrt_node.node');
    console.log(JSON.stringify(n.buildInfo()));
    try { new n.Runtime('tensorrt', 2); console.log('tensorrt backend loaded') }
    catch (e) { console.log('tensorrt backend:', e.code, '-', e.details.length, 'paths tried') }")
  (cd "$work/src" && npx vitest run 2>&1 | tail -5)
  git -C "$repo" worktree remove --force "$work/src"
  rm -rf "$work"
done
