"""Everything language-specific, one folder per language: `pipeline/lang/<code>/` (as spaCy's `spacy/lang/ro/`).

A folder holds `language.yaml` (encodings, phone forms, redaction marks, heading words of transcripts,
template labels, name endings), `report.yaml` (the report's strings), `questions.yaml` (a new lab's
starting questions), `proposals.yaml` (the cues that tell a proposal from an observation, read by
pipeline/proposals.py) and optional NLP data (`stopwords_extra.txt`, `lemma_suffixes.tsv`, …). This module
is the only reader of those files; the supported languages are the folders that exist, so adding a
language means adding one folder (`missing()` says what it must hold).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pipeline.errors import HarvestError
from pipeline.text import fold
from pipeline.yamlsafe import load_yaml

LANG_DIR = Path(__file__).parent
LANGUAGE_FILE = "language.yaml"
REPORT_FILE = "report.yaml"
QUESTIONS_FILE = "questions.yaml"
PROPOSALS_FILE = "proposals.yaml"
REQUIRED_FILES = (LANGUAGE_FILE, REPORT_FILE, QUESTIONS_FILE, PROPOSALS_FILE)
# The contexts a transcript's headings set, and the kinds of personal data redaction replaces.
CONTEXTS = ("session", "group", "question", "round")
MARKS = ("email", "phone", "person", "iban", "personal_code")
# Keys of language.yaml and the type of each value.
REQUIRED_KEYS: dict[str, type] = {"name": str, "encodings": list, "phone_starts": list, "phone_start_digits": list,
                                  "country_code": str, "national_digits": list, "marks": dict, "headings": dict,
                                  "labels": dict, "person_endings": list, "person_stem_endings": list,
                                  "personal_codes": dict}
# Optional NLP data files (one entry a line, `#` comments); a language without them uses spaCy's and
# simplemma's defaults.
# report.yaml keys that hold a count with its noun, one form per plural category ({one: "{n} notiță", …}),
# and the categories any whole number falls in, per language (CLDR plural rules, via babel).
COUNT_KEYS = ("notes_count", "themes_count", "tables_count", "rounds_count", "questions_count", "unassigned_count",
              "merged_duplicates", "written_times", "proposals_intro", "proposals_quoted_above",
              "proposals_all_quoted", "review_edits", "fate_kept", "fate_split", "fate_merged", "fate_dropped",
              "redaction_email", "redaction_phone", "redaction_person", "redaction_iban", "redaction_personal_code",
              "codebook_merged", "compare_intro_two")
COUNTS_CHECKED = range(1001)
# Placeholders a report string may use instead of the English one's (the code fills both).
ALTERNATE_PLACEHOLDERS = {"summary_intro": {"notes", "themes"}}
# The files of every language folder each reader opens. dvc.yaml declares, for each stage, those of the readers
# its modules call, in every language folder (a transcript may use any language's heading words);
# tests/test_dvc_deps.py derives them from the stage's code and tests/test_lang.py checks this map against what
# each reader opens. `data_lines` reads, and `data_file` locates, the file its caller names; `languages` only
# lists the folders.
READS: dict[str, tuple[str, ...]] = {
    "languages": (), "plural_categories": (), "counted": (), "decimal": (), "long_date": (), "percent": (),
    "in_language": (), "data_lines": (), "data_file": (),
    "language": (LANGUAGE_FILE,), "heading_words": (LANGUAGE_FILE,), "proposal_cues": (PROPOSALS_FILE,),
    "report_strings": (LANGUAGE_FILE, REPORT_FILE), "starting_questions": (LANGUAGE_FILE, QUESTIONS_FILE),
    "missing": (LANGUAGE_FILE, REPORT_FILE),
}
NLP_FILES = ("chars.tsv", "stopwords_extra.txt", "stopwords_keep.txt", "lemma_suffixes.tsv", "title_breaks.txt",
             "lemma_exceptions.tsv", "clitics.txt", "simplemma.txt")


@dataclass(frozen=True)
class Language:
    """What language.yaml says about one language."""

    code: str
    name: str
    encodings: tuple[str, ...]
    phone_starts: tuple[str, ...]
    phone_start_digits: tuple[int, ...]  # digits in all of a number written with one of phone_starts
    country_code: str
    national_digits: tuple[int, ...]  # digits after the country code
    marks: dict[str, str]  # email / phone / person -> the mark that replaces it ('[telefon]')
    headings: dict[str, str]  # heading word, folded ('intrebarea') -> the context it sets ('question')
    labels: dict[str, str]  # context -> the heading word templates use ('Întrebarea')
    person_endings: tuple[str, ...]
    person_stem_endings: tuple[str, ...]
    personal_codes: dict[str, tuple[str, ...]]  # national code (pipeline.redact.codes) -> keywords naming one
    letters: str = ""   # the letters beyond ASCII the language writes: which 8-bit decoding of a file is right


@cache
def languages(root: Path = LANG_DIR) -> tuple[str, ...]:
    """The supported language codes: every folder of pipeline/lang/ that has a language.yaml."""
    return tuple(sorted(p.parent.name for p in root.glob(f"*/{LANGUAGE_FILE}")))


def _yaml(path: Path) -> Any:
    return load_yaml(path)


def missing(code: str, root: Path = LANG_DIR) -> list[str]:
    """What a language folder lacks to be complete (files, language.yaml keys, headings, labels, marks)."""
    return _missing_language(code, root) + _missing_report(code, root)


def _missing_language(code: str, root: Path) -> list[str]:
    folder = root / code
    lacking = [f"{code}/{name}" for name in REQUIRED_FILES if not (folder / name).is_file()]
    if (folder / LANGUAGE_FILE).is_file():
        data = _yaml(folder / LANGUAGE_FILE) or {}
        lacking += [f"{code}/{LANGUAGE_FILE}: {key} ({kind.__name__})" for key, kind in REQUIRED_KEYS.items()
                    if not isinstance(data.get(key), kind)]
        for key, names in (("headings", CONTEXTS), ("labels", CONTEXTS), ("marks", MARKS)):
            if isinstance(data.get(key), dict):
                lacking += [f"{code}/{LANGUAGE_FILE}: {key}.{name}" for name in names if not data[key].get(name)]
    return lacking


def _missing_report(code: str, root: Path) -> list[str]:
    # Read only by report_strings (and missing): a stage that never shows report strings never opens report.yaml.
    folder = root / code
    lacking: list[str] = []
    if (folder / REPORT_FILE).is_file() and (folder / LANGUAGE_FILE).is_file():
        strings = _report_yaml(code, root) or {}
        for key in COUNT_KEYS:
            value = strings.get(key)
            forms: dict[str, Any] = value if isinstance(value, dict) else {}
            lacking += [f"{code}/{REPORT_FILE}: {key}.{category}" for category in plural_categories(code)
                        if not forms.get(category)]
    return lacking


def language(code: str, where: Path | str = "lab.yaml") -> Language:
    """The language of a lab, read once; an unknown code is a user error of `where` naming the choices."""
    if code not in languages():
        raise HarvestError.at(where, None, f"unknown language '{code}'",
                              f"use one of: {', '.join(languages())} (or add a folder pipeline/lang/{code}/)")
    return _load(code)


@cache
def _load(code: str, root: Path = LANG_DIR) -> Language:
    lacking = _missing_language(code, root)
    if lacking:
        raise HarvestError.at(root / code, None, f"incomplete language folder: missing {', '.join(lacking)}",
                              "add what is missing (see pipeline/lang/en/)")
    data = _yaml(root / code / LANGUAGE_FILE)
    headings = {fold(str(word)): kind for kind in CONTEXTS for word in data["headings"][kind]}
    return Language(
        code=code, name=str(data["name"]), encodings=tuple(map(str, data["encodings"])),
        phone_starts=tuple(map(str, data["phone_starts"])),
        phone_start_digits=tuple(map(int, data["phone_start_digits"])), country_code=str(data["country_code"]),
        national_digits=tuple(map(int, data["national_digits"])),
        marks={kind: str(data["marks"][kind]) for kind in MARKS}, headings=headings,
        labels={kind: str(data["labels"][kind]) for kind in CONTEXTS},
        person_endings=tuple(map(str, data["person_endings"])),
        person_stem_endings=tuple(map(str, data["person_stem_endings"])),
        personal_codes={str(k): tuple(map(str, v)) for k, v in data["personal_codes"].items()},
        letters=str(data.get("letters") or ""),
    )


@cache
def heading_words() -> dict[str, str]:
    """Heading words of every supported language (folded) -> context: a transcript may use any of them."""
    words: dict[str, str] = {}
    for code in languages():
        for word, kind in language(code).headings.items():
            words.setdefault(word, kind)
    return words


@cache
def plural_categories(code: str) -> tuple[str, ...]:
    """The plural categories whole numbers fall in, in a language ('one', 'few', 'other' for Romanian)."""
    from babel import Locale

    rule = Locale.parse(code).plural_form
    return tuple(sorted({rule(n) for n in COUNTS_CHECKED}))


def counted(code: str, forms: dict[str, str], n: int) -> str:
    """A count with its noun in the form the number asks for: '1 notiță', '7 notițe', '20 de notițe'."""
    from babel import Locale

    category = Locale.parse(code).plural_form(n)
    return str(forms.get(category) or forms["other"]).format(n=n)


def decimal(code: str, value: float, pattern: str = "0.00") -> str:
    """A figure as the language writes it: '0,53' in Romanian, '0.53' in English (CLDR, via babel). The
    pattern is CLDR's: '0.00' two decimals, '0.0###' one to four."""
    from babel.numbers import format_decimal

    return str(format_decimal(value, format=pattern, locale=code))


def long_date(code: str, iso: str) -> str:
    """A day as the language writes it in running text: '20 octombrie 2020', '2020 m. spalio 20 d.' (CLDR's
    long form, via babel); a text that is not a YYYY-MM-DD date as it is."""
    import datetime as dt

    from babel.dates import format_date

    try:
        day = dt.date.fromisoformat(str(iso))
    except ValueError:
        return str(iso)
    return str(format_date(day, format="long", locale=code))


def percent(code: str, share: float) -> str:
    """A share as a whole percentage the way the language writes it: '10%' in English, '10 %' in Romanian
    and Lithuanian (CLDR, via babel)."""
    from babel.numbers import format_percent

    return str(format_percent(share, locale=code))


def in_language(texts: dict[str, str], code: str) -> str:
    """A text given per language (a codebook's title or name), in `code`, else English, else the first one
    written; '' when none is."""
    return texts.get(code) or texts.get("en") or next(iter(texts.values()), "")


def data_file(code: str, name: str) -> Path:
    """Where a language's NLP data file is (it may not exist: the data is optional)."""
    return LANG_DIR / code / name


def data_lines(code: str, name: str) -> list[str]:
    """The entries of an NLP data file of a language (no blank or `#` lines); [] when it has none."""
    path = data_file(code, name)
    if not path.is_file():
        return []
    return [raw for raw in path.read_text(encoding="utf-8").splitlines()
            if raw.strip() and not raw.lstrip().startswith("#")]


def report_strings(code: str) -> dict[str, Any]:
    """The report's interface strings in a language (report.yaml), as written (no English fallback)."""
    language(code)
    lacking = _missing_report(code, LANG_DIR)
    if lacking:
        raise HarvestError.at(LANG_DIR / code, None, f"incomplete language folder: missing {', '.join(lacking)}",
                              "add what is missing (see pipeline/lang/en/)")
    return dict(_report_yaml(code, LANG_DIR))


@cache
def _report_yaml(code: str, root: Path) -> Any:
    # Parsed once per process: checking a report.yaml and reading it would otherwise parse it twice.
    return _yaml(root / code / REPORT_FILE)


def starting_questions(code: str) -> dict[str, Any]:
    """A new lab's starting questions in a language (questions.yaml: sessions with their questions)."""
    language(code)
    data: dict[str, Any] = _yaml(LANG_DIR / code / QUESTIONS_FILE)
    return data


def proposal_cues(code: str) -> tuple[str, str] | None:
    """(path, text) of a language's proposals.yaml, parsed by pipeline/proposals.py; None when it has none."""
    path = LANG_DIR / code / PROPOSALS_FILE
    return (str(path), path.read_text(encoding="utf-8")) if path.is_file() else None
