"""Side by side on the same e5 vectors: our ThemeClusterer vs. BERTopic 0.17 defaults (quality and time).

    python benchmarks/compare_bertopic.py ../shared/eval/moroco_dev.csv

BERTopic is not a project dependency; install it for this benchmark only, without sentence-transformers
(it accepts precomputed embeddings):
    .venv/bin/pip install bertopic==0.17.4 --no-deps && .venv/bin/pip install umap-learn hdbscan
Unassigned notes / BERTopic outliers count as one cluster of their own. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.clean import normalise_note  # noqa: E402
from pipeline.embed import VectorCache, embed_texts, make_embedder  # noqa: E402
from pipeline.evaluate import score_labels  # noqa: E402
from pipeline.params import load_params  # noqa: E402
from pipeline.themes import make_clusterer  # noqa: E402


def row(name: str, gold: list[Any], labels: np.ndarray, seconds: float) -> dict[str, Any]:
    return {"method": name, **score_labels(gold, labels), "themes": len(set(labels.tolist()) - {-1}),
            "unassigned": f"{(labels < 0).mean():.1%}", "seconds": round(seconds, 2)}


def bertopic_rows(texts: list[str], vectors: np.ndarray, gold: list[Any]) -> list[dict[str, Any]]:
    """BERTopic defaults (UMAP seeded for repeatability), and with its outlier reduction."""
    try:
        from bertopic import BERTopic
        from bertopic.backend import BaseEmbedder
        from umap import UMAP
    except ImportError:
        print("BERTopic not installed: see this script's docstring. Showing our figures only.")
        return []

    class Precomputed(BaseEmbedder):  # type: ignore[misc]
        def embed(self, documents: list[str], verbose: bool = False) -> np.ndarray:
            raise RuntimeError("vectors are passed to fit_transform")

    umap = UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=42)
    model = BERTopic(embedding_model=Precomputed(), umap_model=umap)
    started = time.perf_counter()
    topics, _ = model.fit_transform(texts, embeddings=vectors)
    fitted = time.perf_counter() - started
    reduced = model.reduce_outliers(texts, topics, strategy="embeddings", embeddings=vectors)
    total = time.perf_counter() - started
    return [row("BERTopic 0.17 defaults", gold, np.array(topics), fitted),
            row("BERTopic + reduce_outliers", gold, np.array(reduced), total)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("csv", type=Path)
    parser.add_argument("--text-column", default="text")
    parser.add_argument("--label-column", default="label")
    parser.add_argument("--language", default="ro")
    args = parser.parse_args()
    params = load_params(ROOT / "params.yaml")
    frame = pd.read_csv(args.csv, dtype=str, keep_default_na=False)
    texts = [normalise_note(t, args.language) for t in frame[args.text_column]]
    gold = frame[args.label_column].tolist()
    embedder, _ = make_embedder(params["embed"], args.language)
    cache = VectorCache(ROOT / params["embed"]["cache_dir"], embedder.id) if embedder.cacheable else None
    started = time.perf_counter()
    vectors, computed = embed_texts(texts, embedder, cache)
    print(f"{len(texts)} texts, {embedder.id}: {computed} embedded, {len(texts) - computed} from cache "
          f"({time.perf_counter() - started:.1f} s)")
    started = time.perf_counter()
    ours = make_clusterer(params["themes"]).fit(vectors)
    rows = [row("worldcafe-harvest ThemeClusterer", gold, ours.labels_, time.perf_counter() - started)]
    rows += bertopic_rows(texts, vectors, gold)
    print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    main()
