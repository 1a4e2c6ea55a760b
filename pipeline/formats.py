"""Readers for the richer transcript formats table hosts use: Excel, Markdown / plain text and Word.

Every reader has the signature of ingest's CSV reader — file bytes, file name, lab -> raw note records
and the problems of structure found — so ingest validates all formats' records the same way afterwards.
Markdown, plain text and Word share one forgiving grammar (docs/transcription.md): headings or
`Key: value` lines set the context (session, group, question, round) and every other line under a
question is one note, kept as typed (the clean stage strips bullets).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from pipeline.errors import Problem
from pipeline.lab import Lab
from pipeline.text import fold, plain

__all__ = ["docx_records", "markdown_records", "xlsx_records"]

Records = tuple[list[dict[str, Any]], list[Problem]]
# One line of an outline: (line number a human can find, text, is a heading).
Line = tuple[int, str, bool]

# Words that introduce a context value, folded (lower case, no diacritics) -> the context they set.
KEYWORDS = {
    "sesiunea": "session", "sesiune": "session", "session": "session",
    "grupa": "group", "grupul": "group", "grup": "group", "group": "group", "masa": "group", "table": "group",
    "intrebarea": "question", "intrebare": "question", "question": "question", "q": "question",
    "runda": "round", "round": "round", "tura": "round",
}
_KEYWORD = "|".join(sorted(KEYWORDS, key=len, reverse=True))
# A keyword, then an optional ':' / '#' / '=' / 'nr.' / 'no.' before its value.
_PART = re.compile(rf"\s*(?P<kw>{_KEYWORD})(?![a-z])\s*(?P<colon>[:#=]|(?:nr|no)(?:\.|(?=\s)))?\s*", re.I)
_VALUE = re.compile(r"(?P<value>[a-z0-9]+(?:[-_][a-z0-9]+)*)(?![a-z0-9])\s*(?P<sep>[,;:|/.)\u2013\u2014-]+)?\s*",
                    re.I)
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(?P<text>[^#\s].*?)(?:\s+#+)?\s*$")
_RULE = re.compile(r"^\s*(?:[-=*_]\s*){3,}$")
_WRAPPED = re.compile(r"^(\*\*|__|\*|_)(?P<inner>.+)\1$")
_HEADING_STYLES = ("heading", "titlu", "title", "subtitle", "subtitlu")
_EXAMPLE_HEADINGS = "'# Sesiunea 1', '## Grupa A', '### Întrebarea 1' or '#### Runda 2'"


def _words(text: str) -> str:
    """Folded words only: the form in which a heading is compared with a question's or a title's text."""
    return " ".join(re.findall(r"[a-z0-9]+", fold(text)))


class _Invalid(Exception):
    """A label recognised by its keyword whose value lab.yaml does not have; `certain` when surely meant as one."""

    def __init__(self, kind: str, problem: str, fix: str):
        super().__init__(problem)
        self.kind, self.problem, self.fix = kind, problem, fix
        self.certain = True


# ---------------------------------------------------------------------------------------------------
# Resolving a heading or `Key: value` line against the lab


def _session_value(value: str, lab: Lab) -> str:
    for s in lab.sessions:
        if value.lower() in (fold(s.id), _words(s.title)):
            return s.id
    if value.isdigit() and 1 <= int(value) <= len(lab.sessions):
        return lab.sessions[int(value) - 1].id
    raise _Invalid("session", f"unknown session '{value}'",
                   f"use 'Sesiunea 1'…'Sesiunea {len(lab.sessions)}' or an id from lab.yaml: "
                   f"{', '.join(s.id for s in lab.sessions)}")


def _group_value(value: str, keyword: str, lab: Lab) -> str:
    for gid in lab.groups:
        name = _words(lab.group_names.get(gid, gid))
        if value.lower() in (fold(gid), name) or name == f"{fold(keyword)} {value.lower()}":
            return gid
    raise _Invalid("group", f"unknown group '{value}'", f"use one of: {', '.join(lab.groups)} (ids from lab.yaml)")


def _question_number(number: int, session_id: str | None, lab: Lab) -> str:
    if session_id is None:
        if len(lab.sessions) != 1:
            example = lab.sessions[0].questions[0].id if lab.sessions[0].questions else "s1q1"
            raise _Invalid("question", f"question {number} before any session heading",
                           f"add a heading such as '# Sesiunea 1' above it, or use the question id ({example})")
        session_id = lab.sessions[0].id
    session = next(s for s in lab.sessions if s.id == session_id)
    if not 1 <= number <= len(session.questions):
        raise _Invalid("question", f"session '{session_id}' has no question {number}",
                       f"use Întrebarea 1…{len(session.questions)} or a question id: "
                       f"{', '.join(q.id for q in session.questions)}")
    return session.questions[number - 1].id


def _question_by_text(text: str, session_id: str | None, lab: Lab, exact: bool) -> str | None:
    """The question whose text a heading repeats: equal, the heading starting with it, or a ≥ 3-word start of it."""
    heading = _words(text)
    if not heading:
        return None

    def fits(question_text: str) -> bool:
        q = _words(question_text)
        if exact:
            return heading == q
        return (heading == q or heading.startswith(q + " ")
                or (q.startswith(heading + " ") and len(heading.split()) >= 3))

    in_session = [q.id for q in lab.questions if q.session_id == session_id and fits(q.text)]
    found = in_session or [q.id for q in lab.questions if fits(q.text)]
    if len(found) > 1:
        raise _Invalid("question", f"the heading '{text}' matches several questions ({', '.join(found)})",
                       "write 'Întrebarea <number>' or the question id instead")
    return found[0] if found else None


def _exact_label(label: str, lab: Lab, heading: bool) -> list[tuple[str, str]]:
    """A label that is a whole id, session title or (in headings) group name, e.g. 's1q2', 's1', 'A'."""
    folded = fold(label).strip()
    for q in lab.questions:
        if folded == fold(q.id):
            return [("question", q.id)]
    for s in lab.sessions:
        if folded == fold(s.id) or (heading and _words(label) == _words(s.title)):
            return [("session", s.id)]
    if heading:
        for gid in lab.groups:
            if folded == fold(gid) or _words(label) == _words(lab.group_names.get(gid, gid)):
                return [("group", gid)]
    return []


@dataclass
class _Parsed:
    """What a keyword label said, and how: needed to tell a text line that sets context from a note."""

    assignments: list[tuple[str, str]] = field(default_factory=list)
    rest: str = ""  # text (diacritics removed) left after the last keyword part
    first_colon: bool = False  # 'Grupa: A' — unmistakably a key, so a bad value is an error
    question_sep: bool = False  # 'Întrebarea 2: text' — the question's own text follows a separator


def _keyword_label(label: str, lab: Lab, session_id: str | None) -> _Parsed:
    """Parse 'Sesiunea 2, Grupa A', 'Q2: text', 'Runda: 3' … into (context, value) assignments.

    A value lab.yaml does not have raises _Invalid, marked `certain` when the label was surely meant as one
    (a colon after the keyword, an earlier part recognised, nothing after the value, or 'Întrebarea 2: …').
    """
    text = plain(label).strip()  # case kept for messages; the patterns ignore case
    parsed = _Parsed()
    pos = 0
    while (part := _PART.match(text, pos)) is not None:
        kind = KEYWORDS[part["kw"].lower()]
        colon = part["colon"] is not None and part["colon"] in ":=#"
        if not parsed.assignments:
            parsed.first_colon = colon
        value = _VALUE.match(text, part.end())
        try:
            if kind == "question":
                return _question_part(text, part, value, parsed, lab, session_id)
            if value is None:
                break
            if kind == "session":
                session_id = _session_value(value["value"], lab)
                parsed.assignments.append(("session", session_id))
            elif kind == "group":
                parsed.assignments.append(("group", _group_value(value["value"], part["kw"], lab)))
            elif not value["value"].isdigit():
                raise _Invalid("round", f"round '{value['value']}' is not a whole number",
                               "write the round as 'Runda 2'")
            else:
                parsed.assignments.append(("round", str(int(value["value"]))))
        except _Invalid as exc:
            after = text[value.end():].strip() if value is not None else text[part.end():].strip()
            exc.certain = colon or bool(parsed.assignments) or not after or (
                kind == "question" and value is not None and value["sep"] is not None)
            raise
        pos = value.end()
    parsed.rest = text[pos:].strip() if parsed.assignments else text
    return parsed


def _question_part(text: str, part: re.Match[str], value: re.Match[str] | None, parsed: _Parsed, lab: Lab,
                   session_id: str | None) -> _Parsed:
    """The question keyword ends a label: a number, an id, or the question's own text follows it."""
    if value is not None and value["value"].isdigit():
        parsed.assignments.append(("question", _question_number(int(value["value"]), session_id, lab)))
    elif value is not None and (exact := _exact_label(value["value"], lab, heading=False)) \
            and exact[0][0] == "question":
        parsed.assignments.extend(exact)
    else:
        rest = text[part.end():].strip()
        qid = _question_by_text(rest, session_id, lab, exact=False) if rest else None
        if qid is None:
            if part["colon"] is not None and rest:
                raise _Invalid("question", f"no question of lab.yaml reads '{rest}'",
                               "write 'Întrebarea <number>' or the question id instead")
            parsed.rest = text
            return parsed
        parsed.assignments.append(("question", qid))
        parsed.question_sep = True
        return parsed
    parsed.rest = text[value.end():].strip()
    parsed.question_sep = value["sep"] is not None
    return parsed


def resolve_label(label: str, lab: Lab, session_id: str | None, heading: bool) -> list[tuple[str, str]] | None:
    """The context a heading (or a text line) sets, as (session|group|question|round, id); None if it sets none.

    Raises _Invalid when a label surely meant as one names something lab.yaml does not have. A text line
    must read as a label as a whole ('Grupa A', 'Runda: 2', 'Întrebarea 2: …'); 'Grupa A a propus …' and
    'Masa rotundă …' stay notes.
    """
    wrapped = _WRAPPED.match(label.strip())
    label = (wrapped["inner"] if wrapped else label).strip().rstrip(":").strip()
    exact = _exact_label(label, lab, heading)
    if exact:
        return exact
    try:
        parsed = _keyword_label(label, lab, session_id)
    except _Invalid as exc:
        if exc.certain:
            raise
        return None
    assignments = parsed.assignments
    if assignments and parsed.rest and assignments[-1][0] != "question":
        # 'Sesiunea 1 — Cum putem …?' may name the question after the session.
        sid = next((v for k, v in reversed(assignments) if k == "session"), session_id)
        qid = _question_by_text(parsed.rest, sid, lab, exact=False)
        if qid is not None:
            return [*assignments, ("question", qid)]
    if heading:
        if assignments:
            return assignments
        qid = _question_by_text(label, session_id, lab, exact=False)
        return [("question", qid)] if qid else None
    if assignments and (not parsed.rest or parsed.first_colon
                        or (assignments[-1][0] == "question" and parsed.question_sep)):
        return assignments
    qid = _question_by_text(label, session_id, lab, exact=True)
    return [("question", qid)] if qid else None


def file_name_context(file_name: str, lab: Lab) -> dict[str, str]:
    """Session and group a file's name gives ('sesiunea-1-grupa-A.md', 's2_masa_B.docx') until a heading does."""
    tokens = re.findall(r"[a-z0-9]+", fold(PurePath(file_name).stem))
    session_ids = {fold(s.id): s.id for s in lab.sessions}
    context: dict[str, str] = {}
    for i, token in enumerate(tokens):
        kind = KEYWORDS.get(token)
        value = tokens[i + 1] if i + 1 < len(tokens) else ""
        try:
            if "session" not in context and token in session_ids:
                context["session"] = session_ids[token]
            elif kind == "session" and value and "session" not in context:
                context["session"] = _session_value(value, lab)
            elif kind == "group" and value and "group" not in context:
                context["group"] = _group_value(value, token, lab)
        except _Invalid:
            continue
    return context


# ---------------------------------------------------------------------------------------------------
# The outline grammar shared by Markdown, plain text and Word


@dataclass
class _Run:
    """Consecutive lines with the same problem (e.g. an introduction before the first question)."""

    problem: str
    fix: str
    first: int
    last: int


def outline_records(lines: list[Line], file_name: str, lab: Lab) -> Records:
    """Headings / `Key: value` lines set session, group, question and round; every other line is one note.

    A session heading resets the question and the round; group and round persist until changed. Notes
    with no question (or, in a lab of several groups, no group) are reported once per run of lines.
    """
    context: dict[str, str | None] = {"session": None, "question": None, "group": None, "round": "1"}
    context.update(file_name_context(file_name, lab))
    if len(lab.groups) == 1:
        context["group"] = lab.groups[0]
    invalid: set[str] = set()  # contexts whose last heading named nothing in lab.yaml: their notes are skipped
    records: list[dict[str, Any]] = []
    problems: list[Problem] = []
    run: _Run | None = None  # consecutive notes that cannot be placed, reported as one problem

    def flush() -> None:
        nonlocal run
        if run is not None:
            where = f" (lines {run.first}–{run.last})" if run.last != run.first else ""
            problems.append(Problem(file_name, run.first, run.problem + where, run.fix))
            run = None

    for number, raw, is_heading in lines:
        text = raw.strip()
        if not text or _RULE.match(text):
            continue
        try:
            assignments = resolve_label(text, lab, context["session"], is_heading)
        except _Invalid as exc:
            flush()
            problems.append(Problem(file_name, number, exc.problem, exc.fix))
            invalid.add(exc.kind)
            continue
        if assignments is None and is_heading:
            flush()
            shown = text if len(text) <= 60 else text[:57] + "…"
            problems.append(Problem(file_name, number, f"heading '{shown}' is not a session, group, question or round",
                                    f"notes below it stay under the headings above; to start a new part use "
                                    f"{_EXAMPLE_HEADINGS}", "warning"))
            continue
        if assignments is not None:
            flush()
            for kind, value in assignments:
                invalid.discard(kind)
                if kind == "session":
                    context.update(session=value, question=None, round="1")
                    invalid.discard("question")
                elif kind == "question":
                    session_id = lab.question(value).session_id
                    if context["session"] not in (None, session_id):
                        context["round"] = "1"
                        invalid.discard("session")
                    context.update(session=session_id, question=value)
                else:
                    context[kind] = value
            continue
        if invalid:
            continue
        missing = None
        if context["question"] is None:
            missing = ("note before any question heading", "add a heading such as '## Întrebarea 1' above it")
        elif context["group"] is None:
            missing = ("note without a group", f"add a heading such as '## Grupa {lab.groups[0]}' above it "
                                               f"(groups in lab.yaml: {', '.join(lab.groups)})")
        if missing is not None:
            if run is not None and run.problem == missing[0]:
                run.last = number
            else:
                flush()
                run = _Run(*missing, first=number, last=number)
            continue
        records.append({"file": file_name, "line": number, "session": context["session"],
                        "question": context["question"], "group": context["group"], "round": context["round"],
                        "note": text})
    flush()
    if not records and not problems:
        problems.append(Problem(file_name, None, "no notes found",
                                "write each note on its own line under a question heading (docs/transcription.md)",
                                "warning"))
    return records, problems


def markdown_records(data: bytes, file_name: str, lab: Lab) -> Records:
    """A Markdown or plain-text transcript (any encoding ingest detects) -> raw note records by line."""
    from pipeline.ingest import decode_bytes, legacy_encodings

    text = decode_bytes(data, file_name, legacy_encodings(lab.language))
    if not text.strip():
        return [], [Problem(file_name, None, "the file is empty", "add notes or remove the file", "warning")]
    lines: list[Line] = []
    for number, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1):
        heading = _MD_HEADING.match(line)
        lines.append((number, heading["text"], True) if heading else (number, line.strip(), False))
    return outline_records(lines, file_name, lab)


def _docx_lines(data: bytes) -> tuple[list[Line], int]:
    import docx

    document = docx.Document(io.BytesIO(data))
    lines: list[Line] = []
    for number, paragraph in enumerate(document.paragraphs, start=1):
        style = (getattr(paragraph.style, "name", "") or "").lower()
        lines.append((number, " ".join(paragraph.text.split()), style.startswith(_HEADING_STYLES)))
    return lines, len(document.tables)


def docx_records(data: bytes, file_name: str, lab: Lab) -> Records:
    """A Word transcript -> raw note records; Heading/Titlu/Title paragraphs are headings, others notes.

    `line` is the paragraph number (1-based, counting every paragraph, empty ones too). Tables are ignored.
    """
    try:
        lines, tables = _docx_lines(data)
    except Exception:  # a damaged or mislabelled file fails in many library-specific ways; all are the file's
        return [], [Problem(file_name, None, "cannot be opened as a Word document",
                            "save it again from Word as .docx (Word Document)")]
    records, problems = outline_records(lines, file_name, lab)
    if tables:
        problems.append(Problem(file_name, None, f"{tables} table(s) ignored",
                                "write notes as paragraphs or bullets under headings, not in tables", "warning"))
    return records, problems


# ---------------------------------------------------------------------------------------------------
# Excel


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


def sheet_session(name: str, lab: Lab) -> str | None:
    """The session a sheet's name stands for ('s1', 'Sesiunea 1', a session title), or None."""
    try:
        found = resolve_label(name, lab, None, heading=True)
    except _Invalid:
        return None
    return found[0][1] if found and len(found) == 1 and found[0][0] == "session" else None


def xlsx_records(data: bytes, file_name: str, lab: Lab) -> Records:
    """An Excel workbook: one sheet per session (named after it) or, otherwise, the first sheet, as in CSV.

    Rows of several session sheets share row numbers, so their records' file reads 'notes.xlsx[s1]':
    note ids stay unique and a message names the sheet.
    """
    from pipeline.ingest import table_records

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
