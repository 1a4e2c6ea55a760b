"""The second sample lab (Kaunas, Lithuanian): valid, compared with Timișoara by default, cleaned like a real one."""

from __future__ import annotations

import numpy as np
import pandas as pd
import yaml

from pipeline.clean import clean_notes
from pipeline.embed import TextEmbedder, embed_texts, make_embedder
from pipeline.ingest import read_lab_notes
from pipeline.params import CleanParams, load_params, typed
from pipeline.themes import build_themes
from pipeline.themes.codebook import codebook_path, load_codebook
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
    assert all(theme.split("_", 1)[0] in {"s1q1", "s1q2", "s1q3", "s2q1", "s2q2", "s2q3"} or theme == "process"
               for theme in gold["theme"])


def test_the_last_bits_of_the_vectors_change_no_title_keyword_or_quote():
    """Another machine's BLAS kernels differ from ours in the last bits (measured: Kaunas' two-note themes
    swapped their quotes and keywords); the themes stage must write the same bytes whatever those bits."""
    params = load_params(ROOT / "params.yaml")
    lab, notes = read()
    clean, _ = clean_notes(notes, "lt", typed(params, CleanParams))
    vectors, _ = embed_texts(clean["text"].tolist(), make_embedder(params["embed"], "lt")[0], None)
    questions = [q.id for q in lab.questions]    # type: ignore[attr-defined]
    codebook, _ = load_codebook(codebook_path(KAUNAS, "ecoc-sme", ROOT), "lt", questions)
    embed = TextEmbedder(params, "lt", ROOT)

    def themes(V: np.ndarray) -> pd.DataFrame:
        return build_themes(clean, V, "lt", questions, params["themes"], None, codebook, embed,
                            {q.id: q.text for q in lab.questions})[0]    # type: ignore[attr-defined]

    base = themes(vectors)
    assert (base["size"] == 2).any()             # the two-note themes whose notes are equally central
    noisy = themes(vectors + np.random.default_rng(0).normal(scale=1e-15, size=vectors.shape))
    pd.testing.assert_frame_equal(base, noisy)
