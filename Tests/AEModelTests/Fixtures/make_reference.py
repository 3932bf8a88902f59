#!/usr/bin/env python3
"""Golden values for AEModel, computed independently in NumPy (float64).

Writes reference.json beside this script: two small models (an autoencoder touching every
activation, and a variational model with BCE + beta·KL), their forward outputs, losses, every
parameter gradient, and the parameters after three Adam and three AdamW steps.
Run: .venv/bin/python Tests/AEModelTests/Fixtures/make_reference.py
"""
import json
import math
import os

import numpy as np

FORMAT_VERSION = 1
rng = np.random.default_rng(20261125)
f32 = lambda a: np.asarray(a, dtype=np.float32).astype(np.float64)  # start from float32 values

erf = np.vectorize(math.erf)
SQRT1_2 = 1 / math.sqrt(2)


def act(name, z):
    if name == "linear": return z
    if name == "relu": return np.maximum(z, 0)
    if name == "leaky_relu": return np.where(z > 0, z, 0.01 * z)
    if name == "sigmoid": return 1 / (1 + np.exp(-z))
    if name == "tanh": return np.tanh(z)
    if name == "gelu": return z * (1 + erf(z * SQRT1_2)) / 2
    raise ValueError(name)


def act_grad(name, z, y):
    if name == "linear": return np.ones_like(z)
    if name == "relu": return (z > 0).astype(np.float64)
    if name == "leaky_relu": return np.where(z > 0, 1.0, 0.01)
    if name == "sigmoid": return y * (1 - y)
    if name == "tanh": return 1 - y * y
    if name == "gelu":
        return (1 + erf(z * SQRT1_2)) / 2 + z * np.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    raise ValueError(name)


def recon_loss(name, y, t):
    n = y.size
    if name == "mse":
        return np.mean((y - t) ** 2), 2 * (y - t) / n
    if name == "bce":
        value = -np.mean(t * np.maximum(np.log(y), -100) + (1 - t) * np.maximum(np.log(1 - y), -100))
        return value, ((1 - t) / (1 - y) - t / y) / n
    raise ValueError(name)


def layer_specs(arch):
    specs, width = [], arch["input_dim"]
    for layer in arch["encoder"]:
        specs.append((width, layer["units"], layer["activation"])); width = layer["units"]
    if arch["kind"] == "variational":
        specs += [(width, arch["latent_dim"], "linear")] * 2; width = arch["latent_dim"]
    for layer in arch["decoder"]:
        specs.append((width, layer["units"], layer["activation"])); width = layer["units"]
    return specs


def init_params(arch):
    return [{"weight": f32(rng.normal(0, 0.6, (o, i))), "bias": f32(rng.normal(0, 0.2, o))}
            for i, o, _ in layer_specs(arch)]


def loss_and_grads(arch, params, x, loss, beta, eps):
    """Forward and backward of the whole model; returns outputs, loss terms and gradients."""
    specs = layer_specs(arch)
    n_enc = len(arch["encoder"])
    variational = arch["kind"] == "variational"
    dense = lambda k, h: (h @ params[k]["weight"].T + params[k]["bias"])
    cache = {}

    def run(k, h):
        z = dense(k, h); y = act(specs[k][2], z); cache[k] = (h, z, y); return y

    h = x
    for k in range(n_enc): h = run(k, h)
    out = {}
    if variational:
        mu = run(n_enc, h); lv = run(n_enc + 1, h)
        out["latent"] = mu; out["log_variance"] = lv
        h = mu + np.exp(lv / 2) * eps
        first_dec = n_enc + 2
    else:
        out["latent"] = h
        first_dec = n_enc
    for k in range(first_dec, len(specs)): h = run(k, h)
    out["reconstruction"] = h
    rec, d = recon_loss(loss, h, x)
    kl = 0.0
    grads = [None] * len(specs)

    def back(k, d, need_input=True):
        h_in, z, y = cache[k]
        dz = d * act_grad(specs[k][2], z, y)
        grads[k] = {"weight": dz.T @ h_in, "bias": dz.sum(axis=0)}
        return dz @ params[k]["weight"]

    for k in reversed(range(first_dec, len(specs))): d = back(k, d)
    if variational:
        b = x.shape[0]
        kl = np.sum(-0.5 * (1 + lv - mu ** 2 - np.exp(lv))) / b
        d_mu = d + beta * mu / b
        d_lv = d * eps * np.exp(lv / 2) / 2 + beta * (np.exp(lv) - 1) / 2 / b
        d = back(n_enc, d_mu) + back(n_enc + 1, d_lv)
    for k in reversed(range(n_enc)): d = back(k, d)
    return out, rec, kl, rec + beta * kl, grads


def adam_steps(arch, params, x, loss, beta, eps, decoupled, lr=0.01, wd=0.05, steps=3):
    params = [{k: v.copy() for k, v in p.items()} for p in params]
    m = [{k: np.zeros_like(v) for k, v in p.items()} for p in params]
    v = [{k: np.zeros_like(val) for k, val in p.items()} for p in params]
    b1, b2, e = 0.9, 0.999, 1e-8
    losses = []
    for t in range(1, steps + 1):
        _, _, _, total, grads = loss_and_grads(arch, params, x, loss, beta, eps)
        losses.append(total)
        for p, g, mm, vv in zip(params, grads, m, v):
            for key in p:
                grad = g[key].copy()
                if decoupled: p[key] *= (1 - lr * wd)
                else: grad += wd * p[key]
                mm[key] = b1 * mm[key] + (1 - b1) * grad
                vv[key] = b2 * vv[key] + (1 - b2) * grad * grad
                p[key] -= lr * (mm[key] / (1 - b1 ** t)) / (np.sqrt(vv[key] / (1 - b2 ** t)) + e)
    return {"learning_rate": lr, "weight_decay": wd, "losses": losses, "layers_after": params}


def case(arch, loss, beta, batch=4):
    params = init_params(arch)
    x = f32(rng.uniform(0.05, 0.95, (batch, arch["input_dim"])))
    eps = f32(rng.normal(0, 1, (batch, arch["latent_dim"]))) if arch["kind"] == "variational" else None
    out, rec, kl, total, grads = loss_and_grads(arch, params, x, loss, beta, eps)
    result = {"architecture": arch, "loss": loss, "beta": beta, "layers": params, "input": x,
              "outputs": out, "reconstruction_loss": rec, "kl": kl, "total_loss": total,
              "gradients": grads,
              "adam": adam_steps(arch, params, x, loss, beta, eps, decoupled=False),
              "adamw": adam_steps(arch, params, x, loss, beta, eps, decoupled=True)}
    if eps is not None: result["noise"] = eps
    return result


def tolist(o):
    if isinstance(o, np.ndarray): return o.tolist()
    if isinstance(o, dict): return {k: tolist(v) for k, v in o.items()}
    if isinstance(o, list): return [tolist(v) for v in o]
    if isinstance(o, np.floating): return float(o)
    return o


autoencoder = {"kind": "autoencoder", "input_dim": 6,
               "encoder": [{"units": 5, "activation": "gelu"}, {"units": 4, "activation": "leaky_relu"},
                           {"units": 3, "activation": "linear"}],
               "decoder": [{"units": 4, "activation": "tanh"}, {"units": 5, "activation": "relu"},
                           {"units": 6, "activation": "sigmoid"}]}
variational = {"kind": "variational", "input_dim": 6, "latent_dim": 2,
               "encoder": [{"units": 5, "activation": "tanh"}],
               "decoder": [{"units": 5, "activation": "gelu"}, {"units": 6, "activation": "sigmoid"}]}

reference = {"format_version": FORMAT_VERSION,
             "autoencoder": case(autoencoder, "mse", 0.0),
             "variational": case(variational, "bce", 0.5)}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference.json")
with open(path, "w") as f:
    json.dump(tolist(reference), f, indent=1)
print("wrote", path)
