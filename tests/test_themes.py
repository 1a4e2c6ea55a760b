import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from pipeline.clean import clean_notes
from pipeline.embed import embed_texts, make_embedder
from pipeline.errors import HarvestError
from pipeline.ingest import read_lab_notes
from pipeline.params import load_params
from pipeline.themes import (
    STATUS_ASSIGNED,
    UNASSIGNED,
    ThemeClusterer,
    build_themes,
    class_tfidf_keywords,
    make_clusterer,
    representative_quotes,
)
from tests.conftest import ROOT, SAMPLE_LAB

PARAMS = load_params(ROOT / "params.yaml")


def blobs(sizes, dim=24, spread=0.15, seed=0):
    """Unit vectors around well separated random directions, one group per size."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(len(sizes), dim))
    X = np.vstack([c + spread * rng.normal(size=(n, dim)) * np.linalg.norm(c)
                   for c, n in zip(centres, sizes, strict=True)])
    y = np.repeat(np.arange(len(sizes)), sizes)
    return X / np.linalg.norm(X, axis=1, keepdims=True), y


def test_recovers_separated_themes_without_being_told_how_many():
    X, y = blobs([12, 10, 9])
    model = make_clusterer(PARAMS["themes"]).fit(X)
    assert model.n_themes_ == 3
    assert adjusted_rand_score(y, model.labels_) == 1.0
    assert (model.labels_ == UNASSIGNED).mean() <= PARAMS["themes"]["max_unassigned"]


def test_large_input_finds_more_themes_and_numbers_them_by_size():
    X, y = blobs([60, 50, 40, 30, 20], dim=48, seed=3)
    model = make_clusterer(PARAMS["themes"]).fit(X)
    assert model.n_themes_ == 5 and normalized_mutual_info_score(y, model.labels_) > 0.9
    sizes = [int((model.labels_ == t).sum()) for t in range(model.n_themes_)]
    assert sizes == sorted(sizes, reverse=True)


@pytest.mark.parametrize("n", [0, 1, 2, 5])
def test_tiny_questions_give_at_most_one_theme_and_keep_every_note(n):
    X, _ = blobs([n]) if n else (np.zeros((0, 24)), None)
    model = ThemeClusterer(random_state=0).fit(X)
    assert model.n_themes_ == (1 if n else 0)
    assert list(model.status_) == [STATUS_ASSIGNED] * n and list(model.labels_) == [0] * n


def test_same_seed_same_themes_and_estimator_rules():
    X, _ = blobs([15, 15, 15], spread=0.6, seed=1)
    model = ThemeClusterer(random_state=7)
    assert clone(model).get_params() == model.get_params()
    assert not hasattr(model, "labels_")                  # __init__ only stores its arguments
    assert np.array_equal(model.fit(X).labels_, ThemeClusterer(random_state=7).fit(X).labels_)


def test_rejects_non_matrix_input_and_missing_params():
    with pytest.raises(ValueError, match="2-D"):
        ThemeClusterer().fit(np.zeros(5))
    with pytest.raises(HarvestError, match="themes: missing"):
        make_clusterer({"random_state": 0})


def test_class_tfidf_keywords_are_specific_to_their_theme():
    docs = ["finantare grant artist", "grant finantare mic", "spatiu atelier chirie", "spatiu chirie centru"]
    keywords = class_tfidf_keywords(docs, np.array([0, 0, 1, 1]), 2)
    assert set(keywords[0]) == {"finantare", "grant"} and set(keywords[1]) == {"spatiu", "chirie"}


def test_quotes_come_from_different_tables_first():
    sims = np.array([0.9, 0.8, 0.7, 0.1])
    assert representative_quotes(sims, ["A", "A", "B", "B"], np.arange(4), 2) == [0, 2]


def test_sample_lab_themes_are_sane_stable_and_agree_with_gold():
    lab, raw, _ = read_lab_notes(SAMPLE_LAB, ["csv"])
    clean, _ = clean_notes(raw, "ro", PARAMS["clean"])
    vectors, _ = embed_texts(clean["text"].tolist(), make_embedder(PARAMS["embed"], "ro")[0], None)
    themes, assignments, metrics = build_themes(clean, vectors, "ro", [q.id for q in lab.questions],
                                                PARAMS["themes"])
    assert set(assignments["note_id"]) == set(clean["note_id"])
    for qid, m in metrics.items():
        assert 2 <= m["n_themes"] <= 6, qid
        assert m["unassigned_rate"] <= 0.1
    assert np.mean([m["stability_ari"] for m in metrics.values()]) >= 0.9   # measured 0.96
    for theme in themes.to_dict("records"):
        assert theme["title"] and len(theme["keywords"]) >= 2 and 1 <= len(theme["quotes"]) <= 3
        assert len(set(theme["keywords"])) == len(theme["keywords"])
    gold = pd.read_csv(SAMPLE_LAB / "gold_themes.csv")
    gold_of = {f"{lab.id}/{f}:{line}": t for f, line, t in gold.itertuples(index=False)}
    merged = clean.merge(assignments, on=["note_id", "question"])
    merged["gold"] = [gold_of[ids.split("|")[0].split("#")[0]] for ids in merged["source_ids"]]
    nmi = [normalized_mutual_info_score(g["gold"], g["theme_id"]) for _, g in merged.groupby("question")]
    assert np.mean(nmi) >= 0.25                            # measured 0.32 with the e5 backend


def test_pair_agreement_equals_sklearn_adjusted_rand_index():
    from pipeline.themes import pair_agreement

    rng = np.random.default_rng(5)
    for n, k in [(2, 2), (10, 3), (200, 7), (50, 1)]:
        a, b = rng.integers(0, k, n), rng.integers(0, k, n)
        assert pair_agreement(a, b) == pytest.approx(adjusted_rand_score(a, b))
        assert pair_agreement(a, a) == pytest.approx(1.0)
    assert pair_agreement(np.array([0, 1, 2]), np.array([5, 6, 7])) == pytest.approx(1.0)
