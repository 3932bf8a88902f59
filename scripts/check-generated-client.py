#!/usr/bin/env python3
"""Generates a Python client from openapi.json with openapi-python-client (pinned in
requirements-dev.txt), as another service would, and drives it against a live server:

1. the generator prints no warning (every schema and route becomes typed code);
2. every generated module imports;
3. encode (a batch and one row), reconstruct, the model list, a training job (submit, get,
   list) and an Open Inference Protocol infer answer through it with typed models.

Usage: check-generated-client.py --aeserve .build/debug/aeserve
"""
import argparse
import importlib
import os
import pkgutil
import shutil
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in scripts/ or the generated client
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from live_server import ROOT, LiveServer  # noqa: E402

PACKAGE = "aeserve_client"


def generate(folder):
    """Runs the generator into `folder`/aeserve_client; fails on any output beyond its banner."""
    generator = os.path.join(os.path.dirname(sys.executable), "openapi-python-client")
    config = os.path.join(folder, "config.yaml")
    with open(config, "w") as f:
        f.write("post_hooks: []\n")  # no formatter run: ruff is not a dependency of the check
    result = subprocess.run([generator, "generate", "--path", os.path.join(ROOT, "openapi.json"),
                             "--output-path", os.path.join(folder, PACKAGE), "--meta", "none", "--config", config],
                            capture_output=True, text=True, timeout=300)
    output = (result.stdout + result.stderr).strip()
    noise = [line for line in output.splitlines() if line.strip() and not line.startswith("Generating ")]
    if result.returncode != 0 or noise:
        sys.exit(f"openapi-python-client did not generate a clean client from openapi.json "
                 f"(status {result.returncode}); give every array `items`, every schema a unique name, "
                 f"and one-of bodies whole object branches:\n{output}")


def import_everything():
    package = importlib.import_module(PACKAGE)
    count = 0
    for module in pkgutil.walk_packages(package.__path__, PACKAGE + "."):
        importlib.import_module(module.name)
        count += 1
    print(f"check-generated-client: {count} generated modules import")


def close(a, b):
    """Same length and equal within float32 rounding (a one-row pass and a batch may differ in the last bits)."""
    return len(a) == len(b) and all(abs(x - y) <= 1e-4 * max(1, abs(y)) for x, y in zip(a, b))


def expect(condition, message):
    if not condition:
        sys.exit(f"check-generated-client: {message}")


def drive(url):
    from aeserve_client import Client
    from aeserve_client.api.inference import encode, reconstruct
    from aeserve_client.api.models import list_models
    from aeserve_client.api.open_inference import post_v2_models_model_infer
    from aeserve_client.api.training import get_training_job, list_training_jobs, submit_training_job
    from aeserve_client import models as m

    client = Client(base_url=url, raise_on_unexpected_status=True, timeout=60)

    listed = list_models.sync(client=client)
    expect(isinstance(listed, m.ModelList), f"/models gave {type(listed).__name__}, not ModelList")
    by_name = {summary.name: summary for summary in listed.models}
    expect("fashion-mnist" in by_name, f"/models lists {sorted(by_name)}, not fashion-mnist")
    model = by_name["fashion-mnist"]
    expect(isinstance(model, m.ModelSummary) and model.input_dim == 784, f"fashion-mnist summary: {model}")

    row = [((i * 37) % 255) / 255 for i in range(model.input_dim)]
    batch = encode.sync(client=client, body=m.EncodeBatchRequest(vectors=[row, row], model="fashion-mnist"))
    expect(isinstance(batch, m.EncodeResponseType0) and len(batch.latents) == 2
           and len(batch.latents[0]) == model.latent_dim, f"encode of a batch gave {batch!r}")
    one = encode.sync(client=client, body=m.EncodeOneRequest(vector=row, model="fashion-mnist"))
    expect(isinstance(one, m.EncodeResponseType1) and close(one.latent, batch.latents[0]),
           f"encode of one row gave {one!r}, not the batch's first latent")
    expect(isinstance(one.model, m.ModelReference) and one.model.name == "fashion-mnist", f"model reference {one.model!r}")

    rebuilt = reconstruct.sync(client=client, body=m.ReconstructBatchRequest(vectors=[row], model="fashion-mnist"))
    expect(isinstance(rebuilt, m.ReconstructResponseType0) and len(rebuilt.reconstructions[0]) == 784
           and len(rebuilt.errors) == 1 and rebuilt.errors[0] >= 0, f"reconstruct gave {rebuilt!r}")

    vectors = [[(i + j) % 8 / 8 for j in range(8)] for i in range(16)]
    request = m.TrainingJobRequest(
        model="generated-client",
        architecture=m.Architecture.from_dict({
            "kind": "autoencoder", "input_dim": 8,
            "encoder": [{"units": 3, "activation": "relu"}], "decoder": [{"units": 8, "activation": "sigmoid"}]}),
        dataset=m.DatasetSpec(vectors=vectors),
        training=m.TrainingOptions(epochs=2, batch_size=8, seed=7))
    submitted = submit_training_job.sync(client=client, body=request)
    expect(isinstance(submitted, m.TrainingJob) and submitted.request.model == "generated-client",
           f"POST /train-job gave {submitted!r}")
    deadline = time.monotonic() + 120
    job = submitted
    while job.state.value not in ("succeeded", "failed", "cancelled"):
        expect(time.monotonic() < deadline, f"job {job.id} did not end within 120 s: {job.state.value}")
        time.sleep(0.1)
        job = get_training_job.sync(client=client, id=submitted.id)
        expect(isinstance(job, m.TrainingJob), f"GET /train-job/{submitted.id} gave {job!r}")
    expect(job.state.value == "succeeded" and len(job.history) == 2, f"job ended {job.state.value}: {job.error}")
    jobs = list_training_jobs.sync(client=client)
    expect(isinstance(jobs, m.TrainingJobList) and submitted.id in [j.id for j in jobs.jobs],
           f"GET /train-job does not list {submitted.id}")

    infer = post_v2_models_model_infer.sync(client=client, model="fashion-mnist", body=m.OIPInferRequest(
        inputs=[m.OIPInferRequestInputsItem(name="input", shape=[1, 784], datatype="FP32", data=row)]))
    expect(isinstance(infer, m.OIPInferResponse) and infer.model_name == "fashion-mnist", f"OIP infer gave {infer!r}")
    outputs = {output.name: output for output in infer.outputs}
    expect("latent" in outputs and close(outputs["latent"].data, batch.latents[0]),
           f"OIP infer outputs {sorted(outputs)}; latent {outputs.get('latent')}")
    print("check-generated-client: encode, reconstruct, models, a training job and OIP infer answered with typed models")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--aeserve", required=True, help="the aeserve binary to serve with")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="aeserve-client-")
    try:
        generate(folder)
        sys.path.insert(0, folder)
        import_everything()
        with LiveServer(args.aeserve) as server:
            drive(server.url)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
