"""Analyst theme edits (data/raw/<lab>/theme_edits.yaml): parsed, validated once, re-applied on every run.

Edits name notes by their stable ids (pipeline/ids.py), never by cluster numbers or line positions;
a theme reference (`s1q1~n3fa2c1d0`, or any note of it) means "the theme that holds this note now",
and `s1q1~funding` names the codebook theme `funding` of s1q1. A reference may carry a few words of
the note after the id (`n3fa2c1d0 Chiriile din centru…`): when the note's text no longer fits them,
or the note is gone, the edit is skipped and reported with its `theme_edits.yaml:LINE` — it is never
applied to another note.

One step per module: `parse` (the file's grammar: kinds, keys, structural mistakes by line; writing an
edit for the explore notebook), `plan` (the one validator, `plan_edits`, that `harvest check` and the
themes stage share: references resolved to notes, every mistake the notes alone reveal), `apply`
(`EditApplier`: a plan applied to one question's machine themes; what depends on the themes, such as
two edits on one theme through different notes, is decided there) and `audit` (edits_log.csv and the
report's "Analyst corrections" view model).

Kinds, applied in this order: merge, split, move, pin, rename, not_relevant (see docs/theme_edits.md).
"""

from pipeline.edits.apply import EditApplier, ThemeState
from pipeline.edits.audit import LOG_COLUMNS, corrections, edits_log
from pipeline.edits.parse import (
    APPLIED,
    EDITS_FILE,
    EXCLUDED_STATUS,
    KINDS,
    LOG_FILE,
    NO_THEME,
    SKIPPED,
    Edit,
    add_edit,
    load_edits,
    note_reference,
    parse_edits,
    redacted_titles,
)
from pipeline.edits.plan import NoteIndex, Plan, PlannedEdit, Resolved, plan_edits, resolve, validate

__all__ = ["APPLIED", "EDITS_FILE", "EXCLUDED_STATUS", "KINDS", "LOG_COLUMNS", "LOG_FILE", "NO_THEME", "SKIPPED",
           "Edit", "EditApplier", "NoteIndex", "Plan", "PlannedEdit", "Resolved", "ThemeState", "add_edit",
           "corrections", "edits_log", "load_edits", "note_reference", "parse_edits", "plan_edits", "redacted_titles",
           "resolve", "validate"]
