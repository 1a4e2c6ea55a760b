"""Excel, Markdown / plain text and Word transcripts -> the same raw note records as CSV."""

from __future__ import annotations

import io
import random
import re
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest

from pipeline.ingest import validate_records
from pipeline.lab import load_lab
from pipeline.nlp import normalise
from pipeline.readers import csv_records, decode_bytes, docx_records, markdown_records, xlsx_records
from pipeline.templates import ROMANIAN_EXAMPLES, heading_labels, write_templates
from tests.conftest import ROOT

TEMPLATES = ROOT / "docs" / "templates"


def _xlsx(sheets: dict[str, list[list[object]]], hidden: tuple[str, ...] = ()) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        sheet.sheet_state = "hidden" if name in hidden else "visible"
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _fields(records, *keys):
    return [tuple(r[k] for k in keys) for r in records]


# --- CSV --------------------------------------------------------------------------------------------


def test_a_csv_note_typed_with_commas_and_no_quotes_is_read_whole():
    """`…,1,Pigios patalpos, nenaudojami pastatai` has six cells: the words after the comma are the note's."""
    text = ("session,question,group,round,note\n"
            "s1,s1q1,B,1,Reikia aiškaus kontaktinio asmens, kuris atsakytų mažoms įmonėms\n"
            "s1,s1q1,B,2,\"Pigios patalpos, nenaudojami pastatai\"\n")
    records, problems = csv_records(text, "b.csv")
    assert [r["note"] for r in records] == ["Reikia aiškaus kontaktinio asmens, kuris atsakytų mažoms įmonėms",
                                           "Pigios patalpos, nenaudojami pastatai"]
    assert [(p.line, p.severity) for p in problems] == [(2, "warning")]
    assert "double quotes" in problems[0].fix and "','" in problems[0].problem
    records, problems = csv_records("session;question;group;round;note;\ns1;s1q1;A;1;Spații ieftine; ateliere;;\n",
                                    "a.csv")
    assert [r["note"] for r in records] == ["Spații ieftine; ateliere"]
    assert [(p.line, p.severity) for p in problems] == [(2, "warning")]


def test_a_csv_row_split_by_an_unquoted_comma_before_the_last_column_is_an_error():
    """With the note not last, the cells after it would shift into other columns: the row is refused."""
    text = "session,question,group,note,round\ns1,s1q1,A,granturi, mici,1\ns1,s1q1,B,mentorat,2\n"
    records, problems = csv_records(text, "a.csv")
    assert [r["note"] for r in records] == ["mentorat"]
    assert [(p.line, p.severity) for p in problems] == [(2, "error")]
    assert "6 cells where the header has 5" in problems[0].problem and "double quotes" in problems[0].fix
    assert csv_records("session,question,group,round,note\ns1,s1q1,A,1,granturi,,\n", "c.csv") == (
        [{"file": "c.csv", "line": 2, "session": "s1", "question": "s1q1", "group": "A", "round": "1",
          "note": "granturi"}], [])


# --- Excel ------------------------------------------------------------------------------------------


def test_xlsx_one_sheet_per_session_without_session_column(mini_lab):
    data = _xlsx({
        "s1": [["question", "group", "round", "note"], ["s1q1", "A", 1, "granturi mici"], [],
               ["s1q1", "B", 2, "mentorat pentru tineri"]],
        "SESIUNEA 2": [["Question", "Group", "Round", "Note"], ["s2q1", "A", None, "evenimente anulate"]],
        "Instrucțiuni": [["scrieți o idee pe rând"]],
    })
    records, problems = xlsx_records(data, "note.xlsx", mini_lab)
    assert _fields(records, "file", "line", "session", "question", "group", "round", "note") == [
        ("note.xlsx[s1]", 2, "s1", "s1q1", "A", "1", "granturi mici"),
        ("note.xlsx[s1]", 4, "s1", "s1q1", "B", "2", "mentorat pentru tineri"),
        ("note.xlsx[SESIUNEA 2]", 2, "s2", "s2q1", "A", "", "evenimente anulate"),
    ]
    assert [(p.severity, "Instrucțiuni" in p.problem) for p in problems] == [("warning", True)]
    rows, invalid = validate_records(records, mini_lab)
    assert invalid == [] and [r["round"] for r in rows] == [1, 2, 1]


def test_xlsx_first_sheet_with_full_header_and_numbers(mini_lab):
    data = _xlsx({
        "Notițe": [["session", "question", "group", "round", "note", "id"],
                   ["s1", "s1q1", "A", 1.0, "spații ieftine", 12],
                   ["s2", "s2q1", "B", 2, 2020, 13.5],
                   ["s1", "s1q1", "A", 3, None, None]],
        "Foaie2": [["altceva"]],
    })
    records, problems = xlsx_records(data, "note.xlsx", mini_lab)
    assert _fields(records, "file", "line", "session", "round", "note", "id") == [
        ("note.xlsx", 2, "s1", "1", "spații ieftine", "12"),
        ("note.xlsx", 3, "s2", "2", "2020", "13.5"),
        ("note.xlsx", 4, "s1", "3", "", ""),
    ]
    assert len(problems) == 1 and problems[0].severity == "warning"
    assert "only sheet 'Notițe' (the first with a header row) is read" in problems[0].problem


def test_xlsx_notes_below_a_title_row_after_an_instructions_sheet_are_read(mini_lab):
    """A workbook as hosts make them: instructions first, then a sheet with a title row above the header."""
    data = _xlsx({
        "Instrucțiuni": [["Scrieți o idee pe rând"], ["Coloanele: sesiune, întrebare, grupă, rundă, notiță"]],
        "Notițe": [["Notițe — Atelierul din 20.10.2020"], [],
                   ["session", "question", "group", "round", "note"], ["s1", "s1q1", "A", 1, "spații ieftine"]],
    })
    records, problems = xlsx_records(data, "note.xlsx", mini_lab)
    assert _fields(records, "line", "note") == [(4, "spații ieftine")]
    assert [(p.line, p.problem) for p in problems] == [
        (1, "1 row(s) above the header row 3 are not read"),
        (None, "sheet(s) 'Instrucțiuni' ignored: only sheet 'Notițe' (the first with a header row) is read")]


def test_xlsx_hidden_sheet_is_not_read_and_is_named(mini_lab):
    """A sheet its author hid (an old draft of the same session) is not taken for notes, and the warning says
    how to bring it back; an all-hidden workbook says it has no visible sheet."""
    header = ["question", "group", "round", "note"]
    data = _xlsx({"s1": [header, ["s1q1", "A", 1, "granturi mici"]],
                  "s2": [header, ["s2q1", "A", 1, "ciornă veche"]]}, hidden=("s2",))
    records, problems = xlsx_records(data, "note.xlsx", mini_lab)
    assert [r["note"] for r in records] == ["granturi mici"]
    assert [(p.severity, p.problem) for p in problems] == [("warning", "hidden sheet(s) 's2' not read")]
    assert "Unhide" in problems[0].fix
    # Excel and openpyxl keep one sheet visible; a workbook edited by another program may hide every sheet.
    both_hidden = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(both_hidden, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/workbook.xml":
                content = content.replace(b'sheetId="1" state="visible"', b'sheetId="1" state="hidden"')
            target.writestr(item, content)
    records, problems = xlsx_records(both_hidden.getvalue(), "n.xlsx", mini_lab)
    assert records == [] and [p.problem for p in problems] == ["hidden sheet(s) 's1', 's2' not read",
                                                               "the workbook has no visible worksheet"]


def test_xlsx_cells_right_of_the_last_header_are_named_not_dropped_silently(mini_lab):
    data = _xlsx({"Foaie1": [["session", "question", "group", "round", "note"],
                             ["s1", "s1q1", "A", 1, "granturi mici", None, "și mentorat"],
                             ["s1", "s1q1", "B", 2, "x"]]})
    records, problems = xlsx_records(data, "n.xlsx", mini_lab)
    assert [r["note"] for r in records] == ["granturi mici", "x"]
    assert [(p.line, p.severity) for p in problems] == [(2, "warning")]
    assert problems[0].problem == "1 filled cell(s) right of the last column are not read"


def test_xlsx_missing_column_names_the_sheet_row(mini_lab):
    records, problems = xlsx_records(_xlsx({"Foaie1": [[], ["question", "note"], ["s1q1", "x"]]}), "n.xlsx",
                                     mini_lab)
    assert records == [] and (problems[0].line, problems[0].severity) == (2, "error")
    assert "missing column(s): session, group, round" in problems[0].problem


@pytest.mark.parametrize("data", [random.Random(0).randbytes(3000), b"", b"PK\x03\x04 truncated zip"])
def test_corrupt_xlsx_is_a_problem_not_a_traceback(mini_lab, data):
    records, problems = xlsx_records(data, "stricat.xlsx", mini_lab)
    assert records == []
    assert [str(p) for p in problems] == [
        "stricat.xlsx: cannot be opened as an Excel workbook — save it again from Excel as .xlsx (Excel Workbook)"]


# --- Markdown and plain text --------------------------------------------------------------------------

MARKDOWN = """\
# Sesiunea 1

## Grupa A
### Întrebarea 1
- Granturi mici pentru start-up-uri culturale
* Spații ieftine în clădirile orașului
Runda: 2
• Mentorat din partea antreprenorilor
1. Cursuri de business pentru artiști

---
#### Table B
2) Un ghișeu unic la Primărie
Grupa A a propus un fond local
#### Something else
**Round 3**
nota după un titlu necunoscut

#Session 2 is not a heading without a space after '#'
# SESSION 2
Masa: A
Intrebarea 1
Evenimentele anulate au redus veniturile
## Q1
Question: s1q1
înapoi la prima întrebare
"""


def test_markdown_grammar_headings_key_values_bullets(mini_lab):
    records, problems = markdown_records(MARKDOWN.encode(), "note.md", mini_lab)
    assert _fields(records, "line", "session", "question", "group", "round", "note") == [
        (5, "s1", "s1q1", "A", "1", "- Granturi mici pentru start-up-uri culturale"),
        (6, "s1", "s1q1", "A", "1", "* Spații ieftine în clădirile orașului"),
        (8, "s1", "s1q1", "A", "2", "• Mentorat din partea antreprenorilor"),
        (9, "s1", "s1q1", "A", "2", "1. Cursuri de business pentru artiști"),
        (13, "s1", "s1q1", "B", "2", "2) Un ghișeu unic la Primărie"),
        (14, "s1", "s1q1", "B", "2", "Grupa A a propus un fond local"),
        (17, "s1", "s1q1", "B", "3", "nota după un titlu necunoscut"),
        (19, "s1", "s1q1", "B", "3", "#Session 2 is not a heading without a space after '#'"),
        (23, "s2", "s2q1", "A", "1", "Evenimentele anulate au redus veniturile"),
        (26, "s1", "s1q1", "A", "1", "înapoi la prima întrebare"),
    ]
    assert [(p.line, p.severity) for p in problems] == [(15, "warning")]
    assert "heading 'Something else' is not a session, group, question or round" in problems[0].problem
    rows, invalid = validate_records(records, mini_lab)
    assert invalid == [] and len(rows) == len(records)


def test_question_heading_by_text_and_combined_heading(mini_lab):
    text = ("## Sesiune 2, Grup B, Tura 2\n### Cum a fost afectat sectorul de pandemie?\nidee\n"
            "## s1q1\nalta\n### Cum putem activa mai multe start-up-uri? (notițe)\na treia\n")
    records, problems = markdown_records(text.encode(), "n.md", mini_lab)
    assert problems == []
    assert _fields(records, "line", "session", "question", "group", "round") == [
        (3, "s2", "s2q1", "B", "2"), (5, "s1", "s1q1", "B", "1"), (7, "s1", "s1q1", "B", "1")]


def test_note_before_any_question_is_reported_with_its_line(mini_lab):
    text = "# Sesiunea 1\n\nNotițe de la masa A\nluate de facilitator\n## Întrebarea 1\nGrupa: A\nok\n"
    records, problems = markdown_records(text.encode(), "n.md", mini_lab)
    assert [r["line"] for r in records] == [7]
    assert [str(p) for p in problems] == [
        "n.md:3: note before any question heading (lines 3–4) — add a heading such as '## Întrebarea 1' above it"]


@pytest.mark.parametrize("code", ["lt", "it", "en"])
def test_heading_suggestions_are_in_the_labs_language(mini_lab, code):
    from dataclasses import replace

    from pipeline.lang import language

    lab = replace(mini_lab, language=code)
    words = language(code).labels
    text = "intro before anything\n## s1q1\nno group here\n#### something else\n"
    _, problems = markdown_records(text.encode(), "n.md", replace(lab, groups=("A", "B")))
    messages = [str(p) for p in problems]
    assert f"add a heading such as '## {words['question']} 1' above it" in messages[0]
    assert f"add a heading such as '## {words['group']} A' above it" in messages[1]
    assert f"'### {words['question']} 1' or '#### {words['round']} 2'" in messages[2]
    assert not any(ro in m for m in messages for ro in ("Întrebarea", "Grupa", "Sesiunea", "Runda"))


def test_unknown_group_and_missing_group_are_errors_once(mini_lab):
    text = "## s1q1\nfără grupă\ntot fără\n## Grupa Z\nsărită\n## Grupa B\nbună\n"
    records, problems = markdown_records(text.encode(), "n.md", mini_lab)
    assert [r["line"] for r in records] == [7]
    assert [(p.line, p.problem) for p in problems] == [(2, "note without a group (lines 2–3)"),
                                                       (4, "unknown group 'Z'")]


def test_question_number_needs_a_session_and_must_exist(mini_lab):
    text = "## Grupa A\n## Întrebarea 1\nx\n# Sesiunea 1\n## Întrebarea 4\ny\n"
    records, problems = markdown_records(text.encode(), "n.md", mini_lab)
    assert records == []
    assert [(p.line, p.problem) for p in problems] == [(2, "question 1 before any session heading"),
                                                       (5, "session 's1' has no question 4")]


def test_file_name_gives_session_and_group(mini_lab):
    records, problems = markdown_records(b"Intrebarea 1\nidee\n", "sesiunea-2-grupa-B.txt", mini_lab)
    assert problems == [] and _fields(records, "session", "question", "group") == [("s2", "s2q1", "B")]


def test_txt_in_cp1250_with_cedilla_letters_decodes(mini_lab):
    text = "Sesiunea 1\r\nGrupa A\r\nIntrebarea 1\r\nFinanţare pentru artişti şi întreprinderi\r\n"
    records, problems = markdown_records(text.encode("cp1250"), "note.txt", mini_lab)
    assert problems == [] and _fields(records, "line", "question", "group") == [(4, "s1q1", "A")]
    # cp1250, ISO-8859-2 and ISO-8859-16 share these bytes (ş/ș, ţ/ț); after normalisation they read the same.
    assert normalise(records[0]["note"], "ro") == "Finanțare pentru artiști și întreprinderi"


def test_empty_text_file_is_a_warning(mini_lab):
    records, problems = markdown_records(b"\n\n", "gol.md", mini_lab)
    assert records == [] and [p.severity for p in problems] == ["warning"]


# --- Word -------------------------------------------------------------------------------------------


def _docx(build) -> bytes:
    document = docx.Document()
    build(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_docx_headings_and_bullets_with_paragraph_numbers(mini_lab):
    def build(d):
        d.add_heading("Sesiunea 1", level=1)  # 1
        d.add_heading("Grupa B", level=2)  # 2
        d.add_paragraph("")  # 3
        d.add_heading("Întrebarea 1", level=3)  # 4
        d.add_paragraph("Granturi mici", style="List Bullet")  # 5
        d.add_paragraph("Runda: 2")  # 6
        d.add_paragraph("Spații ieftine", style="List Number")  # 7
        d.add_table(rows=1, cols=1).cell(0, 0).text = "ignorat"
        d.add_heading("Session 2", level=1)  # 8
        d.add_heading("Question 1", level=4)  # 9
        d.add_paragraph("Evenimente anulate")  # 10

    records, problems = docx_records(_docx(build), "note.docx", mini_lab)
    assert _fields(records, "line", "session", "question", "group", "round", "note") == [
        (5, "s1", "s1q1", "B", "1", "Granturi mici"),
        (7, "s1", "s1q1", "B", "2", "Spații ieftine"),
        (10, "s2", "s2q1", "B", "1", "Evenimente anulate"),
    ]
    assert [(p.severity, p.problem) for p in problems] == [("warning", "1 table(s) ignored")]


def test_docx_note_before_question_has_its_paragraph_number(mini_lab):
    def build(d):
        d.add_heading("Sesiunea 1", level=1)
        d.add_paragraph("notă fără întrebare")

    records, problems = docx_records(_docx(build), "note.docx", mini_lab)
    assert records == [] and [(p.line, p.problem) for p in problems] == [(2, "note before any question heading")]


@pytest.mark.parametrize("data", [random.Random(1).randbytes(3000), b"", _xlsx({"s1": [["x"]]})])
def test_corrupt_docx_is_a_problem_not_a_traceback(mini_lab, data):
    records, problems = docx_records(data, "stricat.docx", mini_lab)
    assert records == [] and len(problems) == 1
    assert str(problems[0]).startswith("stricat.docx: cannot be opened as a Word document — save it again")


# --- Templates --------------------------------------------------------------------------------------


def _read_csv(data: bytes, name: str, lab):
    return csv_records(decode_bytes(data, name), name)


@pytest.mark.parametrize(("name", "reader"), [("notes-template.csv", _read_csv), ("notes-template.xlsx", xlsx_records),
                                              ("notes-template.md", markdown_records),
                                              ("notes-template.docx", docx_records)])
def test_templates_parse_against_the_sample_lab(name, reader):
    lab = load_lab(ROOT / "data" / "raw" / "timisoara-2020-10-20")
    path: Path = TEMPLATES / name
    records, problems = reader(path.read_bytes(), name, lab)
    assert problems == [] and len(records) >= 2
    rows, invalid = validate_records(records, lab)
    assert invalid == [] and len(rows) == len(records)
    assert all(r["raw_text"].lstrip("- ").startswith("Exemplu") for r in rows)


def test_templates_are_what_the_script_makes(tmp_path):
    write_templates(tmp_path, ROMANIAN_EXAMPLES, heading_labels("ro"))
    for name in ("notes-template.csv", "notes-template.md", "notes-template.xlsx", "notes-template.docx"):
        assert (TEMPLATES / name).read_bytes() == (tmp_path / name).read_bytes(), name


def test_the_documented_markdown_example_reads_as_documented():
    doc = (ROOT / "docs" / "transcription.md").read_text(encoding="utf-8")
    example = re.search(r"```markdown\n(.*?)```", doc, re.S)
    assert example is not None
    lab = load_lab(ROOT / "data" / "raw" / "timisoara-2020-10-20")
    records, problems = markdown_records(example[1].encode(), "sesiunea-1.md", lab)
    assert problems == []
    assert _fields(records, "line", "question", "group", "round") == [
        (6, "s1q1", "A", "1"), (7, "s1q1", "A", "1"), (9, "s1q1", "A", "2"), (10, "s1q1", "A", "2"),
        (16, "s1q1", "B", "2"), (20, "s1q2", "B", "1"), (24, "s2q1", "A", "1")]


def test_a_header_naming_a_column_twice_is_an_error_not_a_lost_note():
    records, problems = csv_records("session,question,group,round,note,note\ns1,s1q1,A,1,prima,a doua\n", "a.csv")
    assert records == [] and [(p.line, p.severity) for p in problems] == [(1, "error")]
    assert "note appear twice" in problems[0].problem


def test_an_empty_group_cell_says_so_and_names_merged_cells(mini_lab):
    """Excel's merged group cells reach the reader as one filled cell and empty ones below it."""
    data = _xlsx({"Foaie1": [["session", "question", "group", "round", "note"], ["s1", "s1q1", "A", 1, "prima"],
                             ["s1", "s1q1", None, 1, "a doua"]]})
    records, _ = xlsx_records(data, "n.xlsx", mini_lab)
    rows, invalid = validate_records(records, mini_lab)
    assert [r["raw_text"] for r in rows] == ["prima"]
    assert [(p.line, p.problem) for p in invalid] == [(3, "the group cell is empty")]
    assert "unmerge merged cells" in invalid[0].fix


def test_a_utf8_file_with_lines_pasted_from_an_8bit_one_keeps_both_readable():
    """One cp1250 line in a UTF-8 file made the whole file 8-bit: 'Ioan Mureșan' became 'Ioan MureČ™an'
    everywhere, and the listed person was no longer redacted. A file that is all 8-bit reads as before."""
    from pipeline.readers.decoding import decode_in_language

    mixed = "s1,Ioan Mureșan și firmele „locale”\n".encode() + "s1,şi liceele de artă\n".encode("cp1250")
    assert decode_in_language(mixed, "a.csv", "ro") == "s1,Ioan Mureșan și firmele „locale”\ns1,şi liceele de artă\n"
    eight_bit = "s1,şi liceele de artă\ns1,ţara\n".encode("cp1250")
    assert decode_in_language(eight_bit, "a.csv", "ro") == "s1,şi liceele de artă\ns1,ţara\n"
    lithuanian = "s1,Kūrėjų erdvės ir šventės\n".encode("cp1257")
    assert decode_in_language(lithuanian, "a.csv", "lt") == "s1,Kūrėjų erdvės ir šventės\n"
