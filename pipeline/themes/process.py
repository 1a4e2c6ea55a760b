"""Process notes: remarks about the session, not answers ("nu am ajuns la o concluzie", "am rămas fără timp").

They get status `process note`: in no theme and no list of ideas, listed under data quality. A note is
one when it matches a pattern of its language (`pipeline/lang/<code>/process_notes.txt`, regular
expressions on the lower-case text without diacritics), or when it is much closer to the language's
example process notes (`process_examples.txt`) than the lab's notes usually are: its similarity to the
nearest example is an outlier (robust z >= `process_min_z`) among all the lab's notes, or when the probe
on the note vectors (`process_probe.py`, trained on every language's contract) says so.

A pattern file may name a fragment that many patterns share (`{TIME} = vr(ij|j)?em[a-z]*`, on its own line,
before its first use) and use it as `{TIME}`: an inflected language's word forms are then written once.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from pipeline.errors import HarvestError
from pipeline.lang import data_file, data_lines
from pipeline.text import fold
from pipeline.themes.anchors import MAD_TO_SD

if TYPE_CHECKING:
    from pipeline.themes.process_probe import ProcessProbe

PATTERNS_FILE = "process_notes.txt"
EXAMPLES_FILE = "process_examples.txt"


FRAGMENT = re.compile(r"^\{([A-Z][A-Z0-9_]*)\} = (.+)$")
FRAGMENT_USE = re.compile(r"\{([A-Z][A-Z0-9_]*)\}")


@cache
def patterns(language: str) -> tuple[re.Pattern[str], ...]:
    """The language's process-note patterns, named fragments filled in, compiled once."""
    return compile_patterns(data_file(language, PATTERNS_FILE))


def compile_patterns(path: Path) -> tuple[re.Pattern[str], ...]:
    """A pattern file's regular expressions; a bad line is an error naming the file, the line and the fix."""
    if not path.is_file():
        return ()
    fragments: dict[str, str] = {}
    compiled = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        named = FRAGMENT.match(line)
        body = named.group(2) if named else line
        unknown = [n for n in FRAGMENT_USE.findall(body) if n not in fragments]
        if unknown:
            raise HarvestError.at(path, number, f"fragment {{{unknown[0]}}} is used before it is named",
                                  f"add a line '{{{unknown[0]}}} = …' above this one")
        body = FRAGMENT_USE.sub(lambda m: fragments[m.group(1)], body)
        try:
            pattern = re.compile(body)
        except re.error as exc:
            raise HarvestError.at(path, number, f"not a regular expression ({exc})",
                                  "fix the pattern (Python regular expression syntax)") from None
        if named:
            fragments[named.group(1)] = body
        else:
            compiled.append(pattern)
    return tuple(compiled)


@cache
def examples(language: str) -> tuple[str, ...]:
    """The language's example process notes (what similarity is measured against)."""
    return tuple(e.strip() for e in data_lines(language, EXAMPLES_FILE))


def pattern_key(text: str) -> str:
    """What the patterns are matched on: the note in lower case without diacritics, spaces collapsed."""
    return " ".join(fold(text).split())


def matches_pattern(text: str, language: str) -> bool:
    """Whether a note says something about the process in its language's words."""
    key = pattern_key(text)
    return any(p.search(key) for p in patterns(language))


def similar_to_examples(vectors: np.ndarray, example_vectors: np.ndarray, min_z: float) -> np.ndarray:
    """Notes whose similarity to the nearest example is an outlier among all the notes (robust z)."""
    if not len(vectors) or not len(example_vectors):
        return np.zeros(len(vectors), dtype=bool)
    best = (np.asarray(vectors, dtype=np.float64) @ np.asarray(example_vectors, dtype=np.float64).T).max(axis=1)
    return outliers(best, min_z)


def outliers(values: np.ndarray, min_z: float) -> np.ndarray:
    """Which values stand out above the rest: robust z (median, scaled median absolute deviation) >= min_z;
    none when the values do not spread (the test examples and the probe share, calibrated on the lab)."""
    median = np.median(values)
    spread = MAD_TO_SD * np.median(np.abs(values - median))
    if spread <= 0:
        return np.zeros(len(values), dtype=bool)
    return (values - median) / spread >= min_z


def process_notes(texts: list[str], languages: list[str], vectors: np.ndarray,
                  example_vectors: dict[str, np.ndarray], min_z: float,
                  probe: ProcessProbe | None = None) -> np.ndarray:
    """Which notes are process notes: a pattern of their language, outlier closeness to its examples, or
    (with a probe) an outlier score on the remarks' side among all the lab's notes."""
    flagged = np.array([matches_pattern(t, lang) for t, lang in zip(texts, languages, strict=True)], dtype=bool)
    langs = np.asarray(languages)
    for lang, ex in example_vectors.items():
        rows = np.flatnonzero(langs == lang)
        flagged[rows] |= similar_to_examples(vectors[rows], ex, min_z)
    if probe is not None:
        flagged |= probe.flags(vectors, min_z)
    return flagged
