#!/usr/bin/python3
"""Reference vectors for CemCore.Experiments.Statistics.Lift (absolute and delta-method relative lift of two independent means).

Independent implementation with scipy (Debian python3-scipy): z = scipy.stats.norm.ppf(1 - alpha/2);
absolute: d = mt - mc, d +- z*sqrt(vc + vt);
relative: r = mt/mc - 1, Var(r) = vt/mc^2 + mt^2*vc/mc^4 (first-order delta method, independent arms), r +- z*sqrt(Var(r)).
The relative-lift variance is also checked here against a numerical delta method (the gradient of mt/mc - 1 by central
differences) before writing.
Run: /usr/bin/python3 generate_lift_vectors.py > lift_vectors.json
"""
import json
import numpy as np
from scipy.stats import norm

cases = [
    # mc, vc, mt, vt, confidence
    (0.05, 0.05 * 0.95 / 1000, 0.075, 0.075 * 0.925 / 1000, 0.95),
    (12.5, 4.0, 13.1, 3.2, 0.90),
    (-3.0, 0.25, -2.0, 0.5, 0.99),
    (100.0, 0.0, 104.0, 9.0, 0.95),
    (7.0, 1e-6, 7.0, 1e-6, 0.80),
    (0.3, 0.02, 0.1, 0.01, 0.975),
]

out = []
for mc, vc, mt, vt, conf in cases:
    z = norm.ppf(1 - (1 - conf) / 2)
    d = mt - mc
    hd = z * np.sqrt(vc + vt)
    r = mt / mc - 1
    # gradient of g(mc, mt) = mt/mc - 1 by central differences, independent of the closed form
    h = 1e-6
    gmc = (mt / (mc + h * abs(mc)) - mt / (mc - h * abs(mc))) / (2 * h * abs(mc))
    gmt = ((mt + h) / mc - (mt - h) / mc) / (2 * h)
    var_num = gmc * gmc * vc + gmt * gmt * vt
    var = vt / mc**2 + mt**2 * vc / mc**4
    assert abs(var_num - var) <= 1e-6 * max(var, 1e-300) + 1e-18, (var_num, var)
    hr = z * np.sqrt(var)
    out.append({
        "mc": mc, "vc": vc, "mt": mt, "vt": vt, "confidence": conf,
        "absolute": d, "absoluteLower": d - hd, "absoluteUpper": d + hd,
        "relative": r, "relativeLower": r - hr, "relativeUpper": r + hr,
    })

print(json.dumps({"generator": "generate_lift_vectors.py (scipy.stats.norm.ppf)", "cases": out}, indent=1))
