#!/usr/bin/env python3
"""Checks the live server against its OpenAPI document.

Starts `aeserve serve` on a free loopback port with copies of the bundled models and a temporary
state folder, then:

1. trains `fuzz-vae`, a tiny variational model with input_dim 1 and latent_dim 1, and makes it
   the default model, so that the one-value vectors a fuzzer generates reach the model math;
2. sends hand-made requests to POST /train-job and the other job endpoints (202, replay, 400,
   403, 409, 415, 422, 429, 404, DELETE, events) and checks each answer's status and that it fits
   the document;
3. runs schemathesis on every operation except POST /train-job, with all its checks but
   positive_data_acceptance (a schema-valid vector of the wrong length is rightly a 422: the
   length depends on the model), a fixed seed and a bounded number of examples.

4. starts a second server with an API key and training disabled, and checks 401, 403, the key
   accepted and 503 training_disabled (a serving replica).

POST /train-job is left out of the fuzzing because a generated job can be arbitrarily expensive
(a million epochs, or layers of a million units): step 2 tests it instead. The server must still
stop cleanly on SIGTERM afterwards.

Usage: check-openapi-live.py --aeserve .build/debug/aeserve [--max-examples 25] [--seed N]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import requests
import schemathesis

sys.dont_write_bytecode = True  # no __pycache__ in scripts/
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from live_server import ROOT, LiveServer  # noqa: E402

TINY_VAE = {
    "model": "fuzz-vae",
    "architecture": {"kind": "variational", "input_dim": 1, "latent_dim": 1,
                     "encoder": [{"units": 4, "activation": "relu"}],
                     "decoder": [{"units": 1, "activation": "sigmoid"}]},
    "dataset": {"vectors": [[i / 15] for i in range(16)]},
    "training": {"epochs": 2, "batch_size": 4, "seed": 3},
}
TINY_AE = {
    "model": "fuzz-ae",
    "architecture": {"kind": "autoencoder", "input_dim": 784,
                     "encoder": [{"units": 8, "activation": "relu"}],
                     "decoder": [{"units": 784, "activation": "sigmoid"}]},
    "dataset": {"path": "fashion-mnist/t10k-images-idx3-ubyte.gz", "limit": 256},
    "training": {"epochs": 2, "batch_size": 64, "seed": 1},
}
# Long enough to still be running while the queue fills; it is cancelled at once.
LONG_JOB = {**TINY_VAE, "model": "fuzz-long", "training": {"epochs": 10000, "batch_size": 1}}


class Checker:
    def __init__(self, server, document):
        self.server = server
        self.schema = schemathesis.openapi.from_dict(document)
        self.problems = []
        self.count = 0

    def call(self, method, path, template, expect, body=None, headers=None, raw=None):
        """Sends a request, checks its status is `expect` and that the answer fits the document."""
        headers = dict(headers or {})
        if raw is None and body is not None:
            raw = json.dumps(body)
            headers.setdefault("Content-Type", "application/json")
        response = requests.request(method, self.server.url + path, data=raw, headers=headers, timeout=60)
        self.count += 1
        where = f"{method} {path}"
        if response.status_code != expect:
            self.problems.append(f"{where}: expected {expect}, got {response.status_code}: {response.text[:300]}")
        try:
            self.schema[template][method].validate_response(response)
        except Exception as error:  # schemathesis raises a FailureGroup naming each problem
            self.problems.append(f"{where}: the answer does not fit openapi.json: {error}")
        return response


def hand_made_checks(checker, server):
    c = checker
    # A new model; the tiny VAE becomes the fuzzing's default model.
    vae = c.call("POST", "/train-job", "/train-job", 202, TINY_VAE).json()
    ae = c.call("POST", "/train-job", "/train-job", 202, TINY_AE, headers={"Idempotency-Key": "ae-1"})
    if ae.headers.get("Location") != f"/train-job/{ae.json().get('id')}":
        c.problems.append(f"POST /train-job: Location is {ae.headers.get('Location')!r}")
    replay = c.call("POST", "/train-job", "/train-job", 202, TINY_AE, headers={"Idempotency-Key": "ae-1"})
    if replay.json().get("id") != ae.json().get("id") or replay.headers.get("Idempotent-Replayed") != "true":
        c.problems.append("POST /train-job: a replayed Idempotency-Key did not return the first job")
    c.call("POST", "/train-job", "/train-job", 409, {**TINY_AE, "activate": False}, headers={"Idempotency-Key": "ae-1"})
    for job in (vae, ae.json()):
        ended = server.wait_for_job(job["id"])
        if ended["state"] != "succeeded":
            c.problems.append(f"job {job['id']} ended {ended['state']}: {ended.get('error')}")
    c.call("GET", f"/train-job/{vae['id']}", "/train-job/{id}", 200)
    c.call("GET", f"/train-job/{vae['id']}/events", "/train-job/{id}/events", 200)
    c.call("GET", "/train-job?status=succeeded", "/train-job", 200)
    c.call("GET", "/train-job?status=done", "/train-job", 422)
    c.call("DELETE", f"/train-job/{vae['id']}", "/train-job/{id}", 409)
    c.call("DELETE", "/train-job/job-none", "/train-job/{id}", 404)
    c.call("GET", "/train-job/job-none/events", "/train-job/{id}/events", 404)

    # Refusals before queueing.
    c.call("POST", "/train-job", "/train-job", 400, raw="{not json", headers={"Content-Type": "application/json"})
    c.call("POST", "/train-job", "/train-job", 415, raw=json.dumps(TINY_VAE), headers={"Content-Type": "text/plain"})
    c.call("POST", "/train-job", "/train-job", 422, {**TINY_VAE, "epochs": 3})
    c.call("POST", "/train-job", "/train-job", 422, {**TINY_VAE, "training": {"epochs": 0}})
    c.call("POST", "/train-job", "/train-job", 422, {**TINY_VAE, "base_version": 1})
    c.call("POST", "/train-job", "/train-job", 422, {**TINY_AE, "dataset": {"path": "fashion-mnist/missing.gz"}})
    c.call("POST", "/train-job", "/train-job", 403, {**TINY_AE, "dataset": {"path": "../etc/passwd"}})
    c.call("POST", "/train-job", "/train-job", 403, {**TINY_AE, "dataset": {"path": "/etc/passwd"}})

    # Fine-tuning, and the queue bound (training.max_queued is 2 here): one running, two queued,
    # the fourth refused with 429; then every one cancelled.
    long_jobs = [c.call("POST", "/train-job", "/train-job", 202, LONG_JOB).json()]
    deadline = time.monotonic() + 30
    while server.request("GET", f"/train-job/{long_jobs[0]['id']}")[2].find(b'"state":"running"') < 0:
        if time.monotonic() > deadline:
            c.problems.append("the long job did not start within 30 s")
            break
        time.sleep(0.05)
    long_jobs.append(c.call("POST", "/train-job", "/train-job", 202, {**LONG_JOB, "training": {"epochs": 5}}).json())
    long_jobs.append(c.call("POST", "/train-job", "/train-job", 202,
                            {"model": "fuzz-vae", "base_version": 1, "dataset": TINY_VAE["dataset"],
                             "training": {"epochs": 1}, "activate": False}).json())
    c.call("POST", "/train-job", "/train-job", 429, {**LONG_JOB, "training": {"epochs": 6}})
    c.call("GET", "/train-job?status=queued", "/train-job", 200)
    for job in reversed(long_jobs):
        c.call("DELETE", f"/train-job/{job['id']}", "/train-job/{id}", 200)
    for job in long_jobs:
        ended = server.wait_for_job(job["id"])
        if ended["state"] != "cancelled":
            c.problems.append(f"job {job['id']} ended {ended['state']} after DELETE, not cancelled")

    # Models and inference on the tiny models.
    c.call("GET", "/models/fuzz-vae", "/models/{name}", 200)
    c.call("POST", "/models/fuzz-vae/activate", "/models/{name}/activate", 200, {"version": 1})
    c.call("POST", "/models/fuzz-vae/activate", "/models/{name}/activate", 404, {"version": 9})
    c.call("POST", "/encode", "/encode", 200, {"vectors": [[0.5], [1.0]]})
    c.call("POST", "/encode", "/encode", 200, {"vector": [0.5]})
    c.call("POST", "/decode", "/decode", 200, {"latents": [[0.1]]})
    c.call("POST", "/reconstruct", "/reconstruct", 200, {"vector": [0.25]})
    c.call("POST", "/reconstruct", "/reconstruct", 422, {"vector": [3e38]})
    c.call("POST", "/sample", "/sample", 200, {"count": 3, "seed": 1})
    c.call("POST", "/sample", "/sample", 422, {"count": 3, "model": "fuzz-ae"})
    c.call("POST", "/encode", "/encode", 200, {"vector": [0.5] * 784, "model": "fuzz-ae"})
    return [vae["id"], ae.json()["id"]] + [job["id"] for job in long_jobs]


def auth_checks(checker):
    """On a server with an API key and training disabled: 401, 403, the key accepted, 503 training_disabled."""
    c, key = checker, {"Authorization": "Bearer sesame"}
    unauthorized = c.call("POST", "/models/fashion-mnist/activate", "/models/{name}/activate", 401, {"version": 1})
    if unauthorized.headers.get("WWW-Authenticate") != "Bearer":
        c.problems.append("a 401 has no 'WWW-Authenticate: Bearer'")
    c.call("POST", "/models/fashion-mnist/activate", "/models/{name}/activate", 403, {"version": 1},
           headers={"Authorization": "Bearer wrong"})
    c.call("POST", "/models/fashion-mnist/activate", "/models/{name}/activate", 200, {"version": 1}, headers=key)
    c.call("DELETE", "/train-job/job-none", "/train-job/{id}", 401)
    c.call("POST", "/train-job", "/train-job", 401, TINY_VAE)
    c.call("POST", "/train-job", "/train-job", 503, TINY_VAE, headers=key)
    c.call("GET", "/train-job", "/train-job", 503)
    c.call("GET", "/train-job/job-none", "/train-job/{id}", 503)


def run_schemathesis(server, job_ids, args, folder):
    config = os.path.join(folder, "schemathesis.toml")
    with open(config, "w") as f:
        models = json.dumps(["fuzz-vae", "fuzz-ae", "fashion-mnist", "fashion-mnist-vae"])
        f.write(f"""
[dictionaries.models]
values = {models}

[dictionaries.jobs]
values = {json.dumps(job_ids)}

# Values at the edges of Float32: finite inputs that overflow inside a model.
[dictionaries.floats]
values = [0.5, -1.0, 1e19, -1e19, 3e38, -3e38, 1e-45]

[parameters]
"path.name" = {{ dictionary = "models", probability = 0.5 }}
"path.id" = {{ dictionary = "jobs", probability = 0.5 }}
"body.model" = {{ dictionary = "models", probability = 0.5 }}
"body.vector[*]" = {{ dictionary = "floats", probability = 0.3 }}
"body.vectors[*].[*]" = {{ dictionary = "floats", probability = 0.3 }}
"body.latent[*]" = {{ dictionary = "floats", probability = 0.3 }}
"body.latents[*].[*]" = {{ dictionary = "floats", probability = 0.3 }}

# Calibrating scores a whole dataset: slow by design, not a request to hold to 10 s.
[[operations]]
include-operation-id = "calibrateModelVersion"
checks.max_response_time = 60.0
""")
    command = [os.path.join(os.path.dirname(sys.executable), "schemathesis"), "--config-file", config, "run",
               server.url + "/openapi.json",
               "--checks", "all", "--exclude-checks", "positive_data_acceptance",
               "--exclude-operation-id", "submitTrainingJob",
               "--max-examples", str(args.max_examples), "--seed", str(args.seed),
               "--workers", "1", "--request-timeout", "30", "--max-failures", "25",
               "--generation-database", "none", "--no-color"]
    print("$", " ".join(command), flush=True)
    started = time.monotonic()
    try:
        result = subprocess.run(command, cwd=folder, timeout=args.timeout, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
    except subprocess.TimeoutExpired as error:
        print(error.stdout or "")
        print(f"schemathesis did not finish within {args.timeout} s")
        return False
    print(result.stdout)
    print(f"schemathesis: exit status {result.returncode} after {time.monotonic() - started:.1f} s")
    return result.returncode == 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--aeserve", default=os.path.join(ROOT, ".build", "debug", "aeserve"))
    parser.add_argument("--max-examples", type=int, default=int(os.environ.get("AESERVE_FUZZ_EXAMPLES", "25")))
    parser.add_argument("--seed", type=int, default=int(os.environ.get("AESERVE_FUZZ_SEED", "20251125")))
    parser.add_argument("--timeout", type=int, default=600, help="seconds schemathesis may take")
    args = parser.parse_args()

    with open(os.path.join(ROOT, "openapi.json")) as f:
        document = json.load(f)
    environment = {"AESERVE_TRAINING_MAX_QUEUED": "2", "AESERVE_MODELS_DEFAULT": "fuzz-vae",
                   "AESERVE_LOG_LEVEL": "warning"}
    with tempfile.TemporaryDirectory(prefix="aeserve-schemathesis-") as folder, \
            LiveServer(args.aeserve, env=environment) as server:
        served = requests.get(server.url + "/openapi.json", timeout=10).json()
        if served != document:
            print("GET /openapi.json differs from openapi.json: re-run scripts/embed-openapi.sh")
            return 1
        checker = Checker(server, document)
        job_ids = hand_made_checks(checker, server)
        print(f"hand-made requests: {checker.count}, problems: {len(checker.problems)}")
        for problem in checker.problems:
            print("  -", problem)
        fuzz_ok = run_schemathesis(server, job_ids, args, folder)
        with open(os.path.join(folder, "keys"), "w") as f:
            f.write("# the key of the auth checks\nsesame\n")
        with LiveServer(args.aeserve, args=["--api-keys-file", os.path.join(folder, "keys")],
                        env={"AESERVE_TRAINING_ENABLED": "false", "AESERVE_LOG_LEVEL": "warning"}) as keyed:
            before = len(checker.problems)
            checker.server = keyed
            auth_checks(checker)
            for problem in checker.problems[before:]:
                print("  -", problem)
        print(f"hand-made requests in all: {checker.count}, problems: {len(checker.problems)}")
    # Leaving the `with` stopped the server by PID and checked that it drained and exited 0.
    return 0 if fuzz_ok and not checker.problems else 1


if __name__ == "__main__":
    sys.exit(main())
