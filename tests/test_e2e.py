"""End to end: `dvc repro` on a small copy of the sample lab in a temporary project folder."""

from __future__ import annotations

import hashlib
import json
import re
import stat
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from pipeline.lab import load_lab
from pipeline.redact import find_personal_data
from tests.conftest import SAMPLE_LAB
from tests.helpers import dvc, make_project, pdf_text
from tests.test_report import fixed_strings

pytestmark = pytest.mark.e2e
NOTES_PER_FILE = 24
CONCLUSIONS = ("# Ce reținem\n\nParticipanții cer **spații** și granturi mici. <b>Nu</b> e HTML.\n\n"
               "- Contact: facilitator@exemplu.ro\n")
MARKUP_NOTES = ["<script>alert(1)</script> granturi pentru artiști", "**bold** spații pentru ateliere",
                "$x$ și \\section{Finanțare} pentru IMM-uri"]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project with the sample lab cut to a few notes per transcript, built with dvc repro."""
    work = tmp_path_factory.mktemp("project")
    lab_dir = make_project(work, NOTES_PER_FILE)
    # Markup must print as plain text; a listed person's name (inflected) must not reach any output.
    (lab_dir / "notes" / "extra.csv").write_text(
        "session,question,group,round,note\n" + "".join(f"s1,s1q1,A,3,{note}\n" for note in MARKUP_NOTES)
        + "s1,s1q2,B,3,Vorbiți cu Ioanei Marinescu de la asociație despre apeluri\n", encoding="utf-8")
    lab_yaml = (lab_dir / "lab.yaml").read_text(encoding="utf-8").replace("people: []", "people:\n  - Ioana Marinescu")
    (lab_dir / "lab.yaml").write_text(lab_yaml, encoding="utf-8")
    (lab_dir / "conclusions.md").write_text(CONCLUSIONS, encoding="utf-8")
    raw = work / "data" / "raw"
    for path in [raw, *raw.rglob("*")]:              # read-only, as raw data must stay
        path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    RAW_BEFORE[work] = tree_state(raw)
    (work / HOME).mkdir()
    dvc(["repro"], work, home=work / HOME)
    return work


RAW_BEFORE: dict[Path, dict[str, tuple[str, int]]] = {}
HOME = "home"       # the user's home folder while the project is built


def tree_state(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file under folder with its SHA-256 and modification time (ns): any write or delete shows."""
    return {str(p.relative_to(folder)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def output_hashes(project: Path) -> dict[str, str]:
    """SHA-256 of every file under data/processed/ and reports/."""
    return {name: digest for folder in ("data/processed", "reports")
            for name, (digest, _) in ((f"{folder}/{k}", v) for k, v in tree_state(project / folder).items())}


def test_pdf_contains_every_question_with_correct_diacritics(project: Path):
    pdf = project / "reports" / SAMPLE_LAB.name / "report.pdf"
    text = " ".join(pdf_text(pdf).split())
    for question in load_lab(SAMPLE_LAB).questions:
        assert question.text in text
    themes = json.loads((project / "data" / "processed" / SAMPLE_LAB.name / "themes.json").read_text("utf-8"))
    for theme in themes:
        assert theme["title"] in text
    assert "ş" not in text and "ţ" not in text          # only the comma-below letters
    assert re.search(r"Pagina 1 din \d+", text) is None  # the cover has no footer …
    assert re.search(r"Pagina 2 din \d+", text)          # … the other pages do
    english = pdf_text(pdf.with_name("report.en.pdf"))
    for forbidden in ("Traceback", "import ", "Warning", "Error", "stderr"):
        assert forbidden not in text and forbidden not in english


def test_english_report_adds_english_questions_and_both_languages_are_built(project: Path):
    report = project / "reports" / SAMPLE_LAB.name
    assert sorted(p.name for p in report.iterdir()) == [
        "notes.csv", "report.en.html", "report.en.ipynb", "report.en.pdf", "report.pdf", "report.ro.html",
        "report.ro.ipynb", "report.ro.pdf", "themes.csv", "themes.xlsx"]
    book = pd.read_excel(report / "themes.xlsx", sheet_name=None)            # the spreadsheet for colleagues
    assert list(book)[-1] == "notes" and len(book["notes"]) == len(pd.read_parquet(
        project / "data" / "processed" / SAMPLE_LAB.name / "notes.parquet"))
    english = " ".join(pdf_text(report / "report.en.pdf").split())
    for question in load_lab(SAMPLE_LAB).questions:
        assert question.text_en in english and question.text in english
    assert re.search(r"Page 2 of \d+", english) and "Summary" in english
    assert (report / "report.pdf").read_bytes() == (report / "report.ro.pdf").read_bytes()


def test_english_pdf_holds_no_romanian_fixed_strings_and_the_romanian_no_english_ones(project: Path):
    report = project / "reports" / SAMPLE_LAB.name
    english = " ".join(pdf_text(report / "report.en.pdf").split())
    romanian = " ".join(pdf_text(report / "report.ro.pdf").split())
    # Long fragments only: quotes (verbatim Romanian) never hold the report's own sentences.
    assert [s for s in fixed_strings("ro", "en") if len(s) >= 12 and s in english] == []
    assert [s for s in fixed_strings("en", "ro") if len(s) >= 12 and s in romanian] == []
    assert "Masa A" not in english and "Table A" in english and "[telefon]" not in english
    info = subprocess.run(["pdfinfo", str(report / "report.en.pdf")], capture_output=True, text=True).stdout
    assert "Title:           Local Learning Lab — Timișoara" in info and "Învățare" not in info


def test_facilitator_conclusions_are_shown_marked_and_inert(project: Path):
    report = project / "reports" / SAMPLE_LAB.name
    text = " ".join(pdf_text(report / "report.ro.pdf").split())
    assert "Concluziile facilitatorului" in text and "Participanții cer spații și granturi mici." in text
    assert "Text scris de facilitator" in text and "facilitator@exemplu.ro" not in text
    html = (report / "report.ro.html").read_text(encoding="utf-8")
    assert "&lt;b&gt;Nu&lt;/b&gt;" in html and "<strong>spații</strong>" in html


def test_markup_in_notes_prints_as_plain_text(project: Path):
    report = project / "reports" / SAMPLE_LAB.name
    text = " ".join(pdf_text(report / "report.pdf").split())
    html = (report / "report.ro.html").read_text(encoding="utf-8")
    for note in MARKUP_NOTES:
        assert note in text                                  # shown literally in the appendix
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_listed_people_are_redacted_everywhere(project: Path):
    for path in [*(project / "data" / "processed").rglob("*.json"), project / "reports" / SAMPLE_LAB.name /
                 "report.ro.html"]:
        assert "Marinescu" not in path.read_text(encoding="utf-8"), path
    assert "Marinescu" not in pdf_text(project / "reports" / SAMPLE_LAB.name / "report.pdf")
    assert "[persoană]" in pdf_text(project / "reports" / SAMPLE_LAB.name / "report.pdf")


def test_executed_notebook_records_the_injected_parameters(project: Path):
    executed = json.loads((project / "reports" / SAMPLE_LAB.name / "report.en.ipynb").read_text(encoding="utf-8"))
    parameters = executed["metadata"]["papermill"]["parameters"]
    assert parameters["lab_id"] == SAMPLE_LAB.name and parameters["language"] == "en"
    assert parameters["processed_dir"].endswith(f"data/processed/{SAMPLE_LAB.name}")


def test_pdf_fonts_are_embedded(project: Path):
    for name in ("report.ro.pdf", "report.en.pdf"):
        fonts = subprocess.run(["pdffonts", str(project / "reports" / SAMPLE_LAB.name / name)],
                               capture_output=True, text=True, check=True).stdout.splitlines()[2:]
        assert fonts and all(" yes " in line.split("Identity-H")[-1] for line in fonts)
        assert all("DejaVu" in line for line in fonts)


def test_no_email_or_phone_reaches_processed_data_or_reports(project: Path):
    raw_text = "".join(p.read_text(encoding="utf-8") for p in (project / "data" / "raw").rglob("*.csv"))
    assert find_personal_data(raw_text)              # the raw sample does contain some
    leaks = []
    for folder in ("data/processed", "reports"):
        for path in (project / folder).rglob("*"):
            if path.suffix == ".pdf":
                text = pdf_text(path)
            elif path.suffix == ".parquet":
                import pandas as pd

                text = pd.read_parquet(path).to_csv()
            elif path.suffix in (".csv", ".json", ".html", ".ipynb", ".md"):
                text = path.read_text(encoding="utf-8")
            else:
                continue
            text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", text)
            leaks += [(str(path), hit) for hit in find_personal_data(text)]
    assert leaks == []


def test_second_repro_runs_nothing_and_metrics_show_theme_counts(project: Path):
    again = dvc(["repro"], project)
    assert "Running stage" not in again.stdout
    metrics = json.loads(dvc(["metrics", "show", "--json"], project).stdout)
    scores = next(iter(metrics.values()))["data"][f"data/processed/{SAMPLE_LAB.name}/scores.json"]["data"]
    assert scores["themes"] >= 6 and 0 <= scores["unassigned_rate"] < 1 and scores["edits_skipped"] == 0


def test_every_clean_note_is_a_proposal_or_an_observation(project: Path):
    import pandas as pd

    folder = project / "data" / "processed" / SAMPLE_LAB.name
    notes, kinds = pd.read_parquet(folder / "notes.parquet"), pd.read_parquet(folder / "proposals.parquet")
    assert sorted(kinds["note_id"]) == sorted(notes["note_id"])
    assert set(kinds["kind"]) == {"proposal", "observation"}
    assert sorted(kinds["support"]) == list(range(1, len(kinds) + 1))
    translations = pd.read_csv(folder / "translations.csv")
    assert list(translations.columns) == ["note_id", "text_en"] and translations.empty   # the sample has none


def test_nothing_is_written_to_the_users_home(project: Path):
    """matplotlib's font cache and config folder went to ~/.cache and ~/.config (and IPython's profile and
    Jupyter's kernel connection files may go to ~/.ipython and ~/.local): they now stay in .cache/."""
    assert [str(p.relative_to(project / HOME)) for p in (project / HOME).rglob("*")] == []
    assert (project / ".cache" / "matplotlib").is_dir()


def test_raw_data_is_never_written_by_the_pipeline(project: Path):
    assert tree_state(project / "data" / "raw") == RAW_BEFORE[project]
    assert not (project / "data" / "raw").stat().st_mode & stat.S_IWUSR


def test_a_second_clean_run_gives_the_same_bytes(project: Path):
    first = output_hashes(project)
    assert any(name.endswith(".pdf") for name in first) and any(name.endswith(".ipynb") for name in first)
    dvc(["repro", "--force"], project)
    assert output_hashes(project) == first
    assert tree_state(project / "data" / "raw") == RAW_BEFORE[project]
