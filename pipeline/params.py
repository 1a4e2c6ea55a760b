"""params.yaml: every tunable, one section per stage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.errors import HarvestError
from pipeline.paths import check_lab_id
from pipeline.yamlsafe import key_lines, load_yaml_node

PARAMS_FILE = Path("params.yaml")


def load_params(path: Path = PARAMS_FILE) -> dict[str, Any]:
    """The whole params.yaml as a dict; a missing or broken file is a HarvestError."""
    if not path.is_file():
        raise HarvestError.at(path, None, "params.yaml not found", "run harvest from the project folder")
    data, node = load_yaml_node(path)
    if not isinstance(data, dict) or node is None:
        raise HarvestError.at(path, 1, "params.yaml must be a mapping", "restore it from git")
    check_lab_lists(data, key_lines(node), path)
    return data


def check_lab_lists(params: dict[str, Any], lines: dict[str, int], path: Path = PARAMS_FILE) -> None:
    """Every id under `labs:` and `compare.labs:` is a safe lab id (checked before any path is built)."""
    for key, labs in (("labs", params.get("labs")), ("compare.labs", (params.get("compare") or {}).get("labs"))):
        if labs is None:
            continue
        if not isinstance(labs, list):
            raise HarvestError.at(path, lines.get(key), f"'{key}' must be a list of lab ids",
                                  "write one '  - <lab-id>' per line")
        for i, lab_id in enumerate(labs):
            check_lab_id(lab_id, str(path), lines.get(f"{key}.{i}", lines.get(key)))


def section(params: dict[str, Any], name: str) -> dict[str, Any]:
    """One stage's section; missing sections are an error naming the section."""
    if name not in params or not isinstance(params[name], dict):
        raise HarvestError.at(PARAMS_FILE, None, f"section '{name}:' missing",
                              f"add the '{name}:' section (see the README)")
    return params[name]
