"""The contract every vector backend keeps."""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from pipeline.vectors import unit_rows

__all__ = ["Embedder", "unit_rows"]


class Embedder(ABC):
    """Turns note texts into one L2-normalised float32 row each.

    `id` names the backend *and* model, so cached vectors of one never serve another. Backends whose
    vector for a text does not depend on the other texts set `cacheable = True`; corpus-fitted ones
    (TF-IDF) set it False.
    """

    id: str = "base"
    cacheable: bool = True

    @abstractmethod
    def encode(self, texts: list[str]) -> np.ndarray:
        """Vectors for `texts`, shape (len(texts), dim), rows of unit length."""
