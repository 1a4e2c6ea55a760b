"""A lab's theme figures: per-question metrics when empty, the unassigned rate, and the small files
`dvc metrics` and `dvc plots` read (scores.json, theme_sizes.csv), all measured after the edits."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from pipeline.edits import EXCLUDED_STATUS
from pipeline.themes.cluster import STATUS_AMBIGUOUS, STATUS_NONE, STATUS_PROCESS


def rounded(value: float | None) -> float | None:
    """A figure to 4 decimals for the metrics files; None (JSON null) when it is undefined."""
    return None if value is None or np.isnan(value) else round(float(value), 4)


def empty_metrics() -> dict[str, Any]:
    """The metrics of a question without notes."""
    return {"notes": 0, "n_themes": 0, "unassigned_rate": 0.0, "codebook_rate": 0.0, "process_notes": [],
            "silhouette": None, "stability_ari": None}


def scores(summary: dict[str, Any], log: pd.DataFrame) -> dict[str, Any]:
    """The few numbers `dvc metrics show/diff` compares across commits (per question: see metrics.json)."""
    per_question = [m for m in summary["per_question"].values() if m["notes"]]

    def mean(key: str) -> float | None:
        values = [m[key] for m in per_question if m.get(key) is not None]
        return round(float(np.mean(values)), 4) if values else None

    return {"notes_in": summary["notes_in"], "notes": summary["notes"], "themes": summary["themes"],
            "unassigned_rate": summary["unassigned_rate"],
            "excluded_by_analyst": int(sum(m.get("excluded", 0) for m in per_question)),
            "silhouette": mean("silhouette"), "stability_ari": mean("stability_ari"),
            "edits_applied": int((log["outcome"] == "applied").sum()),
            "edits_skipped": int((log["outcome"] == "skipped").sum())}


def theme_sizes(themes: pd.DataFrame) -> pd.DataFrame:
    """Notes per theme after edits, labelled by question, for `dvc plots show`."""
    if themes.empty:
        return pd.DataFrame(columns=["question", "theme", "size"])
    return pd.DataFrame({"question": themes["question"],
                         "theme": [f"{q} · {t}" for q, t in zip(themes["question"], themes["title"], strict=True)],
                         "size": themes["size"].astype(int)})


def unassigned_rate(assignments: pd.DataFrame) -> float:
    """Share of the analysed notes in no theme; process notes and notes the analyst excluded are not analysed."""
    analysed = assignments[~assignments["status"].isin([STATUS_PROCESS, EXCLUDED_STATUS])] \
        if not assignments.empty else assignments
    if analysed.empty:
        return 0.0
    return round(float(analysed["status"].isin([STATUS_NONE, STATUS_AMBIGUOUS]).mean()), 4)
