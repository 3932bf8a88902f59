#!/usr/bin/env python3
"""The NumPy reference for `aeserve bench`: the same work in NumPy float32, same JSON lines.

sgemm via `a @ b`; the fashion-mnist autoencoder's forward pass, and a training step with
manual backprop and Adam, written directly in NumPy. BLAS threads come from --threads through
OPENBLAS_NUM_THREADS, which must be set before NumPy loads OpenBLAS.

    .venv/bin/python scripts/bench_numpy.py --only encode --threads 2
"""
import argparse
import gzip
import json
import os
import resource
import sys
import time

ITEMS = ("sgemm", "train", "encode", "reconstruct")
# The fashion-mnist preset: (outputs, activation) per layer after the 784 inputs; the first
# three layers are the encoder. Mirrors Architecture.preset(named: "fashion-mnist").
INPUTS = 784
LAYERS = [(512, "relu"), (128, "relu"), (32, "linear"), (128, "relu"), (512, "relu"), (784, "sigmoid")]
ENCODER_LAYERS = 3
SGEMM_SIZE = 1024
INFERENCE_BATCHES = (1, 32, 1024)
TRAINING_BATCH = 256


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=ITEMS, help="measure only this item (default: all)")
    parser.add_argument("--threads", type=int, default=2, help="BLAS threads (OPENBLAS_NUM_THREADS)")
    parser.add_argument("--dataset", default="/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz",
                        help="gzip-compressed IDX images; inference uses its first rows")
    parser.add_argument("--train-samples", type=int, default=10240, help="samples to train on per epoch")
    parser.add_argument("--epochs", type=int, default=4,
                        help="training epochs; the best after the first is reported (as aeserve)")
    parser.add_argument("--seconds", type=float, default=1.0, help="seconds per sgemm and inference measurement")
    parser.add_argument("--blas-info", action="store_true", help="print which BLAS NumPy uses and exit")
    return parser.parse_args()


ARGS = parse_arguments()
os.environ["OPENBLAS_NUM_THREADS"] = str(ARGS.threads)
os.environ["OMP_NUM_THREADS"] = str(ARGS.threads)
import numpy as np  # noqa: E402  (after the thread count is in the environment)


def peak_rss_bytes():
    """Peak resident set size of this process (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def emit(item, value, unit, *, n=None, batch=None, flops_per_unit=None):
    line = {"runtime": "numpy", "item": item, "threads": ARGS.threads, "value": value, "unit": unit,
            "peak_rss_bytes": peak_rss_bytes()}
    if n is not None:
        line["n"] = n
    if batch is not None:
        line["batch"] = batch
    if flops_per_unit is not None:
        line["flops_per_unit"] = flops_per_unit
    print(json.dumps(line, sort_keys=True), flush=True)


def best_rate(seconds, work, rounds=5):
    """Best units/s of `work` over `rounds` rounds lasting `seconds` in all, after a warm-up
    call; as in aeserve, the best round because other processes only ever slow a round down."""
    work()
    best = 0.0
    for _ in range(rounds):
        units, start = 0.0, time.perf_counter()
        while True:
            units += work()
            elapsed = time.perf_counter() - start
            if elapsed >= seconds / rounds:
                break
        best = max(best, units / elapsed)
    return best


def load_images(path, limit):
    """The first `limit` images of a gzip IDX file as float32 [count, 784] in [0, 1]."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic, count, rows, columns = np.frombuffer(raw[:16], dtype=">u4")
    if magic != 2051:
        sys.exit(f"{path}: not an IDX image file (magic {magic})")
    count = min(int(count), limit)
    pixels = np.frombuffer(raw, dtype=np.uint8, count=count * rows * columns, offset=16)
    return pixels.reshape(count, rows * columns).astype(np.float32) / np.float32(255)


def make_model(seed=42):
    """Weights [outputs, inputs] (PyTorch order, as aeserve) and biases, He/Xavier-scaled."""
    rng = np.random.default_rng(seed)
    weights, biases, inputs = [], [], INPUTS
    for outputs, _ in LAYERS:
        scale = np.sqrt(2.0 / inputs)
        weights.append((rng.standard_normal((outputs, inputs)) * scale).astype(np.float32))
        biases.append(np.zeros(outputs, dtype=np.float32))
        inputs = outputs
    return weights, biases


def forward(weights, biases, x, layers):
    """Inference through `layers` (indices), keeping nothing."""
    h = x
    for i in layers:
        h = h @ weights[i].T
        h += biases[i]
        activate(h, LAYERS[i][1])
    return h


def activate(h, activation):
    if activation == "relu":
        np.maximum(h, 0, out=h)
    elif activation == "sigmoid":
        # 1 / (1 + exp(-h)) in place, float32 throughout.
        np.negative(h, out=h)
        np.exp(h, out=h)
        h += 1
        np.reciprocal(h, out=h)


def bench_sgemm(seconds):
    rng = np.random.default_rng(1)
    a = rng.random((SGEMM_SIZE, SGEMM_SIZE), dtype=np.float32)
    b = rng.random((SGEMM_SIZE, SGEMM_SIZE), dtype=np.float32)
    c = np.empty_like(a)
    flops = 2.0 * SGEMM_SIZE ** 3

    def work():
        np.matmul(a, b, out=c)
        return flops

    # Short rounds (a few calls each), as in aeserve: a round another process interrupts is dropped.
    emit("sgemm", best_rate(seconds, work, rounds=20) / 1e9, "GFLOP/s", n=SGEMM_SIZE)


def bench_inference(kind, seconds):
    weights, biases = make_model()
    data = load_images(ARGS.dataset, max(INFERENCE_BATCHES))
    layers = range(ENCODER_LAYERS) if kind == "encode" else range(len(LAYERS))
    flops = 2.0 * sum(weights[i].size for i in layers)
    for batch in INFERENCE_BATCHES:
        x = np.ascontiguousarray(data[:batch])
        if kind == "encode":
            def work():
                forward(weights, biases, x, layers)
                return x.shape[0]
        else:
            def work():
                y = forward(weights, biases, x, layers)
                # aeserve's reconstruct also returns each row's mean squared error.
                d = y - x
                np.einsum("ij,ij->i", d, d) / np.float32(x.shape[1])
                return x.shape[0]
        emit(kind, best_rate(seconds, work), "vectors/s", batch=x.shape[0], flops_per_unit=flops)


def bench_training(samples, epochs):
    """Adam (PyTorch's arrangement, lr 1e-3), MSE, batch 256: forward → zero → backward → step."""
    weights, biases = make_model()
    data = load_images(ARGS.dataset, samples)
    params = [p for pair in zip(weights, biases) for p in pair]
    grads = [np.zeros_like(p) for p in params]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    lr, beta1, beta2, eps = 1e-3, 0.9, 0.999, 1e-8
    rng = np.random.default_rng(42)
    step = 0
    rates = []
    for _ in range(epochs):
        order = rng.permutation(len(data))
        start = time.perf_counter()
        for b in range(0, len(order), TRAINING_BATCH):
            x = data[order[b:b + TRAINING_BATCH]]
            # Forward, keeping each layer's input and output for backward.
            inputs, outputs, h = [], [], x
            for i, (_, activation) in enumerate(LAYERS):
                inputs.append(h)
                h = h @ weights[i].T
                h += biases[i]
                activate(h, activation)
                outputs.append(h)
            # MSE over all elements: dL/dy = 2(y − x)/(batch·784).
            d = h - x
            d *= np.float32(2.0 / d.size)
            for i in reversed(range(len(LAYERS))):
                y = outputs[i]
                activation = LAYERS[i][1]
                if activation == "relu":
                    d *= y > 0
                elif activation == "sigmoid":
                    d *= y * (1 - y)
                np.matmul(d.T, inputs[i], out=grads[2 * i])
                np.sum(d, axis=0, out=grads[2 * i + 1])
                if i > 0:
                    d = d @ weights[i]
            # Adam: p -= (lr / c1) · m / (√v / √c2 + ε), c = 1 − βᵗ.
            step += 1
            step_size = np.float32(lr / (1 - beta1 ** step))
            root_c2 = np.float32(np.sqrt(1 - beta2 ** step))
            for p, g, mk, vk in zip(params, grads, m, v):
                mk *= np.float32(beta1)
                mk += np.float32(1 - beta1) * g
                vk *= np.float32(beta2)
                vk += np.float32(1 - beta2) * g * g
                denominator = np.sqrt(vk) / root_c2
                denominator += np.float32(eps)
                p -= step_size * mk / denominator
        rates.append(len(order) / (time.perf_counter() - start))
    # As aeserve: the best epoch after the first (which pays for warm-up), or the only one.
    rate = max(rates[1:] or rates)
    parameters = sum(p.size for p in params)
    emit("train", rate, "samples/s", batch=TRAINING_BATCH, flops_per_unit=6.0 * parameters)


def blas_info():
    """One line naming the BLAS NumPy was built against, from its build configuration."""
    config = np.show_config(mode="dicts")
    blas = config.get("Build Dependencies", {}).get("blas", {})
    return f"numpy {np.__version__}: {blas.get('name', '?')} {blas.get('version', '?')}"


def main():
    if ARGS.blas_info:
        print(blas_info())
        return
    items = [ARGS.only] if ARGS.only else ITEMS
    for item in items:
        if item == "sgemm":
            bench_sgemm(ARGS.seconds)
        elif item == "train":
            bench_training(ARGS.train_samples, ARGS.epochs)
        else:
            bench_inference(item, ARGS.seconds)


if __name__ == "__main__":
    main()
