"""A real `aeserve serve` for checks that talk to it over HTTP: loopback only, a free port
(--port 0), copies of the bundled models and a state folder in a temporary folder, stopped by
its PID with SIGTERM (which must drain and exit 0). Used by check-openapi-live.py and
check-readme-examples.py."""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUNDLED_MODELS = ("fashion-mnist", "fashion-mnist-vae")


class Failure(Exception):
    """A check that did not hold; its message says what was expected and what was got."""


def check(condition, message):
    if not condition:
        raise Failure(message)


def free_port():
    """A loopback port free now (another process may still take it before it is bound)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_process(process, timeout=30):
    """SIGTERM by PID, then SIGKILL if it has not exited within `timeout`; the exit status, or
    None when it had to be killed or never started."""
    if process is None or process.poll() is not None:
        return None if process is None else process.returncode
    os.kill(process.pid, signal.SIGTERM)
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        return None


class ServerClient:
    """Requests to a running aeserve at `self.url` (a subclass sets it)."""

    def is_ready(self):
        """Whether GET /readyz answers 200 now."""
        try:
            with urllib.request.urlopen(self.url + "/readyz", timeout=5) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def request(self, method, path, body=None, headers=None, timeout=60):
        """(status, headers, body bytes) of one request; `body` may be bytes, str or a JSON value."""
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode()
        request = urllib.request.Request(self.url + path, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def wait_for_job(self, job_id, timeout=120):
        """The job once it has ended (polls GET /train-job/{id})."""
        deadline = time.monotonic() + timeout
        while True:
            status, _, body = self.request("GET", f"/train-job/{job_id}")
            job = json.loads(body)
            if status == 200 and job["state"] in ("succeeded", "failed", "cancelled"):
                return job
            if time.monotonic() > deadline:
                raise RuntimeError(f"job {job_id} did not end within {timeout} s: {job}")
            time.sleep(0.1)


class LiveServer(ServerClient):
    """`with LiveServer(binary) as server:` starts the server; `server.url` is its base URL."""

    def __init__(self, binary, args=(), env=None, start_timeout=180, prepare=None):
        self.binary = os.path.abspath(binary)
        self.prepare = prepare  # called with the models folder before the server starts
        self.args = list(args)
        self.env = dict(env or {})
        self.start_timeout = start_timeout
        self.folder = None
        self.process = None
        self.port = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        self.folder = tempfile.mkdtemp(prefix="aeserve-live-")
        models = os.path.join(self.folder, "models")
        for name in BUNDLED_MODELS:
            shutil.copytree(os.path.join(ROOT, "models", name), os.path.join(models, name))
        if self.prepare:
            self.prepare(models)
        port_file = os.path.join(self.folder, "port")
        self.log_path = os.path.join(self.folder, "server.log")
        command = [self.binary, "serve", "--config", os.path.join(ROOT, "config", "aeserve.json"),
                   "--host", "127.0.0.1", "--port", "0", "--models", models,
                   "--state", os.path.join(self.folder, "state"), "--poll-interval", "0",
                   "--port-file", port_file, "--log-format", "text", *self.args]
        environment = {k: v for k, v in os.environ.items() if not k.startswith("AESERVE_")}
        environment.update(self.env)
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=environment,
                                            cwd=self.folder)
        deadline = time.monotonic() + self.start_timeout
        try:
            while self.port is None:
                if self.process.poll() is not None:
                    raise RuntimeError(f"aeserve serve exited with status {self.process.returncode}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"aeserve serve did not write {port_file} within {self.start_timeout} s")
                if os.path.exists(port_file) and open(port_file).read().strip():
                    self.port = int(open(port_file).read())
                else:
                    time.sleep(0.05)
            while not self.is_ready():
                if time.monotonic() > deadline:
                    raise RuntimeError(f"/readyz did not answer 200 within {self.start_timeout} s")
                time.sleep(0.05)
        except BaseException:
            self.stop()
            self.print_log()
            raise
        return self

    def stop(self, timeout=30):
        """SIGTERM by PID, then SIGKILL if it has not drained within `timeout`; returns the exit status."""
        return stop_process(self.process, timeout)

    def print_log(self, lines=60):
        try:
            with open(self.log_path, errors="replace") as f:
                tail = f.readlines()[-lines:]
        except OSError:
            return
        print(f"--- last {len(tail)} lines of the server log ---", file=sys.stderr)
        sys.stderr.writelines(tail)

    def __exit__(self, kind, value, traceback):
        status = self.stop()
        if kind is None and status != 0:
            self.print_log()
            shutil.rmtree(self.folder, ignore_errors=True)
            raise RuntimeError(f"aeserve serve did not stop cleanly on SIGTERM (status {status})")
        shutil.rmtree(self.folder, ignore_errors=True)
        return False
