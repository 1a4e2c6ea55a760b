"""Labels of a transcript's outline: which session, group, question or round a heading (or a line) names.

'Sesiunea 2, Grupa A', '### Klausimas 1', 'Q2: text', 'Runda: 3', a question's own text, a file name
('sesiunea-1-grupa-A.md') or an Excel sheet name are resolved against lab.yaml. The heading words come
from the language folders (`pipeline.lang`): a transcript may use those of any supported language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import PurePath

from pipeline.lab import Lab
from pipeline.lang import heading_words, language
from pipeline.text import fold, plain

__all__ = ["Invalid", "file_name_context", "label", "resolve_label", "sheet_session", "words"]

_VALUE = re.compile(r"(?P<value>[a-z0-9]+(?:[-_][a-z0-9]+)*)(?![a-z0-9])\s*(?P<sep>[,;:|/.)\u2013\u2014-]+)?\s*",
                    re.I)
_WRAPPED = re.compile(r"^(\*\*|__|\*|_)(?P<inner>.+)\1$")


@cache
def _part_pattern() -> re.Pattern[str]:
    """A heading word, then an optional ':' / '#' / '=' / 'nr.' / 'no.' before its value."""
    keyword = "|".join(sorted(heading_words(), key=len, reverse=True))
    return re.compile(rf"\s*(?P<kw>{keyword})(?![a-z])\s*(?P<colon>[:#=]|(?:nr|no)(?:\.|(?=\s)))?\s*", re.I)


def words(text: str) -> str:
    """Folded words only: the form in which a heading is compared with a question's or a title's text."""
    return " ".join(re.findall(r"[a-z0-9]+", fold(text)))


class Invalid(Exception):
    """A label recognised by its keyword whose value lab.yaml does not have; `certain` when surely meant as one."""

    def __init__(self, kind: str, problem: str, fix: str):
        super().__init__(problem)
        self.kind, self.problem, self.fix = kind, problem, fix
        self.certain = True


# ---------------------------------------------------------------------------------------------------
# Resolving a heading or `Key: value` line against the lab


def label(lab: Lab, kind: str) -> str:
    """The heading word of a context ('session', 'group', 'question', 'round') in the lab's language, for messages."""
    return language(lab.language).labels[kind]


def _session_value(value: str, lab: Lab) -> str:
    for s in lab.sessions:
        if value.lower() in (fold(s.id), words(s.title)):
            return s.id
    if value.isdigit() and 1 <= int(value) <= len(lab.sessions):
        return lab.sessions[int(value) - 1].id
    raise Invalid("session", f"unknown session '{value}'",
                  f"use '{label(lab, 'session')} 1'…'{label(lab, 'session')} {len(lab.sessions)}' or an id from "
                  "lab.yaml: "
                  f"{', '.join(s.id for s in lab.sessions)}")


def _group_value(value: str, keyword: str, lab: Lab) -> str:
    for gid in lab.groups:
        name = words(lab.group_names.get(gid, gid))
        if value.lower() in (fold(gid), name) or name == f"{fold(keyword)} {value.lower()}":
            return gid
    raise Invalid("group", f"unknown group '{value}'", f"use one of: {', '.join(lab.groups)} (ids from lab.yaml)")


def _question_number(number: int, session_id: str | None, lab: Lab) -> str:
    if session_id is None:
        if len(lab.sessions) != 1:
            example = lab.sessions[0].questions[0].id if lab.sessions[0].questions else "s1q1"
            raise Invalid("question", f"question {number} before any session heading",
                          f"add a heading such as '# {label(lab, 'session')} 1' above it, or use the question id "
                          f"({example})")
        session_id = lab.sessions[0].id
    session = next(s for s in lab.sessions if s.id == session_id)
    if not 1 <= number <= len(session.questions):
        raise Invalid("question", f"session '{session_id}' has no question {number}",
                      f"use {label(lab, 'question')} 1…{len(session.questions)} or a question id: "
                      f"{', '.join(q.id for q in session.questions)}")
    return session.questions[number - 1].id


def _question_by_text(text: str, session_id: str | None, lab: Lab, exact: bool) -> str | None:
    """The question whose text a heading repeats: equal, the heading starting with it, or a ≥ 3-word start of it."""
    heading = words(text)
    if not heading:
        return None

    def fits(question_text: str) -> bool:
        q = words(question_text)
        if exact:
            return heading == q
        return (heading == q or heading.startswith(q + " ")
                or (q.startswith(heading + " ") and len(heading.split()) >= 3))

    in_session = [q.id for q in lab.questions if q.session_id == session_id and fits(q.text)]
    found = in_session or [q.id for q in lab.questions if fits(q.text)]
    if len(found) > 1:
        raise Invalid("question", f"the heading '{text}' matches several questions ({', '.join(found)})",
                      f"write '{label(lab, 'question')} <number>' or the question id instead")
    return found[0] if found else None


def _exact_label(label: str, lab: Lab, heading: bool) -> list[tuple[str, str]]:
    """A label that is a whole id, session title or (in headings) group name, e.g. 's1q2', 's1', 'A'."""
    folded = fold(label).strip()
    for q in lab.questions:
        if folded == fold(q.id):
            return [("question", q.id)]
    for s in lab.sessions:
        if folded == fold(s.id) or (heading and words(label) == words(s.title)):
            return [("session", s.id)]
    if heading:
        for gid in lab.groups:
            if folded == fold(gid) or words(label) == words(lab.group_names.get(gid, gid)):
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

    A value lab.yaml does not have raises Invalid, marked `certain` when the label was surely meant as one
    (a colon after the keyword, an earlier part recognised, nothing after the value, or 'Întrebarea 2: …').
    """
    text = plain(label).strip()  # case kept for messages; the patterns ignore case
    parsed = _Parsed()
    pos = 0
    while (part := _part_pattern().match(text, pos)) is not None:
        kind = heading_words()[part["kw"].lower()]
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
                raise Invalid("round", f"round '{value['value']}' is not a whole number",
                              "write the round as 'Runda 2'")
            else:
                parsed.assignments.append(("round", str(int(value["value"]))))
        except Invalid as exc:
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
                raise Invalid("question", f"no question of lab.yaml reads '{rest}'",
                              f"write '{label(lab, 'question')} <number>' or the question id instead")
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

    Raises Invalid when a label surely meant as one names something lab.yaml does not have. A text line
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
    except Invalid as exc:
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
    name = PurePath(file_name)  # 'sesiunea-1/grupa-A.md': a subfolder's name counts too
    tokens = re.findall(r"[a-z0-9]+", fold(" ".join([*name.parent.parts, name.stem])))
    session_ids = {fold(s.id): s.id for s in lab.sessions}
    context: dict[str, str] = {}
    for i, token in enumerate(tokens):
        kind = heading_words().get(token)
        value = tokens[i + 1] if i + 1 < len(tokens) else ""
        try:
            if "session" not in context and token in session_ids:
                context["session"] = session_ids[token]
            elif kind == "session" and value and "session" not in context:
                context["session"] = _session_value(value, lab)
            elif kind == "group" and value and "group" not in context:
                context["group"] = _group_value(value, token, lab)
        except Invalid:
            continue
    return context


def sheet_session(name: str, lab: Lab) -> str | None:
    """The session a sheet's name stands for ('s1', 'Sesiunea 1', a session title), or None."""
    try:
        found = resolve_label(name, lab, None, heading=True)
    except Invalid:
        return None
    return found[0][1] if found and len(found) == 1 and found[0][0] == "session" else None

