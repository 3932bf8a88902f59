#!/usr/bin/env python3
"""Runs the README's HTTP API examples against a live server, so that they cannot rot.

An example is a fenced block whose info string is `sh example`, optionally followed by what it
prints: `json` (the default: one or more JSON values, none an error object), `error` (a JSON
error object), `text` or `sse` (server-sent events ending with a succeeded job).

The script starts `aeserve serve --config config/aeserve.json` on a free loopback port with
copies of the bundled models and a temporary state folder, rewrites `localhost:8080` to that
port, and runs the blocks in order with bash (-e, -o pipefail) in a temporary folder. Shell
variables a block assigns (`JOB=…`) are passed on to the later blocks, as in one terminal. It
also checks that every operation of openapi.json has an example.

Usage: check-readme-examples.py --aeserve .build/debug/aeserve [--readme README.md]
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in scripts/
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from live_server import ROOT, LiveServer  # noqa: E402

BLOCK = re.compile(r"^```sh example(?: (json|error|text|sse))?[ \t]*\n(.*?)^```[ \t]*$", re.M | re.S)
ASSIGNMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=", re.M)
KINDS = ("json", "error", "text", "sse")


def examples(readme):
    """(line number, kind, text) of each example block."""
    return [(readme.count("\n", 0, m.start()) + 1, m.group(1) or "json", m.group(2)) for m in BLOCK.finditer(readme)]


def operations_in(text):
    """(METHOD, path) of each curl call to localhost:8080 in `text`."""
    found = []
    calls = re.split(r"\bcurl\b", text)[1:]
    for call in calls:
        url = re.search(r"localhost:8080(/[^\s'\"?]*)", call)
        if not url:
            continue
        method = re.search(r"-X\s+([A-Z]+)", call)
        if method:
            method = method.group(1)
        elif re.search(r"(^|\s)(-d|--data\S*)\s", call):
            method = "POST"
        else:
            method = "GET"
        found.append((method, url.group(1)))
    return found


def matches(template, path):
    pattern = "^" + re.sub(r"\\\{[^}]+\\\}", r"[^/]+", re.escape(template)) + "$"
    return re.match(pattern, path) is not None


def json_values(text):
    """The JSON values printed one after another in `text`."""
    decoder, values, i = json.JSONDecoder(), [], 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i == len(text):
            return values
        value, i = decoder.raw_decode(text, i)
        values.append(value)


def is_error(value):
    return isinstance(value, dict) and isinstance(value.get("error"), dict) and "code" in value["error"]


def check_output(kind, out):
    """None when `out` is what a `kind` example should print, else the problem."""
    if not out.strip():
        return "printed nothing"
    if kind == "text":
        return "printed an error object" if out.lstrip().startswith('{"error"') else None
    if kind == "sse":
        events = [block for block in re.split(r"\r?\n\r?\n", out.strip()) if block.strip()]
        parsed = []
        for event in events:
            fields = dict(line.split(": ", 1) for line in event.splitlines() if ": " in line)
            try:
                parsed.append((fields.get("event"), json.loads(fields.get("data", ""))))
            except json.JSONDecodeError:
                return f"an event's data is not JSON: {event[:200]}"
        if not parsed or parsed[-1][0] != "end":
            return "the stream did not end with an 'end' event"
        if parsed[-1][1].get("state") != "succeeded":
            return f"the job ended {parsed[-1][1].get('state')}: {parsed[-1][1].get('error')}"
        return None
    try:
        values = json_values(out)
    except json.JSONDecodeError as error:
        return f"did not print JSON ({error}): {out[:300]}"
    if kind == "error":
        return None if any(is_error(v) for v in values) else "printed no error object"
    errors = [v for v in values if is_error(v)]
    return f"printed an error: {json.dumps(errors[0])[:300]}" if errors else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--aeserve", default=os.path.join(ROOT, ".build", "debug", "aeserve"))
    parser.add_argument("--readme", default=os.path.join(ROOT, "README.md"))
    parser.add_argument("--timeout", type=int, default=180, help="seconds one block may take")
    parser.add_argument("--show", action="store_true", help="print what each example printed (shortened)")
    args = parser.parse_args()

    with open(args.readme, encoding="utf-8") as f:
        blocks = examples(f.read())
    with open(os.path.join(ROOT, "openapi.json"), encoding="utf-8") as f:
        document = json.load(f)
    problems = []
    if not blocks:
        problems.append("no ```sh example blocks found")

    # Every documented operation has an example.
    shown = [op for _, _, text in blocks for op in operations_in(text)]
    for template, item in document["paths"].items():
        for method in item:
            if method in ("get", "post", "put", "delete", "patch") and not any(
                    m == method.upper() and matches(template, p) for m, p in shown):
                problems.append(f"no example for {method.upper()} {template}")

    with tempfile.TemporaryDirectory(prefix="aeserve-readme-") as folder, \
            LiveServer(args.aeserve, env={"AESERVE_LOG_LEVEL": "warning"}) as server:
        variables = {}
        for line, kind, text in blocks:
            script = text.replace("localhost:8080", f"127.0.0.1:{server.port}")
            names = sorted(set(ASSIGNMENT.findall(text)))
            script += "".join(f'\nprintf "%s\\0%s\\0" {name} "${name}" >> "$README_VARIABLES"' for name in names)
            environment = {**os.environ, **variables, "README_VARIABLES": os.path.join(folder, ".variables")}
            open(environment["README_VARIABLES"], "w").close()
            first = text.strip().splitlines()[0] if text.strip() else ""
            try:
                result = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=folder, env=environment,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                        timeout=args.timeout)
            except subprocess.TimeoutExpired:
                problems.append(f"README.md:{line}: did not finish within {args.timeout} s: {first}")
                continue
            with open(environment["README_VARIABLES"]) as f:
                parts = f.read().split("\0")
            variables.update(zip(parts[0:-1:2], parts[1::2]))
            if result.returncode != 0:
                problems.append(f"README.md:{line}: exit status {result.returncode}: {first}\n{result.stderr[-1000:]}")
                continue
            problem = check_output(kind, result.stdout)
            if problem:
                problems.append(f"README.md:{line}: {problem}: {first}")
            else:
                print(f"ok   README.md:{line} ({kind}) {first[:100]}")
            if args.show:
                print("     " + re.sub(r"(-?\d+\.\d+(e-?\d+)?,){3,}", "…,", result.stdout.strip())[:1500].replace("\n", "\n     "))
        if problems:
            server.print_log(30)

    for problem in problems:
        print(f"FAIL {problem}")
    print(f"{len(blocks)} examples, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
