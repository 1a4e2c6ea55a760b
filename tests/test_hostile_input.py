"""Readers that lose nothing and read nothing outside the lab; personal data out of provenance and lab.json.

Every case builds its own files: Word with tracked changes, subfolders, links, Office lock files, numbers
in Excel note cells, a zip bomb, a NUL byte deep in a file, contact data in file names and ids.
"""

from __future__ import annotations

import io
import json
import os
import time
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest
from docx.oxml.ns import qn
from lxml import etree

from pipeline import ingest
from pipeline.errors import HarvestError
from pipeline.ingest import read_lab_notes
from pipeline.params import load_params
from pipeline.readers import Limits, docx_records, xlsx_records
from tests.conftest import MINI_LAB_YAML, ROOT

HEADER = "session,question,group,round,note\n"


def _run(text: str) -> etree._Element:
    run = etree.SubElement(etree.Element(qn("w:p")), qn("w:r"))
    t = etree.SubElement(run, qn("w:t"))
    t.text = text
    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return run


def _tracked(kind: str, text: str) -> etree._Element:
    change = etree.Element(qn(f"w:{kind}"), {qn("w:id"): "1", qn("w:author"): "x"})
    run = _run(text)
    if kind == "del":
        run[0].tag = qn("w:delText")
    change.append(run)
    return change


def test_word_is_read_as_accepted_text(mini_lab):
    document = docx.Document()
    document.add_heading("Sesiunea 1", level=1)
    document.add_heading("Grupa A", level=2)
    document.add_heading("Întrebarea 1", level=3)
    paragraph = document.add_paragraph("Spații ")
    paragraph._p.append(_tracked("del", "scumpe "))
    paragraph._p.append(_tracked("ins", "ieftine "))
    paragraph._p.append(_run("pentru artiști"))
    inserted = document.add_paragraph()
    inserted._p.append(_tracked("ins", "Un fond de urgență"))
    buffer = io.BytesIO()
    document.save(buffer)
    records, problems = docx_records(buffer.getvalue(), "note.docx", mini_lab)
    assert problems == []
    assert [r["note"] for r in records] == ["Spații ieftine pentru artiști", "Un fond de urgență"]


def _lab(tmp_path: Path, yaml_text: str = MINI_LAB_YAML) -> Path:
    lab_dir = tmp_path / "mini-lab"
    (lab_dir / "notes").mkdir(parents=True)
    (lab_dir / "lab.yaml").write_text(yaml_text, encoding="utf-8")
    return lab_dir


def test_notes_in_subfolders_are_read_with_the_subfolder_in_provenance(tmp_path):
    lab_dir = _lab(tmp_path)
    (lab_dir / "notes" / "sesiunea-2" / "grupa-B").mkdir(parents=True)
    (lab_dir / "notes" / "a.csv").write_text(HEADER + "s1,s1q1,A,1,Granturi mici\n", encoding="utf-8")
    (lab_dir / "notes" / "sesiunea-2" / "grupa-B" / "note.md").write_text("## Întrebarea 1\nSpectacole online\n",
                                                                          encoding="utf-8")
    _, notes, warnings = read_lab_notes(lab_dir, ["csv", "md"])
    assert warnings == []
    assert notes[["file", "session", "group", "text"]].values.tolist() == [
        ["a.csv", "s1", "A", "Granturi mici"], ["sesiunea-2/grupa-B/note.md", "s2", "B", "Spectacole online"]]
    assert notes[["file", "line"]].values.tolist()[1] == ["sesiunea-2/grupa-B/note.md", 2]   # provenance
    assert len(set(notes["note_id"])) == 2


@pytest.mark.parametrize("target", ["file", "folder"])
def test_a_link_leaving_the_lab_is_refused(tmp_path, target):
    lab_dir = _lab(tmp_path / "labs")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "secret.csv").write_text(HEADER + "s1,s1q1,A,1,Nu trebuie citit\n", encoding="utf-8")
    (lab_dir / "notes" / "a.csv").write_text(HEADER + "s1,s1q1,A,1,Granturi mici\n", encoding="utf-8")
    link = lab_dir / "notes" / ("link.csv" if target == "file" else "linked")
    os.symlink(outside / "secret.csv" if target == "file" else outside, link)
    with pytest.raises(HarvestError) as exc:
        read_lab_notes(lab_dir, ["csv"])
    assert str(exc.value) == (f"{link}: a link to a file or folder outside the lab folder: not read — copy the "
                              "transcript into notes/ instead of linking to it")


def test_a_link_inside_the_lab_is_read(tmp_path):
    lab_dir = _lab(tmp_path)
    (lab_dir / "kept").mkdir()
    (lab_dir / "kept" / "a.csv").write_text(HEADER + "s1,s1q1,A,1,Granturi mici\n", encoding="utf-8")
    os.symlink(lab_dir / "kept" / "a.csv", lab_dir / "notes" / "a.csv")
    _, notes, _ = read_lab_notes(lab_dir, ["csv"])
    assert notes["text"].tolist() == ["Granturi mici"]


def _xlsx(rows: list[list[object]], number_format: str | None = None) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    if number_format:
        for cell in sheet["E"][1:]:
            cell.number_format = number_format
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_an_excel_lock_file_is_skipped_with_a_warning(tmp_path):
    lab_dir = _lab(tmp_path)
    (lab_dir / "notes" / "notes.xlsx").write_bytes(_xlsx([["session", "question", "group", "round", "note"],
                                                          ["s1", "s1q1", "A", 1, "Granturi mici"]]))
    (lab_dir / "notes" / "~$notes.xlsx").write_bytes(b"\x0bLock\x00owner" + b"\x00" * 150)
    _, notes, warnings = read_lab_notes(lab_dir, ["xlsx"])
    assert notes["text"].tolist() == ["Granturi mici"]
    lock = [p for p in warnings if "lock file" in p.problem]
    assert [(p.path, p.severity) for p in lock] == [(str(lab_dir / "notes" / "~$notes.xlsx"), "warning")]


def test_numbers_in_excel_note_cells_read_as_typed_and_phones_redacted(tmp_path):
    lab_dir = _lab(tmp_path)
    rows = [["session", "question", "group", "round", "note"], ["s1", "s1q1", "A", 1, 722123456],
            ["s1", "s1q1", "A", 1, 3.5], ["s1", "s1q1", "A", 1, 150]]
    (lab_dir / "notes" / "a.xlsx").write_bytes(_xlsx(rows))
    (lab_dir / "notes" / "b.xlsx").write_bytes(_xlsx(rows[:2], number_format="0000000000"))
    records, _ = xlsx_records(_xlsx(rows[:2], number_format="0000000000"), "b.xlsx", ingest.load_lab(lab_dir))
    assert records[0]["note"] == "0722123456"
    _, notes, _ = read_lab_notes(lab_dir, ["xlsx"])
    assert notes["text"].tolist() == ["[telefon]", "3.5", "150", "[telefon]"]


def test_an_office_zip_bomb_fails_fast_with_a_clear_error(mini_lab):
    data = _xlsx([["session", "question", "group", "round", "note"], ["s1", "s1q1", "A", 1, "x"]])
    bomb = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        target.writestr("xl/padding.xml", b"<a>" + b" " * (3 * 2 ** 20) + b"</a>")
    assert len(bomb.getvalue()) < 100_000
    started = time.monotonic()
    records, problems = xlsx_records(bomb.getvalue(), "notes.xlsx", mini_lab, Limits(max_unpacked_mb=2))
    assert time.monotonic() - started < 1
    assert records == [] and [str(p) for p in problems] == [
        "notes.xlsx: unpacks to 3.0 MB, more than ingest.max_unpacked_mb (2 MB): not read — save the notes again in a "
        "new file (or split it); if the file is genuine, raise ingest.max_unpacked_mb in params.yaml"]
    document = docx.Document()
    buffer = io.BytesIO()
    document.save(buffer)
    assert docx_records(buffer.getvalue(), "n.docx", mini_lab, Limits(max_unpacked_mb=0.001))[1][0].problem.startswith(
        "unpacks to")


def test_a_sheet_with_too_many_rows_is_refused(mini_lab):
    rows = [["session", "question", "group", "round", "note"]] + [["s1", "s1q1", "A", 1, f"idee {i}"] for i in range(5)]
    records, problems = xlsx_records(_xlsx(rows), "notes.xlsx", mini_lab, Limits(max_rows=4))
    assert records == [] and problems[0].path == "notes.xlsx[Sheet]"
    assert problems[0].problem == "more than ingest.max_rows (4) rows: not read"
    assert len(xlsx_records(_xlsx(rows), "notes.xlsx", mini_lab, Limits(max_rows=6))[0]) == 5


def test_the_limits_come_from_params_yaml(tmp_path):
    params = {"ingest": {"formats": ["xlsx"], "max_unpacked_mb": 0.001, "max_rows": 10}}
    root = tmp_path
    lab_dir = _lab(root / "data" / "raw")
    (lab_dir / "notes" / "a.xlsx").write_bytes(_xlsx([["session", "question", "group", "round", "note"]]))
    with pytest.raises(HarvestError, match=r"a\.xlsx: unpacks to 0.0 MB, more than ingest.max_unpacked_mb \(0.001"):
        ingest.run("mini-lab", params, root)


def test_a_nul_byte_deep_in_a_text_file_is_an_error_with_its_line(tmp_path):
    lab_dir = _lab(tmp_path)
    body = "".join(f"s1,s1q1,A,1,Idee numărul {i} despre spații\n" for i in range(200))
    (lab_dir / "notes" / "a.csv").write_bytes((HEADER + body + "s1,s1q1,A,1,rupt\x00aici\n").encode())
    assert (HEADER + body).encode().find(b"\x00") == -1 and len(HEADER + body) > 4096
    with pytest.raises(HarvestError) as exc:
        read_lab_notes(lab_dir, ["csv"])
    assert str(exc.value).startswith(f"{lab_dir / 'notes' / 'a.csv'}:202: a NUL character (byte 0) in the text")
    # … and early in the file too: it was 'this looks like a binary file', with no line.
    (lab_dir / "notes" / "a.csv").write_bytes((HEADER + "s1,s1q1,A,1,rupt\x00aici\n").encode())
    with pytest.raises(HarvestError) as exc:
        read_lab_notes(lab_dir, ["csv"])
    assert str(exc.value).startswith(f"{lab_dir / 'notes' / 'a.csv'}:2: a NUL character (byte 0) in the text")


def test_contact_data_in_file_names_and_ids_never_reaches_note_ids(tmp_path):
    lab_dir = _lab(tmp_path)
    for name in ("ana.pop@exemplu.ro.csv", "radu.i@exemplu.ro.csv"):
        (lab_dir / "notes" / name).write_text("id," + HEADER + "0721 234 567,s1,s1q1,A,1,Granturi mici\n"
                                              "0733 444 555,s1,s1q1,A,1,Spații ieftine\n"
                                              "A-1,s1,s1q1,A,1,Mentorat\n", encoding="utf-8")
    _, notes, _ = read_lab_notes(lab_dir, ["csv"])
    ids = notes["note_id"].tolist()
    assert len(set(ids)) == 6
    assert ids[:3] == ["mini-lab/[email]#[telefon]", "mini-lab/[email]#[telefon]~2", "mini-lab/[email]#A-1"]
    assert ids[3].startswith("mini-lab/[email]~2#")
    assert not any("@" in i or "0721" in i for i in ids + notes["file"].tolist())
    # A listed name joined by '_' (as file names are) was kept in every id of the file's notes.
    (lab_dir / "notes" / "sesiunea-1-Ana_Popescu.csv").write_text(HEADER + "s1,s1q1,A,1,Granturi mici\n",
                                                                   encoding="utf-8")
    _, notes, _ = read_lab_notes(lab_dir, ["csv"])
    assert not any("Popescu" in i for i in notes["note_id"].tolist() + notes["file"].tolist())


def test_lab_yaml_fields_reaching_lab_json_are_redacted(tmp_path):
    yaml_text = MINI_LAB_YAML.replace("language: ro\n", "language: ro\nfacilitator: Ana Popescu (ana.pop@exemplu.ro)\n"
                                      "venue: Sala Mare, tel. 0256 491 237\n")
    lab_dir = _lab(tmp_path / "data" / "raw", yaml_text)
    (lab_dir / "notes" / "a.csv").write_text(HEADER + "s1,s1q1,A,1,Granturi mici\n", encoding="utf-8")
    ingest.run("mini-lab", {"ingest": {"formats": ["csv"], "max_unpacked_mb": 1, "max_rows": 100}}, tmp_path)
    lab_json = json.loads((tmp_path / "data" / "processed" / "mini-lab" / "lab.json").read_text(encoding="utf-8"))
    assert lab_json["facilitator"] == "[persoană] ([email])" and lab_json["venue"] == "Sala Mare, tel. [telefon]"
    assert lab_json["city"] == "Timișoara"
    assert lab_json["sessions"][0]["questions"][0]["text"] == "Cum putem activa mai multe start-up-uri?"


def test_what_reading_the_transcripts_left_out_is_kept_for_the_report(tmp_path):
    """An .odt file (or a Word table, a hidden sheet) was only a warning on stderr: after a cached run its
    notes were gone without a trace. Ingest keeps the warnings; clean puts where they were into quality.json."""
    from pipeline import catalog, clean

    lab_dir = _lab(tmp_path / "data" / "raw")
    (lab_dir / "notes" / "a.csv").write_text(HEADER + "s1,s1q1,A,1,Granturi mici pentru artiști\n", encoding="utf-8")
    (lab_dir / "notes" / "extra.odt").write_bytes(b"PK not read")
    params = {"ingest": {"formats": ["csv"], "max_unpacked_mb": 1, "max_rows": 100}}
    ingest.run("mini-lab", params, tmp_path)
    warnings = catalog.READ_WARNINGS.read("mini-lab", tmp_path)
    odt = warnings[warnings["where"] == "notes/extra.odt"]
    assert odt["problem"].tolist() == ["unsupported file type '.odt'"]
    quality = clean.run("mini-lab", load_params(ROOT / "params.yaml"), tmp_path)
    assert quality["read_warnings"] == ["notes/extra.odt"]
    (lab_dir / "notes" / "extra.odt").unlink()
    ingest.run("mini-lab", params, tmp_path)
    assert "notes/extra.odt" not in catalog.READ_WARNINGS.read("mini-lab", tmp_path)["where"].tolist()
