#!/usr/bin/python3
"""Independent reference for CemCore.Recommendations.AssociationRules (FP-growth).

Brute force with itertools: every subset of the item universe is counted against every basket (no FP-tree, no Apriori pruning),
then every rule A -> C (A, C non-empty, disjoint, A u C frequent) is enumerated. Writes assoc_baskets.csv (basket_id,item; a basket with
an empty item is an empty basket) and assoc_expected.json. Run: /usr/bin/python3 generate_assoc_reference.py
"""
import itertools
import json
import random

rng = random.Random(20261204)
items = ["apple", "bread", "butter", "cheese", "eggs", "jam", "milk", "tea"]
weights = [0.5, 0.45, 0.3, 0.25, 0.35, 0.15, 0.55, 0.2]
baskets = []
for b in range(60):
    basket = [it for it, w in zip(items, weights) if rng.random() < w]
    if b % 17 == 0:
        basket = []  # empty baskets count in N
    if basket and rng.random() < 0.2:
        basket.append(basket[0])  # duplicate line: counts once
    baskets.append(basket)

n = len(baskets)
sets = [set(b) for b in baskets]
cases = []
for min_support, min_confidence in [(0.1, 0.5), (0.05, 0.0), (0.2, 0.6), (1.0 / 6.0, 0.75)]:
    counts = {}
    for size in range(1, len(items) + 1):
        for combo in itertools.combinations(items, size):
            c = sum(1 for s in sets if set(combo) <= s)
            if c / n >= min_support:
                counts[combo] = c
    itemsets = [{"items": list(k), "support": v / n, "count": v} for k, v in counts.items()]
    rules = []
    for combo, c in counts.items():
        if len(combo) < 2:
            continue
        for size in range(1, len(combo)):
            for a in itertools.combinations(combo, size):
                cons = tuple(x for x in combo if x not in a)
                conf = c / counts[a]
                if conf >= min_confidence:
                    supp_c = counts[cons] / n
                    rules.append({"antecedent": list(a), "consequent": list(cons), "support": c / n,
                                  "confidence": conf, "lift": conf / supp_c,
                                  "leverage": c / n - (counts[a] / n) * supp_c,
                                  "conviction": None if conf == 1 else (1 - supp_c) / (1 - conf)})
    cases.append({"minSupport": min_support, "minConfidence": min_confidence, "baskets": n,
                  "itemsets": itemsets, "rules": rules})

with open("assoc_baskets.csv", "w") as f:
    f.write("basket_id,item\n")
    for i, b in enumerate(baskets):
        if not b:
            f.write(f"b{i:03d},\n")
        for it in b:
            f.write(f"b{i:03d},{it}\n")
with open("assoc_expected.json", "w") as f:
    json.dump(cases, f, indent=1)
