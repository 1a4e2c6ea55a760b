"""Ingest: a lab's raw transcripts -> one row per note, with provenance and personal data redacted.

Raw files are only read. Redaction happens here, before the first write to data/processed/, so no
email or phone number ever reaches a stage output.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import charset_normalizer
import pandas as pd

from pipeline import paths
from pipeline.errors import HarvestError, Problem
from pipeline.formats import docx_records, markdown_records, xlsx_records
from pipeline.lab import Lab, load_lab
from pipeline.redact import redact

NOTES_DIR = "notes"
CONCLUSIONS = "conclusions.md"
REQUIRED_COLUMNS = ("session", "question", "group", "round", "note")
NOTE_COLUMNS = ["note_id", "lab", "file", "line", "session", "question", "group", "round", "text",
                "redactions"]
# Legacy encodings a table host's computer may save text in, tried when the bytes are not UTF-8: listed
# per language in pipeline/nlp/data/<lang>/encodings.txt; these when a language lists none.
FALLBACK_ENCODINGS = ["cp1250", "iso8859_2", "iso8859_16"]
LANGUAGE_DATA = Path(__file__).parent / "nlp" / "data"


def phone_starts(language: str) -> list[str]:
    """First digits of national phone numbers written without 0 or +, from nlp/data/<lang>/phone_starts.txt."""
    path = LANGUAGE_DATA / language / "phone_starts.txt"
    if not path.is_file():
        return []
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]


def legacy_encodings(language: str) -> list[str]:
    """The 8-bit encodings to try for transcripts of a lab in this language (Windows first)."""
    path = LANGUAGE_DATA / language / "encodings.txt"
    if not path.is_file():
        return FALLBACK_ENCODINGS
    names = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    return [n for n in names if n and not n.startswith("#")] or FALLBACK_ENCODINGS
MAX_NOTE_CHARS = 5000
# Let the csv module read an over-long cell, so the user is told which note is too long instead of
# getting the csv module's field-size error.
csv.field_size_limit(max(csv.field_size_limit(), 64 * 1024 * 1024))
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffd]")


def decode_bytes(data: bytes, path: Path | str, encodings: list[str] | None = None) -> str:
    """Bytes of a transcript -> text: UTF-8 (BOM or not), UTF-16, else the best Central-European guess."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data[:4096]:
        raise HarvestError.at(path, None, "this looks like a binary file, not text",
                              "export the transcript as CSV (UTF-8) or move the file out of notes/")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(data, cp_isolation=encodings or FALLBACK_ENCODINGS).best()
    text = str(best) if best is not None else ""
    bad = _CONTROL.search(text)
    if best is None or bad is not None:
        line = text.count("\n", 0, bad.start()) + 1 if bad is not None else None
        raise HarvestError.at(path, line, "the text encoding could not be recognised (not UTF-8, UTF-16, "
                              "Windows-1250 or ISO-8859-2/16)",
                              "save the file as 'CSV UTF-8' in Excel or as UTF-8 in your editor")
    return text


def _sniff_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def table_records(table: list[list[str]], lines: list[int], file_name: str,
                  defaults: dict[str, str] | None = None) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Rows of a table (first row the header) -> raw note records keyed by column; `lines` gives each row's line.

    `defaults` fills columns the table may leave out (e.g. `session` for an Excel sheet named after it).
    """
    defaults = defaults or {}
    header = [h.strip().lower() for h in table[0]]
    missing = [c for c in REQUIRED_COLUMNS if c not in header and c not in defaults]
    if missing:
        return [], [Problem(file_name, lines[0], f"missing column(s): {', '.join(missing)}",
                            f"the header must be: {','.join(REQUIRED_COLUMNS)} (optional: id)")]
    col = {name: i for i, name in enumerate(header) if name in (*REQUIRED_COLUMNS, "id")}
    records = []
    for row, line in zip(table[1:], lines[1:], strict=True):
        if not any(str(cell).strip() for cell in row):
            continue
        row = list(row) + [""] * (len(header) - len(row))
        record = {"file": file_name, "line": line, **defaults}
        record.update({name: str(row[i]) for name, i in col.items()})
        records.append(record)
    return records, []


def csv_records(text: str, file_name: str) -> tuple[list[dict[str, Any]], list[Problem]]:
    """CSV text (comma, semicolon or tab) with a header row -> raw note records with their line numbers."""
    if not text.strip():
        return [], [Problem(file_name, None, "the file is empty", "add notes or remove the file", "warning")]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text.splitlines()[0]))
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
    return table_records(table, lines, file_name)


def validate_records(records: list[dict[str, Any]], lab: Lab) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Check every record's session, question, group, round, id and length against lab.yaml."""
    problems: list[Problem] = []
    rows: list[dict[str, Any]] = []
    question_session = {q.id: q.session_id for q in lab.questions}
    seen_ids: dict[tuple[str, str], int] = {}
    for record in records:
        file_name, line = record["file"], record["line"]
        value = {k: str(record.get(k, "")).strip() for k in (*REQUIRED_COLUMNS, "id")}
        note = str(record.get("note", ""))
        problem = None
        if value["question"] not in question_session:
            problem = (f"unknown question '{value['question']}'",
                       f"use one of: {', '.join(question_session)} (ids from lab.yaml)")
        elif value["session"] != question_session[value["question"]]:
            problem = (f"question '{value['question']}' is not in session '{value['session']}'",
                       f"set session to '{question_session[value['question']]}'")
        elif value["group"] not in lab.groups:
            problem = (f"unknown group '{value['group']}'", f"use one of: {', '.join(lab.groups)} (ids from lab.yaml)")
        elif not (value["round"] or "1").isdigit():
            problem = (f"round '{value['round']}' is not a whole number", "write the round as 1, 2, 3 …")
        elif len(note) > MAX_NOTE_CHARS:
            problem = (f"note of {len(note)} characters", "split it into one note per idea (one row each)")
        elif value["id"] and (file_name, value["id"]) in seen_ids:
            problem = (f"id '{value['id']}' already used on line {seen_ids[(file_name, value['id'])]}",
                       "give every note its own id, or leave the id column empty")
        if problem is not None:
            problems.append(Problem(file_name, line, *problem))
            continue
        if value["id"]:
            seen_ids[(file_name, value["id"])] = line
        rows.append({"file": file_name, "line": line, "id": value["id"], "session": value["session"],
                     "question": value["question"], "group": value["group"], "round": int(value["round"] or 1),
                     "raw_text": note})
    return rows, problems


def parse_csv(text: str, file_name: str, lab: Lab) -> tuple[list[dict[str, Any]], list[Problem]]:
    """CSV text with columns session,question,group,round,note -> validated note rows and the problems found."""
    records, problems = csv_records(text, file_name)
    rows, invalid = validate_records(records, lab)
    return rows, problems + invalid


def _read_csv(data: bytes, file_name: str, lab: Lab) -> tuple[list[dict[str, Any]], list[Problem]]:
    return csv_records(decode_bytes(data, file_name, legacy_encodings(lab.language)), file_name)


# File type -> reader of raw note records; every reader's records are validated the same way.
READERS: dict[str, Callable[[bytes, str, Lab], tuple[list[dict[str, Any]], list[Problem]]]] = {
    "csv": _read_csv,
    "tsv": _read_csv,
    "xlsx": xlsx_records,
    "md": markdown_records,
    "txt": markdown_records,
    "docx": docx_records,
}


def note_id(lab_id: str, row: dict[str, Any]) -> str:
    """Stable id of a raw note: lab, file and line — or the transcriber's own id when the file has one."""
    return f"{lab_id}/{row['file']}#{row['id']}" if row.get("id") else f"{lab_id}/{row['file']}:{row['line']}"


def notes_frame(rows: list[dict[str, Any]], lab: Lab) -> pd.DataFrame:
    """Rows from all files -> the ingest table, ids assigned and personal data redacted."""
    records = []
    starts = phone_starts(lab.language)
    for row in rows:
        text, counts = redact(row["raw_text"], lab.people, starts)
        records.append({
            "note_id": note_id(lab.id, row), "lab": lab.id, "file": row["file"],
            "line": row["line"], "session": row["session"], "question": row["question"],
            "group": row["group"], "round": row["round"], "text": text,
            "redactions": json.dumps(dict(sorted(counts.items())), ensure_ascii=False),
        })
    frame = pd.DataFrame.from_records(records, columns=NOTE_COLUMNS)
    return frame.astype({"line": "int64", "round": "int64"})


def read_lab_notes(lab_dir: Path, formats: list[str]) -> tuple[Lab, pd.DataFrame, list[Problem]]:
    """Read lab.yaml and every transcript in notes/; errors raise, warnings are returned."""
    lab = load_lab(lab_dir)
    notes_dir = lab_dir / NOTES_DIR
    if not notes_dir.is_dir():
        raise HarvestError.at(notes_dir, None, "no notes/ folder", "put the transcripts in notes/")
    problems: list[Problem] = []
    rows: list[dict[str, Any]] = []
    files = sorted(p for p in notes_dir.iterdir() if p.is_file() and not p.name.startswith("."))
    for path in files:
        shown = str(path)
        kind = path.suffix.lower().lstrip(".")
        if kind not in formats or kind not in READERS:
            problems.append(Problem(shown, None, f"unsupported file type '{path.suffix}'",
                                    f"save it as one of: {', '.join(f for f in formats if f in READERS)}",
                                    "warning"))
            continue
        try:
            records, file_problems = READERS[kind](path.read_bytes(), path.name, lab)
        except HarvestError as exc:
            records, file_problems = [], exc.problems
        file_rows, invalid = validate_records(records, lab)
        # Readers name the file (and an Excel sheet: 'notes.xlsx[s1]'); show it with its folder.
        problems.extend(Problem(str(path.parent / p.path), p.line, p.problem, p.fix, p.severity)
                        for p in file_problems + invalid)
        rows.extend(file_rows)
    if not files:
        problems.append(Problem(str(notes_dir), None, "no transcripts found", "add the table notes as CSV"))
    seen = Counter(r["question"] for r in rows)
    for q in lab.questions:
        if seen[q.id] == 0:
            problems.append(Problem(str(lab_dir / "lab.yaml"), None, f"question '{q.id}' has no notes",
                                    "add its notes or remove it from lab.yaml", "warning"))
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise HarvestError(errors)
    return lab, notes_frame(rows, lab), problems


def run(lab_id: str, params: dict[str, Any], root: Path = Path(".")) -> list[Problem]:
    """DVC stage: write data/processed/<lab>/notes_raw.parquet and lab.json; return the warnings."""
    lab, notes, warnings = read_lab_notes(paths.raw_dir(lab_id, root), params["ingest"]["formats"])
    out = paths.processed_dir(lab_id, root)
    out.mkdir(parents=True, exist_ok=True)
    notes.to_parquet(out / "notes_raw.parquet", index=False)
    (out / "lab.json").write_text(json.dumps(lab.to_dict(), ensure_ascii=False, indent=2), encoding="utf-8")
    (out / CONCLUSIONS).write_text(read_conclusions(paths.raw_dir(lab_id, root), lab), encoding="utf-8")
    return warnings


def read_conclusions(lab_dir: Path, lab: Lab) -> str:
    """The facilitator's conclusions.md (redacted like the notes), or '' when the lab has none."""
    path = lab_dir / CONCLUSIONS
    if not path.is_file():
        return ""
    text, _ = redact(decode_bytes(path.read_bytes(), str(path), legacy_encodings(lab.language)), lab.people,
                     phone_starts(lab.language))
    return text.strip() + "\n" if text.strip() else ""
