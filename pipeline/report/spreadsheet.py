"""The themes as a spreadsheet for colleagues: reports/<lab>/themes.xlsx (a sheet per question, a notes sheet) + CSV.

Cells are what people type into a spreadsheet, so a note starting with `=`, `+`, `-`, `@`, a tab or a
carriage return would run as a formula when opened (CSV/formula injection): in the workbook such a
cell is stored as text (Excel's quote prefix, so it reads as typed); in the CSV files it gets a
leading apostrophe, the form spreadsheet programs show as text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import ids
from pipeline.safecsv import FORMULA_STARTS, write_csv

WORKBOOK = "themes.xlsx"
THEMES_CSV = "themes.csv"
NOTES_CSV = "notes.csv"
NOTES_SHEET = "notes"
THEME_COLUMNS = ["theme_id", "title", "summary", "size", "notes", "tables", "rounds", "quotes", "relevant", "edits"]
NOTE_COLUMNS = ["note_id", "provenance", "question", "group", "round", "text", "theme_id", "theme", "status"]
SHEET_NAME_CHARS = 31                      # Excel's limit on a sheet name
FIXED_TIME = (2000, 1, 1, 0, 0, 0)          # zip entry time of every part of the workbook


def theme_rows(themes: list[dict[str, Any]], coverage: pd.DataFrame, question: str) -> pd.DataFrame:
    """One row per theme of a question, in report order: id, title, summary, size, tables, rounds, quotes."""
    rows = []
    for theme in (t for t in themes if t["question"] == question):
        seen = coverage[coverage["theme_id"] == theme["theme_id"]] if not coverage.empty else coverage
        rows.append({
            "theme_id": theme["theme_id"], "title": theme["title"], "summary": ", ".join(theme.get("keywords", [])),
            "size": int(theme["size"]), "notes": int(theme["notes"]),
            "tables": ", ".join(sorted({str(g) for g in seen["group"]})) if len(seen) else
            ", ".join(theme.get("groups", [])),
            "rounds": ", ".join(str(r) for r in sorted({int(r) for r in seen["round"]})) if len(seen) else "",
            "quotes": "\n".join(q["text"] for q in theme.get("quotes", [])),
            "relevant": bool(theme.get("relevant", True)), "edits": ", ".join(theme.get("edits", [])),
        })
    return pd.DataFrame(rows, columns=THEME_COLUMNS)


def note_rows(notes: pd.DataFrame, assignments: pd.DataFrame, themes: list[dict[str, Any]]) -> pd.DataFrame:
    """Every analysed note: the ids edits may use, where it was typed, its text, theme and status."""
    titles = {t["theme_id"]: t["title"] for t in themes}
    merged = notes.merge(assignments[["note_id", "theme_id", "status"]], on="note_id", how="left")
    theme_ids = merged["theme_id"].fillna("").astype(str)
    places = merged["provenance"] if "provenance" in merged else pd.Series([[]] * len(merged), index=merged.index)
    return pd.DataFrame({
        "note_id": [ids.printed(str(n), s) for n, s in zip(merged["note_id"], merged["source_ids"], strict=True)],
        "provenance": [" ".join(p) for p in places],      # for people: the places joined by spaces
        "question": merged["question"], "group": merged["group"], "round": merged["round"], "text": merged["text"],
        "theme_id": theme_ids, "theme": [titles.get(t, "") for t in theme_ids],
        "status": merged["status"].fillna("").astype(str),
    }, columns=NOTE_COLUMNS)


def sheets(notes: pd.DataFrame, assignments: pd.DataFrame, themes: list[dict[str, Any]], coverage: pd.DataFrame,
           questions: list[str]) -> dict[str, pd.DataFrame]:
    """The workbook's sheets: one per question (named by its id), then the notes sheet. Pure."""
    result = {q[:SHEET_NAME_CHARS]: theme_rows(themes, coverage, q) for q in questions}
    result[NOTES_SHEET] = note_rows(notes, assignments, themes)
    return result


def write_workbook(book: dict[str, pd.DataFrame], folder: Path) -> list[Path]:
    """Write themes.xlsx (every text cell stored as text) and themes.csv / notes.csv beside it."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, frame in book.items():
        sheet = workbook.create_sheet(name)
        sheet.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            sheet.append([None if isinstance(v, float) and pd.isna(v) else v for v in row])
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, str):
                    cell.data_type = "s"           # never a formula, whatever it starts with
                    cell.quotePrefix = cell.value.startswith(FORMULA_STARTS)
        for i, column in enumerate(frame.columns, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = 60 if column in ("text", "quotes") else 18
    folder.mkdir(parents=True, exist_ok=True)
    workbook.properties.creator = "worldcafe-harvest"
    xlsx = folder / WORKBOOK
    workbook.save(xlsx)
    _fix_zip_times(xlsx)
    themes = pd.concat([f.assign(question=name) for name, f in book.items() if name != NOTES_SHEET],
                       ignore_index=True) if len(book) > 1 else pd.DataFrame(columns=["question", *THEME_COLUMNS])
    themes = themes[["question", *THEME_COLUMNS]]
    write_csv(themes, folder / THEMES_CSV)
    write_csv(book[NOTES_SHEET], folder / NOTES_CSV)
    return [xlsx, folder / THEMES_CSV, folder / NOTES_CSV]


def _fix_zip_times(path: Path) -> None:
    """Same inputs, same bytes: the workbook's save time (docProps/core.xml) and zip entry times made constant."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as source:
        entries = [(info.filename, source.read(info.filename)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in entries:
            if name == "docProps/core.xml":
                data = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2000-01-01T00:00:00Z", data)
            target.writestr(zipfile.ZipInfo(name, date_time=FIXED_TIME), data, zipfile.ZIP_DEFLATED)
