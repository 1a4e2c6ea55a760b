"""Process notes: remarks about the session, not answers ("nu am ajuns la o concluzie", "am rămas fără timp").

They get status `process note`: in no theme and no list of ideas, listed under data quality. A note is
one when it matches a pattern of its language (`pipeline/lang/<code>/process_notes.txt`, regular
expressions on the lower-case text without diacritics), or when it is much closer to the language's
example process notes (`process_examples.txt`) than the lab's notes usually are: its similarity to the
nearest example is an outlier (robust z >= `process_min_z`) among all the lab's notes.
"""

from __future__ import annotations

import re
from functools import cache

import numpy as np

from pipeline.lang import data_lines
from pipeline.text import fold

PATTERNS_FILE = "process_notes.txt"
EXAMPLES_FILE = "process_examples.txt"
MAD_TO_SD = 1.4826


@cache
def patterns(language: str) -> tuple[re.Pattern[str], ...]:
    """The language's process-note patterns, compiled once."""
    return tuple(re.compile(p.strip()) for p in data_lines(language, PATTERNS_FILE))


@cache
def examples(language: str) -> tuple[str, ...]:
    """The language's example process notes (what similarity is measured against)."""
    return tuple(e.strip() for e in data_lines(language, EXAMPLES_FILE))


def matches_pattern(text: str, language: str) -> bool:
    """Whether a note says something about the process in its language's words."""
    key = " ".join(fold(text).split())
    return any(p.search(key) for p in patterns(language))


def similar_to_examples(vectors: np.ndarray, example_vectors: np.ndarray, min_z: float) -> np.ndarray:
    """Notes whose similarity to the nearest example is an outlier among all the notes (robust z)."""
    if not len(vectors) or not len(example_vectors):
        return np.zeros(len(vectors), dtype=bool)
    best = (np.asarray(vectors, dtype=np.float64) @ np.asarray(example_vectors, dtype=np.float64).T).max(axis=1)
    median = np.median(best)
    spread = MAD_TO_SD * np.median(np.abs(best - median))
    if spread <= 0:
        return np.zeros(len(vectors), dtype=bool)
    return (best - median) / spread >= min_z


def process_notes(texts: list[str], languages: list[str], vectors: np.ndarray,
                  example_vectors: dict[str, np.ndarray], min_z: float) -> np.ndarray:
    """Which notes are process notes: a pattern of their language, or outlier closeness to its examples."""
    flagged = np.array([matches_pattern(t, lang) for t, lang in zip(texts, languages, strict=True)], dtype=bool)
    langs = np.asarray(languages)
    for lang, ex in example_vectors.items():
        rows = np.flatnonzero(langs == lang)
        flagged[rows] |= similar_to_examples(vectors[rows], ex, min_z)
    return flagged
