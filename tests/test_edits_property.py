"""Property: inserting, deleting, reordering or editing *other* notes never moves an edit to another note."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import ids
from pipeline.clean import note_identities
from pipeline.edits import APPLIED, SKIPPED, EditApplier, note_reference, parse_edits
from pipeline.ingest import notes_frame, parse_csv
from pipeline.lab import parse_lab
from pipeline.params import CleanParams, load_params, typed
from tests.conftest import MINI_LAB_YAML, ROOT

LAB = parse_lab(MINI_LAB_YAML, "mini-lab/lab.yaml")
CLEAN = typed(load_params(ROOT / "params.yaml"), CleanParams)
TOPICS = ["spații ieftine pentru ateliere", "granturi pentru firme culturale", "festivaluri în parcuri"]
DETAILS = ["din centru", "pentru tineri", "în fiecare lună", "cu sprijinul primăriei", "fără birocrație",
           "pentru artiști", "lângă universitate", "în cartierele noi"]
NEW_DETAILS = ["pentru pensionari", "în weekend", "cu bilete ieftine", "pe malul Begăi"]
ORIGINAL = [(t, f"{TOPICS[t]} {d}") for t in range(3) for d in DETAILS]
TARGETS = {"rename": 0, "pin": 9, "move": 17, "to": 3, "exclude": 12}     # indices into ORIGINAL


def identities(rows: list[tuple[int, str]]) -> pd.DataFrame:
    """The clean notes' ids for transcript rows (topic, text), split over two files in the given order."""
    half = len(rows) // 2
    parsed = []
    for name, part in (("a.csv", rows[:half]), ("b.csv", rows[half:])):
        text = "session,question,group,round,note\n" + "".join(f's1,s1q1,A,1,"{t}"\n' for _, t in part)
        found, problems = parse_csv(text, name, LAB)
        assert problems == []
        parsed += found
    return note_identities(notes_frame(parsed, LAB), LAB.language, CLEAN)


def topic_labels(notes: pd.DataFrame, rows: list[tuple[int, str]]) -> np.ndarray:
    """A clusterer that groups by topic, whatever the order (what the property is about is identity, not clustering)."""
    topic_of = {t: topic for topic, t in rows}
    return np.array([topic_of[text] for text in notes["text"]])


def written_edits(notes: pd.DataFrame) -> str:
    """Edits as the explore notebook writes them: ids with the notes' first words."""
    ref = {name: note_reference(notes["note_id"].iloc[i], notes["text"].iloc[i]) for name, i in TARGETS.items()}
    return (f"rename:\n  - theme: \"s1q1~{ref['rename']}\"\n    title: Ateliere\n"
            f"pin:\n  - note: \"{ref['pin']}\"\n"
            f"move:\n  - note: \"{ref['move']}\"\n    to: \"{ref['to']}\"\n"
            f"  - note: \"{ref['exclude']}\"\n    to: none\n")


def apply(text: str, rows: list[tuple[int, str]]) -> tuple[pd.DataFrame, np.ndarray, dict, EditApplier]:
    notes = identities(rows)
    editor = EditApplier.for_notes(parse_edits(text), notes, LAB.id, "theme_edits.yaml")
    vectors = np.eye(3)[topic_labels(notes, rows)]
    labels, states = editor.apply(notes["note_id"].tolist(), topic_labels(notes, rows), vectors)
    return notes, labels, states, editor


EDITS = written_edits(identities(ORIGINAL))
PROTECTED = {ORIGINAL[i][1] for i in TARGETS.values()}


@st.composite
def changed_transcripts(draw: st.DrawFn) -> list[tuple[int, str]]:
    """The original rows with other notes deleted or edited, new notes inserted anywhere, and lines reordered."""
    rows = list(ORIGINAL)
    others = [i for i, (_, text) in enumerate(rows) if text not in PROTECTED]
    deleted = set(draw(st.lists(st.sampled_from(others), max_size=5, unique=True)))
    edited = set(draw(st.lists(st.sampled_from(others), max_size=4, unique=True))) - deleted
    rows = [(t, f"{text} modificat" if i in edited else text) for i, (t, text) in enumerate(rows) if i not in deleted]
    for topic, detail in draw(st.lists(st.tuples(st.integers(0, 2), st.sampled_from(NEW_DETAILS)),
                                       max_size=4, unique=True)):
        rows.insert(draw(st.integers(0, len(rows))), (topic, f"{TOPICS[topic]} {detail}"))
    return draw(st.permutations(rows))


@settings(max_examples=60, deadline=None)
@given(changed_transcripts())
def test_edits_follow_their_notes_through_any_change_to_other_notes(rows):
    notes, labels, states, editor = apply(EDITS, rows)
    assert set(editor.log()["outcome"]) == {APPLIED}
    where = {text: i for i, text in enumerate(notes["text"])}
    label = {name: int(labels[where[ORIGINAL[i][1]]]) for name, i in TARGETS.items()}
    assert states[label["rename"]].title == "Ateliere"
    assert [s.title for s in states.values()].count("Ateliere") == 1
    assert [p for s in states.values() for p in s.pinned] == [notes["note_id"].iloc[where[ORIGINAL[TARGETS['pin']][1]]]]
    assert label["move"] == label["to"] and label["exclude"] == -1


@settings(max_examples=25, deadline=None)
@given(changed_transcripts(), st.sampled_from(sorted(TARGETS)))
def test_an_edited_note_stops_its_edit_instead_of_moving_it(rows, name):
    target = ORIGINAL[TARGETS[name]][1]
    rows = [(t, "un text cu totul nou despre altceva" if text == target else text) for t, text in rows]
    _, _, states, editor = apply(EDITS, rows)
    skipped = editor.log().set_index("line")["outcome"]
    assert (skipped == SKIPPED).sum() == 1
    if name == "rename":
        assert all(s.title != "Ateliere" for s in states.values())
    if name == "pin":
        assert all(not s.pinned for s in states.values())
    assert all(ids.CONTENT_ID.match(ids.short(n)) for n in identities(ORIGINAL)["note_id"])
