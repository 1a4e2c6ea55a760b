import numpy as np
import pandas as pd
import pytest

from pipeline.coverage import theme_coverage, travelled
from pipeline.links import theme_links

PARAMS = {"min_strength": 0.2, "within_session": False, "max_links_per_theme": 3, "supporting_pairs": 2}


def test_coverage_counts_every_table_and_round_of_merged_notes():
    notes = pd.DataFrame({"note_id": ["n1", "n2", "n3"], "source_groups": ["A|B", "A", "B"],
                          "source_rounds": ["1|2", "2", "3"]})
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
    assert len(top["support_a"].split("|")) == 2 and all(s.startswith("s1q1~a:1#") for s in top["support_a"].split("|"))
    assert not ((links["question_a"] == links["question_b"]).any())


def test_not_relevant_themes_and_weak_pairs_are_left_out():
    notes, vectors, themes, assignments = synthetic()
    themes.loc[themes["theme_id"] == "s2q1~b:1", "relevant"] = False
    links = theme_links(notes, vectors, themes, assignments, {**PARAMS, "min_strength": 0.5})
    assert "s2q1~b:1" not in set(links["theme_a"]) | set(links["theme_b"])
    assert (links["strength"] >= 0.5).all()
