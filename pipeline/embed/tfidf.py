"""Model-free backend: TF-IDF over content lemmas, reduced with LSA (truncated SVD)."""

from __future__ import annotations

import numpy as np
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer

from pipeline.embed.base import Embedder, unit_rows
from pipeline.nlp import content_lemmas


class TfidfEmbedder(Embedder):
    """Lemma TF-IDF + LSA; fitted on the texts it is given, so its vectors are not cached."""

    id = "tfidf-lsa"
    cacheable = False

    def __init__(self, language: str, dimensions: int, random_state: int = 0):
        self.language = language
        self.dimensions = dimensions
        self.random_state = random_state

    def encode(self, texts: list[str]) -> np.ndarray:
        docs = [" ".join(lemmas) for lemmas in content_lemmas(texts, self.language)]
        if not any(docs):
            return np.zeros((len(texts), 1), dtype=np.float32)
        tfidf = TfidfVectorizer(token_pattern=r"\S+", sublinear_tf=True).fit_transform(docs)
        k = min(self.dimensions, tfidf.shape[1] - 1, len(texts) - 1)
        if k < 2:
            return unit_rows(tfidf.toarray())
        return unit_rows(TruncatedSVD(k, random_state=self.random_state).fit_transform(tfidf))
