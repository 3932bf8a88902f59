#!/usr/bin/env python3
"""Drives aeserve's Open Inference Protocol routes with the real tritonclient[http].

  oip_client.py check HOST:PORT MODEL VAE_MODEL   every client call the issue names, each result
                                                  compared with the native /encode, /decode,
                                                  /reconstruct answers; exits non-zero on a miss
  oip_client.py bench HOST:PORT MODEL [SECONDS] [BATCH] [CONCURRENCY]
                                                  binary async_infer of BATCH vectors; prints vectors/s
"""
import json
import sys
import time
import urllib.request

import numpy as np
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

# Row counts differ between the compared calls (sgemm picks kernels by shape), so results may
# differ in the last bits: within 1e-6 absolute plus 1e-6 relative.
RTOL, ATOL = 1e-6, 1e-6


def native(url, path, body):
    request = urllib.request.Request(f"http://{url}{path}", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        return json.load(response)


def close(name, actual, expected):
    actual, expected = np.asarray(actual, dtype=np.float32), np.asarray(expected, dtype=np.float32)
    assert actual.shape == expected.shape, f"{name}: shape {actual.shape}, expected {expected.shape}"
    bad = np.abs(actual - expected) > ATOL + RTOL * np.abs(expected)
    assert not bad.any(), (f"{name}: {bad.sum()} values differ; first at {np.argwhere(bad)[0].tolist()}: "
                           f"{actual[bad][0]} vs {expected[bad][0]}")


def expect_error(fragment, call):
    try:
        call()
    except InferenceServerException as error:
        assert fragment in error.message(), f"error {error.message()!r} does not mention {fragment!r}"
        return error.message()
    raise AssertionError(f"no error; expected one mentioning {fragment!r}")


def tensor(name, array, binary=True):
    t = httpclient.InferInput(name, list(array.shape), "FP32")
    t.set_data_from_numpy(array, binary_data=binary)
    return t


def check(url, model, vae):
    client = httpclient.InferenceServerClient(url=url, concurrency=8)
    checks = 0
    assert client.is_server_live() and client.is_server_ready()
    assert client.is_model_ready(model) and client.is_model_ready(model + ".decoder")
    assert client.is_model_ready(model, model_version="1")
    assert not client.is_model_ready("no-such-model")
    server = client.get_server_metadata()
    assert server["name"] == "aeserve" and "binary_tensor_data" in server["extensions"], server
    meta = client.get_model_metadata(model)
    width = meta["inputs"][0]["shape"][1]
    latent_width = meta["outputs"][0]["shape"][1]
    assert [i["name"] for i in meta["inputs"]] == ["input"], meta
    assert [o["name"] for o in meta["outputs"]] == ["latent", "reconstruction", "reconstruction_error",
                                                    "anomaly_score", "is_anomaly"], meta
    assert all(t["shape"][0] == -1 for t in meta["inputs"] + meta["outputs"]), meta
    assert [t["datatype"] for t in meta["inputs"] + meta["outputs"]] == ["FP32"] * 5 + ["BOOL"], meta
    # A version without a calibration offers the score but no flags.
    assert [o["name"] for o in client.get_model_metadata(vae)["outputs"]][-1] == "anomaly_score"
    decoder_meta = client.get_model_metadata(model + ".decoder", model_version="1")
    assert decoder_meta["inputs"] == [{"name": "latent", "datatype": "FP32", "shape": [-1, latent_width]}], decoder_meta
    checks += 9

    rng = np.random.default_rng(7)
    x = rng.random((5, width), dtype=np.float32)
    encoded = native(url, "/encode", {"model": model, "vectors": x.tolist()})
    rebuilt = native(url, "/reconstruct", {"model": model, "vectors": x.tolist()})

    # The client's default: binary inputs, all outputs binary.
    result = client.infer(model, [tensor("input", x)])
    close("latent (binary)", result.as_numpy("latent"), encoded["latents"])
    close("reconstruction (binary)", result.as_numpy("reconstruction"), rebuilt["reconstructions"])
    close("reconstruction_error (binary)", result.as_numpy("reconstruction_error"), rebuilt["errors"])
    assert result.get_response()["model_name"] == model
    # JSON inputs and JSON outputs, a subset of outputs, a version, an id.
    outputs = [httpclient.InferRequestedOutput("reconstruction_error", binary_data=False)]
    result = client.infer(model, [tensor("input", x, binary=False)], outputs=outputs, model_version="1", request_id="r-1")
    close("reconstruction_error (JSON)", result.as_numpy("reconstruction_error"), rebuilt["errors"])
    assert result.as_numpy("latent") is None and result.as_numpy("reconstruction") is None
    assert result.get_response()["id"] == "r-1" and result.get_response()["model_version"] == "1"
    # gzip both ways.
    result = client.infer(model, [tensor("input", x)], outputs=[httpclient.InferRequestedOutput("latent")],
                          request_compression_algorithm="gzip", response_compression_algorithm="gzip")
    close("latent (gzip)", result.as_numpy("latent"), encoded["latents"])
    # The decoder model.
    decoded = native(url, "/decode", {"model": model, "latents": encoded["latents"]})
    latents = np.asarray(encoded["latents"], dtype=np.float32)
    result = client.infer(model + ".decoder", [tensor("latent", latents)])
    close("decoder reconstruction", result.as_numpy("reconstruction"), decoded["vectors"])
    # Anomaly scores and flags, binary and JSON, as /score answers; a threshold as a parameter.
    scored = native(url, "/score", {"model": model, "vectors": x.tolist()})
    anomaly_outputs = [httpclient.InferRequestedOutput("anomaly_score"), httpclient.InferRequestedOutput("is_anomaly")]
    result = client.infer(model, [tensor("input", x)], outputs=anomaly_outputs)
    assert result.as_numpy("anomaly_score").tobytes() == np.asarray(scored["scores"], dtype=np.float32).tobytes()
    assert result.as_numpy("is_anomaly").dtype == np.bool_
    assert result.as_numpy("is_anomaly").tolist() == scored["is_anomaly"], result.as_numpy("is_anomaly")
    json_outputs = [httpclient.InferRequestedOutput(name, binary_data=False) for name in ("anomaly_score", "is_anomaly")]
    result = client.infer(model, [tensor("input", x, binary=False)], outputs=json_outputs)
    assert result.as_numpy("anomaly_score").tolist() == np.asarray(scored["scores"], dtype=np.float32).tolist()
    assert result.as_numpy("is_anomaly").tolist() == scored["is_anomaly"]
    result = client.infer(model, [tensor("input", x)], outputs=anomaly_outputs, parameters={"anomaly_threshold": 0.0})
    assert result.as_numpy("is_anomaly").all()
    # A variational model also returns the log-variance.
    vae_encoded = native(url, "/encode", {"model": vae, "vectors": x.tolist()})
    result = client.infer(vae, [tensor("input", x)], outputs=[httpclient.InferRequestedOutput("log_variance")])
    close("log_variance", result.as_numpy("log_variance"), vae_encoded["log_variances"])
    checks += 19

    # Many concurrent async calls, each with its own vectors, each getting its own rows back.
    many = rng.random((96, width), dtype=np.float32)
    expected = native(url, "/reconstruct", {"model": model, "vectors": many.tolist()})
    pending = [client.async_infer(model, [tensor("input", many[i:i + 1])]) for i in range(len(many))]
    for i, request in enumerate(pending):
        result = request.get_result()
        close(f"async row {i} reconstruction", result.as_numpy("reconstruction")[0], expected["reconstructions"][i])
        close(f"async row {i} error", result.as_numpy("reconstruction_error"), expected["errors"][i:i + 1])
    checks += len(many)

    # Errors reach the client with our message.
    narrow = rng.random((2, width - 1), dtype=np.float32)
    messages = [
        expect_error("does not match [-1, %d]" % width, lambda: client.infer(model, [tensor("input", narrow)])),
        expect_error("datatype FP64 is not served", lambda: client.infer(
            model, [_fp64_input(x)])),
        expect_error("unknown model 'no-such-model'", lambda: client.infer("no-such-model", [tensor("input", x)])),
        expect_error("has no version 9", lambda: client.infer(model, [tensor("input", x)], model_version="9")),
        expect_error("has no output 'latents'", lambda: client.infer(
            model, [tensor("input", x)], outputs=[httpclient.InferRequestedOutput("latents")])),
        expect_error("needs a calibrated version", lambda: client.infer(
            vae, [tensor("input", x)], outputs=[httpclient.InferRequestedOutput("is_anomaly")])),
        expect_error("binary_data_size %d does not match shape [6, %d]" % (5 * width * 4, width),
                     lambda: client.infer(model, [_reshaped(tensor("input", x), [6, width])])),
    ]
    checks += len(messages)
    # deflate both ways: zlib-wrapped request body, and a response the client asks to be deflated
    # (the server answers gzip or identity, which the client also reads).
    result = client.infer(model, [tensor("input", x)], outputs=[httpclient.InferRequestedOutput("latent")],
                          request_compression_algorithm="deflate", response_compression_algorithm="deflate")
    close("latent (deflate)", result.as_numpy("latent"), encoded["latents"])
    checks += 1
    deflate = "accepted"
    client.close()
    print(json.dumps({"checks": checks, "error_messages": messages, "deflate_request": deflate}))


def _fp64_input(x):
    t = httpclient.InferInput("input", list(x.shape), "FP64")
    t.set_data_from_numpy(x.astype(np.float64))
    return t


def _reshaped(t, shape):
    t.set_shape(shape)
    return t


def bench(url, model, seconds=8.0, batch=32, concurrency=8):
    client = httpclient.InferenceServerClient(url=url, concurrency=concurrency)
    width = client.get_model_metadata(model)["inputs"][0]["shape"][1]
    x = np.random.default_rng(1).random((batch, width), dtype=np.float32)
    inputs = [tensor("input", x)]
    outputs = [httpclient.InferRequestedOutput("latent")]
    for _ in range(20):
        client.infer(model, inputs, outputs=outputs)
    label = f"tritonclient[http] binary, {batch} vectors/request"
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds / 2:
        client.infer(model, inputs, outputs=outputs)
        done += 1
    elapsed = time.perf_counter() - start
    print(f"{label}, infer one at a time: {done / elapsed:,.0f} requests/s, {done * batch / elapsed:,.0f} vectors/s")
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds / 2:
        pending = [client.async_infer(model, inputs, outputs=outputs) for _ in range(concurrency * 4)]
        for request in pending:
            request.get_result()
        done += len(pending)
    elapsed = time.perf_counter() - start
    client.close()
    print(f"{label}, async_infer (concurrency {concurrency}): {done / elapsed:,.0f} requests/s, {done * batch / elapsed:,.0f} vectors/s")

if __name__ == "__main__":
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "check":
        check(*args)
    elif mode == "bench":
        bench(args[0], args[1], *(float(args[2]),) if len(args) > 2 else (),
              *(int(a) for a in args[3:5]))
    else:
        sys.exit(__doc__)
