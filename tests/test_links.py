from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from pipeline.coverage import theme_coverage, travelled
from pipeline.links import LINK_COLUMNS, chance_strength, supporting_pairs, theme_links
from pipeline.params import LinksParams
from pipeline.vectors import unit_rows

PARAMS = LinksParams(min_strength=0.2, within_session=False, max_links_per_theme=3, supporting_pairs=2,
                     null_draws=200, null_quantile=0.95, random_state=0)


def test_coverage_counts_every_table_and_round_of_merged_notes():
    notes = pd.DataFrame({"note_id": ["n1", "n2", "n3"], "source_groups": [["A", "B"], ["A"], ["B"]],
                          "source_rounds": [[1, 2], [2], [3]]})
    assignments = pd.DataFrame({"note_id": ["n1", "n2", "n3"], "question": "s1q1", "theme_id": ["t1", "t1", ""]})
    coverage = theme_coverage(notes, assignments)
    assert coverage.to_dict("records") == [
        {"question": "s1q1", "theme_id": "t1", "group": "A", "round": 1, "notes": 1},
        {"question": "s1q1", "theme_id": "t1", "group": "A", "round": 2, "notes": 1},
        {"question": "s1q1", "theme_id": "t1", "group": "B", "round": 2, "notes": 1}]
    assert travelled(coverage)[["theme_id", "rounds", "groups"]].to_dict("records") == [
        {"theme_id": "t1", "rounds": 2, "groups": 2}]
    with pytest.raises(ValueError, match="re-run the clean stage"):
        theme_coverage(notes.drop(columns="source_groups"), assignments)


def synthetic():
    """Four themes, two per session; s1 'grants' and s2 'emergency funds' share a direction."""
    rng = np.random.default_rng(0)
    dirs = rng.normal(size=(3, 32))
    topics = {"s1q1~a:1": dirs[0], "s1q1~a:4": dirs[1], "s2q1~b:1": dirs[0] + 0.3 * dirs[2], "s2q1~b:4": dirs[2]}
    rows, vectors = [], []
    for theme, direction in topics.items():
        for k in range(3):
            rows.append({"note_id": f"{theme}#{k}", "theme_id": theme, "question": theme[:4]})
            vectors.append(direction + 0.2 * rng.normal(size=32))
    notes = pd.DataFrame(rows)[["note_id"]]
    assignments = pd.DataFrame(rows)
    themes = pd.DataFrame([{"theme_id": t, "question": t[:4], "session": t[:2], "title": t, "relevant": True}
                           for t in topics])
    return notes, np.array(vectors), themes, assignments


def test_links_join_themes_of_different_sessions_with_evidence():
    notes, vectors, themes, assignments = synthetic()
    links = theme_links(notes, vectors, themes, assignments, PARAMS)
    top = links.iloc[0]
    assert (top["theme_a"], top["theme_b"]) == ("s1q1~a:1", "s2q1~b:1") and top["strength"] > 0.5
    assert len(top["support_a"]) == 2 and all(s.startswith("s1q1~a:1#") for s in top["support_a"])
    assert not ((links["question_a"] == links["question_b"]).any())


def test_not_relevant_themes_and_weak_pairs_are_left_out():
    notes, vectors, themes, assignments = synthetic()
    themes.loc[themes["theme_id"] == "s2q1~b:1", "relevant"] = False
    links = theme_links(notes, vectors, themes, assignments, replace(PARAMS, min_strength=0.5))
    assert "s2q1~b:1" not in set(links["theme_a"]) | set(links["theme_b"])
    assert (links["strength"] >= 0.5).all()


def test_codebook_themes_nobody_raised_are_never_linked():
    notes, vectors, themes, assignments = synthetic()
    assert "s2q1~b:1" in set(theme_links(notes, vectors, themes, assignments, PARAMS)["theme_b"])
    themes["status"] = ["raised", "raised", "not raised", "raised"]          # s2q1~b:1: an empty codebook theme
    links = theme_links(notes, vectors, themes, assignments, PARAMS)
    assert "s2q1~b:1" not in set(links["theme_a"]) | set(links["theme_b"])


def test_each_supporting_note_is_used_once_per_link():
    notes, vectors, themes, assignments = synthetic()
    top = theme_links(notes, vectors, themes, assignments, replace(PARAMS, supporting_pairs=3)).iloc[0]
    for side in ("support_a", "support_b"):
        ids = top[side]
        assert len(ids) == 3 and len(set(ids)) == 3


def test_a_theme_keeps_only_its_strongest_links_up_to_the_cap():
    """s1 'grants' is close to two s2 themes; with a cap of one link per theme only the stronger stays."""
    rng = np.random.default_rng(1)
    grants, other, noise = rng.normal(size=(3, 32))
    topics = {"s1q1~a:1": grants, "s1q1~a:4": other, "s2q1~b:1": grants + 0.2 * noise,
              "s2q2~c:1": grants + 0.6 * noise, "s2q2~c:4": -grants}
    rows, vectors = [], []
    for theme, direction in topics.items():
        for k in range(4):
            rows.append({"note_id": f"{theme}#{k}", "theme_id": theme, "question": theme[:4]})
            vectors.append(direction + 0.2 * rng.normal(size=32))
    notes, assignments = pd.DataFrame(rows)[["note_id"]], pd.DataFrame(rows)
    themes = pd.DataFrame([{"theme_id": t, "question": t[:4], "session": t[:2], "title": t, "relevant": True}
                           for t in topics])
    loose = theme_links(notes, np.array(vectors), themes, assignments, replace(PARAMS, max_links_per_theme=3))
    grants_links = loose[(loose["theme_a"] == "s1q1~a:1") | (loose["theme_b"] == "s1q1~a:1")]
    assert len(grants_links) == 2
    capped = theme_links(notes, np.array(vectors), themes, assignments, replace(PARAMS, max_links_per_theme=1))
    kept = capped[(capped["theme_a"] == "s1q1~a:1") | (capped["theme_b"] == "s1q1~a:1")]
    assert kept[["theme_a", "theme_b"]].values.tolist() == [["s1q1~a:1", "s2q1~b:1"]]
    counts = pd.concat([capped["theme_a"], capped["theme_b"]]).value_counts()
    assert (counts <= 1).all()


def test_links_must_beat_random_themes_of_the_same_sizes():
    """Notes without theme structure: pairs clear a low floor but not what random pseudo-themes reach."""
    rng = np.random.default_rng(2)
    shared = rng.normal(size=32)
    rows, vectors = [], []
    for question in ("s1q1", "s2q1"):
        for t in range(3):
            for k in range(4):
                rows.append({"note_id": f"{question}~{t}#{k}", "theme_id": f"{question}~{t}", "question": question})
                vectors.append(shared + rng.normal(size=32))     # both questions alike, themes random
    notes, assignments = pd.DataFrame(rows)[["note_id"]], pd.DataFrame(rows)
    themes = pd.DataFrame([{"theme_id": t, "question": t[:4], "session": t[:2], "title": t, "relevant": True}
                           for t in assignments["theme_id"].unique()])
    vectors = np.vstack([np.array(vectors), -np.array(vectors)])[: len(rows)]
    params = replace(PARAMS, min_strength=-1.0)
    uncalibrated = theme_links(notes, vectors, themes, assignments, replace(params, null_quantile=0.0))
    calibrated = theme_links(notes, vectors, themes, assignments, params)
    assert len(uncalibrated) > len(calibrated)
    assert (calibrated["strength"] > calibrated["threshold"]).all()
    structured = theme_links(*synthetic(), params)
    assert ("s1q1~a:1", "s2q1~b:1") in set(zip(structured["theme_a"], structured["theme_b"], strict=True))


# Pairs of unrelated themes reach about 0.3 once the lab's mean is removed; the fan's links are 0.40-0.90.
# null_quantile 0: the calibration against random themes (tested above) keeps every pair stronger than chance's floor.
FAN = replace(PARAMS, min_strength=0.35, null_quantile=0.0)


def fan(hub="s1q1", spokes="s2q1"):
    """Theme A (of `hub`) is close to three `spokes` themes (B1 closest, B3 farthest); C, D and E point elsewhere."""
    rng = np.random.default_rng(7)
    d = rng.normal(size=(7, 32))
    h, o = hub[:2], spokes[:2]
    topics = {f"{hub}~A": (h, d[0]), f"{hub}~C": (h, d[1]), f"{h}q2~E": (h, d[1] + 0.3 * d[6]),
              f"{spokes}~B1": (o, d[0] + 0.3 * d[2]), f"{spokes}~B2": (o, d[0] + 0.6 * d[3]),
              f"{spokes}~B3": (o, d[0] + 0.9 * d[4]), f"{spokes}~D": (o, d[5])}
    rows, vectors = [], []
    for theme, (_, direction) in topics.items():
        for k in range(3):
            rows.append({"note_id": f"{theme}#{k}", "theme_id": theme, "question": theme[:4]})
            vectors.append(direction + 0.1 * rng.normal(size=32))
    themes = pd.DataFrame([{"theme_id": t, "question": t[:4], "session": s, "title": f"title {t}"}
                           for t, (s, _) in topics.items()])      # no 'relevant' column: every theme counts
    return pd.DataFrame(rows)[["note_id"]], np.array(vectors), themes, pd.DataFrame(rows)


def expected_strength(vectors, assignments, a, b):
    """The cosine of the two themes' centres once the lab's mean vector is removed (the module's definition)."""
    centred = unit_rows(vectors - vectors.mean(axis=0, keepdims=True))
    means = [unit_rows(centred[(assignments["theme_id"] == t).to_numpy()].mean(axis=0, keepdims=True))[0]
             for t in (a, b)]
    return float(means[0] @ means[1])


def test_each_link_is_the_centre_similarity_with_its_own_questions_titles_and_best_pairs():
    notes, vectors, themes, assignments = fan()
    links = theme_links(notes, vectors, themes, assignments, replace(FAN, max_links_per_theme=9))
    assert list(links.columns) == LINK_COLUMNS
    assert [(r.theme_a, r.theme_b) for r in links.itertuples()] == [("s1q1~A", "s2q1~B1"), ("s1q1~A", "s2q1~B2"),
                                                                    ("s1q1~A", "s2q1~B3")]
    assert links["strength"].is_monotonic_decreasing
    for link in links.to_dict("records"):
        a, b = link["theme_a"], link["theme_b"]
        assert link["strength"] == round(expected_strength(vectors, assignments, a, b), 4)
        assert link["strength"] > link["threshold"]
        assert (link["question_a"], link["title_a"], link["question_b"], link["title_b"]) == \
            (a[:4], f"title {a}", b[:4], f"title {b}")
        assert all(s.startswith(a + "#") for s in link["support_a"]) and len(link["support_a"]) == 2
        assert all(s.startswith(b + "#") for s in link["support_b"]) and len(link["support_b"]) == 2
        similarities = link["support_similarity"]
        assert similarities == sorted(similarities, reverse=True) and similarities[0] > 0


def test_a_theme_keeps_only_its_strongest_links():
    notes, vectors, themes, assignments = fan()
    for cap, kept in [(1, ["s2q1~B1"]), (2, ["s2q1~B1", "s2q1~B2"])]:
        links = theme_links(notes, vectors, themes, assignments, replace(FAN, max_links_per_theme=cap))
        assert list(links["theme_b"]) == kept and set(links["theme_a"]) == {"s1q1~A"}


def test_the_cap_holds_for_the_second_theme_of_a_link_too():
    # Themes are paired in the themes table's order: listed last, the hub is every link's theme_b.
    notes, vectors, themes, assignments = fan(hub="s2q1", spokes="s1q1")
    themes = themes.iloc[::-1].reset_index(drop=True)
    for cap, kept in [(1, ["s1q1~B1"]), (2, ["s1q1~B1", "s1q1~B2"])]:
        links = theme_links(notes, vectors, themes, assignments, replace(FAN, max_links_per_theme=cap))
        assert list(links["theme_a"]) == kept and set(links["theme_b"]) == {"s2q1~A"}


def test_a_link_at_exactly_the_minimum_strength_is_kept():
    notes, vectors, themes, assignments = fan()
    weakest = expected_strength(vectors, assignments, "s1q1~A", "s2q1~B3")
    links = theme_links(notes, vectors, themes, assignments, replace(FAN, min_strength=weakest,
                                                                     max_links_per_theme=9))
    assert "s2q1~B3" in set(links["theme_b"])
    links = theme_links(notes, vectors, themes, assignments, replace(FAN, min_strength=weakest + 1e-6,
                                                                     max_links_per_theme=9))
    assert "s2q1~B3" not in set(links["theme_b"])


def test_questions_of_one_session_link_only_when_asked():
    notes, vectors, themes, assignments = fan()
    pairs = {(r.theme_a, r.theme_b) for r in theme_links(notes, vectors, themes, assignments,
                                                         replace(FAN, within_session=True)).itertuples()}
    assert ("s1q1~C", "s1q2~E") in pairs
    pairs = {(r.theme_a, r.theme_b) for r in theme_links(notes, vectors, themes, assignments, FAN).itertuples()}
    assert ("s1q1~C", "s1q2~E") not in pairs


def test_no_themes_no_links_but_the_columns():
    notes, vectors, _, assignments = fan()
    assert list(theme_links(notes, vectors, pd.DataFrame(), assignments, FAN).columns) == LINK_COLUMNS


def test_chance_strength_of_whole_pools_is_the_cosine_of_their_means():
    # Drawing every note of each pool (no note twice) always gives the pools' own means; norms below 1 and unequal.
    pool_a = np.array([[0.2, 0.0], [0.0, 0.2]])
    pool_b = np.array([[0.3, 0.0], [0.3, 0.2]])
    rng = np.random.default_rng(0)
    low = chance_strength(pool_a, pool_b, 2, 2, draws=50, quantile=0.0, rng=rng)
    high = chance_strength(pool_a, pool_b, 2, 2, draws=50, quantile=1.0, rng=rng)
    assert low == pytest.approx(0.04 / (np.hypot(0.1, 0.1) * np.hypot(0.3, 0.1)))
    assert high == pytest.approx(low)


def test_supporting_pairs_break_ties_by_position():
    sims = np.round(np.random.default_rng(0).random((20, 20)), 1)  # many equal similarities
    ranked = sorted((-sims[p, q], p, q) for p in range(20) for q in range(20))
    expected: list[tuple[int, int]] = []
    for _, p, q in ranked:
        if all(p != r and q != c for r, c in expected):
            expected.append((p, q))
    assert supporting_pairs(sims, 20) == expected
