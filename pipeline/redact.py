"""Personal data out before anything is written: emails, phone numbers, listed people's names.

What is language-specific — the marks that replace personal data (`[telefon]`, `[phone]`, …), the
national phone forms, the endings a name takes — comes from the lab's language folder (`pipeline.lang`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from pipeline.lang import language

_EMAIL = re.compile(r"[\w.+%-]+\s?(?:@|\(at\)|\[at\])\s?[\w-]+(?:\.[\w-]+)*\.[a-zA-Z]{2,}", re.UNICODE)
# A run of digits with the single separators people type in phone numbers (space, dot, dash, en dash,
# slash, brackets), not part of a decimal number; accepted as a phone only if it has 9-13 digits and
# starts like one (+, 00 or 0).
_PHONE_CANDIDATE = re.compile(
    r"(?<![\w+.,])(?:\+|00)?\(?\d(?:\d|[ .\-/]\d| ?[–-] ?\d|\) ?\d){6,20}(?![\w.,]\d)")
_PHONE_START = re.compile(r"^(?:\+|00|\(?0)")
# A name part keeps at least this many letters when its final letter is dropped (Ana -> An).
MIN_NAME_STEM = 2


def _is_phone(candidate: str, national_starts: tuple[str, ...]) -> bool:
    digits = sum(ch.isdigit() for ch in candidate)
    if not 9 <= digits <= 13:
        return False
    return bool(_PHONE_START.match(candidate)) or candidate.lstrip("(").startswith(national_starts)


def _stem(part: str, stem_endings: tuple[str, ...]) -> str:
    for ending in sorted(stem_endings, key=len, reverse=True):
        if part.lower().endswith(ending) and len(part) - len(ending) >= MIN_NAME_STEM:
            return part[: len(part) - len(ending)]
    return part


def _name_pattern(name: str, lang: str) -> re.Pattern[str]:
    # Ana -> stem An, so that Ana, Anei and Anăi all match (Romanian endings).
    data = language(lang)
    endings = "|".join(re.escape(e) for e in sorted(data.person_endings, key=len, reverse=True))
    suffix = f"(?:{endings})?" if endings else ""
    parts = [re.escape(_stem(p, data.person_stem_endings)) + suffix for p in name.split()]
    return re.compile(r"(?<!\w)" + r"[\s-]+".join(parts) + r"(?!\w)", re.IGNORECASE)


def redact(text: str, people: Iterable[str] = (), lang: str = "ro") -> tuple[str, Counter[str]]:
    """Replace emails, phone numbers and the listed people's names by the language's marks; say what was replaced.

    Phone numbers start with +, 00 or 0 everywhere; the language's `phone_starts` adds the first digits its
    numbers are written with too (Lithuanian 8 6xx xxxxx, Italian mobiles 3xx xxx xxxx).
    """
    data = language(lang)
    marks = data.marks
    counts: Counter[str] = Counter()
    text, n = _EMAIL.subn(marks["email"], text)
    counts["email"] += n
    phones_before = text.count(marks["phone"])
    text = _PHONE_CANDIDATE.sub(lambda m: marks["phone"] if _is_phone(m.group(0), data.phone_starts)
                                else m.group(0), text)
    counts["phone"] += text.count(marks["phone"]) - phones_before
    for name in people:
        full = name.strip()
        if not full:
            continue
        text, n = _name_pattern(full, lang).subn(marks["person"], text)
        counts["person"] += n
        surname = full.split()[-1]
        if len(full.split()) > 1 and len(surname) > 3:
            text, n = _name_pattern(surname, lang).subn(marks["person"], text)
            counts["person"] += n
    return text, +counts


def find_personal_data(text: str, lang: str = "ro") -> list[str]:
    """Emails and phone numbers still present in a text (used by tests and the leak check)."""
    starts = language(lang).phone_starts
    found = [m.group(0) for m in _EMAIL.finditer(text)]
    found += [m.group(0) for m in _PHONE_CANDIDATE.finditer(text) if _is_phone(m.group(0), starts)]
    return found
