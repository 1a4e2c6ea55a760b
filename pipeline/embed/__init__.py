"""Embed: one vector per clean note, from a replaceable backend, cached by text hash.

Backends (params `embed.backend`): `e5` (default, offline), `tfidf` (no model), `sentence-transformers`
(a local model folder in `embed.model_path`). If e5 cannot load on a platform, the stage says so and
falls back to tfidf; the backend that ran is recorded and shown in the report's methodology.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Any

import numpy as np

from pipeline import catalog, paths
from pipeline.embed.base import Embedder, unit_rows
from pipeline.errors import HarvestError

BACKENDS = ("e5", "tfidf", "sentence-transformers")


def make_embedder(params: dict[str, Any], language: str, random_state: int = 0) -> tuple[Embedder, str]:
    """Build the configured backend; returns it and a note when it had to fall back."""
    backend = params["backend"]
    if backend not in BACKENDS:
        raise HarvestError.at("params.yaml", None, f"unknown embed.backend '{backend}'",
                              f"use one of: {', '.join(BACKENDS)}")
    from pipeline.embed.tfidf import TfidfEmbedder

    if backend == "tfidf":
        return TfidfEmbedder(language, int(params["tfidf_dimensions"]), random_state), ""
    if backend == "sentence-transformers":
        from pipeline.embed.local_model import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder(str(params.get("model_path") or "")), ""
    try:
        from pipeline.embed.e5 import E5Embedder

        return E5Embedder(), ""
    except (ImportError, OSError, RuntimeError) as exc:
        note = f"the e5 model could not load on this platform ({exc}); used tfidf instead"
        return TfidfEmbedder(language, int(params["tfidf_dimensions"]), random_state), note


def text_hash(backend_id: str, text: str) -> str:
    """Cache key: the backend and the normalised text, nothing else."""
    return hashlib.sha256(f"{backend_id}\x00{text}".encode()).hexdigest()[:32]


class VectorCache:
    """Vectors kept on disk per backend, so a clustering change never re-embeds a note."""

    def __init__(self, folder: Path, backend_id: str):
        self.path = folder / f"{backend_id}.npz"
        self.vectors: dict[str, np.ndarray] = {}
        if self.path.is_file():
            with np.load(self.path) as data:
                self.vectors = dict(zip(data["keys"].tolist(), data["vectors"], strict=True))

    def save(self) -> None:
        """Write the cache back, keys sorted so the file is reproducible."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = sorted(self.vectors)
        tmp = self.path.with_suffix(".tmp.npz")
        np.savez(tmp, keys=np.array(keys), vectors=np.vstack([self.vectors[k] for k in keys]))
        tmp.replace(self.path)


def embed_texts(texts: list[str], embedder: Embedder, cache: VectorCache | None) -> tuple[np.ndarray, int]:
    """Vectors for texts, computing only those not in the cache; returns them and how many were computed."""
    if cache is None or not embedder.cacheable:
        return unit_rows(embedder.encode(texts)), len(texts)
    keys = [text_hash(embedder.id, t) for t in texts]
    todo = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in cache.vectors}.items())
    if todo:
        fresh = embedder.encode([t for _, t in todo])
        cache.vectors.update({k: v for (k, _), v in zip(todo, fresh, strict=True)})
        cache.save()
    return unit_rows(np.vstack([cache.vectors[k] for k in keys])), len(todo)


def run(lab_id: str, params: dict[str, Any], root: Path = Path(".")) -> dict[str, Any]:
    """DVC stage: notes.parquet -> embeddings.npz (note ids + vectors) and embed_info.json."""
    notes = catalog.NOTES.read(lab_id, root)
    settings = params["embed"]
    embedder, fallback = make_embedder(settings, catalog.LAB.read(lab_id, root).language,
                                       int(params["themes"]["random_state"]))
    if fallback:
        print(f"harvest embed: {fallback}", file=sys.stderr)
    cache_dir = paths.outside_raw(root / settings["cache_dir"], root, "params.yaml embed.cache_dir")
    cache = VectorCache(cache_dir, embedder.id) if embedder.cacheable else None
    vectors, computed = embed_texts(notes["text"].tolist(), embedder, cache)
    catalog.EMBEDDINGS.write((notes["note_id"].astype(str).tolist(), vectors), lab_id, root)
    # Only what the input and params decide goes to the output (cache hits would make it differ between
    # machines); how many vectors came from the cache is logged.
    info = {"backend": embedder.id, "requested": settings["backend"], "fallback": fallback,
            "notes": int(len(notes)), "dimensions": int(vectors.shape[1]) if vectors.ndim == 2 else 0}
    catalog.EMBED_INFO.write(info, lab_id, root)
    print(f"harvest embed {lab_id}: {info['notes']} notes with {embedder.id}, {computed} embedded, "
          f"{len(notes) - computed} from the cache", file=sys.stderr)
    return {**info, "embedded": int(computed), "from_cache": int(len(notes) - computed)}


class TextEmbedder:
    """Texts -> vectors with the lab's embedding backend and cache (codebook titles, process examples);
    `backend` names it (the process-note probe is trained for one backend)."""

    def __init__(self, params: dict[str, Any], language: str, root: Path):
        self.embedder, _ = make_embedder(params["embed"], language, int(params["themes"]["random_state"]))
        self.backend = str(self.embedder.id)
        self.cache = VectorCache(root / params["embed"]["cache_dir"], self.backend) if self.embedder.cacheable else None

    def __call__(self, texts: list[str]) -> np.ndarray:
        return embed_texts(texts, self.embedder, self.cache)[0]
