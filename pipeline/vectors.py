"""Vector arithmetic shared by stages that read stored vectors (links, compare) and the embedding backends.

A leaf module: importing it runs no backend, language data or NLP code, so a stage that only reads vectors
does not depend on them (dvc.yaml re-runs it only when what it reads changes).
"""

from __future__ import annotations

import numpy as np


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero), as float32."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
