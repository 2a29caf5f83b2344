"""Generates the k-means reference vectors for CemCore's clustering tests.

Run with Debian's interpreter:  /usr/bin/python3 make_iris_reference.py
Writes (next to this script):
  iris.csv              the 150 x 4 iris measurements (sklearn.datasets.load_iris), columns sepal_length..petal_width, species
  iris_kmeans_reference.csv   one row per reference run: name, tool call, inertia, sorted cluster sizes, centroids (sorted by first feature)

Tool: scikit-learn (version printed into the CSV), sklearn.cluster.KMeans with algorithm="lloyd".
"""
import csv
import os

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.datasets import load_iris
from sklearn.preprocessing import StandardScaler

here = os.path.dirname(os.path.abspath(__file__))
iris = load_iris()
X = iris.data
with open(os.path.join(here, "iris.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["sepal_length", "sepal_width", "petal_length", "petal_width", "species"])
    for row, target in zip(X, iris.target):
        w.writerow([f"{v:.1f}" for v in row] + [iris.target_names[target]])


def summarize(name, call, km, data):
    sizes = sorted(np.bincount(km.labels_).tolist())
    order = np.argsort(km.cluster_centers_[:, 0])
    centers = km.cluster_centers_[order]
    return [name, call, f"{km.inertia_:.10f}", "/".join(str(s) for s in sizes),
            ";".join(",".join(f"{v:.10f}" for v in c) for c in centers)]


rows = []
km = KMeans(n_clusters=3, n_init=10, random_state=0, algorithm="lloyd").fit(X)
rows.append(summarize("raw", "KMeans(n_clusters=3, n_init=10, random_state=0, algorithm='lloyd').fit(iris.data)", km, X))

# Best over many seeds: the optimum we expect any good restart scheme to find.
best = min((KMeans(n_clusters=3, n_init=1, random_state=s, algorithm="lloyd").fit(X) for s in range(200)), key=lambda m: m.inertia_)
rows.append(summarize("raw_best_of_200", "min inertia over KMeans(n_clusters=3, n_init=1, random_state=s) for s in 0..199", best, X))

Z = StandardScaler().fit_transform(X)  # population SD (ddof=0)
kz = KMeans(n_clusters=3, n_init=10, random_state=0, algorithm="lloyd").fit(Z)
rows.append(summarize("standardized", "KMeans(n_clusters=3, n_init=10, random_state=0, algorithm='lloyd').fit(StandardScaler().fit_transform(iris.data))", kz, Z))
bz = min((KMeans(n_clusters=3, n_init=1, random_state=s, algorithm="lloyd").fit(Z) for s in range(200)), key=lambda m: m.inertia_)
rows.append(summarize("standardized_best_of_200", "min inertia over KMeans(n_clusters=3, n_init=1, random_state=s).fit(StandardScaler().fit_transform(iris.data)) for s in 0..199", bz, Z))

with open(os.path.join(here, "iris_kmeans_reference.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["name", "call", "inertia", "sizes_sorted", "centroids_sorted_by_first_feature"])
    w.writerow(["#tool", f"scikit-learn {sklearn.__version__}, numpy {np.__version__}", "", "", ""])
    for r in rows:
        w.writerow(r)
for r in rows:
    print(r[0], r[2], r[3])
