"""`harvest evaluate`: the themes code path on any labelled CSV, scored against its labels.

Same normalisation, embedding backend, cache and clusterer as `dvc repro` (automatic theme count,
never the gold count). Unassigned notes count as one cluster of their own in NMI/ARI.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score, v_measure_score

from pipeline.clean import normalise_note
from pipeline.embed import VectorCache, embed_texts, make_embedder
from pipeline.errors import HarvestError
from pipeline.themes import UNASSIGNED, make_clusterer

DEFAULT_PARAMS: dict[str, Any] = {
    "embed": {"backend": "e5", "model_path": None, "tfidf_dimensions": 100, "cache_dir": ".cache/embeddings"},
    "themes": {"random_state": 0, "min_theme_size": 3, "max_themes": 12, "pca_dimensions": 30,
               "min_pca_dimensions": 5, "whiten_power": 0.5, "n_bootstrap": 12, "subsample_fraction": 0.8,
               "max_sample": 3000, "min_stability": 0.1, "min_margin": 0.02, "max_unassigned": 0.1,
               "stability_tolerance": 0.1},
}


def score_labels(gold: list[Any], predicted: np.ndarray) -> dict[str, float]:
    """NMI, ARI and V-measure of predicted theme labels against gold labels (unassigned = own cluster)."""
    return {
        "nmi": round(float(normalized_mutual_info_score(gold, predicted)), 4),
        "ari": round(float(adjusted_rand_score(gold, predicted)), 4),
        "v_measure": round(float(v_measure_score(gold, predicted)), 4),
    }


def evaluate_texts(texts: list[str], labels: list[Any], language: str, params: dict[str, Any]) -> dict[str, Any]:
    """Embed, cluster and score texts; returns the figures `harvest evaluate` prints."""
    started = time.perf_counter()
    clean = [normalise_note(t, language) for t in texts]
    embedder, _ = make_embedder(params["embed"], language, int(params["themes"]["random_state"]))
    cache = VectorCache(Path(params["embed"]["cache_dir"]), embedder.id) if embedder.cacheable else None
    vectors, _ = embed_texts(clean, embedder, cache)
    model = make_clusterer(params["themes"]).fit(vectors)
    scores = score_labels(labels, model.labels_)
    return {**scores, "n_themes": int(model.n_themes_),
            "unassigned_rate": round(float((model.labels_ == UNASSIGNED).mean()), 4), "n": len(texts),
            "backend": embedder.id, "seconds": round(time.perf_counter() - started, 2)}


def evaluate_csv(path: Path, text_column: str, label_column: str, language: str,
                 params: dict[str, Any] | None) -> dict[str, Any]:
    """Read a labelled CSV and evaluate it with the project's params (or defaults outside a project)."""
    if not path.is_file():
        raise HarvestError.at(path, None, "file not found", "give the path of a CSV file")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise HarvestError.at(path, None, f"not a readable CSV ({exc})", "save it as UTF-8 CSV") from None
    missing = [c for c in (text_column, label_column) if c not in frame.columns]
    if missing:
        raise HarvestError.at(path, 1, f"missing column(s) {missing}; found {list(frame.columns)}",
                              "name them with --text-column and --label-column")
    settings: dict[str, Any] = dict(DEFAULT_PARAMS)
    for key in ("embed", "themes"):
        if params and key in params:
            settings[key] = params[key]
    return evaluate_texts(frame[text_column].tolist(), frame[label_column].tolist(), language, settings)


def format_scores(scores: dict[str, Any], as_json: bool) -> str:
    """Scores as JSON or as aligned `name value` lines."""
    if as_json:
        return json.dumps(scores)
    width = max(len(k) for k in scores)
    return "\n".join(f"{k.ljust(width)}  {v}" for k, v in scores.items())
