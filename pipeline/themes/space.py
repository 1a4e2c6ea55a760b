"""The theme space: each language centred on its own mean, then PCA with half-whitening.

One geometry for everything the themes stage compares (notes, codebook titles, process-note examples),
so clustering, codebook assignment, edits, quotes and similarities agree with each other.
"""

from __future__ import annotations

import numpy as np
from sklearn.decomposition import PCA


def unit(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length in float64 (zero rows stay zero): the theme space's precision."""
    vectors = np.asarray(vectors, dtype=np.float64)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)


class ThemeSpace:
    """The fitted space themes live in: per-language means, then PCA with half-whitening (50+ notes).

    A language with fewer than `min_language_notes` notes is centred on the mean of all the notes: the
    mean of a few notes is mostly those notes themselves (one note centred on itself is nothing left).

    Fit on a question's notes; `transform` maps those notes and any other text vector (codebook
    titles, process-note examples) into the same space, so clustering, codebook assignment, edits,
    quotes and similarities all use one geometry.
    """

    def __init__(self, pca_dimensions: int, min_pca_dimensions: int, whiten_power: float,
                 min_language_notes: int = 1):
        self.pca_dimensions = pca_dimensions
        self.min_pca_dimensions = min_pca_dimensions
        self.whiten_power = whiten_power
        self.min_language_notes = min_language_notes

    def fit(self, X: np.ndarray, languages: list[str] | None = None) -> ThemeSpace:
        """Learn the language means and the PCA of the centred notes."""
        X = np.asarray(X, dtype=np.float64)
        groups = list(languages) if languages is not None else [""] * len(X)
        counts = {lang: groups.count(lang) for lang in sorted(set(groups))}
        largest = sorted(counts, key=lambda g: -counts[g])[:1]       # with no language big enough, the largest
        own = [lang for lang, n in counts.items() if n >= self.min_language_notes] or largest
        self.means_ = {lang: X[[g == lang for g in groups]].mean(axis=0) for lang in own}
        self.overall_ = X.mean(axis=0) if len(X) else np.zeros(X.shape[1])
        self._many = len(X) >= 2        # one note has no mean to remove
        self.pca_: PCA | None = None
        dims = min(self.pca_dimensions, len(X) // 10)
        if len(X) > 1 and dims >= self.min_pca_dimensions:
            self.pca_ = PCA(dims, svd_solver="full").fit(self._centred(X, groups))
        return self

    def _centred(self, X: np.ndarray, languages: list[str]) -> np.ndarray:
        if not self._many:
            return unit(X)
        shift = np.vstack([self.means_.get(lang, self.overall_) for lang in languages])
        return unit(X - shift)

    def transform(self, X: np.ndarray, languages: list[str] | None = None) -> np.ndarray:
        """Vectors in the theme space (unit rows)."""
        X = np.asarray(X, dtype=np.float64)
        groups = list(languages) if languages is not None else [next(iter(self.means_), "")] * len(X)
        return self._project(self._centred(X, groups) if len(X) else X)

    def transform_register(self, X: np.ndarray, language: str | None = None) -> np.ndarray:
        """Texts written in a register of their own (a codebook's titles and descriptions) in the theme
        space: centred on their own mean, as each language is, so what all of them share (being short
        titles) does not count as closeness to the notes; a single text is centred as `language`."""
        X = np.asarray(X, dtype=np.float64)
        if len(X) < 2:
            return self.transform(X, [language or next(iter(self.means_), "")] * len(X))
        return self._project(unit(X - X.mean(axis=0)))

    def _project(self, Z: np.ndarray) -> np.ndarray:
        if self.pca_ is None or not len(Z):
            return Z
        return unit(self.pca_.transform(Z) / self.pca_.explained_variance_ ** (self.whiten_power / 2))
