from pathlib import Path

import pytest

from pipeline.errors import HarvestError
from pipeline.ingest import parse_csv, read_lab_notes
from pipeline.nlp import normalise
from pipeline.readers import decode_bytes
from tests.conftest import MINI_LAB_YAML, SAMPLE_LAB

HEADER = "session,question,group,round,note\n"


def test_parse_csv_keeps_provenance_lines(mini_lab):
    text = HEADER + 's1,s1q1,A,1,"spații, ieftine"\n\ns1,s1q1,B,2,mentorat pentru tineri\n'
    rows, problems = parse_csv(text, "a.csv", mini_lab)
    assert problems == []
    assert [(r["line"], r["group"], r["round"], r["raw_text"]) for r in rows] == [
        (2, "A", 1, "spații, ieftine"), (4, "B", 2, "mentorat pentru tineri")]


def test_semicolon_and_tab_delimiters(mini_lab):
    for sep in (";", "\t"):
        text = HEADER.replace(",", sep) + sep.join(["s1", "s1q1", "A", "1", "granturi mici"]) + "\n"
        rows, problems = parse_csv(text, "a.csv", mini_lab)
        assert problems == [] and rows[0]["raw_text"] == "granturi mici"


def test_unknown_question_names_line_and_valid_ids(mini_lab):
    rows, problems = parse_csv(HEADER + "s1,s1q1,A,1,ok\ns1,s1q9,A,1,nu\n", "a.csv", mini_lab)
    assert len(rows) == 1
    assert str(problems[0]) == "a.csv:3: unknown question 's1q9' — use one of: s1q1, s2q1 (ids from lab.yaml)"


def test_missing_column_is_reported(mini_lab):
    rows, problems = parse_csv("session,question,note\ns1,s1q1,x\n", "a.csv", mini_lab)
    assert rows == [] and "missing column(s): group, round" in str(problems[0])


COMMA_BELOW = "session,question,group,round,note\ns1,s1q1,A,1,Finanțare pentru artiștii și întreprinderile mici\n"
# Windows-1250 and ISO-8859-2 only have the older cedilla letters (ş ţ), as Romanian Windows machines type them.
CEDILLA = COMMA_BELOW.replace("ț", "ţ").replace("ș", "ş")


@pytest.mark.parametrize(("text", "encoding"), [(COMMA_BELOW, "utf-8"), (COMMA_BELOW, "utf-8-sig"),
                                                (COMMA_BELOW, "utf-16"), (CEDILLA, "cp1250"),
                                                (CEDILLA, "iso8859_2"), (COMMA_BELOW, "iso8859_16")])
def test_encodings_decode_with_romanian_letters(text, encoding):
    # The three 8-bit encodings put ş/ș and ţ/ț on the same bytes, so the letter form may differ;
    # after the Romanian normalisation every decoding must read the same.
    decoded = decode_bytes(text.encode(encoding), "x.csv")
    assert normalise(decoded, "ro") == normalise(COMMA_BELOW, "ro")


def test_binary_file_is_a_clear_error():
    with pytest.raises(HarvestError, match="binary file"):
        decode_bytes(b"PK\x03\x04\x00\x00binary", "notes.xlsx")


def test_errors_in_a_lab_folder_are_raised_together(mini_lab_dir: Path):
    (mini_lab_dir / "notes" / "a.csv").write_text(HEADER + "s1,s1q1,Z,1,masă necunoscută\n"
                                                 "s2,s1q1,A,x,alt rând\n", encoding="utf-8")
    with pytest.raises(HarvestError) as exc:
        read_lab_notes(mini_lab_dir, ["csv"])
    messages = [str(p) for p in exc.value.problems]
    assert any(":2: unknown group 'Z'" in m for m in messages)
    assert any(":3: question 's1q1' is not in session 's2'" in m for m in messages)


def test_a_binary_conclusions_file_says_how_to_fix_conclusions_not_transcripts(mini_lab_dir: Path):
    """It said 'export the transcript as CSV (UTF-8) or move the file out of notes/'."""
    from pipeline.errors import HarvestError
    from pipeline.ingest import read_conclusions
    from pipeline.lab import load_lab

    (mini_lab_dir / "conclusions.md").write_bytes(b"PK\x03\x04\x00\x00binary")
    with pytest.raises(HarvestError) as exc:
        read_conclusions(mini_lab_dir, load_lab(mini_lab_dir))
    message = str(exc.value)
    assert "conclusions.md" in message and "write the conclusions as Markdown text" in message
    assert "transcript" not in message


def test_a_lab_without_conclusions_gets_a_blank_line_and_comments_are_left_out(mini_lab_dir: Path):
    # DVC warns about an empty output on every run; the report treats blank conclusions as none.
    from pipeline.ingest import read_conclusions
    from pipeline.lab import load_lab
    from pipeline.newlab import CONCLUSIONS_TEMPLATE

    lab = load_lab(mini_lab_dir)
    assert read_conclusions(mini_lab_dir, lab) == "\n"
    (mini_lab_dir / "conclusions.md").write_text("  \n\n", encoding="utf-8")
    assert read_conclusions(mini_lab_dir, lab) == "\n"
    (mini_lab_dir / "conclusions.md").write_text(CONCLUSIONS_TEMPLATE, encoding="utf-8")     # new-lab's file
    assert read_conclusions(mini_lab_dir, lab) == "\n"
    (mini_lab_dir / "conclusions.md").write_text(CONCLUSIONS_TEMPLATE + "# Ce reținem\n<!-- de verificat -->Mai "
                                                 "multe spații.", encoding="utf-8")
    assert read_conclusions(mini_lab_dir, lab) == "# Ce reținem\nMai multe spații.\n"


def test_sample_lab_ingests_with_ids_and_redaction():
    lab, notes, warnings = read_lab_notes(SAMPLE_LAB, ["csv"])
    assert len(notes) >= 150 and notes["note_id"].is_unique
    assert set(notes["question"]) == {q.id for q in lab.questions}
    assert warnings == []
    assert not notes["text"].str.contains("@").any()
    assert notes["text"].str.contains(r"\[telefon\]").sum() >= 1


@pytest.mark.parametrize(("language", "encoding", "note"), [
    ("lt", "cp1257", "Mažos dotacijos jauniems kūrėjams ir kultūros startuoliams"),
    ("it", "cp1252", "Più spazi per gli artisti della città, è urgente"),
    ("nl", "cp1252", "Culturele ondernemers hebben één loket nodig, ook voor café-concerten"),
])
def test_partner_lab_transcripts_in_their_windows_encoding(tmp_path, language, encoding, note):
    lab_dir = tmp_path / "mini-lab"
    (lab_dir / "notes").mkdir(parents=True)
    (lab_dir / "lab.yaml").write_text(MINI_LAB_YAML.replace("language: ro", f"language: {language}"), encoding="utf-8")
    (lab_dir / "notes" / "a.csv").write_bytes((HEADER + f"s1,s1q1,A,1,\"{note}\"\n").encode(encoding))
    _, notes, _ = read_lab_notes(lab_dir, ["csv"])
    assert notes["text"].tolist() == [note]
