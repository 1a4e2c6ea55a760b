"""The validator: every edit's references resolved to clean notes, and every mistake the notes alone reveal.

`plan_edits` serves `harvest check` and the themes stage alike, so both give the same verdict on each edit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from pipeline import ids
from pipeline.edits.parse import APPENDIX_FIX, EXCERPT_WORDS, NO_THEME, REFERENCE_KEYS, Edit
from pipeline.errors import HarvestError, Problem

NOTE_KEYS = ("note", "seeds")        # keys that name notes; the others name themes (a note of it, or its codebook id)

@dataclass
class NoteIndex:
    """Every id a reference may use (clean ids, raw ids of merged or split notes, old `file:line`) -> clean notes."""

    lab_id: str
    question: dict[str, str]
    text: dict[str, str]
    aliases: dict[str, list[str]]
    places: dict[str, list[str]]
    codebook: dict[str, list[str]] = field(default_factory=dict)     # question -> its codebook theme ids

    @classmethod
    def from_notes(cls, notes: pd.DataFrame, lab_id: str, codebook: dict[str, list[str]] | None = None) -> NoteIndex:
        """Index clean notes (note_id, question, text, source_ids and, when present, provenance)."""
        index = cls(lab_id, {}, {}, {}, {}, dict(codebook or {}))
        for row in notes.to_dict("records"):
            note = str(row["note_id"])
            index.question[note] = str(row["question"])
            index.text[note] = str(row["text"])
            index.aliases.setdefault(ids.short(note), []).append(note)
            sources = list(row.get("source_ids") or [note])
            for source in sources:
                if source != note:
                    targets = index.aliases.setdefault(ids.short(source), [])
                    if note not in targets:
                        targets.append(note)
            own = sources[0]
            part = note[len(own) + 1:] if note.startswith(own + ids.PART_SEPARATOR) else ""
            for number, place in enumerate(row.get("provenance") or []):
                if not place:
                    continue
                if number == 0 and part:
                    index.places.setdefault(f"{place}{ids.PART_SEPARATOR}{part}", []).append(note)
                targets = index.places.setdefault(place, [])
                if note not in targets:
                    targets.append(note)
        return index

    def fitting(self, excerpt: str, question: str | None) -> list[str]:
        """Notes whose text fits an excerpt (for the hint when an id no longer exists)."""
        if not ids.text_key(excerpt):
            return []
        return [n for n, t in self.text.items() if ids.excerpt_fits(excerpt, t)
                and (question is None or self.question[n] == question)]


@dataclass
class Resolved:
    """A reference as written, and the clean note it names (None when it names none any more), or the
    codebook theme it names (`s1q1~funding`: `codebook` is `funding`, `note` None)."""

    written: str
    note: str | None
    question: str | None
    is_theme: bool
    codebook: str = ""

    @property
    def found(self) -> bool:
        """Whether the reference names something that exists: a note, or a codebook theme of its question."""
        return self.note is not None or bool(self.codebook)

    @property
    def key(self) -> str | None:
        """What two references must share to name the same thing as written: the note, or `question~codebook id`."""
        return self.note if self.note is not None else (f"{self.question}{ids.THEME_SEPARATOR}{self.codebook}"
                                                        if self.codebook else None)


@dataclass
class PlannedEdit:
    """An edit with its references resolved; `skip` says why it cannot apply (note gone, text changed)."""

    edit: Edit
    refs: dict[str, list[Resolved]]
    question: str | None
    skip: str | None = None
    outcome: str = ""
    reason: str = ""


@dataclass
class Plan:
    """The validator's verdict on an edits file: edits resolved to notes, and the problems found."""

    edits: list[PlannedEdit]
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        """Mistakes that stop the run (and make `harvest check` exit 2)."""
        return [p for p in self.problems if p.severity == "error"]


def _successor(index: NoteIndex, excerpt: str, question: str | None) -> str | None:
    """The one note the words of a reference that no longer fits now fit (its text corrected), if one."""
    fitting = index.fitting(excerpt, question) if excerpt else []
    return fitting[0] if len(fitting) == 1 else None


def _hint(index: NoteIndex, excerpt: str, question: str | None) -> str:
    """The fix for a reference that no longer fits: the one note its words now fit, or where to look."""
    successor = _successor(index, excerpt, question)
    if successor is not None:
        return (f"it may now be '{ids.short(successor)}' ({ids.excerpt(index.text[successor], EXCERPT_WORDS)}): "
                "write that id if it is the same note")
    return APPENDIX_FIX


def _skip_reason(what: str, index: NoteIndex, excerpt: str, question: str | None) -> str:
    """Why an edit is skipped, for edits_log.csv and the report: with the note it may now be, so that the
    analyst who reads the log or the report, not the terminal, can carry the edit over."""
    successor = _successor(index, excerpt, question)
    return what if successor is None else f"{what}; it may now be '{ids.short(successor)}'"


def resolve(written: str, index: NoteIndex) -> tuple[Resolved, Problem | None, str]:
    """One reference -> the note it names, a problem (warning or error) and the edit's skip reason ('' if none)."""
    ref = ids.parse_reference(written, index.lab_id)
    if ref.question is not None and ref.note in index.codebook.get(ref.question, []):
        return Resolved(str(written), None, ref.question, True, ref.note), None, ""
    found = index.places.get(ref.note, []) if ref.legacy else index.aliases.get(ref.note, [])
    if ref.legacy and not found:
        found = index.aliases.get(ref.note, [])
    result = Resolved(str(written), None, ref.question, ref.is_theme)
    if len(found) > 1:
        parts = ", ".join(ids.short(n) for n in found)
        return result, Problem("", None, f"'{ref.note}' was split into several notes ({parts})",
                               "name one of them"), ""
    if not found:
        fix = _hint(index, ref.excerpt, ref.question)
        if ref.question is not None and index.codebook.get(ref.question) and not ref.excerpt:
            fix += f"; a codebook theme of {ref.question} is written {ref.question}~ and one of: " + \
                ", ".join(index.codebook[ref.question])
        what = (f"no note is at '{ref.note}' any more (line ids move when lines are added)" if ref.legacy else
                f"note '{ref.note}' is not in the notes any more (removed, or its text changed)")
        return result, Problem("", None, what, fix, "warning"), _skip_reason(what, index, ref.excerpt, ref.question)
    note = found[0]
    result.note, result.question = note, index.question[note]
    if ref.question is not None and ref.question != index.question[note]:
        return result, Problem("", None, f"theme id '{written}' says question '{ref.question}', but its note "
                               f"is in '{index.question[note]}'",
                               f"write {index.question[note]}~{ids.short(note)}, or name a note of "
                               f"{ref.question}"), ""
    if ref.excerpt and not ids.excerpt_fits(ref.excerpt, index.text[note]):
        what = (f"note '{ref.note}' no longer reads '{ref.excerpt}' (now: "
                f"{ids.excerpt(index.text[note], EXCERPT_WORDS)})")
        return (result, Problem("", None, what, _hint(index, ref.excerpt, ref.question), "warning"),
                _skip_reason(what, index, ref.excerpt, ref.question))
    if ref.legacy:
        stable = f"{ids.short(note)} {ids.excerpt(index.text[note], EXCERPT_WORDS)}"
        return result, Problem("", None, f"'{ref.note}' is a line position, which moves when lines are added "
                               f"(it now holds: {ids.excerpt(index.text[note], EXCERPT_WORDS)})",
                               f"if that is the note you meant, write '{stable}' instead", "warning"), ""
    return result, None, ""


def _written_refs(edit: Edit) -> dict[str, list[str]]:
    """The references an edit makes, by field, as written (`to: none` is not a reference)."""
    refs: dict[str, list[str]] = {}
    for key in REFERENCE_KEYS:
        value = edit.fields.get(key)
        if value is None:
            continue
        values = [str(v) for v in (value if isinstance(value, list) else [value])]
        values = [v for v in values if not (key == "to" and v.strip().lower() == NO_THEME)]
        if values:
            refs[key] = values
    return refs


def plan_edits(edits: list[Edit], notes: pd.DataFrame, lab_id: str, path: str,
               codebook: dict[str, list[str]] | None = None) -> Plan:
    """Resolve every edit against the lab's notes (and its codebook theme ids per question) and find every
    mistake the notes alone reveal.

    The same function validates for `harvest check` and for the themes stage, so both give the same
    verdict on each edit.
    """
    index = NoteIndex.from_notes(notes, lab_id, codebook)
    planned: list[PlannedEdit] = []
    problems: list[Problem] = []

    def report(edit: Edit, problem: Problem) -> None:
        problems.append(Problem(path, edit.line, f"{edit.kind}: {problem.problem}", problem.fix, problem.severity))

    for edit in edits:
        refs: dict[str, list[Resolved]] = {}
        skips = []
        for key, values in _written_refs(edit).items():
            for value in values:
                resolved, problem, skip = resolve(value, index)
                refs.setdefault(key, []).append(resolved)
                if resolved.codebook and key in NOTE_KEYS:
                    problem = Problem("", None, f"'{value}' is a codebook theme, but {key}: names notes",
                                      f"write the id of a note (see the report appendix) under {key}:")
                if problem is not None:
                    report(edit, problem)
                if skip:
                    skips.append(skip)
        questions = sorted({r.question for rs in refs.values() for r in rs if r.found and r.question})
        if len(questions) > 1:
            report(edit, Problem("", None, f"names notes of {len(questions)} questions ({', '.join(questions)})",
                                 "an edit works within one question: write one edit per question"))
        notes_named = [r.key for r in refs.get("themes", []) + refs.get("seeds", []) if r.key is not None]
        twice = sorted({ids.short(n) for n in notes_named if notes_named.count(n) > 1})
        if twice:
            what = "merge names one theme twice" if edit.kind == "merge" else "split has identical seeds"
            report(edit, Problem("", None, f"{what} ({', '.join(twice)})",
                                 "name each theme once" if edit.kind == "merge" else "give one seed per new theme"))
        if edit.kind == "move" and refs.get("to") and refs["note"][0].key == refs["to"][0].key is not None:
            report(edit, Problem("", None, "moves a note into its own theme", "name another theme under to:"))
        if edit.kind == "merge":
            alive = [r for r in refs.get("themes", []) if r.found]
            if len(alive) < 2 and not skips:
                skips.append("fewer than two of its themes still exist")
            elif len(alive) >= 2:
                skips = []                    # a merge of the themes that are left still holds
        planned.append(PlannedEdit(edit, refs, questions[0] if len(questions) == 1 else None,
                                   "; ".join(skips) or None))
    problems += _conflicts(planned, path)
    return Plan(planned, sorted(problems, key=lambda p: (p.line or 0, p.severity != "error")))


def _conflicts(planned: list[PlannedEdit], path: str) -> list[Problem]:
    """Edits that contradict each other through the same note: two titles, two moves, pinned twice."""
    problems = []
    seen: dict[tuple[str, str | None], PlannedEdit] = {}
    for p in planned:
        kind = p.edit.kind
        claims = []
        if kind == "merge" and p.edit.fields.get("title"):
            claims = [("title", r.key) for r in p.refs.get("themes", []) if r.key]
        elif kind == "rename":
            claims = [("title", r.key) for r in p.refs.get("theme", []) if r.key]
        elif kind == "move":
            claims = [("move", r.key) for r in p.refs.get("note", []) if r.key]
        elif kind in ("pin", "not_relevant"):
            claims = [(kind, r.key) for r in p.refs.get("note" if kind == "pin" else "theme", []) if r.key]
        for claim in claims:
            first = seen.get(claim)
            if first is None:
                seen[claim] = p
                continue
            note = ids.short(str(claim[1]))
            what = {"title": f"titles the theme of {note} again (line {first.edit.line} already does)",
                    "move": f"moves {note} again (line {first.edit.line} already does)",
                    "pin": f"pins {note} again (line {first.edit.line})",
                    "not_relevant": f"marks the theme of {note} again (line {first.edit.line})"}[claim[0]]
            severity = "error" if claim[0] in ("title", "move") else "warning"
            problems.append(Problem(path, p.edit.line, f"{kind}: {what}",
                                    "keep one of the two edits", severity))
    return problems


def validate(edits: list[Edit], notes: pd.DataFrame, lab_id: str, path: str,
             codebook: dict[str, list[str]] | None = None) -> Plan:
    """`plan_edits`, raising the errors (the run stops; `harvest check` exits 2)."""
    plan = plan_edits(edits, notes, lab_id, path, codebook)
    if plan.errors:
        raise HarvestError(plan.errors)
    return plan


