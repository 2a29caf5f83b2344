#!/usr/bin/env bash
# The machine lines a benchmark run records (issue #17): date, commit, CPU name, processor count, CPU family and model, ISA flags,
# DOTNET_EnableAVX512 and the load average. Used by perf-table.sh and kmeans-launches.sh (their machine.txt, read by perf_table.py and
# kmeans_launches.py).   benchmarks/machine-lines.sh REPO_ROOT
# Run it before exporting OMP_NUM_THREADS: nproc honours that variable.
set -euo pipefail
root="$1"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "commit: $(git -C "$root" rev-parse --short HEAD)"
echo "cpu: $(grep -m1 "model name" /proc/cpuinfo | sed "s/.*: //")"
echo "processors: $(nproc)"
echo "cpu family: $(grep -m1 "^cpu family" /proc/cpuinfo | sed "s/.*: //")"
echo "cpu model: $(grep -m1 "^model[[:space:]]*:" /proc/cpuinfo | sed "s/.*: //")"
echo "isa flags: $(grep -o -w -m1 'avx512f' /proc/cpuinfo || true) $(grep -o -w -m1 'avx2' /proc/cpuinfo || true)"
echo "DOTNET_EnableAVX512=${DOTNET_EnableAVX512:-unset}"
echo "load before: $(uptime | sed 's/.*load average: //')"
