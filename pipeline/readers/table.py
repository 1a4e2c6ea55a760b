"""CSV (comma, semicolon or tab) and any table with a header row -> raw note records keyed by column."""

from __future__ import annotations

import csv
import io
from typing import Any

from pipeline.errors import Problem
from pipeline.lab import Lab
from pipeline.readers.base import NO_LIMITS, Limits, Records
from pipeline.readers.decoding import decode_in_language

REQUIRED_COLUMNS = ("session", "question", "group", "round", "note")
COLUMNS = (*REQUIRED_COLUMNS, "id")     # every column a transcript table may have
# Let the csv module read an over-long cell, so the user is told which note is too long instead of
# getting the csv module's field-size error.
csv.field_size_limit(max(csv.field_size_limit(), 64 * 1024 * 1024))


def _sniff_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def table_records(table: list[list[str]], lines: list[int], file_name: str,
                  defaults: dict[str, str] | None = None, delimiter: str | None = None) -> Records:
    """Rows of a table (first row the header) -> raw note records keyed by column; `lines` gives each row's line.

    `defaults` fills columns the table may leave out (e.g. `session` for an Excel sheet named after it).
    `delimiter`: the table is CSV, and a row with more cells than the header is a note typed with the
    delimiter but without quotes (`…,1,Spații ieftine, ateliere`): when the note is the last column its
    cells are joined back (nothing of it is lost), otherwise the row is an error.
    """
    defaults = defaults or {}
    header = [h.strip().lower() for h in table[0]]
    while header and not header[-1]:
        header.pop()            # "…,note," : an empty last header cell is no column
    missing = [c for c in REQUIRED_COLUMNS if c not in header and c not in defaults]
    if missing:
        return [], [Problem(file_name, lines[0], f"missing column(s): {', '.join(missing)}",
                            f"the header must be: {','.join(REQUIRED_COLUMNS)} (optional: id)")]
    twice = sorted({name for name in header if name in COLUMNS and header.count(name) > 1})
    if twice:       # the last one would win, and the notes of the others be lost without a word
        return [], [Problem(file_name, lines[0], f"column(s) {', '.join(twice)} appear twice in the header",
                            "keep one column of each name (put a second note on a row of its own)")]
    col = {name: i for i, name in enumerate(header) if name in COLUMNS}
    records: list[dict[str, Any]] = []
    problems: list[Problem] = []
    for row, line in zip(table[1:], lines[1:], strict=True):
        if not any(str(cell).strip() for cell in row):
            continue
        if any(str(cell).strip() for cell in row[len(header):]):
            row, problem = _overflowing_row(list(row), header, delimiter, file_name, line)
            problems.append(problem)
            if problem.severity == "error":
                continue
        row = list(row) + [""] * (len(header) - len(row))
        record: dict[str, Any] = {"file": file_name, "line": line, **defaults}
        record.update({name: str(row[i]) for name, i in col.items()})
        records.append(record)
    return records, problems


def _overflowing_row(row: list[str], header: list[str], delimiter: str | None, file_name: str,
                     line: int) -> tuple[list[str], Problem]:
    """A row with filled cells beyond the header: the row as read, and what the user is told."""
    width = len(header)
    if delimiter is None:       # a spreadsheet: cells in a column without a header
        filled = sum(1 for cell in row[width:] if str(cell).strip())
        return row, Problem(file_name, line, f"{filled} filled cell(s) right of the last column "
                            "are not read", "give that column a header, or move the text into the note", "warning")
    shown = "tab" if delimiter == "\t" else f"'{delimiter}'"
    if header[-1] == "note":
        joined = row[:width - 1] + [delimiter.join(row[width - 1:]).rstrip(delimiter)]
        return joined, Problem(file_name, line, f"the note holds {shown} without quotes; read as one note",
                               f"put a note containing {shown} in double quotes (Excel's CSV UTF-8 does this)",
                               "warning")
    return row, Problem(file_name, line, f"{len(row)} cells where the header has {width}: a note holds {shown} "
                        "without quotes", f"put a note containing {shown} in double quotes (Excel's CSV UTF-8 "
                        "does this)")


def csv_records(text: str, file_name: str) -> Records:
    """CSV text (comma, semicolon or tab) with a header row -> raw note records with their line numbers."""
    if not text.strip():
        return [], [Problem(file_name, None, "the file is empty", "add notes or remove the file", "warning")]
    delimiter = _sniff_delimiter(text.splitlines()[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    table: list[list[str]] = []
    lines: list[int] = []
    line = 1
    try:
        for record in reader:
            table.append(record)
            lines.append(line)
            line = reader.line_num + 1
    except csv.Error as exc:
        return [], [Problem(file_name, line, f"the CSV cannot be read ({exc})",
                            "check quotes: a note with a comma or quote must be in double quotes")]
    unclosed = _unclosed_quote(text, table, lines, delimiter, file_name)
    if unclosed is not None:
        return [], [unclosed]
    return table_records(table, lines, file_name, delimiter=delimiter)


def _unclosed_quote(text: str, table: list[list[str]], lines: list[int], delimiter: str,
                    file_name: str) -> Problem | None:
    """A quote opened and never closed reads the rows below it as one long note, losing them without a word:
    a record whose later physical lines each look like a whole row of their own (as many cells as the header)."""
    physical = io.StringIO(text, newline="").readlines()
    ends = [*lines[1:], len(physical) + 1]
    for first, end in zip(lines, ends, strict=True):
        swallowed = [first + i for i, inner in enumerate(physical[first:end - 1], start=1)
                     if len(next(csv.reader([inner], delimiter=delimiter), [])) >= len(table[0]) > 1]
        if swallowed and first != lines[0]:
            return Problem(file_name, first, f"a quote opened on this line is not closed: line(s) "
                           f"{swallowed[0]}–{swallowed[-1]}, which look like rows of their own, would be read "
                           "as part of this note", 'close the quote with " at the end of the note, or remove it')
    return None


def csv_file_records(data: bytes, file_name: str, lab: Lab, limits: Limits = NO_LIMITS) -> Records:
    """A CSV/TSV file in any encoding ingest detects -> raw note records."""
    return csv_records(decode_in_language(data, file_name, lab.language), file_name)
