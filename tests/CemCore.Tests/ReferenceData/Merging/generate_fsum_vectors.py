"""Reference vectors for CemCore's exact sums (src/CemCore/Merging/ExactSum.cs).

Independent implementation: CPython's math.fsum (correctly rounded sum of doubles; Shewchuk's algorithm in C).
Each line of fsum_vectors.csv: the IEEE-754 bits (16 hex digits) of the correctly rounded sum, then of the terms, separated by ';'.
A zero sum is written as +0 (CemCore returns +0 for every zero sum; Python keeps the sign of an all-negative-zero sum).
Run: /usr/bin/python3 generate_fsum_vectors.py  (seeded, deterministic)
"""
import math
import random
import struct

rng = random.Random(20261204)
cases = []
# Hand-picked hard cases: cancellation, half-way rounding, tiny terms under a huge one, subnormals.
cases.append([1e100, 1.0, -1e100, 1e-100])
cases.append([1.0, 1e-16, 1e-16])               # exact sum is just above 1 + 2^-53: rounds up, naive sum does not
cases.append([1.0, 2.0 ** -53])                  # exactly half-way: ties to even (1.0)
cases.append([1.0, 2.0 ** -53, 2.0 ** -105])     # just above half-way: rounds up
cases.append([2.0 ** 1023, 2.0 ** 1023 * 0.5, -(2.0 ** 1023)])
cases.append([5e-324, 5e-324, -1e-320, 1e-320])
cases.append([0.1] * 10)
cases.append([])
for n in range(200):
    size = rng.randint(1, 60)
    kind = n % 4
    terms = []
    for _ in range(size):
        if kind == 0:
            terms.append(rng.uniform(-1, 1))
        elif kind == 1:
            terms.append(rng.uniform(-1, 1) * 10.0 ** rng.randint(-30, 30))
        elif kind == 2:
            x = rng.uniform(0, 1000) * 10.0 ** rng.randint(-5, 15)
            terms.extend([x, -x * (1 + 2.0 ** -50)])
        else:
            terms.append(round(rng.uniform(0, 500), 2))
    cases.append(terms)

def bits(x):
    return "%016x" % struct.unpack("<Q", struct.pack("<d", x))[0]


with open("fsum_vectors.csv", "w", encoding="utf-8", newline="\n") as f:
    for terms in cases:
        total = math.fsum(terms) + 0.0
        f.write(";".join(bits(x) for x in [total] + terms) + "\n")
