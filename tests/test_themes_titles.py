"""Theme titles: phrases as written in the notes (the rules of pipeline/themes/titles.py), on the sample lab."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.clean import clean_notes
from pipeline.embed import VectorCache, embed_texts, make_embedder
from pipeline.ingest import read_lab_notes
from pipeline.nlp import get_nlp
from pipeline.params import load_params
from pipeline.text import fold
from pipeline.themes import build_themes
from pipeline.themes.build import text_embedder
from pipeline.themes.codebook import codebook_path, load_codebook
from pipeline.themes.titles import ELLIPSIS, cut_at_word, note_phrases, phrase_titles, question_words
from tests.conftest import ROOT, SAMPLE_LAB

PARAMS = load_params(ROOT / "params.yaml")


def test_phrases_stop_at_punctuation_and_end_on_content_words():
    phrases = note_phrases(["Spații ieftine pentru ateliere, în centru"], "ro", 4)[0]
    assert "Spații ieftine pentru ateliere" in phrases.values()
    assert not any(p.endswith(" pentru") or p.startswith("pentru ") for p in phrases.values())
    assert not any("ateliere în" in p or "centru" in p and "ateliere" in p for p in phrases.values())


def test_two_themes_never_share_a_title_and_lonely_themes_get_their_central_note():
    texts = ["fond de garantare pentru firme", "un fond de garantare local", "fond de garantare rapid",
             "fond de garantare pentru artiști", "o idee fără pereche despre teatre"]
    labels = np.array([0, 0, 1, 1, 2])
    titles = phrase_titles(note_phrases(texts, "ro", 4), labels, np.ones(5), texts, [0, 1, 2], set(), 5, 30)
    assert titles[0] == "Fond de garantare" and titles[1] != titles[0]
    assert titles[2] == "O idee fără pereche despre…" == cut_at_word("O idee fără pereche despre teatre", 30)


@pytest.fixture(scope="module")
def sample_themes():
    lab, raw, _ = read_lab_notes(SAMPLE_LAB, ["csv"])
    clean, _ = clean_notes(raw, lab.language, PARAMS["clean"])
    embedder = make_embedder(PARAMS["embed"], lab.language)[0]
    cache = VectorCache(ROOT / PARAMS["embed"]["cache_dir"], embedder.id)
    vectors, _ = embed_texts(clean["text"].tolist(), embedder, cache)
    codebook, _ = load_codebook(codebook_path(SAMPLE_LAB, lab.meta.get("codebook"), ROOT), lab.language,
                                [q.id for q in lab.questions])
    themes, assignments, metrics = build_themes(
        clean, vectors, lab.language, [q.id for q in lab.questions], PARAMS["themes"], None, codebook,
        text_embedder(PARAMS, lab.language, ROOT), {q.id: q.text for q in lab.questions})
    return lab, clean, themes, assignments, metrics


def test_every_title_of_the_sample_report_obeys_the_title_rules(sample_themes):
    lab, clean, themes, assignments, _ = sample_themes
    nlp = get_nlp(lab.language)
    for qid, group in themes.groupby("question"):
        titles = [fold(t) for t in group["title"]]
        assert len(set(titles)) == len(titles), qid                        # no two themes share a title
        banned = question_words(lab.question(qid).text, lab.language)
        for theme in group.to_dict("records"):
            assert theme["summary"], theme["theme_id"]                     # every theme has a summary
            if theme["source"] == "codebook":
                continue
            members = assignments.loc[assignments["theme_id"] == theme["theme_id"], "note_id"]
            texts = clean.set_index("note_id").loc[members, "text"].tolist()
            title = theme["title"]
            if title.endswith(ELLIPSIS) or fold(title) in {fold(t) for t in texts}:   # no shared phrase:
                assert any(fold(t).startswith(fold(title.removesuffix(ELLIPSIS))) for t in texts), title  # a note
                continue
            written = [t for t in texts if fold(title) in fold(" ".join(t.split()))]
            assert written, title                                          # as written in its notes
            found = note_phrases(written[:1], lab.language, 4)[0]
            key = next((k for k, v in found.items() if fold(v) == fold(title)), None)
            assert key is not None, (title, written[0])
            shared = [p for p in note_phrases(texts, lab.language, 4) if key in p]
            assert len(shared) >= 2, title                                 # the same words (lemmas) in 2+ notes
            doc = nlp(title)
            assert 1 <= len(doc) <= PARAMS["themes"]["title_max_words"], title
            assert not set(doc._.content_keys) & banned, title             # never a word of the question
            ends = [i for i in (0, len(doc) - 1)]
            assert all(i in doc._.content_index for i in ends), title      # no stop word at either end


def test_sample_lab_uses_the_codebook_and_sets_process_notes_apart(sample_themes):
    _, clean, themes, assignments, metrics = sample_themes
    codebook_themes = themes[themes["source"] == "codebook"]
    assert len(codebook_themes) == 30 and set(codebook_themes["status"]) <= {"raised", "not raised"}
    assert codebook_themes["theme_id"].str.fullmatch(r"s\dq\d~[a-z_]+").all()
    assert np.mean([m["codebook_rate"] for m in metrics.values()]) >= 0.6      # measured 0.83
    process = assignments[assignments["status"] == "process note"]
    texts = clean.set_index("note_id").loc[process["note_id"], "text"].tolist()
    assert any("nu am ajuns la o concluzie" in fold(t) for t in texts)
    assert (process["theme_id"] == "").all()
    assert len(process) <= 0.05 * len(assignments)


def test_codebook_themes_carry_their_titles_in_every_codebook_language(sample_themes):
    _, _, themes, _, _ = sample_themes
    codebook = themes[themes["source"] == "codebook"].to_dict("records")
    assert codebook
    for theme in codebook:                       # the English report names them in English
        assert theme["titles"]["ro"] == theme["title"] and theme["titles"]["en"] != theme["title"]
        assert set(theme["titles"]) >= {"ro", "en", "lt"} and theme["summarys"]["en"]
    assert all(t["titles"] == {} for t in themes[themes["source"] == "discovered"].to_dict("records"))
