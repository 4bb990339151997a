#!/usr/bin/env bash
# Prints what decides how fast a threaded path can be on this machine today: the CPU, the load, and the cost of a
# cache-line hand-off between two threads (three runs). Compiled into a temporary folder; needs g++.
set -euo pipefail
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
g++ -O2 -pthread "$(dirname "$0")/cacheline-pingpong.cc" -o "$out/pingpong"
grep -m1 "model name" /proc/cpuinfo
echo "vCPUs: $(nproc); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for _ in 1 2 3; do "$out/pingpong"; done
