"""The `harvest` command: thin wiring from arguments to stage functions; user errors print without traceback."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pipeline.errors import HarvestError, Problem
from pipeline.lang import languages
from pipeline.params import CleanParams, load_params, typed
from pipeline.paths import check_lab_id, confine_tools

# A stage's run function, imported only when that stage runs (so `harvest check` stays quick).
StageRun = Callable[[str, dict[str, Any]], Any]
CrossLabRun = Callable[[dict[str, Any]], Any]


def _ingest() -> StageRun:
    from pipeline.ingest import run
    return run


def _clean() -> StageRun:
    from pipeline.clean import run
    return run


def _embed() -> StageRun:
    from pipeline.embed import run
    return run


def _themes() -> StageRun:
    from pipeline.themes.workers import start_fit_workers

    start_fit_workers()      # the fit workers' libraries load while this process imports the stage
    from pipeline.themes import run
    return run


def _proposals() -> StageRun:
    from pipeline.proposals import run
    return run


def _links() -> StageRun:
    from pipeline.links import run
    return run


def _report() -> StageRun:
    from pipeline.report.render import start_render_workers

    start_render_workers()   # their libraries load while this process imports the stage and reads its inputs
    from pipeline.report.stage import run
    return run


def _compare() -> CrossLabRun:
    from pipeline.report.compare import run
    return run


# The per-lab stages, in pipeline order: dvc.yaml's stage of each name runs `harvest <name> '<lab>'`.
STAGES: dict[str, Callable[[], StageRun]] = {
    "ingest": _ingest, "clean": _clean, "embed": _embed, "themes": _themes, "proposals": _proposals,
    "links": _links, "report": _report,
}
# Stages over all the labs they name in params.yaml: `harvest <name>`.
CROSS_LAB_STAGES: dict[str, Callable[[], CrossLabRun]] = {"compare": _compare}


def _print_problems(problems: list[Problem]) -> None:
    for p in problems:
        print(p, file=sys.stderr)


def _run_stage(name: str, lab_id: str) -> Any:
    check_lab_id(lab_id, f"harvest {name}")
    params = load_params()
    if lab_id not in (params.get("labs") or []):
        raise HarvestError.at("params.yaml", None, f"lab '{lab_id}' is not listed under 'labs:'",
                              f"add '  - {lab_id}' under 'labs:'")
    try:
        result = STAGES[name]()(lab_id, params)
    except FileNotFoundError as exc:
        raise missing_input(exc, name) from None
    if name == "ingest":
        _print_problems(result)
    return result


def missing_input(exc: FileNotFoundError, stage: str) -> HarvestError:
    """A stage's input that does not exist yet, as the error that says which stages to run first."""
    where = exc.filename or str(exc)
    order = list(STAGES)
    before = order[: order.index(stage)] if stage in STAGES else []
    earlier = f" (the {', '.join(before)} stage{'s' if len(before) > 1 else ''})" if before else ""
    return HarvestError.at(where, None, f"input of the {stage} stage not found",
                           f"run `dvc repro` first{earlier}, or check the file is where it should be")


def _check(lab_dir: str) -> int:
    from pipeline.clean import note_identities
    from pipeline.edits import EDITS_FILE, load_edits, plan_edits
    from pipeline.ingest import read_lab_notes
    from pipeline.newlab import LAB_FILES, pending_labs
    from pipeline.readers import Limits
    from pipeline.themes.codebook import check_codebook, codebook_path, load_codebook
    from pipeline.themes.edits import codebook_ids
    from pipeline.translations import read_translations

    params = load_params() if Path("params.yaml").is_file() else {"ingest": {"formats": ["csv"]}}
    lab, notes, warnings = read_lab_notes(Path(lab_dir), params["ingest"]["formats"],
                                          Limits.from_params(params["ingest"]))
    edits = load_edits(Path(lab_dir))
    if edits:
        identities = note_identities(notes, lab.language, typed(params, CleanParams))
        question_ids = [q.id for q in lab.questions]
        codebook = load_codebook(codebook_path(Path(lab_dir), lab.meta.get("codebook")), lab.language, question_ids)[0]
        plan = plan_edits(edits, identities, lab.id, str(Path(lab_dir) / EDITS_FILE),
                          codebook_ids(codebook, question_ids))
        warnings += plan.problems
        if plan.errors:
            _print_problems(warnings)
            return 2
    warnings += read_translations(Path(lab_dir), lab.id, notes["note_id"], lab.people)[1]
    warnings += check_codebook(Path(lab_dir), lab.meta.get("codebook"), lab.language, [q.id for q in lab.questions])
    for name in LAB_FILES:
        if not (Path(lab_dir) / name).is_file():
            warnings.append(Problem(str(Path(lab_dir) / name), None, "missing (dvc.yaml reads it)",
                                    "create it empty: an empty file means none yet", "warning"))
    _print_problems(warnings)
    print(f"{lab_dir}: OK — {len(notes)} notes, {len(edits)} edit(s), {len(warnings)} warning(s)")
    if Path("params.yaml").is_file() and lab.id in pending_labs(Path("params.yaml").read_text(encoding="utf-8")):
        print(f"next: remove the '# ' before '- {lab.id}' under labs: in params.yaml, then run `dvc repro`")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from pipeline.evaluate import evaluate_csv, format_scores

    params = load_params() if Path("params.yaml").is_file() else None
    scores = evaluate_csv(Path(args.csv), args.text_column, args.label_column, args.language, params,
                          Path(args.codebook) if args.codebook else None)
    print(format_scores(scores, as_json=args.json))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Argument parser for `harvest`."""
    parser = argparse.ArgumentParser(prog="harvest", description="World-café notes -> themes -> PDF report.")
    sub = parser.add_subparsers(dest="command", required=True)
    for stage in STAGES:
        p = sub.add_parser(stage, help=f"run the {stage} stage for one lab (as dvc repro does)")
        p.add_argument("lab_id")
    for stage in CROSS_LAB_STAGES:
        sub.add_parser(stage, help=f"run the {stage} stage over the labs it names in params.yaml (as dvc repro does)")
    check = sub.add_parser("check", help="validate a lab folder without running the pipeline")
    check.add_argument("lab_dir")
    new = sub.add_parser("new-lab", help="create data/raw/LAB_ID/ for a new lab and list it in params.yaml")
    new.add_argument("lab_id")
    new.add_argument("--city", required=True)
    new.add_argument("--date", required=True, help="YYYY-MM-DD")
    new.add_argument("--language", required=True, choices=languages())
    ev = sub.add_parser("evaluate", help="cluster a labelled CSV and print agreement scores")
    ev.add_argument("csv")
    ev.add_argument("--text-column", default="text")
    ev.add_argument("--label-column", default="label")
    ev.add_argument("--language", default="ro")
    ev.add_argument("--json", action="store_true")
    ev.add_argument("--codebook", help="a codebook YAML whose 'all:' themes are the expected themes")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `harvest` console script."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "check":
            return _check(args.lab_dir)
        if args.command == "evaluate":
            return _evaluate(args)
        if args.command in CROSS_LAB_STAGES:
            confine_tools()
            try:
                CROSS_LAB_STAGES[args.command]()(load_params())
            except FileNotFoundError as exc:
                raise missing_input(exc, args.command) from None
            return 0
        if args.command == "new-lab":
            from pipeline.newlab import new_lab

            lab_dir = new_lab(args.lab_id, args.city, args.date, args.language)
            print(f"created {lab_dir}: edit lab.yaml, put the transcripts in notes/ (templates in templates/), "
                  f"check with `harvest check {lab_dir}`; until then `dvc repro` skips it (its line under labs: "
                  "in params.yaml is commented out)")
            return 0
        confine_tools()
        _run_stage(args.command, args.lab_id)
        return 0
    except HarvestError as exc:
        _print_problems(exc.problems)
        return 2
    except Exception as exc:    # a bug, or inputs of another run (a stage run by hand, out of order)
        if os.environ.get("HARVEST_DEBUG"):
            raise
        print(f"harvest {args.command}: unexpected error ({type(exc).__name__}: {exc}) — its inputs may be out of "
              "date: run `dvc repro`, which runs the stages in order; if it happens again, run the same command "
              "with HARVEST_DEBUG=1 and report what it prints", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
