"""translations.csv: an analyst's English texts for quoted notes, validated at the edge, exported by the notebook."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline import ids, ingest
from pipeline import translations as tr
from pipeline.cli import main
from pipeline.errors import HarvestError
from pipeline.ingest import read_lab_notes
from tests.test_check import GOOD, make_lab

LAB = "mini-lab"
KNOWN = [f"{LAB}/a.csv:2", f"{LAB}/a.csv:3", f"{LAB}/b.csv:2"]


def test_translations_are_keyed_by_the_ids_the_appendix_prints():
    text = ("note_id,text,text_en\n"
            "a.csv:2,spații de lucru ieftine,cheap work spaces\n"
            f"{LAB}/a.csv:3,festivaluri anulate,  cancelled   festivals \n\n")
    found, problems = tr.parse_translations(text, "t.csv", LAB, KNOWN)
    assert found == {"a.csv:2": "cheap work spaces", "a.csv:3": "cancelled festivals"} and problems == []


def test_unknown_repeated_and_empty_lines_name_the_file_and_line():
    text = "note_id,text_en\na.csv:2,one\na.csv:9,two\na.csv:2,again\nb.csv:2,\n"
    found, problems = tr.parse_translations(text, "lab/translations.csv", LAB, KNOWN)
    assert found == {"a.csv:2": "one"}
    messages = [str(p) for p in problems]
    assert messages[0].startswith("lab/translations.csv:3: unknown note id 'a.csv:9' — copy the id from the report")
    assert messages[1].startswith("lab/translations.csv:4: note 'a.csv:2' is translated twice (first on line 2)")
    assert messages[2].startswith("lab/translations.csv:5: warning: no English text for note 'b.csv:2'")


def test_a_file_without_the_columns_is_an_error_on_line_1():
    with pytest.raises(HarvestError, match=r"t.csv:1: missing column\(s\) text_en — the first line"):
        tr.parse_translations("note_id,english\na.csv:2,x\n", "t.csv", LAB, KNOWN)


def test_personal_data_in_a_translation_is_redacted():
    found, _ = tr.parse_translations("note_id,text_en\na.csv:2,write to ana@example.org or Ana Popescu\n", "t.csv",
                                  LAB, KNOWN, people=["Ana Popescu"])
    assert "@" not in found["a.csv:2"] and "Popescu" not in found["a.csv:2"]


def test_no_file_means_no_translations_and_bad_bytes_are_an_error(tmp_path: Path):
    assert tr.read_translations(tmp_path, LAB, KNOWN) == ({}, [])
    (tmp_path / "translations.csv").write_bytes("note_id,text_en\na.csv:2,spaţii\n".encode("utf-16"))
    with pytest.raises(HarvestError, match="not UTF-8 text — save the file as CSV UTF-8"):
        tr.read_translations(tmp_path, LAB, KNOWN)


def test_an_unquoted_comma_keeps_the_whole_translation_and_warns():
    """'n5c5a997d,Hello,world' was read as 'Hello' without a word."""
    found, problems = tr.parse_translations("note_id,text_en\na.csv:2,Cheap studios, and small grants\n",
                                            "translations.csv", LAB, KNOWN)
    assert found == {"a.csv:2": "Cheap studios, and small grants"}
    assert [(p.line, p.severity) for p in problems] == [(2, "warning")] and "double quotes" in problems[0].fix


def test_an_empty_file_means_no_translations_as_harvest_check_advises(tmp_path: Path):
    """`harvest check` says 'create it empty: an empty file means none yet'; the empty file then failed
    with 'missing column(s) note_id, text_en'."""
    for empty in ("", "\n", "\ufeff"):
        (tmp_path / "translations.csv").write_text(empty, encoding="utf-8")
        assert tr.read_translations(tmp_path, LAB, KNOWN) == ({}, [])


def test_harvest_check_and_ingest_validate_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    lab_dir = make_lab(tmp_path, {"a.csv": GOOD})
    first = ids.short(read_lab_notes(lab_dir, ["csv"])[1]["note_id"].iloc[0])   # the id the appendix prints
    (lab_dir / "translations.csv").write_text(f"note_id,text_en\n{first},cheap work spaces\na.csv:7,x\n",
                                              encoding="utf-8")
    assert main(["check", str(lab_dir)]) == 2
    assert f"{lab_dir}/translations.csv:3: unknown note id 'a.csv:7'" in capsys.readouterr().err
    (lab_dir / "translations.csv").write_text(f"note_id,text_en\n{first},cheap work spaces\n", encoding="utf-8")
    assert main(["check", str(lab_dir)]) == 0
    root = tmp_path / "project"
    (root / "data" / "raw").mkdir(parents=True)
    lab_dir.rename(root / "data" / "raw" / LAB)
    ingest.run(LAB, {"ingest": {"formats": ["csv"], "max_unpacked_mb": 1, "max_rows": 100}}, root)
    written = pd.read_csv(root / "data" / "processed" / LAB / "translations.csv")
    assert written.to_dict("records") == [{"note_id": first, "text_en": "cheap work spaces"}]


def test_a_merged_note_takes_the_translation_of_any_of_its_sources():
    assert tr.english_text([f"{LAB}/a.csv:2", f"{LAB}/b.csv:2"], LAB, {"b.csv:2": "cheap spaces"}) == "cheap spaces"
    assert tr.english_text([f"{LAB}/a.csv:2"], LAB, {"b.csv:2": "cheap spaces"}) is None


def test_sheet_lists_quoted_notes_with_what_is_translated_and_reads_back():
    notes = pd.DataFrame({
        "note_id": [f"{LAB}/a.csv:2", f"{LAB}/a.csv:3", f"{LAB}/b.csv:2", f"{LAB}/b.csv:3"],
        "question": ["s1q1", "s1q1", "s2q1", "s2q1"],
        "text": ["spații ieftine", "Please publish calls in English", "festivaluri anulate", "nu e citat"],
        "lang": ["ro", "en", "ro", "ro"],
        "source_ids": [[f"{LAB}/a.csv:2", f"{LAB}/b.csv:4"], [f"{LAB}/a.csv:3"], [f"{LAB}/b.csv:2"],
                       [f"{LAB}/b.csv:3"]]})
    quoted = [f"{LAB}/b.csv:2", f"{LAB}/a.csv:2", f"{LAB}/a.csv:3", f"{LAB}/a.csv:2"]
    sheet = tr.translation_sheet(notes, quoted, LAB, "ro", {})
    assert sheet["note_id"].tolist() == ["b.csv:2", "a.csv:2"]          # quote order, English and repeats left out
    assert tr.still_to_translate(sheet)["note_id"].tolist() == ["b.csv:2", "a.csv:2"]
    done = tr.translation_sheet(notes, quoted, LAB, "ro", {"b.csv:4": "cheap spaces", "x.csv:1": "kept"})
    assert done[["note_id", "text_en"]].values.tolist() == [["b.csv:2", ""], ["b.csv:4", "cheap spaces"],
                                                           ["x.csv:1", "kept"]]
    assert tr.still_to_translate(done)["note_id"].tolist() == ["b.csv:2"]
    assert tr.translation_sheet(notes, quoted, LAB, "en", {}).empty
    filled = tr.export_csv(sheet.assign(text_en=["cancelled festivals", "cheap spaces"]))
    found, problems = tr.parse_translations(filled, "t.csv", LAB, KNOWN)
    assert found == {"b.csv:2": "cancelled festivals", "a.csv:2": "cheap spaces"} and problems == []
