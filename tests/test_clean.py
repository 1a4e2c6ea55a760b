import json

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.clean import clean_notes, normalise_note, quality_summary, split_ideas, strip_bullet
from pipeline.errors import HarvestError
from pipeline.ingest import read_lab_notes
from pipeline.params import CleanParams
from tests.conftest import SAMPLE_LAB

PARAMS = CleanParams(min_letters=3, near_duplicate_score=92, languages=("ro", "en"), language_min_distance=0.4)


def raw_frame(rows):
    return pd.DataFrame([{"note_id": f"lab/a.csv:{i + 2}", "session": "s1", "question": q, "group": g,
                          "round": 1, "text": text, "redactions": "{}"} for i, (q, g, text) in enumerate(rows)])


@pytest.mark.parametrize(("raw", "clean"), [
    ("- Finanţare pentru artişti", "Finanțare pentru artiști"),
    ("• spații  de lucru ", "spații de lucru"),
    ("2) Mentorat pentru tineri", "Mentorat pentru tineri"),
    ("1. ŢARA şi ŞCOALA", "ȚARA și ȘCOALA"),
    ("10.000 de lei pentru fiecare proiect", "10.000 de lei pentru fiecare proiect"),
])
def test_normalise_note(raw, clean):
    assert normalise_note(raw, "ro") == clean


def test_strip_bullet_handles_stacked_markers():
    assert strip_bullet("- 1. idee") == "idee"


def test_split_only_when_every_part_is_an_idea():
    assert split_ideas("granturi mici pentru artiști ; spații ieftine în centru") == [
        "granturi mici pentru artiști", "spații ieftine în centru"]
    assert split_ideas("granturi; spații ieftine în centru") == ["granturi; spații ieftine în centru"]


def test_noise_dropped_duplicates_merged_and_every_raw_note_logged():
    raw = raw_frame([
        ("s1q1", "A", "Finanțare pentru artiștii independenți"),
        ("s1q1", "B", "- Finantare pentru artistii independenti"),   # same idea, no diacritics, other table
        ("s1q1", "B", "idem"),
        ("s1q1", "A", "..."),
        ("s2q1", "A", "Finanțare pentru artiștii independenți"),     # same text, other question: kept
        ("s1q1", "A", "granturi mici pentru artiști ; spații ieftine în centru"),
    ])
    clean, log = clean_notes(raw, "ro", PARAMS)
    assert sorted(log["raw_id"]) == sorted(raw["note_id"])
    fates = dict(zip(log["raw_id"], log["fate"], strict=True))
    assert fates == {"lab/a.csv:2": "kept", "lab/a.csv:3": "merged", "lab/a.csv:4": "dropped",
                     "lab/a.csv:5": "dropped", "lab/a.csv:6": "kept", "lab/a.csv:7": "split"}
    merged = clean.set_index("note_id").loc["lab/a.csv:2"]
    assert merged["count"] == 2 and merged["source_ids"] == ["lab/a.csv:2", "lab/a.csv:3"]
    assert merged["groups"] == ["A", "B"] and merged["source_rounds"] == [1, 1]
    # Question by question, in id order (not line order: moving lines must change nothing downstream).
    assert list(clean["note_id"]) == ["lab/a.csv:2", "lab/a.csv:7#1", "lab/a.csv:7#2", "lab/a.csv:6"]
    reordered, _ = clean_notes(raw.iloc[::-1].reset_index(drop=True), "ro", PARAMS)
    assert reordered["note_id"].tolist() == [n if n != "lab/a.csv:2" else "lab/a.csv:3" for n in clean["note_id"]]


def test_english_note_is_kept_and_flagged():
    raw = raw_frame([("s1q1", "A", "We need an English version of the funding calls"),
                     ("s1q1", "A", "Avem nevoie de apeluri de finanțare mai simple"),
                     ("s1q1", "A", "ar ajuta un mic fond local de business angels")])
    clean, _ = clean_notes(raw, "ro", PARAMS)
    assert list(clean["lang"]) == ["en", "ro", "ro"] and list(clean["other_language"]) == [True, False, False]


def test_missing_column_is_a_clear_error():
    with pytest.raises(HarvestError, match="missing column"):
        clean_notes(raw_frame([("s1q1", "A", "x")]).drop(columns=["group"]), "ro", PARAMS)


def test_sample_lab_every_raw_note_accounted_for_exactly_once():
    _, raw, _ = read_lab_notes(SAMPLE_LAB, ["csv"])
    clean, log = clean_notes(raw, "ro", PARAMS)
    assert log["raw_id"].is_unique and set(log["raw_id"]) == set(raw["note_id"])
    sources = [s for ids in clean["source_ids"] for s in ids]
    survivors = set(log.loc[log["fate"] != "dropped", "raw_id"])
    assert set(sources) == survivors
    assert (log["fate"] == "merged").sum() >= 3          # the sample has duplicates across tables
    dropped = log[log["fate"] == "dropped"]
    assert sorted(dropped["reason"]) == ["no content (idem / same as above)", "punctuation or numbers only"]
    quality = quality_summary(raw, clean, log)
    assert sum(quality["fates"].values()) == quality["notes_in"] == len(raw)
    assert "ş" not in "".join(clean["text"]) and "ţ" not in "".join(clean["text"])
    json.dumps(quality)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_normalise_is_idempotent_and_total(text):
    once = normalise_note(text, "ro")
    assert normalise_note(once, "ro") == once


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=80), min_size=1, max_size=6))
def test_clean_never_raises_and_accounts_for_every_note(texts):
    raw = raw_frame([("s1q1", "A", t) for t in texts])
    clean, log = clean_notes(raw, "ro", PARAMS)
    assert sorted(log["raw_id"]) == sorted(raw["note_id"])
    kept = {s for ids in clean["source_ids"] for s in ids}
    assert kept == set(log.loc[log["fate"] != "dropped", "raw_id"])
    again, _ = clean_notes(clean.assign(redactions="{}"), "ro", PARAMS)
    assert list(again["text"]) == list(clean["text"])            # cleaning clean notes changes nothing


@pytest.mark.parametrize("text", ["**bold** spații pentru ateliere", "-urile", "$x$ și \\section{A}",
                                  "<script>alert(1)</script>"])
def test_markup_is_not_mistaken_for_a_bullet(text):
    assert normalise_note(text, "ro") == text


def test_a_note_of_emoji_or_symbols_only_is_dropped_as_such():
    from pipeline.clean import noise_reason

    assert noise_reason("👍👍 ✓", 3) == "symbols or emoji only"
    assert noise_reason("??? 12.", 3) == "punctuation or numbers only"
    assert noise_reason("👍 granturi mici", 3) is None
