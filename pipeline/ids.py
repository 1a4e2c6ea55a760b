"""The grammar of note and theme ids: the one module that builds and parses them.

A note's id says what the note is, not where it is (as Git names content, and QDA tools anchor a code
to a text segment): `n` and eight hex digits of a hash of its question and its normalised text
(lower case, no diacritics, no leading bullet, words only), with `-2`, `-3` … for identical texts of one
question in file order. Inserting, deleting or reordering other lines, or editing other notes, leaves
it as it is; a typo fixed in the note itself (beyond case, diacritics and punctuation) gives it a new
id, so an edit written for the old text no longer finds it instead of landing on another note. A
transcriber's own `id` column wins: `<file>#<id>`. `file:line` stays as provenance for people.

Full ids carry the lab: `<lab>/n3fa2c1d0`; analysts and the report write them without it. A split
note's parts are `<id>#1`, `<id>#2` …; a theme is `<question>~<note>`, named by its member note with the
smallest id (stable when notes are added elsewhere or lines move).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from pipeline.text import fold

CONTENT_PREFIX = "n"
HASH_DIGITS = 8                 # 16**8 ids: a collision among 20,000 notes of a lab is under 5 % likely,
LAB_SEPARATOR = "/"             # and disambiguated like identical texts when it happens
THEME_SEPARATOR = "~"
PART_SEPARATOR = "#"
TRANSCRIBER_SEPARATOR = "#"
PROVENANCE_SEPARATOR = ":"
# A leading list marker a transcriber may type or drop ('1. ', '- ', '• ', 'a) '): not part of the identity.
_LEADING_MARKER = re.compile(r"^\s*(?:[-–—*>•·▪►→]+|\(?\d{1,2}[.)]|\(?[a-zA-Z]\))(?=\s)")
_WORD = re.compile(r"\w+")
CONTENT_ID = re.compile(rf"^{CONTENT_PREFIX}[0-9a-f]{{{HASH_DIGITS}}}(?:-\d+)?(?:{PART_SEPARATOR}\d+)?$")
# An id of the form the pipeline wrote before content ids: `file.csv:12` (an Excel sheet `f.xlsx[s1]:12`).
LEGACY_ID = re.compile(r"^(?P<file>[^/~]+?\.(?:csv|tsv|xlsx|md|txt|docx)(?:\[[^\]]*\])?):(?P<line>\d+)"
                       rf"(?P<part>{PART_SEPARATOR}\d+)?$", re.IGNORECASE)


def text_key(text: str) -> str:
    """The normalised text a note's id is derived from: folded words, no leading list marker."""
    return " ".join(_WORD.findall(fold(_LEADING_MARKER.sub("", str(text), count=1))))


def content_hash(question: str, text: str) -> str:
    """`n` + 8 hex digits of the question and the text's key (identical for identical notes)."""
    digest = hashlib.sha1(f"{question}\n{text_key(text)}".encode()).hexdigest()
    return f"{CONTENT_PREFIX}{digest[:HASH_DIGITS]}"


def transcriber_id(file_name: str, own_id: str) -> str:
    """The short id of a note whose file has an `id` column: `<file>#<id>`."""
    return f"{file_name}{TRANSCRIBER_SEPARATOR}{own_id}"


def provenance(file_name: str, line: int) -> str:
    """Where a raw note was typed, for people: `file:line` (never an identity)."""
    return f"{file_name}{PROVENANCE_SEPARATOR}{line}"


@dataclass(frozen=True)
class RawNote:
    """What a raw note's id is built from: its question, text and, when given, the transcriber's id."""

    question: str
    text: str
    file: str
    own_id: str = ""


def raw_note_ids(lab_id: str, notes: Iterable[RawNote]) -> list[str]:
    """Full ids of a lab's raw notes, in their order; identical texts of one question get -2, -3 … in order."""
    seen: dict[str, int] = {}
    ids = []
    for note in notes:
        if note.own_id:
            ids.append(full(lab_id, transcriber_id(note.file, note.own_id)))
            continue
        base = content_hash(note.question, note.text)
        seen[base] = seen.get(base, 0) + 1
        ids.append(full(lab_id, base if seen[base] == 1 else f"{base}-{seen[base]}"))
    return ids


def part_id(note_id: str, number: int) -> str:
    """The id of part `number` (1-based) of a note split into several ideas."""
    return f"{note_id}{PART_SEPARATOR}{number}"


def full(lab_id: str, short_note_id: str) -> str:
    """A note id with its lab: `<lab>/<short>` (unchanged when it already has the lab)."""
    return short_note_id if short_note_id.startswith(f"{lab_id}{LAB_SEPARATOR}") else \
        f"{lab_id}{LAB_SEPARATOR}{short_note_id}"


def short(note_id: str) -> str:
    """A note id without its lab, as the report prints it and analysts write it."""
    return note_id.split(LAB_SEPARATOR, 1)[1] if LAB_SEPARATOR in note_id else note_id


def lab_of(note_id: str) -> str:
    """The lab a full note id belongs to."""
    return note_id.split(LAB_SEPARATOR, 1)[0]


def theme_id(question: str, member_ids: Iterable[str]) -> str:
    """A theme's id: its question and its member note with the smallest id, `<question>~<short note id>`."""
    return f"{question}{THEME_SEPARATOR}{short(min(member_ids))}"


@dataclass(frozen=True)
class Reference:
    """A note or theme reference as an analyst writes it: `[question~]note [excerpt]`."""

    question: str | None
    note: str
    excerpt: str
    legacy: bool

    @property
    def is_theme(self) -> bool:
        """Whether it was written as a theme id (`question~note`)."""
        return self.question is not None


_SUFFIXES = r"\.(?:csv|tsv|xlsx|md|txt|docx)(?:\[[^\]]*\])?"
_THEME_PREFIX = re.compile(rf"^(?P<question>[^\s{THEME_SEPARATOR}/]+){THEME_SEPARATOR}(?P<rest>.*)$")
_FILE_ID = re.compile(rf"^(?P<id>[^{THEME_SEPARATOR}]+?{_SUFFIXES}(?::\d+(?:{PART_SEPARATOR}\d+)?|"
                      rf"{TRANSCRIBER_SEPARATOR}\S+))(?:\s+(?P<excerpt>.*))?$", re.IGNORECASE)
_PLAIN_ID = re.compile(r"^(?P<id>\S+)(?:\s+(?P<excerpt>.*))?$")
_QUOTES = "\"'«»“”„"


def parse_reference(text: str, lab_id: str) -> Reference:
    """`s1q1~n3fa2c1d0`, `n3fa2c1d0 Chiriile din centru…`, `<lab>/a.csv:7` -> question, short note id, excerpt.

    Whatever follows the id after a space is a text excerpt, checked against the note; an old
    `file:line` id (before content ids) is marked legacy.
    """
    rest = str(text).strip()
    question = None
    theme = _THEME_PREFIX.match(rest)
    if theme is not None:
        question, rest = theme.group("question"), theme.group("rest").strip()
    rest = rest.removeprefix(f"{lab_id}{LAB_SEPARATOR}")
    match = _FILE_ID.match(rest) or _PLAIN_ID.match(rest)
    note, quoted = (match.group("id"), match.group("excerpt") or "") if match is not None else (rest, "")
    cleaned = quoted.strip().strip(_QUOTES).strip().removesuffix("…").strip()
    return Reference(question, note, cleaned, LEGACY_ID.match(note) is not None)


def excerpt_fits(excerpt: str, text: str) -> bool:
    """Whether an excerpt an analyst copied still matches the note's text (its normalised words start the note)."""
    key = text_key(excerpt)
    return not key or text_key(text).startswith(key) or key in text_key(text)


def excerpt(text: str, words: int) -> str:
    """The first `words` words of a note, to write beside its id so a person (and the pipeline) can recognise it."""
    parts = str(text).split()
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")


def printed(note_id: str, source_ids: Iterable[str]) -> str:
    """The ids the report prints for a clean note: its own, then the raw ids merged into it (each works in edits)."""
    own = note_id.split(PART_SEPARATOR)[0] if CONTENT_ID.match(short(note_id)) else note_id
    others = [short(s) for s in source_ids if s not in (note_id, own)]
    return " ".join([short(note_id), *others])
