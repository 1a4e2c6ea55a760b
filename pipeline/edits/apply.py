"""Applying a validated plan to one question's machine themes; what depends on the themes is decided here."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipeline import ids
from pipeline.edits.audit import edits_log
from pipeline.edits.parse import APPLIED, NO_THEME, SKIPPED, Edit
from pipeline.edits.plan import Plan, PlannedEdit, Resolved, validate
from pipeline.errors import Problem


@dataclass
class ThemeState:
    """What edits say about one theme (keyed by its current label)."""

    title: str | None = None
    title_en: str | None = None     # the analyst's English for the title, for English reports
    relevant: bool = True
    pinned: list[str] = field(default_factory=list)
    edits: list[str] = field(default_factory=list)
    merged_away: bool = False      # a codebook theme merged into another: no longer a theme, nor "not raised"


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
    def for_notes(cls, edits: list[Edit], notes: pd.DataFrame, lab_id: str, path: str,
                  codebook: dict[str, list[str]] | None = None) -> EditApplier:
        """Validate `edits` against the clean notes and codebook theme ids (errors raise); ready to apply them."""
        return cls(validate(edits, notes, lab_id, path, codebook), path)

    def _skip(self, planned: PlannedEdit, reason: str, fix: str) -> None:
        planned.outcome, planned.reason = SKIPPED, reason
        self.warnings.append(Problem(self.path, planned.edit.line, f"{planned.edit.kind}: {reason}", fix, "warning"))

    def apply(self, note_ids: list[str], labels: np.ndarray, vectors: np.ndarray, codebook: tuple[str, ...] = (),
              question: str | None = None) -> tuple[np.ndarray, dict[int, ThemeState]]:
        """Edits touching these notes (one question) -> new labels (-1 = no theme) and per-theme state.

        Codebook theme `i` of the question (ids in `codebook`) has label `i`, with or without notes; a
        theme a split creates gets a label above every codebook and machine theme.
        """
        labels = labels.copy()
        index = {n: i for i, n in enumerate(note_ids)}
        states: dict[int, ThemeState] = {int(t): ThemeState() for t in set(labels.tolist()) | set(range(len(codebook)))
                                         if t >= 0}
        next_label = max(states, default=-1) + 1
        titled: dict[int, PlannedEdit] = {}
        merged_into: dict[int, tuple[int, PlannedEdit]] = {}
        machine = labels.copy()

        def here(ref: Resolved) -> bool:
            return ref.note in index if ref.note is not None else ref.codebook in codebook and ref.question == question

        def theme_of(ref: Resolved, planned: PlannedEdit) -> int | None:
            if ref.codebook:
                return codebook.index(ref.codebook)
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
            english = planned.edit.fields.get("title_en")
            states[label].title_en = str(english) if english not in (None, "") else None
            return True

        def not_merged_away(ref: Resolved, planned: PlannedEdit) -> bool:
            origin = codebook.index(ref.codebook) if ref.codebook else int(machine[index[str(ref.note)]])
            if origin in merged_into and planned.edit.kind != "merge":
                target, merge = merged_into[origin]
                self._skip(planned, f"its theme was merged into another by line {merge.edit.line}",
                           "edit the merged theme (its first theme), or give the merge a title")
                return False
            return True

        mine = [p for p in self.plan.edits if p.skip is None and not p.outcome and p.refs
                and all(here(r) for rs in p.refs.values() for r in rs if r.found)
                and any(here(r) for rs in p.refs.values() for r in rs)]
        for planned in mine:
            f, refs = planned.edit.fields, planned.refs
            planned.outcome, planned.reason = APPLIED, ""
            kind = planned.edit.kind
            if kind == "merge":
                alive = [r for r in refs["themes"] if r.found]
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
                    if other < len(codebook):
                        states[other] = ThemeState(merged_away=True)
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
        return labels, {t: s for t, s in states.items() if t in live or t < len(codebook)}

    def log(self) -> pd.DataFrame:
        """Every edit's outcome (applied / skipped and why), in file order: the stage's edits_log.csv."""
        return edits_log(self.plan)
