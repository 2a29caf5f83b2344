#!/usr/bin/python3
"""Prints the table of one benchmarks/kmeans-launches.sh run (issue #17).

Usage: kmeans_launches.py WORKDIR
Reads WORKDIR/machine.txt, WORKDIR/launchN/results/*.json (BenchmarkDotNet, KMeansScaleBenchmarks) and WORKDIR/peerN.txt
(benchmarks/peers/kmeans_sklearn_scale.py run right after launch N). Each launch is set against the peer run beside it: ratio =
scikit-learn CPU time / CemCore mean. A missing figure is printed as "missing" (never guessed).
"""
import glob
import json
import os
import re
import statistics
import sys

work = sys.argv[1]
machine = open(os.path.join(work, "machine.txt"), encoding="utf-8").read()
launches = int(re.search(r"^launches: (\d+)", machine, re.M).group(1))
shapes = [(5, 8), (5, 12), (20, 8), (20, 12)]
methods = ["VectorizedSequential", "VectorizedParallelRestarts"]


def bdn(i):
    out = {}
    for path in glob.glob(os.path.join(work, f"launch{i}", "results", "*.json")):
        with open(path, encoding="utf-8") as f:
            for b in json.load(f).get("Benchmarks", []):
                stats = b.get("Statistics") or {}
                if "Mean" in stats:
                    p = dict(part.split("=") for part in re.split(r"&", b.get("Parameters", "")) if "=" in part)
                    out[(b["Method"], int(p.get("Features", 0)), int(p.get("K", 0)))] = stats["Mean"] / 1e6
    return out


def peer(i):
    out = {}
    path = os.path.join(work, f"peer{i}.txt")
    if os.path.exists(path):
        for line in open(path, encoding="utf-8"):
            m = re.search(r"features=\s*(\d+) k=\s*(\d+) n_init=10 max_iter=10: median\s+[0-9.]+ ms wall,\s+([0-9.]+) ms CPU", line)
            if m:
                out[(int(m.group(1)), int(m.group(2)))] = float(m.group(3))
    return out


runs = [(bdn(i), peer(i)) for i in range(1, launches + 1)]
head = {k: v for k, v in (line.split(": ", 1) for line in machine.splitlines() if ": " in line)}
avx512 = re.search(r"^DOTNET_EnableAVX512=(\S*)", machine, re.M)
head["DOTNET_EnableAVX512"] = avx512.group(1) if avx512 else "unset"
print(f"{head.get('date')}, commit {head.get('commit')}, {head.get('cpu')} (family {head.get('cpu family')}, model {head.get('cpu model')}), "
      f"{head.get('processors')} processors, ISA flags: {head.get('isa flags', '').strip()}, DOTNET_EnableAVX512={head.get('DOTNET_EnableAVX512')}, "
      f"load before {head.get('load before')}, after {head.get('load after')}")
print()
print("| row | " + " | ".join(f"launch {i}" for i in range(1, launches + 1)) + " | ratio min / median / max |")
print("|---|" + "---:|" * launches + "---|")
for f, k in shapes:
    line = [f"scikit-learn, {f} features, k = {k} (CPU ms)"]
    for _, pe in runs:
        v = pe.get((f, k))
        line.append(f"{v:,.0f}" if v is not None else "missing")
    print("| " + " | ".join(line) + " | |")
    for method in methods:
        line = [f"{method}, {f} × {k}"]
        ratios = []
        for bench, pe in runs:
            ms, sk = bench.get((method, f, k)), pe.get((f, k))
            if ms is None or sk is None:
                line.append("missing")
                continue
            ratios.append(sk / ms)
            line.append(f"{ms:,.0f} ms ({sk / ms:.1f}×)")
        spread = f"{min(ratios):.1f}× / {statistics.median(ratios):.1f}× / {max(ratios):.1f}×" if ratios else "missing"
        print("| " + " | ".join(line) + f" | {spread} |")
