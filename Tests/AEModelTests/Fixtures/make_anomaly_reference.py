#!/usr/bin/env python3
"""Golden values for AEModel's anomaly scoring, computed independently in NumPy (float64)
and scikit-learn.

Writes anomaly_reference.json beside this script:
- quantiles (np.quantile, method "linear") and histograms (np.histogram over [min, max]) of
  several samples, ties and a single value included;
- AUROC and AUPRC (sklearn roc_auc_score, average_precision_score) of fixed scores and
  labels, ties included;
- the per-vector negative ELBO of a small variational model for given latent draws:
  mean over draws of the per-vector loss (mse or bce, mean over features) + beta * KL;
- the hybrid score of a small autoencoder: a Gaussian fitted to the codes of calibration
  vectors (np.cov, ridge 1e-6 x mean variance + 1e-12), the squared Mahalanobis distance by
  np.linalg.solve, ln(mse + 1e-12) and ln(distance + 1e-12) standardised by their calibration
  mean and standard deviation (ddof 1), summed; for the calibration vectors and for new ones
  (and the quantiles of the new ones' scores: a calibration whose density is fitted elsewhere).
Run: .venv/bin/python Tests/AEModelTests/Fixtures/make_anomaly_reference.py
"""
import json
import os

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

FORMAT_VERSION = 1
rng = np.random.default_rng(20261207)
f32 = lambda a: np.asarray(a, dtype=np.float32)
QUANTILES = [0.5, 0.9, 0.95, 0.99, 0.995, 0.999]
BINS = 32


def distribution(name, scores):
    s = f32(scores).astype(np.float64)
    lo, hi = s.min(), s.max()
    if hi > lo:
        counts, edges = np.histogram(s, bins=BINS, range=(lo, hi))
    else:
        counts, edges = np.array([len(s)]), np.array([lo, hi])
    return {"name": name, "scores": s.tolist(),
            "quantiles": [float(np.quantile(s, q, method="linear")) for q in QUANTILES],
            "min": float(lo), "max": float(hi), "mean": float(s.mean()),
            "histogram": {"edges": edges.tolist(), "counts": counts.tolist()}}


distributions = [
    distribution("lognormal 1000", rng.lognormal(-4.5, 0.6, 1000)),
    distribution("uniform 37", rng.uniform(0, 1, 37)),
    distribution("ties 50", rng.integers(0, 5, 50) / 4),
    distribution("one value", [0.25]),
    distribution("two values", [0.5, 0.125]),
]


def detection(name, scores, labels, threshold):
    s = f32(scores).astype(np.float64)
    y = np.asarray(labels, dtype=bool)
    return {"name": name, "scores": s.tolist(), "is_anomaly": y.tolist(), "threshold": threshold,
            "auroc": float(roc_auc_score(y, s)), "auprc": float(average_precision_score(y, s)),
            "false_positive_rate": float(np.mean(s[~y] > threshold)),
            "true_positive_rate": float(np.mean(s[y] > threshold))}


n = 400
labels = rng.random(n) < 0.3
detections = [
    detection("overlapping gaussians", np.where(labels, rng.normal(1.0, 1, n), rng.normal(0, 1, n)), labels, 0.8),
    detection("heavy ties", rng.integers(0, 4, 60), rng.random(60) < 0.4, 1.5),
    detection("perfect", [0.1, 0.2, 0.3, 0.9, 1.0], [False, False, False, True, True], 0.5),
    detection("inverted", [0.9, 0.8, 0.1, 0.2], [False, False, True, True], 0.5),
]


def act(name, z):
    if name == "linear": return z
    if name == "relu": return np.maximum(z, 0)
    if name == "tanh": return np.tanh(z)
    if name == "sigmoid": return 1 / (1 + np.exp(-z))
    raise ValueError(name)


def elbo_case(loss, beta, samples=3, batch=5):
    arch = {"kind": "variational", "input_dim": 6, "latent_dim": 2,
            "encoder": [{"units": 5, "activation": "tanh"}],
            "decoder": [{"units": 5, "activation": "relu"}, {"units": 6, "activation": "sigmoid"}]}
    specs = [(6, 5, "tanh"), (5, 2, "linear"), (5, 2, "linear"), (2, 5, "relu"), (5, 6, "sigmoid")]
    layers = [{"weight": f32(rng.normal(0, 0.6, (o, i))).astype(np.float64),
               "bias": f32(rng.normal(0, 0.2, o)).astype(np.float64)} for i, o, _ in specs]
    x = f32(rng.uniform(0.05, 0.95, (batch, 6))).astype(np.float64)
    noise = [f32(rng.normal(0, 1, (batch, 2))).astype(np.float64) for _ in range(samples)]
    dense = lambda k, h: act(specs[k][2], h @ layers[k]["weight"].T + layers[k]["bias"])
    hidden = dense(0, x)
    mu, lv = dense(1, hidden), dense(2, hidden)
    recon = np.zeros(batch)
    for eps in noise:
        y = dense(4, dense(3, mu + np.exp(lv / 2) * eps))
        if loss == "mse":
            recon += np.mean((y - x) ** 2, axis=1)
        else:
            recon += -np.mean(x * np.maximum(np.log(y), -100) + (1 - x) * np.maximum(np.log(1 - y), -100), axis=1)
    kl = np.sum(-0.5 * (1 + lv - mu ** 2 - np.exp(lv)), axis=1)
    return {"architecture": arch, "layers": layers, "input": x, "noise": noise, "loss": loss, "beta": beta,
            "scores": recon / samples + beta * kl}


def hybrid_case(rows=40, new_rows=7):
    arch = {"kind": "autoencoder", "input_dim": 6,
            "encoder": [{"units": 5, "activation": "tanh"}, {"units": 3, "activation": "linear"}],
            "decoder": [{"units": 5, "activation": "relu"}, {"units": 6, "activation": "sigmoid"}]}
    specs = [(6, 5, "tanh"), (5, 3, "linear"), (3, 5, "relu"), (5, 6, "sigmoid")]
    layers = [{"weight": f32(rng.normal(0, 0.6, (o, i))).astype(np.float64),
               "bias": f32(rng.normal(0, 0.2, o)).astype(np.float64)} for i, o, _ in specs]
    calibration = f32(rng.uniform(0.2, 0.8, (rows, 6))).astype(np.float64)
    # New vectors: some like the calibration ones, some far outside them.
    new = f32(np.vstack([rng.uniform(0.2, 0.8, (new_rows - 3, 6)), rng.uniform(0, 1, (2, 6)), np.full((1, 6), 0.95)])).astype(np.float64)
    dense = lambda k, h: act(specs[k][2], h @ layers[k]["weight"].T + layers[k]["bias"])
    codes = lambda x: dense(1, dense(0, x))
    errors = lambda x: np.mean((dense(3, dense(2, codes(x))) - x) ** 2, axis=1)
    z = codes(calibration)
    mean = z.mean(axis=0)
    cov = np.cov(z, rowvar=False, ddof=1)
    cov += (1e-6 * np.trace(cov) / cov.shape[0] + 1e-12) * np.eye(cov.shape[0])
    distance = lambda x: np.array([d @ np.linalg.solve(cov, d) for d in codes(x) - mean])
    log_error, log_distance = np.log(errors(calibration) + 1e-12), np.log(distance(calibration) + 1e-12)
    scale = lambda v: (v.mean(), v.std(ddof=1))
    (me, se), (md, sd) = scale(log_error), scale(log_distance)
    score = lambda x: (np.log(errors(x) + 1e-12) - me) / se + (np.log(distance(x) + 1e-12) - md) / sd
    cal_scores = f32(score(calibration)).astype(np.float64)
    return {"architecture": arch, "layers": layers, "calibration": calibration, "new": new,
            "mean": mean, "log_error": {"mean": me, "deviation": se}, "log_distance": {"mean": md, "deviation": sd},
            "new_distances": distance(new), "calibration_scores": score(calibration), "new_scores": score(new),
            "quantiles": [float(np.quantile(cal_scores, q, method="linear")) for q in QUANTILES],
            "new_quantiles": [float(np.quantile(f32(score(new)).astype(np.float64), q, method="linear")) for q in QUANTILES]}


def tolist(o):
    if isinstance(o, np.ndarray): return o.tolist()
    if isinstance(o, dict): return {k: tolist(v) for k, v in o.items()}
    if isinstance(o, list): return [tolist(v) for v in o]
    if isinstance(o, np.floating): return float(o)
    return o


reference = {"format_version": FORMAT_VERSION, "quantiles": QUANTILES, "bins": BINS,
             "distributions": distributions, "detections": detections,
             "elbo": [elbo_case("mse", 0.001), elbo_case("bce", 0.5)], "hybrid": [hybrid_case(), hybrid_case(rows=5)]}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "anomaly_reference.json")
with open(path, "w") as f:
    json.dump(tolist(reference), f, indent=1)
print("wrote", path)
