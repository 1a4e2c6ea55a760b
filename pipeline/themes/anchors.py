"""Codebook themes in the theme space: how notes join expected themes, calibrated on the data.

A note joins a codebook theme when it is clearly closer to it than chance (`assign_to_anchors`,
against `structureless_similarity`); a discovered theme whose centre is closer to a codebook theme
than chance, at a looser level than a note's, joins it (`join_anchors`); then codebook and discovered
themes share the notes (`compete`).
"""

from __future__ import annotations

import numpy as np

MAD_TO_SD = 1.4826          # a normal distribution's standard deviation per median absolute deviation


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)


def structureless_similarity(Z: np.ndarray, rng: np.random.RandomState, directions: int) -> tuple[float, float]:
    """Median and robust spread of the notes' similarity to directions with no meaning (Gaussian draws
    of the notes' own spread): what closeness to a theme looks like by chance."""
    random = _unit(rng.normal(size=(directions, Z.shape[1])) * Z.std(axis=0))
    sims = (Z @ random.T).ravel()
    median = float(np.median(sims))
    spread = MAD_TO_SD * float(np.median(np.abs(sims - median)))
    return median, spread if spread > 0 else 1.0


def assign_to_anchors(Z: np.ndarray, anchors: np.ndarray, min_z: float, iterations: int,
                      null: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """Notes clearly closest to a codebook anchor join it; anchors move toward their members.

    Calibrated on the data, not a fixed cosine: a note joins a theme when its similarity to it is
    `min_z` robust standard deviations above its similarity to meaningless directions (`null`, from
    `structureless_similarity`) — in the centred space, so closer to the theme than to what all the
    question's notes share — and the theme is its nearest. Each centre is then the mean of its
    starting vector and its members (seeded k-means), and members are re-drawn. Returns labels
    (-1: the rest, for discovery) and centres.
    """
    median, spread = null
    start = _unit(anchors)
    centres = start.copy()
    labels = np.full(len(Z), -1)
    for _ in range(max(iterations, 1)):
        z = (Z @ centres.T - median) / spread
        best = np.argmax(z, axis=1)
        new = np.where(z[np.arange(len(Z)), best] >= min_z, best, -1)
        centres = _unit(np.vstack([start[j] + Z[new == j].sum(axis=0) for j in range(len(start))]))
        if np.array_equal(new, labels):
            break
        labels = new
    return labels, centres


def join_anchors(Z: np.ndarray, found: np.ndarray, found_centres: np.ndarray, anchor_centres: np.ndarray,
                 null: tuple[float, float], join_z: float) -> tuple[np.ndarray, np.ndarray]:
    """A discovered theme whose centre is closer to a codebook theme than chance joins its nearest one.

    Its notes each failed the notes' test, so their centre sits below that level by construction (the
    notes of an expected topic that the first pass left reach z 0.7-1.6): the join has its own, looser
    level `join_z` (`codebook_join_z`), against the same null. The whole rest as one theme (discovery
    found no structure in it, or it was too small to look for any) is not evidence of one codebook theme
    and joins nothing: a grab-bag's centre can lean toward a theme its notes do not share.

    Returns labels in the caller's numbering minus len(anchors) (a joined note: its codebook label -
    len(anchors), a kept theme: its new index, -1 - len(anchors): no theme) and the kept centres.
    """
    median, spread = null
    n_anchor = len(anchor_centres)
    z = (_unit(found_centres) @ anchor_centres.T - median) / spread if len(found_centres) else np.zeros((0, n_anchor))
    keep: list[int] = []
    target: dict[int, int] = {}
    whole_rest = len(found) > 0 and bool((found == found[0]).all())
    for t in range(len(found_centres)):
        if not (found == t).any():
            continue
        j = int(np.argmax(z[t]))
        if z[t, j] >= join_z and not whole_rest:
            target[t] = j - n_anchor          # becomes label j once the caller adds n_anchor
        else:
            keep.append(t)
    renumber = {old: new for new, old in enumerate(keep)}
    labels = np.array([target.get(int(t), renumber.get(int(t), -1 - n_anchor)) for t in found], dtype=int)
    return labels, found_centres[keep] if keep else np.zeros((0, Z.shape[1]))


def compete(Z: np.ndarray, labels: np.ndarray, starts: np.ndarray, centres: np.ndarray,
            iterations: int) -> tuple[np.ndarray, np.ndarray]:
    """Codebook and discovered themes share the notes: each note goes to its nearest centre, centres move
    (a codebook centre toward its members from its starting vector, a discovered one to its members'
    mean), until no note moves. A note only the first pass left to discovery joins a codebook theme
    when it is nearer to it than to any discovered theme, and a discovered theme keeps the region no
    codebook theme is nearer to. Returns labels (codebook themes first) and centres.
    """
    n_anchor = len(starts)
    centres = centres.copy()
    for _ in range(max(iterations, 1)):
        new = np.argmax(Z @ centres.T, axis=1)
        if np.array_equal(new, labels):
            break
        labels = new
        for j in range(len(centres)):
            members = Z[labels == j]
            if j < n_anchor:
                centres[j] = _unit(starts[j] + members.sum(axis=0))
            elif len(members):
                centres[j] = _unit(members.mean(axis=0))
    return labels, centres
