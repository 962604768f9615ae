"""POST /alexa: server CPU per request of `dosekeeper serve`'s app against a bare Flask + waitress app.

Both servers run side by side in this one run, each in its own process on loopback (waitress, 4 threads),
and get the same LaunchRequests over one kept-alive connection each, in 10 alternating rounds after a
warm-up. The figure is the server process's CPU time (every thread's, from the scheduler's nanosecond count
in /proc), so the client's own work and the machine's other load do not count; the median of the rounds'
ratios is printed beside the overall one. The bare app answers every request with a fixed Alexa response
after parsing the body: the floor any Flask endpoint pays.

DoseKeeper's side: a SQLite store with one linked person and two medications; the device's Settings API is a
local fake (tests/support/alexa_apis.py), so the time-zone check costs what it would, once a day. Requests are
unsigned (`--allow-unsigned`): signature checks cost the same with or without DoseKeeper around them.

    .venv/bin/python bench/bench_alexa_http.py                  # 1,000 requests each, in 10 rounds
    .venv/bin/python bench/bench_alexa_http.py --requests 200   # quicker
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FIXED = {"version": "1.0", "response": {"outputSpeech": {"type": "SSML", "ssml": "<speak>Hello.</speak>"},
                                         "shouldEndSession": False}}


def serve_bare(port: int) -> None:
    from flask import Flask, Response, request
    from waitress import serve

    app = Flask("bare")
    body = json.dumps(FIXED)

    @app.post("/alexa")
    def alexa() -> Response:
        json.loads(request.get_data())
        return Response(body, mimetype="application/json")

    serve(app, host="127.0.0.1", port=port, threads=4, _quiet=True)


def serve_dosekeeper(port: int, db: str) -> None:
    from waitress import serve

    from skill.cli.serve import build_app, freeze_startup_objects
    from skill.store.sqlite import SqliteStore

    store = SqliteStore(Path(db))
    store.init()
    app = build_app(store, host="127.0.0.1", skill_id=None, allow_unsigned=True)
    freeze_startup_objects()  # as `dosekeeper serve` does before it serves
    serve(app, host="127.0.0.1", port=port, threads=4, _quiet=True)


def seed(db: str, api_url: str) -> dict[str, Any]:
    """One linked person with two medications; returns a LaunchRequest envelope from their speaker."""
    from bench.speaker import seed_linked_person
    from skill.store.sqlite import SqliteStore

    store = SqliteStore(Path(db))
    store.init()
    try:
        return seed_linked_person(store, api_url)
    finally:
        store.close()


def cpu_seconds(pid: int) -> float:
    """CPU time of every thread of `pid` so far, to the nanosecond (the scheduler's own count, which, unlike
    /proc/<pid>/stat's 10 ms ticks, is fine enough for rounds of a few hundred milliseconds)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):  # a thread that has just ended
            total += int((task / "schedstat").read_text().split()[0])
    return total / 1e9


def wait_for(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).connect()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server on port {port} did not start")


class Server:
    """One server process on loopback and a kept-alive connection to it."""

    def __init__(self, command: list[str], port: int, body: bytes) -> None:
        self.proc = subprocess.Popen([sys.executable, __file__, *command, "--port", str(port)], cwd=ROOT)
        wait_for(port)
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.body = body

    def post(self, count: int) -> float:
        """Server CPU seconds spent answering `count` requests."""
        before = cpu_seconds(self.proc.pid)
        for _ in range(count):
            self.conn.request("POST", "/alexa", self.body, {"Content-Type": "application/json"})
            response = self.conn.getresponse()
            data = response.read()
            if response.status != 200 or b"outputSpeech" not in data:
                raise RuntimeError(f"unexpected answer {response.status}: {data[:200]!r}")
        return cpu_seconds(self.proc.pid) - before

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def measure(bare: Server, ours: Server, warmup: int, requests: int, rounds: int = 10) -> tuple[float, float, float]:
    """CPU per request of each, in alternating rounds so a burst of load on the machine falls on both, and the
    median of the rounds' ratios (one round spoilt by a burst does not move it)."""
    bare.post(warmup)
    ours.post(warmup)
    per_round = max(1, requests // rounds)
    spent: list[tuple[float, float]] = []
    for _ in range(rounds):
        spent.append((bare.post(per_round), ours.post(per_round)))
    ratios = sorted(o / b for b, o in spent if b > 0)
    total = per_round * rounds
    return sum(b for b, _ in spent) / total, sum(o for _, o in spent) / total, ratios[len(ratios) // 2]


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--serve", choices=("bare", "dosekeeper"), help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve == "bare":
        serve_bare(args.port)
        return
    if args.serve == "dosekeeper":
        serve_dosekeeper(args.port, args.db)
        return

    from tests.support.alexa_apis import fake_alexa_apis

    with tempfile.TemporaryDirectory() as tmp, fake_alexa_apis() as apis:
        db = str(Path(tmp) / "dk.db")
        body = json.dumps(seed(db, apis.url)).encode()
        servers = [Server(["--serve", "bare"], free_port(), body),
                   Server(["--serve", "dosekeeper", "--db", db], free_port(), body)]
        try:
            bare, ours, ratio = measure(servers[0], servers[1], args.warmup, args.requests)
        finally:
            for server in servers:
                server.stop()
        asked = len(apis.calls("GET", "/v2/devices"))
    print(f"POST /alexa LaunchRequest, {args.requests} requests each, server CPU per request:"
          f" bare Flask+waitress {bare * 1000:.2f} ms, dosekeeper serve {ours * 1000:.2f} ms"
          f" = {ours / bare:.2f}x the bare app, median of the rounds {ratio:.2f}x (goal <= 3x);"
          f" Settings API asked {asked} time(s)")


if __name__ == "__main__":
    main()
