
import nbformat
import pandas as pd
import pytest

from pipeline.errors import HarvestError
from pipeline.report.content import ReportData, appendix_html, question_html, translations
from pipeline.report.render import page_html
from tests.conftest import ROOT

NOTEBOOK = ROOT / "notebooks" / "report.ipynb"


def test_report_notebook_has_a_parameters_cell_with_the_stage_parameters():
    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    for name in ("lab_id", "processed_dir", "language", "generated"):
        assert f"{name} = " in tagged[0].source


def test_report_notebook_is_stored_without_outputs():
    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")


def tiny_report(text: str) -> ReportData:
    lab = {"id": "lab", "title": "T", "city": "C", "date": "2020-10-20", "language": "ro", "groups": ["A"],
           "group_names": {"A": "Grupa A"},
           "sessions": [{"id": "s1", "title": "Sesiunea 1", "title_en": "Session 1",
                         "questions": [{"id": "s1q1", "text": "Întrebare?", "text_en": "Question?", "number": 1}]}]}
    notes = pd.DataFrame([{"note_id": "lab/a.csv:2", "session": "s1", "question": "s1q1", "group": "A", "round": 1,
                           "text": text, "source_ids": "lab/a.csv:2", "rounds": "1"}])
    theme = {"theme_id": "s1q1-t1", "question": "s1q1", "session": "s1", "title": "Temă", "keywords": ["x"],
             "size": 1, "share": 1.0, "notes": 1, "groups": ["A"],
             "quotes": [{"note_id": "lab/a.csv:2", "text": text, "group": "A", "round": 1}]}
    assignments = pd.DataFrame([{"note_id": "lab/a.csv:2", "question": "s1q1", "theme_id": "s1q1-t1",
                                 "status": "assigned"}])
    return ReportData(lab, notes, [theme], assignments, {}, {}, {}, {})


@pytest.mark.parametrize("text", ["<script>alert(1)</script>", "**bold** and _it_", "$x$ \\section{A}",
                                  "<img src=x onerror=alert(1)>"])
def test_note_markup_is_rendered_inert(text):
    data = tiny_report(text)
    html = question_html(data, data.questions()[0], translations("ro"), "ro") + appendix_html(data,
                                                                                             translations("ro"))
    assert "<script" not in html and "<img src=x" not in html
    assert "&lt;" in html or text in html          # shown literally, never interpreted


def test_english_report_adds_the_translation():
    data = tiny_report("o notiță")
    html = question_html(data, data.questions()[0], translations("en"), "en")
    assert "Întrebare?" in html and "Question?" in html


def test_every_translation_file_has_every_key():
    folder = ROOT / "pipeline" / "lang"
    import yaml

    keys = {p.parent.name: set(yaml.safe_load(p.read_text(encoding="utf-8"))) for p in folder.glob("*/report.yaml")}
    assert keys["ro"] == keys["en"]


def test_unknown_report_language_is_a_clear_error():
    with pytest.raises(HarvestError, match="no translation file"):
        translations("xx")


def test_page_html_is_self_contained():
    html = page_html("<p>x</p>", "Titlu", "Autor", "ro")
    assert "http://" not in html and "https://" not in html and "<link" not in html
    assert "DejaVu Sans" in html and "lang='ro'" in html
