#!/usr/bin/env python3
"""Two serving replicas and one trainer on one shared models folder behind real nginx, routed
by deploy/nginx/aeserve-locations.conf (the Ingress's routing), all on loopback:

1. a job submitted through nginx trains on the trainer (the replicas refuse training with 503),
   and both replicas serve its new version within one poll interval of its end;
2. an activation through nginx reaches both replicas (and the trainer) within one poll interval;
3. a rolling restart under bounded wrk load through nginx (SIGTERM one replica, start it again
   on its port, wait until it is ready, then the other) loses no request: 0 non-2xx, 0 socket
   errors (nginx retries the pure inference routes on the other replica).

Every process is started here, on free loopback ports, and stopped by its PID.

Usage: check-replicas.py --aeserve .build/debug/aeserve [--seconds 40]
"""
import argparse
import gzip
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in scripts/
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from live_server import ROOT, Failure, ServerClient, check, free_port, stop_process  # noqa: E402

POLL_SECONDS = 1.0
# How late past one poll interval a replica may notice a change: a loaded CI machine delays
# the poll timer and the load itself, not the design.
POLL_SLACK = 1.5
MODEL = "replicas"
# The whole check stops by itself (a Failure, then every process stopped) past this. It takes
# about 100 s on 2 cores with a load average of 20 (three debug-built servers starting side by
# side, then each replica drained and started again); far less on a quiet machine.
TIME_BOUND_SECONDS = 150


class Endpoint(ServerClient):
    """Requests to http://127.0.0.1:port."""

    def __init__(self, port):
        self.port = port

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"


class Replica(Endpoint):
    """One `aeserve serve` on the shared models root, with its own state folder; restartable on
    the same port (nginx's upstream list is fixed)."""

    def __init__(self, binary, name, folder, training, api_key):
        super().__init__(None)
        self.binary, self.name, self.folder = binary, name, folder
        self.training, self.api_key = training, api_key
        self.process = None
        self.starts = 0

    def start(self, timeout=60):
        self.launch()
        self.wait_until_ready(timeout)

    def launch(self):
        """Starts the process (on its old port when it had one); see wait_until_ready."""
        self.starts += 1
        port_file = self.port_file()
        if os.path.exists(port_file):
            os.remove(port_file)
        command = [self.binary, "serve", "--config", os.path.join(ROOT, "config", "aeserve.json"),
                   "--host", "127.0.0.1", "--port", str(self.port or 0), "--port-file", port_file,
                   "--models", os.path.join(self.folder, "models"),
                   "--state", os.path.join(self.folder, f"{self.name}-state"),
                   "--data-root", "/usr/share/datasets", "--poll-interval", str(POLL_SECONDS),
                   "--log-format", "text", "--log-level", "notice"]
        environment = {k: v for k, v in os.environ.items() if not k.startswith("AESERVE_")}
        environment["AESERVE_AUTH_API_KEYS"] = self.api_key
        environment["AESERVE_TRAINING_ENABLED"] = "true" if self.training else "false"
        # Every client reaches the replicas from nginx's address (deploy/nginx/nginx.conf).
        environment["AESERVE_SERVER_MAX_CONNECTIONS_PER_PEER"] = "0"
        log = open(os.path.join(self.folder, f"{self.name}.log"), "ab")
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=environment,
                                        cwd=self.folder)
        log.close()

    def port_file(self):
        return os.path.join(self.folder, f"{self.name}.port")

    def wait_until_ready(self, timeout=60):
        """Waits for the port file, then for /readyz 200."""
        port_file = self.port_file()
        deadline = time.monotonic() + timeout
        while not (os.path.exists(port_file) and open(port_file).read().strip()):
            check(self.process.poll() is None, f"{self.name} exited {self.process.returncode}:\n{self.log_tail()}")
            check(time.monotonic() < deadline, f"{self.name} wrote no port within {timeout} s")
            time.sleep(0.02)
        self.port = int(open(port_file).read())
        while not self.is_ready():
            check(self.process.poll() is None, f"{self.name} exited {self.process.returncode}:\n{self.log_tail()}")
            check(time.monotonic() < deadline, f"{self.name}: /readyz not 200 within {timeout} s")
            time.sleep(0.02)

    def stop(self, timeout=30):
        """SIGTERM by PID; the exit status (None if it had to be killed)."""
        return stop_process(self.process, timeout)

    def log_tail(self, lines=30):
        try:
            with open(os.path.join(self.folder, f"{self.name}.log"), errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    def encodes_answered(self):
        """POST /encode requests this process has answered 200 (its /metrics)."""
        status, _, body = self.request("GET", "/metrics")
        if status != 200:
            return 0
        total = 0
        for line in body.decode(errors="replace").splitlines():
            if (line.startswith("aeserve_http_requests_total{") and 'route="/encode"' in line
                    and 'status="200"' in line):
                total += float(line.rsplit(" ", 1)[1])
        return total

    def model(self):
        status, _, body = self.request("GET", f"/models/{MODEL}")
        return json.loads(body) if status == 200 else None


class Nginx(Endpoint):
    """nginx with the project's routing in front of the replicas and the trainer."""

    def __init__(self, folder, serving, trainer):
        super().__init__(None)
        self.folder, self.serving, self.trainer = folder, serving, trainer
        self.process = None

    def start(self, timeout=20):
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        check(os.access(binary, os.X_OK), "nginx is missing: run scripts/bootstrap.sh")
        locations = os.path.join(ROOT, "deploy", "nginx", "aeserve-locations.conf")
        for _ in range(5):  # a free port may be taken between the probe and nginx's bind
            self.port = free_port()
            servers = "".join(f"        server 127.0.0.1:{r.port} max_fails=1 fail_timeout=1s;\n" for r in self.serving)
            config = os.path.join(self.folder, "nginx.conf")
            with open(config, "w") as f:
                f.write(f"""worker_processes 1;
pid {self.folder}/nginx.pid;
error_log {self.folder}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {self.folder}/nginx-body;
    proxy_temp_path {self.folder}/nginx-proxy;
    fastcgi_temp_path {self.folder}/nginx-fastcgi;
    uwsgi_temp_path {self.folder}/nginx-uwsgi;
    scgi_temp_path {self.folder}/nginx-scgi;
    upstream aeserve_serving {{
{servers}        keepalive 16;
    }}
    upstream aeserve_trainer {{
        server 127.0.0.1:{self.trainer.port};
        keepalive 4;
    }}
    server {{
        listen 127.0.0.1:{self.port};
        include {locations};
    }}
}}
""")
            self.process = subprocess.Popen([binary, "-p", self.folder, "-c", config, "-g", "daemon off;"],
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + timeout
            while self.process.poll() is None and time.monotonic() < deadline:
                if self.is_ready():
                    return
                time.sleep(0.02)
            self.stop()
        raise Failure(f"nginx did not start; its error log:\n{self.error_log()}")

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGQUIT)  # graceful: workers finish, then exit
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def error_log(self):
        try:
            return open(os.path.join(self.folder, "nginx-error.log"), errors="replace").read()[-3000:]
        except OSError:
            return ""


def wait_until(description, predicate, timeout):
    """Seconds until predicate() holds; fails after timeout."""
    started = time.monotonic()
    while not predicate():
        check(time.monotonic() - started < timeout, f"{description}: not within {timeout:.1f} s")
        time.sleep(0.02)
    return time.monotonic() - started


def train_through(proxy, trainer, replicas, api_key):
    body = {"model": MODEL,
            "architecture": {"kind": "autoencoder", "input_dim": 784,
                             "encoder": [{"units": 16, "activation": "relu"}],
                             "decoder": [{"units": 784, "activation": "sigmoid"}]},
            "dataset": {"path": "fashion-mnist/t10k-images-idx3-ubyte.gz", "limit": 256},
            "training": {"epochs": 1, "batch_size": 64, "seed": 3}}
    headers = {"Authorization": f"Bearer {api_key}"}
    status, _, answer = replicas[0].request("POST", "/train-job", body, headers)
    check(status == 503, f"a serving replica should refuse training with 503, got {status}: {answer[:200]!r}")
    check(b"training.enabled" in answer, f"the 503 should name training.enabled: {answer[:300]!r}")
    versions = []
    for _ in range(2):
        status, _, answer = proxy.request("POST", "/train-job", body, headers)
        check(status == 202, f"POST /train-job through nginx answered {status}: {answer[:300]!r}")
        job_id = json.loads(answer)["id"]
        job = proxy.wait_for_job(job_id, timeout=120)
        ended = time.monotonic()
        check(job["state"] == "succeeded", f"job {job_id} ended {job['state']}: {job.get('error')}")
        status, _, _ = trainer.request("GET", f"/train-job/{job_id}")
        check(status == 200, f"the job is not on the trainer (GET /train-job/{job_id} there: {status})")
        version = job["result"]["version"]
        for replica in replicas:
            waited = wait_until(f"{replica.name} serving {MODEL} v{version}",
                                lambda r=replica: (r.model() or {}).get("version") == version,
                                POLL_SECONDS + POLL_SLACK + 5)
            lag = time.monotonic() - ended
            check(lag <= POLL_SECONDS + POLL_SLACK,
                  f"{replica.name} served v{version} {lag:.2f} s after the job ended (poll {POLL_SECONDS} s)")
            print(f"check-replicas: {replica.name} serves {MODEL} v{version} {lag:.2f} s after the job ended "
                  f"(waited {waited:.2f} s)")
        versions.append(version)
    return versions


def activate_through(proxy, servers, api_key, version):
    status, _, answer = proxy.request("POST", f"/models/{MODEL}/activate", {"version": version},
                                      {"Authorization": f"Bearer {api_key}"})
    check(status == 200, f"activation through nginx answered {status}: {answer[:300]!r}")
    activated = time.monotonic()
    for server in servers:
        wait_until(f"{server.name} serving the activated {MODEL} v{version}",
                   lambda s=server: (s.model() or {}).get("version") == version, POLL_SECONDS + POLL_SLACK + 5)
        lag = time.monotonic() - activated
        check(lag <= POLL_SECONDS + POLL_SLACK, f"{server.name} followed the activation after {lag:.2f} s")
        print(f"check-replicas: {server.name} follows the activation of v{version} after {lag:.2f} s")


def rolling_restart_under_load(proxy, replicas, seconds, folder):
    image = json.load(open(os.path.join(folder, "body.json")))
    script = os.path.join(folder, "encode.lua")
    with open(script, "w") as f:
        f.write(f'wrk.method = "POST"\nwrk.body = {json.dumps(json.dumps(image))}\n'
                'wrk.headers["Content-Type"] = "application/json"\n')
    wrk = subprocess.Popen(["wrk", "-t1", "-c8", f"-d{seconds}s", "--timeout", "5s", "-s", script, f"{proxy.url}/encode"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    started = time.monotonic()
    try:
        time.sleep(min(1.0, seconds / 6))  # load is flowing before the first replica goes
        for replica in replicas:
            status = replica.stop()
            check(status == 0, f"{replica.name} exited {status} on SIGTERM:\n{replica.log_tail()}")
            replica.start()
            # Ready is not yet back in rotation: nginx skips a server for fail_timeout after it
            # refused a connection. The next replica goes only once nginx sends this one load.
            wait_until(f"nginx sending /encode to the restarted {replica.name}",
                       lambda r=replica: r.encodes_answered() > 0, 10)
            print(f"check-replicas: restarted {replica.name} on port {replica.port}, back in nginx's rotation "
                  f"{time.monotonic() - started:.1f} s into the load")
        check(wrk.poll() is None,
              f"the restarts took {time.monotonic() - started:.1f} s, longer than the {seconds} s of load")
        # wrk ends by itself after its -d: no signal to stop it early (a SIGINT sent to it from
        # here was not always honoured, and a run that hangs is worse than a few seconds more).
        try:
            output, _ = wrk.communicate(timeout=seconds + 30)
        except subprocess.TimeoutExpired:
            raise Failure(f"wrk did not end within 30 s of its {seconds} s")
    finally:
        if wrk.poll() is None:
            wrk.kill()
            wrk.wait()
    requests = re.search(r"(\d+) requests in", output)
    check(requests and int(requests.group(1)) > 0, f"wrk made no requests:\n{output}")
    check("Non-2xx" not in output, f"requests failed during the rolling restart:\n{output}")
    check("Socket errors" not in output, f"socket errors during the rolling restart:\n{output}")
    print(f"check-replicas: rolling restart under load: {requests.group(1)} requests through nginx, "
          f"0 non-2xx, 0 socket errors")


def on_alarm(signum, frame):
    raise Failure(f"the check ran past its bound of {TIME_BOUND_SECONDS} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--aeserve", default=os.path.join(ROOT, ".build", "debug", "aeserve"))
    parser.add_argument("--seconds", type=int, default=40,
                        help="wrk load through nginx; both replicas must be restarted within it")
    arguments = parser.parse_args()
    binary = os.path.abspath(arguments.aeserve)
    if shutil.which("wrk") is None:
        sys.exit("check-replicas: wrk is missing: run scripts/bootstrap.sh")

    folder = tempfile.mkdtemp(prefix="aeserve-replicas-")
    # The default model, which the load asks for; the trained one joins it.
    shutil.copytree(os.path.join(ROOT, "models", "fashion-mnist"), os.path.join(folder, "models", "fashion-mnist"))
    raw = gzip.open("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz").read()[16:16 + 784]
    json.dump({"vector": [b / 255 for b in raw]}, open(os.path.join(folder, "body.json"), "w"))

    api_key = secrets.token_hex(16)
    trainer = Replica(binary, "trainer", folder, True, api_key)
    replicas = [Replica(binary, f"replica-{i}", folder, False, api_key) for i in (1, 2)]
    proxy = Nginx(folder, replicas, trainer)
    servers = [trainer] + replicas
    failed = True
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(TIME_BOUND_SECONDS)
    began = time.monotonic()
    try:
        for server in servers:  # side by side: each start loads the models
            server.launch()
        for server in servers:
            server.wait_until_ready()
        proxy.start()
        print(f"check-replicas: all ready {time.monotonic() - began:.1f} s after the start; trainer on {trainer.port}, replicas on {replicas[0].port} and {replicas[1].port}, "
              f"nginx on {proxy.port}")
        versions = train_through(proxy, trainer, replicas, api_key)
        activate_through(proxy, servers, api_key, versions[0])
        rolling_restart_under_load(proxy, replicas, arguments.seconds, folder)
        failed = False
        print(f"check-replicas: done in {time.monotonic() - began:.1f} s")
    except Failure as failure:
        print(f"check-replicas: FAILED: {failure}", file=sys.stderr)
    finally:
        signal.alarm(0)
        proxy.stop()
        for server in servers:
            status = server.stop()
            if status not in (0, None) and not failed:
                print(f"check-replicas: {server.name} exited {status} on SIGTERM", file=sys.stderr)
                failed = True
        if failed:
            for server in servers:
                print(f"--- {server.name} log ---\n{server.log_tail()}", file=sys.stderr)
            print(f"--- nginx error log ---\n{proxy.error_log()}", file=sys.stderr)
        shutil.rmtree(folder, ignore_errors=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
