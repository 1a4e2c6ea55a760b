"""The catalogue: stage files named once, written only inside stage folders, the lab read back as a Lab."""

from __future__ import annotations

import ast
import json

import numpy as np
import pandas as pd
import pytest

from pipeline import catalog
from pipeline.errors import HarvestError
from tests.conftest import ROOT

# Names a module may still spell, and why (each goes when its owner switches to the catalogue).
SPELLED = {("pipeline/edits/parse.py", "edits_log.csv"):
           "edits.LOG_FILE: the edits package's owner moves it to the catalogue"}


def test_a_csv_list_cell_is_joined_on_write_and_split_on_read(tmp_path):
    log = pd.DataFrame({"raw_id": ["a:1", "a:2", "a:3"], "fate": ["split", "dropped", "kept"],
                        "reason": ["2 ideas", "noise", ""], "into": [["a:1#1", "a:1#2"], [], ["a:3"]]})
    path = catalog.CLEAN_LOG.write(log, "lab", tmp_path)
    assert path == tmp_path / "data/processed/lab/clean_log.csv"
    assert path.read_text(encoding="utf-8").splitlines()[1:] == ["a:1,split,2 ideas,a:1#1|a:1#2", "a:2,dropped,noise,",
                                                                 "a:3,kept,,a:3"]
    assert catalog.CLEAN_LOG.read("lab", tmp_path)["into"].tolist() == [["a:1#1", "a:1#2"], [], ["a:3"]]


def test_a_parquet_list_column_comes_back_as_python_lists(tmp_path):
    frame = pd.DataFrame({"note_id": ["a", "b"], "question": ["s1q1"] * 2, "kind": ["proposal"] * 2,
                          "cues": [["ar trebui", "să"], []], "question_kind": ["proposal"] * 2, "tables": [1, 2],
                          "rounds": [1, 1], "sources": [1, 2], "all_tables": [False, True], "support": [2, 1]})
    catalog.PROPOSALS.write(frame, "lab", tmp_path)
    back = catalog.PROPOSALS.read("lab", tmp_path)
    assert back["cues"].tolist() == [["ar trebui", "să"], []] and all(type(c) is list for c in back["cues"])


def test_csv_tables_are_formula_safe_and_read_back_exactly(tmp_path):
    frame = pd.DataFrame({"question": ["s1q1"], "theme": ["=HYPERLINK(\"x\")"], "size": [3]})
    path = catalog.THEME_SIZES.write(frame, "lab", tmp_path)
    assert "'=HYPERLINK" in path.read_text(encoding="utf-8")
    assert catalog.THEME_SIZES.read("lab", tmp_path)["theme"].tolist() == ["=HYPERLINK(\"x\")"]


def test_the_lab_comes_back_as_a_lab_without_the_peoples_names(mini_lab, tmp_path):
    catalog.LAB.write(mini_lab, "lab", tmp_path)
    back = catalog.LAB.read("lab", tmp_path)
    assert back.people == () and mini_lab.people
    assert back == type(mini_lab)(**{**mini_lab.__dict__, "people": ()})
    assert back.question("s1q1").text == mini_lab.question("s1q1").text


def test_vectors_keep_ids_and_rows_aligned(tmp_path):
    vectors = np.arange(6, dtype=np.float32).reshape(3, 2)
    catalog.EMBEDDINGS.write((["a:1", "a:2", "a:3"], vectors), "lab", tmp_path)
    ids, back = catalog.EMBEDDINGS.read("lab", tmp_path)
    assert ids == ["a:1", "a:2", "a:3"] and np.array_equal(back, vectors)


def test_json_files_keep_their_bytes(tmp_path):
    path = catalog.SCORES.write({"notes": 1, "themes": 2, "unassigned_rate": 0.0, "city": "Timișoara"}, "lab", tmp_path)
    assert path.read_text(encoding="utf-8").endswith("}\n") and "\\u0219" in path.read_text(encoding="utf-8")
    path = catalog.THEMES.write([{"theme_id": "t", "question": "q", "title": "Spații", "size": 1, "notes": []}],
                                "lab", tmp_path)
    assert "Spații" in path.read_text(encoding="utf-8") and not path.read_text(encoding="utf-8").endswith("\n")


def test_a_missing_stage_file_is_file_not_found_naming_it(tmp_path):
    # The CLI turns it into "input of the <stage> stage not found — run `dvc repro` first (the … stages)".
    with pytest.raises(FileNotFoundError) as caught:
        catalog.NOTES.read("lab", tmp_path)
    assert caught.value.filename == str(tmp_path / "data/processed/lab/notes.parquet")


def test_a_stale_file_names_the_missing_columns_or_keys(tmp_path):
    folder = catalog.LINKS.folder("lab", tmp_path)
    folder.mkdir(parents=True)
    catalog.LINKS.path_in(folder).write_text("theme_a\nt1\n", encoding="utf-8")
    with pytest.raises(HarvestError, match="links.csv: missing column.*support_a.* — re-run the pipeline"):
        catalog.LINKS.read("lab", tmp_path)
    catalog.QUALITY.path("lab", tmp_path).write_text(json.dumps({"notes_in": 1}), encoding="utf-8")
    with pytest.raises(HarvestError, match="missing key.*fates"):
        catalog.QUALITY.read("lab", tmp_path)


def test_writing_a_table_without_a_declared_column_is_refused(tmp_path):
    with pytest.raises(HarvestError, match="missing column.*theme_id"):
        catalog.COVERAGE.write(pd.DataFrame({"question": ["s1q1"]}), "lab", tmp_path)
    assert not catalog.COVERAGE.exists("lab", tmp_path)


def test_every_write_is_proven_inside_a_stage_folder(tmp_path):
    raw = tmp_path / "data" / "raw" / "lab"
    raw.mkdir(parents=True)
    (tmp_path / "data" / "processed").mkdir()
    (tmp_path / "data" / "processed" / "lab").symlink_to(raw, target_is_directory=True)
    with pytest.raises(HarvestError, match="refusing to write"):
        catalog.CONCLUSIONS.write("x", "lab", tmp_path)
    with pytest.raises(HarvestError, match="lab id"):
        catalog.CONCLUSIONS.write("x", "../raw/lab", tmp_path)
    assert list(raw.iterdir()) == []


def test_comparison_files_live_outside_the_labs_folders(tmp_path):
    # data/processed/ is the compare stage's dep: DVC refuses its own outputs in there.
    assert catalog.MATCHES.path(None, tmp_path) == tmp_path / "data/compare/matches.csv"
    assert catalog.COMPARE_REPORT.path(None, tmp_path) == tmp_path / "reports/compare"
    with pytest.raises(ValueError):
        catalog.NOTES.path(None, tmp_path)
    matches = pd.DataFrame([{"group": 1, "shared": True, "cities": 2, "lab": "a", "city": "A", "language": "ro",
                             "theme_id": "t", "question": "q", "title": "T", "size": 3, "quotes": ["x", "y"],
                             "quote_languages": ["en", "ro"], "codebook": "", "codebook_id": ""}])
    path = catalog.MATCHES.write(matches, None, tmp_path)
    assert path.read_text(encoding="utf-8").splitlines()[1].endswith(",x | y,en | ro,,")
    read = catalog.MATCHES.read(None, tmp_path)
    assert read["quotes"].tolist() == [["x", "y"]] and read["quote_languages"].tolist() == [["en", "ro"]]


def _strings(path):
    tree = ast.parse(path.read_text(encoding="utf-8") if path.suffix == ".py" else "\n".join(
        "".join(c["source"]) for c in json.loads(path.read_text(encoding="utf-8"))["cells"]
        if c["cell_type"] == "code"))
    docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                  if isinstance(n, ast.Module | ast.FunctionDef | ast.ClassDef) and n.body
                  and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    return [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
            and id(n) not in docstrings]


def test_no_module_or_notebook_spells_a_stage_file_name():
    names = {d.name for d in catalog.DATASETS.values()}
    sources = [*(ROOT / "pipeline").rglob("*.py"), *(ROOT / "notebooks").glob("*.ipynb"),
               *(ROOT / "benchmarks").glob("*.py"), *(ROOT / "scripts").glob("*.py")]
    found = [(p.relative_to(ROOT).as_posix(), s) for p in sources if p.name != "catalog.py"
             for s in _strings(p) if any(s == n or s.endswith("/" + n) for n in names)]
    assert [f for f in found if f not in SPELLED] == []
    assert [f for f in SPELLED if f not in found] == []          # an entry goes when its module is fixed


# The stored list columns of the clean notes and the links, with their parquet types.
NOTE_LISTS = {"source_ids": "list<element: string>", "source_groups": "list<element: string>",
              "groups": "list<element: string>", "provenance": "list<element: string>",
              "source_rounds": "list<element: int64>", "rounds": "list<element: int64>"}


def test_clean_notes_store_their_lists_as_parquet_lists(tmp_path):
    import pyarrow.parquet as pq

    from pipeline.clean import clean_notes
    from pipeline.ingest import read_lab_notes
    from pipeline.params import CleanParams, load_params, typed
    from tests.conftest import SAMPLE_LAB

    _, raw, _ = read_lab_notes(SAMPLE_LAB, ["csv"])
    clean, _ = clean_notes(raw, "ro", typed(load_params(ROOT / "params.yaml"), CleanParams))
    path = catalog.NOTES.write(clean, "lab", tmp_path)
    schema = pq.read_schema(path)
    assert {c: str(schema.field(c).type).replace("item", "element") for c in NOTE_LISTS} == NOTE_LISTS
    back = catalog.NOTES.read("lab", tmp_path)
    merged = back[back["count"] > 1].iloc[0]          # the sample has duplicates across tables
    assert len(merged["source_ids"]) == len(merged["source_groups"]) == len(merged["source_rounds"]) == 2
    assert all(type(r) is int for r in merged["source_rounds"]) and merged["rounds"] == sorted(merged["rounds"])
    assert path.read_bytes() == catalog.NOTES.write(back, "lab", tmp_path).read_bytes()    # same bytes again


def test_a_joined_string_in_a_list_column_is_refused_on_write_and_stale_on_read(tmp_path):
    row = {c: "x" for c in catalog.NOTES.columns} | {c: ["x"] for c in NOTE_LISTS} | {"source_rounds": [1],
                                                                                       "rounds": [1]}
    catalog.NOTES.write(pd.DataFrame([row]), "lab", tmp_path)
    with pytest.raises(TypeError, match="source_ids must hold lists, not 'A|B'"):
        catalog.NOTES.write(pd.DataFrame([{**row, "source_ids": "A|B"}]), "lab", tmp_path)
    old = tmp_path / "data/processed/lab/notes.parquet"
    pd.DataFrame([{**row, "groups": "A|B"}]).to_parquet(old)           # an output of the version before lists
    with pytest.raises(HarvestError, match="notes.parquet: column groups holds joined text, not lists — re-run"):
        catalog.NOTES.read("lab", tmp_path)


def test_links_csv_joins_its_lists_and_reads_them_back_typed(tmp_path):
    link = {"theme_a": "s1q1~n1", "question_a": "s1q1", "title_a": "A", "theme_b": "s2q1~n2", "question_b": "s2q1",
            "title_b": "B", "strength": 0.41, "support_a": ["lab/n1", "lab/n3"], "support_b": ["lab/n2", "lab/n4"],
            "support_similarity": [0.5, 0.4321]}
    path = catalog.LINKS.write(pd.DataFrame([link]), "lab", tmp_path)
    assert path.read_text(encoding="utf-8").splitlines()[1].endswith(",lab/n1|lab/n3,lab/n2|lab/n4,0.500|0.432")
    back = catalog.LINKS.read("lab", tmp_path).iloc[0]
    assert back["support_a"] == ["lab/n1", "lab/n3"] and back["support_similarity"] == [0.5, 0.432]


def test_no_module_splits_or_joins_a_stored_list_again():
    """Lists are lists from the catalogue on: a `split("|")` or `"|".join` outside it means a list column was
    stored as text again (the heading-word regex alternation of the readers is not a list column)."""
    allowed = {"pipeline/catalog.py", "pipeline/readers/labels.py"}
    found = [f"{path.relative_to(ROOT)}:{n}" for path in sorted((ROOT / "pipeline").rglob("*.py"))
             if str(path.relative_to(ROOT)) not in allowed
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if 'split("|")' in line or '"|".join' in line or 'replace("|"' in line]
    notebooks = [str(p.relative_to(ROOT)) for p in sorted((ROOT / "notebooks").glob("*.ipynb"))
                 if 'split(\\"|\\")' in p.read_text(encoding="utf-8")]
    assert found == [] and notebooks == []


def test_a_stage_file_that_is_a_link_is_replaced_and_what_it_pointed_to_is_untouched(tmp_path):
    """A symlinked lab.json wrote through to a file outside the project, a symlinked output into a raw
    transcript; a hard link (DVC's `cache.type: hardlink`) would write into DVC's cache."""
    folder = tmp_path / "data/processed/lab"
    folder.mkdir(parents=True)
    raw = tmp_path / "data/raw/lab/notes/n.csv"
    raw.parent.mkdir(parents=True)
    raw.write_text("session,question,group,round,note\n", encoding="utf-8")
    cached = tmp_path / "cache-object"
    cached.write_text("cached", encoding="utf-8")
    (folder / "conclusions.md").symlink_to(raw)
    (folder / "run_info.json").hardlink_to(cached)
    catalog.CONCLUSIONS.write("# Ce reținem\n", "lab", tmp_path)
    catalog.RUN_INFO.write({"pipeline_version": "x"}, "lab", tmp_path)
    assert raw.read_text(encoding="utf-8") == "session,question,group,round,note\n"
    assert cached.read_text(encoding="utf-8") == "cached"
    assert not (folder / "conclusions.md").is_symlink() and (folder / "conclusions.md").read_text() == "# Ce reținem\n"
