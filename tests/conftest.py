"""Shared fixtures: small inline labs; the repository's own sample lab (never ../shared)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from pipeline.lab import Lab, parse_lab
from pipeline.paths import TOOL_DIRS, confine_tools

ROOT = Path(__file__).resolve().parents[1]
confine_tools(ROOT)      # the tests' kernels and matplotlib keep their caches in the project's .cache/, as runs do


@pytest.fixture(autouse=True)
def _tool_folders_stay_the_projects(monkeypatch: pytest.MonkeyPatch) -> None:
    """A test that calls `harvest` in-process in a temporary project points the tools at that project's
    .cache/ (cli.main does, for its process); the next test gets this project's back."""
    for variable in TOOL_DIRS:
        monkeypatch.setenv(variable, os.environ[variable])


class _OneTextAtATime:
    """A lingua detector whose parallel call detects on the calling thread."""

    def __init__(self, detector: Any) -> None:
        self.detector = detector

    def detect_languages_in_parallel_of(self, texts: list[str]) -> list[Any]:
        return [self.detector.detect_language_of(text) for text in texts]


@pytest.fixture(autouse=True)
def _lingua_on_the_calling_thread_under_mutmut(monkeypatch: pytest.MonkeyPatch) -> None:
    """mutmut forks each mutant's test run from a process whose lingua thread pool already ran; threads do not
    survive a fork, so a parallel detection hangs until the time limit and every mutant of clean.py reads as a
    timeout. Under mutmut only (it sets MUTANT_UNDER_TEST), detect one text at a time: same results."""
    if "MUTANT_UNDER_TEST" not in os.environ:
        return
    import pipeline.clean as clean

    build = clean._detector
    monkeypatch.setattr(clean, "_detector", lambda *args: (lambda d: d and _OneTextAtATime(d))(build(*args)))
SAMPLE_LAB = ROOT / "data" / "raw" / "timisoara-2020-10-20"

MINI_LAB_YAML = """\
id: mini-lab
title: "Atelier de test"
city: Timișoara
date: 2020-10-20
language: ro
groups:
  - id: A
  - id: B
sessions:
  - id: s1
    questions:
      - id: s1q1
        text: "Cum putem activa mai multe start-up-uri?"
        text_en: "How can we activate more start-ups?"
  - id: s2
    questions:
      - id: s2q1
        text: "Cum a fost afectat sectorul de pandemie?"
people:
  - Ana Popescu
"""


@pytest.fixture
def mini_lab() -> Lab:
    return parse_lab(MINI_LAB_YAML, "mini-lab/lab.yaml")


@pytest.fixture
def mini_lab_dir(tmp_path: Path) -> Path:
    lab_dir = tmp_path / "mini-lab"
    (lab_dir / "notes").mkdir(parents=True)
    (lab_dir / "lab.yaml").write_text(MINI_LAB_YAML, encoding="utf-8")
    return lab_dir


@pytest.fixture(scope="session")
def sample_notes_and_vectors() -> tuple[Lab, Any, Any]:
    """The sample lab, its clean notes and their e5 vectors, made once for the tests that fit its themes
    (read only: the stages under test are pure)."""
    from pipeline.clean import clean_notes
    from pipeline.embed import embed_texts, make_embedder
    from pipeline.ingest import read_lab_notes
    from pipeline.params import CleanParams, load_params, typed

    params = load_params(ROOT / "params.yaml")
    lab, raw, _ = read_lab_notes(SAMPLE_LAB, ["csv"])
    clean, _ = clean_notes(raw, "ro", typed(params, CleanParams))
    vectors, _ = embed_texts(clean["text"].tolist(), make_embedder(params["embed"], "ro")[0], None)
    return lab, clean, vectors
