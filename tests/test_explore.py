"""The explore notebook runs top to bottom on freshly built stage outputs; its helpers in pipeline/explore.py."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from pipeline import catalog, clean, embed, explore, ids, ingest, links, proposals, themes
from pipeline.edits import parse_edits
from pipeline.errors import HarvestError
from pipeline.params import load_params
from pipeline.safecsv import read_csv
from pipeline.translations import parse_translations
from tests.conftest import ROOT, SAMPLE_LAB

NOTEBOOK = ROOT / "notebooks" / "explore.ipynb"
LAB = SAMPLE_LAB.name
PARAMS = load_params(ROOT / "params.yaml")


# --- the notebook ---------------------------------------------------------------------------------------------

def test_notebook_has_one_parameters_cell_and_is_stored_clean():
    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    for name in ("lab_id", "question_id", "min_theme_size", "processed_dir", "raw_dir", "edits_out", "write_edits",
                 "translations_out", "write_translations", "new_title"):
        assert f"{name} = " in tagged[0].source
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in nb.cells if c.cell_type == "code")
    assert nb.metadata["kernelspec"] == {"name": "python3", "display_name": "Python 3", "language": "python"}


@pytest.fixture(scope="module")
def processed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample lab's stage outputs, built in a temporary project (never data/processed of the checkout)."""
    project = tmp_path_factory.mktemp("explore-project")
    shutil.copytree(SAMPLE_LAB, project / "data" / "raw" / LAB)
    shutil.copytree(ROOT / "codebooks", project / "codebooks")                # the codebook lab.yaml names
    params = json.loads(json.dumps(PARAMS))
    params["embed"]["cache_dir"] = str(ROOT / ".cache" / "embeddings")   # share the vector cache
    for stage in (ingest, clean, embed, themes, proposals, links):
        stage.run(LAB, params, project)
    return project / "data" / "processed" / LAB


def _execute(output: Path, **parameters: object) -> nbformat.NotebookNode:
    import papermill

    papermill.execute_notebook(str(NOTEBOOK), str(output), parameters=parameters, cwd=str(ROOT),
                               kernel_name="python3", progress_bar=False)
    return nbformat.read(str(output), as_version=4)


def _text_outputs(nb: nbformat.NotebookNode) -> str:
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            parts.append(out.get("text", "") + out.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


def assert_translation_sheet(processed: Path, sheet_path: Path) -> None:
    """The exported sheet holds every non-English quote and more (the proposals), all still to translate, and
    reads back as a translations.csv whose every line is 'no English text yet'."""
    sheet = pd.read_csv(sheet_path, keep_default_na=False)
    stored = json.loads((processed / "themes.json").read_text(encoding="utf-8"))
    lang = pd.read_parquet(processed / "notes.parquet").set_index("note_id")["lang"]
    wanted = {q["text"] for t in stored for q in t["quotes"] if lang[q["note_id"]] != "en"}
    assert wanted and wanted <= set(sheet["text"]) and len(sheet) > len(wanted) and (sheet["text_en"] == "").all()
    raw_ids = pd.read_parquet(processed / "notes_raw.parquet")["note_id"]
    found, problems = parse_translations(sheet_path.read_text(encoding="utf-8"), str(sheet_path), LAB, raw_ids)
    assert found == {} and len(problems) == len(sheet) and all(p.severity == "warning" for p in problems)


def test_notebook_runs_and_writes_edits_and_translations_only_where_asked(processed: Path, tmp_path: Path):
    lab_edits = SAMPLE_LAB / "theme_edits.yaml"
    before = lab_edits.read_bytes() if lab_edits.is_file() else None
    edits_out, sheet_path = tmp_path / "theme_edits.yaml", tmp_path / "translations.csv"
    base = {"lab_id": LAB, "question_id": "s1q1", "min_theme_size": 4, "edits_out": str(edits_out),
            "write_edits": True, "processed_dir": str(processed), "raw_dir": str(SAMPLE_LAB),
            "translations_out": str(sheet_path), "write_translations": True}
    # Without a title typed by the analyst, the notebook proposes none and writes no edits.
    executed = _execute(tmp_path / "explore-0.ipynb", **base)
    assert "new (min 4)" in _text_outputs(executed)
    assert "quoted notes have no English text yet" in _text_outputs(executed)
    assert_translation_sheet(processed, sheet_path)
    assert not edits_out.exists()

    parameters = {**base, "new_title": "Titlul scris de analist"}
    executed = _execute(tmp_path / "explore.ipynb", **parameters)
    assert executed.metadata["papermill"]["parameters"] == parameters
    stored = json.loads((processed / "themes.json").read_text(encoding="utf-8"))
    largest = explore.largest_theme(stored, "s1q1")
    notes = catalog.NOTES.read_from(processed)
    edits = parse_edits(edits_out.read_text(encoding="utf-8"), edits_out)
    renames = [e for e in edits if e.kind == "rename"]
    assert [e.fields for e in renames] == [{"theme": explore.theme_reference(notes, largest),
                                            "title": "Titlul scris de analist"}]
    question, _, named = renames[0].fields["theme"].partition("~")               # question~note, then its words
    members = read_csv(processed / "assignments.csv").query("theme_id == @largest['theme_id']")["note_id"]
    assert question == "s1q1" and named.split(" ")[0] in {ids.short(m) for m in members}
    assert (lab_edits.read_bytes() if lab_edits.is_file() else None) == before      # data/raw untouched

    # Run again without write_edits: the draft is shown, nothing is written; the rename is not added twice.
    again, sheet_again = tmp_path / "again.yaml", tmp_path / "again.csv"
    _execute(tmp_path / "explore-2.ipynb", **{**parameters, "edits_out": str(again), "write_edits": False,
                                              "translations_out": str(sheet_again), "write_translations": False})
    assert not again.exists() and not sheet_again.exists()
    _execute(tmp_path / "explore-3.ipynb", **parameters)
    assert len([e for e in parse_edits(edits_out.read_text(encoding="utf-8")) if e.kind == "rename"]) == 1


def test_notebook_holds_no_title_of_its_own():
    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert 'new_title = ""' in code
    assert not re.search(r'title\s*=\s*"[^"]+"', code)            # no literal title anywhere


# --- pipeline/explore.py --------------------------------------------------------------------------------------

THEMES = [
    {"theme_id": "q1~a.csv:2", "question": "q1", "title": "Spații", "size": 2, "notes": 2, "relevant": True,
     "edits": ["renamed"], "quotes": [{"note_id": "lab/a.csv:2", "pinned": True}]},
    {"theme_id": "q1~a.csv:4", "question": "q1", "title": "Bani", "size": 3, "notes": 1, "relevant": False,
     "edits": [], "quotes": [{"note_id": "lab/a.csv:4", "pinned": False}]},
    {"theme_id": "q2~b.csv:2", "question": "q2", "title": "Altceva", "size": 9, "notes": 9, "edits": []},
]
NOTES = pd.DataFrame({
    "note_id": ["lab/a.csv:2", "lab/a.csv:3", "lab/a.csv:4", "lab/a.csv:5", "lab/b.csv:2"],
    "question": ["q1", "q1", "q1", "q1", "q2"], "group": ["A", "A", "B", "B", "A"], "round": [1, 1, 2, 2, 1],
    "text": ["spații", "ateliere", "granturi", "nu știu", "altceva"], "count": [1, 1, 3, 1, 9],
})
ASSIGNMENTS = pd.DataFrame({
    "note_id": NOTES["note_id"], "question": NOTES["question"],
    "theme_id": ["q1~a.csv:2", "q1~a.csv:2", "q1~a.csv:4", "", "q2~b.csv:2"],
    "status": ["assigned", "assigned", "assigned", "ambiguous", "assigned"],
    "secondary_theme_id": ["", "", "", "q1~a.csv:4", ""],
})


def test_find_root_walks_up_to_params_yaml(tmp_path: Path):
    assert explore.find_root(ROOT / "notebooks") == ROOT
    with pytest.raises(HarvestError, match="no params.yaml"):
        explore.find_root(tmp_path)


def test_pick_question_names_the_known_ids():
    questions = [{"id": "s1q1", "text": "?"}, {"id": "s1q2", "text": "?"}]
    assert explore.pick_question(questions, "s1q2")["id"] == "s1q2"
    with pytest.raises(HarvestError, match="s1q1, s1q2"):
        explore.pick_question(questions, "s9q9")


def test_theme_table_keeps_report_order_and_shows_edits():
    table = explore.theme_table(THEMES, "q1")
    assert table["theme_id"].tolist() == ["q1~a.csv:2", "q1~a.csv:4"]
    assert table["edits"].tolist() == ["renamed", ""] and table["relevant"].tolist() == [True, False]
    with pytest.raises(HarvestError, match="without size"):
        explore.theme_table([{k: v for k, v in THEMES[0].items() if k != "size"}], "q1")


def test_largest_theme_is_by_size_not_order():
    assert explore.largest_theme(THEMES, "q1")["theme_id"] == "q1~a.csv:4"
    with pytest.raises(HarvestError, match="no themes"):
        explore.largest_theme(THEMES, "q9")


def test_notes_by_theme_groups_in_theme_order_with_unassigned_last():
    frame = explore.notes_by_theme(NOTES, ASSIGNMENTS, THEMES, "q1")
    assert frame["note"].tolist() == ["a.csv:2", "a.csv:3", "a.csv:4", "a.csv:5"]
    assert frame["theme_id"].tolist() == ["q1~a.csv:2", "q1~a.csv:2", "q1~a.csv:4", ""]
    assert frame["quote"].tolist() == ["pinned", "", "yes", ""]
    assert frame["second_theme"].tolist()[-1] == "q1~a.csv:4" and frame["status"].tolist()[-1] == "ambiguous"
    with pytest.raises(HarvestError, match="missing column.*count"):
        explore.notes_by_theme(NOTES.drop(columns="count"), ASSIGNMENTS, THEMES, "q1")
    with pytest.raises(HarvestError, match="has no notes"):
        explore.notes_by_theme(NOTES, ASSIGNMENTS, THEMES, "q9")


def _two_topics(n: int = 20) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.RandomState(0)
    axes = np.eye(8)[:2]
    vectors = np.vstack([axes[i % 2] + 0.05 * rng.randn(8) for i in range(n)])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    words = ["spații ateliere chirie", "granturi finanțare bani"]
    notes = pd.DataFrame({
        "note_id": [f"lab/a.csv:{i + 2}" for i in range(n)], "session": "s1", "question": "s1q1",
        "group": ["A", "B"] * (n // 2), "round": 1, "text": [words[i % 2] for i in range(n)],
        "lemmas": [words[i % 2] for i in range(n)], "count": 1,
    })
    return notes, vectors


def test_recluster_question_overrides_only_the_minimum_size():
    notes, vectors = _two_topics()
    params = dict(PARAMS["themes"])
    ids = notes["note_id"].tolist()
    few, _, _ = explore.recluster_question(notes, ids, vectors, "ro", params, "s1q1", 3)
    one, assigned, metrics = explore.recluster_question(notes, ids, vectors, "ro", params, "s1q1", 11)
    assert len(few) >= 2 and len(one) == 1 and metrics["n_themes"] == 1 and len(assigned) == len(notes)
    assert params == PARAMS["themes"]                                   # the caller's settings are untouched
    with pytest.raises(HarvestError, match="do not match"):
        explore.recluster_question(notes, ids[::-1], vectors, "ro", params, "s1q1", 3)
    with pytest.raises(HarvestError, match="whole number"):
        explore.recluster_question(notes, ids, vectors, "ro", params, "s1q1", 0)


def test_compare_themes_aligns_by_size_and_pads():
    new = [{"theme_id": f"q1~n{i}", "question": "q1", "title": f"T{i}", "size": s, "notes": s}
           for i, s in enumerate([1, 4, 2])]
    side = explore.compare_themes(THEMES, new, "q1")
    assert side.index.tolist() == [1, 2, 3]
    assert side["stored_size"].tolist()[:2] == [3, 2] and pd.isna(side["stored_size"].iloc[2])
    assert side["new_title"].tolist() == ["T1", "T2", "T0"] and side["stored_title"].iloc[2] == ""
    with pytest.raises(HarvestError, match="without size"):
        explore.compare_themes(THEMES, [{k: v for k, v in new[0].items() if k != "size"}], "q1")


def test_compare_counts_counts_themes_and_unassigned_notes():
    new_assignments = ASSIGNMENTS[ASSIGNMENTS["question"] == "q1"].assign(theme_id=["x", "x", "x", "x"])
    new = [{"theme_id": "x", "question": "q1", "title": "X", "size": 6, "notes": 4}]
    counts = explore.compare_counts(THEMES, ASSIGNMENTS, new, new_assignments, "q1")
    assert counts["stored"].tolist() == [2, 3, 1] and counts["new"].tolist() == [1, 4, 0]
    with pytest.raises(HarvestError, match="theme_id"):
        explore.compare_counts(THEMES, ASSIGNMENTS.drop(columns="theme_id"), new, new_assignments, "q1")


def test_params_diff_lists_only_changed_keys():
    assert explore.params_diff({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 4}) == {"b": (2, 3), "c": (None, 4)}
    assert explore.params_diff({"a": 1}, {"a": 1}) == {}


def test_has_edit_matches_kind_and_every_field():
    text = "rename:\n  - theme: s1q1~a.csv:4\n    title: Spații\n"
    assert explore.has_edit(text, "rename", theme="s1q1~a.csv:4", title="Spații")
    assert not explore.has_edit(text, "rename", theme="s1q1~a.csv:4", title="Alt titlu")
    assert not explore.has_edit("", "rename", theme="s1q1~a.csv:4", title="Spații")
    with pytest.raises(HarvestError, match="unknown edit kind"):
        explore.has_edit("renames:\n  - theme: x\n", "rename", theme="x")


def test_a_codebook_theme_is_named_by_a_member_note_and_an_empty_one_is_refused():
    notes = pd.DataFrame({"note_id": ["lab/n1", "lab/n2"], "text": ["Granturi mici pentru firme noi", "Spații"]})
    discovered = {"theme_id": "s1q1~n2", "source": "discovered", "quotes": []}
    codebook = {"theme_id": "s1q1~funding", "source": "codebook", "quotes": [{"note_id": "lab/n1"}]}
    assert explore.theme_reference(notes, discovered).startswith("s1q1~n2")
    named = explore.theme_reference(notes, codebook)
    assert named.startswith("s1q1~n1") and "Granturi" in named and "funding" not in named
    with pytest.raises(HarvestError, match="no notes to name it by"):
        explore.theme_reference(notes, {**codebook, "quotes": []})
