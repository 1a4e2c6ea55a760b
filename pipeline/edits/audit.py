"""The audit trail of the edits: edits_log.csv and the report's "Analyst corrections" view model (pure)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pandas as pd

from pipeline import ids
from pipeline.edits.parse import APPLIED, EDITS_FILE, EXCLUDED_STATUS, SKIPPED

if TYPE_CHECKING:
    from pipeline.edits.plan import Plan

LOG_COLUMNS = ["line", "kind", "edit", "question", "outcome", "reason"]
# The reasons plan.py and apply.py log, matched to the report strings that say them in any language.
REASON_KEYS = [(re.compile(r"^note '(?P<note>[^']+)' is not in the notes any more"), "reason_gone"),
               (re.compile(r"^no note is at '(?P<note>[^']+)' any more"), "reason_gone"),
               (re.compile(r"^note '(?P<note>[^']+)' no longer reads"), "reason_changed"),
               (re.compile(r"^it may now be '(?P<note>[^']+)'"), "reason_may_now_be"),
               (re.compile(r"^note '(?P<note>[^']+)' is in no theme"), "reason_no_theme"),
               (re.compile(r"^the theme already got its title from line (?P<line>\d+)"), "reason_title_taken"),
               (re.compile(r"^its theme was merged into another by line (?P<line>\d+)"), "reason_merged_away"),
               (re.compile(r"^merges a theme into itself"), "reason_into_itself"),
               (re.compile(r"^every seed must be a note of the theme"), "reason_seed_outside"),
               (re.compile(r"^fewer than two of its themes still exist"), "reason_too_few_themes"),
               (re.compile(r"^some of its themes no longer exist"), "reason_partly_merged"),
               (re.compile(r"^none of its notes are among the analysed notes"), "reason_not_analysed")]


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


def reason_in_words(reason: str, texts: dict[str, str]) -> str:
    """A logged reason in the report's language: each '; '-separated part matched to a key of `texts`
    (`reason_gone`, …, with the note or line as `{note}` / `{line}`); a part no key matches stays as logged."""
    parts = []
    for part in (p.strip() for p in str(reason).split(";")):
        for pattern, key in REASON_KEYS:
            match = pattern.match(part)
            if match and key in texts:
                parts.append(texts[key].format(**match.groupdict()))
                break
        else:
            parts.append(part)
    return "; ".join(p for p in parts if p)


def corrections(log: pd.DataFrame, assignments: pd.DataFrame, notes: pd.DataFrame,
                kind_labels: dict[str, str], reason_texts: dict[str, str] | None = None) -> dict[str, Any]:
    """The report's "Analyst corrections" part as plain data: edits applied and skipped (with why and their
    theme_edits.yaml:LINE), the notes the analyst excluded, and whether a person reviewed the themes at all.
    Pure; `kind_labels` names the kinds and `reason_texts` the reasons in the report's language."""
    rows = [{"line": int(r["line"]), "where": f"{EDITS_FILE}:{int(r['line'])}",
             "kind": kind_labels.get(str(r["kind"]), str(r["kind"])), "edit": str(r["edit"]),
             "reason": reason_in_words(str(r["reason"]), reason_texts or {})} for r in log.to_dict("records")]
    outcome = log["outcome"].astype(str).tolist() if len(log) else []
    excluded_ids = assignments.loc[assignments["status"] == EXCLUDED_STATUS, "note_id"].tolist() \
        if "status" in assignments else []
    indexed = notes.set_index("note_id") if len(notes) else pd.DataFrame(columns=["text"])
    return {"reviewed": APPLIED in outcome, "written": len(rows),
            "applied": [r for r, o in zip(rows, outcome, strict=True) if o == APPLIED],
            "skipped": [r for r, o in zip(rows, outcome, strict=True) if o == SKIPPED],
            "excluded": [{"note_id": ids.short(n), "text": str(indexed["text"].get(n, "")),
                          "lang": str(indexed["lang"].get(n, "")) if "lang" in indexed else "",
                          "question": str(indexed["question"].get(n, "")) if "question" in indexed else ""}
                         for n in excluded_ids]}
