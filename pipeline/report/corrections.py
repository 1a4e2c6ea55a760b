"""The report's "Analyst corrections" part and what the rest of the report says about the analyst's edits.

Pure view models over ReportData (no file reads): `pipeline.edits.corrections` turns edits_log.csv into
edits applied, edits skipped (with why and their theme_edits.yaml:LINE) and the notes the analyst
excluded; here each part gets the report's language — edit kinds, reasons, the marks on a corrected
theme — and the methodology's sentence on whether a person reviewed the themes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pipeline.edits import EXCLUDED_STATUS, KINDS, corrections
from pipeline.lang import counted
from pipeline.report.view import Texts

if TYPE_CHECKING:
    from pipeline.report.data import ReportData

KIND_PREFIX, MARK_PREFIX, REASON_PREFIX = "kind_", "edit_", "reason_"


def corrections_view(data: ReportData, x: Texts) -> dict[str, Any]:
    """Edits applied, edits skipped and why, notes excluded — in the report's language, each note with its language."""
    kinds = {kind: x.t.get(f"{KIND_PREFIX}{kind}", kind) for kind in KINDS}
    reasons = {k: v for k, v in x.t.items() if k.startswith(REASON_PREFIX)}
    view = corrections(data.edits_log, data.assignments, data.notes, kinds, reasons)
    view["excluded"] = [{**n, "question": n["question"].upper(), "note": x.original(n["text"], n["lang"] or None)}
                        for n in view["excluded"]]
    counts = {"written": view["written"], "applied": len(view["applied"]), "skipped": len(view["skipped"])}
    view["lang"] = x.lab_language          # an edit as written is the analyst's, in the lab's language
    # Without edits there is no section: the methodology's "what a person reviewed" says so, once.
    view["intro"] = x.t["corrections_intro"].format(**counts) if view["written"] else ""
    return view


def review_sentence(view: dict[str, Any], t: dict[str, str]) -> str:
    """The methodology's answer to "what did a person review": edits applied, written but none fitting, or none."""
    if view["applied"]:
        return counted(str(t["lang_code"]), t["review_edits"], len(view["applied"]))  # type: ignore[arg-type]
    if view["skipped"]:
        return t["review_skipped"].format(count=len(view["skipped"]))
    return t["review_none"]


def edit_marks(theme: dict[str, Any], t: dict[str, str]) -> list[str]:
    """What the analyst did to a theme ('renamed', 'a note excluded by the analyst' …) in the report's language."""
    return [t.get(MARK_PREFIX + str(mark).replace(" ", "_"), str(mark)) for mark in theme.get("edits") or []]


def is_excluded(status: object) -> bool:
    """A note the analyst moved out of every theme: neither unassigned nor an idea of any theme."""
    return str(status) == EXCLUDED_STATUS
