"""A real `dosekeeper serve` process on a loopback port the OS picks, waited for with a deadline.

The port is read from the banner serve prints once its socket listens (``--port 0``), so no free-port race;
readiness is then confirmed on ``/healthz``. stderr (the JSON log lines) goes to a file, so a chatty server
can never block on a full pipe, and is returned when the process stops.
"""

from __future__ import annotations

import queue
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

BANNER = "DoseKeeper on http://"


@dataclass
class Served:
    base_url: str
    process: subprocess.Popen[str]
    stderr_path: Path
    stdout_lines: list[str] = field(default_factory=list)

    def get(self, path: str, timeout: float = 10.0) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.base_url + path, timeout=timeout) as reply:
                return int(reply.status), reply.read().decode("utf-8")
        except urllib.error.HTTPError as refused:
            return refused.code, refused.read().decode("utf-8")

    def stop(self) -> str:
        """Stop the server (if still running) and return everything it wrote to stderr."""
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)
        return self.stderr_path.read_text(encoding="utf-8")


def _pump(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    for line in stream:
        lines.put(line)
    lines.put(None)


@contextmanager
def dosekeeper_serve(command: Sequence[str], serve_args: Sequence[str], *, env: Mapping[str, str], cwd: Path,
                     stderr_path: Path, timeout: float = 45.0) -> Iterator[Served]:
    """Run ``command serve --host 127.0.0.1 --port 0 …serve_args`` and yield it once /healthz answers."""
    deadline = time.monotonic() + timeout
    with stderr_path.open("w", encoding="utf-8") as stderr:
        process = subprocess.Popen(
            [*command, "serve", "--host", "127.0.0.1", "--port", "0", *serve_args],
            cwd=cwd, env={**env, "PYTHONUNBUFFERED": "1"}, stdout=subprocess.PIPE, stderr=stderr, text=True)
    assert process.stdout is not None
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_pump, args=(process.stdout, lines), daemon=True).start()
    served = Served("", process, stderr_path)
    try:
        while not served.base_url:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"serve printed no banner in {timeout:.0f} s: {served.stdout_lines}")
            try:
                line = lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError(f"serve exited ({process.wait()}): {served.stop()[-2000:]}")
            served.stdout_lines.append(line.rstrip("\n"))
            if line.startswith(BANNER):
                served.base_url = line.split()[2]
        while served.get("/healthz", timeout=max(0.5, deadline - time.monotonic()))[0] != 200:
            if time.monotonic() > deadline:
                raise AssertionError("serve listens but /healthz never answered 200")
            time.sleep(0.05)  # a readiness poll, bounded by the deadline
        yield served
    finally:
        served.stop()
