"""Excel transcripts: the CSV columns in a sheet, one sheet per session (named after it) or the first sheet."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

from pipeline.errors import Problem
from pipeline.lab import Lab
from pipeline.readers.base import NO_LIMITS, Limits, Records
from pipeline.readers.labels import label, sheet_session
from pipeline.readers.office import unpacked_size_problem
from pipeline.readers.table import REQUIRED_COLUMNS, table_records

_ZERO_PADDED = re.compile(r"0+")
HEADER_SEARCH_ROWS = 10     # a sheet's header may sit below a title row or two ('Notițe — Grupa A')


class _TooManyRows(Exception):
    """A sheet with more rows than ingest.max_rows."""


def cell_text(value: Any, number_format: str | None = None) -> str:
    """An Excel cell as the text a host typed: None -> '', 2.0 -> '2', dates in ISO form.

    A number shown with leading zeros (format '0000000000') keeps them: 0722123456, not 722123456.
    """
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer() \
            and number_format and _ZERO_PADDED.fullmatch(number_format):
        return str(int(value)).zfill(len(number_format))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _workbook_sheets(data: bytes, max_rows: int | None) -> tuple[list[tuple[str, list[tuple[int, list[str]]]]],
                                                                   list[str]]:
    """Every visible worksheet's non-empty rows as (Excel row number, cell texts), read in one go, and the
    names of the hidden sheets (kept out: a hidden sheet holds what its author put away, e.g. an old draft)."""
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheets, hidden = [], []
        for sheet in workbook.worksheets:
            if sheet.sheet_state != "visible":
                hidden.append(str(sheet.title))
                continue
            sheet.reset_dimensions()  # some programs write a wrong size; read every row there is
            rows = []
            for number, row in enumerate(sheet.iter_rows(), start=1):
                if max_rows is not None and number > max_rows:
                    raise _TooManyRows(str(sheet.title))
                cells = [cell_text(c.value, getattr(c, "number_format", None)) for c in row]
                if any(c.strip() for c in cells):
                    rows.append((number, cells))
            sheets.append((str(sheet.title), rows))
        return sheets, hidden
    finally:
        workbook.close()


def header_row(rows: list[tuple[int, list[str]]], defaults: dict[str, str] | None) -> int | None:
    """Index of the sheet's header row among its first rows (the first holding every column the sheet must
    have), None when there is none."""
    needed = [c for c in REQUIRED_COLUMNS if c not in (defaults or {})]
    for index, (_, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        names = {c.strip().lower() for c in cells}
        if all(c in names for c in needed):
            return index
    return None


def xlsx_records(data: bytes, file_name: str, lab: Lab, limits: Limits = NO_LIMITS) -> Records:
    """An Excel workbook: one sheet per session (named after it) or, otherwise, the first sheet, as in CSV.

    Rows of several session sheets share row numbers, so their records' file reads 'notes.xlsx[s1]':
    note ids stay unique and a message names the sheet.
    """
    too_big = unpacked_size_problem(data, file_name, limits)
    if too_big is not None:
        return [], [too_big]
    try:
        sheets, hidden = _workbook_sheets(data, limits.max_rows)
    except _TooManyRows as exc:
        return [], [Problem(f"{file_name}[{exc}]", None,
                            f"more than ingest.max_rows ({limits.max_rows}) rows: not read",
                            "split the notes over several sheets or files; if they are genuine, raise "
                            "ingest.max_rows in params.yaml")]
    except Exception:  # a damaged, old (.xls) or password-protected file fails in many library-specific ways
        return [], [Problem(file_name, None, "cannot be opened as an Excel workbook",
                            "save it again from Excel as .xlsx (Excel Workbook)")]
    hidden_note = [Problem(file_name, None, f"hidden sheet(s) {', '.join(map(repr, hidden))} not read",
                           "if one holds notes, unhide it in Excel (right-click a sheet tab, Unhide)", "warning")
                   ] if hidden else []
    if not sheets:
        return [], [*hidden_note, Problem(file_name, None, "the workbook has no visible worksheet",
                                          "put the notes in a visible worksheet")]
    by_session: list[tuple[str, list[tuple[int, list[str]]], str | None]] = [
        (name, rows, sid) for name, rows in sheets if (sid := sheet_session(name, lab))]
    # Without session sheets, the first sheet with a header row (an instructions sheet may come first).
    first = next((s for s in sheets if s[1] and header_row(s[1], None) is not None), sheets[0])
    chosen = by_session or [(first[0], first[1], None)]
    records: list[dict[str, Any]] = []
    problems: list[Problem] = list(hidden_note)
    for name, rows, session_id in chosen:
        shown = f"{file_name}[{name}]" if session_id else file_name
        if not rows:
            problems.append(Problem(shown, None, f"sheet '{name}' is empty", "add notes or delete the sheet",
                                    "warning"))
            continue
        defaults = {"session": session_id} if session_id else None
        start = header_row(rows, defaults)
        if start:           # title rows above the header: not notes, and said so
            problems.append(Problem(shown, rows[0][0], f"{start} row(s) above the header row {rows[start][0]} "
                                    "are not read", "keep them if they are a title; move notes below the header",
                                    "warning"))
            rows = rows[start:]
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
                                f"if it holds notes, rename it after its session (s1 or '{label(lab, 'session')} 1')",
                                "warning"))
    elif ignored:
        problems.append(Problem(file_name, None, f"sheet(s) {ignored} ignored: only sheet '{first[0]}' (the "
                                "first with a header row) is read",
                                "move the notes to that sheet, or name each sheet after its session "
                                f"(s1 or '{label(lab, 'session')} 1')", "warning"))
    return records, problems
