"""Build the Lambda deployment artefact without Docker: dependencies, ``skill/`` and ``lambda/`` in one zip.

    python scripts/build_lambda.py                  # build/lambda.zip for Lambda (arm64, Python 3.12)
    python scripts/build_lambda.py --compile-with /path/to/python3.12
    python scripts/build_lambda.py --no-compile     # accept slower cold starts: no .pyc files
    python scripts/build_lambda.py --host --out DIR  # the same for this machine, to import in tests

pip fetches the Lambda platform's wheels (``--platform manylinux2014_aarch64 … --only-binary=:all:``), so the
build runs on any machine and never compiles C. The zip is deterministic (sorted entries, fixed times):
rebuilding unchanged code gives the same bytes, and ``sam deploy`` skips functions whose code did not
change. The sources are compiled to unchecked-hash ``.pyc`` files by an interpreter of the runtime's
version: Lambda's code directory is read-only, so without them every cold start compiles every module it
imports. A build that cannot find such an interpreter that actually runs stops with exit code 2 and says
how to fix it, rather than quietly shipping a slower artefact; ``--no-compile`` is the explicit opt-out.
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


class BuildError(RuntimeError):
    """The build cannot produce what was asked; the message says why and what to do."""


def compile_bytecode(target: Path, python: str, version: str) -> None:
    """Unchecked-hash .pyc files stay valid whatever times the zip gives the sources."""
    completed = subprocess.run(  # noqa: S603 - an interpreter the operator named, fixed arguments
        [python, "-W", "ignore", "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash",
         str(target)],
        capture_output=True, text=True, check=False,
    )
    if completed.returncode != 0:
        detail = (completed.stdout + completed.stderr).strip().splitlines()[-5:]
        raise BuildError(f"{python} failed to precompile the artefact:\n  " + "\n  ".join(detail))
    missing = uncompiled(target, version)
    if missing:
        raise BuildError(f"{len(missing)} modules have no .pyc for Python {version}, e.g. {missing[0]}")


def uncompiled(target: Path, version: str) -> list[str]:
    """DoseKeeper's own modules and the entry points without a .pyc the runtime's Python would load."""
    tag = f"cpython-{version.replace('.', '')}"
    sources = sorted(target.glob("*.py")) + sorted((target / "skill").rglob("*.py"))
    return [
        str(source.relative_to(target)) for source in sources
        if not (source.parent / "__pycache__" / f"{source.stem}.{tag}.pyc").is_file()
    ]


def candidate_pythons(version: str) -> list[str]:
    """Where a Python of `version` usually is: this interpreter, PATH, pyenv's versions, the usual prefixes.

    A pyenv shim named python3.12 is on PATH even when no 3.12 is selected and then fails to run, which is
    why every candidate is probed rather than trusted by name.
    """
    name = f"python{version}"
    found = [sys.executable, shutil.which(name)]
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    found += [str(p) for p in sorted(pyenv_root.glob(f"versions/{version}.*/bin/{name}"), reverse=True)]
    found += [f"/usr/local/bin/{name}", f"/usr/bin/{name}"]
    unique: list[str] = []
    for candidate in found:
        if candidate and candidate not in unique:
            unique.append(candidate)
    return unique


def probe(candidate: str, version: str) -> str | None:
    """None when `candidate` runs and is Python `version`; otherwise why not, in a few words."""
    try:
        completed = subprocess.run(  # noqa: S603 - fixed arguments
            [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True, text=True, check=False, timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"cannot run ({type(exc).__name__})"
    if completed.returncode != 0:
        first = (completed.stderr.strip().splitlines() or [""])[0]
        return f"exits with {completed.returncode}" + (f": {first}" if first else "")
    found = completed.stdout.strip()
    return None if found == version else f"is Python {found}"


def target_python(requested: str | None, version: str) -> str:
    """An interpreter that runs and writes .pyc files the target runtime reads, or a BuildError saying why."""
    if requested:
        problem = probe(requested, version)
        if problem:
            raise BuildError(f"--compile-with {requested} {problem}; it must run and be Python {version}")
        return requested
    return pick_python(candidate_pythons(version), version)


def pick_python(candidates: Sequence[str], version: str) -> str:
    """The first candidate that runs and is Python `version`; else a BuildError naming each and why not."""
    tried: list[str] = []
    for candidate in candidates:
        if not Path(candidate).exists():
            continue
        problem = probe(candidate, version)
        if problem is None:
            return candidate
        tried.append(f"{candidate} {problem}")
    raise BuildError(
        f"no working Python {version} (the Lambda runtime's version) to precompile the artefact.\n"
        + "".join(f"  tried: {line}\n" for line in tried)
        + f"Install Python {version} (or select it: `pyenv shell {version}`), or name one with "
        "--compile-with (make build PYTHON_LAMBDA=/path/to/python" + version + "),\n"
        "or build without .pyc files with --no-compile (make build NO_COMPILE=1): cold starts are then slower."
    )


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


def build(out: Path, *, host: bool, compile_with: str | None = None, compile_pyc: bool = True) -> Artefact:
    version = f"{sys.version_info.major}.{sys.version_info.minor}" if host else LAMBDA_PYTHON
    python = target_python(compile_with, version) if compile_pyc else None  # fail before the slow part
    directory = out / ARTEFACT_NAME
    zip_path = out / f"{ARTEFACT_NAME}.zip"
    if directory.exists():
        shutil.rmtree(directory)
    zip_path.unlink(missing_ok=True)  # a failed build leaves no stale artefact for `sam deploy` to upload
    directory.mkdir(parents=True)
    pip_install(directory, host=host)
    copy_sources(directory)
    drop_caches(directory)
    if python:
        compile_bytecode(directory, python, version)
    else:
        print("note: --no-compile: the artefact ships without .pyc files (slower cold starts)", file=sys.stderr)
    write_zip(directory, zip_path)
    return Artefact(directory, zip_path)


def megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=ROOT / "build", help="output folder (default: build/)")
    parser.add_argument("--host", action="store_true", help="build for this machine instead of Lambda")
    compiling = parser.add_mutually_exclusive_group()
    compiling.add_argument("--compile-with", help=f"a Python {LAMBDA_PYTHON} interpreter to write .pyc files")
    compiling.add_argument("--no-compile", action="store_true", help="ship no .pyc files (slower cold starts)")
    args = parser.parse_args(argv)
    try:
        artefact = build(args.out.resolve(), host=args.host, compile_with=args.compile_with,
                         compile_pyc=not args.no_compile)
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(
        f"{artefact.zip_path}: {megabytes(artefact.zipped_bytes)} zipped, "
        f"{megabytes(artefact.unzipped_bytes)} unzipped (Lambda limits: 50 MB zipped upload, 250 MB unzipped)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
