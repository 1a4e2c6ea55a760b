"""The one place that owns the project's folder layout, and proves every path a stage writes is its own.

A lab id is a path segment: it is checked against `LAB_ID` before it is joined into any path (the CLI,
params.yaml `labs:` and `compare.labs`, `harvest new-lab` all come through here), so `../x`, `/some/lab`,
`a b` or `Kaunė` never reach the file system or dvc's shell. A stage writes and deletes only inside
`data/processed/<lab>/`, the comparison's `data/compare/` or `reports/<lab>/` (resolved, symlinks followed),
never under `data/raw/`.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from pipeline.errors import HarvestError

RAW = Path("data/raw")
PROCESSED = Path("data/processed")
REPORTS = Path("reports")
COMPARE = "compare"       # reports/compare/ holds the cross-city comparison: no lab may take the name
# The comparison's tables: outside data/processed/, which the compare stage reads as a whole (DVC refuses a
# stage output inside one of its own dependency folders).
COMPARED = Path("data") / COMPARE
# Where the tools a run starts keep their caches, profiles and connection files, in the project's .cache/
# rather than the user's home (matplotlib's font list, IPython's profile and history, Jupyter's kernel
# connection files): a run writes nothing outside the project, and no IPython startup script or Jupyter
# setting of the user's runs in a report's kernel.
TOOL_CACHE = Path(".cache")
TOOL_DIRS = {"MPLCONFIGDIR": "matplotlib", "IPYTHONDIR": "ipython", "JUPYTER_CONFIG_DIR": "jupyter/config",
             "JUPYTER_DATA_DIR": "jupyter/data", "JUPYTER_RUNTIME_DIR": "jupyter/runtime"}
LAB_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,79}")
LAB_ID_RULE = "a lab id is 1-80 ASCII letters, digits, '-' and '_' (starting with a letter or digit): the folder name"


def check_lab_id(lab_id: object, where: str = "lab id", line: int | None = None) -> str:
    """The lab id if it is a safe folder name (see `LAB_ID`), else a HarvestError naming where it came from."""
    if not isinstance(lab_id, str) or not LAB_ID.fullmatch(lab_id):
        raise HarvestError.at(where, line, f"lab id {lab_id!r} is not allowed — {LAB_ID_RULE}",
                              "rename the lab folder and its id, e.g. kaunas-2021-03-15")
    if lab_id == COMPARE:
        raise HarvestError.at(where, line, f"lab id '{COMPARE}' is reserved for the cross-city comparison",
                              "choose another id, e.g. the city and the date")
    return lab_id


def confine_tools(root: Path = Path(".")) -> None:
    """Point matplotlib, IPython and Jupyter at the project's .cache/ (TOOL_DIRS) for this process and the
    kernels and workers it starts."""
    for variable, folder in TOOL_DIRS.items():
        os.environ[variable] = str((root / TOOL_CACHE / folder).resolve())


def raw_dir(lab_id: str, root: Path = Path(".")) -> Path:
    """Folder a lab's transcripts and lab.yaml live in (never written by code)."""
    return root / RAW / check_lab_id(lab_id)


def processed_dir(lab_id: str, root: Path = Path(".")) -> Path:
    """Folder for a lab's stage outputs."""
    return root / PROCESSED / check_lab_id(lab_id)


def reports_dir(lab_id: str, root: Path = Path(".")) -> Path:
    """Folder for a lab's executed notebook, HTML and PDF."""
    return root / REPORTS / check_lab_id(lab_id)


def output_dir(folder: Path, root: Path = Path(".")) -> Path:
    """`folder`, created, once proven to lie inside data/processed/, data/compare/ or reports/, outside data/raw/."""
    resolved = folder.resolve()
    raw = (root / RAW).resolve()
    bases = [(root / PROCESSED).resolve(), (root / REPORTS).resolve()]
    inside = any(resolved != base and resolved.is_relative_to(base) for base in bases) \
        or resolved.is_relative_to((root / COMPARED).resolve())
    if not inside or resolved.is_relative_to(raw):
        raise HarvestError.at(folder, None, f"refusing to write to {resolved}: a stage writes only inside "
                              f"{PROCESSED}/<lab>/, {COMPARED}/ or {REPORTS}/<lab>/",
                              "check the lab id and that these folders are not links into data/raw/")
    resolved.mkdir(parents=True, exist_ok=True)
    return folder


def outside_raw(folder: Path, root: Path = Path("."), setting: str = "params.yaml") -> Path:
    """`folder` (a cache, say) once proven not to lie inside data/raw/, where nothing may be written."""
    if folder.resolve().is_relative_to((root / RAW).resolve()):
        raise HarvestError.at(setting, None, f"{folder} is inside {RAW}/, which is never written",
                              "point it to a folder outside data/raw/ (the default is .cache/embeddings)")
    return folder


def clear_output_dir(folder: Path, root: Path = Path(".")) -> Path:
    """Empty a stage's own output folder (it rewrites all its outputs), proven to be one first."""
    output_dir(folder, root)
    if folder.is_symlink():
        raise HarvestError.at(folder, None, "the output folder is a symbolic link; nothing was deleted",
                              "replace the link by a plain folder")
    shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


def lab_file(lab_dir: Path, name: str) -> Path:
    """`lab_dir/name`, once proven not to be a link out of the lab folder: nothing outside the lab and the
    project is read (a `conclusions.md -> /etc/…` would be copied into the report)."""
    path = lab_dir / name
    if path.is_symlink() and not path.resolve().is_relative_to(lab_dir.resolve()):
        raise HarvestError.at(path, None, "a link to a file outside the lab folder: not read",
                              "copy the file into the lab folder instead of linking to it")
    return path
