#!/usr/bin/env bash
# Cold vs warm CLI runs (issue #17): publishes the CLI for this machine's runtime as shipped (NativeAOT since the tenth session, see
# samples/CemCore.Cli/CemCore.Cli.csproj) and, for comparison, as ReadyToRun (CliPublish=r2r) and as a plain JIT build; writes 1,000,000 synthetic transactions
# (100,000 customers, seed 17) and times `cemcore rfm` and `cemcore features` on them.
#   one-shot = a new process running the command once (runtime start, JIT or R2R code, the work, exit): wall time from the parent,
#              CPU time (user + system, all threads) and minor page faults from the child's rusage (wait4);
#   warm     = the same command repeated in ONE process (CEMCORE_CLI_REPEAT, docs/cli.md): runs 2..N of that process, i.e. the work
#              with everything compiled, tiered up and the heap grown; wall and CPU time of each run from its stderr line.
# Measurement design (a shared, noisy VM): the configurations and commands are measured ROUND-ROBIN, each round running one one-shot
# process and one warm process of every configuration and command, so a burst of load from other tenants hits all of them alike
# instead of one block; several rounds; for both one-shot and warm the MINIMUM (best of N) is printed next to the median.
# The goal (issue #17, one-shot <= 1.3 x warm) is judged on best-of-N one-shot wall / best-of-N warm wall: the minimum of each is the
# run least disturbed by other processes, so the ratio of minima compares the intrinsic cost of the two; the medians (the old
# columns) include the interference and move with the load. The CPU-time ratio (medians) is printed as a cross-check that depends far
# less on what else the machine runs (note it counts the background JIT thread and the second core of the parallel paths).
# Equal sample sizes (ninth session): each round runs REPEAT-1 one-shot processes per configuration and command, as many as the warm
# runs its warm process gives, so both minima are taken over the same number of runs (before, 5 one-shot runs against 15 warm runs:
# the minimum of the larger sample is lower by chance alone, which biased the ratio upwards). The old statistic (the first one-shot of
# each round against every warm run) is printed beside it for comparison with the earlier sections of ColdStart.md.
# Before the rounds, one "first one-shot" per configuration and command runs after dropping the OS file cache (when allowed).
# One-shot processes run with CEMCORE_CLI_REPEAT=1, i.e. the single run plus its stderr line (the counters are read outside the
# command's own timing; a few ms of the process's wall time), so the second table can split the one-shot time.
#
# Usage: [COLD_START_ROUNDS=5] [COLD_START_REPEAT=4] [COLD_START_ONESHOTS=REPEAT-1] [COLD_START_NO_PUBLISH=1] [COLD_START_BASELINE=DIR] [COLD_START_COMPOSITE=1] [COLD_START_AOT_V3=1]
#        [COLD_START_EXTRA='name:VAR=value,VAR2=value;name2:...'] [COLD_START_ONLY=regex] benchmarks/peers/cold_start.sh [workdir]
#        (default workdir /tmp/cemcore-cold-start; defaults: 5 rounds, warm processes of 4 runs)
# COLD_START_EXTRA adds configurations of the ReadyToRun publish run with extra environment variables (for A/B trials of runtime knobs);
# COLD_START_ONLY keeps only the configurations whose name matches the (Python) regular expression, e.g. 'aot.*'.
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

# COLD_START_NO_PUBLISH=1 reuses the publishes already in the work folder (publish first, time later on a quiet machine).
# The R2R, JIT and NativeAOT publishes share the project's intermediate folder; crossgen and the AOT compiler do not rerun when only
# their options change, so their output folders are removed before each publish.
obj="$root/artifacts/obj/CemCore.Cli/release_$rid"
if [[ "${COLD_START_NO_PUBLISH:-0}" != 1 || ! -x "$work/aot/CemCore.Cli" || ! -x "$work/r2r/CemCore.Cli" || ! -x "$work/jit/CemCore.Cli" ]]; then
  rm -rf "$obj/native" "$obj/R2R"
  dotnet publish "$root/samples/CemCore.Cli" -c Release -r "$rid" -o "$work/aot" -nologo -v q >/dev/null
  dotnet publish "$root/samples/CemCore.Cli" -c Release -r "$rid" -o "$work/r2r" -p:CliPublish=r2r -nologo -v q >/dev/null
  dotnet publish "$root/samples/CemCore.Cli" -c Release -r "$rid" -o "$work/jit" -p:CliPublish=jit -nologo -v q >/dev/null
fi
# COLD_START_COMPOSITE=1 also times the self-contained composite publish (framework included; -p:CliPublish=composite, see the
# csproj): several minutes of crossgen, so off by default.
if [[ "${COLD_START_COMPOSITE:-0}" == 1 && ( "${COLD_START_NO_PUBLISH:-0}" != 1 || ! -x "$work/composite/CemCore.Cli" ) ]]; then
  rm -rf "$obj/R2R"
  dotnet publish "$root/samples/CemCore.Cli" -c Release -r "$rid" -o "$work/composite" -p:CliPublish=composite -nologo -v q >/dev/null
fi
# COLD_START_AOT_V3=1 also times the NativeAOT publish for x86-64-v3 (-p:CliAotInstructionSet=x86-64-v3: AVX2 and FMA; only on such a
# processor).
if [[ "${COLD_START_AOT_V3:-0}" == 1 ]] && grep -q -w avx2 /proc/cpuinfo && [[ "${COLD_START_NO_PUBLISH:-0}" != 1 || ! -x "$work/aot-v3/CemCore.Cli" ]]; then
  rm -rf "$obj/native"
  dotnet publish "$root/samples/CemCore.Cli" -c Release -r "$rid" -o "$work/aot-v3" -p:CliAotInstructionSet=x86-64-v3 -nologo -v q >/dev/null
fi

isa=$(grep -o -w -m1 'avx512f' /proc/cpuinfo || grep -o -w -m1 'avx2' /proc/cpuinfo || echo "no-avx2")
thp=$(sed 's/.*\[\(.*\)\].*/\1/' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null || echo "n/a")
echo "ISA: $isa, processors: $(nproc), transparent huge pages: $thp, load: $(uptime | sed 's/.*load average: //')"
echo

# Configurations: the NativeAOT publish as shipped (see the csproj and samples/CemCore.Cli/CommandLine/CliMemory.cs); the same with the
# huge-page advice off (CEMCORE_CLI_HUGEPAGES=0); the same without the command's no-GC region (CEMCORE_CLI_NOGC=0); the same pinned to ONE processor (taskset -c 0: Environment.ProcessorCount is 1, so
# the library takes its sequential paths, which this row times); the ReadyToRun publish (shipped until the ninth session) and the same
# on one processor; the plain JIT publish; optional baseline / composite / x86-64-v3 / extra rows.
/usr/bin/python3 - "$work" "$csv" <<'PY'
import os, re, subprocess, sys, time, statistics

work, csv = sys.argv[1], sys.argv[2]
rounds = int(os.environ.get("COLD_START_ROUNDS", "5"))
repeat = int(os.environ.get("COLD_START_REPEAT", "4"))
oneshots = int(os.environ.get("COLD_START_ONESHOTS", str(repeat - 1)))

configs = []  # (name, exe, extra env, command prefix)
if os.environ.get("COLD_START_BASELINE"):
    configs.append(("baseline", os.path.join(os.environ["COLD_START_BASELINE"], "CemCore.Cli"), {}, []))
aot = os.path.join(work, "aot", "CemCore.Cli")
r2r = os.path.join(work, "r2r", "CemCore.Cli")
configs += [
    ("aot (shipped)", aot, {}, []),
    ("aot-thp-off", aot, {"CEMCORE_CLI_HUGEPAGES": "0"}, []),
    ("aot-nogc-off", aot, {"CEMCORE_CLI_NOGC": "0"}, []),
    ("aot-1cpu", aot, {}, ["taskset", "-c", "0"]),
    ("r2r (CliPublish=r2r)", r2r, {}, []),
    ("r2r-1cpu", r2r, {}, ["taskset", "-c", "0"]),
    ("jit", os.path.join(work, "jit", "CemCore.Cli"), {}, []),
]
if os.environ.get("COLD_START_COMPOSITE") == "1":
    configs.append(("composite (opt-in)", os.path.join(work, "composite", "CemCore.Cli"), {}, []))
if os.environ.get("COLD_START_AOT_V3") == "1" and os.path.exists(os.path.join(work, "aot-v3", "CemCore.Cli")):
    configs.append(("aot-v3 (opt-in)", os.path.join(work, "aot-v3", "CemCore.Cli"), {}, []))
for spec in filter(None, os.environ.get("COLD_START_EXTRA", "").split(";")):
    name, _, assignments = spec.partition(":")
    env = dict(a.split("=", 1) for a in assignments.split(",") if a)
    configs.append((name, r2r, env, []))
if os.environ.get("COLD_START_ONLY"):
    configs = [c for c in configs if re.fullmatch(os.environ["COLD_START_ONLY"], c[0])]

commands = {
    "rfm": ["rfm", "--transactions", csv, "--out", os.path.join(work, "out.csv")],
    "features": ["features", "--transactions", csv, "--as-of", "2026-01-01", "--out", os.path.join(work, "out.csv")],
}
line = re.compile(r": run (\d+) of \d+: ([0-9.]+) ms \(GCs [^,]*, GC pause [0-9.]+ ms, allocated [0-9.]+ MB, JIT (\d+) methods ([0-9.]+) ms, CPU ([0-9.]+) ms, minor faults (\d+)[,)]")

def run(config, cmd, n):
    """One process running the command n times (CEMCORE_CLI_REPEAT=n): (wall ms, rusage CPU ms, rusage minflt, [per-run tuples])."""
    _, exe, extra, prefix = config
    env = dict(os.environ, **extra, CEMCORE_CLI_REPEAT=str(n))
    start = time.perf_counter_ns()
    p = subprocess.Popen(prefix + [exe] + commands[cmd], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    wall = (time.perf_counter_ns() - start) / 1e6
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        sys.exit(f"{config[0]} {cmd}: exit {p.returncode}: {err.decode(errors='replace')[-400:]}")
    runs = [(int(m[1]), float(m[2]), int(m[3]), float(m[4]), float(m[5]), int(m[6])) for m in line.finditer(err.decode())]
    return wall, (ru.ru_utime + ru.ru_stime) * 1000, ru.ru_minflt, runs

results = {(c[0], cmd): {"first": None, "one": [], "round_first": [], "warm": []} for c in configs for cmd in commands}
for config in configs:
    for cmd in commands:
        subprocess.run(["sync"])
        try:
            with open("/proc/sys/vm/drop_caches", "w") as f:
                f.write("3\n")
        except OSError:
            pass
        results[(config[0], cmd)]["first"] = run(config, cmd, 1)[0]
for r in range(rounds):
    for config in configs:
        for cmd in commands:
            # One-shot: CEMCORE_CLI_REPEAT=1 (the same single run, plus its stderr line: what happened inside the command).
            for k in range(oneshots):
                results[(config[0], cmd)]["one"].append(run(config, cmd, 1))
                if k == 0:
                    results[(config[0], cmd)]["round_first"].append(results[(config[0], cmd)]["one"][-1][0])
            results[(config[0], cmd)]["warm"].append(run(config, cmd, repeat))

med = statistics.median
print(f"{rounds} interleaved rounds; one-shot = a new process (wall from the parent, CPU and faults from rusage), {oneshots} per round"
      f" ({rounds * oneshots} runs); warm = runs 2-{repeat} of a CEMCORE_CLI_REPEAT={repeat} process, one per round ({rounds * (repeat - 1)} runs)")
print()
print("| configuration | command | first one-shot (ms) | one-shot median (ms) | warm in-process median (ms) | one-shot median / warm |"
      " one-shot best (ms) | warm best (ms) | **best / best** | old: first per round best / warm best | one-shot CPU median (ms) | warm CPU median (ms) | CPU ratio |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for (name, cmd), v in results.items():
    one_wall = [o[0] for o in v["one"]]
    one_cpu = [o[1] for o in v["one"]]
    warm = [w for proc in v["warm"] for w in proc[3] if w[0] >= 2]
    warm_wall = [w[1] for w in warm]
    warm_cpu = [w[4] for w in warm]
    print(f"| {name} | {cmd} | {v['first']:.0f} | {med(one_wall):.0f} | {med(warm_wall):.1f} | {med(one_wall) / med(warm_wall):.2f} |"
          f" {min(one_wall):.0f} | {min(warm_wall):.1f} | **{min(one_wall) / min(warm_wall):.2f}** | {min(v['round_first']) / min(warm_wall):.2f} |"
          f" {med(one_cpu):.0f} | {med(warm_cpu):.0f} | {med(one_cpu) / med(warm_cpu):.2f} |")
print()
print("Where the one-shot time goes (medians over the rounds): the command's own run inside the process (its stderr line) against the")
print("whole process; 'outside' = runtime start, argument parsing and exit; JIT and faults of the one-shot run against a warm run.")
print()
print("| configuration | command | one-shot wall (ms) | command inside (ms) | outside (ms) | warm run (ms) | one-shot JIT methods / ms | warm JIT methods / ms | one-shot minor faults (process) | warm minor faults (run) |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for (name, cmd), v in results.items():
    one_wall = [o[0] for o in v["one"]]
    inside = [o[3][0][1] for o in v["one"]]
    outside = [o[0] - o[3][0][1] for o in v["one"]]
    warm = [w for proc in v["warm"] for w in proc[3] if w[0] >= 2]
    print(f"| {name} | {cmd} | {med(one_wall):.0f} | {med(inside):.0f} | {med(outside):.0f} | {med([w[1] for w in warm]):.0f} |"
          f" {med([o[3][0][2] for o in v['one']]):.0f} / {med([o[3][0][3] for o in v['one']]):.0f} |"
          f" {med([w[2] for w in warm]):.0f} / {med([w[3] for w in warm]):.0f} |"
          f" {med([o[2] for o in v['one']]):.0f} | {med([w[5] for w in warm]):.0f} |")
PY
echo
echo "load after: $(uptime | sed 's/.*load average: //')"
