#!/usr/bin/python3
"""Prints the table of one benchmarks/scoring-launches.sh run (issue #17).

Usage: scoring_launches.py WORKDIR
Reads WORKDIR/machine.txt and, for each launch N, WORKDIR/scoreN/results/*.json and WORKDIR/bandwidthN/results/*.json
(BenchmarkDotNet, ChurnBenchmarks.VectorRowMajor and ChurnBenchmarks.BandwidthReadWrite256, measured in two adjacent processes).
Each pair's ratio = bandwidth mean / scoring mean (the issue's goal: >= 85 %, judged on the means). A second ratio divides the two rows'
fastest iterations (bandwidth min / scoring min), the figure least moved by the minutes in which the host slows down; it is shown
beside the means, not instead of them. A missing figure is printed as "missing" (never guessed).
With DESIGN=bracket (machine.txt "design: bracket") each launch N has WORKDIR/bandwidthNa, scoreN and bandwidthNb, measured in that order
in three adjacent processes. Then the ratio is the mean of the two bandwidth means over the scoring mean, the ratios against each
bandwidth row alone are printed beside it, and the two bandwidth rows' ratio (b / a, the same code one process apart: an A/A
comparison) shows how far the host alone moves a ratio between processes that close together, in the same minutes.
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
design_line = re.search(r"^design: (\S+)", machine, re.M)
design = design_line.group(1) if design_line else "pairs"


def spread(values):
    """min, median and max of a list of ratios and how many reach the goal's 85 %."""
    return (f"min {min(values):.0%}, median {statistics.median(values):.0%}, max {max(values):.0%}; "
            f">= 85 % in {sum(r >= 0.85 for r in values)} of {len(values)}.")


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
if design == "bracket":
    print("| launch | bandwidth row before: mean (min–max) | ScoreBatch mean (min–max) | bandwidth row after: mean (min–max) "
          "| bandwidth (mean of both) / scoring | against before / after alone | fastest iterations: bandwidth / scoring "
          "| A/A: bandwidth after / before |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    ratios, fastest, singles, aa = [], [], [], []
    for i in range(1, launches + 1):
        before, score, after = stats(f"bandwidth{i}a", "BandwidthReadWrite256"), stats(f"score{i}", "VectorRowMajor"), stats(f"bandwidth{i}b", "BandwidthReadWrite256")
        cells = [str(i)] + [f"{s[0]:.3f} ms ({s[1]:.3f}–{s[2]:.3f})" if s else "missing" for s in (before, score, after)]
        if before and score and after:
            r = (before[0] + after[0]) / 2 / score[0]
            ratios.append(r)
            singles += [before[0] / score[0], after[0] / score[0]]
            fastest.append(min(before[1], after[1]) / score[1])
            aa.append(after[0] / before[0])
            cells += [f"{r:.0%}", f"{before[0] / score[0]:.0%} / {after[0] / score[0]:.0%}", f"{fastest[-1]:.0%}", f"{aa[-1]:.0%}"]
        else:
            cells += ["missing"] * 4
        print("| " + " | ".join(cells) + " |")
    if ratios:
        print()
        print(f"Bandwidth (mean of both) / scoring over {len(ratios)} launches: {spread(ratios)}")
        print(f"Against one adjacent bandwidth row ({len(singles)} comparisons, as in the pairs design): {spread(singles)}")
        print(f"Fastest iterations: {spread(fastest)}")
        worse = [min(r, 1 / r) for r in aa]
        print(f"A/A (the bandwidth row against itself in the adjacent process but one): after / before from {min(aa):.0%} to {max(aa):.0%}; "
              f"read in the less favourable direction, below 85 % in {sum(r < 0.85 for r in worse)} of {len(worse)} launches.")
    sys.exit(0)

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
    print()
    print(f"Ratio over {len(ratios)} pairs: {spread(ratios)}")
    print(f"Fastest iterations: {spread(fastest)}")
