"""`harvest evaluate`: the themes code path on any labelled CSV, scored against its labels.

Same normalisation, embedding backend, cache and clusterer as `dvc repro` (automatic theme count,
never the gold count). Unassigned notes count as one cluster of their own in NMI/ARI. With
`--codebook CB.yaml`, the codebook's `all:` themes are expected themes: a note in one is predicted as
that theme's id, and `codebook_rate` is the share of notes in codebook themes.
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
from pipeline.themes.cluster import UNASSIGNED, ThemeClusterer, make_clusterer
from pipeline.themes.codebook import Codebook, anchor_vectors, load_codebook

# Outside a project (no params.yaml) the clusterer's own defaults apply (its signature is the one list of
# them), with params.yaml's seed; the embedding is params.yaml's: the offline e5 model, cache in the working
# folder. tests/test_params.py fails when either differs from the project's params.yaml.
FALLBACK_EMBED: dict[str, Any] = {"backend": "e5", "model_path": None, "tfidf_dimensions": 100,
                                  "cache_dir": ".cache/embeddings"}
FALLBACK_SEED = 20201020


def default_params() -> dict[str, Any]:
    """Params when no params.yaml is around: the estimator's defaults and the e5 backend, as in params.yaml."""
    return {"embed": dict(FALLBACK_EMBED), "themes": ThemeClusterer(random_state=FALLBACK_SEED).get_params()}


def score_labels(gold: list[Any], predicted: np.ndarray) -> dict[str, float]:
    """NMI, ARI and V-measure of predicted theme labels against gold labels (unassigned = own cluster)."""
    return {
        "nmi": round(float(normalized_mutual_info_score(gold, predicted)), 4),
        "ari": round(float(adjusted_rand_score(gold, predicted)), 4),
        "v_measure": round(float(v_measure_score(gold, predicted)), 4),
    }


def predicted_labels(model: ThemeClusterer, codebook_ids: list[str]) -> np.ndarray:
    """A note's predicted label: its codebook theme's id, `discovered-<n>`, or `unassigned`."""
    names = codebook_ids + [f"discovered-{t}" for t in range(model.n_themes_ - len(codebook_ids))]
    return np.array([names[t] if t != UNASSIGNED else "unassigned" for t in model.labels_], dtype=object)


def evaluate_texts(texts: list[str], labels: list[Any], language: str, params: dict[str, Any],
                   codebook: Codebook | None = None, languages: list[str] | None = None) -> dict[str, Any]:
    """Embed, cluster and score texts; returns the figures `harvest evaluate` prints. `languages` (one
    per text) centres each language on its own mean, as the themes stage does for a mixed-language lab."""
    started = time.perf_counter()
    clean = [normalise_note(t, language) for t in texts]
    embedder, _ = make_embedder(params["embed"], language, int(params["themes"]["random_state"]))
    cache = VectorCache(Path(params["embed"]["cache_dir"]), embedder.id) if embedder.cacheable else None
    vectors, _ = embed_texts(clean, embedder, cache)
    themes = codebook.everywhere if codebook is not None else ()
    anchors = anchor_vectors(themes, language, lambda t: embed_texts([normalise_note(x, language) for x in t],
                                                                     embedder, cache)[0]) if themes else None
    model = make_clusterer(params["themes"]).fit(vectors, languages=languages, anchors=anchors,
                                                 anchor_language=language)
    predicted = predicted_labels(model, [t.id for t in themes])
    scores = score_labels(labels, predicted)
    result = {**scores, "n_themes": int(len(set(model.labels_[model.labels_ >= 0].tolist()))),
              "unassigned_rate": round(float((model.labels_ == UNASSIGNED).mean()), 4), "n": len(texts),
              "backend": embedder.id, "seconds": round(time.perf_counter() - started, 2)}
    if codebook is not None:
        in_codebook = (model.labels_ >= 0) & (model.labels_ < model.n_codebook_)
        result["codebook_rate"] = round(float(in_codebook.mean()), 4)
    return result


def evaluate_csv(path: Path, text_column: str, label_column: str, language: str,
                 params: dict[str, Any] | None, codebook_file: Path | None = None) -> dict[str, Any]:
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
    codebook = None
    if codebook_file is not None:
        if not codebook_file.is_file():
            raise HarvestError.at(codebook_file, None, "codebook not found", "give the path of a codebook YAML file")
        codebook, _ = load_codebook(codebook_file, language)
        if codebook is not None and not codebook.everywhere:
            raise HarvestError.at(codebook_file, 1, "evaluate uses the codebook's 'all:' themes, and it has none",
                                  "list the expected themes under 'all:'")
    settings = default_params()
    for key in ("embed", "themes"):
        if params and key in params:
            settings[key] = params[key]
    return evaluate_texts(frame[text_column].tolist(), frame[label_column].tolist(), language, settings, codebook)


def format_scores(scores: dict[str, Any], as_json: bool) -> str:
    """Scores as JSON or as aligned `name value` lines."""
    if as_json:
        return json.dumps(scores)
    width = max(len(k) for k in scores)
    return "\n".join(f"{k.ljust(width)}  {v}" for k, v in scores.items())
