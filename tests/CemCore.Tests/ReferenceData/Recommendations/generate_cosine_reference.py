#!/usr/bin/python3
"""Independent reference for item-item similarities of CemCore.Recommendations (ItemSimilarityIndex).

scipy.sparse: X = binary customer x item incidence (bought at least once), G = X.T @ X; cosine = G / (norm_i norm_j) with
norm = sqrt(diag G); jaccard and lift from the same counts. Writes cosine_events.csv (customer_id,item) and cosine_expected.csv
(item,neighbour,cooccurrence,cosine,jaccard,lift) for every pair with G > 0, i != j. Run: /usr/bin/python3 generate_cosine_reference.py
"""
import numpy as np
import scipy.sparse as sp

rng = np.random.default_rng(1204)
n_customers, n_items = 300, 40
popularity = rng.power(0.4, n_items) + 0.02
popularity /= popularity.sum()
rows, cols = [], []
for c in range(n_customers):
    k = rng.integers(0, 9)
    chosen = rng.choice(n_items, size=k, p=popularity)  # with repeats: repeated purchases
    rows.extend([c] * k)
    cols.extend(chosen.tolist())
items = [f"sku{i:03d}" for i in range(n_items)]
customers = [f"cust{c:04d}" for c in range(n_customers)]
X = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n_customers, n_items))
X.data[:] = 1.0  # duplicates were summed; binarize
G = (X.T @ X).toarray()
norms = np.sqrt(np.diag(G))
# Lift's N is the customers present in the data (a customer without purchases has no row in the CSV).
n_active = int((np.asarray(X.sum(axis=1)).ravel() > 0).sum())
with open("cosine_events.csv", "w") as f:
    f.write("customer_id,item\n")
    for r, c in zip(rows, cols):
        f.write(f"{customers[r]},{items[c]}\n")
with open("cosine_expected.csv", "w") as f:
    f.write("item,neighbour,cooccurrence,cosine,jaccard,lift\n")
    for i in range(n_items):
        for j in range(n_items):
            if i != j and G[i, j] > 0:
                cos = G[i, j] / (norms[i] * norms[j])
                jac = G[i, j] / (G[i, i] + G[j, j] - G[i, j])
                lift = n_active * G[i, j] / (G[i, i] * G[j, j])
                f.write(f"{items[i]},{items[j]},{int(G[i, j])},{cos!r},{jac!r},{lift!r}\n")
