"""Codebook themes: the file format and its validation, assignment, and what they give on the sample lab."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from pipeline.cli import main
from pipeline.errors import HarvestError
from pipeline.params import load_params
from pipeline.themes import make_clusterer
from pipeline.themes.anchors import assign_to_anchors, structureless_similarity
from pipeline.themes.codebook import codebook_path, load_codebook, parse_codebook
from tests.conftest import ROOT
from tests.test_check import GOOD, make_lab
from tests.test_evaluate import TOPICS
from tests.test_themes import blobs

PARAMS = load_params(ROOT / "params.yaml")
LANGUAGES = ("ro", "en", "it", "nl", "hr", "lt")
QUESTIONS = ["s1q1", "s1q2", "s1q3", "s2q1", "s2q2", "s2q3"]

GOOD_CODEBOOK = """\
name: {ro: "Teme așteptate", en: "Expected themes"}
questions:
  s1q1:
    - id: funding
      title: {ro: "Finanțare", en: "Funding"}
      description: {ro: "Granturi și credite"}
      examples: {ro: ["micro-granturi rapide"]}
all:
  - id: other_ideas
    title: "Alte idei"
"""


def test_a_codebook_is_read_with_titles_per_language_and_shared_themes():
    codebook, warnings = parse_codebook(GOOD_CODEBOOK, "codebook.yaml", "ro", ["s1q1", "s2q1"])
    assert warnings == []
    assert [t.id for t in codebook.themes_for("s1q1")] == ["funding", "other_ideas"]
    assert [t.id for t in codebook.themes_for("s2q1")] == ["other_ideas"]
    funding = codebook.themes_for("s1q1")[0]
    assert funding.text("title", "en") == "Funding" and funding.text("title", "it") == "Funding"
    assert funding.texts("ro") == ["Finanțare", "Granturi și credite", "micro-granturi rapide"]
    assert codebook.everywhere[0].title == {"ro": "Alte idei"}       # a plain string is the lab's language
    assert codebook.name == {"ro": "Teme așteptate", "en": "Expected themes"}
    assert parse_codebook("name: Lista noastră\n" + GOOD_CODEBOOK.split("\n", 1)[1], "c.yaml", "ro",
                          ["s1q1"])[0].name == {"ro": "Lista noastră"}
    assert parse_codebook(GOOD_CODEBOOK.split("\n", 1)[1], "c.yaml", "ro", ["s1q1"])[0].name == {}


@pytest.mark.parametrize("text, line, message", [
    ("questions:\n  s1q1:\n    - id: funding\n      titel: Bani\n", 4, "unknown key 'titel'"),
    ("questions:\n  s1q1:\n    - id: Funding Ideas\n      title: Bani\n", 3, "not a short id"),
    ("questions:\n  s1q1:\n    - id: a\n      title: A\n    - id: a\n      title: B\n", 5, "appears twice"),
    ("questions:\n  s1q1:\n    - id: a\n", 3, "no usable title"),
    ("questions:\n  s9q9:\n    - id: a\n      title: A\n", 2, "'s9q9' is not in lab.yaml"),
    ("themes:\n  - id: a\n", 1, "unknown key 'themes'"),
    ("questions:\n  s1q1:\n    - id: a\n      title: A\nname: [x, y]\n", 5, "name must be text"),
    ("questions:\n  s1q1: [unclosed\n", 3, "not valid YAML"),
])
def test_codebook_mistakes_name_file_line_and_fix(text, line, message):
    with pytest.raises(HarvestError) as caught:
        parse_codebook(text, "lab/codebook.yaml", "ro", ["s1q1"])
    problem = next(p for p in caught.value.problems if message in p.problem)
    assert (problem.path, problem.line) == ("lab/codebook.yaml", line) and problem.fix


def test_the_shipped_ecoc_sme_codebook_covers_six_questions_in_six_languages():
    for language in LANGUAGES:
        codebook, warnings = load_codebook(ROOT / "codebooks" / "ecoc-sme.yaml", language, QUESTIONS)
        assert codebook is not None and warnings == []
        assert set(codebook.questions) == set(QUESTIONS) and language in codebook.name
        for themes in codebook.questions.values():
            assert len(themes) >= 4
            assert all(language in t.title and language in t.description for t in themes)


def test_a_lab_finds_its_codebook_by_name_or_its_own_file(tmp_path):
    assert codebook_path(tmp_path, None, ROOT) is None
    assert codebook_path(tmp_path, "ecoc-sme", ROOT) == ROOT / "codebooks" / "ecoc-sme.yaml"
    with pytest.raises(HarvestError, match="codebook 'nope' not found"):
        codebook_path(tmp_path, "nope", ROOT)
    (tmp_path / "codebook.yaml").write_text(GOOD_CODEBOOK, encoding="utf-8")
    assert codebook_path(tmp_path, "ecoc-sme", ROOT) == tmp_path / "codebook.yaml"


def test_harvest_check_validates_the_codebook(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    lab_dir = make_lab(tmp_path, {"a.csv": GOOD})
    (lab_dir / "codebook.yaml").write_text("questions:\n  s1q1:\n    - id: a\n      titel: A\n", encoding="utf-8")
    assert main(["check", str(lab_dir)]) == 2
    err = capsys.readouterr().err
    assert f"{lab_dir / 'codebook.yaml'}:4: unknown key 'titel'" in err and "Traceback" not in err
    (lab_dir / "codebook.yaml").write_text(GOOD_CODEBOOK, encoding="utf-8")
    assert main(["check", str(lab_dir)]) == 0


def test_notes_join_codebook_anchors_and_an_anchor_nobody_raised_stays_empty():
    X, y = blobs([12, 12, 12], dim=24, seed=3)
    centres = np.vstack([X[y == t].mean(axis=0) for t in range(3)])
    rng = np.random.default_rng(1)
    anchors = np.vstack([centres[:2] + 0.3 * rng.normal(size=(2, 24)) * 0.2, rng.normal(size=(1, 24))])
    model = make_clusterer(PARAMS["themes"]).fit(X, anchors=anchors)
    assert model.n_codebook_ == 3
    assert adjusted_rand_score(y[y < 2], model.labels_[y < 2]) == 1.0 and set(model.labels_[y < 2]) == {0, 1}
    assert not (model.labels_ == 2).any()                 # the random anchor: not raised
    assert (model.labels_[y == 2] >= 3).all()             # the third topic is discovered instead
    null = structureless_similarity(model.embedding_, np.random.RandomState(0), 200)
    labels, _ = assign_to_anchors(model.embedding_, model.space_.transform(anchors), 1.64, 10, null)
    assert set(labels[y == 2].tolist()) <= {-1, 2} and (labels[y == 2] == -1).mean() > 0.5


def test_codebook_titles_are_centred_on_their_own_mean_as_a_register():
    X, y = blobs([12, 12, 12, 12], dim=24, seed=7)
    centres = np.vstack([X[y == t].mean(axis=0) for t in range(4)])
    register = 3.0 * np.random.default_rng(2).normal(size=24)     # what every short title shares
    titles = centres + register
    model = make_clusterer(PARAMS["themes"]).fit(X, anchors=titles)
    assert np.allclose(model.space_.transform_register(titles), model.space_.transform_register(centres))
    assert adjusted_rand_score(y, model.labels_) == 1.0 and set(model.labels_) == {0, 1, 2, 3}
    null = structureless_similarity(model.embedding_, np.random.RandomState(0), 200)
    as_notes, _ = assign_to_anchors(model.embedding_, model.space_.transform(titles), 1.64, 10, null)
    assert (as_notes >= 0).mean() < 0.5                          # centred as the notes: the offset hides them


def test_codebook_themes_take_back_their_notes_from_a_mixed_discovered_theme():
    from pipeline.themes.anchors import compete

    X, y = blobs([10, 10, 10], dim=24, seed=8)
    starts = np.vstack([X[y == t].mean(axis=0) for t in range(2)])           # topics 0 and 1 are expected
    first = np.where(y == 2, 2, y)
    first[np.flatnonzero(y == 0)[:5]] = 2                 # the first pass left half of topic 0 to discovery
    mixed = X[first == 2].mean(axis=0)
    labels, centres = compete(X, first, starts / np.linalg.norm(starts, axis=1, keepdims=True),
                              np.vstack([starts, mixed]), 10)
    assert np.array_equal(labels, y)                      # topic 0 whole again; topic 2 stays discovered
    assert centres.shape == (3, 24)


def test_a_discovered_theme_below_the_minimum_size_is_dissolved_beside_codebook_themes():
    X, y = blobs([12, 12, 1], dim=24, seed=9)             # two expected topics and a stray note
    anchors = np.vstack([X[y == t].mean(axis=0) for t in range(2)])
    model = make_clusterer(PARAMS["themes"]).fit(X, anchors=anchors)
    assert model.n_themes_ == 2 and set(model.labels_[y < 2]) == {0, 1}
    assert not (model.labels_ >= 2).any()                # no theme of one note in the report


def test_a_group_of_notes_is_a_theme_only_when_it_holds_together_better_than_chance():
    from pipeline.themes.cluster import cohesion, incoherent

    X, y = blobs([12, 12, 12], dim=24, spread=0.5, seed=11)
    strays = np.random.default_rng(4).normal(size=(5, 24))      # five notes on five different things
    Z = np.vstack([X, strays / np.linalg.norm(strays, axis=1, keepdims=True)])
    rng = np.random.RandomState(0)
    topic, grab_bag = np.flatnonzero(y == 2)[:5], np.arange(36, 41)
    assert not incoherent(Z, topic, rng, 200, 0.95)
    assert incoherent(Z, grab_bag, rng, 200, 0.95)
    assert cohesion(Z, topic) > cohesion(Z, grab_bag)
    # All the notes: nothing to compare them with.
    assert not incoherent(Z, np.arange(len(Z)), rng, 200, 0.95)


def test_evaluate_with_a_codebook_predicts_its_ids(tmp_path, capsys, monkeypatch):
    csv = tmp_path / "labelled.csv"
    csv.write_text("text,label\n" + "".join(f'"{t}",{k}\n' for k, ts in TOPICS.items() for t in ts), encoding="utf-8")
    codebook = tmp_path / "cb.yaml"
    codebook.write_text("all:\n  - id: finantare\n    title: Finanțare și granturi\n"
                        "  - id: spatii\n    title: Spații de lucru și ateliere\n"
                        "  - id: pandemie\n    title: Efectele pandemiei\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["evaluate", str(csv), "--codebook", str(codebook), "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)
    assert scores["codebook_rate"] >= 0.7 and scores["ari"] >= 0.6
    (tmp_path / "q.yaml").write_text(GOOD_CODEBOOK.split("all:")[0], encoding="utf-8")
    assert main(["evaluate", str(csv), "--codebook", str(tmp_path / "q.yaml")]) == 2
    assert "has none" in capsys.readouterr().err


def test_new_labs_reference_the_ecoc_sme_codebook(tmp_path):
    from pipeline.lab import load_lab
    from pipeline.newlab import new_lab

    (tmp_path / "params.yaml").write_text("labs:\n  - x\n", encoding="utf-8")
    lab_dir = new_lab("kaunas-2021-03-15", "Kaunas", "2021-03-15", "lt", tmp_path)
    lab = load_lab(lab_dir)
    assert lab.meta["codebook"] == "ecoc-sme"
    codebook, _ = load_codebook(codebook_path(lab_dir, lab.meta["codebook"], ROOT), "lt", [q.id for q in lab.questions])
    assert codebook is not None and codebook.themes_for("s1q1")


def test_sample_lab_json_carries_the_codebook_name(tmp_path: Path):
    from pipeline.lab import load_lab

    lab = load_lab(ROOT / "data" / "raw" / "timisoara-2020-10-20")
    assert lab.to_dict()["codebook"] == "ecoc-sme"


def test_a_discovered_theme_joins_at_the_join_level_and_the_whole_rest_joins_nothing():
    from pipeline.themes.anchors import join_anchors

    anchors = np.eye(4)[:2]                                # two codebook centres
    Z = np.vstack([np.eye(4)[[0, 2, 3]]] * 2)              # the rest: six notes
    found = np.array([0, 1, 1, 0, 1, 1])
    centres = np.array([[0.5, 0.0, 0.0, np.sqrt(0.75)],    # z 1.0 toward the first codebook theme
                        [0.0, 0.1, 0.7, 0.7]])             # near neither
    null = (0.0, 0.5)
    labels, kept = join_anchors(Z, found, centres, anchors, null, 0.84)
    assert labels.tolist() == [-2, 0, 0, -2, 0, 0]         # theme 0 joins codebook theme 0 (0 - 2 anchors)
    assert len(kept) == 1
    labels, kept = join_anchors(Z, found, centres, anchors, null, 1.64)     # the notes' level: nothing joins
    assert labels.tolist() == [0, 1, 1, 0, 1, 1] and len(kept) == 2
    whole = np.zeros(6, dtype=int)                         # discovery found no structure: one theme of all
    labels, kept = join_anchors(Z, whole, centres[:1], anchors, null, 0.84)
    assert labels.tolist() == [0] * 6 and len(kept) == 1


def test_topic_names_as_a_codebook_keep_the_topics_the_first_pass_left_whole(tmp_path, monkeypatch):
    """The seven topic names of benchmarks/topics7 as a codebook for its Croatian texts: the notes the first
    pass left form discovered themes of those topics, which must join them (at the notes' own level, ARI
    0.43 and 14 themes; joined, 0.62 and 8)."""
    from pipeline.evaluate import evaluate_csv

    params = {**PARAMS, "embed": {**PARAMS["embed"], "cache_dir": str(tmp_path / "cache")}}
    topics, names = ROOT / "benchmarks" / "topics7" / "hr.csv", ROOT / "benchmarks" / "codebooks" / "topics7.yaml"
    monkeypatch.chdir(tmp_path)
    joined = evaluate_csv(topics, "text", "label", "hr", params, names)
    assert joined["ari"] >= 0.55 and joined["n_themes"] <= 10
    strict = {**params, "themes": {**params["themes"], "codebook_join_z": params["themes"]["codebook_min_z"]}}
    kept_apart = evaluate_csv(topics, "text", "label", "hr", strict, names)
    assert joined["ari"] - kept_apart["ari"] >= 0.1 and kept_apart["n_themes"] > joined["n_themes"]


def test_a_codebooks_personal_data_is_redacted_like_the_notes():
    """A lab's own codebook.yaml carried a listed name, a phone and an e-mail verbatim into themes.json,
    the spreadsheets and every report."""
    from pipeline.themes.codebook import redacted_codebook

    text = ("name: 'Tema lui Ana Popescu 0722 123 456'\nquestions:\n  s1q1:\n    - id: funding\n"
            "      title: {ro: 'Finanțare, Ana Popescu tel 0722 123 456', en: 'Funding: ana.popescu@gmail.com'}\n"
            "      description: {ro: 'Scrieți la ana.popescu@gmail.com'}\n"
            "      examples: {ro: ['Sunați-o pe Ana Popescu']}\n")
    codebook, _ = parse_codebook(text, "codebook.yaml", "ro", ["s1q1"])
    clean = redacted_codebook(codebook, ("Ana Popescu",), "ro")
    theme = clean.themes_for("s1q1")[0]
    written = json.dumps([clean.name, theme.title, theme.description, theme.examples], ensure_ascii=False)
    for personal in ("Popescu", "0722", "ana.popescu@gmail.com"):
        assert personal not in written
    assert theme.id == "funding" and "[telefon]" in theme.title["ro"] and "[email]" in theme.title["en"]
    assert redacted_codebook(None, ("Ana Popescu",), "ro") is None
