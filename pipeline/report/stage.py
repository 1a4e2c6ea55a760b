"""Report stage: the parameterised notebook, executed and rendered to HTML and PDF per lab, and the spreadsheet."""

from __future__ import annotations

import base64
import shutil
from pathlib import Path
from typing import Any

from pipeline import catalog, paths
from pipeline.errors import HarvestError
from pipeline.lang import languages
from pipeline.report.data import load_report_data
from pipeline.report.markup import translations
from pipeline.report.render import RenderJob, generation_date, render_language, report_date, run_in_parallel
from pipeline.report.spreadsheet import sheets, write_workbook
from pipeline.report.view import translated_field


def report_languages(wanted: list[str], lab_language: str) -> list[str]:
    """Report languages from params: 'lab' is the lab's own language where a translation file exists, else English."""
    result = []
    for language in wanted:
        if language == "lab":
            language = lab_language if lab_language in languages() else "en"
        if language not in result:
            result.append(str(language))
    return result


def pdf_title(lab: dict[str, Any], language: str) -> str:
    """The PDF's title metadata, in the report's language: event — city, date."""
    event = translated_field(lab, "event", language, lab["language"]) or translations(language)["report"]
    return f"{event} — {lab['city']}, {lab['date']}"


LOGO_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".svg": "image/svg+xml"}


def logo_uris(lab: dict[str, Any], lab_dir: Path) -> list[str]:
    """The lab.yaml `logos:` images (files inside the lab folder) as data URIs for the cover; none is shipped."""
    uris = []
    for name in lab.get("logos") or []:
        path = (lab_dir / str(name)).resolve()
        kind = LOGO_TYPES.get(path.suffix.lower())
        if not path.is_relative_to(lab_dir.resolve()) or kind is None or not path.is_file():
            raise HarvestError.at(lab_dir / "lab.yaml", None, f"logo '{name}' is not a .png, .jpg or .svg file "
                                  "inside the lab folder", f"put the image in {lab_dir} and list its path "
                                  "relative to that folder under logos:")
        uris.append(f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}")
    return uris


def render_jobs(lab_id: str, params: dict[str, Any], root: Path = Path(".")) -> list[RenderJob]:
    """One render job per report language of a lab (what `run` renders; benchmarks/report_time.py times them)."""
    settings = params["report"]
    out = catalog.REPORT.path(lab_id, root)
    processed = paths.processed_dir(lab_id, root)
    lab = catalog.LAB.read(lab_id, root)
    record = lab.to_dict()                # lab.yaml's extra texts (event, organiser, logos …) as the report reads them
    languages = report_languages(settings["languages"], lab.language)
    for language in languages:
        translations(language)            # an unknown language fails before any notebook runs
    logos = logo_uris(record, paths.raw_dir(lab_id, root))
    # Paths relative to the project (papermill runs in it) and the inputs' date, not the clock: the
    # executed notebook, HTML and PDF are the same bytes wherever and whenever they are built.
    return [RenderJob(notebook=root / settings["notebook"], out=out, language=language,
                      title=pdf_title(record, language), cwd=root, lab_dir=paths.raw_dir(lab_id, root),
                      date=report_date(lab.date),
                      author=translated_field(record, "organiser", language, lab.language),
                      parameters={"lab_id": lab_id, "processed_dir": str(processed.relative_to(root)),
                                  "language": language, "generated": generation_date(),
                                  "settings": dict(settings), "logos": logos})
            for language in languages]


def write_spreadsheet(lab_id: str, root: Path = Path(".")) -> None:
    """themes.xlsx, themes.csv and notes.csv in reports/<lab>/: the themes and notes for colleagues' own tables."""
    data = load_report_data(paths.processed_dir(lab_id, root))
    write_workbook(sheets(data.notes, data.assignments, data.themes, data.coverage,
                          [q["id"] for q in data.questions()]), catalog.REPORT.path(lab_id, root))


def run(lab_id: str, params: dict[str, Any], root: Path = Path(".")) -> list[Path]:
    """DVC stage: reports/<lab>/report.<language>.{ipynb,html,pdf} per report language, report.pdf and
    themes.xlsx (+ themes.csv, notes.csv) for colleagues."""
    jobs = render_jobs(lab_id, params, root)
    out = catalog.REPORT.clear(lab_id, root)    # the stage rewrites all of its outputs
    # The spreadsheet is written while the fork server loads the render workers' libraries.
    pdfs = run_in_parallel(render_language, jobs, meanwhile=lambda: write_spreadsheet(lab_id, root))
    shutil.copyfile(pdfs[0], out / "report.pdf")
    return pdfs
