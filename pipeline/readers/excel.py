"""Excel transcripts: the CSV columns in a sheet, one sheet per session (named after it) or the first sheet."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from pipeline.errors import Problem
from pipeline.lab import Lab
from pipeline.readers.base import Records
from pipeline.readers.labels import sheet_session
from pipeline.readers.table import table_records


def cell_text(value: Any) -> str:
    """An Excel cell as the text a host typed: None -> '', 2.0 -> '2', dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _workbook_sheets(data: bytes) -> list[tuple[str, list[tuple[int, list[str]]]]]:
    """Every worksheet's non-empty rows as (Excel row number, cell texts), read in one go."""
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheets = []
        for sheet in workbook.worksheets:
            sheet.reset_dimensions()  # some programs write a wrong size; read every row there is
            rows = []
            for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                cells = [cell_text(v) for v in row]
                if any(c.strip() for c in cells):
                    rows.append((number, cells))
            sheets.append((str(sheet.title), rows))
        return sheets
    finally:
        workbook.close()



def xlsx_records(data: bytes, file_name: str, lab: Lab) -> Records:
    """An Excel workbook: one sheet per session (named after it) or, otherwise, the first sheet, as in CSV.

    Rows of several session sheets share row numbers, so their records' file reads 'notes.xlsx[s1]':
    note ids stay unique and a message names the sheet.
    """
    try:
        sheets = _workbook_sheets(data)
    except Exception:  # a damaged, old (.xls) or password-protected file fails in many library-specific ways
        return [], [Problem(file_name, None, "cannot be opened as an Excel workbook",
                            "save it again from Excel as .xlsx (Excel Workbook)")]
    if not sheets:
        return [], [Problem(file_name, None, "the workbook has no worksheet", "put the notes in a worksheet")]
    by_session: list[tuple[str, list[tuple[int, list[str]]], str | None]] = [
        (name, rows, sid) for name, rows in sheets if (sid := sheet_session(name, lab))]
    chosen = by_session or [(sheets[0][0], sheets[0][1], None)]
    records: list[dict[str, Any]] = []
    problems: list[Problem] = []
    for name, rows, session_id in chosen:
        shown = f"{file_name}[{name}]" if session_id else file_name
        if not rows:
            problems.append(Problem(shown, None, f"sheet '{name}' is empty", "add notes or delete the sheet",
                                    "warning"))
            continue
        defaults = {"session": session_id} if session_id else None
        sheet_records, sheet_problems = table_records([cells for _, cells in rows], [n for n, _ in rows], shown,
                                                      defaults)
        for record in sheet_records:
            if session_id and not str(record.get("session", "")).strip():
                record["session"] = session_id
        records.extend(sheet_records)
        problems.extend(sheet_problems)
    used = {name for name, _, _ in chosen}
    ignored = ", ".join(repr(name) for name, rows in sheets if name not in used and rows)
    if ignored and by_session:
        problems.append(Problem(file_name, None, f"sheet(s) {ignored} ignored: not named after a session",
                                "if it holds notes, rename it after its session (s1 or 'Sesiunea 1')", "warning"))
    elif ignored:
        problems.append(Problem(file_name, None, f"sheet(s) {ignored} ignored: only the first sheet is read",
                                "move the notes to the first sheet, or name each sheet after its session "
                                "(s1 or 'Sesiunea 1')", "warning"))
    return records, problems
