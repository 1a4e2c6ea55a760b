"""An analyst's English translations of quoted notes: `data/raw/<lab>/translations.csv` (note id -> text_en).

The English report quotes notes verbatim, marked with their language. When the analyst has written a
translation for a note, the English report shows it instead (marked as a translation). The exploration
notebook exports the notes the English report quotes (`translation_sheet`), in this file's own format, with
the translations written so far: fill in the empty `text_en` cells and save it in the lab folder.

Columns: `note_id` (as the report's appendix prints it, with or without the lab prefix) and `text_en`; any
other column (the export's `question`, `text`) is ignored. The ingest stage validates the file (and so
does `harvest check`): an unknown or repeated note id is an error naming the file and the line, an
empty translation a warning. Translations are redacted like the notes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import catalog, paths
from pipeline.errors import HarvestError, Problem
from pipeline.redact import redact
from pipeline.safecsv import neutralise_frame, restore

FILE = catalog.TRANSLATIONS.name          # the analyst's file in data/raw/<lab>/ has the stage file's name
COLUMNS = ["note_id", "text_en"]
EXPORT_COLUMNS = ["note_id", "question", "text", "text_en"]
FIX_ID = "copy the id from the report's appendix or from the explore notebook's export"


def _short(note_id: str, lab_id: str) -> str:
    return note_id.strip().removeprefix(f"{lab_id}/")


def parse_translations(text: str, source: str, lab_id: str, known_ids: Iterable[str], people: Iterable[str] = (),
                       ) -> tuple[dict[str, str], list[Problem]]:
    """translations.csv text -> ({short note id: English text}, problems). Pure: no file access.

    `known_ids` are the lab's raw note ids (what the appendix prints, with or without the lab prefix).
    """
    known = {_short(n, lab_id) for n in known_ids}
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in next(reader, [])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise HarvestError.at(source, 1, f"missing column(s) {', '.join(missing)}",
                              "the first line must name the columns: note_id,text_en")
    id_col, text_col = header.index("note_id"), header.index("text_en")
    result: dict[str, str] = {}
    first_line: dict[str, int] = {}
    problems: list[Problem] = []
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = row + [""] * (len(header) - len(row))
        if len(row) > len(header) and any(c.strip() for c in row[len(header):]):
            # An unquoted comma cut the translation short ('Hello' of 'Hello, world'): when text_en is the
            # last column the rest of the line is its text; either way the analyst hears of it.
            if text_col == len(header) - 1:
                cells = [*row[:text_col], ",".join(row[text_col:])]
            problems.append(Problem(source, line, "more cells than columns: a comma in the translation is not "
                                    "inside double quotes", 'put the English text in double quotes ("…, …")',
                                    "warning"))
        note_id, english = _short(restore(cells[id_col]), lab_id), " ".join(restore(cells[text_col]).split())
        if note_id not in known:
            problems.append(Problem(source, line, f"unknown note id '{note_id}'", FIX_ID))
        elif note_id in first_line:
            problems.append(Problem(source, line, f"note '{note_id}' is translated twice (first on line "
                                    f"{first_line[note_id]})", "keep one of the two lines"))
        elif not english:
            problems.append(Problem(source, line, f"no English text for note '{note_id}'",
                                    "write the translation in the text_en column, or delete the line", "warning"))
        else:
            first_line[note_id] = line
            result[note_id] = redact(english, people, "en")[0]           # English text, English marks
    return result, problems


def read_translations(lab_dir: Path, lab_id: str, known_ids: Iterable[str], people: Iterable[str] = (),
                      ) -> tuple[dict[str, str], list[Problem]]:
    """The lab's translations.csv (empty when there is none); errors raise, warnings are returned."""
    path = paths.lab_file(lab_dir, FILE)
    if not path.is_file():
        return {}, []
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise HarvestError.at(path, None, "not UTF-8 text", "save the file as CSV UTF-8") from None
    if not text.lstrip("\ufeff").strip():
        return {}, []          # an empty file means no translations yet (what `harvest check` advises)
    found, problems = parse_translations(text, str(path), lab_id, known_ids, people)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise HarvestError(errors)
    return found, problems


def translations_frame(translations: dict[str, str]) -> pd.DataFrame:
    """The stage file: one row per translated note id, in id order (same input, same bytes)."""
    return pd.DataFrame(sorted(translations.items()), columns=COLUMNS)


def english_text(source_ids: Iterable[str], lab_id: str, translations: dict[str, str]) -> str | None:
    """The analyst's English text for a clean note (its first source id that has one), or None."""
    return next((translations[s] for s in (_short(i, lab_id) for i in source_ids) if s in translations), None)


def translation_sheet(notes: pd.DataFrame, note_ids: Iterable[str], lab_id: str, lab_language: str,
                      translations: dict[str, str]) -> pd.DataFrame:
    """The quoted notes (note_ids, in order) of a non-English lab as a translations.csv to fill in: note_id as the
    appendix prints it, question, text, and text_en (the analyst's translation so far, or empty). English notes
    need none; translations of notes no longer quoted are kept at the end, so nothing written is lost."""
    missing = [c for c in ("note_id", "question", "text", "lang", "source_ids") if c not in notes.columns]
    if missing:
        raise HarvestError.at(catalog.NOTES.name, None, f"missing column(s) {missing}",
                              "re-run the pipeline (dvc repro) so the stage outputs match this version")
    if lab_language == "en":
        return pd.DataFrame(columns=EXPORT_COLUMNS)
    by_id = notes.set_index("note_id")
    rows: list[dict[str, Any]] = []
    for note_id in dict.fromkeys(note_ids):
        if note_id not in by_id.index or by_id.loc[note_id, "lang"] == "en":
            continue
        note = by_id.loc[note_id]
        sources = list(note["source_ids"])
        shown = next((s for s in (_short(i, lab_id) for i in sources) if s in translations), _short(sources[0], lab_id))
        rows.append({"note_id": shown, "question": note["question"], "text": note["text"],
                     "text_en": translations.get(shown, "")})
    listed = {r["note_id"] for r in rows}
    rows += [{"note_id": n, "question": "", "text": "", "text_en": english}
             for n, english in sorted(translations.items()) if n not in listed]
    return pd.DataFrame(rows, columns=EXPORT_COLUMNS)


def quoted_note_ids(themes: list[dict[str, Any]], others: Iterable[str] = ()) -> list[str]:
    """Every theme's quotes, then `others` (the listed proposals): the notes the English report quotes."""
    return list(dict.fromkeys([str(q["note_id"]) for t in themes for q in t.get("quotes", [])] + list(others)))


def still_to_translate(sheet: pd.DataFrame) -> pd.DataFrame:
    """The rows of a translation sheet whose text_en is still empty: what the analyst has left to do."""
    return sheet[sheet["text_en"].fillna("").str.strip() == ""].reset_index(drop=True)


def export_csv(frame: pd.DataFrame) -> str:
    """The export as CSV text (UTF-8, comma, quoted where needed), ready to save as translations.csv."""
    return str(neutralise_frame(frame).to_csv(index=False, lineterminator="\n"))
