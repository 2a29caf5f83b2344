#!/usr/bin/env bash
# Cold vs warm one-shot CLI runs (issue #17): publishes the CLI for this machine's runtime (ReadyToRun, see
# samples/CemCore.Cli/CemCore.Cli.csproj) and, for comparison, as a plain JIT build; writes 1,000,000 synthetic transactions
# (100,000 customers, seed 17) and times `cemcore rfm` and `cemcore features` on them.
#   one-shot = wall time of a new process running the command once (runtime start, JIT or R2R code, the work, exit): the first
#              run after the publish with the OS file cache dropped when possible, and the median of 5 further one-shot processes;
#   warm     = the same command repeated in ONE process (CEMCORE_CLI_REPEAT=6, each run's wall time on stderr): median of runs 2-6,
#              i.e. the work with every method already compiled and tiered up.
# The goal (issue #17) is one-shot ≤ 1.3 × warm for the ReadyToRun publish. Prints one Markdown table row per build and command, and the
# machine's ISA and load. Usage: [COLD_START_BASELINE=DIR] benchmarks/peers/cold_start.sh [workdir]   (default /tmp/cemcore-cold-start)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="${1:-/tmp/cemcore-cold-start}"
rid="linux-x64"
mkdir -p "$work"
csv="$work/transactions_1m.csv"
if [[ ! -s "$csv" ]]; then
  /usr/bin/python3 - "$csv" <<'PY'
import random, sys
rng = random.Random(17)
with open(sys.argv[1], "w") as f:
    f.write("customer_id,timestamp,amount\n")
    base = 1_704_067_200  # 2024-01-01T00:00:00Z
    for i in range(1_000_000):
        c = rng.randrange(100_000)
        t = base + rng.randrange(730 * 86400)
        import datetime
        ts = datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        f.write(f"C{c:06d},{ts},{rng.randrange(100, 50000) / 100:.2f}\n")
PY
fi

# COLD_START_NO_PUBLISH=1 reuses the two publishes already in the work folder (publish first, time later on a quiet machine).
if [[ "${COLD_START_NO_PUBLISH:-0}" != 1 || ! -x "$work/r2r/CemCore.Cli" || ! -x "$work/jit/CemCore.Cli" ]]; then
  dotnet publish "$root/samples/CemCore.Cli" -c Release -r "$rid" -o "$work/r2r" -nologo -v q >/dev/null
  dotnet publish "$root/samples/CemCore.Cli" -c Release -r "$rid" -o "$work/jit" -p:PublishReadyToRun=false -nologo -v q >/dev/null
fi
# COLD_START_COMPOSITE=1 also times the opt-in self-contained composite publish (framework included; -p:CliComposite=true, see the
# csproj): several minutes of crossgen, so off by default.
if [[ "${COLD_START_COMPOSITE:-0}" == 1 && ( "${COLD_START_NO_PUBLISH:-0}" != 1 || ! -x "$work/composite/CemCore.Cli" ) ]]; then
  dotnet publish "$root/samples/CemCore.Cli" -c Release -r "$rid" -o "$work/composite" -p:CliComposite=true -nologo -v q >/dev/null
fi

ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }

isa=$(grep -o -w -m1 'avx512f' /proc/cpuinfo || grep -o -w -m1 'avx2' /proc/cpuinfo || echo "no-avx2")
thp=$(sed 's/.*\[\(.*\)\].*/\1/' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null || echo "n/a")
echo "ISA: $isa, processors: $(nproc), transparent huge pages: $thp, load: $(uptime | sed 's/.*load average: //')"
echo
echo "| configuration | command | first one-shot (ms) | one-shot median of 5 (ms) | warm in-process median (ms) | one-shot median / warm |"
echo "|---|---|---:|---:|---:|---:|"
# Configurations: the ReadyToRun publish as shipped (tiered PGO off, the managed heap advised for transparent huge pages: see the
# csproj and samples/CemCore.Cli/CommandLine/CliMemory.cs), the same with the huge-page advice off (CEMCORE_CLI_HUGEPAGES=0: 4 KB
# first-touch page faults, as before), and the plain JIT publish.
# COLD_START_BASELINE=DIR adds a "baseline" row timed the same way: the CLI published in DIR (e.g. the R2R publish of an earlier commit),
# for a before/after of a change in the same minutes.
configs=(r2r r2r-thp-off jit)
if [[ -n "${COLD_START_BASELINE:-}" ]]; then configs=(baseline "${configs[@]}"); fi
if [[ "${COLD_START_COMPOSITE:-0}" == 1 ]]; then configs+=(composite); fi
for config in "${configs[@]}"; do
  build="${config%%-*}"
  exe="$work/$build/CemCore.Cli"
  if [[ $config == baseline ]]; then exe="$COLD_START_BASELINE/CemCore.Cli"; fi
  envs=()
  if [[ $config == r2r-thp-off ]]; then envs=(CEMCORE_CLI_HUGEPAGES=0); fi
  for cmd in rfm features; do
    if [[ $cmd == rfm ]]; then args=(rfm --transactions "$csv" --out "$work/out_$build.csv");
    else args=(features --transactions "$csv" --as-of 2026-01-01 --out "$work/out_$build.csv"); fi
    sync; (echo 3 > /proc/sys/vm/drop_caches) 2>/dev/null || true
    first=$(ms env "${envs[@]}" "$exe" "${args[@]}")
    oneshot=$(for _ in 1 2 3 4 5; do ms env "${envs[@]}" "$exe" "${args[@]}"; done | median)
    warm=$(env "${envs[@]}" CEMCORE_CLI_REPEAT=6 "$exe" "${args[@]}" 2>&1 >/dev/null | sed -n 's/.*: run \([2-6]\) of 6: \([0-9.]*\) ms.*/\2/p' | median)
    echo "| $config | $cmd | $first | $oneshot | $warm | $(awk -v c="$oneshot" -v w="$warm" 'BEGIN {printf "%.2f", c / w}') |"
  done
done
echo
echo "load after: $(uptime | sed 's/.*load average: //')"
