"""Tables we write for spreadsheets: no cell can run as a formula (OWASP CSV injection), text stays readable.

A text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return would be run as a formula by
Excel or LibreOffice (`=HYPERLINK(…)` in a note becomes a live link in links.csv). Such a cell is written
with a leading apostrophe — the spreadsheet convention for "this is text" — so it reads
`'=HYPERLINK(…)`. A cell that itself starts with an apostrophe gets one more, so `read_csv` restores
every value exactly and the stages that read our CSVs see the original text. Numbers are left alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TEXT_MARK = "'"


def neutralise(value: Any) -> Any:
    """The cell as a spreadsheet shows it as text; non-text values unchanged."""
    if isinstance(value, str) and value.startswith((*FORMULA_STARTS, TEXT_MARK)):
        return TEXT_MARK + value
    return value


def restore(value: Any) -> Any:
    """Undo `neutralise` on a cell read back from one of our files."""
    if isinstance(value, str) and value.startswith(TEXT_MARK):
        return value[len(TEXT_MARK):]
    return value


def _is_text(column: pd.Series) -> bool:
    return column.dtype == object or pd.api.types.is_string_dtype(column)


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of the frame whose text cells (headers included) cannot run as formulas."""
    out = frame.copy()
    for column in out.columns:
        if _is_text(out[column]):
            out[column] = out[column].map(neutralise)
    out.columns = [neutralise(c) for c in out.columns]
    return out


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write a stage's table as UTF-8 CSV without index, formula-safe; the one CSV writer of the pipeline."""
    neutralise_frame(frame).to_csv(path, index=False, lineterminator="\n")


def read_csv(path: Path) -> pd.DataFrame:
    """Read a CSV that `write_csv` wrote, with the original texts (empty cells stay empty strings)."""
    frame = pd.read_csv(path, keep_default_na=False)
    for column in frame.columns:
        if _is_text(frame[column]):
            frame[column] = frame[column].map(restore)
    frame.columns = [restore(c) for c in frame.columns]
    return frame
