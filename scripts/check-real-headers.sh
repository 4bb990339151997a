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
for root in "$@"; do
  work="$(mktemp -d)"
  git -C "$repo" worktree add -q --detach "$work/src" HEAD
  ln -s "$repo/node_modules" "$work/src/node_modules"
  echo "== TensorRT headers at $root"
  (cd "$work/src" && TENSORRT_ROOT="$root" npx cmake-js compile >"$work/build.log" 2>&1) || { tail -30 "$work/build.log"; exit 1; }
  grep -E "tensorrt-node: TensorRT backend" "$work/build.log"
  (cd "$work/src" && node -e "
    const n = require('./build/Release/tensorrt_node.node');
    console.log(JSON.stringify(n.buildInfo()));
    try { new n.Runtime('tensorrt', 2); console.log('tensorrt backend loaded') }
    catch (e) { console.log('tensorrt backend:', e.code, '-', e.details.length, 'paths tried') }")
  (cd "$work/src" && npx vitest run 2>&1 | tail -5)
  git -C "$repo" worktree remove --force "$work/src"
  rm -rf "$work"
done
