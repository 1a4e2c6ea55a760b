"""Personal data out before anything is written: e-mails, phone numbers, IBANs, personal codes, listed people.

Matching runs on a normalised copy of the text (NFKC, zero-width characters out, NBSP/tabs/line breaks as
spaces; names also without diacritics), and only the matched spans of the original are replaced, by the
marks of the lab's language (`[telefon]`, `[phone]`, …). What is language-specific — marks, national phone
forms and country code, personal codes and their keywords, name endings — comes from the lab's language
folder (`pipeline.lang`). Dates and date ranges are never taken for phone numbers. The contract is the
corpus in tests/data/redaction/ (benchmarks/redaction_quality.py prints precision and recall).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from pipeline.lang import Language, language, languages
from pipeline.redact.codes import IBAN_LENGTHS, PERSONAL_CODES, iban_ok
from pipeline.redact.matchable import Matchable, matchable

__all__ = ["find_personal_data", "redact", "redact_fields", "unique_redactions"]

Span = tuple[int, int, str]  # start, end (in the normalised text), kind (a key of the language's marks)

_LOCAL = r"[\w+%-]+(?:\.[\w+%-]+)*"
# 'ana@x.ro', 'ana (at) x.ro', 'ana [at] x [dot] ro', 'ana @ x . ro', 'ana%40x.ro' (in URLs).
_EMAIL = re.compile(r"(?<![\w.%+-])" + _LOCAL + r"\s?(?:@|\(at\)|\[at\])\s?[\w-]+(?:\.[\w-]+)*\.[a-zA-Z]{2,}(?![\w-])")
_AT = r"(?:\s{0,3}@\s{0,3}|%40|\s{0,3}[\[({]\s?(?:at|@)\s?[\])}]\s{0,3}|\s+at\s+)"
_DOT_WORDS = "dot|punct|punto|punt|točka|tocka|taškas|taskas"      # bracketed, as is a dot itself: 'x[.]ro'
_DOT = rf"(?:\s{{0,3}}\.\s{{0,3}}|\s{{0,3}}[\[({{]\s?(?:{_DOT_WORDS}|\.)\s?[\])}}]\s{{0,3}}|\s+dot\s+)"
# Written out or spaced, an address is only taken as one when it ends in a common top-level domain.
_TLD = ("com|net|org|info|biz|eu|edu|gov|int|io|co|ro|lt|it|nl|hr|uk|de|fr|es|at|be|ch|pl|hu|bg|rs|si|sk|cz|lv"
        "|ee|gr|pt|ie|dk|se|no|fi|md|ua|us|ca")
_LOOSE_EMAIL = re.compile(rf"(?<![\w.%+-]){_LOCAL}{_AT}[\w-]+(?:{_DOT}[\w-]+)*?{_DOT}(?:{_TLD})(?![\w-])", re.I)
# Dates and date ranges (20.10.2020, 01.10 - 03.10.2020, 05-06.10.2020, 2020-10-20): never phone numbers.
_D, _M = r"(?:0?[1-9]|[12]\d|3[01])", r"(?:0?[1-9]|1[0-2])"
_DATE = re.compile(rf"(?<![\d.])(?:(?:{_D}(?:[./]{_M})?\.?\s?[-–]\s?)?{_D}[./-]{_M}[./-](?:\d{{4}}|\d{{2}})"
                   rf"|(?:1[89]|20)\d{{2}}-{_M}-{_D})(?![\d])")
# Book numbers (ISBN 978-973-0-12345-6) and document numbers with their year (nr. 0012345/2020): not phones.
_REFERENCE = re.compile(r"\bISBN(?:-1[03])?:?\s?[\dX][\d\s-]{8,16}[\dX]\b"
                        r"|(?<![\d/])\d{1,10}/(?:19|20)\d{2}(?![\d/]|\s\d)", re.I)
# A run of digits with the single separators people type in phone numbers (space, dot, dash, en or em dash,
# slash, underscore, middle dot, brackets), not part of a decimal number.
_PHONE_CANDIDATE = re.compile(
    # Not inside a word or a number ('3.0722…'), but right after an abbreviation's dot ('tel.0722…');
    # a bracketed area code may follow the prefix ('+370 (612) 34567', '0040 (722) 123-456').
    r"(?<![\w+,])(?<!\d\.)(?:\+|00)?\(?\d(?:\d|[ .\-/_·]\d| ?[–—/-] ?\d|\) ?\d| ?\(\d){6,20}(?![\w.,]\d)")
_PHONE_START = re.compile(r"^(?:\+|00|\(?0)")
# A North American number with its area code in brackets, '(555) 123-4567' (an area code never starts with
# 0 or 1): a phone in any lab; a bracketed year or count followed by an amount has no such shape.
_BRACKETED_AREA_CODE = re.compile(r"^\([2-9]\d{2}\) ?\d{3}[.\-–]?\d{4}$")
# … and without brackets, '555-123-4567', '212.555.0187': groups of 3, 3 and 4 digits joined by the same dash
# or dot, the first starting with 2-9 (after the country's 1, if written), unless an amount's unit follows
# ('grants of 300-500-1000 euro' are tiers).
_NORTH_AMERICAN = re.compile(r"^(?:1[.\-– ])?[2-9]\d{2}([.\-–])\d{3}\1\d{4}$")     # '1-800-555-0199' too
_UNIT_AFTER = re.compile(r"\s*(?:de\s+)?(?:[€$£%]|(?:eur|euro|euros|lei|ron|usd|gbp|eura|eurų|dollars?|pounds?)\b)",
                         re.IGNORECASE)
_PHONE_DIGITS = (9, 13)
# Thousands written in groups of three (300 000 000, 1.000.000): an amount, unless it starts like a phone.
_THOUSANDS = re.compile(r"^\d{1,3}(?:[ .,]\d{3})+$")
_BARE_NUMBER = re.compile(r"^\s*\+?\d+\s*$")
IBAN_GAP = 2        # at most this many spaces, dashes or dots between an IBAN's groups
_IBAN_START = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?=[ .\-]{0,2}[A-Za-z0-9])")
# A name part keeps at least this many letters when its final letters are dropped (Ana -> An).
MIN_NAME_STEM = 2
MIN_SURNAME = 4
_MASK = "\x00"


def _is_phone(candidate: str, data: Language, whole_note: bool = False, amount: bool = False) -> bool:
    """Whether digits are a phone number; `amount` when a unit of money or a percent sign follows them."""
    digits = "".join(ch for ch in candidate if ch.isdigit())
    if not _PHONE_DIGITS[0] <= len(digits) <= _PHONE_DIGITS[1]:
        return False
    if _PHONE_START.match(candidate) or whole_note or _BRACKETED_AREA_CODE.match(candidate) \
            or (_NORTH_AMERICAN.match(candidate) and not amount):
        return True
    if _THOUSANDS.match(candidate):
        return False
    if digits.startswith(data.phone_starts) and len(digits) in data.phone_start_digits:
        return True
    return bool(data.country_code) and digits.startswith(data.country_code) \
        and len(digits) - len(data.country_code) in data.national_digits


def _phone_spans(text: str, data: Language) -> list[tuple[int, int]]:
    """Phone numbers in a text whose dates are masked; a run too long to be one is searched for one inside."""
    if _BARE_NUMBER.match(text) and _is_phone(text.strip(), data, whole_note=True):
        return [(len(text) - len(text.lstrip()), len(text.rstrip()))]
    spans = []
    for match in _PHONE_CANDIDATE.finditer(text):
        amount = bool(_UNIT_AFTER.match(text, match.end()))
        if _is_phone(match.group(0), data, amount=amount):
            spans.append(match.span())
            continue
        groups = [(g.start(), g.end()) for g in re.finditer(r"\d+", match.group(0))]
        i = 0
        while i < len(groups):
            for j in range(len(groups), i, -1):
                start = 0 if i == 0 else groups[i][0]
                window = match.group(0)[start:groups[j - 1][1]]
                if _is_phone(window, data, amount=amount and start + len(window) == len(match.group(0))):
                    spans.append((match.start() + start, match.start() + groups[j - 1][1]))
                    i = j - 1
                    break
            i += 1
    return spans


def _iban_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for match in _IBAN_START.finditer(text):
        length = IBAN_LENGTHS.get(match.group(0)[:2].upper())
        if length is None:
            continue
        chars: list[str] = []
        pos = match.start()
        while pos < len(text) and len(chars) < length:
            if text[pos].isalnum() and text[pos].isascii():
                chars.append(text[pos])
            else:
                # Groups apart by a space (two, as typed), a dash or a dot: 'RO49 AAAA', 'RO49-AAAA', 'RO49.AAAA'.
                gap = len(text[pos:pos + IBAN_GAP + 1]) - len(text[pos:pos + IBAN_GAP + 1].lstrip(" -."))
                if not (0 < gap <= IBAN_GAP and pos + gap < len(text) and text[pos + gap].isalnum()):
                    break
                pos += gap - 1
            pos += 1
        if len(chars) == length and not (pos < len(text) and text[pos].isalnum()) and iban_ok("".join(chars)):
            spans.append((match.start(), pos))
    return spans


@lru_cache(maxsize=16)
def _codes_named_elsewhere(code: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The personal codes of the other languages with their keywords: a Lithuanian participant's 'asmens
    kodas' in a Romanian lab is taken when its keyword names it (never by its checksum alone there)."""
    own = set(language(code).personal_codes)
    found: dict[str, list[str]] = {}
    for other in languages():
        if other != code:
            for name, keywords in language(other).personal_codes.items():
                if name not in own:
                    found.setdefault(name, []).extend(k for k in keywords if k not in found.get(name, []))
    return tuple((name, tuple(keywords)) for name, keywords in sorted(found.items()))


def _code_spans(text: str, data: Language) -> list[tuple[int, int]]:
    spans = []
    codes = [(name, tuple(keywords), True) for name, keywords in data.personal_codes.items()]
    codes += [(name, keywords, False) for name, keywords in _codes_named_elsewhere(data.code)]
    for name, keywords, own in codes:
        kind = PERSONAL_CODES[name]
        named = [m.end() for k in keywords for m in re.finditer(rf"(?<!\w){re.escape(k)}\W{{0,3}}", text, re.I)]
        for match in kind.pattern.finditer(text):
            if match.start() in named or (own and kind.valid(match.group(0)) and not kind.named_only):
                spans.append(match.span())
    return spans


@lru_cache(maxsize=4096)
def _name_pattern(name: str, lang: str) -> re.Pattern[str]:
    """A listed name, folded, with the endings of the language (Ana -> Anei; Mureșan -> Mureşanului, Muresan)."""
    data = language(lang)
    folded = matchable(name).folded
    endings = sorted({matchable(e).folded for e in data.person_endings}, key=len, reverse=True)
    stem_endings = sorted({matchable(e).folded for e in data.person_stem_endings}, key=len, reverse=True)
    suffix = f"(?:{'|'.join(map(re.escape, endings))})?" if endings else ""
    parts = []
    for part in folded.split():
        stem = next((part[: len(part) - len(e)] for e in stem_endings
                     if part.endswith(e) and len(part) - len(e) >= MIN_NAME_STEM), part)
        parts.append(re.escape(stem) + suffix)
    # A name's ends are where letters and digits stop: 'Ana_Popescu' (a file or user name) holds it too.
    return re.compile(r"(?<![^\W_])" + r"[\s_-]+".join(parts) + r"(?![^\W_])")


def _mask(text: str, spans: Iterable[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        chars[start:end] = _MASK * (end - start)
    return "".join(chars)


def _spans(m: Matchable, people: Iterable[str], data: Language) -> list[Span]:
    """Everything to replace, found in priority order; each find is masked so that no later one overlaps it."""
    text, folded = m.text, m.folded
    found: list[Span] = []

    def take(kind: str, spans: Iterable[tuple[int, int]]) -> None:
        nonlocal text, folded
        spans = list(spans)
        if not spans:
            return
        found.extend((s, e, kind) for s, e in spans)
        text, folded = _mask(text, spans), _mask(folded, spans)

    take("email", [x.span() for x in _EMAIL.finditer(text)])
    take("email", [x.span() for x in _LOOSE_EMAIL.finditer(text)])
    take("iban", _iban_spans(text))
    take("personal_code", _code_spans(text, data))
    text = _mask(text, [x.span() for x in _DATE.finditer(text)])  # protected, not replaced
    text = _mask(text, [x.span() for x in _REFERENCE.finditer(text)])
    take("phone", _phone_spans(text, data))
    for name in people:
        full = " ".join(name.split())
        if not full:
            continue
        take("person", [x.span() for x in _name_pattern(full, data.code).finditer(folded)])
        surname = full.split()[-1]
        if len(full.split()) > 1 and len(surname) >= MIN_SURNAME:
            take("person", [x.span() for x in _name_pattern(surname, data.code).finditer(folded)])
    return sorted(found)


def redact(text: str, people: Iterable[str] = (), lang: str = "ro") -> tuple[str, Counter[str]]:
    """Replace personal data by the language's marks; return the text and how many of each kind were replaced."""
    data = language(lang)
    m = matchable(text)
    counts: Counter[str] = Counter()
    for start, end, kind in reversed(_spans(m, people, data)):
        begin, stop = m.original_span(start, end)
        text = text[:begin] + data.marks[kind] + text[stop:]
        counts[kind] += 1
    return text, +counts


def redact_fields(value: Any, people: Iterable[str] = (), lang: str = "ro") -> Any:
    """Every string inside a JSON-like value redacted (lab.yaml fields reaching lab.json), structure kept."""
    people = tuple(people)
    if isinstance(value, str):
        return redact(value, people, lang)[0]
    if isinstance(value, dict):
        return {k: redact_fields(v, people, lang) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_fields(v, people, lang) for v in value]
    if isinstance(value, int) and not isinstance(value, bool):  # a phone typed in YAML without quotes
        text = redact(str(value), people, lang)[0]
        return value if text == str(value) else text
    return value


def unique_redactions(values: Iterable[str], people: Iterable[str] = (), lang: str = "ro") -> dict[str, str]:
    """Each distinct value (a file name, an `id`) -> its redacted form, numbered ('[email].csv~2') where two
    values would redact alike, so that what identified a note still does."""
    people = tuple(people)
    originals = set(values)
    result: dict[str, str] = {}
    taken = set(originals)
    for value in sorted(originals):
        redacted = redact(value, people, lang)[0]
        if redacted != value:
            taken.discard(value)
            candidate, n = redacted, 1
            while candidate in taken:
                n += 1
                candidate = f"{redacted}~{n}"
            redacted = candidate
            taken.add(redacted)
        result[value] = redacted
    return result


def find_personal_data(text: str, lang: str = "ro") -> list[str]:
    """E-mails, phone numbers, IBANs and personal codes still present in a text (tests and the leak check)."""
    m = matchable(text)
    found = []
    for start, end, _ in _spans(m, (), language(lang)):
        begin, stop = m.original_span(start, end)
        found.append(text[begin:stop])
    return found
