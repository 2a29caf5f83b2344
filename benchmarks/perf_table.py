#!/usr/bin/python3
"""Writes README's performance table from one benchmarks/perf-table.sh run (issue #17).

Usage: perf_table.py WORKDIR REPO_ROOT
Reads WORKDIR/machine.txt, the BenchmarkDotNet JSON reports under WORKDIR/bdn/results and the peer outputs under WORKDIR/peers;
writes REPO_ROOT/benchmarks/results/PerformanceTable.md and replaces the lines between `<!-- perf-table:begin -->` and
`<!-- perf-table:end -->` in REPO_ROOT/README.md. A figure that is missing from the run is written as "not in this run" (never
guessed, never copied from an older run).
"""
import glob
import json
import os
import re
import sys

work, root = sys.argv[1], sys.argv[2]
MISSING = "not in this run"

bench = {}  # (type, method, parameters) -> (mean ns, allocated bytes per op)
# The short-job pass first, then the limit rows' medium-job pass (perf-table.sh), whose figures replace any of the same benchmark.
for path in sorted(glob.glob(os.path.join(work, "bdn", "results", "*.json"))) + sorted(glob.glob(os.path.join(work, "bdn-limits", "results", "*.json"))):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    for b in doc.get("Benchmarks", []):
        stats = b.get("Statistics") or {}
        if "Mean" not in stats:
            continue
        mem = b.get("Memory") or {}
        bench[(b["Type"], b["Method"], b.get("Parameters", ""))] = (stats["Mean"], mem.get("BytesAllocatedPerOperation"))


def get(t, m, p=""):
    """Mean time in ns and bytes allocated per operation, or None."""
    for (bt, bm, bp), v in bench.items():
        if bt == t and bm == m and all(part in re.split(r"[&, ]+", bp) for part in p.split("&") if part):
            return v
    return None


def fmt_time(ns):
    if ns is None:
        return MISSING
    if ns < 1e3:
        return f"{ns:.1f} ns"
    if ns < 1e6:
        return f"{ns / 1e3:.1f} µs"
    if ns < 1e9:
        return f"{ns / 1e6:.3g} ms" if ns < 1e8 else f"{ns / 1e6:.0f} ms"
    return f"{ns / 1e9:.2f} s"


def fmt_bytes(b):
    if b is None:
        return "?"
    if b == 0:
        return "0 B"
    if b < 1024:
        return f"{b} B"
    if b < 1024 * 1024:
        return f"{b / 1024:.1f} KB"
    return f"{b / 1024 / 1024:.1f} MB"


def t(t_, m, p=""):
    v = get(t_, m, p)
    return fmt_time(v[0]) if v else MISSING


def ta(t_, m, p=""):
    v = get(t_, m, p)
    return f"{fmt_time(v[0])}, {fmt_bytes(v[1])}" if v else MISSING


def ratio(a, b):
    va, vb = get(*a), get(*b)
    return f"{vb[0] / va[0]:.1f}×" if va and vb else MISSING


def peer(name, pattern, group=1):
    path = os.path.join(work, "peers", name + ".txt")
    if not os.path.exists(path):
        return None
    text = open(path, encoding="utf-8").read()
    m = re.search(pattern, text)
    return float(m.group(group)) if m else None


def ms(x):
    return MISSING if x is None else (f"{x:.0f} ms" if x >= 100 else f"{x:.1f} ms")


rows = []

# Parse + features
pandas_csv = peer("pandas_read_csv", r"read_csv: best ([0-9.]+) s")
rows.append(("Parse a 1M-row transactions CSV + features for ~85k customers", "≤ 0.3 s",
             ta("FeatureBenchmarks", "ParseAndFeatures"),
             f"Sep 0.18 tokenizer + BCL parse alone {t('FeatureBenchmarks', 'SepParse')} (our reader alone {t('FeatureBenchmarks', 'Parse')}); "
             f"pandas `read_csv` alone {ms(None if pandas_csv is None else pandas_csv * 1e3)} (best of 5, same file)"))

# RFM
pandas_rfm = peer("rfm_pandas", r"\nscores \+ segments: ([0-9.]+) ms")
pandas_rfm_int = peer("rfm_pandas", r"int64 ids, scores \+ segments: ([0-9.]+) ms")
rows.append(("RFM scores + segments, 1M transactions / 100k customers (table → segments)", "≤ 20 ms",
             ta("RfmBenchmarks", "CemCore"),
             f"naive LINQ {t('RfmBenchmarks', 'NaiveLinq')}; pandas {ms(pandas_rfm)} (string ids), {ms(pandas_rfm_int)} (int64 ids)"))
small, large = get("RfmScalingBenchmarks", "AggregateAndScore", "Transactions=1000000"), get("RfmScalingBenchmarks", "AggregateAndScore", "Transactions=10000000")
scale = f"{large[0] / small[0]:.1f}× the 1M time" if small and large else MISSING
fs, fl = get("RfmScalingBenchmarks", "Features", "Transactions=1000000"), get("RfmScalingBenchmarks", "Features", "Transactions=10000000")
fscale = f"{fl[0] / fs[0]:.1f}×" if fs and fl else MISSING
rows.append(("RFM, 10M transactions / 1M customers", "≤ 12× the 1M time",
             f"{ta('RfmBenchmarksLarge', 'CemCore')}; aggregate + score + segment {scale}",
             f"features (1 thread) {fscale} for 10× the data"))
rows.append(("One customer: RFM score + segment + target groups", "—", ta("RfmBenchmarksSingle", "ScoreSegmentAndGroups"), "—"))
rows.append(("One customer: rule segments + lifecycle stage", "< 200 ns, 0 B", ta("RuleBenchmarks", "SingleLifecycleAndSegments"),
             f"naive interpreter {t('RuleBenchmarks', 'SingleNaive')}"))

# Logistic scoring
# Two bandwidth references (issue 17): the row with scoring's own traffic (read the 72 MB, write the 8 MB of results with the same
# non-temporal stores, no arithmetic: ChurnBenchmarks.BandwidthReadWrite256), against which the goal is judged, and the faster of the
# two read-only sums of the 72 MB (TensorPrimitives.Sum, 4 × Vector256), which scoring, having to write its results, cannot match.
score = get("ChurnBenchmarks", "VectorRowMajor")
same = get("ChurnBenchmarks", "BandwidthReadWrite256")
sums = [b for b in (get("ChurnBenchmarks", "BandwidthSum"), get("ChurnBenchmarks", "BandwidthSum256")) if b]
bw = min(sums, key=lambda b: b[0]) if sums else None
share = (f"{same[0] / score[0] * 100:.0f} % of the one-core bandwidth row with the same traffic ({fmt_time(same[0])} to read the 72 MB "
         f"and write the 8 MB of results)" if score and same else MISSING) + \
        (f"; {bw[0] / score[0] * 100:.0f} % of the faster read-only sum of the 72 MB ({fmt_time(bw[0])})" if score and bw else "")
rate = f" = {1e6 / (score[0] / 1e9) / 1e6:.0f}M rows/s" if score else ""
sk_pred = peer("churn_sklearn", r"predict_proba \d+ rows: [0-9.]+ ms = ([0-9.]+) M rows/s")
rows.append(("Logistic scoring, 1M × 9 features", "≥ 85 % of one core's memory bandwidth; ≥ 15× ML.NET",
             f"{ta('ChurnBenchmarks', 'VectorRowMajor')}{rate}; {share}",
             f"ML.NET `Transform` {t('ChurnBenchmarks', 'MlNetBatch')} ({ratio(('ChurnBenchmarks', 'VectorRowMajor'), ('ChurnBenchmarks', 'MlNetBatch'))}); "
             f"scalar loop {t('ChurnBenchmarks', 'ScalarRowMajor')}; scikit-learn `predict_proba` "
             + (f"{sk_pred:.0f}M rows/s" if sk_pred is not None else MISSING)))
rows.append(("Logistic scoring, one customer", "< 20 ns", ta("ChurnBenchmarks", "SingleCustomer"), "—"))
sk_fit = peer("churn_sklearn", r"fit \d+ x \d+ tol=1e-10: ([0-9.]+) s")
rows.append(("Logistic training, 800k × 9", "faster than scikit-learn", ta("ChurnBenchmarks", "Train"),
             "scikit-learn lbfgs at tol 1e-10 " + (f"{sk_fit * 1e3:.0f} ms" if sk_fit is not None else MISSING)))

# CLV
sp = peer("clv_scipy", r"L-BFGS-B, analytic gradient: median ([0-9.]+) ms")
spf = peer("clv_scipy", r"L-BFGS-B, finite-difference gradient: median ([0-9.]+) ms")
rows.append(("BG/NBD fit on CDNOW (2,357 customers)", "≤ 5 ms", ta("ClvBenchmarks", "FitBfgsCompressed"),
             f"scipy L-BFGS-B {ms(sp)} (analytic gradient), {ms(spf)} (finite differences)"))
rows.append(("P(alive) + expected purchases, 1M customers", "≤ 100 ms", ta("ClvBenchmarks", "ScoreSpanKernels"),
             f"naive loop {t('ClvBenchmarks', 'ScoreScalarLoop')}"))

# Experiments
a = get("ExperimentBenchmarks", "AssignXxHash64")
arate = f" = {1e3 / a[0]:.1f}M/s" if a else ""
rows.append(("Experiment assignment", "≥ 50M/s per core, 0 B", ta("ExperimentBenchmarks", "AssignXxHash64") + arate,
             f"SHA-256 concatenation {t('ExperimentBenchmarks', 'AssignNaiveSha256')}"))
acc = get("ExperimentBenchmarks", "AccumulateSimdBlock")
gbs = f" = {10_000_000 * 8 / acc[0]:.1f} GB/s" if acc else ""
rows.append(("Accumulating 10M observations", "memory-bandwidth bound", t("ExperimentBenchmarks", "AccumulateSimdBlock") + gbs,
             f"scalar loop {t('ExperimentBenchmarks', 'AccumulateScalarReference')}"))

# Decisions
d = get("PersonalizationBenchmarks", "Engine")
drate = f" = {1e3 / d[0]:.1f}M/s" if d else ""
db = get("PersonalizationBenchmarks", "EngineBatch")
# The batch call (DecideBatch, as the nightly pipeline decides; twentieth session) beside the one-at-a-time loop, when the run has it.
dbatch = f"; `DecideBatch` {ta('PersonalizationBenchmarks', 'EngineBatch')} = {1e3 / db[0]:.1f}M/s" if db else ""
rows.append(("Offer decisions, 1M customers × 50 rules, no rendering", "≥ 2M/s per core, 0 B",
             "one at a time " + ta("PersonalizationBenchmarks", "Engine") + drate + dbatch, f"naive LINQ {t('PersonalizationBenchmarks', 'NaiveLinq')}"))

# k-means: single thread and with the restarts in parallel (issue 17: "restarts in parallel"), both against the same single-thread peer.
grid = ((5, 8), (5, 12), (20, 8), (20, 12))
skl_ms = [peer("kmeans_sklearn_scale", rf"features=\s*{f_} k=\s*{k_} n_init=10 max_iter=10: median\s+[0-9.]+ ms wall,\s+([0-9.]+) ms CPU")
          for f_, k_ in grid]


def kmeans_cells(method):
    """Our times (ms) and speed-ups over the peer for one benchmark method, in grid order."""
    times, speedups = [], []
    for (f_, k_), s_ in zip(grid, skl_ms):
        v = get("KMeansScaleBenchmarks", method, f"Features={f_}&K={k_}")
        times.append(f"{v[0] / 1e6:,.0f}" if v else "?")
        speedups.append(f"{s_ / (v[0] / 1e6):.1f}×" if v and s_ is not None else "?")
    return times, speedups


cem, spd = kmeans_cells("VectorizedSequential")
skl = [f"{s_:,.0f}" if s_ is not None else "?" for s_ in skl_ms]
rows.append(("k-means, 100k × 5/20, k = 8/12, 10 restarts, single thread", "≥ 2× scikit-learn",
             " / ".join(cem) + " ms", "scikit-learn (one thread, CPU time) " + " / ".join(skl) + " ms: " + " / ".join(spd)))
pcem, pspd = kmeans_cells("VectorizedParallelRestarts")
procs = re.search(r"processors: (\d+)", open(os.path.join(work, "machine.txt"), encoding="utf-8").read())
rows.append((f"k-means, the same grid, restarts in parallel ({procs.group(1) if procs else '?'} processors)", "≥ 2× scikit-learn (single thread)",
             " / ".join(pcem) + " ms", "the same scikit-learn runs: " + " / ".join(pspd)))

# Loyalty
rows.append(("Loyalty ledger posting (in memory)", "≥ 2M/s single thread, 0 B", ta("LoyaltyBenchmarks", "InMemorySingleThread"),
             f"SQLite batched WAL {t('LoyaltyBenchmarks', 'SqliteBatchedWal')} vs one transaction per posting {t('LoyaltyBenchmarks', 'SqliteOneTransactionPerPosting')}"))

machine = open(os.path.join(work, "machine.txt"), encoding="utf-8").read().strip().splitlines()
info = dict(line.split(": ", 1) for line in machine if ": " in line)
host = ""
for path in sorted(glob.glob(os.path.join(work, "bdn", "results", "*-report-github.md"))):
    for line in open(path, encoding="utf-8"):
        if line.strip().startswith("[Host]"):
            host = line.strip()[len("[Host]"):].strip(" :")
            break
    if host:
        break

avx512_off = any(line.strip() == "DOTNET_EnableAVX512=0" for line in machine)
flags = info.get("isa flags", "").split()
avx512_on = not avx512_off and "avx512f" in flags and "x86-64-v4" in host
path_isa = ("AVX2 path (AVX-512 switched off with DOTNET_EnableAVX512=0)" if avx512_off
            else "AVX-512 path (the runtime's x86-64-v4)" if avx512_on else "default ISA") + \
    (f", CPU flags {' '.join(flags)}" if flags else "")
family = f" (family {info['cpu family']} model {info['cpu model']})" if "cpu family" in info and "cpu model" in info else ""
head = (f"One run of `benchmarks/perf-table.sh` on {info.get('date', '?')} (commit {info.get('commit', '?')}): {info.get('cpu', '?')}, "
        f"{info.get('processors', '?')} processors{family}, {path_isa}; load average before {info.get('load before', '?')}, after {info.get('load after', '?')}. "
        "BenchmarkDotNet in-process: every CemCore figure judged against a fixed target (and the bandwidth rows, our reader alone and Sep) "
        "with its medium job (15 iterations × 2 launches, upper outliers removed), the other baselines and the rows judged against a peer "
        "with its short job (3 iterations); peers run right after in the same script (Debian python3, one thread).")
table = ["| Workload | Target (issue) | CemCore | Peer in the same run |", "|---|---|---|---|"]
table += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
failed = os.path.join(work, "peers", "failed.txt")
notes = []
if os.path.exists(failed):
    notes.append("Peers that failed in this run: " + open(failed).read().strip().replace("\n", "; ") + ".")

md = ["# Performance table (issue #17)", "", head, "", *table, ""]
if host:
    md += [f"Host: {host}.", ""]
md += notes
md += ["", "Generated by `benchmarks/perf_table.py` from the run's BenchmarkDotNet JSON reports and peer outputs; regenerate with "
       "`benchmarks/perf-table.sh`.", ""]
with open(os.path.join(root, "benchmarks", "results", "PerformanceTable.md"), "w", encoding="utf-8") as f:
    f.write("\n".join(md))

readme = os.path.join(root, "README.md")
text = open(readme, encoding="utf-8").read()
begin, end = "<!-- perf-table:begin -->", "<!-- perf-table:end -->"
if begin in text and end in text:
    pre, rest = text.split(begin, 1)
    _, post = rest.split(end, 1)
    text = pre + begin + "\n" + head + "\n\n" + "\n".join(table) + "\n" + end + post
    open(readme, "w", encoding="utf-8").write(text)
print("\n".join(md))
