"""Shared fixtures: small inline labs; the repository's own sample lab (never ../shared)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.lab import Lab, parse_lab

ROOT = Path(__file__).resolve().parents[1]
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
