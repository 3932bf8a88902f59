"""Checks a built aeserve image as an operator runs it (scripts/container-check.sh runs this):
readiness and liveness, /encode equal to the host release binary's answer, the server running
as uid 10001, the HEALTHCHECK turning healthy, no anonymous volumes, a training job writing a
version into a named volume that outlives the container, and `docker stop` (its default 10 s
grace) with a request in flight: the request is answered and the container exits 0.

The containers use the host's network on a free loopback port (AESERVE_SERVER_PORT, which the
HEALTHCHECK follows). Everything this creates is named aeserve-check-<pid> and removed at the end."""
import argparse
import gzip
import json
import os
import secrets
import socket
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in scripts/
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from live_server import Failure, LiveServer, ServerClient, check, free_port  # noqa: E402

DATASETS = "/usr/share/datasets"
FASHION_TEST = f"{DATASETS}/fashion-mnist/t10k-images-idx3-ubyte.gz"
UID = 10001
STOP_GRACE = 10  # docker stop's default


class Container(ServerClient):
    """One `docker run -d` of the image on the host's network; `url` is its loopback address."""

    def __init__(self, docker, image, name, volumes, api_key):
        self.docker, self.image, self.name = docker, image, name
        self.volumes, self.api_key = volumes, api_key
        self.port = free_port()
        self.started = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def run(self):
        command = [self.docker, "run", "-d", "--name", self.name, "--network", "host",
                   "-e", "AESERVE_SERVER_HOST=127.0.0.1", "-e", f"AESERVE_SERVER_PORT={self.port}",
                   "-e", f"AESERVE_AUTH_API_KEYS={self.api_key}",
                   "-v", f"{self.volumes['models']}:/var/lib/aeserve/models",
                   "-v", f"{self.volumes['state']}:/var/lib/aeserve/state",
                   "-v", f"{DATASETS}:{DATASETS}:ro", self.image]
        self.started = time.monotonic()
        docker(self.docker, *command[1:])
        return self

    def wait_ready(self, timeout=60):
        deadline = time.monotonic() + timeout
        while not self.is_ready():
            state = self.inspect("{{.State.Status}}")
            check(state == "running", f"{self.name} is {state} before answering /readyz; its log:\n{self.logs()}")
            check(time.monotonic() < deadline, f"{self.name}: /readyz not 200 within {timeout} s; log:\n{self.logs()}")
            time.sleep(0.1)
        return time.monotonic() - self.started

    def inspect(self, template):
        return docker(self.docker, "inspect", "--format", template, self.name).strip()

    def logs(self):
        result = subprocess.run([self.docker, "logs", self.name], capture_output=True, text=True)
        return result.stdout + result.stderr

    def exec(self, *command):
        return docker(self.docker, "exec", self.name, *command)

    def remove(self):
        subprocess.run([self.docker, "rm", "-f", self.name], capture_output=True)


def docker(binary, *arguments):
    result = subprocess.run([binary, *arguments], capture_output=True, text=True)
    if result.returncode != 0:
        raise Failure(f"docker {' '.join(arguments[:3])}… exited {result.returncode}: {result.stderr.strip()}")
    return result.stdout


def first_test_image():
    raw = gzip.open(FASHION_TEST).read()[16:16 + 784]
    return [b / 255 for b in raw]


def encode_answer(server, image):
    status, _, body = server.request("POST", "/encode", {"vector": image})
    check(status == 200, f"{server.url}/encode answered {status}: {body[:300]!r}")
    return json.loads(body)


def read_response(sock, timeout):
    """Status, headers and body of one HTTP/1.1 response with a Content-Length."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        check(chunk, f"the connection closed before a response head arrived (got {data[:200]!r})")
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    headers = dict((k.strip().lower(), v.strip()) for k, v in (line.split(":", 1) for line in lines[1:]))
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        check(chunk, f"the connection closed after {len(body)} of {length} body bytes")
        body += chunk
    return int(lines[0].split()[1]), headers, body


def stop_with_request_in_flight(container, image, reference):
    """docker stop while a request's body is half sent; the rest is sent once the server drains."""
    body = json.dumps({"vector": image}).encode()
    half = len(body) // 2
    sock = socket.create_connection(("127.0.0.1", container.port), timeout=10)
    try:
        sock.sendall(f"POST /encode HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                     f"Content-Length: {len(body)}\r\n\r\n".encode() + body[:half])
        stop_started = time.monotonic()
        stopper = subprocess.Popen([container.docker, "stop", container.name], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, text=True)
        # The server logs "draining" when SIGTERM reaches it: from then on the request is in flight
        # across the shutdown.
        deadline = time.monotonic() + STOP_GRACE
        while '"draining"' not in container.logs():
            check(time.monotonic() < deadline, f"no 'draining' log line within {STOP_GRACE} s of docker stop")
            check(stopper.poll() is None, f"docker stop returned before the server logged draining:\n{container.logs()[-2000:]}")
            time.sleep(0.05)
        sock.sendall(body[half:])
        status, headers, answer = read_response(sock, timeout=STOP_GRACE)
    finally:
        sock.close()
    check(status == 200, f"the in-flight request got {status}: {answer[:300]!r}")
    check(json.loads(answer)["latent"] == reference["latent"], "the in-flight request's latent differs from the host's")
    check(headers.get("connection", "").lower() == "close", f"a response during the drain should close: {headers}")
    try:
        stopper.wait(timeout=STOP_GRACE + 20)
    except subprocess.TimeoutExpired:
        stopper.kill()
        raise Failure("docker stop did not return")
    seconds = time.monotonic() - stop_started
    code = container.inspect("{{.State.ExitCode}}")
    check(code == "0", f"the container exited {code} after docker stop ({seconds:.1f} s; 137 means killed "
                       f"at the end of the grace period); log:\n{container.logs()[-2000:]}")
    return seconds


def run_checks(arguments):
    image = first_test_image()
    with LiveServer(arguments.host_binary) as host:
        reference = encode_answer(host, image)
    print(f"container-check: host release binary's /encode: model {reference['model']}, "
          f"{len(reference['latent'])} latent values")

    tag = f"aeserve-check-{os.getpid()}"
    volumes = {"models": f"{tag}-models", "state": f"{tag}-state"}
    api_key = secrets.token_hex(16)
    containers = []
    try:
        first = Container(arguments.docker, arguments.image, f"{tag}-a", volumes, api_key).run()
        containers.append(first)
        ready = first.wait_ready()
        print(f"container-check: ready {ready:.1f} s after docker run (port {first.port})")

        for path, expected in (("/healthz", {"status": "ok"}), ("/readyz", {"status": "ready"})):
            status, _, body = first.request("GET", path)
            check(status == 200 and json.loads(body) == expected, f"GET {path}: {status} {body[:200]!r}")
        answer = encode_answer(first, image)
        check(answer == reference, f"/encode in the container differs from the host's:\n{answer}\nvs\n{reference}")
        print("container-check: /healthz, /readyz and /encode (equal to the host's answer) pass")

        uids = next(line for line in first.exec("cat", "/proc/1/status").splitlines() if line.startswith("Uid:"))
        check(uids.split()[1:] == [str(UID)] * 4, f"the server (PID 1) runs as {uids}, not {UID}")
        check(first.exec("id", "-u").strip() == str(UID), "docker exec runs as another user than 10001")
        anonymous = [m for m in json.loads(first.inspect("{{json .Mounts}}"))
                     if m["Type"] == "volume" and m["Name"] not in volumes.values()]
        check(not anonymous, f"the image makes anonymous volumes: {[m['Destination'] for m in anonymous]}")
        print(f"container-check: the server runs as uid {UID}; mounts are only the ones given")

        deadline = first.started + 60
        while (health := first.inspect("{{.State.Health.Status}}")) != "healthy":
            check(health in ("starting", ""), f"HEALTHCHECK reports {health}: {first.inspect('{{json .State.Health}}')}")
            check(time.monotonic() < deadline, f"HEALTHCHECK still {health} 60 s after start")
            time.sleep(0.2)
        print(f"container-check: HEALTHCHECK healthy {time.monotonic() - first.started:.1f} s after docker run")

        job_body = {"model": "container-check",
                    "architecture": {"kind": "autoencoder", "input_dim": 784,
                                     "encoder": [{"units": 32, "activation": "relu"}],
                                     "decoder": [{"units": 784, "activation": "sigmoid"}]},
                    "dataset": {"path": "fashion-mnist/t10k-images-idx3-ubyte.gz", "limit": 512},
                    "training": {"epochs": 2, "batch_size": 64, "seed": 1}}
        status, _, body = first.request("POST", "/train-job", job_body)
        check(status == 401, f"a job without the API key should get 401, got {status}: {body[:200]!r}")
        status, _, body = first.request("POST", "/train-job", job_body, {"Authorization": f"Bearer {api_key}"})
        check(status == 202, f"POST /train-job answered {status}: {body[:300]!r}")
        job = first.wait_for_job(json.loads(body)["id"])
        check(job["state"] == "succeeded", f"the training job ended {job['state']}: {job.get('error')}")
        status, _, body = first.request("GET", "/models/container-check")
        check(status == 200, f"GET /models/container-check: {status} {body[:200]!r}")
        trained = json.loads(body)
        print(f"container-check: a training job wrote container-check v{trained['version']} "
              f"(sha256 {trained['sha256'][:12]}…) into the models volume")

        seconds = stop_with_request_in_flight(first, image, reference)
        print(f"container-check: docker stop with a request in flight: answered 200, exit 0 after {seconds:.1f} s "
              f"(grace {STOP_GRACE} s)")
        first.remove()

        second = Container(arguments.docker, arguments.image, f"{tag}-b", volumes, api_key).run()
        containers.append(second)
        second.wait_ready()
        status, _, body = second.request("GET", "/models/container-check")
        check(status == 200 and json.loads(body)["sha256"] == trained["sha256"],
              f"a new container on the same volumes does not serve the trained version: {status} {body[:300]!r}")
        stop_started = time.monotonic()
        docker(arguments.docker, "stop", second.name)
        code = second.inspect("{{.State.ExitCode}}")
        check(code == "0", f"an idle docker stop exited {code}")
        print(f"container-check: a new container on the same volumes serves container-check "
              f"v{trained['version']}; idle docker stop: exit 0 after {time.monotonic() - stop_started:.1f} s")
    except Failure:
        for container in containers:
            print(f"--- log of {container.name} (last 40 lines) ---", file=sys.stderr)
            print("\n".join(container.logs().splitlines()[-40:]), file=sys.stderr)
        raise
    finally:
        for container in containers:
            container.remove()
        for volume in volumes.values():
            subprocess.run([arguments.docker, "volume", "rm", "-f", volume], capture_output=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docker", default="docker", help="the docker client to use")
    parser.add_argument("--image", required=True, help="the image to check")
    parser.add_argument("--host-binary", required=True, help="the release aeserve the answers are compared with")
    arguments = parser.parse_args()
    try:
        run_checks(arguments)
    except Failure as failure:
        print(f"container-check: FAILED: {failure}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
