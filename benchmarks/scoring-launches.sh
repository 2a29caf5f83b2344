#!/usr/bin/env bash
# Logistic scoring against the bandwidth row with its own traffic, in adjacent processes (issue #17): each launch is a pair of
# BenchmarkDotNet processes (in-process toolchain, medium job), one measuring ChurnBenchmarks.VectorRowMajor (ScoreBatch, the best path
# for the ISA) and one ChurnBenchmarks.BandwidthReadWrite256 (read the 72 MB, write the 8 MB), run one right after the other; odd
# launches measure scoring first, even launches the bandwidth row first, so neither row always takes the later minute. Then
# benchmarks/scoring_launches.py prints one table: each pair's two means and their ratio (bandwidth / scoring; the goal is
# judged on it), the ratio of the two rows' fastest iterations beside it, and the spread of both.
#   benchmarks/scoring-launches.sh [workdir]      (default /tmp/cemcore-scoring-launches; ~1 minute per launch on 2 cores)
# LAUNCHES (default 6) sets the number of pairs. DOTNET_EnableAVX512 is passed through unchanged: unset (or 1) measures the AVX-512
# path where the processor has it, 0 the AVX2 path. Why pairs: perf-table.sh measures the two rows minutes apart in one process, and
# on the thirteenth to sixteenth sessions' Zen 5 host either row's mean moved by up to ~1.5x between minutes (the bandwidth row from
# 1.6 to 2.2 ms), so one run's ratio said more about the host's phase than about the kernel.
# DESIGN=bracket (eighteenth session) makes each launch three adjacent processes instead: the bandwidth row, scoring, the bandwidth row
# again. Scoring is then compared with the mean of the two bandwidth rows around it (a drift that is linear in time cancels), and the two
# bandwidth rows compared with each other (an A/A comparison: the same code, one process apart) show in the same run how far the
# host alone moves a ratio between processes that close together. ~3.5 minutes per launch on the Zen 5 host.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-/tmp/cemcore-scoring-launches}"
launches="${LAUNCHES:-6}"
design="${DESIGN:-pairs}"
case "$design" in pairs|bracket) ;; *) echo "scoring-launches.sh: DESIGN must be 'pairs' or 'bracket', not '$design'" >&2; exit 2 ;; esac
rm -rf "$work"; mkdir -p "$work"
py=/usr/bin/python3

{
  "$root/benchmarks/machine-lines.sh" "$root"
  echo "launches: $launches"
  echo "design: $design"
} > "$work/machine.txt"

dotnet build "$root/benchmarks/CemCore.Benchmarks" -c Release -nologo -v q >/dev/null
run() { # run LABEL FILTER
  (cd "$work" && dotnet run -c Release --no-build --project "$root/benchmarks/CemCore.Benchmarks" -- \
    --filter "$2" --job medium --inProcess --exporters json --artifacts "$work/$1") > "$work/$1.log" 2>&1
}
for i in $(seq 1 "$launches"); do
  if [[ "$design" == bracket ]]; then
    run "bandwidth${i}a" '*ChurnBenchmarks.BandwidthReadWrite256'
    run "score$i" '*ChurnBenchmarks.VectorRowMajor'
    run "bandwidth${i}b" '*ChurnBenchmarks.BandwidthReadWrite256'
  elif (( i % 2 == 1 )); then
    run "score$i" '*ChurnBenchmarks.VectorRowMajor'
    run "bandwidth$i" '*ChurnBenchmarks.BandwidthReadWrite256'
  else
    run "bandwidth$i" '*ChurnBenchmarks.BandwidthReadWrite256'
    run "score$i" '*ChurnBenchmarks.VectorRowMajor'
  fi
  echo "launch $i done: $(date -u '+%H:%M:%S'), load $(uptime | sed 's/.*load average: //')" >> "$work/machine.txt"
done
echo "load after: $(uptime | sed 's/.*load average: //')" >> "$work/machine.txt"
$py "$root/benchmarks/scoring_launches.py" "$work"
