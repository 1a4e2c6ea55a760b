"""Broken inputs found by an adversarial pass: each gives a clear error (file, line, fix), never a traceback,
a silently lost note or a wrongly placed one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.errors import HarvestError
from pipeline.lab import parse_lab
from pipeline.readers import decode_bytes, markdown_records
from tests.conftest import MINI_LAB_YAML, ROOT, SAMPLE_LAB

HEADER = "session,question,group,round,note\n"
GOOD = HEADER + "s1,s1q1,A,1,spații de lucru ieftine\ns2,s2q1,B,2,festivaluri anulate\n"


def _lab(root: Path, files: dict[str, str]) -> Path:
    lab_dir = root / "mini-lab"
    (lab_dir / "notes").mkdir(parents=True)
    (lab_dir / "lab.yaml").write_text(MINI_LAB_YAML, encoding="utf-8")
    for name, text in files.items():
        (lab_dir / "notes" / name).write_text(text, encoding="utf-8")
    return lab_dir


@pytest.mark.parametrize(("files", "expected"), [
    # An unquoted comma: 'chirii mici pentru artiști' was dropped without a word.
    # An unclosed quote: the rows below were read as part of one note.
    ({"a.csv": HEADER + 's1,s1q1,A,1,"Casa artelor e închisă\ns1,s1q1,A,1,chirii mici\ns2,s2q1,B,1,festivaluri\n'},
     "a.csv:2: a quote opened on this line is not closed: line(s) 3–4"),
    # Nothing to analyse: check said OK and the embed stage failed with a numpy traceback.
    ({"a.csv": ""}, "no notes in any transcript"),
    # A superscript digit passed isdigit() and int() raised ValueError.
    ({"a.csv": GOOD + "s1,s1q1,A,²,o idee\n"}, "a.csv:4: round '²' is not a whole number"),
    # A round too large for int64 ended in 'unexpected error (OverflowError …)' with no file or line.
    ({"a.csv": GOOD + "s1,s1q1,A,99999999999999999999999,o idee\n"},
     "a.csv:4: round 99999999999999999999999 is not a round of a workshop (1 to 99)"),
    ({"a.csv": GOOD + "s1,s1q1,A,0,o idee\n"}, "a.csv:4: round 0 is not a round of a workshop (1 to 99)"),
])
def test_broken_csv_is_an_error_with_its_line(tmp_path: Path, capsys, files: dict[str, str], expected: str):
    code = main(["check", str(_lab(tmp_path, files))])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert code == 2
    assert expected in err, err


def test_a_note_spanning_lines_in_quotes_is_still_one_note(tmp_path: Path, capsys):
    lab_dir = _lab(tmp_path, {"a.csv": GOOD + 's1,s1q1,B,1,"o notă\npe două rânduri, cu virgulă"\n'})
    assert main(["check", str(lab_dir)]) == 0
    assert "OK — 3 notes" in capsys.readouterr().out


def test_a_windows_1250_transcript_with_an_en_dash_is_read():
    """Three of the sample's four files saved as Windows-1250 were refused ('encoding could not be recognised'):
    charset_normalizer ranked ISO-8859-16 first, where the en dash's byte 0x96 is a control character."""
    text = (SAMPLE_LAB / "notes" / "sesiunea-1-grupa-A.csv").read_text(encoding="utf-8")
    text = text.translate(str.maketrans({"ș": "ş", "ț": "ţ", "Ș": "Ş", "Ț": "Ţ", "…": "...", "„": '"', "”": '"'}))
    assert "–" in text
    assert decode_bytes(text.encode("cp1250"), "a.csv", ["cp1250", "iso8859_2", "iso8859_16"]) == text


def test_a_markdown_heading_without_its_space_still_sets_the_context():
    """'####Runda 2' and '###Întrebarea 2' were read as notes, and the notes below them went to the wrong
    round and question without a warning."""
    lab = parse_lab(MINI_LAB_YAML, "mini-lab/lab.yaml")
    md = ("# Sesiunea 1\n##Grupa A\n### Întrebarea 1\n- spații ieftine\n####Runda 2\n- granturi mici\n"
          "###Întrebarea 1\n#Timișoara2021 trebuie promovat\n")
    records, problems = markdown_records(md.encode(), "a.md", lab)
    assert not [p for p in problems if p.severity == "error"]
    placed = [(r["line"], r["session"], r["group"], r["round"], r["note"]) for r in records]
    assert placed == [(4, "s1", "A", "1", "- spații ieftine"), (6, "s1", "A", "2", "- granturi mici"),
                      (8, "s1", "A", "2", "#Timișoara2021 trebuie promovat")]   # a hashtag stays a note


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    params = (ROOT / "params.yaml").read_text(encoding="utf-8")
    (tmp_path / "params.yaml").write_text(params.replace("labs:\n", "labs:\n  - mini-lab\n", 1), encoding="utf-8")
    lab = tmp_path / "data" / "raw" / "mini-lab"
    (lab / "notes").mkdir(parents=True)
    (lab / "lab.yaml").write_text(MINI_LAB_YAML, encoding="utf-8")
    (lab / "notes" / "notes.csv").write_text(HEADER + "s1,s1q1,A,1,idem\ns2,s2q1,B,1,???\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_lab_whose_notes_are_all_noise_stops_at_clean_with_its_log(project: Path, capsys):
    """Every note dropped by the clean stage: the embed stage failed with 'need at least one array'."""
    assert main(["ingest", "mini-lab"]) == 0
    assert main(["clean", "mini-lab"]) == 2
    err = capsys.readouterr().err
    assert "clean_log.csv: no note left to analyse: all 2 raw notes were dropped or merged" in err
    assert "Traceback" not in err
    assert (project / "data" / "processed" / "mini-lab" / "clean_log.csv").read_text(encoding="utf-8").count("\n") == 3
    shutil.rmtree(project / "data" / "processed")


@pytest.mark.parametrize("name", ["lab.yaml", "theme_edits.yaml", "translations.csv", "codebook.yaml",
                                  "conclusions.md"])
def test_a_lab_file_linking_outside_the_lab_folder_is_refused_not_read(tmp_path, capsys, name):
    from pipeline.ingest import read_conclusions
    from pipeline.lab import load_lab

    lab_dir = _lab(tmp_path, {"a.csv": GOOD})
    secret = tmp_path / "elsewhere.txt"
    secret.write_text((lab_dir / "lab.yaml").read_text(encoding="utf-8") if name == "lab.yaml" else "secret\n",
                      encoding="utf-8")
    (lab_dir / name).unlink(missing_ok=True)
    (lab_dir / name).symlink_to(secret)
    if name == "conclusions.md":
        with pytest.raises(HarvestError, match="a link to a file outside the lab folder: not read"):
            read_conclusions(lab_dir, load_lab(lab_dir))
        return
    assert main(["check", str(lab_dir)]) == 2
    err = capsys.readouterr().err
    assert f"{name}: a link to a file outside the lab folder: not read" in err and "Traceback" not in err


def test_an_unexpected_failure_is_one_line_with_what_to_do_not_a_traceback(project, capsys, monkeypatch):
    """Stale inputs (a stage run by hand, out of order) fail inside the code: the user gets a sentence."""
    import pipeline.cli

    def broken(*_: object) -> None:
        raise KeyError("b1/n80613771")

    monkeypatch.setattr(pipeline.cli, "_run_stage", broken)
    assert main(["links", "mini-lab"]) == 3
    err = capsys.readouterr().err
    assert "harvest links: unexpected error (KeyError: 'b1/n80613771')" in err and "run `dvc repro`" in err
    assert "Traceback" not in err
    monkeypatch.setenv("HARVEST_DEBUG", "1")
    with pytest.raises(KeyError):
        main(["links", "mini-lab"])


@pytest.mark.parametrize("order", ["utf-16-le", "utf-16-be"])
def test_utf16_without_its_byte_order_mark_is_read_and_binary_still_refused(order):
    text = HEADER + "s1,s1q1,A,1,Spații ieftine pentru ateliere\n"
    assert decode_bytes(text.encode(order), "a.csv") == text
    with pytest.raises(HarvestError, match="this looks like a binary file"):
        decode_bytes(b"PK\x03\x04\x14\x00\x00\x00\x08\x00" * 20, "a.csv")


@pytest.mark.parametrize(("code", "encoding", "text"), [
    ("hr", "iso8859_2", "Udruga je dobila više novca nego prošle godine"),        # was 'viąe', 'proąle'
    ("hr", "iso8859_2", "Žene i djeca, više škola"),
    ("hr", "cp1250", "Udruga je dobila više novca nego prošle godine"),
    ("lt", "iso8859_4", "Šiemet daugiau žiūrovų"),                                # was read as another 8-bit set
    ("lt", "iso8859_4", "Kūrėjai ir ūkininkai"),
    ("lt", "cp1257", "Kūrėjai ir ūkininkai"),
    ("ro", "cp1250", "Spaţii şi ţară – în oraş, cu mulţi artişti"),
])
def test_an_8_bit_transcript_decodes_to_its_languages_letters(code, encoding, text):
    """ISO-8859-2 and Windows-1250 both decode a Croatian file without a control character; only one of them
    writes Croatian ('više', not 'viąe'): the language's letters decide."""
    from pipeline.lang import language

    line = HEADER + f"s1,s1q1,A,1,{text}\n"
    spoken = language(code)
    assert decode_bytes(line.encode(encoding), "a.csv", list(spoken.encodings), spoken.letters) == line
