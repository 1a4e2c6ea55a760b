"""Report stage: the parameterised notebook, executed and rendered to HTML and PDF per lab."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from pipeline import paths
from pipeline.report.content import running_title
from pipeline.report.render import execute_notebook, notebook_body_html, page_html, write_pdf


def run(lab_id: str, params: dict[str, Any], root: Path = Path(".")) -> Path:
    """DVC stage: reports/<lab>/report.ipynb (executed), report.html and report.pdf."""
    settings = params["report"]
    language = str(settings["language"])
    out = paths.reports_dir(lab_id, root)
    processed = paths.processed_dir(lab_id, root)
    executed = out / "report.ipynb"
    parameters = {"lab_id": lab_id, "processed_dir": str(processed.resolve()), "language": language,
                  "generated": dt.date.today().isoformat()}
    execute_notebook(root / settings["notebook"], executed, parameters, cwd=root)
    lab = json.loads((processed / "lab.json").read_text(encoding="utf-8"))
    title = f"{lab.get('event', 'Local Learning Lab')} — {lab['city']}, {lab['date']}"
    author = str(lab.get("organiser", ""))
    html = page_html(notebook_body_html(executed), title, author, language)
    (out / "report.html").write_text(html, encoding="utf-8")
    write_pdf(html, out / "report.pdf", base_url=out.resolve())
    return out / "report.pdf"


__all__ = ["run", "running_title"]
