"""The audit trail of the edits: edits_log.csv and the report's "Analyst corrections" view model (pure)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from pipeline import ids
from pipeline.edits.parse import APPLIED, EXCLUDED_STATUS, SKIPPED

if TYPE_CHECKING:
    from pipeline.edits.plan import Plan

LOG_COLUMNS = ["line", "kind", "edit", "question", "outcome", "reason"]


def edits_log(plan: Plan) -> pd.DataFrame:
    """Every edit's outcome (applied / skipped and why), in file order: the stage's edits_log.csv."""
    rows = []
    for p in sorted(plan.edits, key=lambda p: p.edit.line):
        outcome, reason = p.outcome, p.reason
        if not outcome:
            outcome, reason = SKIPPED, "none of its notes are among the analysed notes"
        rows.append({"line": p.edit.line, "kind": p.edit.kind, "edit": p.edit.describe(),
                     "question": p.question or "", "outcome": outcome, "reason": reason})
    return pd.DataFrame(rows, columns=LOG_COLUMNS)


def corrections(log: pd.DataFrame, assignments: pd.DataFrame, notes: pd.DataFrame,
                kind_labels: dict[str, str]) -> dict[str, Any]:
    """The report's "Analyst corrections" part as plain data: edits applied and skipped (with why), the notes
    the analyst excluded, and whether a person reviewed the themes at all. Pure; `kind_labels` names the
    kinds in the report's language."""
    rows = [{"line": int(r["line"]), "kind": kind_labels.get(str(r["kind"]), str(r["kind"])), "edit": str(r["edit"]),
             "reason": str(r["reason"])} for r in log.to_dict("records")]
    outcome = log["outcome"].astype(str).tolist() if len(log) else []
    excluded_ids = assignments.loc[assignments["status"] == EXCLUDED_STATUS, "note_id"].tolist() \
        if "status" in assignments else []
    text = notes.set_index("note_id")["text"] if len(notes) else pd.Series(dtype=str)
    return {"reviewed": APPLIED in outcome,
            "applied": [r for r, o in zip(rows, outcome, strict=True) if o == APPLIED],
            "skipped": [r for r, o in zip(rows, outcome, strict=True) if o == SKIPPED],
            "excluded": [{"note_id": ids.short(n), "text": str(text.get(n, ""))} for n in excluded_ids]}
