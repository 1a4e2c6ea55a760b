"""dvc.yaml proven: each stage's deps hold every module it imports and every file it reads; its outs what it writes.

A stage's code is the module of its `harvest` command's run function (the CLI's stage registry), every
pipeline module that reaches through imports (lazy ones too), the data files of those packages (the language
folders pipeline/lang/<code>/, report templates), the project folders it names (codebooks/), the notebooks it
executes and what those import. Its data files are the catalogue datasets that code reads (and does not write
itself) and, when it opens the raw lab folder, data/raw/<lab>/. DVC re-runs only what dvc.yaml declares, so a
missing dep is a stale result; this test is what keeps them fresh.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline import catalog, cli, lang
from pipeline.lang import LANG_DIR
from tests import codegraph
from tests.conftest import ROOT

ITEM = "${item}"
PARAMS = "params.yaml"
RAW_LAB = f"data/raw/{ITEM}"
PLACEHOLDER = "LAB-ID"          # a valid lab id, replaced by dvc's ${item}


def _stage_runs() -> dict[str, Callable[..., Any]]:
    return {**{name: load() for name, load in cli.STAGES.items()},
            **{name: load() for name, load in cli.CROSS_LAB_STAGES.items()}}


def _rel(path: Path) -> str:
    return path.resolve().relative_to(ROOT).as_posix()


def _where(name: str) -> str:
    dataset = catalog.DATASETS.get(name) or getattr(catalog, name)
    return _rel(dataset.path(PLACEHOLDER, ROOT)).replace(PLACEHOLDER, ITEM)


@cache
def required(stage: str) -> tuple[frozenset[str], frozenset[str]]:
    """(paths the stage depends on, paths it writes), relative to the project, `${item}` for the lab.

    Every module the stage imports is code it depends on; the files read and written are those of its
    modules except other stages' run modules (themes imports pipeline.embed.base, which runs
    pipeline/embed/__init__.py, but never calls the embed stage).
    """
    params = _load()[1]
    runs = _stage_runs()
    others = {r.__module__ for name, r in runs.items() if name != stage}
    modules = codegraph.closure({runs[stage].__module__})
    section = params.get(stage) if isinstance(params.get(stage), dict) else {}
    notebooks = {ROOT / str(v) for v in section.values() if isinstance(v, str) and str(v).endswith(".ipynb")}
    files: set[Path] = set()
    for module in sorted(modules):
        path = codegraph.module_file(module)
        assert path is not None
        files |= {path, *codegraph.package_data(module), *codegraph.file_use(path).files}
    notebooks |= {f for f in files if f.suffix == ".ipynb"}
    for notebook in notebooks:
        extra = codegraph.closure(codegraph.imports_in_tree(codegraph.tree_of(notebook), "notebook"))
        for module in extra - modules:
            path = codegraph.module_file(module)
            assert path is not None
            files |= {path, *codegraph.package_data(module)}
        modules |= extra
    lang_dir = ROOT / "pipeline" / "lang"
    files = {f for f in files if lang_dir not in f.parents or f.parent == lang_dir} | language_files(
        [p for p in (codegraph.module_file(m) for m in sorted(modules)) if p is not None] + sorted(notebooks))
    users = [codegraph.module_file(m) for m in sorted(modules - others)] + sorted(notebooks)
    uses = [codegraph.file_use(p) for p in users if p is not None]
    reads = set().union(*(u.reads for u in uses))
    writes = set().union(*(u.writes for u in uses))
    # params.yaml is read through dvc.yaml's `params:` of each stage, not as a file dep.
    deps = {_rel(f) for f in files | notebooks if f.name != PARAMS} | {_where(n) for n in reads - writes}
    if any(u.raw_lab for u in uses):
        # The raw lab folder, or only the files of it a stage names as its raw inputs (ingest.RAW_INPUTS).
        named = getattr(sys.modules[runs[stage].__module__], "RAW_INPUTS", None)
        deps |= {f"{RAW_LAB}/{name}" for name in named} if named else {RAW_LAB}
    return frozenset(deps), frozenset(_where(n) for n in writes)


def language_files(code: list[Path]) -> set[Path]:
    """The files of the language folders some code reads: those of the pipeline.lang readers it calls (lang.READS)
    and those it passes to data_lines, in every language folder that has them (pipeline/lang/ro/report.yaml, …)."""
    names: set[str] = set()
    for path in code:
        if path == codegraph.module_file(codegraph.LANG):
            continue
        readers, data = codegraph.lang_calls(path)
        names |= {f for r in readers if r in lang.READS for f in lang.READS[r]} | data
    return {LANG_DIR / code / name for code in lang.languages() for name in names if (LANG_DIR / code / name).is_file()}


def _covers(declared: str, wanted: str, per_lab: bool) -> bool:
    declared = declared.rstrip("/")
    if not per_lab and ITEM in wanted:
        wanted = wanted.split(f"/{ITEM}", 1)[0]    # a cross-lab stage reads every lab's file: the folder
    return wanted == declared or wanted.startswith(declared + "/")


def _declared(body: dict[str, Any], key: str) -> list[str]:
    return [next(iter(e)) if isinstance(e, dict) else str(e) for e in body.get(key) or []]


def check_stage(stage: str, spec: dict[str, Any]) -> list[str]:
    """What dvc.yaml gets wrong about one stage: missing deps/outs and deps no code of the stage reads."""
    per_lab = "foreach" in spec
    body = spec["do"] if per_lab else spec
    deps = _declared(body, "deps")
    outs = _declared(body, "outs") + _declared(body, "metrics") + _declared(body, "plots")
    need_deps, need_outs = required(stage)
    problems = [f"{stage}: dep missing: {p}" for p in sorted(need_deps)
                if not any(_covers(d, p, per_lab) for d in deps)]
    problems += [f"{stage}: out missing: {p}" for p in sorted(need_outs)
                 if not any(_covers(o, p, per_lab) for o in outs)]
    problems += [f"{stage}: dep that no code of the stage reads: {d}" for d in deps
                 if not any(_covers(d, p, per_lab) for p in need_deps)]
    problems += [f"{stage}: out that no code of the stage writes: {o}" for o in outs
                 if not any(_covers(o, p, per_lab) for p in need_outs)]
    return problems


@cache
def _load() -> tuple[dict[str, Any], dict[str, Any]]:
    dvc = yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))
    params = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    return dvc["stages"], params


def test_every_stage_of_the_cli_is_a_dvc_stage_and_back():
    stages, _ = _load()
    assert set(stages) == set(_stage_runs())
    assert [name for name in stages if name in cli.STAGES] == list(cli.STAGES)     # pipeline order


@pytest.mark.parametrize("stage", list(_load()[0]))
def test_dvc_yaml_declares_what_the_stage_imports_reads_and_writes(stage):
    stages, _ = _load()
    assert check_stage(stage, stages[stage]) == []


def test_removing_any_dep_or_out_is_caught():
    stages, _ = _load()
    for name, original in stages.items():
        for key in ("deps", "outs"):
            body = original["do"] if "foreach" in original else original
            for entry in body.get(key) or []:
                spec = copy.deepcopy(original)
                inner = spec["do"] if "foreach" in spec else spec
                inner[key] = [e for e in inner[key] if e != entry]
                assert any(f"{key[:-1]} missing" in p for p in check_stage(name, spec)), (name, entry)


def test_each_language_file_is_a_dep_of_exactly_the_stages_that_read_it():
    # The bug this test began with: editing a phone-number file did not re-run redaction. Now also the
    # converse: editing a report.yaml re-runs the report stages, not ingest.
    stages = list(_load()[0])
    readers: dict[str, set[str]] = {}
    for stage in stages:
        for dep in required(stage)[0]:
            if dep.startswith("pipeline/lang/") and dep.count("/") == 3:
                readers.setdefault(dep.split("/", 3)[3], set()).add(stage)
    nlp = {"clean", "embed", "themes"}
    assert readers == {"language.yaml": {"ingest", "proposals", "themes", "report", "compare"},   # the redaction marks
                       "report.yaml": {"report", "compare"},
                       "proposals.yaml": {"proposals", "report", "compare"},     # the report imports the cues' module
                       "process_notes.txt": {"themes"}, "process_examples.txt": {"themes"},
                       "title_breaks.txt": {"themes"},
                       **{name: nlp for name in ("chars.tsv", "stopwords_extra.txt", "stopwords_keep.txt",
                                                 "lemma_suffixes.tsv", "lemma_exceptions.tsv", "clitics.txt",
                                                 "simplemma.txt")}}
    # questions.yaml is read by `harvest new-lab` only, never by a stage; every folder's files are deps.
    for name, users in readers.items():
        for stage in users:
            assert {f"pipeline/lang/{c}/{name}" for c in lang.languages() if (LANG_DIR / c / name).is_file()} \
                <= required(stage)[0]
    assert "codebooks" in {d.split("/")[0] for d in required("themes")[0]}


def test_language_files_follow_the_readers_code_calls(tmp_path):
    module = tmp_path / "strings.py"
    module.write_text("from pipeline import lang\nfrom pipeline.lang import data_lines as lines\n"
                      "BREAKS = 'title_breaks.txt'\n"
                      "def f(code):\n    return lang.report_strings(code), lines(code, BREAKS)\n", encoding="utf-8")
    found = {_rel(p) for p in language_files([module])}
    assert "pipeline/lang/lt/report.yaml" in found and "pipeline/lang/ro/language.yaml" in found
    assert "pipeline/lang/ro/title_breaks.txt" in found and not any(p.endswith("questions.yaml") for p in found)
    unknown = tmp_path / "unknown.py"         # a file name known only at run time cannot be declared
    unknown.write_text("from pipeline.lang import data_lines\ndef f(code, name):\n    return data_lines(code, name)\n",
                       encoding="utf-8")
    with pytest.raises(AssertionError, match="data_lines's file is not a constant: name"):
        language_files([unknown])


def test_the_compare_stage_declares_its_outputs_outside_what_it_reads():
    spec = _load()[0]["compare"]
    assert {"data/compare", "reports/compare"} <= set(spec["outs"])
    assert not any(o.startswith(d.rstrip("/") + "/") for o in spec["outs"] for d in spec["deps"])
