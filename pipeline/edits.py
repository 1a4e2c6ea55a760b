"""Analyst theme edits (data/raw/<lab>/theme_edits.yaml): parsed, validated and re-applied on every run.

Themes are referred to through their notes, never through cluster numbers: a theme id is
`<question>~<file>:<line>` of its earliest note, and any reference — a theme id or a plain note id such
as `sesiunea-1-grupa-A.csv:7` — means "the theme that holds this note now". So edits keep pointing at
the right theme when notes are added and the themes are recomputed. An edit whose note no longer exists,
or whose note is in no theme, is reported as a warning and skipped, never a crash.

Kinds, applied in this order: merge, split, move, pin, rename, not_relevant (see docs/theme_edits.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from pipeline.errors import HarvestError, Problem
from pipeline.yamlsafe import STRICT, YamlLimits, key_lines, parse_yaml_node, project_limits, read_text

EDITS_FILE = "theme_edits.yaml"
KINDS: dict[str, tuple[str, ...]] = {       # kind -> required keys
    "merge": ("themes",),
    "split": ("theme", "seeds"),
    "move": ("note", "to"),
    "pin": ("note",),
    "rename": ("theme", "title"),
    "not_relevant": ("theme",),
}
NO_THEME = "none"


@dataclass(frozen=True)
class Edit:
    """One edit as written, with its line in the file for messages."""

    kind: str
    fields: dict[str, Any]
    line: int


@dataclass
class ThemeState:
    """What edits say about one theme (keyed by its current label)."""

    title: str | None = None
    relevant: bool = True
    pinned: list[str] = field(default_factory=list)
    edits: list[str] = field(default_factory=list)


def parse_edits(text: str, path: Path | str = EDITS_FILE, limits: YamlLimits = STRICT) -> list[Edit]:
    """Parse and validate the edits file; structural mistakes raise with their line."""
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
        for i, entry in enumerate(entries):
            line = lines.get(f"{kind}.{i}", lines.get(kind))
            missing = [k for k in KINDS[kind] if not isinstance(entry, dict) or entry.get(k) in (None, "", [])]
            if missing:
                problems.append(Problem(str(path), line, f"{kind} edit without {', '.join(missing)}",
                                        f"give {' and '.join(KINDS[kind])} (see docs/theme_edits.md)"))
                continue
            if kind == "merge" and (not isinstance(entry["themes"], list) or len(entry["themes"]) < 2):
                problems.append(Problem(str(path), line, "merge needs a list of at least two themes",
                                        "write themes: [theme-a, theme-b]"))
                continue
            if kind == "split" and (not isinstance(entry["seeds"], list) or len(entry["seeds"]) < 2):
                problems.append(Problem(str(path), line, "split needs at least two seed notes",
                                        "list under seeds: one note for each new theme"))
                continue
            edits.append(Edit(kind, dict(entry), line or 1))
    if problems:
        raise HarvestError(problems)
    order = list(KINDS)
    return sorted(edits, key=lambda e: (order.index(e.kind), e.line))


def load_edits(lab_dir: Path) -> list[Edit]:
    """The lab's edits, or none when it has no edits file."""
    path = lab_dir / EDITS_FILE
    if not path.is_file():
        return []
    return parse_edits(read_text(path), path, project_limits())


def references(edit: Edit) -> list[str]:
    """The theme and note references an edit makes, as written (`to: none` is not a reference)."""
    fields = edit.fields
    refs = [str(r) for k in ("themes", "seeds") for r in (fields.get(k) or [])]
    refs += [str(fields[k]) for k in ("theme", "note", "to") if fields.get(k)]
    return [r for r in refs if r.lower() != NO_THEME]


def note_of(reference: str, lab_id: str) -> str:
    """The note id a reference names: 's1q1~a.csv:7', 'a.csv:7' and '<lab>/a.csv:7' all name '<lab>/a.csv:7'."""
    ref = str(reference).strip()
    if "~" in ref:
        ref = ref.split("~", 1)[1]
    return ref if ref.startswith(f"{lab_id}/") else f"{lab_id}/{ref}"


def short_id(note_id: str, lab_id: str) -> str:
    """A note id without its lab prefix, as analysts write it."""
    return note_id.removeprefix(f"{lab_id}/")


class EditApplier:
    """Applies a lab's edits question by question and remembers which ones found their notes."""

    def __init__(self, edits: list[Edit], lab_id: str, path: str):
        self.edits = edits
        self.lab_id = lab_id
        self.path = path
        self.applied: set[int] = set()
        self.warnings: list[Problem] = []

    def _warn(self, edit: Edit, problem: str, fix: str) -> None:
        self.warnings.append(Problem(self.path, edit.line, f"{edit.kind}: {problem}", fix, "warning"))

    def apply(self, note_ids: list[str], labels: np.ndarray, vectors: np.ndarray) -> tuple[np.ndarray,
                                                                                        dict[int, ThemeState]]:
        """Edits touching these notes (one question) -> new labels (-1 = no theme) and per-theme state."""
        labels = labels.copy()
        index = {n: i for i, n in enumerate(note_ids)}
        states: dict[int, ThemeState] = {int(t): ThemeState() for t in set(labels.tolist()) if t >= 0}
        next_label = max(states, default=-1) + 1

        def theme_of(ref: str, edit: Edit) -> int | None:
            note = note_of(ref, self.lab_id)
            if note not in index:
                self._warn(edit, f"note '{short_id(note, self.lab_id)}' is not in this question's notes",
                           "check the id against the report appendix, or remove the edit")
                return None
            label = int(labels[index[note]])
            if label < 0:
                self._warn(edit, f"note '{short_id(note, self.lab_id)}' is in no theme",
                           "name a note that belongs to a theme, or move it into one first")
                return None
            return label

        for number, edit in enumerate(self.edits):
            refs = [note_of(r, self.lab_id) for r in references(edit)]
            if not refs or not any(r in index for r in refs):
                continue                      # this edit belongs to another question (or to no note at all)
            self.applied.add(number)
            f = edit.fields
            if edit.kind == "merge":
                found = [t for t in (theme_of(r, edit) for r in f["themes"]) if t is not None]
                target = found[0] if found else None
                for other in found[1:]:
                    if other != target:
                        labels[labels == other] = target
                        states.pop(other, None)
                if target is not None:
                    states[target].edits.append("merged")
                    if f.get("title"):
                        states[target].title = str(f["title"])
            elif edit.kind == "split":
                source = theme_of(f["theme"], edit)
                seeds = [note_of(s, self.lab_id) for s in f["seeds"]]
                if source is None or not all(s in index and labels[index[s]] == source for s in seeds):
                    if source is not None:
                        self._warn(edit, "every seed must be a note of the theme being split",
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
            elif edit.kind == "move":
                note = note_of(f["note"], self.lab_id)
                if note not in index:
                    self._warn(edit, f"note '{short_id(note, self.lab_id)}' does not exist",
                               "check the id against the report appendix, or remove the edit")
                    continue
                if str(f["to"]).lower() == NO_THEME:
                    labels[index[note]] = -1
                    continue
                target = theme_of(f["to"], edit)
                if target is not None:
                    labels[index[note]] = target
                    states[target].edits.append("note moved in")
            elif edit.kind == "pin":
                pinned = theme_of(f["note"], edit)
                if pinned is not None:
                    states[pinned].pinned.append(note_of(f["note"], self.lab_id))
                    states[pinned].edits.append("quote pinned")
            elif edit.kind == "rename":
                renamed = theme_of(f["theme"], edit)
                if renamed is not None:
                    states[renamed].title = str(f["title"])
                    states[renamed].edits.append("renamed")
            elif edit.kind == "not_relevant":
                dropped = theme_of(f["theme"], edit)
                if dropped is not None:
                    states[dropped].relevant = False
                    states[dropped].edits.append("marked not relevant")
        live = set(labels.tolist())
        return labels, {t: s for t, s in states.items() if t in live}

    def unapplied(self) -> list[Problem]:
        """Warnings for edits whose notes exist in no question (e.g. the notes were removed)."""
        missing = []
        for number, edit in enumerate(self.edits):
            if number not in self.applied:
                missing.append(Problem(self.path, edit.line, f"{edit.kind}: none of its notes exist any more",
                                       "update the ids (see the report appendix) or remove the edit", "warning"))
        return missing


def check_references(edits: list[Edit], note_ids: set[str], lab_id: str, path: str) -> list[Problem]:
    """Warnings for edits naming notes the lab does not have (used by `harvest check`, before any run)."""
    warnings = []
    for edit in edits:
        for ref in references(edit):
            if note_of(ref, lab_id) not in note_ids:
                warnings.append(Problem(path, edit.line, f"{edit.kind}: '{ref}' names no note of this lab",
                                        "use an id from the report appendix (file:line)", "warning"))
    return warnings


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
