#!/usr/bin/env python3
"""Golden values for LatentInterpolation, computed independently in NumPy (float64).

Writes interpolation_reference.json beside this script: pairs of float32 codes, and the
points of linear and spherical paths between them. Spherical points use the slerp formula
sin((1-t)W)/sin W * a + sin(tW)/sin W * b with the angle W taken by atan2 (not acos, as the
Swift code does), and fall back to the line where sin W < 1e-6 or a code is zero.
Run: .venv/bin/python Tests/AEModelTests/Fixtures/make_interpolation_reference.py
"""
import json
import os

import numpy as np

FORMAT_VERSION = 1
rng = np.random.default_rng(20261206)


def f32(values):
    return np.asarray(values, dtype=np.float32).astype(np.float64)


def path(a, b, steps, mode):
    t = np.array([i / (steps - 1) for i in range(steps)])
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    fallback = None
    if mode == "spherical":
        if na == 0 or nb == 0:
            fallback = "zero_norm"
        else:
            dot = float(a @ b)
            cross = np.sqrt(max(na * na * nb * nb - dot * dot, 0.0))
            angle = np.arctan2(cross, dot)
            if np.sin(angle) < 1e-6:
                fallback = "parallel" if dot > 0 else "antiparallel"
            else:
                wa = np.sin((1 - t) * angle) / np.sin(angle)
                wb = np.sin(t * angle) / np.sin(angle)
                return (wa[:, None] * a + wb[:, None] * b), None
    return ((1 - t)[:, None] * a + t[:, None] * b), fallback


def case(name, a, b, steps):
    a, b = f32(a), f32(b)
    out = {"name": name, "from": a.tolist(), "to": b.tolist(), "steps": steps}
    for mode in ("linear", "spherical"):
        points, fallback = path(a, b, steps, mode)
        out[mode] = {"points": points.tolist(), "fallback": fallback}
    return out


cases = []
cases.append(case("random 5-d", rng.normal(size=5), rng.normal(size=5), 5))
cases.append(case("random 16-d", rng.normal(size=16) * 2, rng.normal(size=16) * 0.5, 9))
u = rng.normal(size=8)
v = rng.normal(size=8)
v = v / np.linalg.norm(v) * np.linalg.norm(u)  # equal norms: slerp keeps the norm
cases.append(case("equal norms 8-d", u, v, 7))
cases.append(case("orthogonal", [3, 0, 0], [0, 3, 0], 3))
cases.append(case("parallel", [1, 2, -1], [2, 4, -2], 4))
cases.append(case("antiparallel", [1, -0.5, 2], [-1, 0.5, -2], 4))
cases.append(case("zero start", [0, 0, 0, 0], [1, 2, 3, 4], 3))

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "interpolation_reference.json"), "w") as f:
    json.dump({"format_version": FORMAT_VERSION, "cases": cases}, f, indent=1)
    f.write("\n")
