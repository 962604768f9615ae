"""Real servers for tests, started on free loopback ports and stopped at the end."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    """Poll until a server accepts connections (a readiness check, not a timing sleep)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"server on port {port} did not start")


def dynalite_command() -> list[str]:
    local = ROOT / "node_modules" / ".bin" / "dynalite"
    if local.exists():
        return [str(local)]
    if shutil.which("npx"):
        return ["npx", "--no-install", "dynalite"]
    raise RuntimeError("dynalite is not installed: run `npm ci` (as .ci/run does)")


@contextmanager
def dynalite_server() -> Iterator[str]:
    """A real DynamoDB-compatible server (dynalite, in memory) on a free loopback port; yields its URL."""
    port = free_port()
    proc = subprocess.Popen([*dynalite_command(), "--port", str(port), "--host", "127.0.0.1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for_port(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
