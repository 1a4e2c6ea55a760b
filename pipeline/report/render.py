"""Report rendering at the edge: papermill executes the notebook, its outputs make the HTML, WeasyPrint the PDF.

The notebook tools are imported where they are used, after `skip_iri_grammar`: a render worker loads them,
the notebook's kernel (which imports the report package) never does.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from markupsafe import Markup

from pipeline.errors import HarvestError
from pipeline.report.markup import render, translations

if TYPE_CHECKING:
    import nbformat

T = TypeVar("T")
R = TypeVar("R")
ASSETS_DIR = Path(__file__).parent
CSS_FILE = ASSETS_DIR / "report.css"
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp")
# A kernel that dies or hangs before it answers was never given a cell: starting it again is safe (a port
# race; jupyter_client says one of these).
KERNEL_NOT_STARTED = ("Kernel died before replying to kernel_info", "Kernel didn't respond in")
KERNEL_START_ATTEMPTS = 3
# Papermill's and nbclient's per-run bookkeeping: times and durations, never the same twice.
VOLATILE_METADATA = ("start_time", "end_time", "duration", "execution")


def skip_iri_grammar() -> None:
    """Keep jsonschema (imported by nbformat) from compiling an IRI grammar no notebook check uses: 1.5 s of CPU.

    rfc3987-syntax (installed with JupyterLab's jupyter-events) builds an Earley parser when imported, and
    jsonschema imports it for its 'iri' format. Notebooks are validated without format checks, so the grammar
    never runs; a module that is None in sys.modules fails to import, and jsonschema leaves that format out.
    Call it before the first import of nbformat, papermill or nbconvert.
    """
    if "rfc3987_syntax" not in sys.modules:
        sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]


def execute_notebook(notebook: Path, output: Path, parameters: dict[str, Any], cwd: Path) -> nbformat.NotebookNode:
    """Run the report notebook with papermill, injecting `parameters` after its `parameters` cell; returns the
    executed notebook as written to `output`."""
    skip_iri_grammar()
    import nbformat
    import papermill

    output.parent.mkdir(parents=True, exist_ok=True)  # papermill does not create folders
    # The kernel is stopped at once when the last cell is done (its outputs are in by then): a graceful stop
    # waits for the process to exit, 0.1-0.2 s of nothing per notebook. The kernel's own log says only that
    # it talks to this process over localhost TCP (a warning in every build); the cells' warnings and errors
    # reach the notebook's outputs as before.
    for attempt in range(KERNEL_START_ATTEMPTS):
        try:
            papermill.execute_notebook(str(notebook), str(output), parameters=parameters, cwd=str(cwd),
                                       kernel_name="python3", progress_bar=False, log_output=False,
                                       report_mode=True, shutdown_kernel="immediate",
                                       extra_arguments=["--IPKernelApp.log_level=ERROR"])
            break
        except RuntimeError as exc:
            # Two kernels started at once (the report's languages render in parallel) can be given the same
            # free port by jupyter_client: one dies at start ('Address already in use'), or hangs until the
            # start timeout. Nothing has run yet.
            if not any(message in str(exc) for message in KERNEL_NOT_STARTED) \
                    or attempt == KERNEL_START_ATTEMPTS - 1:
                raise
    nb = reproducible_notebook(nbformat.read(str(output), as_version=4))
    nbformat.write(nb, str(output))
    return nb


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


def notebook_body_html(nb: nbformat.NotebookNode) -> str:
    """The executed notebook's outputs as HTML, without code, prompts or stderr (stderr goes to our stderr).

    The cells display HTML the report's own (autoescaping) templates rendered; it is placed as it is, in
    order. nbconvert's exporter did the same through a template engine and a re-parse of the page: 0.5 s
    per language for nothing the report uses.
    """
    outputs: list[dict[str, Any]] = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            kind = out.get("output_type")
            if kind == "stream" and out.get("name") == "stderr":
                print(f"report notebook: {''.join(out.get('text', ''))}", file=sys.stderr, end="")
            elif kind == "error":
                raise RuntimeError(f"report notebook failed: {out.get('ename')}: {out.get('evalue')}")
            elif kind == "stream":
                outputs.append({"html": None, "png": "", "text": "".join(out.get("text", ""))})
            else:
                data = out.get("data", {})
                html = data.get("text/html")
                outputs.append({"html": Markup("".join(html)) if html is not None else None,
                                "png": "".join(data.get("image/png", "")).strip(),
                                "text": "".join(data.get("text/plain", ""))})
    return render("notebook_body.html.j2", outputs=outputs)


def page_html(body: str, title: str, author: str, language: str, date: str = "") -> str:
    """A self-contained HTML page (inline CSS, images as data URIs, no external links); `date` dates the PDF."""
    t = translations(language)
    marks = " ".join(f'"{mark}"' for mark in t["quote_marks"].split() if '"' not in mark and "\\" not in mark)
    css = CSS_FILE.read_text(encoding="utf-8").replace("PAGE_LABEL", t["page"]).replace("OF_LABEL", t["of"]) \
        .replace("QUOTE_MARKS", marks or "none")
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


@dataclass(frozen=True)
class RenderJob:
    """Everything one language's report needs; picklable, so languages render in parallel processes."""

    notebook: Path
    out: Path
    language: str
    title: str
    author: str
    cwd: Path
    parameters: dict[str, Any]
    date: str              # the date the PDF records (inputs' date unless SOURCE_DATE_EPOCH is set)
    lab_dir: Path          # the lab's raw folder: conclusions.md's images are read from there only


def render_language(job: RenderJob) -> Path:
    """Execute the notebook for one language, then write its HTML and PDF; returns the PDF."""
    executed = job.out / f"report.{job.language}.ipynb"
    nb = execute_notebook(job.notebook, executed, job.parameters, cwd=job.cwd)
    html = page_html(notebook_body_html(nb), job.title, job.author, job.language, job.date)
    (job.out / f"report.{job.language}.html").write_text(html, encoding="utf-8")
    pdf = job.out / f"report.{job.language}.pdf"
    write_pdf(html, pdf, base_url=job.lab_dir.resolve(), lab_dir=job.lab_dir)
    return pdf


WORKER_LIBRARIES = "pipeline.report.worker_libraries"


def start_render_workers() -> Any:
    """The multiprocessing context render workers are made in, its fork server started now: it imports the
    workers' libraries once (WORKER_LIBRARIES) while this process goes on reading the stage's inputs."""
    from pipeline.workers import forked_workers

    return forked_workers(WORKER_LIBRARIES)


def run_in_parallel(function: Callable[[T], R], jobs: list[T],
                    meanwhile: Callable[[], object] | None = None) -> list[R]:
    """function(job) for every job, in parallel processes when there are several (rendering is CPU-bound);
    `meanwhile` runs in this process first, while the fork server loads the workers' libraries (asking it
    for a worker waits until it is ready)."""
    if len(jobs) < 2:
        results = [function(job) for job in jobs]
        if meanwhile is not None:
            meanwhile()
        return results
    from concurrent.futures import ProcessPoolExecutor

    context = start_render_workers()
    if meanwhile is not None:
        meanwhile()
    workers = min(len(jobs), os.cpu_count() or 1)
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [pool.submit(function, job) for job in jobs]
        return [future.result() for future in futures]
