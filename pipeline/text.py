"""Text helpers without heavy imports (no spaCy), shared by ingest, formats and the NLP pipeline."""

from __future__ import annotations

import unicodedata


class _StripMarks(dict[int, str]):
    """str.translate table that drops diacritics, filled per character on first use (fast on hot paths)."""

    def __missing__(self, code: int) -> str:
        decomposed = unicodedata.normalize("NFD", chr(code))
        value = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch)))
        self[code] = value
        return value


_STRIP_MARKS = _StripMarks()


def plain(text: str) -> str:
    """Text without diacritics, case kept, so 'Întrebarea' and 'Intrebarea' are one keyword."""
    return text if text.isascii() else text.translate(_STRIP_MARKS)


def fold(text: str) -> str:
    """Lower case without diacritics: the key under which 'finanțare' and 'finantare' are one word."""
    return plain(text.lower())
