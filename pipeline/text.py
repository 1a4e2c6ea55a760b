"""Text helpers without heavy imports (no spaCy), shared by ingest, formats and the NLP pipeline."""

from __future__ import annotations

import re
import unicodedata

CONTACT_LINE_WORDS = 4     # a note with one redaction mark and at most this many other words is a contact line


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


def contact_lines(texts: list[str], marks: tuple[str, ...]) -> frozenset[int]:
    """The notes that are mostly a contact line: two redaction marks or more ('kreiptis į Rūtą: [el. paštas]
    arba [telefonas]'), or one beside a few words ('Dėl registracijos skambinkite [telefonas]'). One mark
    beside an idea ('rețea de voluntari…, coordonator tel. [telefon]') still says the idea."""
    found = set()
    for i, text in enumerate(texts):
        count = sum(text.count(mark) for mark in marks)
        rest = text
        for mark in marks:
            rest = rest.replace(mark, " ")
        if count >= 2 or (count == 1 and len(re.findall(r"\w+", rest)) <= CONTACT_LINE_WORDS):
            found.add(i)
    return frozenset(found)
