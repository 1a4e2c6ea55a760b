"""Theme edits: exactly what they say, kept when notes are added, warnings for vanished references."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline.clean import clean_notes
from pipeline.edits import EditApplier, parse_edits
from pipeline.embed import embed_texts, make_embedder
from pipeline.errors import HarvestError
from pipeline.ingest import read_lab_notes
from pipeline.params import load_params
from pipeline.themes import build_themes
from tests.conftest import ROOT, SAMPLE_LAB

PARAMS = load_params(ROOT / "params.yaml")
NEW_NOTES = ["Burse de creație pentru artiștii tineri din Banat", "Un incubator pentru firmele de design",
             "Cursuri de contabilitate pentru freelanceri creativi", "Spații ieftine pentru ateliere de ceramică",
             "Întâlniri lunare între artiști și antreprenori din IT"]


def run_themes(lab_dir: Path, edits_text: str = ""):
    lab, raw, _ = read_lab_notes(lab_dir, PARAMS["ingest"]["formats"])
    clean, _ = clean_notes(raw, lab.language, PARAMS["clean"])
    vectors, _ = embed_texts(clean["text"].tolist(), make_embedder(PARAMS["embed"], lab.language)[0], None)
    editor = EditApplier(parse_edits(edits_text), lab.id, "theme_edits.yaml")
    themes, assignments, _ = build_themes(clean, vectors, lab.language, [q.id for q in lab.questions],
                                          PARAMS["themes"], editor)
    return themes, assignments.set_index("note_id"), editor.warnings + editor.unapplied()


@pytest.fixture(scope="module")
def lab_copy(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("labs") / SAMPLE_LAB.name
    shutil.copytree(SAMPLE_LAB, target)
    return target


@pytest.fixture(scope="module")
def machine(lab_copy):
    return run_themes(lab_copy)


def short(note_id: str) -> str:
    return note_id.split("/", 1)[1]


def rename_merge_move(machine, title: str) -> tuple[str, str, str, str, str]:
    """Themes a, b, c of s1q1 and an edits text: rename a, merge b and c, move c's last note into a."""
    themes, assigned, _ = machine
    a, b, c = themes.loc[themes["question"] == "s1q1", "theme_id"].iloc[:3]
    mover = assigned[assigned["theme_id"] == c].index[-1]
    edits = (f"rename:\n  - theme: {a}\n    title: {title}\nmerge:\n  - themes: [{b}, {c}]\n"
             f"move:\n  - note: {short(mover)}\n    to: {a}\n")
    return a, b, c, mover, edits


def test_rename_merge_move_change_exactly_what_they_say(lab_copy, machine):
    themes, assigned, _ = machine
    q1 = themes[themes["question"] == "s1q1"]
    a, b, c, mover, edits = rename_merge_move(machine, "Spații de lucru accesibile")
    themes2, assigned2, warnings = run_themes(lab_copy, edits)
    assert warnings == []
    renamed = themes2.set_index("theme_id").loc[assigned2.loc[assigned["theme_id"].eq(a).idxmax(), "theme_id"]]
    assert renamed["title"] == "Spații de lucru accesibile" and "renamed" in renamed["edits"]
    b_and_c = assigned.index[assigned["theme_id"].isin([b, c])].drop(mover)
    assert assigned2.loc[b_and_c, "theme_id"].nunique() == 1                 # merged into one theme
    assert assigned2.loc[mover, "theme_id"] == renamed.name                 # moved
    # Every other note keeps its theme; only a's id may change (if the moved note is earlier than its anchor).
    untouched = assigned.index[~assigned.index.isin([*b_and_c, mover])]
    changed = assigned2.loc[untouched, "theme_id"] != assigned.loc[untouched, "theme_id"]
    assert set(assigned.loc[untouched[changed], "theme_id"]) <= {a}
    assert len(themes2[themes2["question"] == "s1q1"]) == len(q1) - 1


def test_edits_survive_five_new_notes(lab_copy, machine):
    a, b, c, mover, edits = rename_merge_move(machine, "Tema redenumită")
    (lab_copy / "notes" / "runda-4.csv").write_text(
        "session,question,group,round,note\n" + "".join(f"s1,s1q1,A,3,{n}\n" for n in NEW_NOTES),
        encoding="utf-8")
    try:
        themes2, assigned2, warnings = run_themes(lab_copy, edits)
    finally:
        (lab_copy / "notes" / "runda-4.csv").unlink()
    assert warnings == []
    anchor_a = f"{SAMPLE_LAB.name}/{a.split('~')[1]}"
    renamed = themes2.set_index("theme_id").loc[assigned2.loc[anchor_a, "theme_id"]]
    assert renamed["title"] == "Tema redenumită"
    anchors = [f"{SAMPLE_LAB.name}/{t.split('~')[1]}" for t in (b, c)]
    assert assigned2.loc[anchors[0], "theme_id"] == assigned2.loc[anchors[1], "theme_id"]
    assert assigned2.loc[mover, "theme_id"] == renamed.name
    assert (themes2["question"] == "s1q1").sum() >= 2


def test_edit_to_a_vanished_note_is_a_warning(lab_copy):
    edits = "rename:\n  - theme: s1q1~sesiunea-9.csv:2\n    title: X\nmove:\n  - note: nu-exista.csv:3\n    to: none\n"
    _, _, warnings = run_themes(lab_copy, edits)
    assert [w.severity for w in warnings] == ["warning", "warning"]
    assert sorted(w.line for w in warnings) == [2, 5]                      # the lines of the two edits
    assert all("none of its notes exist any more" in w.problem for w in warnings)


def test_malformed_edits_file_is_an_error_with_lines():
    with pytest.raises(HarvestError) as exc:
        parse_edits("rename:\n  - theme: s1q1~a.csv:2\nrecolor:\n  - theme: x\nmerge:\n  - themes: [a]\n")
    messages = [str(p) for p in exc.value.problems]
    assert any(m.startswith("theme_edits.yaml:2: rename edit without title") for m in messages)
    assert any(m.startswith("theme_edits.yaml:3: unknown edit kind 'recolor'") for m in messages)
    assert any("merge needs a list of at least two themes" in m for m in messages)
