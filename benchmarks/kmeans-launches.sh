#!/usr/bin/env bash
# k-means against scikit-learn across several processes (issue #17): the KMeansScaleBenchmarks vectorized rows, each launch a new
# BenchmarkDotNet process (in-process toolchain, short job), with the scikit-learn peer (benchmarks/peers/kmeans_sklearn_scale.py,
# single thread) run right after every launch; then benchmarks/kmeans_launches.py prints one table: each launch's time and its ratio
# to the peer run beside it, and the spread over the launches.
#   benchmarks/kmeans-launches.sh [workdir]       (default /tmp/cemcore-kmeans-launches; ~1.5 minutes per launch on 2 cores)
# LAUNCHES (default 5) sets the number of launches. DOTNET_EnableAVX512 defaults to 0 (the CI machine kind's AVX2 path), as in
# perf-table.sh. Why: on the thirteenth and fourteenth sessions' Zen 5 host one process ran the k-means passes ~1.4x slower than another
# of the same build, in phases that came and went with the time of day; a single in-process run (perf-table.sh) catches one phase.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-/tmp/cemcore-kmeans-launches}"
launches="${LAUNCHES:-5}"
rm -rf "$work"; mkdir -p "$work"
export DOTNET_EnableAVX512="${DOTNET_EnableAVX512:-0}"
py=/usr/bin/python3

{
  "$root/benchmarks/machine-lines.sh" "$root"
  echo "launches: $launches"
} > "$work/machine.txt"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1   # after the machine lines: nproc honours OMP_NUM_THREADS

dotnet build "$root/benchmarks/CemCore.Benchmarks" -c Release -nologo -v q >/dev/null
for i in $(seq 1 "$launches"); do
  (cd "$work" && dotnet run -c Release --no-build --project "$root/benchmarks/CemCore.Benchmarks" -- \
    --filter '*KMeansScaleBenchmarks.Vectorized*' --job short --inProcess --exporters json --artifacts "$work/launch$i") > "$work/launch$i.log" 2>&1
  $py "$root/benchmarks/peers/kmeans_sklearn_scale.py" > "$work/peer$i.txt" 2>&1
  echo "launch $i done: $(date -u '+%H:%M:%S'), load $(uptime | sed 's/.*load average: //')" >> "$work/machine.txt"
done
echo "load after: $(uptime | sed 's/.*load average: //')" >> "$work/machine.txt"
$py "$root/benchmarks/kmeans_launches.py" "$work"
