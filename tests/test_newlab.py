"""`harvest new-lab`: the new lab waits (one commented line) until it has notes; the other labs still build."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import yaml

from pipeline.cli import main
from tests.conftest import ROOT, SAMPLE_LAB
from tests.helpers import run_command


def test_a_lab_without_notes_is_skipped_and_the_sample_still_builds(tmp_path, monkeypatch, capsys):
    for name in ("dvc.yaml", "params.yaml"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "codebooks", tmp_path / "codebooks")       # the codebook a new lab.yaml names
    monkeypatch.chdir(tmp_path)
    assert main(["new-lab", "kaunas-2021-05-12", "--city", "Kaunas", "--date", "2021-05-12", "--language", "lt"]) == 0
    assert "until then `dvc repro` skips it" in capsys.readouterr().out
    params_text = (tmp_path / "params.yaml").read_text(encoding="utf-8")
    assert [line for line in params_text.splitlines() if "kaunas-2021-05-12" in line] == [
        "  # - kaunas-2021-05-12   # no notes yet: remove '# ' once notes/ holds the transcripts (harvest check says "
        "when)"]
    assert yaml.safe_load(params_text)["labs"] == yaml.safe_load((ROOT / "params.yaml").read_text())["labs"]
    lab_dir = tmp_path / "data" / "raw" / "kaunas-2021-05-12"
    conclusions = (lab_dir / "conclusions.md").read_text(encoding="utf-8")
    assert conclusions.startswith("<!-- The facilitator's conclusions") and conclusions.endswith("-->\n")
    assert (lab_dir / "theme_edits.yaml").is_file()
    assert (lab_dir / "translations.csv").read_text(encoding="utf-8") == "note_id,text_en\n"
    run_command([sys.executable, "-m", "dvc", "init", "--no-scm", "-q"], tmp_path)
    stages = run_command([sys.executable, "-m", "dvc", "stage", "list", "--name-only"], tmp_path).stdout.split()
    assert f"report@{SAMPLE_LAB.name}" in stages and not any("kaunas-2021-05-12" in s for s in stages)

    # Once its notes pass `harvest check`, it says how to add the lab to the build.
    (lab_dir / "notes" / "masa.csv").write_text("session,question,group,round,note\ns1,s1q1,A,1,Pigios erdvės\n",
                                               encoding="utf-8")
    assert main(["check", str(Path("data/raw/kaunas-2021-05-12"))]) == 0
    assert "next: remove the '# ' before '- kaunas-2021-05-12' under labs:" in capsys.readouterr().out


def test_a_new_labs_cover_words_and_group_names_are_in_its_language_with_english_beside():
    """A Lithuanian lab starts as Lithuanian (its cover, running header and tables), not 'Group A'."""
    from pipeline.newlab import lab_yaml_text

    lt = yaml.safe_load(lab_yaml_text("kaunas-2021-05-12", "Kaunas", "2021-05-12", "lt"))
    assert (lt["event"], lt["event_en"]) == ("Vietos mokymosi laboratorija", "Local Learning Lab")
    assert (lt["method"], lt["method_en"]) == ("pasaulio kavinė", "world café")
    assert lt["groups"] == [{"id": "A", "name": "Stalas A", "name_en": "Table A"},
                            {"id": "B", "name": "Stalas B", "name_en": "Table B"}]
    assert lt["title"] == "Vietos mokymosi laboratorija Kaunas 2021-05-12"
    assert lt["title_en"] == "Local Learning Lab Kaunas 2021-05-12"
    en = yaml.safe_load(lab_yaml_text("galway-2021-06-01", "Galway", "2021-06-01", "en"))
    assert en["groups"][0] == {"id": "A", "name": "Table A"} and "event_en" not in en and en["method"] == "world café"
    # The English cover's venue and organiser have their place from the start (a partner missed them).
    assert lt["venue_en"] == lt["organiser_en"] == "" and "venue_en" not in en and "organiser_en" not in en
