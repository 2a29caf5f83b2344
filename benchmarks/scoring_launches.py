#!/usr/bin/python3
"""Prints the table of one benchmarks/scoring-launches.sh run (issue #17).

Usage: scoring_launches.py WORKDIR
Reads WORKDIR/machine.txt and, for each launch N, WORKDIR/scoreN/results/*.json and WORKDIR/bandwidthN/results/*.json
(BenchmarkDotNet, ChurnBenchmarks.VectorRowMajor and ChurnBenchmarks.BandwidthReadWrite256, measured in two adjacent processes).
Each pair's ratio = bandwidth mean / scoring mean (the issue's goal: >= 85 %, judged on the means). A second ratio divides the two rows'
fastest iterations (bandwidth min / scoring min), the figure least moved by the minutes in which the host slows down; it is shown
beside the means, not instead of them. A missing figure is printed as "missing" (never guessed).
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


def stats(folder, method):
    for path in glob.glob(os.path.join(work, folder, "results", "*.json")):
        with open(path, encoding="utf-8") as f:
            for b in json.load(f).get("Benchmarks", []):
                s = b.get("Statistics") or {}
                if b.get("Method") == method and "Mean" in s:
                    return s["Mean"] / 1e6, s["Min"] / 1e6, s["Max"] / 1e6
    return None


head = {k: v for k, v in (line.split(": ", 1) for line in machine.splitlines() if ": " in line)}
avx512 = re.search(r"^DOTNET_EnableAVX512=(\S*)", machine, re.M)
print(f"{head.get('date')}, commit {head.get('commit')}, {head.get('cpu')} (family {head.get('cpu family')}, model {head.get('cpu model')}), "
      f"{head.get('processors')} processors, ISA flags: {head.get('isa flags', '').strip()}, "
      f"DOTNET_EnableAVX512={avx512.group(1) if avx512 else 'unset'}, load before {head.get('load before')}, after {head.get('load after')}")
print()
print("| launch (first row measured) | ScoreBatch mean (min–max) | bandwidth row mean (min–max) | bandwidth / scoring (means) | fastest iterations: bandwidth / scoring |")
print("|---|---:|---:|---:|---:|")
ratios = []
fastest = []
for i in range(1, launches + 1):
    score, band = stats(f"score{i}", "VectorRowMajor"), stats(f"bandwidth{i}", "BandwidthReadWrite256")
    first = "scoring" if i % 2 == 1 else "bandwidth"
    cells = [f"{i} ({first})"]
    for s in (score, band):
        cells.append(f"{s[0]:.3f} ms ({s[1]:.3f}–{s[2]:.3f})" if s else "missing")
    if score and band:
        ratios.append(band[0] / score[0])
        fastest.append(band[1] / score[1])
        cells.append(f"{band[0] / score[0]:.0%}")
        cells.append(f"{band[1] / score[1]:.0%}")
    else:
        cells += ["missing", "missing"]
    print("| " + " | ".join(cells) + " |")
if ratios:
    met = sum(r >= 0.85 for r in ratios)
    print()
    print(f"Ratio over {len(ratios)} pairs: min {min(ratios):.0%}, median {statistics.median(ratios):.0%}, max {max(ratios):.0%}; "
          f">= 85 % in {met} of {len(ratios)}.")
    print(f"Fastest iterations: min {min(fastest):.0%}, median {statistics.median(fastest):.0%}, max {max(fastest):.0%}; "
          f">= 85 % in {sum(r >= 0.85 for r in fastest)} of {len(fastest)}.")
