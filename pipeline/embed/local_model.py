"""Optional backend: a sentence-transformers model the user has in a local folder."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pipeline.embed.base import Embedder, unit_rows
from pipeline.errors import HarvestError


class SentenceTransformerEmbedder(Embedder):
    """Any sentence-transformers model from a local path (install the `st` extra); never downloads."""

    cacheable = True

    def __init__(self, model_path: str):
        path = Path(model_path)
        if not path.is_dir():
            raise HarvestError.at("params.yaml", None, f"embed.model_path '{model_path}' is not a folder",
                                  "point it to a local sentence-transformers model folder")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise HarvestError.at("params.yaml", None, "embed.backend is sentence-transformers but the "
                                  "package is not installed",
                                  "run: .venv/bin/pip install -e '.[st]'") from None
        self._model = SentenceTransformer(str(path), local_files_only=True)
        self.id = f"st-{path.resolve().name}"

    def encode(self, texts: list[str]) -> np.ndarray:
        return unit_rows(self._model.encode(texts, normalize_embeddings=True, show_progress_bar=False))
