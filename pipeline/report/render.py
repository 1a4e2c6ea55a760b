"""Report rendering at the edge: papermill executes the notebook, nbconvert makes HTML, WeasyPrint the PDF."""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import nbformat
from markupsafe import Markup

from pipeline.errors import HarvestError
from pipeline.report.content import render, translations

T = TypeVar("T")
R = TypeVar("R")
ASSETS_DIR = Path(__file__).parent
CSS_FILE = ASSETS_DIR / "report.css"
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp")
# Papermill's and nbclient's per-run bookkeeping: times and durations, never the same twice.
VOLATILE_METADATA = ("start_time", "end_time", "duration", "execution")


def execute_notebook(notebook: Path, output: Path, parameters: dict[str, Any], cwd: Path) -> None:
    """Run the report notebook with papermill, injecting `parameters` after its `parameters` cell."""
    import papermill

    output.parent.mkdir(parents=True, exist_ok=True)  # papermill does not create folders
    papermill.execute_notebook(str(notebook), str(output), parameters=parameters, cwd=str(cwd),
                               kernel_name="python3", progress_bar=False, log_output=False,
                               report_mode=True)
    nb = nbformat.read(str(output), as_version=4)
    nbformat.write(reproducible_notebook(nb), str(output))


def reproducible_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The executed notebook without what changes from run to run: random cell ids, times, durations."""
    for index, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{index}"
        for key in VOLATILE_METADATA:
            cell.get("metadata", {}).pop(key, None)
            cell.get("metadata", {}).get("papermill", {}).pop(key, None)
    for key in VOLATILE_METADATA:
        nb.metadata.get("papermill", {}).pop(key, None)
    return nb


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


def page_html(body: str, title: str, author: str, language: str, date: str = "") -> str:
    """A self-contained HTML page (inline CSS, images as data URIs, no external links); `date` dates the PDF."""
    t = translations(language)
    css = CSS_FILE.read_text(encoding="utf-8").replace("PAGE_LABEL", t["page"]).replace("OF_LABEL", t["of"])
    return render("page.html.j2", language=language, title=title, author=author, css=Markup(css), body=Markup(body),
                  date=date)


def report_date(input_date: str) -> str:
    """The date a PDF records: SOURCE_DATE_EPOCH's day when set, else its inputs' date (never the clock)."""
    return generation_date() or input_date


def generation_date() -> str:
    """The day the cover may call "generated on": SOURCE_DATE_EPOCH's, else '' (the clock would make every
    build differ, and the inputs' date is not when the report was generated)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date().isoformat()
        except (ValueError, OverflowError, OSError):
            raise HarvestError.at("SOURCE_DATE_EPOCH", None, f"'{epoch}' is not a Unix time",
                                  "set it to whole seconds since 1970, e.g. $(git log -1 --format=%ct)") from None
    return ""


def allowed_file(path: Path, lab_dir: Path | None) -> bool:
    """True for the project's own report assets, and for an image inside the lab's own raw folder."""
    resolved = path.resolve()
    if resolved.is_relative_to(ASSETS_DIR.resolve()):
        return True
    return (lab_dir is not None and resolved.is_relative_to(lab_dir.resolve())
            and resolved.suffix.lower() in IMAGE_SUFFIXES and resolved.is_file())


def refusing_fetcher(lab_dir: Path | None) -> Any:
    """A WeasyPrint URL fetcher that serves data: URIs, our assets and the lab's images, and nothing else."""
    from urllib.parse import urlsplit
    from urllib.request import url2pathname

    from weasyprint.urls import URLFetcher

    class RefusingFetcher(URLFetcher):
        """Never opens the network or a file the lab does not own; says what it refused."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            scheme = urlsplit(url).scheme.lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file" and allowed_file(Path(url2pathname(urlsplit(url).path)), lab_dir):
                return super().fetch(url.split("?")[0].split("#")[0], headers)
            where = f"data/raw/{lab_dir.name}/" if lab_dir is not None else "the project's report assets"
            print(f"warning: report: not loading {url} — only images inside {where} are shown "
                  "(copy the image into the lab folder and link it relatively)", file=sys.stderr)
            raise ValueError(f"refused: {url}")

    return RefusingFetcher(allowed_protocols=("data", "file"), allow_redirects=False)


def write_pdf(html: str, pdf: Path, base_url: Path, lab_dir: Path | None = None) -> None:
    """Render the HTML page to an A4 PDF with embedded fonts, bookmarks and metadata; fetches no URL."""
    from weasyprint import HTML

    HTML(string=html, base_url=str(base_url), url_fetcher=refusing_fetcher(lab_dir)).write_pdf(str(pdf))


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
