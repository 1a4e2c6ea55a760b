"""Theme clustering: one vector space for fitting and describing, and an estimator that picks the count.

`ThemeSpace` centres each language on its own mean (so a mixed-language lab does not cluster by
language), reduces by PCA and half-whitens. `ThemeClusterer` follows scikit-learn's estimator rules
(init stores, fit learns, learned state ends in `_`, randomness via `random_state`); its `get_params()`
is the one list of clusterer parameters, read by `make_clusterer` from the `themes:` params section.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.cluster.hierarchy import ward
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.decomposition import PCA
from sklearn.metrics import silhouette_score
from threadpoolctl import threadpool_limits

from pipeline.errors import HarvestError
from pipeline.themes.anchors import assign_to_anchors, compete, join_anchors, structureless_similarity

UNASSIGNED = -1
STATUS_ASSIGNED, STATUS_NONE, STATUS_AMBIGUOUS = "assigned", "none fits", "ambiguous"
STATUS_PROCESS = "process note"
NULL_DIRECTIONS = 200      # meaningless directions the codebook's chance similarity is measured on
SILHOUETTE_SAMPLE = 2000   # silhouette is quadratic in the notes: a seeded sample keeps big questions fast


def unit(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length in float64 (zero rows stay zero): the theme space's precision."""
    vectors = np.asarray(vectors, dtype=np.float64)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)


def centre(vectors: np.ndarray, languages: list[str] | None = None) -> np.ndarray:
    """Subtract each language's mean vector and re-normalise: removes what all notes share (topic, language)."""
    vectors = np.asarray(vectors, dtype=np.float64)
    if len(vectors) < 2:
        return unit(vectors)
    out = vectors.copy()
    groups = np.asarray(languages if languages is not None else [""] * len(vectors))
    for lang in np.unique(groups):
        rows = groups == lang
        out[rows] -= vectors[rows].mean(axis=0)
    return unit(out)


class ThemeSpace:
    """The fitted space themes live in: per-language means, then PCA with half-whitening (50+ notes).

    Fit on a question's notes; `transform` maps those notes and any other text vector (codebook
    titles, process-note examples) into the same space, so clustering, codebook assignment, edits,
    quotes and similarities all use one geometry.
    """

    def __init__(self, pca_dimensions: int, min_pca_dimensions: int, whiten_power: float):
        self.pca_dimensions = pca_dimensions
        self.min_pca_dimensions = min_pca_dimensions
        self.whiten_power = whiten_power

    def fit(self, X: np.ndarray, languages: list[str] | None = None) -> ThemeSpace:
        """Learn the language means and the PCA of the centred notes."""
        X = np.asarray(X, dtype=np.float64)
        groups = list(languages) if languages is not None else [""] * len(X)
        self.means_ = {lang: X[[g == lang for g in groups]].mean(axis=0) for lang in sorted(set(groups))}
        self.overall_ = X.mean(axis=0) if len(X) else np.zeros(X.shape[1])
        self._many = len(X) >= 2        # one note has no mean to remove
        self.pca_: PCA | None = None
        dims = min(self.pca_dimensions, len(X) // 10)
        if len(X) > 1 and dims >= self.min_pca_dimensions:
            self.pca_ = PCA(dims, svd_solver="full").fit(self._centred(X, groups))
        return self

    def _centred(self, X: np.ndarray, languages: list[str]) -> np.ndarray:
        if not self._many:
            return unit(X)
        shift = np.vstack([self.means_.get(lang, self.overall_) for lang in languages])
        return unit(X - shift)

    def transform(self, X: np.ndarray, languages: list[str] | None = None) -> np.ndarray:
        """Vectors in the theme space (unit rows)."""
        X = np.asarray(X, dtype=np.float64)
        groups = list(languages) if languages is not None else [next(iter(self.means_), "")] * len(X)
        return self._project(self._centred(X, groups) if len(X) else X)

    def transform_register(self, X: np.ndarray, language: str | None = None) -> np.ndarray:
        """Texts written in a register of their own (a codebook's titles and descriptions) in the theme
        space: centred on their own mean, as each language is, so what all of them share (being short
        titles) does not count as closeness to the notes; a single text is centred as `language`."""
        X = np.asarray(X, dtype=np.float64)
        if len(X) < 2:
            return self.transform(X, [language or next(iter(self.means_), "")] * len(X))
        return self._project(unit(X - X.mean(axis=0)))

    def _project(self, Z: np.ndarray) -> np.ndarray:
        if self.pca_ is None or not len(Z):
            return Z
        return unit(self.pca_.transform(Z) / self.pca_.explained_variance_ ** (self.whiten_power / 2))


def pair_agreement(a: np.ndarray, b: np.ndarray) -> float:
    """Adjusted Rand index of two labelings (as sklearn's, without its per-call validation: the
    stability search compares thousands of pairs)."""
    n = len(a)
    if n < 2:
        return 1.0
    a_ids = np.unique(a, return_inverse=True)[1]
    b_ids = np.unique(b, return_inverse=True)[1]
    pairs = np.bincount(a_ids * (int(b_ids.max()) + 1) + b_ids).astype(np.float64)
    rows, cols = np.bincount(a_ids).astype(np.float64), np.bincount(b_ids).astype(np.float64)
    together = float((pairs * (pairs - 1)).sum() / 2)
    sum_a, sum_b = float((rows * (rows - 1)).sum() / 2), float((cols * (cols - 1)).sum() / 2)
    expected = sum_a * sum_b / (n * (n - 1) / 2)
    maximum = (sum_a + sum_b) / 2
    return 1.0 if maximum == expected else (together - expected) / (maximum - expected)


def lloyd(X: np.ndarray, init: np.ndarray, max_iter: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """k-means from given centres until no note changes theme (numpy; sklearn's per-call checks cost
    more than the work on a question's few hundred notes). An emptied centre keeps its place."""
    centres = np.asarray(init, dtype=np.float64).copy()
    labels = np.full(len(X), -1)
    sq = (X * X).sum(axis=1)
    for _ in range(max_iter):
        distances = sq[:, None] - 2 * X @ centres.T + (centres * centres).sum(axis=1)[None, :]
        new = np.argmin(distances, axis=1)
        if np.array_equal(new, labels):
            break
        labels = new
        for j in range(len(centres)):
            members = labels == j
            if members.any():
                centres[j] = X[members].mean(axis=0)
    return labels, centres


def ward_cuts(tree: np.ndarray, n: int, ks: range) -> dict[int, np.ndarray]:
    """The flat clusters of a Ward tree for every k in ks, from one pass over its merges (as
    fcluster's 'maxclust', without validating the tree once per k)."""
    parent = list(range(2 * n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    cuts: dict[int, np.ndarray] = {}
    wanted = {k for k in ks if 1 <= k <= n}
    if n in wanted:
        cuts[n] = np.arange(n)
    for step, (a, b) in enumerate(tree[:, :2].astype(int)):
        parent[a] = parent[b] = n + step
        clusters = n - step - 1
        if clusters in wanted:
            roots = [root(i) for i in range(n)]
            cuts[clusters] = np.unique(roots, return_inverse=True)[1]
    return cuts


def seeded_kmeans(fit_on: np.ndarray, cut: np.ndarray, refine_on: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The means of a Ward cut seed one k-means refinement (deterministic): labels, centres."""
    seeds = np.vstack([fit_on[cut == c].mean(axis=0) for c in range(int(cut.max()) + 1)])
    return lloyd(refine_on, seeds)


def pairwise_agreements(runs: list[np.ndarray]) -> np.ndarray:
    """ARI of every pair of labelings (labels 0..k-1), from one batch of contingency tables."""
    k = int(max(r.max() for r in runs)) + 1
    onehot = np.zeros((len(runs), len(runs[0]), k))
    for r, labels in enumerate(runs):
        onehot[r, np.arange(len(labels)), labels] = 1
    tables = np.einsum("anj,bnl->abjl", onehot, onehot)
    n = len(runs[0])
    pairs = n * (n - 1) / 2
    sizes = onehot.sum(axis=1)
    per_run = (sizes * (sizes - 1)).sum(axis=1) / 2
    together = (tables * (tables - 1)).sum(axis=(2, 3)) / 2
    expected = np.outer(per_run, per_run) / pairs
    maximum = (per_run[:, None] + per_run[None, :]) / 2
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(maximum == expected, 1.0, (together - expected) / (maximum - expected))


def agreement_left_out(runs: list[np.ndarray]) -> tuple[float, np.ndarray]:
    """Mean pairwise ARI of labelings, and the means left when each run is left out (for the jackknife)."""
    b = len(runs)
    if b < 2:
        return 1.0, np.ones(b)
    ari = pairwise_agreements(runs)
    np.fill_diagonal(ari, 0.0)
    mean = float(ari.sum() / (b * (b - 1)))
    if b < 3:
        return mean, np.full(b, mean)
    # Without run r the pairs among the others remain: (total - 2 * row r) / ((b - 1)(b - 2)).
    return mean, (ari.sum() - 2 * ari.sum(axis=1)) / ((b - 1) * (b - 2))


def jackknife_error(left_out: np.ndarray) -> float:
    """Jackknife standard error of a statistic from its leave-one-out values."""
    b = len(left_out)
    return float(np.sqrt((b - 1) / b * ((left_out - left_out.mean()) ** 2).sum())) if b > 1 else 0.0


def mean_pairwise_agreement(runs: list[np.ndarray]) -> float:
    """Mean ARI over all pairs of labelings (labels 0..k-1)."""
    return agreement_left_out(runs)[0]


def nearest(X: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Index of each row's nearest centre (squared Euclidean)."""
    return np.argmin((centres * centres).sum(axis=1)[None, :] - 2 * X @ centres.T, axis=1)


def structureless(Z: np.ndarray, rng: np.random.RandomState) -> np.ndarray:
    """The null: Gaussian points with the same per-dimension spread as Z, so with no cluster structure."""
    return rng.normal(size=Z.shape) * Z.std(axis=0)


def choose_count(gain: dict[int, float], left_out: dict[int, np.ndarray], min_gain: float, tolerance: float,
                 prior: float) -> int:
    """The theme count: of the k whose gain over the null is within `tolerance` standard errors of the
    best, the one closest (in ratio) to the `prior` count; 1 when no k gains `min_gain`.

    The error is of the difference to the best, paired over the same subsamples (jackknife on
    `left_out`: per k, the stability with each subsample left out).

    On a few dozen notes the gains of neighbouring counts differ by less than their own noise, and
    taking the largest follows the noise (3 one time, 8 the next): the data decide between counts
    where they can tell them apart, the prior decides the rest (as the one-standard-error rule).
    """
    if not gain:
        return 1
    best = max(gain, key=lambda c: (round(gain[c], 6), -c))
    if gain[best] < min_gain:
        return 1
    close = [k for k in gain
             if gain[k] >= gain[best] - tolerance * jackknife_error(left_out[best] - left_out[k])]
    return min(close, key=lambda c: (round(abs(float(np.log(c / prior))), 6), c))


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
    `min_stability` means one theme. A discovered theme whose centre is clearly a codebook theme's
    joins it, then codebook and discovered themes share the notes (`anchors.compete`). A note whose two
    nearest centres are within `min_margin` is 'ambiguous' (unassigned, runner-up kept in
    `secondary_`), at most `max_unassigned` of the notes; a discovered theme with fewer than
    `min_theme_size` notes is dissolved into the nearest theme left ('none fits' when none is left).
    Codebook themes come first (labels 0..n_codebook_-1, kept even when empty), discovered ones by size.
    """

    def __init__(self, min_theme_size: int = 3, max_themes: int = 12, pca_dimensions: int = 30,
                 min_pca_dimensions: int = 5, whiten_power: float = 0.5, n_bootstrap: int = 12,
                 subsample_fraction: float = 0.8, max_sample: int = 3000, n_null: int = 2,
                 min_stability: float = 0.05, min_margin: float = 0.02, max_unassigned: float = 0.1,
                 codebook_min_z: float = 1.64, codebook_iterations: int = 10,
                 prior_theme_share: float = 0.2, count_tolerance: float = 1.0,
                 random_state: int | None = None):
        self.min_theme_size = min_theme_size
        self.max_themes = max_themes
        self.pca_dimensions = pca_dimensions
        self.min_pca_dimensions = min_pca_dimensions
        self.whiten_power = whiten_power
        self.n_bootstrap = n_bootstrap
        self.subsample_fraction = subsample_fraction
        self.max_sample = max_sample
        self.n_null = n_null
        self.min_stability = min_stability
        self.min_margin = min_margin
        self.max_unassigned = max_unassigned
        self.codebook_min_z = codebook_min_z
        self.codebook_iterations = codebook_iterations
        self.prior_theme_share = prior_theme_share
        self.count_tolerance = count_tolerance
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
        labels, centres = fits[k]
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
        self.space_ = ThemeSpace(self.pca_dimensions, self.min_pca_dimensions, self.whiten_power).fit(X, languages)
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
                                                    self.codebook_min_z)
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
        # Codebook themes keep their order (and stay when empty); discovered ones by size, largest first.
        found = sorted({int(t) for t in labels if t >= n_anchor},
                       key=lambda t: (-int((labels == t).sum()), int(np.flatnonzero(labels == t)[0])))
        kept = list(range(n_anchor)) + found
        renumber = {old: new for new, old in enumerate(kept)}
        self.labels_ = np.array([renumber.get(int(t), UNASSIGNED) for t in labels], dtype=int)
        self.secondary_ = np.array([renumber.get(int(r), UNASSIGNED) if s == STATUS_AMBIGUOUS else UNASSIGNED
                                    for r, s in zip(runner_up, status, strict=True)], dtype=int)
        self.status_ = status
        self.similarity_ = np.round(best, 6)
        self.cluster_centers_ = centres[kept] if kept else np.zeros((0, Z.shape[1]))
        self.n_codebook_ = n_anchor
        self.n_themes_ = len(kept)
        assigned = self.labels_ >= 0
        n_live = len(set(self.labels_[assigned].tolist()))
        self.silhouette_ = (float(silhouette_score(Z[assigned], self.labels_[assigned], metric="cosine",
                                                   sample_size=min(SILHOUETTE_SAMPLE, int(assigned.sum())),
                                                   random_state=self.random_state))
                            if 2 <= n_live < int(assigned.sum()) else float("nan"))


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


def seed_stability(X: np.ndarray, params: dict[str, Any], **fit_args: Any) -> float:
    """Mean pairwise ARI of the theme labels over several seeds (1.0 = the same themes every time)."""
    seeds = [int(params["random_state"]) + i for i in range(int(params["stability_seeds"]))]
    if len(X) < 2 or len(seeds) < 2:
        return 1.0
    runs = [make_clusterer(params, seed).fit(X, **fit_args).labels_ for seed in seeds]
    return mean_pairwise_agreement([r - r.min() for r in runs])

