"""A text as redaction matches it — NFKC, zero-width characters out, every space (NBSP, narrow NBSP, tab,
line break) a plain space, and a folded copy (lower case, no diacritics) of the same length — with the
span of the original each character came from, so that only what matched is replaced and the rest of
the note stays exactly as typed."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

# Characters that are invisible in a note but split a match ("ana\u200b@gmail.com").
ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e")
# Apostrophes a word processor may type for "'" (O’Brien, O`Brien): one in the folded copy.
APOSTROPHES = frozenset("\u2019\u2018\u02bc\u0060\u00b4\u2032")


class _Fold(dict[int, str]):
    """str.translate table: a character lower case without diacritics (one character for one), filled on use."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        if ch in APOSTROPHES:
            self[code] = "'"
            return "'"
        decomposed = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c))).lower()
        lower = ch.lower()
        value = base if len(base) == 1 else lower if len(lower) == 1 else ch
        self[code] = value
        return value


_FOLD = _Fold()


@dataclass(frozen=True)
class Matchable:
    """The normalised text, its folded copy, and for each character its original span [start, end)."""

    text: str
    folded: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that normalised characters [start, end) came from."""
        return self.starts[start], self.ends[end - 1]


def matchable(original: str) -> Matchable:
    """Normalise a text for matching, remembering where every character came from."""
    if _unchanged(original):
        positions = tuple(range(len(original)))
        return Matchable(original, original.translate(_FOLD), positions, tuple(p + 1 for p in positions))
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i = 0
    while i < len(original):
        j = i + 1  # a cluster: one character and the combining marks that follow it
        while j < len(original) and unicodedata.combining(original[j]):
            j += 1
        cluster = original[i:j]
        if cluster[0] in ZERO_WIDTH:
            out = unicodedata.normalize("NFKC", cluster[1:]) if len(cluster) > 1 else ""
        elif cluster[0].isspace():
            out = " " + unicodedata.normalize("NFKC", cluster[1:])
        else:
            out = unicodedata.normalize("NFKC", cluster)
        for ch in out:
            chars.append(" " if ch.isspace() else ch)
            starts.append(i)
            ends.append(j)
        i = j
    text = "".join(chars)
    return Matchable(text, text.translate(_FOLD), tuple(starts), tuple(ends))


def _unchanged(text: str) -> bool:
    """Whether normalising would leave the text as it is (the common case, checked fast)."""
    if text.isascii():
        return text.isprintable()
    return (unicodedata.is_normalized("NFKC", text) and not ZERO_WIDTH.intersection(text)
            and all(ch == " " or not ch.isspace() for ch in text))
