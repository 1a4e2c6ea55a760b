"""The outline grammar shared by Markdown, plain text and Word (docs/transcription.md).

Headings or `Key: value` lines set the context (session, group, question, round) and every other line
under a question is one note, kept as typed (the clean stage strips bullets).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pipeline.errors import Problem
from pipeline.lab import Lab
from pipeline.readers.base import Line, Records
from pipeline.readers.labels import Invalid, file_name_context, label, resolve_label

_RULE = re.compile(r"^\s*(?:[-=*_]\s*){3,}$")
# '##Grupa A': a Markdown heading typed without the space after its '#'s.
_UNSPACED_HEADING = re.compile(r"^#{1,6}(?P<text>[^#\s].*)$")


def _unspaced_label(text: str, lab: Lab, session_id: str | None) -> str | None:
    """The label of a line such as '##Grupa A' or '####Runda 2' when, without its '#'s, it is a line that sets
    the context as a whole (as the plain line 'Runda 2' does); None for other text ('#Timișoara2021 …' stays a
    note, and so does '#Session 2 is …')."""
    match = _UNSPACED_HEADING.match(text)
    if match is None:
        return None
    try:
        return match["text"].strip() if resolve_label(match["text"], lab, session_id, False) else None
    except Invalid:
        return match["text"].strip()


def example_headings(lab: Lab) -> str:
    """The four heading kinds as the lab's language writes them, for messages ('## Grupė A' in Lithuanian)."""
    return (f"'# {label(lab, 'session')} 1', '## {label(lab, 'group')} {lab.groups[0] if lab.groups else 'A'}', "
            f"'### {label(lab, 'question')} 1' or '#### {label(lab, 'round')} 2'")


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
        if not is_heading and (unspaced := _unspaced_label(text, lab, context["session"])) is not None:
            text = unspaced
        try:
            assignments = resolve_label(text, lab, context["session"], is_heading)
        except Invalid as exc:
            flush()
            problems.append(Problem(file_name, number, exc.problem, exc.fix))
            invalid.add(exc.kind)
            continue
        if assignments is None and is_heading:
            flush()
            shown = text if len(text) <= 60 else text[:57] + "…"
            problems.append(Problem(file_name, number, f"heading '{shown}' is not a session, group, question or round",
                                    f"notes below it stay under the headings above; to start a new part use "
                                    f"{example_headings(lab)}", "warning"))
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
            missing = ("note before any question heading",
                       f"add a heading such as '## {label(lab, 'question')} 1' above it")
        elif context["group"] is None:
            missing = ("note without a group", f"add a heading such as '## {label(lab, 'group')} {lab.groups[0]}' "
                                               f"above it (groups in lab.yaml: {', '.join(lab.groups)})")
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
