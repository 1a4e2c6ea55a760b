"""Theme edits: every kind does exactly what it says, every analyst mistake is named, nothing lands elsewhere."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline import ids
from pipeline.edits import APPLIED, SKIPPED, EditApplier, parse_edits, plan_edits
from pipeline.errors import HarvestError
from pipeline.params import load_params
from pipeline.themes import STATUS_AMBIGUOUS, STATUS_EXCLUDED, themes_for_question, unassigned_rate
from tests.conftest import ROOT

PARAMS = load_params(ROOT / "params.yaml")
FAST = {**PARAMS["themes"], "n_bootstrap": 4, "stability_seeds": 2}        # clear topics need no long search
LAB = "lab"
TOPICS = {  # three clear topics of one question; each note is a topic phrase and a word of its own
    "spatii": "spații ieftine pentru ateliere și chirii mici",
    "bani": "granturi și finanțare pentru firme culturale",
    "public": "festivaluri cu public numeros în parcuri",
}
WORDS = ["unu", "doi", "trei", "patru", "cinci", "șase", "șapte", "opt"]


def synthetic(question: str = "s1q1", per_topic: int = 8, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Clean notes of one question in three topics, with vectors along one axis per topic."""
    rng = np.random.RandomState(seed)
    rows, vectors = [], []
    for t, (topic, phrase) in enumerate(TOPICS.items()):
        for k in range(per_topic):
            rows.append({"question": question, "text": f"{phrase} {WORDS[k]}", "topic": topic,
                         "file": "a.csv", "line": len(rows) + 2})
            vectors.append(np.eye(8)[t] + 0.05 * rng.randn(8))
    notes = pd.DataFrame(rows)
    notes["note_id"] = ids.raw_note_ids(LAB, [ids.RawNote(question, r["text"], r["file"]) for r in rows])
    notes = notes.assign(session="s1", group=["A", "B"] * (len(notes) // 2), round=1, count=1,
                         lemmas=notes["text"], source_ids=[[n] for n in notes["note_id"]],
                         provenance=[[ids.provenance(f, ln)]
                                     for f, ln in zip(notes["file"], notes["line"], strict=True)])
    v = np.vstack(vectors)
    return notes, v / np.linalg.norm(v, axis=1, keepdims=True)


NOTES, VECTORS = synthetic()


def note(topic: str, k: int = 0, notes: pd.DataFrame = NOTES) -> str:
    """The short id of the k-th note of a topic."""
    return ids.short(notes[notes["topic"] == topic]["note_id"].iloc[k])


def run(edits_text: str, notes: pd.DataFrame = NOTES, vectors: np.ndarray = VECTORS, params=None):
    """Validate and apply an edits text to one question, as the themes stage does."""
    editor = EditApplier.for_notes(parse_edits(edits_text), notes, LAB, "theme_edits.yaml")
    rows, assigned, metrics = themes_for_question(notes.reset_index(drop=True), vectors, "ro",
                                                  params or FAST, editor)
    return pd.DataFrame(rows), assigned.set_index("note_id"), metrics, editor


def theme_of(assigned: pd.DataFrame, short_id: str) -> str:
    return assigned.loc[ids.full(LAB, short_id), "theme_id"]


def messages(edits_text: str, notes: pd.DataFrame = NOTES) -> list[str]:
    return [str(p) for p in plan_edits(parse_edits(edits_text), notes, LAB, "theme_edits.yaml").problems]


# --- every kind ------------------------------------------------------------------------------------------------

def test_machine_themes_are_the_three_topics():
    themes, assigned, metrics, _ = run("")
    assert len(themes) == 3 and metrics["unassigned_rate"] == 0.0
    for topic in TOPICS:
        assert assigned.loc[NOTES.loc[NOTES["topic"] == topic, "note_id"], "theme_id"].nunique() == 1


def test_rename_pin_and_not_relevant():
    edits = (f"rename:\n  - theme: {note('bani', 3)}\n    title: Bani pentru cultură\n"
             f"pin:\n  - note: {note('bani', 5)}\n"
             f"not_relevant:\n  - theme: s1q1~{note('public', 2)}\n")
    themes, assigned, _, editor = run(edits)
    by_id = themes.set_index("theme_id")
    bani = by_id.loc[theme_of(assigned, note("bani"))]
    assert bani["title"] == "Bani pentru cultură" and "renamed" in bani["edits"]
    assert bani["quotes"][0]["note_id"] == ids.full(LAB, note("bani", 5)) and bani["quotes"][0]["pinned"]
    assert sum(q["pinned"] for q in bani["quotes"]) == 1
    public = by_id.loc[theme_of(assigned, note("public"))]
    assert not public["relevant"] and themes["theme_id"].iloc[-1] == public.name      # set aside, listed last
    assert by_id.loc[theme_of(assigned, note("spatii")), "relevant"]
    assert set(editor.log()["outcome"]) == {APPLIED}


def test_an_analysts_title_can_carry_its_english_for_english_reports():
    from pipeline.report.markup import translations
    from pipeline.report.view import Texts, theme_title

    edits = (f"rename:\n  - theme: {note('bani', 3)}\n    title: Bani pentru cultură\n    title_en: Money for culture\n"
             f"merge:\n  - themes: [{note('public')}, {note('spatii')}]\n    title: Public și spații\n")
    themes, assigned, _, editor = run(edits)
    by_id = themes.set_index("theme_id")
    bani, merged = by_id.loc[theme_of(assigned, note("bani"))], by_id.loc[theme_of(assigned, note("public"))]
    assert bani["title"] == "Bani pentru cultură" and bani["titles"] == {"ro": "Bani pentru cultură",
                                                                         "en": "Money for culture"}
    assert merged["titles"] == {}                       # no English given: the English report marks it "ro"
    english = Texts(translations("en"), "en", "ro", {}, {})
    assert theme_title(dict(bani), english) == {"text": "Money for culture", "lang": "en", "mark": ""}
    assert theme_title(dict(merged), english)["text"] == "Public și spații"
    assert any("title_en: Money for culture" in e for e in editor.log()["edit"])     # the log shows it as written


def test_merge_split_and_moves():
    spatii_a, spatii_b = note("spatii", 0), note("spatii", 4)
    edits = (f"merge:\n  - themes: [{note('bani')}, {note('public')}]\n    title: Bani și public\n"
             f"split:\n  - theme: {spatii_a}\n    seeds: [{spatii_a}, {spatii_b}]\n"
             f"move:\n  - note: {note('bani', 7)}\n    to: {spatii_a}\n  - note: {note('public', 7)}\n    to: none\n")
    themes, assigned, metrics, editor = run(edits)
    merged = theme_of(assigned, note("bani"))
    others = [ids.full(LAB, note(t, k)) for t in ("bani", "public") for k in range(7)]
    assert set(assigned.loc[others, "theme_id"]) == {merged}
    assert themes.set_index("theme_id").loc[merged, "title"] == "Bani și public"
    assert theme_of(assigned, spatii_a) != theme_of(assigned, spatii_b)              # split at the two seeds
    spatii = [ids.full(LAB, note("spatii", k)) for k in range(8)]
    assert set(assigned.loc[spatii, "theme_id"]) == {theme_of(assigned, spatii_a), theme_of(assigned, spatii_b)}
    assert theme_of(assigned, note("bani", 7)) == theme_of(assigned, spatii_a)         # moved in
    excluded = ids.full(LAB, note("public", 7))
    assert assigned.loc[excluded, "theme_id"] == "" and assigned.loc[excluded, "status"] == STATUS_EXCLUDED
    # An excluded note is neither "none fits" nor counted as unassigned; the theme it left is marked.
    assert metrics["unassigned_rate"] == 0.0 and metrics["excluded"] == 1
    assert unassigned_rate(assigned.reset_index()) == 0.0
    assert "note moved out" in themes.set_index("theme_id").loc[merged, "edits"]
    assert list(editor.log()["outcome"]) == [APPLIED] * 4


def test_ambiguous_status_stays_apart_from_excluded():
    notes, vectors = synthetic(per_topic=8)
    vectors = vectors.copy()
    between = notes.index[(notes["topic"] == "spatii")][0]
    vectors[between] = (np.eye(8)[0] + np.eye(8)[1]) / np.sqrt(2)                      # halfway between two themes
    params = {**FAST, "min_margin": 0.2}
    _, assigned, metrics, _ = run("", notes, vectors, params)
    row = assigned.loc[notes.loc[between, "note_id"]]
    assert row["status"] == STATUS_AMBIGUOUS and row["theme_id"] == "" and row["secondary_theme_id"] != ""
    assert metrics["unassigned_rate"] == pytest.approx(1 / len(notes), abs=1e-4)


# --- analyst mistakes, each named with its line ----------------------------------------------------------------

def test_duplicate_block_is_refused():
    text = f"move:\n  - note: {note('bani')}\n    to: none\nmove:\n  - note: {note('public')}\n    to: none\n"
    with pytest.raises(HarvestError) as exc:
        parse_edits(text)
    assert "theme_edits.yaml:4: duplicate key 'move'" in str(exc.value) and " — " in str(exc.value)


def test_unknown_key_is_named_with_the_known_ones():
    with pytest.raises(HarvestError) as exc:
        parse_edits(f"rename:\n  - theme: {note('bani')}\n    titel: Bani\n")
    assert "theme_edits.yaml:3: rename: unknown key 'titel' — use only: theme, title" in str(exc.value)


def test_malformed_edits_file_is_an_error_with_lines():
    with pytest.raises(HarvestError) as exc:
        parse_edits("rename:\n  - theme: s1q1~n1\nrecolor:\n  - theme: x\nmerge:\n  - themes: [a]\n")
    found = [str(p) for p in exc.value.problems]
    assert any(m.startswith("theme_edits.yaml:2: rename edit without title") for m in found)
    assert any(m.startswith("theme_edits.yaml:3: unknown edit kind 'recolor'") for m in found)
    assert any("merge needs a list of at least 2 themes" in m for m in found)


def test_theme_id_with_the_wrong_question_is_an_error():
    found = messages(f"rename:\n  - theme: s2q1~{note('bani')}\n    title: X\n")
    assert found == [f"theme_edits.yaml:2: rename: theme id 's2q1~{note('bani')}' says question 's2q1', but its "
                     f"note is in 's1q1' — write s1q1~{note('bani')}, or name a note of s2q1"]


def test_references_across_questions_are_an_error():
    other, _ = synthetic("s2q1")
    both = pd.concat([NOTES, other], ignore_index=True)
    found = messages(f"merge:\n  - themes: [{note('bani')}, {note('bani', notes=other)}]\n", both)
    assert found == ["theme_edits.yaml:2: merge: names notes of 2 questions (s1q1, s2q1) — an edit works within "
                     "one question: write one edit per question"]


def test_merge_naming_one_theme_twice_and_merge_into_itself():
    assert messages(f"merge:\n  - themes: [{note('bani')}, s1q1~{note('bani')}]\n")[0].startswith(
        f"theme_edits.yaml:2: merge: merge names one theme twice ({note('bani')})")
    # Two notes of one theme: known only once themes exist, so the run skips it and says why.
    _, _, _, editor = run(f"merge:\n  - themes: [{note('bani')}, {note('bani', 1)}]\n")
    assert "merges a theme into itself" in str(editor.warnings[0]) and editor.log()["outcome"][0] == SKIPPED
    _, assigned, _, editor = run(f"merge:\n  - themes: [{note('bani')}, {note('bani', 1)}, {note('public')}]\n")
    assert theme_of(assigned, note("public", 3)) == theme_of(assigned, note("bani"))
    assert "names one theme twice" in str(editor.warnings[0])


def test_conflicting_titles_on_one_theme():
    same = f"rename:\n  - theme: {note('bani')}\n    title: A\n  - theme: {note('bani')}\n    title: B\n"
    assert messages(same)[0].startswith(f"theme_edits.yaml:4: rename: titles the theme of {note('bani')} again "
                                        "(line 2 already does)")
    through_two_notes = (f"rename:\n  - theme: {note('bani')}\n    title: A\n"
                         f"  - theme: {note('bani', 2)}\n    title: B\n")
    themes, assigned, _, editor = run(through_two_notes)
    assert themes.set_index("theme_id").loc[theme_of(assigned, note("bani")), "title"] == "A"
    assert editor.log()["outcome"].tolist() == [APPLIED, SKIPPED]
    assert "theme_edits.yaml:4: warning: rename: the theme already got its title from line 2" in str(editor.warnings[0])


def test_rename_of_a_merged_away_theme_is_skipped():
    text = (f"merge:\n  - themes: [{note('bani')}, {note('public')}]\n"
            f"rename:\n  - theme: {note('public', 3)}\n    title: Public\n")
    themes, assigned, _, editor = run(text)
    assert themes.set_index("theme_id").loc[theme_of(assigned, note("public")), "title"] != "Public"
    assert editor.log().set_index("line").loc[4, "outcome"] == SKIPPED
    assert "merged into another by line 2" in editor.log().set_index("line").loc[4, "reason"]


def test_split_on_identical_seeds_and_moving_into_its_own_theme():
    assert messages(f"split:\n  - theme: {note('bani')}\n    seeds: [{note('bani')}, {note('bani')}]\n")[0].startswith(
        "theme_edits.yaml:2: split: split has identical seeds")
    assert messages(f"move:\n  - note: {note('bani')}\n    to: s1q1~{note('bani')}\n")[0].startswith(
        "theme_edits.yaml:2: move: moves a note into its own theme")


def test_a_gone_or_changed_note_is_reported_never_applied_elsewhere():
    edits = ("rename:\n  - theme: s1q1~n00000000\n    title: X\n"
             "pin:\n  - note: a.csv#T1 granturi și finanțare\n")
    own = NOTES.copy()
    own.loc[0, "note_id"] = ids.full(LAB, "a.csv#T1")             # a transcriber id: its words are checked
    themes, _, _, editor = run(edits, own)
    log = editor.log().set_index("line")
    assert "note 'n00000000' is not in the notes any more" in log.loc[2, "reason"]
    assert "no longer reads 'granturi și finanțare'" in log.loc[5, "reason"]
    assert (log["outcome"] == SKIPPED).all() and not any(q["pinned"] for t in themes["quotes"] for q in t)
    assert [w.line for w in editor.warnings] == [2, 5]


def test_a_note_whose_text_was_corrected_is_skipped_and_the_log_names_the_note_it_may_now_be():
    """The analyst's note id is gone (its text changed, so did its content id) but its words fit one note:
    the edit does not guess, and both the warning and edits_log.csv name that note."""
    words = NOTES.set_index("note_id").loc[ids.full(LAB, note("public", 1)), "text"]
    _, _, _, editor = run(f"pin:\n  - note: n00000000 {words}\n")
    log = editor.log()
    assert log["outcome"][0] == SKIPPED
    assert log["reason"][0] == ("note 'n00000000' is not in the notes any more (removed, or its text changed); "
                                f"it may now be '{note('public', 1)}'")
    _, _, _, editor = run("pin:\n  - note: n00000000 cuvinte pe care nu le are nicio notiță\n")
    assert ";" not in editor.log()["reason"][0]


def test_legacy_line_ids_work_with_a_hint_and_are_skipped_when_the_line_changed():
    place = NOTES.set_index("note_id").loc[ids.full(LAB, note("bani", 2)), "provenance"][0]
    found = messages(f"pin:\n  - note: {place}\n")
    assert found == [f"theme_edits.yaml:2: warning: pin: '{place}' is a line position, which moves when lines are "
                     f"added (it now holds: granturi și finanțare pentru firme culturale…) — if that is the note you "
                     f"meant, write '{note('bani', 2)} granturi și finanțare pentru firme culturale…' instead"]
    _, _, _, editor = run(f"pin:\n  - note: {place}\n")
    assert editor.log()["outcome"][0] == APPLIED
    # The line now holds another note: the excerpt says so, and the hint names where the note went.
    moved = f"pin:\n  - note: {place} festivaluri cu public numeros în parcuri unu\n"
    _, _, _, editor = run(moved)
    assert editor.log()["outcome"][0] == SKIPPED
    assert "no longer reads 'festivaluri cu public numeros în parcuri unu'" in str(editor.warnings[0])
    assert f"it may now be '{note('public', 0)}'" in str(editor.warnings[0])          # the migration hint
    # ... and the log says it too: the analyst reads edits_log.csv and the report, not the terminal.
    assert editor.log()["reason"][0].endswith(f"; it may now be '{note('public', 0)}'")


def test_a_split_notes_raw_id_names_its_parts():
    parts = NOTES.copy()
    raw = parts.loc[0, "note_id"]
    parts.loc[0, "note_id"], parts.loc[1, "note_id"] = ids.part_id(raw, 1), ids.part_id(raw, 2)
    parts.at[0, "source_ids"] = parts.at[1, "source_ids"] = [raw]
    found = messages(f"pin:\n  - note: {ids.short(raw)}\n", parts)
    assert found[0].startswith(f"theme_edits.yaml:2: pin: '{ids.short(raw)}' was split into several notes "
                               f"({ids.short(raw)}#1, {ids.short(raw)}#2) — name one of them")
    assert messages(f"pin:\n  - note: {ids.short(raw)}#2\n", parts) == []


def test_a_merged_duplicates_id_names_the_note_it_was_merged_into():
    merged = NOTES.copy()
    merged.at[0, "source_ids"] = [merged.loc[0, "note_id"], f"{LAB}/nduplicate"]
    plan = plan_edits(parse_edits("pin:\n  - note: nduplicate\n"), merged, LAB, "theme_edits.yaml")
    assert plan.problems == [] and plan.edits[0].refs["note"][0].note == merged.loc[0, "note_id"]


def test_corrections_view_lists_applied_skipped_and_excluded():
    from pipeline.edits import corrections

    text = (f"rename:\n  - theme: {note('bani')}\n    title: Bani\n  - theme: s1q1~n00000000\n    title: X\n"
            f"move:\n  - note: {note('public', 7)}\n    to: none\n")
    _, assigned, _, editor = run(text)
    view = corrections(editor.log(), assigned.reset_index(), NOTES, {"rename": "redenumire"})
    assert view["reviewed"] and [r["line"] for r in view["applied"]] == [2, 7]
    assert view["applied"][0]["kind"] == "redenumire" and view["applied"][1]["kind"] == "move"
    assert [r["line"] for r in view["skipped"]] == [4] and "not in the notes any more" in view["skipped"][0]["reason"]
    assert view["excluded"] == [{"note_id": note("public", 7), "text": NOTES.set_index("note_id")["text"][
        ids.full(LAB, note("public", 7))], "lang": "", "question": "s1q1"}]
    assert view["skipped"][0]["where"] == "theme_edits.yaml:4" and view["written"] == 3
    # The reason in the report's language, with the note it names; a reason no string knows stays as logged.
    worded = corrections(editor.log(), assigned.reset_index(), NOTES, {}, {"reason_gone": "nota {note} a dispărut"})
    assert worded["skipped"][0]["reason"] == "nota n00000000 a dispărut"
    machine = assigned.reset_index().assign(status="assigned")
    empty = corrections(EditApplier.for_notes([], NOTES, LAB, "x").log(), machine, NOTES, {})
    assert not empty["reviewed"] and empty["applied"] == empty["skipped"] == empty["excluded"] == []


def test_every_id_the_report_prints_is_accepted_by_the_validator():
    printed = NOTES.copy()
    raw = printed.loc[0, "note_id"]
    printed.loc[0, "note_id"], printed.loc[1, "note_id"] = ids.part_id(raw, 1), ids.part_id(raw, 2)
    printed.at[0, "source_ids"] = printed.at[1, "source_ids"] = [raw]
    printed.at[2, "source_ids"] = [printed.loc[2, "note_id"], f"{LAB}/nmerged01"]      # a merged duplicate
    shown = [i for n, s in zip(printed["note_id"], printed["source_ids"], strict=True)
             for i in ids.printed(n, s).split()]
    assert f"{ids.short(raw)}#2" in shown and "nmerged01" in shown and ids.short(raw) not in shown
    text = "pin:\n" + "".join(f"  - note: {i}\n" for i in shown)
    plan = plan_edits(parse_edits(text), printed, LAB, "theme_edits.yaml")
    assert [p for p in plan.problems if "again" not in p.problem] == []
    assert all(p.refs["note"][0].note is not None for p in plan.edits)


# --- codebook themes by id, and metrics after the edits ---------------------------------------------------------

def codebook_run(edits_text: str):
    """The three topics as codebook themes (`spatii`, `bani`, `public`) plus `empty`, which no note expresses."""
    from pipeline.themes.build import QuestionInput
    from pipeline.themes.codebook import CodebookTheme
    from pipeline.themes.edits import codebook_ids

    names = [*TOPICS, "empty"]
    themes = tuple(CodebookTheme(n, {"ro": n.capitalize()}, {}, {}, i + 1) for i, n in enumerate(names))
    anchors = np.vstack([VECTORS[(NOTES["topic"] == t).to_numpy()].mean(axis=0) for t in TOPICS] + [np.eye(8)[7]])
    codebook = type("Book", (), {"themes_for": lambda self, q: themes})()
    editor = EditApplier.for_notes(parse_edits(edits_text), NOTES, LAB, "theme_edits.yaml",
                                   codebook_ids(codebook, ["s1q1"]))
    joins = {**FAST, "codebook_min_z": -5.0}         # 8 dimensions: every note joins its topic's anchor
    rows, assigned, metrics = themes_for_question(NOTES, VECTORS, "ro", joins, editor,
                                                  QuestionInput("", themes, anchors))
    return pd.DataFrame(rows).set_index("theme_id"), assigned.set_index("note_id"), metrics, editor


def test_edits_name_codebook_themes_by_their_id():
    themes, assigned, _, _ = codebook_run("")
    assert themes.loc["s1q1~bani", "notes"] == 8 and themes.loc["s1q1~empty", "status"] == "not raised"
    edits = ("rename:\n  - theme: s1q1~bani\n    title: Bani pentru cultură\n"
             f"move:\n  - note: {note('public', 7)}\n    to: s1q1~empty\n"
             "not_relevant:\n  - theme: s1q1~spatii\n")
    themes, assigned, _, editor = codebook_run(edits)
    assert list(editor.log()["outcome"]) == [APPLIED] * 3
    assert themes.loc["s1q1~bani", "title"] == "Bani pentru cultură" and "renamed" in themes.loc["s1q1~bani", "edits"]
    assert theme_of(assigned, note("public", 7)) == "s1q1~empty" and themes.loc["s1q1~empty", "status"] == "raised"
    assert "note moved in" in themes.loc["s1q1~empty", "edits"] and not themes.loc["s1q1~spatii", "relevant"]
    # A codebook id where a note is needed, and an unknown codebook id, are named with the ids that exist.
    from pipeline.themes.edits import codebook_ids

    book = {"s1q1": ["spatii", "bani"]}
    assert codebook_ids(None, ["s1q1"]) == {}
    plan = plan_edits(parse_edits("pin:\n  - note: s1q1~bani\nrename:\n  - theme: s1q1~banii\n    title: X\n"),
                      NOTES, LAB, "theme_edits.yaml", book)
    found = [str(p) for p in plan.problems]
    assert found[0] == ("theme_edits.yaml:2: pin: 's1q1~bani' is a codebook theme, but note: names notes — write the "
                        "id of a note (see the report appendix) under note:")
    assert "a codebook theme of s1q1 is written s1q1~ and one of: spatii, bani" in found[1]


def test_a_split_beside_an_empty_last_codebook_theme_makes_a_new_theme():
    seeds = f"[{note('bani', 0)}, {note('bani', 4)}]"
    themes, assigned, _, editor = codebook_run(f"split:\n  - theme: s1q1~bani\n    seeds: {seeds}\n")
    assert list(editor.log()["outcome"]) == [APPLIED]
    new = theme_of(assigned, note("bani", 4))
    assert theme_of(assigned, note("bani", 0)) == "s1q1~bani" and new not in ("s1q1~bani", "s1q1~empty")
    assert themes.loc[new, "source"] == "discovered" and themes.loc[new, "notes"] > 0
    assert themes.loc["s1q1~empty", "status"] == "not raised" and themes.loc["s1q1~empty", "notes"] == 0
    assert themes.loc["s1q1~bani", "notes"] + themes.loc[new, "notes"] == 8


def test_silhouette_and_sizes_describe_the_themes_after_the_edits():
    from sklearn.metrics import silhouette_score

    from pipeline.themes.metrics import theme_sizes

    _, _, machine, _ = run("")
    edits = f"merge:\n  - themes: [{note('bani')}, {note('public')}]\n"
    themes, assigned, metrics, _ = run(edits)
    labels = assigned.loc[NOTES["note_id"], "theme_id"].to_numpy()
    expected = silhouette_score(VECTORS, labels, metric="cosine")
    assert metrics["silhouette"] == pytest.approx(expected, abs=2e-3) and metrics["silhouette"] < machine["silhouette"]
    sizes = theme_sizes(themes)
    assert sorted(sizes["size"]) == [8, 16] and metrics["n_themes"] == 2


def test_a_codebook_theme_merged_into_another_is_gone_not_listed_as_not_raised():
    merge = "merge:\n  - themes: [s1q1~bani, s1q1~public]\n    title: Bani și public\n"
    themes, assigned, _, editor = codebook_run(merge)
    assert list(editor.log()["outcome"]) == [APPLIED]
    assert "s1q1~public" not in themes.index and themes.loc["s1q1~bani", "notes"] == 16
    assert list(themes.index[themes["status"] == "not raised"]) == ["s1q1~empty"]


def test_an_analysts_titles_are_redacted_like_the_notes():
    from pipeline.edits import redacted_titles

    edits = parse_edits("rename:\n  - theme: s1q1~n00000001\n    title: Ideile lui Ion Ionescu, ana@exemplu.ro\n"
                        "    title_en: Call 0722 123 456\nmerge:\n  - themes: [s1q1~n00000001, s1q1~n00000002]\n")
    safe = {e.kind: e for e in redacted_titles(edits, ("Ion Ionescu",), "ro")}
    written = {e.kind: e for e in edits}
    assert safe["rename"].fields["title"] == "Ideile lui [persoană], [email]"
    assert safe["rename"].fields["title_en"] == "Call [telefon]"
    assert safe["rename"].fields["theme"] == "s1q1~n00000001" and safe["rename"].line == written["rename"].line
    assert safe["merge"] == written["merge"]                  # no title: nothing to redact
