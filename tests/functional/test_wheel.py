"""The built wheel works on its own: installed into a fresh venv, it serves pages and answers a chat turn.

A wheel that forgot its templates, static files or interaction models still imports; it fails on the first
page or the first typed sentence. So the wheel is built from a copy of the sources, installed into a venv
of its own (``--no-deps``: its dependencies are reused from the development venv through a ``.pth`` line,
which adds that folder to ``sys.path`` without running its editable-install hook), and run from a folder
outside the repository, so nothing can be read from the source tree.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.serve_process import dosekeeper_serve

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("pyproject.toml", "README.md", "skill")
SKIPPED = shutil.ignore_patterns("__pycache__", "*.pyc", ".mypy_cache")


@dataclass(frozen=True)
class Installed:
    venv: Path
    wheel: Path
    outside: Path  # a working directory with no sources in it

    @property
    def bin(self) -> Path:
        return self.venv / "bin"

    def env(self, store: Path) -> dict[str, str]:
        kept = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"}}
        return kept | {"PATH": f"{self.bin}{os.pathsep}{os.environ.get('PATH', '')}",
                       "DOSEKEEPER_STORE": f"sqlite:///{store}", "PYTHONSAFEPATH": "1"}

    def run(self, store: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(self.bin / "dosekeeper"), *args], input=stdin, capture_output=True, text=True,
                              cwd=self.outside, env=self.env(store), check=False, timeout=60)


def run(*command: str | Path, cwd: Path) -> str:
    done = subprocess.run([str(part) for part in command], cwd=cwd, capture_output=True, text=True, check=False,
                          timeout=120)
    assert done.returncode == 0, f"{command}: {done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    work = tmp_path_factory.mktemp("wheel")
    # GIVEN a wheel built offline from a copy of the sources (the build writes build/ beside the sources)
    source = work / "source"
    source.mkdir()
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=SKIPPED)
        else:
            shutil.copy2(path, source / name)
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "--quiet",
        "--wheel-dir", work / "dist", source, cwd=work)
    [wheel] = sorted((work / "dist").glob("dosekeeper-*.whl"))
    # AND a fresh venv that sees the development venv's packages but not its editable DoseKeeper
    venv = work / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=work)
    site = Path(run(venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
                    cwd=work).strip())
    (site / "dosekeeper-dev-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    run(venv / "bin" / "python", "-m", "pip", "install", "--no-deps", "--no-index", "--quiet", wheel, cwd=work)
    outside = work / "elsewhere"
    outside.mkdir()
    return Installed(venv, wheel, outside)


def test_the_venv_imports_dosekeeper_from_the_wheel_not_the_sources(installed: Installed, tmp_path: Path) -> None:
    probe = subprocess.run(
        [str(installed.bin / "python"), "-c", "import skill.web.app, skill.voice_console.model as m; "
         "print(m.__file__); print(','.join(m.available_locales()))"],
        capture_output=True, text=True, cwd=installed.outside, env=installed.env(tmp_path / "x.db"), check=False)
    assert probe.returncode == 0, probe.stderr[-2000:]
    module_file, locales = probe.stdout.split()
    assert Path(module_file).is_relative_to(installed.venv), module_file
    assert locales == "en-GB,en-US"


def test_the_installed_wheel_serves_pages_and_answers_a_chat_turn(installed: Installed, tmp_path: Path) -> None:
    store = tmp_path / "demo.db"
    # WHEN the installed command serves the demo on a loopback port
    with dosekeeper_serve([str(installed.bin / "dosekeeper")], ["--demo", "--allow-unsigned", "--no-sweep"],
                          env=installed.env(store), cwd=installed.outside,
                          stderr_path=tmp_path / "serve.log") as served:
        # THEN the sign-in page renders from the packaged templates, with the packaged stylesheet
        status, page = served.get("/login")
        assert status == 200 and "<form" in page and "password" in page.lower()
        css_status, css = served.get("/static/app.css")
        assert css_status == 200 and css.strip()
        # AND the health check answers
        assert served.get("/healthz")[0] == 200
        # AND a demo recipient answers on the console, matched against the packaged interaction model
        listed = installed.run(store, "recipient", "list", "--json")
        assert listed.returncode == 0, listed.stderr
        person = json.loads(listed.stdout)[0]
        chat = installed.run(store, "chat", person["id"], stdin="what medicines do I take\n")
        logs = served.stop()
    assert chat.returncode == 0, chat.stdout + chat.stderr
    said = [line.removeprefix("Alexa: ") for line in chat.stdout.splitlines() if line.startswith("Alexa: ")]
    assert said[0].startswith(f"Hello {person['name']}"), said
    assert said[1].startswith("You take "), said
    # AND the server's log is JSON lines from the installed logging setup
    assert [json.loads(line)["message"] for line in logs.splitlines() if '"serving"' in line] == ["serving"]


def test_the_installed_wheel_exports_home_assistant_sentences_from_its_own_grammar(
        installed: Installed, tmp_path: Path) -> None:
    # GIVEN a store with the demo people, made by the installed command
    store = tmp_path / "demo.db"
    assert installed.run(store, "store", "init").returncode == 0
    # WHEN Home Assistant's configuration is exported for the whole household, outside the repository
    out = installed.outside / "ha"
    exported = installed.run(store, "assist", "export", "--out", str(out), "--locale", "en-GB")
    # THEN the sentences come from the grammar packaged in the wheel
    assert exported.returncode == 0, exported.stdout + exported.stderr
    sentences = (out / "custom_sentences" / "en" / "dosekeeper.yaml").read_text(encoding="utf-8")
    assert "DoseKeeperLogDose" in sentences and "took" in sentences
