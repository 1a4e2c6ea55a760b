"""How many themes a question has: agreement of seeded clusterings beyond a structureless null.

Numpy versions of k-means (seeded by a Ward cut, and its restarts), Ward cuts and the adjusted Rand
index (sklearn's per-call validation costs more than the work on a question's few dozen notes, and the
search compares thousands of labelings), the jackknife over subsamples, and the rule that picks the count
(`choose_count`).
"""

from __future__ import annotations

import numpy as np


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
        members = np.zeros((len(X), len(centres)))
        members[np.arange(len(X)), labels] = 1.0
        counts = members.sum(axis=0)
        filled = counts > 0
        centres[filled] = (members.T @ X)[filled] / counts[filled, None]     # every mean in one product
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


def restarts(Z: np.ndarray, seeded: tuple[np.ndarray, np.ndarray], n_init: int, min_size: int,
             rng: np.random.RandomState) -> tuple[np.ndarray, np.ndarray]:
    """The partition of least within-theme spread among the Ward-seeded k-means and n_init - 1 k-means++
    restarts (a restart leaving a theme below min_size does not compete)."""
    labels, centres = seeded
    k = len(centres)
    spread = float(((Z - centres[labels]) ** 2).sum())
    for _ in range(max(n_init, 1) - 1):
        l2, c2 = lloyd(Z, plusplus(Z, k, rng))
        s2 = float(((Z - c2[l2]) ** 2).sum())
        if np.bincount(l2, minlength=k).min() >= min_size and s2 < spread - 1e-9:
            labels, centres, spread = l2, c2, s2
    return labels, centres


def plusplus(Z: np.ndarray, k: int, rng: np.random.RandomState) -> np.ndarray:
    """k-means++ starting centres (each next one drawn in proportion to its squared distance)."""
    chosen = [int(rng.randint(len(Z)))]
    d2 = ((Z - Z[chosen[0]]) ** 2).sum(axis=1)
    for _ in range(k - 1):
        total = d2.sum()
        nxt = int(rng.choice(len(Z), p=d2 / total)) if total > 0 else int(rng.randint(len(Z)))
        chosen.append(nxt)
        d2 = np.minimum(d2, ((Z - Z[nxt]) ** 2).sum(axis=1))
    return Z[chosen].copy()


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
