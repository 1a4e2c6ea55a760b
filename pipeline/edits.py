"""Analyst theme edits (data/raw/<lab>/theme_edits.yaml): parsed, validated once, re-applied on every run.

Edits name notes by their stable ids (pipeline/ids.py), never by cluster numbers or line positions;
a theme reference (`s1q1~n3fa2c1d0`, or any note of it) means "the theme that holds this note now". A
reference may carry a few words of the note after the id (`n3fa2c1d0 Chiriile din centru…`): when
the note's text no longer fits them, or the note is gone, the edit is skipped and reported with its
`theme_edits.yaml:LINE` — it is never applied to another note.

One validator (`plan_edits`) serves `harvest check` and the themes stage, on the ids the report
prints: what can be decided from the notes alone is decided there, identically for both; what
depends on the themes (two edits on one theme through different notes, a merge of notes that share a
theme) is decided while applying, and every edit's outcome goes to edits_log.csv.

Kinds, applied in this order: merge, split, move, pin, rename, not_relevant (see docs/theme_edits.md).

Longer than our ~300-line habit on purpose: parsing, validating and applying share the Edit and Plan
types and every message's wording, and `harvest check` and the run must not drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from pipeline import ids
from pipeline.errors import HarvestError, Problem
from pipeline.yamlsafe import STRICT, YamlLimits, key_lines, parse_yaml_node, project_limits, read_text

EDITS_FILE = "theme_edits.yaml"
LOG_FILE = "edits_log.csv"
# kind -> (required keys, optional keys); every other key is a mistake.
KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "merge": (("themes",), ("title",)),
    "split": (("theme", "seeds"), ()),
    "move": (("note", "to"), ()),
    "pin": (("note",), ()),
    "rename": (("theme", "title"), ()),
    "not_relevant": (("theme",), ()),
}
LIST_KEYS = {"themes": 2, "seeds": 2}            # list fields and the fewest items each needs
REFERENCE_KEYS = ("themes", "seeds", "theme", "note", "to")
TITLE_KINDS = ("merge", "rename")
NO_THEME = "none"
APPLIED, SKIPPED = "applied", "skipped"
EXCLUDED_STATUS = "excluded by the analyst"     # a note's status after `move: … to: none`
LOG_COLUMNS = ["line", "kind", "edit", "question", "outcome", "reason"]
EXCERPT_WORDS = 6
APPENDIX_FIX = "write the note's id from the report appendix or themes.xlsx (with a few words of its text)"


@dataclass(frozen=True)
class Edit:
    """One edit as written, with its line in the file for messages."""

    kind: str
    fields: dict[str, Any]
    line: int

    def describe(self) -> str:
        """The edit in one line, as the log and the report show it."""
        return "; ".join(f"{k}: {', '.join(map(str, v)) if isinstance(v, list) else v}"
                         for k, v in self.fields.items())


@dataclass
class ThemeState:
    """What edits say about one theme (keyed by its current label)."""

    title: str | None = None
    relevant: bool = True
    pinned: list[str] = field(default_factory=list)
    edits: list[str] = field(default_factory=list)


def parse_edits(text: str, path: Path | str = EDITS_FILE, limits: YamlLimits = STRICT) -> list[Edit]:
    """Parse the edits file; structural mistakes (duplicate or unknown keys, missing fields) raise with their line."""
    data, node = parse_yaml_node(text, path, limits)
    if data is None:
        return []
    if not isinstance(data, dict) or node is None:
        raise HarvestError.at(path, 1, "theme_edits.yaml must map edit kinds to lists",
                              f"use the keys: {', '.join(KINDS)} (see docs/theme_edits.md)")
    lines = key_lines(node)
    problems: list[Problem] = []
    edits: list[Edit] = []
    for kind, entries in data.items():
        if kind not in KINDS:
            problems.append(Problem(str(path), lines.get(str(kind)), f"unknown edit kind '{kind}'",
                                    f"use one of: {', '.join(KINDS)}"))
            continue
        if not isinstance(entries, list):
            problems.append(Problem(str(path), lines.get(kind), f"'{kind}' must be a list of edits",
                                    f"write each edit as an item: '{kind}:' then '  - ...'"))
            continue
        required, optional = KINDS[kind]
        for i, entry in enumerate(entries):
            line = lines.get(f"{kind}.{i}", lines.get(kind)) or 1
            problem = _entry_problem(kind, entry, required, optional)
            if problem is not None:
                where = lines.get(f"{kind}.{i}.{problem[2]}", line) if problem[2] else line
                problems.append(Problem(str(path), where, problem[0], problem[1]))
                continue
            edits.append(Edit(kind, dict(entry), line))
    if problems:
        raise HarvestError(problems)
    order = list(KINDS)
    return sorted(edits, key=lambda e: (order.index(e.kind), e.line))


def _entry_problem(kind: str, entry: Any, required: tuple[str, ...], optional: tuple[str, ...],
                   ) -> tuple[str, str, str] | None:
    """(problem, fix, key) for a malformed edit, or None."""
    known = ", ".join((*required, *optional))
    if not isinstance(entry, dict):
        return f"a {kind} edit must be a mapping", f"write it as '- {required[0]}: …' with {known}", ""
    for key in entry:
        if key not in required and key not in optional:
            return (f"{kind}: unknown key '{key}'", f"use only: {known} (see docs/theme_edits.md)", str(key))
    missing = [k for k in required if entry.get(k) in (None, "", [])]
    if missing:
        return (f"{kind} edit without {', '.join(missing)}",
                f"give {' and '.join(required)} (see docs/theme_edits.md)", "")
    for key, fewest in LIST_KEYS.items():
        if key in entry and (not isinstance(entry[key], list) or len(entry[key]) < fewest):
            what = "themes" if key == "themes" else "seed notes"
            return (f"{kind} needs a list of at least {fewest} {what}",
                    f"write {key}: [first, second]" if key == "themes" else
                    "list under seeds: one note for each new theme", key)
    for key in ("title",):
        if key in entry and not isinstance(entry[key], str | int | float):
            return f"{kind}: '{key}' must be a text", f"write {key}: Your words", key
    return None


def load_edits(lab_dir: Path, root: Path = Path(".")) -> list[Edit]:
    """The lab's edits, or none when it has no edits file."""
    path = lab_dir / EDITS_FILE
    if not path.is_file():
        return []
    return parse_edits(read_text(path), path, project_limits(root))


@dataclass
class NoteIndex:
    """Every id a reference may use (clean ids, raw ids of merged or split notes, old `file:line`) -> clean notes."""

    lab_id: str
    question: dict[str, str]
    text: dict[str, str]
    aliases: dict[str, list[str]]
    places: dict[str, list[str]]

    @classmethod
    def from_notes(cls, notes: pd.DataFrame, lab_id: str) -> NoteIndex:
        """Index clean notes (note_id, question, text, source_ids and, when present, provenance)."""
        index = cls(lab_id, {}, {}, {}, {})
        for row in notes.to_dict("records"):
            note = str(row["note_id"])
            index.question[note] = str(row["question"])
            index.text[note] = str(row["text"])
            index.aliases.setdefault(ids.short(note), []).append(note)
            sources = str(row.get("source_ids") or note).split("|")
            for source in sources:
                if source != note:
                    targets = index.aliases.setdefault(ids.short(source), [])
                    if note not in targets:
                        targets.append(note)
            own = sources[0]
            part = note[len(own) + 1:] if note.startswith(own + ids.PART_SEPARATOR) else ""
            for number, place in enumerate(str(row.get("provenance") or "").split("|")):
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
    """A reference as written, and the clean note it names (None when it names none any more)."""

    written: str
    note: str | None
    question: str | None
    is_theme: bool


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


def _hint(index: NoteIndex, excerpt: str, question: str | None) -> str:
    """The fix for a reference that no longer fits: the one note its words now fit, or where to look."""
    fitting = index.fitting(excerpt, question)
    if len(fitting) == 1:
        return (f"it may now be '{ids.short(fitting[0])}' ({ids.excerpt(index.text[fitting[0]], EXCERPT_WORDS)}): "
                "write that id if it is the same note")
    return APPENDIX_FIX


def resolve(written: str, index: NoteIndex) -> tuple[Resolved, Problem | None, str]:
    """One reference -> the note it names, a problem (warning or error) and the edit's skip reason ('' if none)."""
    ref = ids.parse_reference(written, index.lab_id)
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
        what = (f"no note is at '{ref.note}' any more (line ids move when lines are added)" if ref.legacy else
                f"note '{ref.note}' is not in the notes any more (removed, or its text changed)")
        return result, Problem("", None, what, fix, "warning"), what
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
        return result, Problem("", None, what, _hint(index, ref.excerpt, ref.question), "warning"), what
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


def plan_edits(edits: list[Edit], notes: pd.DataFrame, lab_id: str, path: str) -> Plan:
    """Resolve every edit against the lab's notes and find every mistake the notes alone reveal.

    The same function validates for `harvest check` and for the themes stage, so both give the same
    verdict on each edit.
    """
    index = NoteIndex.from_notes(notes, lab_id)
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
                if problem is not None:
                    report(edit, problem)
                if skip:
                    skips.append(skip)
        questions = sorted({r.question for rs in refs.values() for r in rs if r.note is not None and r.question})
        if len(questions) > 1:
            report(edit, Problem("", None, f"names notes of {len(questions)} questions ({', '.join(questions)})",
                                 "an edit works within one question: write one edit per question"))
        notes_named = [r.note for r in refs.get("themes", []) + refs.get("seeds", []) if r.note is not None]
        twice = sorted({ids.short(n) for n in notes_named if notes_named.count(n) > 1})
        if twice:
            what = "merge names one theme twice" if edit.kind == "merge" else "split has identical seeds"
            report(edit, Problem("", None, f"{what} ({', '.join(twice)})",
                                 "name each theme once" if edit.kind == "merge" else "give one seed per new theme"))
        if edit.kind == "move" and refs.get("to") and refs["note"][0].note == refs["to"][0].note is not None:
            report(edit, Problem("", None, "moves a note into its own theme", "name another theme under to:"))
        if edit.kind == "merge":
            alive = [r for r in refs.get("themes", []) if r.note is not None]
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
    seen: dict[tuple[str, str], PlannedEdit] = {}
    for p in planned:
        kind = p.edit.kind
        claims = []
        if kind == "merge" and p.edit.fields.get("title"):
            claims = [("title", r.note) for r in p.refs.get("themes", []) if r.note]
        elif kind == "rename":
            claims = [("title", r.note) for r in p.refs.get("theme", []) if r.note]
        elif kind == "move":
            claims = [("move", r.note) for r in p.refs.get("note", []) if r.note]
        elif kind in ("pin", "not_relevant"):
            claims = [(kind, r.note) for r in p.refs.get("note" if kind == "pin" else "theme", []) if r.note]
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


def validate(edits: list[Edit], notes: pd.DataFrame, lab_id: str, path: str) -> Plan:
    """`plan_edits`, raising the errors (the run stops; `harvest check` exits 2)."""
    plan = plan_edits(edits, notes, lab_id, path)
    if plan.errors:
        raise HarvestError(plan.errors)
    return plan


class EditApplier:
    """Applies a validated plan question by question; remembers each edit's outcome for edits_log.csv."""

    def __init__(self, plan: Plan, path: str):
        self.plan = plan
        self.path = path
        self.warnings: list[Problem] = [p for p in plan.problems if p.severity == "warning"]
        self.excluded: set[str] = set()
        for p in plan.edits:
            if p.skip:
                p.outcome, p.reason = SKIPPED, p.skip

    @classmethod
    def for_notes(cls, edits: list[Edit], notes: pd.DataFrame, lab_id: str, path: str) -> EditApplier:
        """Validate `edits` against the clean notes (errors raise) and get ready to apply them."""
        return cls(validate(edits, notes, lab_id, path), path)

    def _skip(self, planned: PlannedEdit, reason: str, fix: str) -> None:
        planned.outcome, planned.reason = SKIPPED, reason
        self.warnings.append(Problem(self.path, planned.edit.line, f"{planned.edit.kind}: {reason}", fix, "warning"))

    def apply(self, note_ids: list[str], labels: np.ndarray, vectors: np.ndarray) -> tuple[np.ndarray,
                                                                                        dict[int, ThemeState]]:
        """Edits touching these notes (one question) -> new labels (-1 = no theme) and per-theme state."""
        labels = labels.copy()
        index = {n: i for i, n in enumerate(note_ids)}
        states: dict[int, ThemeState] = {int(t): ThemeState() for t in set(labels.tolist()) if t >= 0}
        next_label = max(states, default=-1) + 1
        titled: dict[int, PlannedEdit] = {}
        merged_into: dict[int, tuple[int, PlannedEdit]] = {}
        machine = labels.copy()

        def theme_of(ref: Resolved, planned: PlannedEdit) -> int | None:
            label = int(labels[index[str(ref.note)]])
            if label < 0:
                self._skip(planned, f"note '{ids.short(str(ref.note))}' is in no theme",
                           "name a note that belongs to a theme, or move it into one first")
                return None
            return label

        def title(label: int, text: str, planned: PlannedEdit) -> bool:
            if label in titled:
                first = titled[label]
                self._skip(planned, f"the theme already got its title from line {first.edit.line} "
                           f"('{states[label].title}')", "keep one of the two titles")
                return False
            titled[label] = planned
            states[label].title = text
            return True

        def not_merged_away(ref: Resolved, planned: PlannedEdit) -> bool:
            origin = int(machine[index[str(ref.note)]])
            if origin in merged_into and planned.edit.kind != "merge":
                target, merge = merged_into[origin]
                self._skip(planned, f"its theme was merged into another by line {merge.edit.line}",
                           "edit the merged theme (its first theme), or give the merge a title")
                return False
            return True

        mine = [p for p in self.plan.edits if p.skip is None and not p.outcome and p.refs
                and all(r.note in index for rs in p.refs.values() for r in rs if r.note is not None)
                and any(r.note in index for rs in p.refs.values() for r in rs)]
        for planned in mine:
            f, refs = planned.edit.fields, planned.refs
            planned.outcome, planned.reason = APPLIED, ""
            kind = planned.edit.kind
            if kind == "merge":
                alive = [r for r in refs["themes"] if r.note is not None]
                found = [theme_of(r, planned) for r in alive]
                if planned.outcome == SKIPPED or any(t is None for t in found):
                    continue
                targets = [int(t) for t in found if t is not None]
                distinct = list(dict.fromkeys(targets))
                if len(distinct) < 2:
                    self._skip(planned, "merges a theme into itself (all its notes are in one theme now)",
                               "remove the edit, or name notes of different themes")
                    continue
                if len(distinct) < len(targets):
                    self.warnings.append(Problem(self.path, planned.edit.line, "merge: names one theme twice "
                                                 "(two of its notes are in one theme now)",
                                                 "name each theme once", "warning"))
                target = distinct[0]
                for other in distinct[1:]:
                    labels[labels == other] = target
                    merged_into[other] = (target, planned)
                    states.pop(other, None)
                states[target].edits.append("merged")
                if f.get("title") and not title(target, str(f["title"]), planned):
                    continue
                if len(alive) < len(refs["themes"]):
                    planned.reason = "some of its themes no longer exist; the others were merged"
            elif kind == "split":
                source = theme_of(refs["theme"][0], planned)
                if source is None or not not_merged_away(refs["theme"][0], planned):
                    continue
                seeds = [str(r.note) for r in refs["seeds"]]
                if not all(labels[index[s]] == source for s in seeds):
                    self._skip(planned, "every seed must be a note of the theme being split",
                               "pick the seeds among the theme's notes (see the appendix)")
                    continue
                members = np.flatnonzero(labels == source)
                seed_vectors = vectors[[index[s] for s in seeds]]
                nearest = np.argmax(vectors[members] @ seed_vectors.T, axis=1)
                new_labels = [source] + list(range(next_label, next_label + len(seeds) - 1))
                next_label += len(seeds) - 1
                for member, seed in zip(members, nearest, strict=True):
                    labels[member] = new_labels[seed]
                for label in new_labels:
                    states.setdefault(label, ThemeState()).edits.append("split")
            elif kind == "move":
                note = str(refs["note"][0].note)
                if str(f["to"]).strip().lower() == NO_THEME:
                    if labels[index[note]] >= 0:
                        states[int(labels[index[note]])].edits.append("note moved out")
                    labels[index[note]] = -1
                    self.excluded.add(note)
                    continue
                into = theme_of(refs["to"][0], planned)
                if into is not None:
                    labels[index[note]] = into
                    self.excluded.discard(note)
                    states[into].edits.append("note moved in")
            elif kind == "pin":
                ref = refs["note"][0]
                pinned = theme_of(ref, planned)
                if pinned is not None:
                    states[pinned].pinned.append(str(ref.note))
                    states[pinned].edits.append("quote pinned")
            elif kind == "rename":
                renamed = theme_of(refs["theme"][0], planned)
                if renamed is not None and not_merged_away(refs["theme"][0], planned) and \
                        title(renamed, str(f["title"]), planned):
                    states[renamed].edits.append("renamed")
            elif kind == "not_relevant":
                dropped = theme_of(refs["theme"][0], planned)
                if dropped is not None and not_merged_away(refs["theme"][0], planned):
                    states[dropped].relevant = False
                    states[dropped].edits.append("marked not relevant")
        live = set(labels.tolist())
        return labels, {t: s for t, s in states.items() if t in live}

    def log(self) -> pd.DataFrame:
        """Every edit's outcome (applied / skipped and why), in file order: the stage's edits_log.csv."""
        rows = []
        for p in sorted(self.plan.edits, key=lambda p: p.edit.line):
            outcome, reason = p.outcome, p.reason
            if not outcome:
                outcome, reason = SKIPPED, "none of its notes are among the analysed notes"
            rows.append({"line": p.edit.line, "kind": p.edit.kind, "edit": p.edit.describe(),
                         "question": p.question or "", "outcome": outcome, "reason": reason})
        return pd.DataFrame(rows, columns=LOG_COLUMNS)


def add_edit(text: str, kind: str, **fields: Any) -> str:
    """The edits file text with one more edit of `kind`, comments and order kept (used by the explore notebook).

    The entry goes at the end of the kind's list (a new `kind:` block at the end when there is none);
    the result is validated, so a wrong edit raises here, not at the next run.
    """
    if kind not in KINDS:
        raise HarvestError.at(EDITS_FILE, None, f"unknown edit kind '{kind}'", f"use one of: {', '.join(KINDS)}")
    dumped = yaml.safe_dump([fields], allow_unicode=True, sort_keys=False, default_flow_style=False, width=1000)
    item = "".join(f"  {line}\n" for line in dumped.splitlines())
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    start = next((i for i, line in enumerate(lines) if line.rstrip() == f"{kind}:"), None)
    if start is None:
        new_text = "".join(lines) + f"{kind}:\n{item}"
    else:
        end = next((i for i in range(start + 1, len(lines))
                    if lines[i].strip() and not lines[i].startswith((" ", "\t", "#"))), len(lines))
        while end > start + 1 and not lines[end - 1].strip():
            end -= 1
        new_text = "".join(lines[:end]) + item + "".join(lines[end:])
    parse_edits(new_text)
    return new_text


def note_reference(note_id: str, text: str, question: str | None = None) -> str:
    """How the explore notebook writes a note (or, with its question, a theme) into an edit: id and first words."""
    ref = ids.short(note_id)
    return f"{question}{ids.THEME_SEPARATOR}{ref} {ids.excerpt(text, EXCERPT_WORDS)}" if question else \
        f"{ref} {ids.excerpt(text, EXCERPT_WORDS)}"


def corrections(log: pd.DataFrame, assignments: pd.DataFrame, notes: pd.DataFrame,
                kind_labels: dict[str, str]) -> dict[str, Any]:
    """The report's "Analyst corrections" part as plain data: edits applied and skipped (with why), the notes
    the analyst excluded, and whether a person reviewed the themes at all. Pure; `kind_labels` names the
    kinds in the report's language."""
    rows = [{"line": int(r["line"]), "kind": kind_labels.get(str(r["kind"]), str(r["kind"])), "edit": str(r["edit"]),
             "reason": str(r["reason"])} for r in log.to_dict("records")]
    outcome = log["outcome"].astype(str).tolist() if len(log) else []
    excluded_ids = assignments.loc[assignments["status"] == EXCLUDED_STATUS, "note_id"].tolist() \
        if "status" in assignments else []
    text = notes.set_index("note_id")["text"] if len(notes) else pd.Series(dtype=str)
    return {"reviewed": APPLIED in outcome,
            "applied": [r for r, o in zip(rows, outcome, strict=True) if o == APPLIED],
            "skipped": [r for r, o in zip(rows, outcome, strict=True) if o == SKIPPED],
            "excluded": [{"note_id": ids.short(n), "text": str(text.get(n, ""))} for n in excluded_ids]}
