"""The report stage's processes load only what they use, and the stage's shared lookups give the same answers.

The speed itself is measured by benchmarks/report_time.py; these tests keep the structure that makes it: the
notebook's kernel imports the analysis but not the notebook tools, a render worker the reverse, and jsonschema
never compiles the IRI grammar no notebook check uses.
"""

from __future__ import annotations

import base64
import io
import json
import subprocess
import sys

import nbformat
import pandas as pd
import pytest

from pipeline import lang
from pipeline.report.data import ReportData
from pipeline.report.render import run_in_parallel
from pipeline.report.view import at_every_table, main_table, spread, where_text
from tests.conftest import ROOT

NOTEBOOK_TOOLS = ("nbformat", "jsonschema", "papermill", "nbconvert", "weasyprint")
ANALYSIS = ("pandas", "matplotlib")


def loaded_after(code: str, names: tuple[str, ...]) -> list[str]:
    """Which of `names` a fresh interpreter has imported after running `code`."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(n for n in {list(names)!r} if n in sys.modules)))"
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    loaded: list[str] = json.loads(result.stdout.splitlines()[-1])
    return loaded


def test_the_notebooks_kernel_loads_the_analysis_but_no_notebook_tool():
    # The notebook's one import (notebooks/report.ipynb): the package must not drag in the render edge.
    assert loaded_after("from pipeline.report.content import build_report", NOTEBOOK_TOOLS + ANALYSIS) == \
        sorted(ANALYSIS)


def test_a_render_worker_loads_neither_pandas_nor_matplotlib():
    # What a worker imports to run render_language and wrap the page (its fork server adds the notebook tools).
    code = "from pipeline.report.render import render_language, page_html"
    assert loaded_after(code, NOTEBOOK_TOOLS + ANALYSIS) == []


def test_notebooks_are_still_validated_without_the_iri_grammar():
    code = ("from pipeline.report.render import skip_iri_grammar\nskip_iri_grammar()\nimport nbformat, jsonschema\n"
            "nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('1')])\nnbformat.validate(nb)\n"
            "bad = nbformat.v4.new_notebook(); bad['cells'] = [{'cell_type': 'nonsense'}]\n"
            "try:\n    nbformat.validate(bad)\nexcept nbformat.ValidationError:\n    print('invalid')\n"
            "print('iri' in jsonschema.FormatChecker().checkers)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["invalid", "False"]


def test_the_stage_process_loads_no_charting_library():
    # It writes the spreadsheet while the workers render: pandas yes, matplotlib and the notebook tools no.
    assert loaded_after("from pipeline.report.stage import run", NOTEBOOK_TOOLS + ANALYSIS) == ["pandas"]


def libraries_loaded(job: int) -> list[str]:
    """What a render worker has imported when its job starts (its function runs in the worker)."""
    return sorted(name for name in NOTEBOOK_TOOLS if name in sys.modules)


def test_render_workers_start_with_the_notebook_and_pdf_libraries_loaded_once_for_all():
    # The fork server imported them: a worker runs its job without importing them again. In a fresh process,
    # as `harvest report` runs: a process has one fork server, and this one's may have been started by another
    # stage's test (pipeline.workers).
    code = ("from pipeline.report.render import run_in_parallel; from tests.test_report_stage import libraries_loaded;"
            "print(run_in_parallel(libraries_loaded, [1, 2]))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == repr([["jsonschema", "nbformat", "papermill", "weasyprint"]] * 2)


def test_the_kernels_own_log_stays_out_of_the_build_log_but_cell_output_does_not(tmp_path):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import sys; print('from the cell', file=sys.stderr)")])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    source = tmp_path / "in.ipynb"
    nbformat.write(notebook, str(source))
    code = (f"from pipeline.report.render import execute_notebook, notebook_body_html\nfrom pathlib import Path\n"
            f"nb = execute_notebook(Path({str(source)!r}), Path({str(tmp_path / 'out.ipynb')!r}), {{}}, "
            f"cwd=Path({str(tmp_path)!r}))\nnotebook_body_html(nb)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stderr.splitlines() == ["report notebook: from the cell"]


def test_theme_charts_are_opaque_rgb_at_print_resolution():
    # An alpha channel would be split off and encoded as a second image in the PDF.
    from PIL import Image

    from pipeline.report.content import theme_chart_png

    uri = theme_chart_png(["Funding for start-ups", "Cheap studio space"], [5, 3], {"chart_xlabel": "Notes"})
    image = Image.open(io.BytesIO(base64.b64decode(uri.removeprefix("data:image/png;base64,"))))
    assert (image.mode, image.width) == ("RGB", 1260)


def test_meanwhile_runs_once_in_this_process_with_one_job_or_several():
    calls: list[str] = []
    assert run_in_parallel(abs, [-3], meanwhile=lambda: calls.append("one")) == [3]
    assert run_in_parallel(abs, [-1, -2], meanwhile=lambda: calls.append("several")) == [1, 2]
    assert run_in_parallel(abs, [-4]) == [4]
    assert calls == ["one", "several"]


def _data(coverage: pd.DataFrame) -> ReportData:
    lab = {"id": "lab", "language": "ro", "groups": ["A", "B"], "sessions": []}
    return ReportData(lab, pd.DataFrame(), [], pd.DataFrame(), {}, {}, {}, {}, coverage=coverage)


COVERAGE = pd.DataFrame({"question": ["q1"] * 4, "theme_id": ["t1", "t1", "t1", "t2"],
                         "group": ["B", "A", "A", "A"], "round": [2, 1, 10, 1], "notes": [1, 2, 4, 3]})


def test_a_themes_spread_counts_notes_per_table_and_round_in_order():
    data = _data(COVERAGE)
    assert spread(data, "t1") == {"groups": {"A": 6, "B": 1}, "rounds": {"1": 2, "2": 1, "10": 4}}
    assert spread(data, "t2") == {"groups": {"A": 3}, "rounds": {"1": 3}}
    assert spread(data, "t3") == {"groups": {}, "rounds": {}}
    assert spread(_data(pd.DataFrame()), "t1") == {"groups": {}, "rounds": {}}
    assert at_every_table(data, "t1") and not at_every_table(data, "t2")
    assert main_table(data, "t1", 0.8) == "A" and main_table(data, "t1", 0.9) == ""


def test_where_text_reads_the_same_spread():
    from pipeline.report.content import texts

    data = _data(COVERAGE)
    assert where_text(data, "t1", texts(data, "en")) == (
        "Table A (6), Table B (1) · round 1 (2), round 2 (1), round 10 (4)")


def test_report_strings_are_a_fresh_copy_each_time():
    strings = lang.report_strings("ro")
    strings["page"] = "changed"
    assert lang.report_strings("ro")["page"] != "changed"


def test_the_page_body_is_the_notebooks_outputs_in_order_without_code_or_stderr(tmp_path, capsys):
    from pipeline.report.render import notebook_body_html

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# not shown"),
                nbformat.v4.new_code_cell("secret_code()", outputs=[
                    nbformat.v4.new_output("display_data", data={"text/html": "<section id='a'>Întâi</section>",
                                                                 "text/plain": "<IPython.HTML>"}),
                    nbformat.v4.new_output("stream", name="stderr", text="a warning\n"),
                    nbformat.v4.new_output("stream", name="stdout", text="x < y & <b>not bold</b>"),
                    nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo=\n"})]),
                nbformat.v4.new_code_cell("", outputs=[
                    nbformat.v4.new_output("execute_result", data={"text/html": "<p>Apoi</p>"}, execution_count=1)])]
    path = tmp_path / "report.ro.ipynb"
    nbformat.write(nb, str(path))
    body = notebook_body_html(nbformat.read(str(path), as_version=4))
    assert body.index("<section id='a'>Întâi</section>") < body.index("<p>Apoi</p>")     # placed as rendered
    assert "x &lt; y &amp; &lt;b&gt;not bold&lt;/b&gt;" in body                           # other text escaped
    assert 'src="data:image/png;base64,iVBORw0KGgo="' in body
    assert "secret_code" not in body and "not shown" not in body and "a warning" not in body
    assert "<IPython.HTML>" not in body
    assert "report notebook: a warning" in capsys.readouterr().err
    nb.cells[1].outputs.append(nbformat.v4.new_output("error", ename="KeyError", evalue="'x'", traceback=[]))
    nbformat.write(nb, str(path))
    with pytest.raises(RuntimeError, match="report notebook failed: KeyError"):
        notebook_body_html(nbformat.read(str(path), as_version=4))


@pytest.mark.parametrize("failure", ["Kernel died before replying to kernel_info",
                                     "Kernel didn't respond in 60 seconds"])
def test_a_kernel_that_fails_to_start_is_started_again_and_other_failures_are_not_retried(tmp_path, monkeypatch,
                                                                                          failure):
    """Two kernels started at once can get the same port (jupyter_client): the one that dies or hangs before
    its first cell is started again (both happened in `dvc repro`); an error from a cell is the notebook's,
    raised at once."""
    import nbformat
    import papermill

    from pipeline.report.render import execute_notebook

    output = tmp_path / "out.ipynb"
    calls = []

    def fails_once(source, target, **_):
        calls.append(source)
        if len(calls) == 1:
            raise RuntimeError(failure)
        nbformat.write(nbformat.v4.new_notebook(), target)

    monkeypatch.setattr(papermill, "execute_notebook", fails_once)
    execute_notebook(tmp_path / "in.ipynb", output, {}, tmp_path)
    assert len(calls) == 2 and output.is_file()

    def cell_fails(source, target, **_):
        calls.append(source)
        raise RuntimeError("a cell raised")

    calls.clear()
    monkeypatch.setattr(papermill, "execute_notebook", cell_fails)
    with pytest.raises(RuntimeError, match="a cell raised"):
        execute_notebook(tmp_path / "in.ipynb", output, {}, tmp_path)
    assert len(calls) == 1
