"""The analyst's theme edits, applied on top of the machine themes (the rules live in the pipeline.edits package)."""

from __future__ import annotations

import numpy as np

from pipeline.edits import EditApplier, ThemeState


def apply_edits(editor: EditApplier | None, note_ids: list[str], labels: np.ndarray, Z: np.ndarray,
                n_codebook: int) -> tuple[np.ndarray, dict[int, ThemeState]]:
    """Labels and per-theme state after the lab's edits; codebook themes keep a state even when empty."""
    if editor is None:
        states = {int(t): ThemeState() for t in set(labels.tolist()) if t >= 0}
    else:
        labels, states = editor.apply(note_ids, labels, Z)
    for t in range(n_codebook):
        states.setdefault(t, ThemeState())
    return labels, states
