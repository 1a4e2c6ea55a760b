"""Wall and CPU time of the report stage: per part (imports, kernel start, notebook, HTML, PDF) and in all.

    python benchmarks/report_time.py [--lab timisoara-2020-10-20] [--runs 3]

Parts: each report language runs alone in a fresh interpreter (so its imports are counted, and the two
languages do not compete), timing what one render worker does: importing the rendering libraries, starting a
Jupyter kernel (alone, then shut down), executing the notebook with papermill (its own kernel start
included: the cells take the difference), making the HTML and the PDF. Outputs of the parts go to a
temporary folder. Total: `harvest report <lab>` as DVC runs it (every language, in parallel), `--runs` times;
its outputs replace reports/<lab>/ (the same bytes: the script says whether every run wrote the same).
CPU of a part is user + system time of the process and of the children it waited for (the kernel); CPU of
the whole stage is the machine's during the run (the render workers are a fork server's children). The
load average is printed first: on a shared machine the wall time depends on it.
Figures, not assertions.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_LAB = "timisoara-2020-10-20"


def cpu_seconds() -> float:
    """User + system time of this process and of the children it has waited for."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@contextmanager
def timed(figures: dict[str, tuple[float, float]], part: str) -> Iterator[None]:
    """Record the wall and CPU seconds of the block under `part`."""
    wall, cpu = time.perf_counter(), cpu_seconds()
    yield
    figures[part] = (time.perf_counter() - wall, cpu_seconds() - cpu)


def kernel_start() -> None:
    """Start a python3 kernel, wait until it answers, shut it down (what papermill does around the cells)."""
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3")
    client.stop_channels()
    manager.shutdown_kernel(now=False)


def parts(lab_id: str, language: str) -> dict[str, tuple[float, float]]:
    """Each part of one language's report, timed in this (fresh) process; outputs to a temporary folder."""
    figures: dict[str, tuple[float, float]] = {}
    with timed(figures, "imports"):              # what a render worker imports
        from pipeline.report.render import (
            execute_notebook,
            notebook_body_html,
            page_html,
            skip_iri_grammar,
            write_pdf,
        )

        skip_iri_grammar()
        import papermill  # noqa: F401
        import weasyprint  # noqa: F401
    from pipeline.params import load_params
    from pipeline.report.stage import render_jobs

    job = next(j for j in render_jobs(lab_id, load_params()) if j.language == language)
    with tempfile.TemporaryDirectory() as tmp:
        executed, pdf = Path(tmp) / f"report.{language}.ipynb", Path(tmp) / f"report.{language}.pdf"
        with timed(figures, "kernel start"):
            kernel_start()
        with timed(figures, "notebook (kernel start included)"):
            nb = execute_notebook(job.notebook, executed, job.parameters, cwd=job.cwd)
        with timed(figures, "HTML"):
            html = page_html(notebook_body_html(nb), job.title, job.author, job.language, job.date)
        with timed(figures, "PDF"):
            write_pdf(html, pdf, base_url=job.lab_dir.resolve(), lab_dir=job.lab_dir)
    return figures


def machine_cpu_seconds() -> float:
    """User + nice + system time of the whole machine so far (Linux /proc/stat)."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:4]
    return sum(int(f) for f in fields) / os.sysconf("SC_CLK_TCK")


def stage_run(lab_id: str) -> tuple[float, float, str]:
    """`harvest report <lab>` once: wall seconds, the machine's CPU seconds meanwhile, digest of its outputs.

    The machine's, not the process's: the render workers are the fork server's children, which the stage
    does not wait for, so its own rusage would leave them out (run it on an otherwise quiet machine)."""
    wall, cpu = time.perf_counter(), machine_cpu_seconds()
    process = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "report", lab_id], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, _ = os.wait4(process.pid, 0)
    elapsed, used = time.perf_counter() - wall, machine_cpu_seconds() - cpu
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"harvest report {lab_id} failed: {process.stderr.read().decode() if process.stderr else ''}")
    digest = hashlib.sha256()
    for path in sorted((ROOT / "reports" / lab_id).iterdir()):
        digest.update(path.name.encode() + path.read_bytes())
    return elapsed, used, digest.hexdigest()[:12]


def report_languages(lab_id: str) -> list[str]:
    """The languages the stage renders for the lab."""
    from pipeline.params import load_params
    from pipeline.report.stage import render_jobs

    return [job.language for job in render_jobs(lab_id, load_params())]


def in_child(function: Callable[..., Any], *args: str) -> Any:
    """Run a function of this script in a fresh interpreter (cold imports) and return its JSON result."""
    code = (f"import json, sys; sys.path.insert(0, {str(ROOT)!r}); import benchmarks.report_time as b; "
            f"print(json.dumps(b.{function.__name__}(*sys.argv[1:])))")
    result = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True,
                            check=True)
    return json.loads(result.stdout.splitlines()[-1])


def main() -> None:
    """Print the load, the parts per language and the whole stage's wall and CPU time."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lab", default=DEFAULT_LAB)
    parser.add_argument("--runs", type=int, default=3, help="runs of the whole stage")
    args = parser.parse_args()
    os.chdir(ROOT)
    print(f"load average (1, 5, 15 min): {', '.join(f'{x:.2f}' for x in os.getloadavg())}; "
          f"{os.cpu_count()} cores")
    languages = in_child(report_languages, args.lab)
    print(f"\nparts, one language at a time in a fresh process ({args.lab}):")
    print(f"{'part':<36}" + "".join(f"{lang + ' wall':>10}{lang + ' CPU':>10}" for lang in languages))
    figures = {lang: in_child(parts, args.lab, lang) for lang in languages}
    for part in figures[languages[0]]:
        print(f"{part:<36}" + "".join(f"{figures[lang][part][0]:>10.2f}{figures[lang][part][1]:>10.2f}"
                                      for lang in languages))
    sums = {lang: [sum(v[i] for k, v in figures[lang].items() if k != "kernel start") for i in (0, 1)]
            for lang in languages}
    print(f"{'sum (kernel start counted once)':<36}" + "".join(f"{sums[lang][0]:>10.2f}{sums[lang][1]:>10.2f}"
                                                            for lang in languages))
    print(f"\nwhole stage, `harvest report {args.lab}` ({' + '.join(languages)} in parallel):")
    digests = set()
    for run in range(1, args.runs + 1):
        wall, cpu, digest = stage_run(args.lab)
        digests.add(digest)
        load = os.getloadavg()[0]
        print(f"run {run}: {wall:.2f} s wall, {cpu:.2f} s CPU of the machine (load {load:.2f}), outputs {digest}")
    print(f"same bytes on every run: {'yes' if len(digests) == 1 else 'NO'}")


if __name__ == "__main__":
    main()
