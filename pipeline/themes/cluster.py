"""Theme clustering: the estimator that fits a question's themes in the theme space (`space.py`) and picks
their count (`count.py`).

`ThemeClusterer` follows scikit-learn's estimator rules
(init stores, fit learns, learned state ends in `_`, randomness via `random_state`); its `get_params()`
is the one list of clusterer parameters, read by `make_clusterer` from the `themes:` params section.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.cluster.hierarchy import ward
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.metrics import silhouette_score
from threadpoolctl import threadpool_limits

from pipeline.errors import HarvestError
from pipeline.themes.anchors import assign_to_anchors, compete, join_anchors, structureless_similarity
from pipeline.themes.count import (
    agreement_left_out,
    choose_count,
    jackknife_error,
    nearest,
    restarts,
    seeded_kmeans,
    structureless,
    ward_cuts,
)
from pipeline.themes.space import ThemeSpace, unit

UNASSIGNED = -1
STATUS_ASSIGNED, STATUS_NONE, STATUS_AMBIGUOUS = "assigned", "none fits", "ambiguous"
STATUS_PROCESS = "process note"
NULL_DIRECTIONS = 200      # meaningless directions the codebook's chance similarity is measured on
# Similarities that order notes are rounded: far above the 1e-15 differences between machines' BLAS
# kernels, far below a real difference, so two equally close notes stay a tie on every machine.
SIMILARITY_DECIMALS = 6
SILHOUETTE_SAMPLE = 2000   # silhouette is quadratic in the notes: a seeded sample keeps big questions fast


class ThemeClusterer(ClusterMixin, BaseEstimator):
    """Groups note vectors into themes: codebook themes first (when given), the rest discovered.

    Vectors go into a `ThemeSpace`. With codebook anchors (centred on their own mean, as a register),
    notes clearly closer to an anchor than chance join it and the anchors move toward their members
    (`anchors.assign_to_anchors`). The remaining notes are discovered: the number of themes k is chosen
    on how much its partitions agree (mean pairwise ARI over `n_bootstrap` subsamples, Ward + k-means)
    *beyond what the same procedure finds on structureless data* (`n_null` Gaussian draws of the same
    spread): stability alone favours small k, and the null's stability is what k gets for free. Of the
    counts whose gain the data cannot tell from the best (`count_tolerance` standard errors), the one
    closest to the prior 1 / `prior_theme_share` is taken (`choose_count`); a count leaving a theme
    below `min_theme_size` competes only when every count does; no k beating the null by
    `min_stability` means one theme. At the chosen count, the Ward-seeded k-means competes with
    `n_init` - 1 k-means++ restarts and the partition of least within-theme spread is kept (`restarts`):
    one start can stop in a local optimum that a change in the vectors' last digits moves. A discovered
    theme whose centre is `codebook_join_z` robust standard deviations closer to a codebook theme than
    chance joins it (the whole rest as one theme joins nothing), then codebook and discovered themes share
    the notes (`anchors.compete`). A note whose two nearest centres are within `min_margin` is
    'ambiguous' (unassigned, runner-up kept in `secondary_`), at most `max_unassigned` of the notes; a
    discovered theme with fewer than `min_theme_size` notes is dissolved into the nearest theme left
    ('none fits' when none is left).
    Beside codebook themes, a discovered theme must hold together better than `cohesion_quantile` of
    `cohesion_draws` random groups of as many of the question's notes (`incoherent`): the notes
    no codebook theme took are often a grab-bag, and one such group is not a theme ('none fits').
    Codebook themes come first (labels 0..n_codebook_-1, kept even when empty), discovered ones by size.
    """

    def __init__(self, min_theme_size: int = 3, max_themes: int = 12, pca_dimensions: int = 30,
                 min_pca_dimensions: int = 5, whiten_power: float = 0.5, min_language_notes: int = 10,
                 n_bootstrap: int = 12,
                 subsample_fraction: float = 0.8, max_sample: int = 3000, n_null: int = 2,
                 min_stability: float = 0.05, min_margin: float = 0.02, max_unassigned: float = 0.1,
                 codebook_min_z: float = 1.64, codebook_join_z: float = 0.84, codebook_iterations: int = 10,
                 prior_theme_share: float = 0.2, count_tolerance: float = 1.0,
                 cohesion_draws: int = 200, cohesion_quantile: float = 0.95, n_init: int = 10,
                 random_state: int | None = None):
        self.min_theme_size = min_theme_size
        self.max_themes = max_themes
        self.pca_dimensions = pca_dimensions
        self.min_pca_dimensions = min_pca_dimensions
        self.whiten_power = whiten_power
        self.min_language_notes = min_language_notes
        self.n_bootstrap = n_bootstrap
        self.subsample_fraction = subsample_fraction
        self.max_sample = max_sample
        self.n_null = n_null
        self.min_stability = min_stability
        self.min_margin = min_margin
        self.max_unassigned = max_unassigned
        self.codebook_min_z = codebook_min_z
        self.codebook_join_z = codebook_join_z
        self.codebook_iterations = codebook_iterations
        self.prior_theme_share = prior_theme_share
        self.count_tolerance = count_tolerance
        self.cohesion_draws = cohesion_draws
        self.cohesion_quantile = cohesion_quantile
        self.n_init = n_init
        self.random_state = random_state

    def _k_range(self, n: int) -> range:
        k_hi = min(self.max_themes, n // max(self.min_theme_size, 1))
        # A 2-way split is often very stable and on real notes is often a style split (with or without
        # diacritics), which a structureless null cannot tell from a topic: it is considered only when
        # nothing larger is possible.
        k_lo = 3 if k_hi >= 4 else 2
        return range(k_lo, k_hi + 1)

    def _stability_by_k(self, Z: np.ndarray, ks: range,
                        rng: np.random.RandomState) -> dict[int, tuple[float, np.ndarray]]:
        """Per k: mean pairwise ARI of the partitions of n_bootstrap subsamples, and its leave-one-out values."""
        n = len(Z)
        m = min(int(round(self.subsample_fraction * n)), self.max_sample)
        subsets = [np.sort(rng.choice(n, m, replace=False)) for _ in range(self.n_bootstrap)]
        valid = range(ks.start, min(ks.stop, m))
        cuts = [ward_cuts(ward(Z[s]), m, valid) for s in subsets]
        stability = {}
        for k in valid:
            runs = [nearest(Z, seeded_kmeans(Z[s], cut[k], Z[s])[1]) for s, cut in zip(subsets, cuts, strict=True)]
            stability[k] = agreement_left_out(runs)
        return stability

    def _discover(self, Z: np.ndarray, rng: np.random.RandomState) -> tuple[np.ndarray, np.ndarray]:
        """Discovered themes of Z: labels and unit centres, k corrected against the null."""
        n = len(Z)
        ks = self._k_range(n)
        observed = self._stability_by_k(Z, ks, rng) if len(ks) else {}
        nulls = [self._stability_by_k(structureless(Z, rng), ks, rng) for _ in range(self.n_null)] if observed else []
        self.stability_by_k_ = {k: v[0] for k, v in observed.items()}
        self.null_stability_by_k_ = {k: float(np.mean([d[k][0] for d in nulls])) for k in observed}
        # Agreement beyond chance as a share of what was possible beyond chance (as Cohen's kappa): a
        # count the null already finds stable gains less from the same agreement. The null is the
        # reference (what a count gets for free); the uncertainty is the notes' own.
        chance = {k: min(self.null_stability_by_k_[k], float(np.nextafter(1.0, 0.0))) for k in observed}
        beyond = {k: (observed[k][1] - chance[k]) / (1 - chance[k]) for k in observed}
        gain = {k: (observed[k][0] - chance[k]) / (1 - chance[k]) for k in observed}
        self.gain_by_k_ = gain
        self.gain_error_by_k_ = {k: jackknife_error(beyond[k]) for k in observed}
        if n == 0:
            return np.zeros(0, dtype=int), np.zeros((0, Z.shape[1]))
        if not gain:
            return np.zeros(n, dtype=int), unit(Z.mean(axis=0, keepdims=True))
        sample = np.arange(n) if n <= self.max_sample else np.sort(rng.choice(n, self.max_sample, replace=False))
        cuts = ward_cuts(ward(Z[sample]), len(sample), range(min(gain), max(gain) + 1))
        fits = {k: seeded_kmeans(Z[sample], cuts[k], Z) for k in gain}
        # A count that leaves a theme below min_theme_size on the notes is not a count of themes (a stable
        # singleton is an outlier, not a theme); it competes only when every count does so.
        sized = {k: g for k, g in gain.items() if np.bincount(fits[k][0], minlength=k).min() >= self.min_theme_size}
        k = 1 if max(gain.values()) < self.min_stability else choose_count(
            sized or gain, beyond, -np.inf, self.count_tolerance, 1.0 / self.prior_theme_share)
        if k == 1:
            return np.zeros(n, dtype=int), unit(Z.mean(axis=0, keepdims=True))
        labels, centres = restarts(Z, fits[k], self.n_init, self.min_theme_size, rng)
        return labels, unit(centres)

    def fit(self, X: np.ndarray, y: Any = None, languages: list[str] | None = None,
            anchors: np.ndarray | None = None, anchor_language: str | None = None) -> ThemeClusterer:
        """Learn themes from note vectors X (n_notes, dim); `anchors` are codebook theme vectors."""
        # One BLAS/OpenMP thread: these matrices are small, and on a shared machine extra threads made
        # a fit 15x slower (busy-waiting), not faster.
        with threadpool_limits(limits=1):
            return self._fit(X, languages, anchors, anchor_language)

    def _fit(self, X: np.ndarray, languages: list[str] | None, anchors: np.ndarray | None,
             anchor_language: str | None) -> ThemeClusterer:
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2:
            raise ValueError("X must be a 2-D array of note vectors")
        n = len(X)
        rng = np.random.RandomState(self.random_state)
        self.space_ = ThemeSpace(self.pca_dimensions, self.min_pca_dimensions, self.whiten_power,
                                 self.min_language_notes).fit(X, languages)
        Z = self.space_.transform(X, languages) if n > 1 else unit(X)
        self.embedding_ = Z
        n_anchor = 0 if anchors is None else len(anchors)
        themes = np.full(n, UNASSIGNED)
        centres = np.zeros((0, Z.shape[1]))
        if n_anchor:
            assert anchors is not None
            A = self.space_.transform_register(anchors, anchor_language)
            self.anchor_null_ = structureless_similarity(Z, rng, NULL_DIRECTIONS)
            themes, centres = assign_to_anchors(Z, A, self.codebook_min_z, self.codebook_iterations,
                                                self.anchor_null_)
        rest = np.flatnonzero(themes == UNASSIGNED)
        self.stability_by_k_, self.null_stability_by_k_, self.gain_by_k_, self.gain_error_by_k_ = {}, {}, {}, {}
        if len(rest):
            found, found_centres = self._discover(Z[rest], rng)
            if n_anchor:
                found, found_centres = join_anchors(Z[rest], found, found_centres, centres, self.anchor_null_,
                                                    self.codebook_join_z)
            themes[rest] = found + n_anchor     # join_anchors numbers joined notes below 0
            centres = np.vstack([centres, found_centres]) if len(found_centres) else centres
            if n_anchor and len(found_centres):
                themes, centres = compete(Z, themes, unit(A), centres, self.codebook_iterations)
        self._finish(Z, themes, centres, n_anchor)
        return self

    def _finish(self, Z: np.ndarray, themes: np.ndarray, centres: np.ndarray, n_anchor: int) -> None:
        n = len(Z)
        sims = Z @ centres.T if n and len(centres) else np.zeros((n, len(centres)))
        best = sims[np.arange(n), np.maximum(themes, 0)] if n and len(centres) else np.zeros(n)
        if centres.shape[0] > 1:
            masked = sims.copy()
            masked[np.arange(n), np.maximum(themes, 0)] = -np.inf
            runner_up = np.argmax(masked, axis=1)
            margin = best - masked[np.arange(n), runner_up]
        else:
            runner_up, margin = np.full(n, UNASSIGNED), np.full(n, np.inf)
        status = np.full(n, STATUS_ASSIGNED, dtype=object)
        status[themes == UNASSIGNED] = STATUS_NONE
        close = np.flatnonzero((margin < self.min_margin) & (themes != UNASSIGNED))
        close = close[np.argsort(margin[close], kind="stable")][: int(self.max_unassigned * n)]
        status[close] = STATUS_AMBIGUOUS
        labels = np.where(status == STATUS_ASSIGNED, themes, UNASSIGNED)
        # A discovered theme below min_theme_size is dissolved (also the only one beside codebook themes);
        # its notes go to the nearest theme left (one k-means step), or are 'none fits' when none is left.
        small = [t for t in range(n_anchor, centres.shape[0])
                 if 0 < int((labels == t).sum()) < self.min_theme_size and centres.shape[0] > 1]
        left = [t for t in range(centres.shape[0]) if t not in small and (t < n_anchor or (labels == t).any())]
        for t in small:
            members = np.flatnonzero(labels == t)
            if left:
                left_ids = np.array(left, dtype=int)
                labels[members] = left_ids[np.argmax(sims[np.ix_(members, left_ids)], axis=1)]
                best[members] = sims[members, labels[members]]
            else:
                labels[members] = UNASSIGNED
                status[members] = STATUS_NONE
        for t in self._incoherent(Z, labels, n_anchor, centres.shape[0]):
            members = labels == t
            labels[members] = UNASSIGNED
            status[members] = STATUS_NONE
        # Codebook themes keep their order (and stay when empty); discovered ones by size, largest first.
        found = sorted({int(t) for t in labels if t >= n_anchor},
                       key=lambda t: (-int((labels == t).sum()), int(np.flatnonzero(labels == t)[0])))
        kept = list(range(n_anchor)) + found
        renumber = {old: new for new, old in enumerate(kept)}
        self.labels_ = np.array([renumber.get(int(t), UNASSIGNED) for t in labels], dtype=int)
        self.secondary_ = np.array([renumber.get(int(r), UNASSIGNED) if s == STATUS_AMBIGUOUS else UNASSIGNED
                                    for r, s in zip(runner_up, status, strict=True)], dtype=int)
        self.status_ = status
        self.similarity_ = np.round(best, SIMILARITY_DECIMALS)
        self.cluster_centers_ = centres[kept] if kept else np.zeros((0, Z.shape[1]))
        self.n_codebook_ = n_anchor
        self.n_themes_ = len(kept)
        assigned = self.labels_ >= 0
        n_live = len(set(self.labels_[assigned].tolist()))
        self.silhouette_ = (float(silhouette_score(Z[assigned], self.labels_[assigned], metric="cosine",
                                                   sample_size=min(SILHOUETTE_SAMPLE, int(assigned.sum())),
                                                   random_state=self.random_state))
                            if 2 <= n_live < int(assigned.sum()) else float("nan"))

    def _incoherent(self, Z: np.ndarray, labels: np.ndarray, n_anchor: int, n_centres: int) -> list[int]:
        """Discovered themes beside codebook themes that hold together no better than chance."""
        if not n_anchor:
            return []
        rng = np.random.RandomState(self.random_state)
        return [t for t in range(n_anchor, n_centres)
                if (labels == t).any() and incoherent(Z, np.flatnonzero(labels == t), rng, self.cohesion_draws,
                                                       self.cohesion_quantile)]


def cohesion(Z: np.ndarray, members: np.ndarray) -> float:
    """How closely notes hold together: their mean similarity to their own mean direction."""
    return float((Z[members] @ unit(Z[members].mean(axis=0))).mean())


def incoherent(Z: np.ndarray, members: np.ndarray, rng: np.random.RandomState, draws: int, quantile: float) -> bool:
    """Whether a group of notes holds together no better than the `quantile` of `draws` random groups
    of as many of the notes Z (calibrated on the question's own notes, not a fixed similarity)."""
    size = len(members)
    if size >= len(Z) or draws < 1:
        return False
    chance = [cohesion(Z, rng.choice(len(Z), size, replace=False)) for _ in range(draws)]
    return cohesion(Z, members) <= float(np.quantile(chance, quantile))


def clusterer_params() -> tuple[str, ...]:
    """The clusterer's parameter names, read from its signature (random_state comes separately)."""
    return tuple(k for k in ThemeClusterer().get_params() if k != "random_state")


def make_clusterer(params: dict[str, Any], random_state: int | None = None) -> ThemeClusterer:
    """The clusterer configured by a `themes:` params section (random_state from it unless given)."""
    names = clusterer_params()
    missing = [k for k in (*names, "random_state") if k not in params]
    if missing:
        raise HarvestError.at("params.yaml", None, f"themes: missing {', '.join(missing)}",
                              "add them to the 'themes:' section (see the README)")
    seed = int(params["random_state"]) if random_state is None else random_state
    return ThemeClusterer(**{k: params[k] for k in names}, random_state=seed)
