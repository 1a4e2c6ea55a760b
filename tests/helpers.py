"""Helpers for tests that run the pipeline in a temporary copy of the project."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from pipeline.newlab import LAB_FILES
from pipeline.redact import find_personal_data
from tests.conftest import ROOT, SAMPLE_LAB


def command_env(home: Path | None = None) -> dict[str, str]:
    """The environment with this venv's bin first, as `make` gives dvc's stage commands; with `home`, a user
    whose home folder is that one (and no XDG folders elsewhere)."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    if home is not None:
        env["HOME"] = str(home)
        for variable in [v for v in env if v.startswith("XDG_")]:
            del env[variable]
    return env


def run_command(args: list[str], cwd: Path, home: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run a command in cwd; fail the test with its output when it fails."""
    result = subprocess.run(args, cwd=cwd, env=command_env(home), capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


def dvc(args: list[str], cwd: Path, home: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`dvc ARGS` in a temporary project."""
    return run_command([sys.executable, "-m", "dvc", *args], cwd, home)


def pdf_text(pdf: Path) -> str:
    """The text of a PDF, as pdftotext reads it."""
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def make_project(work: Path, notes_per_file: int) -> Path:
    """A git-initialised copy of the project with only the sample lab, which keeps about notes_per_file notes per
    transcript (spread over the file, every question kept, contact data included); vectors come from the shared
    cache."""
    for name in ("dvc.yaml", "params.yaml", ".dvcignore"):
        shutil.copy(ROOT / name, work / name)
    for folder in ("pipeline", "notebooks", "codebooks", ".dvc"):
        shutil.copytree(ROOT / folder, work / folder, ignore=shutil.ignore_patterns("__pycache__", "tmp", "cache"))
    lab_dir = work / "data" / "raw" / SAMPLE_LAB.name
    (lab_dir / "notes").mkdir(parents=True)
    for name in ("lab.yaml", *LAB_FILES):                  # what dvc.yaml reads of a lab besides notes/
        shutil.copy(SAMPLE_LAB / name, lab_dir / name)
    for source in sorted((SAMPLE_LAB / "notes").glob("*.csv")):
        with source.open(encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
        header, body = rows[0], rows[1:]
        keep = body[:: max(1, len(body) // notes_per_file)] + [r for r in body if find_personal_data(r[-1])]
        with (lab_dir / "notes" / source.name).open("w", encoding="utf-8", newline="") as f:
            csv.writer(f).writerows([header, *keep])
    params = yaml.safe_load((work / "params.yaml").read_text(encoding="utf-8"))
    params["embed"]["cache_dir"] = str(ROOT / ".cache" / "embeddings")
    params["labs"] = [SAMPLE_LAB.name]                      # the copy holds only the sample lab …
    params["compare"]["labs"] = []                          # … so there is nothing to compare yet
    (work / "params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True, sort_keys=False), encoding="utf-8")
    run_command(["git", "init", "-q"], work)
    return lab_dir
