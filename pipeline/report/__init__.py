"""Report stage: the parameterised notebook, executed and rendered to HTML and PDF per lab."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

from pipeline import paths
from pipeline.progress import progress
from pipeline.report.content import I18N_DIR, running_title, translations
from pipeline.report.render import execute_notebook, notebook_body_html, page_html, write_pdfs


def report_languages(wanted: list[str], lab_language: str) -> list[str]:
    """Report languages from params: 'lab' is the lab's own language where a translation file exists, else English."""
    result = []
    for language in wanted:
        if language == "lab":
            language = lab_language if (I18N_DIR / f"{lab_language}.yaml").is_file() else "en"
        if language not in result:
            result.append(str(language))
    return result


def run(lab_id: str, params: dict[str, Any], root: Path = Path(".")) -> list[Path]:
    """DVC stage: reports/<lab>/report.<language>.{ipynb,html,pdf} per report language, and report.pdf."""
    settings = params["report"]
    out = paths.reports_dir(lab_id, root)
    processed = paths.processed_dir(lab_id, root)
    lab = json.loads((processed / "lab.json").read_text(encoding="utf-8"))
    languages = report_languages(settings["languages"], str(lab["language"]))
    for language in languages:
        translations(language)            # an unknown language fails before any notebook runs
    if out.exists():
        shutil.rmtree(out)                # the stage rewrites all of its outputs
    title = f"{lab.get('event', 'Local Learning Lab')} — {lab['city']}, {lab['date']}"
    pages = []
    for language in progress(languages, "reports"):
        executed = out / f"report.{language}.ipynb"
        parameters = {"lab_id": lab_id, "processed_dir": str(processed.resolve()), "language": language,
                      "generated": dt.date.today().isoformat(),
                      "ideas_per_theme": int(settings["ideas_per_theme"])}
        execute_notebook(root / settings["notebook"], executed, parameters, cwd=root)
        html = page_html(notebook_body_html(executed), title, str(lab.get("organiser", "")), language)
        (out / f"report.{language}.html").write_text(html, encoding="utf-8")
        pages.append((html, out / f"report.{language}.pdf"))
    write_pdfs(pages, base_url=out.resolve())
    pdfs = [pdf for _, pdf in pages]
    shutil.copyfile(pdfs[0], out / "report.pdf")
    return pdfs


__all__ = ["run", "running_title"]
