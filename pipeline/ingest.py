"""Ingest: a lab's raw transcripts -> one row per note, with provenance and personal data redacted.

Raw files are only read. Redaction happens here, before the first write to data/processed/, so no
email or phone number ever reaches a stage output.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import catalog, ids, paths
from pipeline.errors import HarvestError, Problem
from pipeline.lab import LAB_FILE, Lab, load_lab
from pipeline.lang import language
from pipeline.params import IngestParams, typed
from pipeline.readers import (
    COLUMNS,
    NO_LIMITS,
    READERS,
    Limits,
    csv_records,
    decode_in_language,
    transcript_files,
)
from pipeline.redact import redact, redact_fields, unique_redactions
from pipeline.translations import read_translations, translations_frame

NOTES_DIR = "notes"
# What ingest reads of data/raw/<lab>/ (dvc.yaml lists exactly these: editing theme_edits.yaml never re-runs it).
RAW_INPUTS = (LAB_FILE, NOTES_DIR, catalog.CONCLUSIONS.name, catalog.TRANSLATIONS.name)
NOTE_COLUMNS = ["note_id", "lab", "file", "line", "session", "question", "group", "round", "text",
                "redactions"]
MAX_NOTE_CHARS = 5000
MAX_ROUND = 99          # a world café has a few rounds; a larger number is a typing slip
HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)      # a remark for whoever edits conclusions.md


def validate_records(records: list[dict[str, Any]], lab: Lab) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Check every record's session, question, group, round, id and length against lab.yaml."""
    problems: list[Problem] = []
    rows: list[dict[str, Any]] = []
    question_session = {q.id: q.session_id for q in lab.questions}
    seen_ids: dict[tuple[str, str], int] = {}
    for record in records:
        file_name, line = record["file"], record["line"]
        value = {k: str(record.get(k, "")).strip() for k in COLUMNS}
        note = str(record.get("note", ""))
        problem = None
        empty = [k for k in ("session", "question", "group") if not value[k]]
        if empty:       # in Excel, often merged cells: only a merged range's first cell holds the value
            problem = (f"the {empty[0]} cell is empty",
                       f"write the {empty[0]} on every row (unmerge merged cells in Excel and fill each one)")
        elif value["question"] not in question_session:
            problem = (f"unknown question '{value['question']}'",
                       f"use one of: {', '.join(question_session)} (ids from lab.yaml)")
        elif value["session"] != question_session[value["question"]]:
            problem = (f"question '{value['question']}' is not in session '{value['session']}'",
                       f"set session to '{question_session[value['question']]}'")
        elif value["group"] not in lab.groups:
            problem = (f"unknown group '{value['group']}'", f"use one of: {', '.join(lab.groups)} (ids from lab.yaml)")
        elif not (value["round"] or "1").isdecimal():
            problem = (f"round '{value['round']}' is not a whole number", "write the round as 1, 2, 3 …")
        elif not 1 <= int(value["round"] or "1") <= MAX_ROUND:
            problem = (f"round {value['round']} is not a round of a workshop (1 to {MAX_ROUND})",
                       "write the round as 1, 2, 3 …")
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


def notes_frame(rows: list[dict[str, Any]], lab: Lab) -> pd.DataFrame:
    """Rows from all files -> the ingest table, personal data redacted and ids derived from the notes
    (question and text, or the transcriber's id; see pipeline/ids.py), `file:line` kept as provenance."""
    records = []
    redacted = [redact(row["raw_text"], lab.people, lab.language) for row in rows]
    note_ids = ids.raw_note_ids(lab.id, [ids.RawNote(row["question"], text, row["file"], row.get("id") or "")
                                         for row, (text, _) in zip(rows, redacted, strict=True)])
    for row, (text, counts), note_id in zip(rows, redacted, note_ids, strict=True):
        records.append({
            "note_id": note_id, "lab": lab.id, "file": row["file"],
            "line": row["line"], "session": row["session"], "question": row["question"],
            "group": row["group"], "round": row["round"], "text": text,
            "redactions": json.dumps(dict(sorted(counts.items())), ensure_ascii=False),
        })
    frame = pd.DataFrame.from_records(records, columns=NOTE_COLUMNS)
    return frame.astype({"line": "int64", "round": "int64"})


def redact_provenance(rows: list[dict[str, Any]], lab: Lab) -> None:
    """Personal data in file names and `id` values out before they become note ids (kept unique)."""
    files = unique_redactions((r["file"] for r in rows), lab.people, lab.language)
    for row in rows:
        row["file"] = files[row["file"]]
    for file_name in set(files.values()):
        of_file = [r for r in rows if r["file"] == file_name and r["id"]]
        ids = unique_redactions((r["id"] for r in of_file), lab.people, lab.language)
        for row in of_file:
            row["id"] = ids[row["id"]]


def read_lab_notes(lab_dir: Path, formats: list[str],
                   limits: Limits = NO_LIMITS) -> tuple[Lab, pd.DataFrame, list[Problem]]:
    """Read lab.yaml and every transcript in notes/ (subfolders too); errors raise, warnings are returned."""
    lab = load_lab(lab_dir)
    language(lab.language, lab_dir / "lab.yaml")  # an unknown language fails once, before any file is read
    notes_dir = lab_dir / NOTES_DIR
    if not notes_dir.is_dir():
        raise HarvestError.at(notes_dir, None, "no notes/ folder", "put the transcripts in notes/")
    rows: list[dict[str, Any]] = []
    files, problems = transcript_files(notes_dir, lab_dir)
    for path, name in files:
        shown = str(path)
        kind = path.suffix.lower().lstrip(".")
        if kind not in formats or kind not in READERS:
            problems.append(Problem(shown, None, f"unsupported file type '{path.suffix}'",
                                    f"save it as one of: {', '.join(f for f in formats if f in READERS)}",
                                    "warning"))
            continue
        try:
            records, file_problems = READERS[kind](path.read_bytes(), name, lab, limits)
        except HarvestError as exc:
            records, file_problems = [], exc.problems
        file_rows, invalid = validate_records(records, lab)
        # Readers name the file within notes/ (and an Excel sheet: 'notes.xlsx[s1]'); show it with its folder.
        problems.extend(Problem(str(notes_dir / p.path), p.line, p.problem, p.fix, p.severity)
                        for p in file_problems + invalid)
        rows.extend(file_rows)
    if not files and not problems:
        problems.append(Problem(str(notes_dir), None, "no transcripts found", "add the table notes as CSV"))
    elif not rows and not any(p.severity == "error" for p in problems):
        # Empty files, notes in Word tables, unsupported types only: nothing to analyse, and every later stage
        # would fail on an empty table.
        problems.append(Problem(str(notes_dir), None, "no notes in any transcript (empty files, notes in Word "
                                "tables or unsupported file types only)",
                                "add the table notes (docs/transcription.md) before running the pipeline"))
    seen = Counter(r["question"] for r in rows)
    for q in lab.questions:
        if seen[q.id] == 0:
            problems.append(Problem(str(lab_dir / "lab.yaml"), None, f"question '{q.id}' has no notes",
                                    "add its notes or remove it from lab.yaml", "warning"))
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise HarvestError(errors)
    redact_provenance(rows, lab)
    return lab, notes_frame(rows, lab), problems


def run(lab_id: str, params: dict[str, Any], root: Path = Path(".")) -> list[Problem]:
    """DVC stage: write the lab's raw notes, lab description, translations and conclusions; return the warnings."""
    settings = typed(params, IngestParams)
    lab, notes, warnings = read_lab_notes(paths.raw_dir(lab_id, root), list(settings.formats),
                                          Limits(settings.max_unpacked_mb, settings.max_rows))
    translations, more = read_translations(paths.raw_dir(lab_id, root), lab.id, notes["note_id"], lab.people)
    catalog.NOTES_RAW.write(notes, lab_id, root)
    catalog.TRANSLATIONS.write(translations_frame(translations), lab_id, root)
    # A facilitator's e-mail stays in lab.yaml: lab.json holds the redacted description.
    catalog.LAB.write(Lab.from_dict(redact_fields(lab.to_dict(), lab.people, lab.language)), lab_id, root)
    catalog.CONCLUSIONS.write(read_conclusions(paths.raw_dir(lab_id, root), lab), lab_id, root)
    catalog.READ_WARNINGS.write(read_warnings_frame(warnings, paths.raw_dir(lab_id, root), lab), lab_id, root)
    return warnings + more


def read_warnings_frame(warnings: list[Problem], lab_dir: Path, lab: Lab) -> pd.DataFrame:
    """The transcripts' warnings as a table: where (within the lab folder, so the bytes do not depend on
    where the project is), line, problem, fix, redacted (a sheet's name may hold a person's)."""
    def where(path: str) -> str:
        try:
            return Path(path).relative_to(lab_dir).as_posix()
        except ValueError:
            return Path(path).name
    rows = [{"where": redact(where(w.path), lab.people, lab.language)[0], "line": "" if w.line is None else w.line,
             "problem": redact(w.problem, lab.people, lab.language)[0],
             "fix": redact(w.fix, lab.people, lab.language)[0]} for w in warnings]
    return pd.DataFrame(rows, columns=list(catalog.READ_WARNINGS.columns)).astype(str)


def read_conclusions(lab_dir: Path, lab: Lab) -> str:
    """The facilitator's conclusions.md without its HTML comments (`harvest new-lab` writes one that says
    what the file is for), redacted like the notes; a lone newline when the lab has none: an empty output
    makes DVC print a warning on every run, and the report skips blank conclusions."""
    path = paths.lab_file(lab_dir, catalog.CONCLUSIONS.name)
    if not path.is_file():
        return "\n"
    try:
        decoded = decode_in_language(path.read_bytes(), str(path), lab.language)
    except HarvestError as exc:     # the transcripts' advice ('export the transcript as CSV') does not fit
        raise HarvestError.at(path, exc.problems[0].line, exc.problems[0].problem,
                              "write the conclusions as Markdown text in a text editor (saved as UTF-8), or "
                              "delete the file") from None
    text = HTML_COMMENT.sub("", decoded)
    return redact(text, lab.people, lab.language)[0].strip() + "\n"
