"""Coverage: which tables (groups) and rounds raised each theme — the world café's own structure."""

from __future__ import annotations

import pandas as pd

COVERAGE_COLUMNS = ["question", "theme_id", "group", "round", "notes"]


def theme_coverage(notes: pd.DataFrame, assignments: pd.DataFrame) -> pd.DataFrame:
    """Raw notes per theme × group × round; a merged duplicate counts once for every table that wrote it."""
    missing = [c for c in ("note_id", "source_groups", "source_rounds") if c not in notes.columns]
    if missing:
        raise ValueError(f"notes lack column(s) {missing}; re-run the clean stage")
    merged = notes[["note_id", "source_groups", "source_rounds"]].merge(
        assignments[["note_id", "question", "theme_id"]], on="note_id")
    merged = merged[merged["theme_id"] != ""]
    rows = [(question, theme_id, g, int(rnd))
            for question, theme_id, groups, rounds in zip(merged["question"], merged["theme_id"],
                                                          merged["source_groups"], merged["source_rounds"], strict=True)
            for g, rnd in zip(groups, rounds, strict=True)]
    frame = pd.DataFrame(rows, columns=COVERAGE_COLUMNS[:-1])
    if frame.empty:
        return pd.DataFrame(columns=COVERAGE_COLUMNS)
    counted = frame.value_counts().rename("notes").reset_index()
    return counted.sort_values(["question", "theme_id", "group", "round"]).reset_index(drop=True)


def travelled(coverage: pd.DataFrame) -> pd.DataFrame:
    """Themes raised in more than one round or at more than one table: ideas that travelled in the café."""
    spread = coverage.groupby("theme_id").agg(question=("question", "first"), rounds=("round", "nunique"),
                                              groups=("group", "nunique"), notes=("notes", "sum"))
    return spread[(spread["rounds"] > 1) | (spread["groups"] > 1)].reset_index()
