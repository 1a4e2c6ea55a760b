"""Clean: normalise, strip bullets, split multi-idea lines, drop noise, merge duplicates, tag language.

Every raw note's fate (kept / split / merged / dropped, with a reason) goes to the clean log, so each
raw note id appears there exactly once and nothing is lost silently.

Split rule (documented in docs/transcription.md): a note is split at ' ; ' (a semicolon between
spaces or at least one space after it) only when every part has at least `min_split_words` words;
table hosts use it to write two ideas on one line.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
from lingua import IsoCode639_1, Language, LanguageDetectorBuilder
from rapidfuzz import fuzz, process

from pipeline import catalog, paths
from pipeline import ids as note_ids
from pipeline.errors import HarvestError
from pipeline.nlp import content_lemmas, fold, normalise
from pipeline.params import CleanParams, typed

REQUIRED_INPUT = ["note_id", "session", "question", "group", "round", "text", "redactions"]
CLEAN_COLUMNS = list(catalog.NOTES.columns)
IDENTITY_COLUMNS = ["note_id", "question", "text", "source_ids", "provenance"]
LOG_COLUMNS = list(catalog.CLEAN_LOG.columns)

# Dash, star and '>' are bullets only when a space follows ("**bold**" and "-urile" stay); the typographic
# bullets are bullets even when glued to the text ("•idee").
_BULLET = re.compile(r"^\s*(?:[-–—*>]+(?=\s)|[•·▪►→]+|\(?\d{1,2}[.)](?=\s)|\(?[a-zA-Z]\)(?=\s))\s*")
_SPLIT = re.compile(r"\s*;\s+")
_NOISE_WORDS = {"idem", "la fel", "same", "ditto", "-", "?", "n/a", "na"}
MIN_SPLIT_WORDS = 3


def strip_bullet(text: str) -> str:
    """Remove a leading bullet or list number ('- ', '• ', '2) ', '1. ') a transcriber typed."""
    previous = None
    while previous != text:
        previous, text = text, _BULLET.sub("", text, count=1).strip()
    return text


def normalise_note(text: str, lang: str) -> str:
    """The display text of a note: NFC, standard letters (ș ț), no bullet, single spaces. Idempotent."""
    return strip_bullet(normalise(text, lang))


def noise_reason(text: str, min_letters: int) -> str | None:
    """Why a note is noise ('empty', 'idem', …), or None when it carries content."""
    if not text.strip():
        return "empty"
    if fold(text).strip(" .!") in _NOISE_WORDS:
        return "no content (idem / same as above)"
    letters = sum(ch.isalpha() for ch in text)
    if letters == 0:
        symbols = any(unicodedata.category(ch) == "So" for ch in text)     # 👍, ★, ✓
        return "symbols or emoji only" if symbols else "punctuation or numbers only"
    if letters < min_letters:
        return f"fewer than {min_letters} letters"
    return None


def split_ideas(text: str) -> list[str]:
    """A line with several ideas separated by ' ; ' -> its parts, when each part is a real idea."""
    parts = [strip_bullet(p) for p in _SPLIT.split(text) if p.strip()]
    if len(parts) > 1 and all(len(p.split()) >= MIN_SPLIT_WORDS for p in parts):
        return parts
    return [text]


def duplicate_key(text: str) -> str:
    """Diacritic-, case- and punctuation-insensitive form used to find duplicates."""
    return " ".join(re.findall(r"\w+", fold(text)))


def _detector(languages: list[str], min_distance: float) -> Any:
    codes = [Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper())) for c in dict.fromkeys(languages)]
    if len(codes) < 2:
        return None
    return LanguageDetectorBuilder.from_languages(*codes).with_minimum_relative_distance(min_distance).build()


def detect_languages(texts: list[str], lab_language: str, languages: list[str], min_distance: float = 0.4,
                     ) -> list[str]:
    """ISO code of each text among the lab's language and `languages`; short or unclear texts (a Romanian
    note with 'business angels' in it) keep the lab's language."""
    detector = _detector([lab_language, *languages], min_distance)
    if detector is None:
        return [lab_language] * len(texts)
    found = detector.detect_languages_in_parallel_of(texts)   # lingua's Rust threads, both cores
    return [lang.iso_code_639_1.name.lower() if lang is not None and len(text.split()) >= 3 else lab_language
            for text, lang in zip(texts, found, strict=True)]


def _survivors(raw: pd.DataFrame, lab_language: str, params: CleanParams,
               ) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """Raw note rows -> the notes that survive (normalised, split, duplicates merged) and every raw note's fate."""
    missing = [c for c in REQUIRED_INPUT if c not in raw.columns]
    if missing:
        raise HarvestError.at(catalog.NOTES_RAW.name, None, f"missing column(s) {missing}",
                              "re-run the ingest stage (dvc repro)")
    log: dict[str, dict[str, Any]] = {}
    pieces: list[dict[str, Any]] = []
    for row in raw.to_dict("records"):
        raw_id = str(row["note_id"])
        text = normalise_note(str(row["text"]), lab_language)
        reason = noise_reason(text, params.min_letters)
        if reason is not None:
            log[raw_id] = {"fate": "dropped", "reason": reason, "into": []}
            continue
        parts = split_ideas(text)
        ids = [raw_id] if len(parts) == 1 else [note_ids.part_id(raw_id, i + 1) for i in range(len(parts))]
        where = note_ids.provenance(str(row["file"]), int(row["line"])) if "file" in row and "line" in row else ""
        log[raw_id] = {"fate": "kept" if len(parts) == 1 else "split",
                            "reason": "" if len(parts) == 1 else f"{len(parts)} ideas separated by ';'",
                            "into": ids}
        for piece_id, part in zip(ids, parts, strict=True):
            pieces.append({"note_id": piece_id, "raw_id": raw_id, "session": row["session"],
                           "question": row["question"], "group": row["group"], "round": int(row["round"]),
                           "text": part, "key": duplicate_key(part), "provenance": where})

    # Merge duplicates within a question: the first note (file, line order) survives and keeps every source.
    threshold = float(params.near_duplicate_score)
    survivors: list[dict[str, Any]] = []
    exact: dict[tuple[str, str], dict[str, Any]] = {}
    kept_by_question: dict[str, list[dict[str, Any]]] = {}
    sorted_keys: dict[str, list[str]] = {}
    redirect: dict[str, str] = {}
    for piece in pieces:
        question = piece["question"]
        match = exact.get((question, piece["key"]))
        # Near duplicates: token-sorted keys compared with fuzz.ratio equal token_sort_ratio, in C.
        sorted_key = " ".join(sorted(piece["key"].split()))
        if match is None and sorted_keys.get(question):
            found = process.extractOne(sorted_key, sorted_keys[question], scorer=fuzz.ratio, score_cutoff=threshold)
            if found is not None:
                match = kept_by_question[question][found[2]]
        if match is None:
            piece.update(source_ids=[piece["raw_id"]], groups=[piece["group"]], rounds=[piece["round"]],
                         provenances=[piece["provenance"]])
            exact[(question, piece["key"])] = piece
            kept_by_question.setdefault(question, []).append(piece)
            sorted_keys.setdefault(question, []).append(sorted_key)
            survivors.append(piece)
            continue
        match["source_ids"].append(piece["raw_id"])
        match["groups"].append(piece["group"])
        match["rounds"].append(piece["round"])
        match["provenances"].append(piece["provenance"])
        redirect[piece["note_id"]] = match["note_id"]
        entry = log[piece["raw_id"]]
        how = "exact" if match["key"] == piece["key"] else "near"
        if entry["fate"] == "kept":
            entry.update(fate="merged", reason=f"{how} duplicate of {match['note_id']}")
        else:
            entry["reason"] += f"; part merged ({how} duplicate of {match['note_id']})"
    for entry in log.values():
        entry["into"] = [redirect.get(i, i) for i in entry["into"]]
    return survivors, log


def note_identities(raw: pd.DataFrame, lab_language: str, params: CleanParams) -> pd.DataFrame:
    """The ids the clean notes will have, with text, question, sources and provenance — without the slow
    language and lemma steps, so `harvest check` validates edits against exactly the ids the run uses."""
    survivors, _ = _survivors(raw, lab_language, params)
    return pd.DataFrame.from_records(
        [{"note_id": p["note_id"], "question": p["question"], "text": p["text"],
          "source_ids": list(p["source_ids"]), "provenance": list(p["provenances"])} for p in survivors],
        columns=IDENTITY_COLUMNS)


def clean_notes(raw: pd.DataFrame, lab_language: str, params: CleanParams) -> tuple[pd.DataFrame,
                                                                                         pd.DataFrame]:
    """Raw note rows -> (clean notes, clean log). Pure: same input and params, same output."""
    survivors, log = _survivors(raw, lab_language, params)
    # Within a question, notes follow their ids, not the lines they were typed on: reordering or inserting
    # transcript lines then changes nothing downstream (the clustering's subsamples are drawn by position).
    survivors = sorted(survivors, key=lambda p: (p["question"], p["note_id"]))
    texts = [p["text"] for p in survivors]
    langs = detect_languages(texts, lab_language, list(params.languages), params.language_min_distance)
    lemmas = content_lemmas(texts, lab_language)
    clean = pd.DataFrame.from_records([
        {"note_id": p["note_id"], "session": p["session"], "question": p["question"], "group": p["group"],
         "round": p["round"], "text": p["text"], "lemmas": " ".join(lem), "lang": lang,
         "other_language": lang != lab_language, "count": len(p["source_ids"]),
         "source_ids": list(p["source_ids"]), "source_groups": list(p["groups"]),
         "source_rounds": [int(r) for r in p["rounds"]], "groups": sorted(set(p["groups"])),
         "rounds": sorted({int(r) for r in p["rounds"]}), "provenance": list(p["provenances"])}
        for p, lang, lem in zip(survivors, langs, lemmas, strict=True)
    ], columns=CLEAN_COLUMNS)
    clean_log = pd.DataFrame.from_records(
        [{"raw_id": rid, "fate": e["fate"], "reason": e["reason"], "into": list(e["into"])}
         for rid, e in log.items()], columns=LOG_COLUMNS)
    return clean, clean_log


def quality_summary(raw: pd.DataFrame, clean: pd.DataFrame, clean_log: pd.DataFrame) -> dict[str, Any]:
    """Counts for the data-quality section: notes in / kept / split / merged / dropped, redactions, languages."""
    redactions: Counter[str] = Counter()
    for value in raw["redactions"]:
        redactions.update(json.loads(value))
    dropped = clean_log[clean_log["fate"] == "dropped"]
    return {
        "notes_in": int(len(raw)),
        "fates": {k: int(v) for k, v in clean_log["fate"].value_counts().sort_index().items()},
        "dropped_reasons": {k: int(v) for k, v in dropped["reason"].value_counts().sort_index().items()},
        "notes_out": int(len(clean)),
        "redactions": dict(sorted(redactions.items())),
        "languages": {k: int(v) for k, v in clean["lang"].value_counts().sort_index().items()},
    }


def run(lab_id: str, params: dict[str, Any], root: Path = Path(".")) -> dict[str, Any]:
    """DVC stage: notes_raw.parquet -> notes.parquet, clean_log.csv, quality.json."""
    raw = catalog.NOTES_RAW.read(lab_id, root)
    clean, clean_log = clean_notes(raw, catalog.LAB.read(lab_id, root).language, typed(params, CleanParams))
    catalog.NOTES.write(clean, lab_id, root)
    catalog.CLEAN_LOG.write(clean_log, lab_id, root)
    quality = quality_summary(raw, clean, clean_log)
    # Parts of the transcripts not read (a Word table, a hidden sheet, an .odt file): the report names them.
    where = catalog.READ_WARNINGS.read(lab_id, root)["where"].astype(str)
    quality["read_warnings"] = sorted({w for w in where if w.startswith("notes/")})
    catalog.QUALITY.write(quality, lab_id, root)
    if clean.empty:
        raise HarvestError.at(paths.processed_dir(lab_id, root) / catalog.CLEAN_LOG.name, None,
                              f"no note left to analyse: all {len(raw)} raw notes were dropped or merged",
                              "see each note's reason in this file, and add the table notes or lower "
                              "clean.min_letters in params.yaml")
    return quality
