"""The one place that owns the project's folder layout."""

from __future__ import annotations

from pathlib import Path

RAW = Path("data/raw")
PROCESSED = Path("data/processed")
REPORTS = Path("reports")


def raw_dir(lab_id: str, root: Path = Path(".")) -> Path:
    """Folder a lab's transcripts and lab.yaml live in (never written by code)."""
    return root / RAW / lab_id


def processed_dir(lab_id: str, root: Path = Path(".")) -> Path:
    """Folder for a lab's stage outputs."""
    return root / PROCESSED / lab_id


def reports_dir(lab_id: str, root: Path = Path(".")) -> Path:
    """Folder for a lab's executed notebook, HTML and PDF."""
    return root / REPORTS / lab_id
