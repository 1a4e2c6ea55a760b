"""Pure helpers for notebooks/explore.ipynb: browse one question's themes, try another minimum theme size, draft edits.

The notebook only calls these and displays what they return, so what it shows is tested here and the
notebook itself holds no analysis logic. Nothing here reads or writes files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline import catalog, ids
from pipeline.edits import EditApplier, parse_edits
from pipeline.edits import note_reference as written_reference
from pipeline.errors import HarvestError
from pipeline.params import PARAMS_FILE
from pipeline.themes import themes_for_question

THEME_COLUMNS = ("theme_id", "question", "title", "size", "notes")
NOTE_COLUMNS = ("note_id", "question", "group", "round", "text", "count")
ASSIGNMENT_COLUMNS = ("note_id", "theme_id", "status")
STALE_FIX = "re-run the pipeline (dvc repro) so the stage outputs match this version"


def _require(frame: pd.DataFrame, columns: tuple[str, ...], source: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise HarvestError.at(source, None, f"missing column(s): {', '.join(missing)}", STALE_FIX)


def _theme_frame(themes: list[dict[str, Any]], question_id: str) -> pd.DataFrame:
    rows = [t for t in themes if t.get("question") == question_id]
    missing = sorted({c for t in rows for c in THEME_COLUMNS if c not in t})
    if missing:
        raise HarvestError.at(catalog.THEMES.name, None, f"theme rows without {', '.join(missing)}", STALE_FIX)
    return pd.DataFrame(rows, columns=list(dict.fromkeys([*THEME_COLUMNS, *(k for t in rows for k in t)])))


def find_root(start: Path) -> Path:
    """The project folder (the first one holding params.yaml from `start` upwards), so any cwd works."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / PARAMS_FILE).is_file():
            return folder
    raise HarvestError.at(start, None, "no params.yaml in this folder or any folder above it",
                          "start JupyterLab (or papermill) inside the worldcafe-harvest project folder")


def pick_question(questions: list[dict[str, Any]], question_id: str) -> dict[str, Any]:
    """The question with this id, or an error listing the ids the lab has (a typo in the parameters cell)."""
    for question in questions:
        if question["id"] == question_id:
            return question
    ids = ", ".join(q["id"] for q in questions)
    raise HarvestError.at(catalog.LAB.name, None, f"the lab has no question '{question_id}'",
                          f"set question_id to one of: {ids}")


def theme_table(themes: list[dict[str, Any]], question_id: str) -> pd.DataFrame:
    """One row per theme of the question in report order, with the analyst's edit marks, to see what edits did."""
    frame = _theme_frame(themes, question_id)
    relevant = frame["relevant"] if "relevant" in frame else pd.Series(True, index=frame.index)
    edits = frame["edits"] if "edits" in frame else pd.Series([[]] * len(frame), index=frame.index)
    return pd.DataFrame({
        "theme_id": frame["theme_id"], "title": frame["title"], "size": frame["size"], "notes": frame["notes"],
        "relevant": relevant.astype(bool),
        "edits": [", ".join(e) if isinstance(e, list) else "" for e in edits],
    }).reset_index(drop=True)


def largest_theme(themes: list[dict[str, Any]], question_id: str) -> dict[str, Any]:
    """The question's largest theme (first in report order on ties): the natural first candidate for a rename."""
    frame = _theme_frame(themes, question_id)
    if frame.empty:
        raise HarvestError.at(catalog.THEMES.name, None, f"question '{question_id}' has no themes",
                              "pick another question_id, or lower themes.min_theme_size")
    best = int(frame["size"].astype(int).to_numpy().argmax())
    return next(t for t in themes if t.get("question") == question_id and t["theme_id"] == frame["theme_id"][best])


def notes_by_theme(notes: pd.DataFrame, assignments: pd.DataFrame, themes: list[dict[str, Any]],
                   question_id: str) -> pd.DataFrame:
    """The question's notes with theme and status, in theme order (unassigned last), so they read theme by theme."""
    _require(notes, NOTE_COLUMNS, catalog.NOTES.name)
    _require(assignments, ASSIGNMENT_COLUMNS, catalog.ASSIGNMENTS.name)
    own = notes[notes["question"] == question_id].reset_index(drop=True)
    if own.empty:
        raise HarvestError.at(catalog.NOTES.name, None, f"question '{question_id}' has no notes",
                              "pick a question_id that has notes")
    extra = ["secondary_theme_id"] if "secondary_theme_id" in assignments else []
    merged = own.merge(assignments[[*ASSIGNMENT_COLUMNS, *extra]].drop_duplicates("note_id"), on="note_id",
                       how="left")
    order = {str(t): i for i, t in enumerate(_theme_frame(themes, question_id)["theme_id"])}
    quotes = {q["note_id"]: bool(q.get("pinned")) for t in themes if t.get("question") == question_id
              for q in t.get("quotes", [])}
    theme_ids = merged["theme_id"].fillna("").astype(str)
    result = pd.DataFrame({
        "theme_id": theme_ids,
        "note": [ids.short(n) for n in merged["note_id"].astype(str)],
        "where": [" ".join(p) for p in merged["provenance"]] if "provenance" in merged else "",
        "group": merged["group"].astype(str), "round": merged["round"].astype(int), "text": merged["text"],
        "count": merged["count"].astype(int), "status": merged["status"].fillna("").astype(str),
        "quote": ["pinned" if quotes.get(n) else "yes" if n in quotes else "" for n in merged["note_id"]],
        "second_theme": merged[extra[0]].fillna("").astype(str) if extra else "",
    })
    rank = [order.get(t, len(order)) for t in theme_ids]
    return result.iloc[np.argsort(rank, kind="stable")].reset_index(drop=True)


def recluster_question(notes: pd.DataFrame, note_ids: list[str], vectors: np.ndarray, language: str,
                       params: dict[str, Any], question_id: str, min_theme_size: int,
                       editor: EditApplier | None = None,
                       ) -> tuple[list[dict[str, Any]], pd.DataFrame, dict[str, Any]]:
    """One question's themes again from the stored vectors with another min_theme_size (no re-embedding, no writes)."""
    if note_ids != notes["note_id"].astype(str).tolist():
        raise HarvestError.at(catalog.EMBEDDINGS.name, None, f"the stored vectors do not match {catalog.NOTES.name}",
                              STALE_FIX)
    if isinstance(min_theme_size, bool) or not isinstance(min_theme_size, int | np.integer) or min_theme_size < 1:
        raise HarvestError.at("explore.ipynb", None, f"min_theme_size must be a whole number >= 1, not "
                              f"{min_theme_size!r}", "set min_theme_size = 3 (or another count) in the parameters")
    mask = (notes["question"] == question_id).to_numpy()
    if not mask.any():
        raise HarvestError.at(catalog.NOTES.name, None, f"question '{question_id}' has no notes",
                              "pick a question_id that has notes")
    settings = {**params, "min_theme_size": int(min_theme_size)}
    return themes_for_question(notes[mask].reset_index(drop=True), np.asarray(vectors)[mask], language, settings,
                               editor)


def compare_themes(stored: list[dict[str, Any]], new: list[dict[str, Any]], question_id: str) -> pd.DataFrame:
    """Stored and new themes side by side, largest first, to see what another minimum size changes."""

    def ranked(rows: list[dict[str, Any]], prefix: str) -> pd.DataFrame:
        frame = _theme_frame(rows, question_id)[["theme_id", "title", "size"]]
        frame = frame.sort_values("size", ascending=False, kind="stable").reset_index(drop=True)
        return frame.add_prefix(f"{prefix}_")

    side = pd.concat([ranked(stored, "stored"), ranked(new, "new")], axis=1)
    side.index = pd.RangeIndex(1, len(side) + 1, name="rank")
    for column in side.columns:
        side[column] = side[column].astype("Int64") if column.endswith("_size") else side[column].fillna("")
    return side


def compare_counts(stored: list[dict[str, Any]], stored_assignments: pd.DataFrame, new: list[dict[str, Any]],
                   new_assignments: pd.DataFrame, question_id: str) -> pd.DataFrame:
    """Number of themes and of notes in / outside themes, stored vs new: the headline of the comparison."""

    def counts(rows: list[dict[str, Any]], assignments: pd.DataFrame, source: str) -> list[int]:
        _require(assignments, ("note_id", "theme_id"), source)
        own = assignments[assignments["question"] == question_id] if "question" in assignments else assignments
        in_theme = int((own["theme_id"].fillna("").astype(str) != "").sum())
        return [len(_theme_frame(rows, question_id)), in_theme, int(len(own)) - in_theme]

    return pd.DataFrame({"stored": counts(stored, stored_assignments, catalog.ASSIGNMENTS.name),
                         "new": counts(new, new_assignments, "new assignments")},
                        index=pd.Index(["themes", "notes in a theme", "notes in no theme"], name=question_id))


def params_diff(stored: dict[str, Any], current: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Keys whose value differs (stored, current): shows when the stored themes came from other settings."""
    return {k: (stored.get(k), current.get(k)) for k in sorted(set(stored) | set(current))
            if stored.get(k) != current.get(k)}


def has_edit(text: str, kind: str, **fields: Any) -> bool:
    """Whether the edits text already holds exactly this edit, so re-running the notebook adds no duplicate."""
    return any(e.kind == kind and e.fields == fields for e in parse_edits(text))


def note_reference(notes: pd.DataFrame, note_id: str) -> str:
    """How an edit names this note: its id and first words, so it is never applied to a changed note."""
    _require(notes, ("note_id", "text"), catalog.NOTES.name)
    full = {ids.short(n): n for n in notes["note_id"].astype(str)}.get(ids.short(note_id))
    if full is None:
        raise HarvestError.at(catalog.NOTES.name, None, f"no note has id '{note_id}'",
                              "copy an id from the `note` column of section 2")
    text = str(notes.loc[notes["note_id"] == full, "text"].iloc[0])
    return written_reference(full, text)


def theme_reference(notes: pd.DataFrame, theme: dict[str, Any]) -> str:
    """How an edit names a theme: `question~note` and the first words of the note it is named by.

    A discovered theme is named by the note in its id; a codebook theme's id holds its codebook id, not a
    note, so it is named by its first quoted member (edits find a theme through any of its notes)."""
    question, _, note = str(theme["theme_id"]).partition(ids.THEME_SEPARATOR)
    if theme.get("source") == "codebook":
        quotes = theme.get("quotes") or []
        if not quotes:
            raise HarvestError.at(catalog.THEMES.name, None, f"theme '{theme['theme_id']}' has no notes to name it by",
                                  "choose a theme that was raised (size above 0)")
        note = str(quotes[0]["note_id"])
    return f"{question}{ids.THEME_SEPARATOR}{note_reference(notes, note)}"
