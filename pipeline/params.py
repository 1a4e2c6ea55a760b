"""params.yaml: every tunable, one section per stage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from pipeline.errors import HarvestError

PARAMS_FILE = Path("params.yaml")


def load_params(path: Path = PARAMS_FILE) -> dict[str, Any]:
    """The whole params.yaml as a dict; a missing or broken file is a HarvestError."""
    if not path.is_file():
        raise HarvestError.at(path, None, "params.yaml not found", "run harvest from the project folder")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise HarvestError.at(path, mark.line + 1 if mark else None, "params.yaml is not valid YAML",
                              "fix the indentation or quoting at that line") from None
    if not isinstance(data, dict):
        raise HarvestError.at(path, 1, "params.yaml must be a mapping", "restore it from git")
    return data


def section(params: dict[str, Any], name: str) -> dict[str, Any]:
    """One stage's section; missing sections are an error naming the section."""
    if name not in params or not isinstance(params[name], dict):
        raise HarvestError.at(PARAMS_FILE, None, f"section '{name}:' missing",
                              f"add the '{name}:' section (see the README)")
    return params[name]
