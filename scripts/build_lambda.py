"""Build the Lambda deployment artefact without Docker: dependencies, ``skill/`` and ``lambda/`` in one zip.

    python scripts/build_lambda.py                  # build/lambda.zip for Lambda (arm64, Python 3.12)
    python scripts/build_lambda.py --host --out DIR  # the same for this machine, to import in tests

pip fetches the Lambda platform's wheels (``--platform manylinux2014_aarch64 … --only-binary=:all:``), so the
build runs on any machine and never compiles C. The zip is deterministic (sorted entries, fixed times):
rebuilding unchanged code gives the same bytes, and ``sam deploy`` skips functions whose code did not
change. When an interpreter of the target version is at hand, the sources are compiled to unchecked-hash
``.pyc`` files: Lambda's code directory is read-only, so without them every cold start compiles every
module it imports.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ROOT / "lambda" / "requirements.txt"
# Lambda's python3.12 runs on Amazon Linux 2023 (glibc 2.34): any manylinux wheel up to 2.34 fits, and some
# projects (rapidfuzz, for one) publish only newer manylinux tags than 2014 for aarch64.
LAMBDA_PLATFORMS = ("manylinux2014_aarch64", "manylinux_2_28_aarch64", "manylinux_2_34_aarch64")
LAMBDA_PYTHON = "3.12"
ARTEFACT_NAME = "lambda"
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
SKIPPED_NAMES = {"__pycache__", ".mypy_cache", ".pytest_cache"}


@dataclass(frozen=True)
class Artefact:
    directory: Path
    zip_path: Path

    @property
    def unzipped_bytes(self) -> int:
        return sum(path.stat().st_size for path in self.directory.rglob("*") if path.is_file())

    @property
    def zipped_bytes(self) -> int:
        return self.zip_path.stat().st_size


def pip_install(target: Path, *, host: bool) -> None:
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
        "--requirement", str(REQUIREMENTS), "--target", str(target),
    ]
    if not host:
        for platform in LAMBDA_PLATFORMS:
            command += ["--platform", platform]
        command += ["--implementation", "cp", "--python-version", LAMBDA_PYTHON, "--only-binary=:all:"]
    subprocess.run(command, check=True)  # noqa: S603 - our own interpreter, fixed arguments


def copy_sources(target: Path) -> None:
    """The ``skill`` package as it is, and the entry points at the top so handlers are ``module.handler``."""
    shutil.copytree(ROOT / "skill", target / "skill", ignore=shutil.ignore_patterns(*SKIPPED_NAMES))
    for entry_point in sorted((ROOT / "lambda").glob("*.py")):
        shutil.copy2(entry_point, target / entry_point.name)


def drop_caches(target: Path) -> None:
    for cache in sorted(target.rglob("__pycache__"), reverse=True):
        shutil.rmtree(cache)


def compile_bytecode(target: Path, python: str) -> None:
    """Unchecked-hash .pyc files stay valid whatever times the zip gives the sources."""
    subprocess.run(  # noqa: S603 - an interpreter the operator named, fixed arguments
        [python, "-W", "ignore", "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash",
         str(target)],
        check=True,
    )


def target_python(requested: str | None, version: str) -> str | None:
    """An interpreter that writes .pyc files the target runtime reads, or None if there is none here."""
    candidates = [requested] if requested else [sys.executable, shutil.which(f"python{version}")]
    for candidate in candidates:
        if not candidate:
            continue
        probe = subprocess.run(  # noqa: S603 - fixed arguments
            [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True, text=True, check=False,
        )
        if probe.returncode == 0 and probe.stdout.strip() == version:
            return candidate
    return None


def files_in(directory: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(directory):
        dirs.sort()
        for name in sorted(files):
            yield Path(root) / name


def write_zip(directory: Path, zip_path: Path) -> None:
    zip_path.unlink(missing_ok=True)
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in files_in(directory):
            info = zipfile.ZipInfo(path.relative_to(directory).as_posix(), date_time=FIXED_ZIP_TIME)
            info.external_attr = 0o644 << 16  # Lambda needs world-readable files, nothing executable
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())


def build(out: Path, *, host: bool, compile_with: str | None = None) -> Artefact:
    directory = out / ARTEFACT_NAME
    zip_path = out / f"{ARTEFACT_NAME}.zip"
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    pip_install(directory, host=host)
    copy_sources(directory)
    drop_caches(directory)
    version = f"{sys.version_info.major}.{sys.version_info.minor}" if host else LAMBDA_PYTHON
    python = target_python(compile_with, version)
    if python:
        compile_bytecode(directory, python)
    else:
        print(f"note: no Python {version} here; the artefact ships without .pyc files", file=sys.stderr)
    write_zip(directory, zip_path)
    return Artefact(directory, zip_path)


def megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=ROOT / "build", help="output folder (default: build/)")
    parser.add_argument("--host", action="store_true", help="build for this machine instead of Lambda")
    parser.add_argument("--compile-with", help=f"a Python {LAMBDA_PYTHON} interpreter to write .pyc files")
    args = parser.parse_args(argv)
    artefact = build(args.out.resolve(), host=args.host, compile_with=args.compile_with)
    print(
        f"{artefact.zip_path}: {megabytes(artefact.zipped_bytes)} zipped, "
        f"{megabytes(artefact.unzipped_bytes)} unzipped (Lambda limits: 50 MB zipped upload, 250 MB unzipped)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
