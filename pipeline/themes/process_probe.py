"""A linear probe on note vectors that tells remarks about the session from answers, in any language.

Patterns catch the phrasings someone wrote down; a remark phrased in a way nobody foresaw ("the marker
pens ran dry, so only keywords") still lies on the remarks' side of the vector space. The probe is a
logistic regression on the embedding backend's vectors, trained on the contract corpora of every
language (`tests/data/process/<lang>.yaml`: remarks against answers that share their words) by
`scripts/train_process_probe.py`, and shipped as its weights (`process_probe.json`) so that no run
embeds the corpora. Being one model for all languages, it also serves a language that has no patterns.

A note is set apart by the probe only when it is on the remarks' side (probability above one half) and
its score is an outlier among the lab's own notes (robust z >= `process_min_z`, the test the similarity
to examples uses): text unlike workshop notes (news sentences) can score high as a whole, and then no
single note stands out.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from pipeline.themes.process import outliers

PROBE_FILE = Path(__file__).with_name("process_probe.json")


@dataclass(frozen=True)
class ProcessProbe:
    """The probe's weights for one embedding backend (vectors of `dimensions` numbers)."""

    backend: str
    weights: np.ndarray
    bias: float

    def scores(self, vectors: np.ndarray) -> np.ndarray:
        """Log-odds that each note is a remark about the session (above 0: more likely than not)."""
        return np.asarray(vectors, dtype=np.float64) @ self.weights + self.bias

    def flags(self, vectors: np.ndarray, min_z: float) -> np.ndarray:
        """Notes on the remarks' side whose score is an outlier among these notes (robust z >= min_z)."""
        vectors = np.asarray(vectors, dtype=np.float64)
        if len(vectors) < 2 or vectors.shape[1] != len(self.weights):
            return np.zeros(len(vectors), dtype=bool)
        score = self.scores(vectors)
        return (score > 0) & outliers(score, min_z)


def corpora_digest(paths: list[Path]) -> str:
    """What the probe was trained on, as one hash of the corpora files (names and bytes, in name order)."""
    digest = hashlib.sha256()
    for path in sorted(paths, key=lambda p: p.name):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def train_probe(remarks: np.ndarray, answers: np.ndarray, backend: str) -> ProcessProbe:
    """Logistic regression (scikit-learn's defaults), remarks and answers weighted to count equally."""
    from sklearn.linear_model import LogisticRegression

    X = np.vstack([remarks, answers]).astype(np.float64)
    y = np.r_[np.ones(len(remarks)), np.zeros(len(answers))]
    weight = np.where(y == 1, 0.5 / y.mean(), 0.5 / (1 - y.mean()))
    model = LogisticRegression(max_iter=5000).fit(X, y, sample_weight=weight)
    return ProcessProbe(backend, model.coef_[0].astype(np.float64), float(model.intercept_[0]))


def probe_record(probe: ProcessProbe, digest: str, counts: dict[str, list[int]]) -> dict:
    """The JSON the probe is shipped as (floats written exactly: the same bytes for the same training)."""
    return {"backend": probe.backend, "trained_on": digest, "remarks_answers": counts,
            "bias": probe.bias, "weights": [float(w) for w in probe.weights]}


@cache
def process_probe(backend: str, path: Path = PROBE_FILE) -> ProcessProbe | None:
    """The shipped probe for an embedding backend; None when there is none for it (e.g. tfidf)."""
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("backend") != backend:
        return None
    return ProcessProbe(backend, np.asarray(data["weights"], dtype=np.float64), float(data["bias"]))
