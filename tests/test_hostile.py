"""Hostile and careless input: unsafe lab ids, paths outside the lab, bad lab.yaml values, missing inputs,
formulas in cells, images outside the lab — each a clear `file:line: problem — fix`, never a traceback."""

from __future__ import annotations

import base64
import re
import shutil
import socket
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml

from pipeline import paths
from pipeline.cli import STAGES, main
from pipeline.errors import HarvestError
from pipeline.lang import languages
from pipeline.params import load_params
from pipeline.report.content import ReportData, conclusions_fragment, theme_chart_png
from pipeline.report.render import allowed_file, page_html, report_date, write_pdf
from pipeline.safecsv import neutralise, neutralise_frame, read_csv, restore, write_csv
from tests.conftest import MINI_LAB_YAML, ROOT

UNSAFE_IDS = ["../x", "a b", "Kaunė", "x';touch pwned;'", "lab/../../y", "compare", "", "-rf"]
NOTES_CSV = "session,question,group,round,note\ns1,s1q1,A,1,Granturi mici pentru artiști\n"


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder (params.yaml listing mini-lab) with the mini lab's raw folder; cwd is the project."""
    shutil.copy(ROOT / "params.yaml", tmp_path / "params.yaml")
    params = (tmp_path / "params.yaml").read_text(encoding="utf-8")
    (tmp_path / "params.yaml").write_text(params.replace("  - timisoara-2020-10-20\n", "  - mini-lab\n"),
                                          encoding="utf-8")
    lab = tmp_path / "data" / "raw" / "mini-lab"
    (lab / "notes").mkdir(parents=True)
    (lab / "lab.yaml").write_text(MINI_LAB_YAML, encoding="utf-8")
    (lab / "notes" / "notes.csv").write_text(NOTES_CSV, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --- one lab-id rule, at every entry point ------------------------------------------------------------

@pytest.mark.parametrize("lab_id", UNSAFE_IDS)
def test_the_lab_id_rule_refuses_path_and_shell_characters(lab_id: str):
    with pytest.raises(HarvestError, match=r"lab id|reserved"):
        paths.check_lab_id(lab_id)
    with pytest.raises(HarvestError):
        paths.processed_dir(lab_id)


@pytest.mark.parametrize("lab_id", ["timisoara-2020-10-20", "Kaunas_2021", "A1"])
def test_the_lab_id_rule_accepts_folder_names(lab_id: str):
    assert paths.raw_dir(lab_id) == Path("data/raw") / lab_id


@pytest.mark.parametrize("stage", ["ingest", "clean", "embed", "themes", "links", "report"])
@pytest.mark.parametrize("lab_id", ["../x", "a b", "Kaunė"])
def test_every_stage_command_refuses_an_unsafe_id_with_a_clear_error(project: Path, capsys, stage: str,
                                                                    lab_id: str):
    before = _files(project)
    assert main([stage, lab_id]) == 2
    err = capsys.readouterr().err
    assert f"harvest {stage}: lab id {lab_id!r} is not allowed" in err and "Traceback" not in err
    assert _files(project) == before


def test_report_with_an_absolute_path_deletes_nothing(project: Path, tmp_path_factory, capsys):
    victim = tmp_path_factory.mktemp("victim") / "some-lab"
    (victim / "notes").mkdir(parents=True)
    (victim / "lab.yaml").write_text(MINI_LAB_YAML, encoding="utf-8")
    (victim / "notes" / "n.csv").write_text(NOTES_CSV, encoding="utf-8")
    params = yaml.safe_load((project / "params.yaml").read_text(encoding="utf-8"))
    params["labs"].append(str(victim))
    (project / "params.yaml").write_text(yaml.safe_dump(params), encoding="utf-8")
    before = _files(victim)
    assert main(["report", str(victim)]) == 2
    assert main(["ingest", "../" + victim.name]) == 2
    assert "is not allowed" in capsys.readouterr().err
    assert _files(victim) == before


def test_params_labs_and_compare_labs_are_checked_with_their_line(tmp_path: Path):
    path = tmp_path / "params.yaml"
    path.write_text("labs:\n  - good-lab\n  - ../raw/other\n", encoding="utf-8")
    with pytest.raises(HarvestError, match=r"params.yaml:3: lab id '../raw/other' is not allowed"):
        load_params(path)
    path.write_text("labs:\n  - good-lab\ncompare:\n  labs:\n    - good-lab\n    - Vilnius 2021\n", encoding="utf-8")
    with pytest.raises(HarvestError, match=r"params.yaml:6: lab id 'Vilnius 2021' is not allowed"):
        load_params(path)


def test_new_lab_refuses_non_ascii_and_creates_nothing(project: Path, capsys):
    before = _files(project)
    assert main(["new-lab", "kaunė-2021", "--city", "Kaunas", "--date", "2021-05-12", "--language", "lt"]) == 2
    assert "lab id 'kaunė-2021' is not allowed" in capsys.readouterr().err
    assert _files(project) == before and not (project / "data" / "raw" / "kaunė-2021").exists()


def test_lab_yaml_id_follows_the_rule(project: Path, capsys):
    lab = project / "data" / "raw" / "mini-lab" / "lab.yaml"
    lab.write_text(MINI_LAB_YAML.replace("id: mini-lab", "id: ../mini-lab"), encoding="utf-8")
    assert main(["check", "data/raw/mini-lab"]) == 2
    assert re.search(r"lab.yaml:1: lab id '../mini-lab' is not allowed", capsys.readouterr().err)


def test_dvc_stage_commands_quote_the_lab_id_for_the_shell():
    commands = [stage["do"]["cmd"] for stage in yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"].values()
                if "do" in stage]
    assert commands and all("${item}" in c for c in commands)
    assert all(re.fullmatch(r"harvest \w+ '\$\{item\}'", c) for c in commands), commands


# --- every write proven to lie inside data/processed/<lab>/ or reports/<lab>/ ----------------------------

def test_an_output_folder_linked_into_raw_data_is_refused(project: Path):
    raw = project / "data" / "raw" / "mini-lab"
    before = _files(raw)
    (project / "data" / "processed").mkdir(parents=True)
    (project / "data" / "processed" / "mini-lab").symlink_to(raw, target_is_directory=True)
    with pytest.raises(HarvestError, match="refusing to write to .*data/raw/mini-lab"):
        paths.output_dir(paths.processed_dir("mini-lab"))
    (project / "reports").symlink_to(project / "data" / "raw", target_is_directory=True)
    with pytest.raises(HarvestError, match="refusing to write"):
        paths.clear_output_dir(paths.reports_dir("mini-lab"))
    assert _files(raw) == before


def test_a_cache_inside_raw_data_is_refused(project: Path):
    with pytest.raises(HarvestError, match=r"params.yaml embed.cache_dir: data/raw/mini-lab/cache is inside data/raw/"):
        paths.outside_raw(Path("data/raw/mini-lab/cache"), Path("."), "params.yaml embed.cache_dir")
    assert paths.outside_raw(Path(".cache/embeddings")) == Path(".cache/embeddings")


def test_clear_output_dir_empties_only_its_own_folder(project: Path):
    out = paths.reports_dir("mini-lab")
    (out / "old").mkdir(parents=True)
    (out / "old" / "report.pdf").write_bytes(b"%PDF")
    (project / "reports" / "other-lab").mkdir()
    paths.clear_output_dir(out)
    assert out.is_dir() and list(out.iterdir()) == []
    assert (project / "reports" / "other-lab").is_dir()
    with pytest.raises(HarvestError):
        paths.clear_output_dir(project / "reports")
    with pytest.raises(HarvestError):
        paths.clear_output_dir(project / "data" / "raw" / "mini-lab")


# --- lab.yaml values that used to crash later ---------------------------------------------------------

@pytest.mark.parametrize(("line", "expected"), [
    ("date: 2021-02-30", r"lab.yaml:4: '2021-02-30' is not a real date — write an existing date as YYYY-MM-DD"),
    ("date: 20.10.2020", r"lab.yaml:4: date '20.10.2020' is not a day — write the lab's day as YYYY-MM-DD"),
    ("date: 2020-10-20 18:30:00", r"lab.yaml:4: date '2020-10-20 18:30:00' is not a day"),
])
def test_impossible_or_malformed_dates_fail_in_check(project: Path, capsys, line: str, expected: str):
    lab = project / "data" / "raw" / "mini-lab" / "lab.yaml"
    lab.write_text(MINI_LAB_YAML.replace("date: 2020-10-20", line), encoding="utf-8")
    assert main(["check", "data/raw/mini-lab"]) == 2
    err = capsys.readouterr().err
    assert re.search(expected, err) and "Traceback" not in err


@pytest.mark.parametrize("code", ["xz", "RO", "romanian", "r0"])
def test_unknown_language_code_fails_in_check_not_in_clean(project: Path, capsys, code: str):
    lab = project / "data" / "raw" / "mini-lab" / "lab.yaml"
    lab.write_text(MINI_LAB_YAML.replace("language: ro", f"language: {code}"), encoding="utf-8")
    assert main(["check", "data/raw/mini-lab"]) == 2
    expected = f"lab.yaml:5: unknown language '{code}' — use one of: {', '.join(languages())}"
    assert expected in capsys.readouterr().err


def test_non_utf8_theme_edits_fails_in_check(project: Path, capsys):
    edits = project / "data" / "raw" / "mini-lab" / "theme_edits.yaml"
    edits.write_bytes("rename:\n  - theme: s1q1~notes.csv:2\n    title: Finanţare şi spaţii\n".encode("cp1250"))
    assert main(["check", "data/raw/mini-lab"]) == 2
    err = capsys.readouterr().err
    assert "theme_edits.yaml:3: theme_edits.yaml is not UTF-8 text" in err and "Traceback" not in err


# --- a stage before its inputs exist -----------------------------------------------------------------

@pytest.mark.parametrize("stage", ["clean", "themes", "report"])
def test_a_stage_before_its_inputs_says_what_to_run(project: Path, capsys, stage: str):
    before = list(STAGES)[: list(STAGES).index(stage)]
    earlier = f"the {', '.join(before)} stage{'s' if len(before) > 1 else ''}"
    assert main([stage, "mini-lab"]) == 2
    err = capsys.readouterr().err
    assert f"input of the {stage} stage not found — run `dvc repro` first ({earlier})" in err
    assert "data/processed/mini-lab/" in err and "Traceback" not in err


def test_compare_before_its_labs_are_built_says_what_to_run(project: Path, capsys):
    params = yaml.safe_load((project / "params.yaml").read_text(encoding="utf-8"))
    params["compare"]["labs"] = ["mini-lab"]
    (project / "params.yaml").write_text(yaml.safe_dump(params), encoding="utf-8")
    assert main(["compare"]) == 2
    err = capsys.readouterr().err
    assert "input of the compare stage not found — run `dvc repro` first" in err and "Traceback" not in err


# --- the report chart and mathtext ---------------------------------------------------------------------

def test_theme_titles_with_dollar_signs_render_as_text():
    titles = [r"$\frac{a$ granturi", "costuri $$ și $x^$", "500$ pe lună"]
    uri = theme_chart_png(titles, [i + 3 for i in range(len(titles))], {"chart_xlabel": "note", "chart_title": "Teme"})
    assert base64.b64decode(uri.removeprefix("data:image/png;base64,")).startswith(b"\x89PNG")


# --- formula injection -----------------------------------------------------------------------------------

@pytest.mark.parametrize("cell", ["=HYPERLINK(\"http://x\",\"y\")", "+40 722", "-2+3", "@SUM(A1)", "\tx", "\rx",
                                  "'=already quoted"])
def test_formula_cells_are_neutralised_readably_and_restored_exactly(cell: str):
    safe = neutralise(cell)
    assert safe == "'" + cell and restore(safe) == cell


def test_ordinary_cells_and_numbers_are_left_alone():
    assert neutralise("Granturi mici") == "Granturi mici" and neutralise(-3) == -3 and neutralise(None) is None


def test_written_csv_has_no_live_formula_and_reads_back_the_same(tmp_path: Path):
    frame = pd.DataFrame({"title": ["=HYPERLINK(\"http://evil\",\"click\")", "Spații", "@cmd", "-"],
                          "size": [3, -1, 2, 0], "=col": ["a", "b", "c", "d"]})
    write_csv(frame, tmp_path / "links.csv")
    text = (tmp_path / "links.csv").read_text(encoding="utf-8")
    cells = [c for line in text.splitlines() for c in re.split(r",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)", line)]
    assert not any(c.lstrip('"').startswith(("=", "+", "@", "\t", "\r")) for c in cells)
    assert "'=HYPERLINK" in text and ",-1," in text          # readable; numbers stay numbers
    pd.testing.assert_frame_equal(read_csv(tmp_path / "links.csv"), frame)
    assert list(neutralise_frame(frame).columns) == ["title", "size", "'=col"]


# Raw tables are CSV the user wrote (evaluate reads one as text); every table we write is neutralised.
UNSAFE_CSV = re.compile(r"(?<!neutralise_frame\(frame\))\.to_csv\(|pd\.read_csv\((?!path, dtype=str)")


def test_every_csv_the_pipeline_writes_or_reads_goes_through_safecsv():
    sources = [*(ROOT / "pipeline").rglob("*.py"), *ROOT.glob("notebooks/*.ipynb")]
    offenders = [str(p.relative_to(ROOT)) for p in sources
                 if p.name != "safecsv.py" and UNSAFE_CSV.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


# --- the PDF renderer fetches only what the lab owns -------------------------------------------------------

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQ"
                       "AAAABJRU5ErkJggg==")


def _pdf_images(pdf: Path) -> int:
    listing = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    return sum(1 for row in listing.splitlines()[2:] if row.split()[2] == "image")


def test_pdf_shows_the_labs_own_image_and_refuses_outside_files_and_http(tmp_path: Path, capsys, monkeypatch):
    lab = tmp_path / "data" / "raw" / "mini-lab"
    (lab / "img").mkdir(parents=True)
    (lab / "img" / "board.png").write_bytes(PNG)
    (tmp_path / "secret.png").write_bytes(PNG)
    (lab / "img" / "link.png").symlink_to(tmp_path / "secret.png")
    (lab / "notes.csv").write_text(NOTES_CSV, encoding="utf-8")
    connections: list[object] = []
    monkeypatch.setattr(socket.socket, "connect", lambda self, address: connections.append(address))
    outside = [f"file://{tmp_path / 'secret.png'}", "../../../secret.png", "img/link.png", "http://127.0.0.1:9/x.png",
               "https://example.org/x.png", "notes.csv"]
    images = "".join(f"<img src='{src}'>" for src in ["img/board.png", *outside])
    write_pdf(page_html(images, "t", "a", "en"), tmp_path / "r.pdf", base_url=lab, lab_dir=lab)
    err = capsys.readouterr().err
    assert _pdf_images(tmp_path / "r.pdf") == 1
    assert connections == []
    for src in ("secret.png", "img/link.png", "http://127.0.0.1:9/x.png", "https://example.org/x.png", "notes.csv"):
        assert re.search(rf"warning: report: not loading \S*{re.escape(src)} — only images inside "
                         r"data/raw/mini-lab/", err), src


def test_conclusions_md_images_outside_the_lab_or_online_are_not_fetched(tmp_path: Path, capsys, monkeypatch):
    lab = tmp_path / "data" / "raw" / "mini-lab"
    lab.mkdir(parents=True)
    (lab / "tabla.png").write_bytes(PNG)
    (tmp_path / "private.png").write_bytes(PNG)
    connections: list[object] = []
    monkeypatch.setattr(socket.socket, "connect", lambda self, address: connections.append(address))
    conclusions = ("# Ce reținem\n\n![tabla](tabla.png)\n\n![plan](../../../private.png)\n\n"
                   f"![acasă](file://{tmp_path / 'private.png'})\n\n![web](http://127.0.0.1:9/tracker.png)\n")
    data = ReportData(lab={}, notes=pd.DataFrame(), themes=[], assignments=pd.DataFrame(), metrics={}, quality={},
                      embed_info={}, run_info={}, conclusions=conclusions)
    html = page_html(conclusions_fragment(data), "t", "a", "ro")
    write_pdf(html, tmp_path / "r.pdf", base_url=lab, lab_dir=lab)
    err = capsys.readouterr().err
    assert _pdf_images(tmp_path / "r.pdf") == 1 and connections == []
    assert err.count("warning: report: not loading") == 3      # (mistune turns file:// into '#harmful-link')
    assert "http://127.0.0.1:9/tracker.png" in err and f"{tmp_path / 'private.png'}" in err


def test_allowed_files_are_report_assets_and_lab_images_only(tmp_path: Path):
    lab = tmp_path / "lab"
    lab.mkdir()
    (lab / "a.png").write_bytes(PNG)
    (lab / "lab.yaml").write_text("x", encoding="utf-8")
    assert allowed_file(ROOT / "pipeline" / "report" / "report.css", None)
    assert allowed_file(lab / "a.png", lab) and not allowed_file(lab / "a.png", None)
    assert not allowed_file(lab / "lab.yaml", lab) and not allowed_file(Path("/etc/passwd"), lab)


def test_xlsx_and_csv_templates_hold_no_formula():
    from io import BytesIO

    import openpyxl

    from pipeline.templates import csv_bytes, xlsx_bytes

    examples = [("s1", "s1q1", 1, "A", 1, "=HYPERLINK(\"http://x\",\"y\")")]
    sheet = openpyxl.load_workbook(BytesIO(xlsx_bytes(examples))).worksheets[0]
    assert sheet["D2"].data_type == "s" and sheet["D2"].value == "'=HYPERLINK(\"http://x\",\"y\")"
    assert ',"\'=HYPERLINK' in csv_bytes(examples).decode("utf-8-sig")


# --- the report's date -------------------------------------------------------------------------------------

def test_pdf_date_is_the_inputs_or_source_date_epoch(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert report_date("2020-10-20") == "2020-10-20"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1603152000")
    assert report_date("2020-10-20") == "2020-10-20"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert report_date("2020-10-20") == "2023-11-14"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(HarvestError, match="SOURCE_DATE_EPOCH: 'yesterday' is not a Unix time"):
        report_date("2020-10-20")


def test_pdf_metadata_dates_come_from_the_page_not_the_clock(tmp_path: Path):
    for name in ("a.pdf", "b.pdf"):
        write_pdf(page_html("<p>x</p>", "t", "a", "en", "2020-10-20"), tmp_path / name, base_url=tmp_path)
    data = (tmp_path / "a.pdf").read_bytes()
    assert data == (tmp_path / "b.pdf").read_bytes()
    info = subprocess.run(["pdfinfo", "-isodates", str(tmp_path / "a.pdf")], capture_output=True, text=True,
                          check=True).stdout
    assert re.search(r"CreationDate:\s+2020-10-20", info) and re.search(r"ModDate:\s+2020-10-20", info)
