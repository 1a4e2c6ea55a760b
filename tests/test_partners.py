"""A partner city runs its own lab: `harvest new-lab`, a transcript in its language, `dvc repro`, a PDF."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml

from pipeline.cli import main
from pipeline.newlab import add_to_params
from tests.conftest import SAMPLE_LAB
from tests.helpers import dvc, make_project, pdf_text, run_command

pytestmark = pytest.mark.e2e
HEADER = "session,question,group,round,note\n"
KAUNAS = [  # written for this test, Lithuanian
    ("s1q1", "A", "Mažos dotacijos jauniems kūrėjams ir kultūros startuoliams"),
    ("s1q1", "B", "Pigios darbo erdvės senose gamyklose menininkams"),
    ("s1q1", "A", "Verslumo mokymai kultūros organizacijų vadovams"),
    ("s1q2", "B", "Kaunas 2022 komanda galėtų sujungti kūrėjus su verslu"),
    ("s1q3", "A", "Įtraukti universitetus ir studentus į kultūros projektus"),
    ("s2q1", "A", "Pandemija uždarė teatrus ir koncertų sales"),
    ("s2q1", "B", "Nepriklausomi menininkai prarado beveik visas pajamas"),
    ("s2q2", "A", "Koncertai ir spektakliai persikėlė į internetą"),
    ("s2q3", "B", "Hibridiniai renginiai turi likti ir po pandemijos"),
]
MATERA = [  # written for this test, Italian
    ("s1q1", "A", "Piccoli finanziamenti per le imprese culturali giovani"),
    ("s1q1", "B", "Spazi di coworking a prezzi bassi per gli artisti"),
    ("s1q1", "A", "Corsi di formazione imprenditoriale per gli operatori culturali"),
    ("s1q2", "B", "La Fondazione può mettere in rete gli operatori culturali della città"),
    ("s1q3", "A", "Coinvolgere l'università e le scuole nei progetti culturali"),
    ("s2q1", "A", "La pandemia ha chiuso teatri e cinema per mesi"),
    ("s2q1", "B", "Gli artisti indipendenti hanno perso quasi tutto il reddito"),
    ("s2q2", "A", "Concerti e spettacoli trasmessi in streaming dalla Regione"),
    ("s2q3", "B", "Gli eventi ibridi devono restare anche dopo la pandemia"),
]


def transcript(notes: list[tuple[str, str, str]]) -> str:
    return HEADER + "".join(f"{q[:2]},{q},{g},1,{text}\n" for q, g, text in notes)


def digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def partner_project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], str]:
    work = tmp_path_factory.mktemp("partners")
    make_project(work, notes_per_file=12)
    dvc(["repro"], work)
    before = digests(work / "data" / "processed" / SAMPLE_LAB.name)
    for lab_id, city, language, notes in (("kaunas-2021-05-12", "Kaunas", "lt", KAUNAS),
                                          ("matera-2021-06-03", "Matera", "it", MATERA)):
        run_command(["harvest", "new-lab", lab_id, "--city", city, "--date", lab_id[-10:], "--language", language],
                    work)
        params_text = (work / "params.yaml").read_text(encoding="utf-8")
        assert f"# - {lab_id}" in params_text                 # listed, but skipped until it has notes
        (work / "data" / "raw" / lab_id / "notes" / "masa.csv").write_text(transcript(notes), encoding="utf-8")
        (work / "params.yaml").write_text(add_to_params(params_text, lab_id), encoding="utf-8")
    params = yaml.safe_load((work / "params.yaml").read_text(encoding="utf-8"))
    params["compare"]["labs"] = [SAMPLE_LAB.name, "kaunas-2021-05-12", "matera-2021-06-03"]
    (work / "params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True, sort_keys=False), encoding="utf-8")
    second = dvc(["repro"], work).stdout
    return work, before, second


@pytest.mark.parametrize(("lab_id", "language", "note"), [
    ("kaunas-2021-05-12", "lt", "Pandemija uždarė teatrus ir koncertų sales"),
    ("matera-2021-06-03", "it", "La pandemia ha chiuso teatri e cinema per mesi")])
def test_each_partner_lab_gets_its_pdf(partner_project, lab_id, language, note):
    work, _, _ = partner_project
    lab = yaml.safe_load((work / "data" / "raw" / lab_id / "lab.yaml").read_text(encoding="utf-8"))
    assert lab["language"] == language
    text = " ".join(pdf_text(work / "reports" / lab_id / "report.pdf").split())
    assert note in text
    for session in lab["sessions"]:
        for question in session["questions"]:
            assert " ".join(question["text"].split()) in text
    assert (work / "reports" / lab_id / "report.en.pdf").is_file()


def test_timisoara_is_untouched_by_new_labs(partner_project):
    work, before, second = partner_project
    assert digests(work / "data" / "processed" / SAMPLE_LAB.name) == before
    assert f"Running stage 'report@{SAMPLE_LAB.name}'" not in second
    assert "Running stage 'report@kaunas-2021-05-12'" in second


def test_cross_city_comparison_report(partner_project):
    work, _, _ = partner_project
    text = " ".join(pdf_text(work / "reports" / "compare" / "compare.pdf").split())
    assert "Cross-city comparison of themes" in text and "Kaunas (12 May 2021)" in text
    assert "Shared themes" in text and "City-specific themes" in text
    for city in ("Timișoara", "Kaunas", "Matera"):
        assert city in text
    assert any(note in text for _, _, note in KAUNAS) and any(note in text for _, _, note in MATERA)


def test_new_lab_refuses_existing_and_bad_ids(partner_project, capsys, monkeypatch):
    work, _, _ = partner_project
    monkeypatch.chdir(work)
    params = (work / "params.yaml").read_text(encoding="utf-8")
    assert main(["new-lab", "kaunas-2021-05-12", "--city", "Kaunas", "--date", "2021-05-12", "--language", "lt"]) == 2
    assert "this lab already exists; nothing was changed" in capsys.readouterr().err
    assert main(["new-lab", "Kaunas 2021", "--city", "Kaunas", "--date", "2021-05-12", "--language", "lt"]) == 2
    assert "ASCII letters, digits, '-' and '_'" in capsys.readouterr().err
    assert main(["new-lab", "kaunas-x", "--city", "Kaunas", "--date", "12.05.2021", "--language", "lt"]) == 2
    assert "write it as YYYY-MM-DD" in capsys.readouterr().err
    assert (work / "params.yaml").read_text(encoding="utf-8") == params


def test_add_to_params_keeps_comments_and_indentation():
    text = "# labs\nlabs:\n  - a-lab\n  # comment\n\ningest:\n  formats: [csv]\n"
    expected = "# labs\nlabs:\n  - a-lab\n  # comment\n  - b-lab\n\ningest:\n  formats: [csv]\n"
    assert add_to_params(text, "b-lab") == expected
    assert add_to_params("labs:\n- a\nx: 1\n", "b") == "labs:\n- a\n- b\nx: 1\n"
    assert add_to_params(text, "a-lab") == text
    pending = add_to_params(text, "c-lab", pending=True)
    assert "  # - c-lab   # no notes yet" in pending and yaml.safe_load(pending)["labs"] == ["a-lab"]
    assert add_to_params(pending, "c-lab", pending=True) == pending
    assert yaml.safe_load(add_to_params(pending, "c-lab"))["labs"] == ["a-lab", "c-lab"]
    assert "# - c-lab" not in add_to_params(pending, "c-lab")
