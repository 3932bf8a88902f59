#!/usr/bin/env python3
"""The one-class anomaly-detection benchmark on Fashion-MNIST (issue 13.6), in one run.

For each class c: train aeserve on the training images of class c only (`aeserve train
--labels … --classes c`, calibrated on its own validation split), score the whole test set
(`aeserve score --normal-classes c`) and compute the AUROC with c as the normal class. Beside it,
on the same training images and the same test set, two classical baselines computed here with
NumPy and scikit-learn: PCA reconstruction error with the same latent size, and an isolation
forest. Also the share of class c's test images the calibrated 0.99 threshold flags (target
0.5-2 %, as the calibration says 1 %).

  bench_anomaly.py [--aeserve BIN] [--preset NAME | --architecture FILE] [--epochs N]
                   [--per-class N] [--classes 0,1,…] [--scores mse,hybrid,elbo] [--seed N]
                   [--baseline-seed N] [--json FILE]

Each trained model is scored once per kind in --scores (default mse and hybrid: the
reconstruction error, and that error with the code's distance to the calibration codes).
"""
import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.metrics import average_precision_score, roc_auc_score

DATA = "/usr/share/datasets/fashion-mnist"
NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def idx(name, header):
    return np.frombuffer(gzip.open(os.path.join(DATA, name)).read()[header:], dtype=np.uint8)


def run(command):
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{result.stderr}")
    return result.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--aeserve", default=os.environ.get("AESERVE_BIN", ".build/release/aeserve"))
    parser.add_argument("--preset", default="fashion-mnist")
    parser.add_argument("--architecture")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--per-class", type=int, default=6000, help="training images per class (all 6000 by default)")
    parser.add_argument("--classes", default="0,1,2,3,4,5,6,7,8,9")
    parser.add_argument("--scores", default="mse,hybrid", help="score kinds, comma-separated: mse, hybrid, elbo (variational)")
    parser.add_argument("--seed", type=int, default=42, help="aeserve's training seed (weights, split, shuffles)")
    parser.add_argument("--baseline-seed", type=int, default=0, help="random_state of PCA and the isolation forest")
    parser.add_argument("--extra", default="", help="more aeserve train options, e.g. '--noise 0.1 --beta 0.001'")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    classes = [int(c) for c in args.classes.split(",")]
    kinds = args.scores.split(",")
    if not kinds or any(k not in ("mse", "hybrid", "elbo") for k in kinds):
        parser.error(f"--scores takes mse, hybrid and elbo, got {args.scores}")

    train_x = idx("train-images-idx3-ubyte.gz", 16).reshape(-1, 784).astype(np.float32) / 255
    train_y = idx("train-labels-idx1-ubyte.gz", 8)
    test_x = idx("t10k-images-idx3-ubyte.gz", 16).reshape(-1, 784).astype(np.float32) / 255
    test_y = idx("t10k-labels-idx1-ubyte.gz", 8)
    model_arg = ["--architecture", args.architecture] if args.architecture else ["--preset", args.preset]
    rows = []
    with tempfile.TemporaryDirectory() as work:
        # The latent size, from the architecture itself.
        if args.architecture:
            arch = json.load(open(args.architecture))
        else:
            probe = os.path.join(work, "probe")
            run([args.aeserve, "train", "--preset", args.preset, "--dataset", os.path.join(DATA, "t10k-images-idx3-ubyte.gz"),
                 "--limit", "8", "--epochs", "1", "--out", probe])
            arch = json.loads(run([args.aeserve, "inspect", probe, "--json"]))["architecture"]
        latent = arch.get("latent_dim") or arch["encoder"][-1]["units"]
        for c in classes:
            out = os.path.join(work, f"class-{c}")
            start = time.perf_counter()
            run([args.aeserve, "train", *model_arg, "--dataset", os.path.join(DATA, "train-images-idx3-ubyte.gz"),
                 "--labels", os.path.join(DATA, "train-labels-idx1-ubyte.gz"), "--classes", str(c),
                 "--limit", str(args.per_class), "--epochs", str(args.epochs), "--seed", str(args.seed),
                 "--validation-split", "0.1", *args.extra.split(), "--out", out])
            train_seconds = time.perf_counter() - start
            ours = {}
            for kind in kinds:
                scored = json.loads(run([args.aeserve, "score", "--model", out, "--dataset", os.path.join(DATA, "t10k-images-idx3-ubyte.gz"),
                                         "--labels", os.path.join(DATA, "t10k-labels-idx1-ubyte.gz"), "--normal-classes", str(c),
                                         "--score", kind, "--json"]))
                ours[kind] = scored["evaluation"]

            # The same training images aeserve read: class c, the first per_class of them.
            normal = train_x[train_y == c][:args.per_class]
            anomalous = test_y != c
            start = time.perf_counter()
            pca = PCA(n_components=latent, random_state=args.baseline_seed).fit(normal)
            pca_scores = np.mean((pca.inverse_transform(pca.transform(test_x)) - test_x) ** 2, axis=1)
            forest = IsolationForest(n_estimators=100, random_state=args.baseline_seed, n_jobs=2).fit(normal)
            forest_scores = -forest.score_samples(test_x)
            baseline_seconds = time.perf_counter() - start
            row = {"class": c, "name": NAMES[c],
                   "pca_auroc": roc_auc_score(anomalous, pca_scores), "pca_auprc": average_precision_score(anomalous, pca_scores),
                   "forest_auroc": roc_auc_score(anomalous, forest_scores),
                   "train_seconds": train_seconds, "baseline_seconds": baseline_seconds}
            for kind in kinds:
                row[f"{kind}_auroc"], row[f"{kind}_auprc"] = ours[kind]["auroc"], ours[kind]["auprc"]
                row[f"{kind}_normal_flagged"] = ours[kind]["false_positive_rate"]
                row[f"{kind}_anomalies_flagged"] = ours[kind]["true_positive_rate"]
            rows.append(row)
            print(f"class {c} done: " + ", ".join(f"aeserve {k} {row[k + '_auroc']:.4f}" for k in kinds)
                  + f", PCA {row['pca_auroc']:.4f}, isolation forest {row['forest_auroc']:.4f} ({train_seconds:.0f} s training)",
                  file=sys.stderr)

    what = args.architecture or f"preset {args.preset}"
    print(f"One-class Fashion-MNIST: aeserve ({what}, {args.epochs} epochs, seed {args.seed}{', ' + args.extra if args.extra else ''}; "
          f"{args.per_class} training images per class, 10 % held out for calibration; scores {', '.join(kinds)}) against PCA "
          f"({latent} components) and an isolation forest (100 trees), random_state {args.baseline_seed}, on the same images; "
          f"AUROC over the 10000 test images")
    print()
    header = ([f"aeserve {k} AUROC" for k in kinds] + ["PCA AUROC", "isolation forest AUROC"]
              + [f"{k} {measure}" for k in kinds for measure in ("AUPRC", "normal flagged at q0.99", "anomalies flagged")])
    print("| normal class | " + " | ".join(header) + " |")
    print("|---" * (len(header) + 1) + "|")
    def cells(r, digits):
        percent = lambda v: f"{100 * v:.{digits}f} %"
        return ([f"{r[k + '_auroc']:.4f}" for k in kinds] + [f"{r['pca_auroc']:.4f}", f"{r['forest_auroc']:.4f}"]
                + [v for k in kinds for v in (f"{r[k + '_auprc']:.4f}", percent(r[k + "_normal_flagged"]),
                                               percent(r[k + "_anomalies_flagged"]))])
    for r in rows:
        print(f"| {r['class']} {r['name']} | " + " | ".join(cells(r, 1)) + " |")
    mean = lambda key: sum(r[key] for r in rows) / len(rows)
    means = {key: mean(key) for key in rows[0] if key not in ("class", "name")}
    print("| **mean** | " + " | ".join(cells(means, 2)) + " |")
    best = max(mean("pca_auroc"), mean("forest_auroc"))
    print()
    for k in kinds:
        auroc, flagged = mean(f"{k}_auroc"), 100 * mean(f"{k}_normal_flagged")
        print(f"aeserve {k}: mean AUROC {auroc:.4f} vs best baseline {best:.4f}: "
              f"{'at least as good' if auroc >= best else 'BELOW the best baseline'}; "
              f"normal images flagged at the calibrated 0.99 threshold: {flagged:.2f} % "
              f"({'within' if 0.5 <= flagged <= 2 else 'OUTSIDE'} the 0.5-2 % target)")
    print(f"training {sum(r['train_seconds'] for r in rows):.0f} s, baselines {sum(r['baseline_seconds'] for r in rows):.0f} s")
    if args.json:
        json.dump({"arguments": vars(args), "rows": rows}, open(args.json, "w"), indent=1)


if __name__ == "__main__":
    main()
