"""How stable a question's themes are: the same fit with other seeds, and how much their labels agree.

The first seed is the question's own fit; the others' fits are independent jobs (`seed_labels`: arguments
and result pickle), run in this process or in worker processes (`submit_seed_fits`, `themes.workers`).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

import numpy as np

from pipeline.themes.cluster import make_clusterer
from pipeline.themes.count import mean_pairwise_agreement

SeedRuns = Callable[[], list[np.ndarray]]      # the labels of the other seeds' fits, when they are ready


def stability_seeds(params: dict[str, Any]) -> list[int]:
    """The seeds a question is fitted with to measure how stable its themes are; the first is the fit's own."""
    return [int(params["random_state"]) + i for i in range(int(params["stability_seeds"]))]


def seed_labels(X: np.ndarray, params: dict[str, Any], seed: int, fit_args: dict[str, Any]) -> np.ndarray:
    """The theme labels of one fit with `seed`."""
    return make_clusterer(params, seed).fit(X, **fit_args).labels_


def runs_agreement(runs: list[np.ndarray]) -> float:
    """Mean pairwise ARI of theme labels fitted with different seeds (1.0 = the same themes every time)."""
    if len(runs) < 2 or len(runs[0]) < 2:
        return 1.0
    return mean_pairwise_agreement([r - r.min() for r in runs])


def seed_stability(X: np.ndarray, params: dict[str, Any], **fit_args: Any) -> float:
    """Mean pairwise ARI of the theme labels over all the stability seeds, every fit made here."""
    if len(X) < 2:
        return 1.0
    return runs_agreement([seed_labels(X, params, seed, fit_args) for seed in stability_seeds(params)])


def submit_seed_fits(executor: Executor, X: np.ndarray, params: dict[str, Any],
                     fit_args: dict[str, Any]) -> SeedRuns:
    """Start the other seeds' fits of one question on `executor`; returns how to wait for their labels."""
    futures = [executor.submit(seed_labels, X, params, seed, fit_args) for seed in stability_seeds(params)[1:]]
    return lambda: [future.result() for future in futures]


def other_seed_runs(X: np.ndarray, params: dict[str, Any], fit_args: dict[str, Any],
                    submitted: SeedRuns | None) -> list[np.ndarray]:
    """Labels of the fits with the stability seeds after the first (the first is the question's own fit)."""
    if len(X) < 2:
        return []
    if submitted is not None:
        return submitted()
    return [seed_labels(X, params, seed, fit_args) for seed in stability_seeds(params)[1:]]
