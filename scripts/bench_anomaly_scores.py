#!/usr/bin/env python3
"""Which per-vector score separates the classes best, from the same models (BENCHMARKS.md, issue 13.6).

For each class c: train aeserve on class c as scripts/bench_anomaly.py does (preset fashion-mnist,
20 epochs, seed 42, 10 % held out), reconstruct the whole test set with `aeserve reconstruct`,
then compute in NumPy the AUROC (class c normal) of scores that could replace the mean squared
error: the error over the pixels lit (> 0.1) in the image or its reconstruction, the error
relative to the image's energy, the mean absolute error and the binary cross-entropy. Not part of
`make bench`: it answers one question, whether a per-pixel reweighting of the error wins.

  bench_anomaly_scores.py [--aeserve BIN] [--classes 0,1,…] [--work DIR]
"""
import argparse
import gzip
import os
import subprocess
import tempfile

import numpy as np
from sklearn.metrics import roc_auc_score

DATA = "/usr/share/datasets/fashion-mnist"


def idx(name, header):
    return np.frombuffer(gzip.open(os.path.join(DATA, name)).read()[header:], dtype=np.uint8)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--aeserve", default=os.environ.get("AESERVE_BIN", ".build/release/aeserve"))
    parser.add_argument("--classes", default="0,1,2,3,4,5,6,7,8,9")
    parser.add_argument("--work", help="keep the models and reconstructions here (default: a temporary folder)")
    args = parser.parse_args()
    test_x = idx("t10k-images-idx3-ubyte.gz", 16).reshape(-1, 784).astype(np.float32) / 255
    test_y = idx("t10k-labels-idx1-ubyte.gz", 8)
    with tempfile.TemporaryDirectory() as scratch:
        work = args.work or scratch
        results = []
        for c in [int(c) for c in args.classes.split(",")]:
            model, recon = os.path.join(work, f"class-{c}"), os.path.join(work, f"reconstructions-{c}.npy")
            if not os.path.exists(model):
                subprocess.run([args.aeserve, "train", "--preset", "fashion-mnist",
                                "--dataset", os.path.join(DATA, "train-images-idx3-ubyte.gz"),
                                "--labels", os.path.join(DATA, "train-labels-idx1-ubyte.gz"), "--classes", str(c),
                                "--epochs", "20", "--seed", "42", "--validation-split", "0.1", "--out", model],
                               check=True, capture_output=True)
            if not os.path.exists(recon):
                subprocess.run([args.aeserve, "reconstruct", "--model", model,
                                "--input", os.path.join(DATA, "t10k-images-idx3-ubyte.gz"), "--output", recon],
                               check=True, capture_output=True)
            x = np.load(recon).astype(np.float64)
            squared = (test_x - x) ** 2
            lit = (test_x > 0.1) | (x > 0.1)
            clipped = np.clip(x, 1e-6, 1 - 1e-6)
            scores = {
                "mse": squared.mean(axis=1),
                "lit": (squared * lit).sum(axis=1) / np.maximum(lit.sum(axis=1), 1),
                "relative": squared.sum(axis=1) / ((test_x.astype(np.float64) ** 2).sum(axis=1) + 1e-3),
                "mae": np.abs(test_x - x).mean(axis=1),
                "bce": -(test_x * np.log(clipped) + (1 - test_x) * np.log(1 - clipped)).mean(axis=1),
            }
            results.append({k: roc_auc_score(test_y != c, v) for k, v in scores.items()})
            print(f"class {c}: " + "  ".join(f"{k} {v:.4f}" for k, v in results[-1].items()), flush=True)
        print("mean:    " + "  ".join(f"{k} {np.mean([r[k] for r in results]):.4f}" for k in results[0]))


if __name__ == "__main__":
    main()
