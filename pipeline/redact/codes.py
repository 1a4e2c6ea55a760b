"""Checksums of the codes that identify a person or an account: IBAN (ISO 13616), the national personal
codes of the partner languages (Romanian CNP, Lithuanian asmens kodas, Croatian OIB, Italian codice
fiscale, Dutch BSN). A number that merely has the right length is not redacted as a code unless its
checksum holds, or a keyword of the lab's language names it ("CNP 1960512…")."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

# Lengths of IBANs by country (ISO 13616 registry), for the countries of the partner labs and their neighbours.
IBAN_LENGTHS = {
    "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "EE": 20, "ES": 24, "FI": 18,
    "FR": 27, "GB": 22, "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IT": 27, "LT": 20, "LU": 20, "LV": 21, "MD": 24,
    "MT": 31, "NL": 18, "NO": 15, "PL": 28, "PT": 25, "RO": 24, "RS": 22, "SE": 24, "SI": 19, "SK": 24, "UA": 29,
}
IBAN_MODULUS = 97


def iban_ok(code: str) -> bool:
    """An IBAN (no spaces, any case) of its country's length whose mod-97 check gives 1."""
    code = code.upper()
    if IBAN_LENGTHS.get(code[:2]) != len(code) or not code[2:4].isdigit() or not code.isalnum():
        return False
    number = "".join(str(int(ch, 36)) for ch in code[4:] + code[:4])
    return int(number) % IBAN_MODULUS == 1


def _date_ok(year: int, month: int, day: int) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def cnp_ok(code: str) -> bool:
    """Romanian CNP: S YYMMDD JJ NNN C, a real birth date and the control digit (weights 279146358279)."""
    if not (len(code) == 13 and code.isdigit() and code[0] != "0"):
        return False
    century = {"1": 1900, "2": 1900, "3": 1800, "4": 1800, "5": 2000, "6": 2000}.get(code[0], 1900)
    if not _date_ok(century + int(code[1:3]), int(code[3:5]), int(code[5:7])):
        return False
    total = sum(int(d) * int(w) for d, w in zip(code[:12], "279146358279", strict=True)) % 11
    return (1 if total == 10 else total) == int(code[12])


def asmens_kodas_ok(code: str) -> bool:
    """Lithuanian asmens kodas: G YYMMDD NNN C, a real birth date and the two-pass mod-11 control digit."""
    if not (len(code) == 11 and code.isdigit() and code[0] in "123456"):
        return False
    century = {"1": 1800, "2": 1800, "3": 1900, "4": 1900, "5": 2000, "6": 2000}[code[0]]
    if not _date_ok(century + int(code[1:3]), int(code[3:5]), int(code[5:7])):
        return False
    digits = [int(d) for d in code]
    for weights in ((1, 2, 3, 4, 5, 6, 7, 8, 9, 1), (3, 4, 5, 6, 7, 8, 9, 1, 2, 3)):
        rest = sum(d * w for d, w in zip(digits, weights, strict=False)) % 11
        if rest != 10:
            return rest == digits[10]
    return digits[10] == 0


def oib_ok(code: str) -> bool:
    """Croatian OIB: 11 digits, ISO 7064 MOD 11,10 control digit."""
    if not (len(code) == 11 and code.isdigit()):
        return False
    rest = 10
    for d in code[:10]:
        rest = (rest + int(d)) % 10 or 10
        rest = rest * 2 % 11
    return (11 - rest) % 10 == int(code[10])


def bsn_ok(code: str) -> bool:
    """Dutch BSN: 9 digits passing the 11-test (9a + 8b + … + 2h − i divisible by 11)."""
    if not (len(code) == 9 and code.isdigit()):
        return False
    total = sum(int(d) * w for d, w in zip(code[:8], range(9, 1, -1), strict=True)) - int(code[8])
    return total % 11 == 0 and total > 0


_CF_ODD = dict(zip("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                   [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8,
                    12, 14, 16, 10, 22, 25, 24, 23], strict=True))


def codice_fiscale_ok(code: str) -> bool:
    """Italian codice fiscale: 16 characters whose last letter is the control character of the other 15."""
    code = code.upper()
    if not re.fullmatch(r"[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-EHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]", code):
        return False
    total = 0
    for i, ch in enumerate(code[:15]):
        total += _CF_ODD[ch] if i % 2 == 0 else (int(ch) if ch.isdigit() else ord(ch) - ord("A"))
    return chr(ord("A") + total % 26) == code[15]


@dataclass(frozen=True)
class CodeKind:
    """A national code: the shape of a candidate and the checksum that makes it one."""

    pattern: re.Pattern[str]
    valid: Callable[[str], bool]
    named_only: bool = False  # a checksum passed by too many ordinary numbers: only redacted after a keyword


# Names used under `personal_codes:` in pipeline/lang/<code>/language.yaml.
PERSONAL_CODES = {
    "cnp": CodeKind(re.compile(r"(?<![\w.,])\d{13}(?![\w]|[.,]\d)"), cnp_ok),
    "asmens_kodas": CodeKind(re.compile(r"(?<![\w.,])\d{11}(?![\w]|[.,]\d)"), asmens_kodas_ok),
    "oib": CodeKind(re.compile(r"(?<![\w.,])\d{11}(?![\w]|[.,]\d)"), oib_ok),
    "bsn": CodeKind(re.compile(r"(?<![\w.,])\d{9}(?![\w]|[.,]\d)"), bsn_ok, named_only=True),
    "codice_fiscale": CodeKind(re.compile(r"(?<![\w])[A-Za-z]{6}[0-9A-Za-z]{10}(?![\w])"), codice_fiscale_ok),
}
