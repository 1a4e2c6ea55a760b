"""Text helpers without heavy imports (no spaCy), shared by ingest, formats and the NLP pipeline."""

from __future__ import annotations

import unicodedata


def plain(text: str) -> str:
    """Text without diacritics, case kept, so 'Întrebarea' and 'Intrebarea' are one keyword."""
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch)))


def fold(text: str) -> str:
    """Lower case without diacritics: the key under which 'finanțare' and 'finantare' are one word."""
    return plain(text).lower()
