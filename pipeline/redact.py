"""Personal data out before anything is written: emails, phone numbers, listed people's names."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

EMAIL_TOKEN = "[email]"
PHONE_TOKEN = "[telefon]"
PERSON_TOKEN = "[persoană]"

_EMAIL = re.compile(r"[\w.+%-]+\s?(?:@|\(at\)|\[at\])\s?[\w-]+(?:\.[\w-]+)*\.[a-zA-Z]{2,}", re.UNICODE)
# A run of digits with the single separators people type in phone numbers (space, dot, dash, en dash,
# slash, brackets), not part of a decimal number; accepted as a phone only if it has 9-13 digits and
# starts like one (+, 00 or 0).
_PHONE_CANDIDATE = re.compile(
    r"(?<![\w+.,])(?:\+|00)?\(?\d(?:\d|[ .\-/]\d| ?[–-] ?\d|\) ?\d){6,20}(?![\w.,]\d)")
_PHONE_START = re.compile(r"^(?:\+|00|\(?0)")
# Romanian inflection and clitic endings a name can take: Ana -> Anei, Popescu -> Popescului.
_NAME_ENDINGS = r"(?:ului|lui|ei|ăi|ii|ul|a|ă|e|i)?"


def _is_phone(candidate: str, national_starts: tuple[str, ...]) -> bool:
    digits = sum(ch.isdigit() for ch in candidate)
    if not 9 <= digits <= 13:
        return False
    return bool(_PHONE_START.match(candidate)) or candidate.lstrip("(").startswith(national_starts)


def _name_pattern(name: str) -> re.Pattern[str]:
    # Ana -> stem An, so that Ana, Anei and Anăi all match.
    stems = [p[:-1] if len(p) >= 3 and p[-1].lower() in "aăe" else p for p in name.split()]
    parts = [re.escape(stem) + _NAME_ENDINGS for stem in stems]
    return re.compile(r"(?<!\w)" + r"[\s-]+".join(parts) + r"(?!\w)", re.IGNORECASE)


def redact(text: str, people: Iterable[str] = (), national_starts: Iterable[str] = ()) -> tuple[str, Counter[str]]:
    """Replace emails, phone numbers and the listed people's names; return the text and what was replaced.

    Phone numbers start with +, 00 or 0 everywhere; `national_starts` adds the first digits a country's
    numbers are written with too (Lithuanian 8 6xx xxxxx, Italian mobiles 3xx xxx xxxx).
    """
    starts = tuple(national_starts)
    counts: Counter[str] = Counter()
    text, n = _EMAIL.subn(EMAIL_TOKEN, text)
    counts["email"] += n
    phones_before = text.count(PHONE_TOKEN)
    text = _PHONE_CANDIDATE.sub(lambda m: PHONE_TOKEN if _is_phone(m.group(0), starts) else m.group(0), text)
    counts["phone"] += text.count(PHONE_TOKEN) - phones_before
    for name in people:
        full = name.strip()
        if not full:
            continue
        text, n = _name_pattern(full).subn(PERSON_TOKEN, text)
        counts["person"] += n
        surname = full.split()[-1]
        if len(full.split()) > 1 and len(surname) > 3:
            text, n = _name_pattern(surname).subn(PERSON_TOKEN, text)
            counts["person"] += n
    return text, +counts


def find_personal_data(text: str, national_starts: Iterable[str] = ()) -> list[str]:
    """Emails and phone numbers still present in a text (used by tests and the leak check)."""
    starts = tuple(national_starts)
    found = [m.group(0) for m in _EMAIL.finditer(text)]
    found += [m.group(0) for m in _PHONE_CANDIDATE.finditer(text) if _is_phone(m.group(0), starts)]
    return found
