"""The report's "Analyst corrections": what was applied, skipped and why, excluded notes, in the report's language."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from pipeline.edits import EXCLUDED_STATUS
from pipeline.report.content import report_sections
from tests.test_report import SETTINGS, fixed_strings, sample, visible_text

EXCLUDED = "lab/a.csv:12"           # "Mentorat pentru tineri antreprenori", taken out of t-money by the analyst
LOG = [  # edits_log.csv as the themes stage writes it
    {"line": 2, "kind": "rename", "edit": "theme: s1q1~t-money; title: Bani pentru artiști", "question": "s1q1",
     "outcome": "applied", "reason": ""},
    {"line": 5, "kind": "move", "edit": "note: a.csv:12; to: none", "question": "s1q1", "outcome": "applied",
     "reason": ""},
    {"line": 8, "kind": "pin", "edit": "note: n00000000 Granturi rapide", "question": "", "outcome": "skipped",
     "reason": "note 'n00000000' is not in the notes any more (removed, or its text changed); "
               "it may now be 'n77aa01b2'"},
]


def corrected():
    """The sample lab after an analyst's edits: two applied, one skipped, one note excluded from its theme."""
    data = sample()
    data.edits_log = pd.DataFrame(LOG)
    row = data.assignments["note_id"] == EXCLUDED
    data.assignments.loc[row, ["theme_id", "status"]] = ["", EXCLUDED_STATUS]
    money = data.themes[0]
    money["edits"], money["size"] = ["note moved out", "renamed"], 2
    money["quotes"] = [q for q in money["quotes"] if q["note_id"] != EXCLUDED]
    data.coverage = data.coverage[~((data.coverage["theme_id"] == "t-money") & (data.coverage["round"] == 2)
                                    & (data.coverage["group"] == "A"))]
    return data


def sections(data, language):
    return report_sections(data, language, "x", SETTINGS)


@pytest.mark.parametrize("language, sentence", [
    ("en", "No person has reviewed or corrected these themes"),
    ("ro", "Nicio persoană nu a verificat")])
def test_without_edits_the_methodology_says_once_that_no_person_reviewed_the_themes(language, sentence):
    report = sections(sample(), language)
    assert '<section id="corrections">' not in report["methodology"]
    assert 'href="#corrections"' not in report["contents"]
    assert "".join(report.values()).count(sentence) == 1


def test_english_corrections_list_applied_skipped_and_excluded_in_english():
    html = sections(corrected(), "en")["methodology"]
    part = html.split('<section id="corrections">')[1].split("</section>")[0]
    assert "<h2>Analyst corrections</h2>" in part and 'href="#corrections"' in sections(corrected(), "en")["contents"]
    assert "Corrections the analyst wrote in theme_edits.yaml: 3; applied: 2; skipped because" in part
    assert "<h3>Corrections applied (2)</h3>" in part and "<h3>Corrections skipped (1)</h3>" in part
    skipped = part.split("Corrections skipped")[1]
    assert "theme_edits.yaml:8" in skipped and "quote chosen" in skipped
    assert ("note n00000000 is no longer among the notes (removed, or its text changed); it may now be note "
            "n77aa01b2: write that id in theme_edits.yaml if it is the same note") in skipped
    assert re.search(r"theme_edits.yaml:2</td><td>theme renamed</td>", part)
    applied = part.split("Corrections applied")[1].split("Corrections skipped")[0]
    assert "Remark" not in applied and "<th>Why it was skipped</th>" in skipped     # no empty column
    assert "Notes the analyst excluded from every theme (1)" in part and "Mentorat pentru tineri antreprenori" in part
    assert "An analyst reviewed the themes and applied 2 corrections" in html
    text = visible_text(html, "en")
    assert [s for s in fixed_strings("ro", "en") if s in text] == []


def test_romanian_corrections_are_romanian():
    html = sections(corrected(), "ro")["methodology"]
    part = html.split('<section id="corrections">')[1].split("</section>")[0]
    assert "<h2>Corecturile analistului</h2>" in part and "temă redenumită" in part and "citat ales" in part
    assert "notița n00000000 nu mai este printre notițe" in part
    text = visible_text(html, "ro")
    assert [s for s in fixed_strings("en", "ro") if s in text] == []
    assert "Un analist a verificat temele și a aplicat 2 corecturi" in html


def test_edits_that_all_no_longer_fit_say_so_in_the_methodology():
    data = sample()
    data.edits_log = pd.DataFrame(LOG[2:])
    html = sections(data, "en")["methodology"]
    assert "An analyst wrote corrections (1), but none of them fits the notes any more" in html
    assert "No person has reviewed" not in html


def test_an_excluded_note_is_not_unassigned_and_its_theme_is_marked():
    data = corrected()
    html = sections(data, "en")
    question = html["q-s1q1"]
    assert "fits no theme" not in question and "fit no theme" not in question   # it was the only one
    assert "Notes the analyst excluded from every theme: 1 (see Analyst corrections)." in question
    assert "Corrected by the analyst: a note taken out, renamed" in question
    s1q1 = html["appendix"].split("<h3>S1Q1</h3>")[1].split("<h3>")[0]
    row = next(r for r in s1q1.split("<tr>") if "Mentorat pentru tineri" in r)
    assert "Excluded by the analyst" in row and "Unassigned notes" not in row
    # Without the exclusion, the same note is unassigned and says so.
    data.assignments.loc[data.assignments["note_id"] == EXCLUDED, "status"] = "none fits"
    again = sections(data, "en")
    assert "1 note fits no theme" in again["q-s1q1"] and "excluded from every theme:" not in again["q-s1q1"]
    ro = sections(corrected(), "ro")["q-s1q1"]
    assert "Corectată de analist: o notiță scoasă, redenumită" in ro
