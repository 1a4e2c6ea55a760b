"""The second sample lab (Kaunas, Lithuanian): valid, compared with Timișoara by default, cleaned like a real one."""

from __future__ import annotations

import pandas as pd
import yaml

from pipeline.clean import clean_notes
from pipeline.ingest import read_lab_notes
from pipeline.params import CleanParams, typed
from tests.conftest import ROOT, SAMPLE_LAB

KAUNAS = ROOT / "data" / "raw" / "kaunas-2020-11-17"
PARAMS = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))


def read() -> tuple[object, pd.DataFrame]:
    lab, notes, warnings = read_lab_notes(KAUNAS, PARAMS["ingest"]["formats"])
    assert warnings == []
    return lab, notes


def test_default_run_builds_and_compares_both_sample_labs():
    assert {SAMPLE_LAB.name, KAUNAS.name} <= set(PARAMS["labs"])
    assert PARAMS["compare"]["labs"] == [SAMPLE_LAB.name, KAUNAS.name]


def test_kaunas_lab_is_lithuanian_with_the_six_questions_in_both_languages():
    lab, notes = read()
    assert lab.language == "lt" and lab.city == "Kaunas" and lab.groups == ("A", "B")    # type: ignore[attr-defined]
    sample = yaml.safe_load((SAMPLE_LAB / "lab.yaml").read_text(encoding="utf-8"))
    own = yaml.safe_load((KAUNAS / "lab.yaml").read_text(encoding="utf-8"))
    ids = [[q["id"] for q in s["questions"]] for s in own["sessions"]]
    assert ids == [[q["id"] for q in s["questions"]] for s in sample["sessions"]]
    assert all(q["text_en"] and q["text"] != q["text_en"] for s in own["sessions"] for q in s["questions"])
    assert 80 <= len(notes) <= 120
    assert set(zip(notes["session"], notes["group"], strict=True)) == {("s1", "A"), ("s1", "B"), ("s2", "A"),
                                                                     ("s2", "B")}
    assert notes["text"].str.contains("ų|ė|š|ž|į").mean() > 0.8                      # written in Lithuanian


def test_kaunas_notes_are_redacted_split_and_merged_on_the_way_in():
    lab, notes = read()
    text = " ".join(notes["text"])
    assert "@" not in text and "612 34567" not in text and "686 12345" not in text
    assert "[" in text                                                                  # the redaction marks
    clean, log = clean_notes(notes, "lt", typed(PARAMS, CleanParams))
    fates = log["fate"].value_counts()
    assert fates.get("merged", 0) >= 4 and fates.get("split", 0) == 1
    both = clean[[len(g) == 2 for g in clean["groups"]]]
    assert len(both) >= 4                                    # ideas raised at both tables, kept once each


def test_gold_themes_name_every_kaunas_note_once():
    _, notes = read()
    gold = pd.read_csv(KAUNAS / "gold_themes.csv")
    keys = {f"{f}:{line}" for f, line in zip(gold["file"], gold["line"], strict=True)}     # gold is by provenance
    assert keys == {f"{f}:{line}" for f, line in zip(notes["file"], notes["line"], strict=True)}
    assert len(keys) == len(gold)
    assert all(theme.split("_", 1)[0] in {"s1q1", "s1q2", "s1q3", "s2q1", "s2q2", "s2q3"} for theme in gold["theme"])
