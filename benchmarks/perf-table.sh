#!/usr/bin/env bash
# README's performance table from ONE run (issue #17): the headline BenchmarkDotNet methods (each class with its baseline/peer
# methods) and the committed Python peers, back to back on this machine, then benchmarks/perf_table.py writes
# benchmarks/results/PerformanceTable.md (ISA, processor count, load before/after, commit) and the table between the
# `perf-table` markers in README.md.
#   benchmarks/perf-table.sh [workdir]          (default /tmp/cemcore-perf-table; about 20-30 minutes on 2 quiet cores)
# The run is the CI machine kind's AVX2 path: DOTNET_EnableAVX512=0 unless the caller sets DOTNET_EnableAVX512 (the host line in
# the table then reads x86-64-v3; DOTNET_EnableAVX512=1 on an AVX-512 host gives the AVX-512 path, named so in the head line). In-process toolchain. Two passes: every row whose target is a fixed number (scoring against the
# bandwidth rows, one-customer scoring, RFM 1M, RFM/features 10x, parse + features with the reader alone and Sep, assignment, rule
# segments + lifecycle, the CLV fit and scores, offer decisions, ledger postings) runs BenchmarkDotNet's medium job (10 warm-ups, 15
# iterations, 2 launches; upper outliers removed); the peers and baselines beside them, and the rows judged against a peer (k-means,
# training), its short job (3 warm-ups, 3 iterations). Issue #17, ninth session: on this shared host the mean of 3 iterations moved 20-30 %
# between runs of one build, which decided the rows at their limits (parse + features 268-340 ms in three runs).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-/tmp/cemcore-perf-table}"
rm -rf "$work"; mkdir -p "$work/peers"
export DOTNET_EnableAVX512="${DOTNET_EnableAVX512:-0}"
py=/usr/bin/python3

{
  "$root/benchmarks/machine-lines.sh" "$root"
} > "$work/machine.txt"

dotnet build "$root/benchmarks/CemCore.Benchmarks" -c Release -nologo -v q >/dev/null
filters=(
  '*ChurnBenchmarks.ScalarRowMajor' '*ChurnBenchmarks.Vector256RowMajor'
  '*ChurnBenchmarks.MlNetBatch' '*ChurnBenchmarks.Train'
  '*.RfmBenchmarks.NaiveLinq' '*.RfmBenchmarks.CemCoreScoreOnly' '*RfmBenchmarksLarge.*' '*RfmBenchmarksSingle.*'
  '*RfmScalingBenchmarks.Aggregate' '*RfmScalingBenchmarks.AggregatePrevious'
  '*FeatureBenchmarks.NaiveParseAndFeatures' '*FeatureBenchmarks.Features' '*FeatureBenchmarks.FeaturesSequential'
  '*RuleBenchmarks.SingleNaive'
  '*ClvBenchmarks.FitNelderMeadUncompressed' '*ClvBenchmarks.FitBfgsPrecompressed' '*ClvBenchmarks.ScoreScalarLoop'
  '*ExperimentBenchmarks.Accumulate*'
  '*PersonalizationBenchmarks.NaiveLinq'
  '*KMeansScaleBenchmarks.*'
  '*LoyaltyBenchmarks.Sqlite*'
)
(cd "$work" && dotnet run -c Release --no-build --project "$root/benchmarks/CemCore.Benchmarks" -- \
  --filter "${filters[@]}" --job "${PERF_TABLE_JOB:-short}" --inProcess --exporters json --artifacts "$work/bdn") > "$work/bdn.log" 2>&1
# The rows judged against a fixed number, with the bandwidth rows, the reader alone and Sep beside them.
limit_filters=(
  '*ChurnBenchmarks.VectorRowMajor' '*ChurnBenchmarks.BandwidthReadWrite256' '*ChurnBenchmarks.BandwidthSum' '*ChurnBenchmarks.BandwidthSum256'
  '*ChurnBenchmarks.SingleCustomer'
  '*ClvBenchmarks.FitBfgsCompressed' '*ClvBenchmarks.ScoreSpanKernels' '*PersonalizationBenchmarks.Engine' '*PersonalizationBenchmarks.EngineBatch' '*LoyaltyBenchmarks.InMemorySingleThread'
  '*.RfmBenchmarks.CemCore' '*RfmScalingBenchmarks.AggregateAndScore' '*RfmScalingBenchmarks.Features'
  '*FeatureBenchmarks.Parse' '*FeatureBenchmarks.SepParse' '*FeatureBenchmarks.ParseAndFeatures' '*FeatureBenchmarks.ParseFeaturesAndObjects'
  '*ExperimentBenchmarks.Assign*'
  '*RuleBenchmarks.SingleLifecycleAndSegments'
)
(cd "$work" && dotnet run -c Release --no-build --project "$root/benchmarks/CemCore.Benchmarks" -- \
  --filter "${limit_filters[@]}" --job "${PERF_TABLE_LIMIT_JOB:-medium}" --inProcess --exporters json --artifacts "$work/bdn-limits") > "$work/bdn-limits.log" 2>&1

export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
csv="${TMPDIR:-/tmp}/cemcore-bench-1m.csv"   # written by FeatureBenchmarks' setup (Path.GetTempPath())
$py "$root/benchmarks/peers/pandas_read_csv.py" "$csv" > "$work/peers/pandas_read_csv.txt" 2>&1 || echo "pandas_read_csv failed" >> "$work/peers/failed.txt"
$py "$root/benchmarks/peers/rfm_pandas.py" > "$work/peers/rfm_pandas.txt" 2>&1 || echo "rfm_pandas failed" >> "$work/peers/failed.txt"
$py "$root/benchmarks/peers/churn_sklearn.py" > "$work/peers/churn_sklearn.txt" 2>&1 || echo "churn_sklearn failed" >> "$work/peers/failed.txt"
CEMCORE_REFERENCE_DATA="${CEMCORE_REFERENCE_DATA:-$root/../shared/data}" $py "$root/benchmarks/peers/clv_scipy.py" > "$work/peers/clv_scipy.txt" 2>&1 || echo "clv_scipy failed" >> "$work/peers/failed.txt"
$py "$root/benchmarks/peers/kmeans_sklearn_scale.py" > "$work/peers/kmeans_sklearn_scale.txt" 2>&1 || echo "kmeans_sklearn_scale failed" >> "$work/peers/failed.txt"

echo "load after: $(uptime | sed 's/.*load average: //')" >> "$work/machine.txt"
$py "$root/benchmarks/perf_table.py" "$work" "$root"
