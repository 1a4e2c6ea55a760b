"""Report rendering at the edge: papermill executes the notebook, nbconvert makes HTML, WeasyPrint the PDF."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import Any, TypeVar

import nbformat

from pipeline.report.content import translations

T = TypeVar("T")
R = TypeVar("R")
CSS_FILE = Path(__file__).parent / "report.css"


def execute_notebook(notebook: Path, output: Path, parameters: dict[str, Any], cwd: Path) -> None:
    """Run the report notebook with papermill, injecting `parameters` after its `parameters` cell."""
    import papermill

    output.parent.mkdir(parents=True, exist_ok=True)  # papermill does not create folders
    papermill.execute_notebook(str(notebook), str(output), parameters=parameters, cwd=str(cwd),
                               kernel_name="python3", progress_bar=False, log_output=False,
                               report_mode=True)


def notebook_body_html(executed: Path) -> str:
    """The executed notebook's outputs as HTML, without code, prompts or stderr (stderr goes to our stderr)."""
    from nbconvert import HTMLExporter

    nb = nbformat.read(str(executed), as_version=4)
    for cell in nb.cells:
        kept = []
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                print(f"report notebook: {''.join(out.get('text', ''))}", file=sys.stderr, end="")
                continue
            if out.get("output_type") == "error":
                raise RuntimeError(f"report notebook failed: {out.get('ename')}: {out.get('evalue')}")
            kept.append(out)
        cell["outputs"] = kept
    exporter = HTMLExporter(template_name="basic", exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True, exclude_markdown=True)
    body, _ = exporter.from_notebook_node(nb)
    return body


def page_html(body: str, title: str, author: str, language: str) -> str:
    """A self-contained HTML page (inline CSS, images as data URIs, no external links)."""
    t = translations(language)
    css = CSS_FILE.read_text(encoding="utf-8").replace("PAGE_LABEL", t["page"]).replace("OF_LABEL", t["of"])
    return (
        f"<!DOCTYPE html><html lang='{escape(language)}'><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title><meta name='author' content='{escape(author)}'>"
        f"<meta name='generator' content='worldcafe-harvest'><style>{css}</style></head>"
        f"<body>{body}</body></html>"
    )


def write_pdf(html: str, pdf: Path, base_url: Path) -> None:
    """Render the HTML page to an A4 PDF with embedded fonts, bookmarks and metadata."""
    from weasyprint import HTML

    HTML(string=html, base_url=str(base_url)).write_pdf(str(pdf))


def run_in_parallel(function: Callable[[T], R], jobs: list[T]) -> list[R]:
    """function(job) for every job, in parallel processes when there are several (rendering is CPU-bound)."""
    if len(jobs) < 2:
        return [function(job) for job in jobs]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    workers = min(len(jobs), os.cpu_count() or 1)
    context = multiprocessing.get_context("spawn")     # no fork of a process that holds threads
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return list(pool.map(function, jobs))
