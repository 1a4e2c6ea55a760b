"""reports/<lab>/themes.xlsx: a sheet per question, a notes sheet, and no cell that can run as a formula."""

from __future__ import annotations

import openpyxl
import pandas as pd

from pipeline.report.spreadsheet import NOTE_COLUMNS, THEME_COLUMNS, sheets, write_workbook

NOTES = pd.DataFrame({
    "note_id": ["lab/n00000001", "lab/n00000002", "lab/n00000003#1", "lab/n00000004"],
    "question": ["s1q1", "s1q1", "s1q1", "s2q1"], "group": ["A", "B", "A", "B"], "round": [1, 2, 1, 1],
    "text": ["=HYPERLINK(\"http://x\")", "-10% din buget pentru artiști", "@primăria să ajute", "Festivaluri"],
    "source_ids": [["lab/n00000001", "lab/n000000aa"], ["lab/n00000002"], ["lab/n00000003"], ["lab/n00000004"]],
    "provenance": [["a.csv:2", "b.csv:7"], ["a.csv:3"], ["a.csv:4"], ["c.csv:2"]],
})
ASSIGNMENTS = pd.DataFrame({"note_id": NOTES["note_id"], "theme_id": ["s1q1~n00000001"] * 2 + ["", ""],
                            "status": ["assigned", "assigned", "excluded by the analyst", "none fits"]})
THEMES = [{"theme_id": "s1q1~n00000001", "question": "s1q1", "title": "+Bani", "keywords": ["bani", "buget"],
           "size": 3, "notes": 2, "relevant": True, "edits": ["renamed"], "groups": ["A", "B"],
           "quotes": [{"text": "=HYPERLINK(\"http://x\")"}, {"text": "-10% din buget pentru artiști"}]}]
COVERAGE = pd.DataFrame({"question": ["s1q1"] * 2, "theme_id": ["s1q1~n00000001"] * 2, "group": ["A", "B"],
                         "round": [1, 2], "notes": [2, 1]})


def test_workbook_has_a_sheet_per_question_and_every_note(tmp_path):
    written = write_workbook(sheets(NOTES, ASSIGNMENTS, THEMES, COVERAGE, ["s1q1", "s2q1"]), tmp_path)
    assert [p.name for p in written] == ["themes.xlsx", "themes.csv", "notes.csv"]
    book = pd.read_excel(tmp_path / "themes.xlsx", sheet_name=None, keep_default_na=False)
    assert list(book) == ["s1q1", "s2q1", "notes"]
    assert list(book["s1q1"].columns) == THEME_COLUMNS and list(book["notes"].columns) == NOTE_COLUMNS
    theme = book["s1q1"].iloc[0]
    assert (theme["title"], theme["summary"], theme["size"], theme["tables"], theme["rounds"]) == (
        "+Bani", "bani, buget", 3, "A, B", "1, 2")
    assert theme["quotes"].splitlines() == ["=HYPERLINK(\"http://x\")", "-10% din buget pentru artiști"]
    assert book["s2q1"].empty
    notes = book["notes"].set_index("note_id")
    assert notes.loc["n00000001 n000000aa", "provenance"] == "a.csv:2 b.csv:7"      # every id an edit may use
    assert notes.loc["n00000003#1", "status"] == "excluded by the analyst" and notes.loc["n00000004", "theme"] == ""
    assert notes.loc["n00000001 n000000aa", "theme"] == "+Bani"


def test_cells_that_look_like_formulas_are_text(tmp_path):
    write_workbook(sheets(NOTES, ASSIGNMENTS, THEMES, COVERAGE, ["s1q1", "s2q1"]), tmp_path)
    sheet = openpyxl.load_workbook(tmp_path / "themes.xlsx")["notes"]
    cells = {c.value: c for row in sheet.iter_rows(min_row=2) for c in row if isinstance(c.value, str)}
    for text in ("=HYPERLINK(\"http://x\")", "-10% din buget pentru artiști", "@primăria să ajute"):
        assert cells[text].data_type == "s" and cells[text].quotePrefix, text
    assert not cells["Festivaluri"].quotePrefix
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)
    csv_notes = pd.read_csv(tmp_path / "notes.csv", keep_default_na=False)
    assert "'=HYPERLINK(\"http://x\")" in csv_notes["text"].tolist() and "Festivaluri" in csv_notes["text"].tolist()
    assert pd.read_csv(tmp_path / "themes.csv")["title"].tolist() == ["'+Bani"]


def test_same_inputs_same_bytes(tmp_path):
    book = sheets(NOTES, ASSIGNMENTS, THEMES, COVERAGE, ["s1q1", "s2q1"])
    first, second = tmp_path / "a", tmp_path / "b"
    write_workbook(book, first)
    write_workbook(book, second)
    for name in ("themes.xlsx", "themes.csv", "notes.csv"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
