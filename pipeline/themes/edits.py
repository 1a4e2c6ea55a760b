"""The analyst's theme edits, applied on top of the machine themes (the rules live in the pipeline.edits package)."""

from __future__ import annotations

import numpy as np

from pipeline.edits import EditApplier, ThemeState
from pipeline.themes.codebook import Codebook


def codebook_ids(codebook: Codebook | None, question_ids: list[str]) -> dict[str, list[str]]:
    """Each question's codebook theme ids, in label order: what `s1q1~funding` in an edit may name."""
    if codebook is None:
        return {}
    return {q: [theme.id for theme in codebook.themes_for(q)] for q in question_ids}


def apply_edits(editor: EditApplier | None, note_ids: list[str], labels: np.ndarray, Z: np.ndarray,
                codebook: tuple[str, ...] = (), question: str | None = None,
                ) -> tuple[np.ndarray, dict[int, ThemeState]]:
    """Labels and per-theme state after the lab's edits; codebook themes (ids in label order) keep a state
    even when empty, and an edit may name them by id."""
    if editor is None:
        states = {int(t): ThemeState() for t in set(labels.tolist()) if t >= 0}
    else:
        labels, states = editor.apply(note_ids, labels, Z, codebook, question)
    for t in range(len(codebook)):
        states.setdefault(t, ThemeState())
    return labels, states


def edited_silhouette(Z: np.ndarray, labels: np.ndarray, random_state: int | None) -> float | None:
    """The silhouette of the themes after the edits (notes in no theme left out), as the clusterer measures it."""
    from sklearn.metrics import silhouette_score

    from pipeline.themes.cluster import SILHOUETTE_SAMPLE

    assigned = labels >= 0
    live = len(set(labels[assigned].tolist()))
    if not 2 <= live < int(assigned.sum()):
        return None
    return float(silhouette_score(Z[assigned], labels[assigned], metric="cosine",
                                  sample_size=min(SILHOUETTE_SAMPLE, int(assigned.sum())), random_state=random_state))
