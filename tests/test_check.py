"""`harvest check` on broken lab folders: the documented message every time, never a traceback."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline import ids
from pipeline.cli import main
from pipeline.errors import HarvestError
from tests.conftest import MINI_LAB_YAML

HEADER = "session,question,group,round,note\n"
E5_DIMENSIONS = 384              # the themes stage embeds its process-note examples with the lab's backend
GOOD = HEADER + "s1,s1q1,A,1,spații de lucru ieftine\ns2,s2q1,B,2,festivaluri anulate\n"


def make_lab(root: Path, files: dict[str, bytes | str], lab_yaml: str = MINI_LAB_YAML) -> Path:
    lab_dir = root / "mini-lab"
    (lab_dir / "notes").mkdir(parents=True)
    (lab_dir / "lab.yaml").write_text(lab_yaml, encoding="utf-8")
    for name, content in files.items():
        path = lab_dir / "notes" / name
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)
    return lab_dir


BROKEN = {
    "wrong encoding": ({"a.csv": GOOD.replace("ț", "ţ").encode("cp1250").replace(b"ieftine", b"ie\x81\x8d\x90tine")},
                       "a.csv: the text encoding could not be recognised"),
    "missing column": ({"a.csv": "session,question,note\ns1,s1q1,x\n"},
                       "a.csv:1: missing column(s): group, round — the header must be"),
    "unknown question": ({"a.csv": GOOD + "s1,s1q7,A,1,o idee\n"},
                         "a.csv:4: unknown question 's1q7' — use one of: s1q1, s2q1"),
    "unknown group": ({"a.csv": GOOD + "s1,s1q1,Z,1,o idee\n"}, "a.csv:4: unknown group 'Z' — use one of: A, B"),
    "bad round": ({"a.csv": GOOD + "s1,s1q1,A,doi,o idee\n"}, "a.csv:4: round 'doi' is not a whole number"),
    "session mismatch": ({"a.csv": GOOD + "s2,s1q1,A,1,o idee\n"},
                         "a.csv:4: question 's1q1' is not in session 's2' — set session to 's1'"),
    "binary file": ({"a.csv": GOOD, "b.csv": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"},
                    "b.csv: this looks like a binary file, not text"),
    "1 MB single line": ({"a.csv": GOOD + "s1,s1q1,A,1," + "x" * 1_000_000 + "\n"},
                         "a.csv:4: note of 1000000 characters — split it into one note per idea"),
    "duplicated ids": ({"a.csv": "id,session,question,group,round,note\nn1,s1,s1q1,A,1,unu\nn1,s2,s2q1,A,1,doi\n"},
                       "a.csv:3: id 'n1' already used on line 2"),
    "lab.yaml typo": ({"a.csv": GOOD}, "lab.yaml:5: unknown key 'langauge'"),
    "lab.yaml not yaml": ({"a.csv": GOOD}, "lab.yaml:2: lab.yaml is not valid YAML (mapping values are not"),
}
LAB_YAML_VARIANTS = {
    "lab.yaml typo": MINI_LAB_YAML.replace("language: ro", "langauge: ro"),
    "lab.yaml not yaml": MINI_LAB_YAML.replace('title: "Atelier de test"', 'title: Atelier: de test'),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_lab_gives_documented_message_and_exit_2(case, tmp_path, capsys):
    files, expected = BROKEN[case]
    lab_dir = make_lab(tmp_path, files, LAB_YAML_VARIANTS.get(case, MINI_LAB_YAML))
    code = main(["check", str(lab_dir)])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert code == 2
    assert expected in err, err
    assert all(" — " in line for line in err.strip().splitlines())   # every line says how to fix it


def test_stray_quote_keeps_the_note_text(tmp_path, capsys):
    lab_dir = make_lab(tmp_path, {"a.csv": GOOD + 's1,s1q1,A,1,"o idee cu "ghilimele" greșite\n'})
    assert main(["check", str(lab_dir)]) == 0
    assert "OK — 3 notes" in capsys.readouterr().out


def test_warnings_only_exit_0(tmp_path, capsys):
    lab_dir = make_lab(tmp_path, {"a.csv": HEADER + "s1,s1q1,A,1,spații de lucru\n", "b.csv": "",
                                  "poza.jpg": b"\xff\xd8\xff"})
    assert main(["check", str(lab_dir)]) == 0
    err = capsys.readouterr().err
    assert "b.csv: warning: the file is empty" in err
    assert "poza.jpg: warning: unsupported file type '.jpg'" in err
    assert "warning: question 's2q1' has no notes" in err


def test_missing_lab_yaml_and_notes_folder(tmp_path, capsys):
    assert main(["check", str(tmp_path)]) == 2
    assert "lab.yaml not found" in capsys.readouterr().err
    lab_dir = tmp_path / "mini-lab"
    lab_dir.mkdir()
    (lab_dir / "lab.yaml").write_text(MINI_LAB_YAML, encoding="utf-8")
    assert main(["check", str(lab_dir)]) == 2
    assert "no notes/ folder" in capsys.readouterr().err


def test_good_lab_passes(tmp_path, capsys):
    assert main(["check", str(make_lab(tmp_path, {"a.csv": GOOD}))]) == 0
    assert "OK — 2 notes" in capsys.readouterr().out


def test_check_validates_theme_edits(tmp_path, capsys):
    lab_dir = make_lab(tmp_path, {"a.csv": GOOD})
    first = ids.content_hash("s1q1", "spații de lucru ieftine")
    (lab_dir / "theme_edits.yaml").write_text(f"rename:\n  - theme: s1q1~{first}\n    title: Spații\n"
                                              "move:\n  - note: a.csv:9\n    to: none\n", encoding="utf-8")
    assert main(["check", str(lab_dir)]) == 0
    err = capsys.readouterr().err
    assert "theme_edits.yaml:5: warning: move: no note is at 'a.csv:9' any more" in err
    assert first not in err
    (lab_dir / "theme_edits.yaml").write_text(f"rename:\n  - theme: s1q1~{first}\n", encoding="utf-8")
    assert main(["check", str(lab_dir)]) == 2
    assert "theme_edits.yaml:2: rename edit without title" in capsys.readouterr().err


NOTES = HEADER + "".join(f"s1,s1q1,{'AB'[i % 2]},1,{text}\n" for i, text in enumerate([
    "spații de lucru ieftine pentru artiști", "granturi mici pentru firmele culturale",
    "un incubator în fabrica veche", "festivaluri în cartiere; concerte în parcuri vara"])) + \
    "s2,s2q1,A,1,festivaluri anulate din cauza pandemiei\n"
EDIT_FILES = {   # what an analyst may write, mistakes included; check and the run must say the same of each
    "warnings": "pin:\n  - note: a.csv:3\nrename:\n  - theme: s1q1~n00000000\n    title: Dispărut\n"
                "  - theme: {s1} spații de lucru ieftine\n    title: Spații\n",
    "errors": "merge:\n  - themes: [{s1}, s1q1~{s1}]\n  - themes: [{s1}, {s2}]\nrename:\n  - theme: s2q1~{s1}\n"
              "    title: X\npin:\n  - note: {raw5}\n",
    "duplicate block": "pin:\n  - note: {s1}\npin:\n  - note: {s2}\n",
    # the lab's codebook.yaml below: a codebook theme by its id, a misspelt one, and one where a note is needed
    "codebook": "rename:\n  - theme: s1q1~funding\n    title: Bani\n  - theme: s1q1~fundng\n    title: X\n"
                "pin:\n  - note: s1q1~funding\n",
}
CODEBOOK = "questions:\n  s1q1:\n    - id: funding\n      title: Finanțare\n    - id: spaces\n      title: Spații\n"


@pytest.mark.parametrize("case", sorted(EDIT_FILES))
def test_check_and_the_run_give_the_same_verdicts(case, tmp_path, capsys):
    from pipeline import clean, ingest, themes
    from pipeline.params import load_params

    lab_dir = make_lab(tmp_path, {"a.csv": NOTES})
    s1, s2 = ids.content_hash("s1q1", "spații de lucru ieftine pentru artiști"), ids.content_hash(
        "s2q1", "festivaluri anulate din cauza pandemiei")
    raw5 = ids.content_hash("s1q1", "festivaluri în cartiere; concerte în parcuri vara")
    (lab_dir / "theme_edits.yaml").write_text(EDIT_FILES[case].format(s1=s1, s2=s2, raw5=raw5), encoding="utf-8")
    if case == "codebook":
        (lab_dir / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    code = main(["check", str(lab_dir)])
    checked = [line for line in capsys.readouterr().err.splitlines() if "theme_edits.yaml" in line]
    assert checked and (code == 0) == (case == "warnings")
    if case == "codebook":
        assert [line.split(": ", 2)[1:] for line in checked] == [
            ["warning", "rename: note 'fundng' is not in the notes any more (removed, or its text changed) — write "
             "the note's id from the report appendix or themes.xlsx (with a few words of its text); a codebook "
             "theme of s1q1 is written s1q1~ and one of: funding, spaces"],
            ["pin", "'s1q1~funding' is a codebook theme, but note: names notes — write the id of a note (see the "
             "report appendix) under note:"]]

    params = load_params()
    (tmp_path / "data" / "raw").mkdir(parents=True)
    lab_dir.rename(tmp_path / "data" / "raw" / "mini-lab")
    ingest.run("mini-lab", params, tmp_path)
    clean.run("mini-lab", params, tmp_path)
    out = tmp_path / "data" / "processed" / "mini-lab"
    note_ids = pd.read_parquet(out / "notes.parquet")["note_id"].to_numpy(dtype=str)
    np.savez(out / "embeddings.npz", note_id=note_ids, vectors=np.eye(len(note_ids), E5_DIMENSIONS))
    try:
        themes.run("mini-lab", params, tmp_path)
        ran = [line for line in capsys.readouterr().err.splitlines() if "theme_edits.yaml" in line]
        log = pd.read_csv(out / "edits_log.csv")
        assert len(log) == len(parse_edits_lines(tmp_path)) and set(log["outcome"]) <= {"applied", "skipped"}
    except HarvestError as exc:
        ran = [str(p) for p in exc.problems]
    assert [line.split("theme_edits.yaml", 1)[1] for line in ran] == \
        [line.split("theme_edits.yaml", 1)[1] for line in checked if case == "warnings" or ": warning: " not in line]


def parse_edits_lines(root: Path) -> list[int]:
    from pipeline.edits import load_edits

    return [e.line for e in load_edits(root / "data" / "raw" / "mini-lab")]
