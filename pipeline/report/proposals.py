"""The report's "Propuneri / Proposals" section and the summary's most supported proposals: view model. Pure.

The proposals stage said which notes are proposals and how much support each had; here they are grouped
by question and theme (the themes stage's), ranked by support, each with where it was raised (tables,
rounds) and how often it was written. Process notes ("nu am ajuns la o concluzie") and notes of themes the
analyst marked as not relevant are not ideas and are left out. The English report of a lab in another
language shows the analyst's translation (translations.csv) where there is one, else the note as written.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from pipeline.proposals import PROPOSAL
from pipeline.translations import english_text

PROCESS_NOTE = ("process note", "process_note")     # the themes stage's status of remarks about the process


def _sort_rounds(rounds: Iterable[int]) -> list[int]:
    return sorted({int(r) for r in rounds})


def proposal_rows(notes: pd.DataFrame, kinds: pd.DataFrame, assignments: pd.DataFrame,
                  themes: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per proposal with its theme (or '' when in none), support rank and where it was raised."""
    relevant = {t["theme_id"] for t in themes if t.get("relevant", True)}
    set_aside = {t["theme_id"] for t in themes if not t.get("relevant", True)}
    frame = kinds[kinds["kind"] == PROPOSAL][["note_id", "support", "tables", "rounds", "sources", "all_tables"]]
    frame = frame.merge(notes[["note_id", "question", "text", "lang", "source_ids", "source_groups",
                               "source_rounds"]], on="note_id", how="inner")
    placed = assignments[["note_id", "theme_id", "status"]].drop_duplicates("note_id")
    frame = frame.merge(placed, on="note_id", how="left")
    frame["theme_id"] = frame["theme_id"].fillna("").astype(str)
    frame["status"] = frame["status"].fillna("").astype(str)
    frame = frame[(~frame["status"].isin(PROCESS_NOTE)) & ~frame["theme_id"].isin(set_aside)]
    frame.loc[~frame["theme_id"].isin(relevant), "theme_id"] = ""
    return frame.sort_values(["support", "note_id"], kind="stable").reset_index(drop=True)


def _item(row: dict[Any, Any], lab: dict[str, Any], report_language: str, translations: dict[str, str],
          group_names: dict[str, str]) -> dict[str, Any]:
    """One proposal as the template shows it: text (translated when the analyst did), language, where, support."""
    english = (english_text(row["source_ids"], str(lab["id"]), translations)
               if report_language == "en" and lab["language"] != "en" else None)
    groups = list(dict.fromkeys(sorted(row["source_groups"])))
    return {
        "note_id": row["note_id"], "question": row["question"],
        "text": english or str(row["text"]), "lang": "en" if english else str(row["lang"]),
        "translated": english is not None,
        "tables": [group_names.get(g, g) for g in groups], "rounds": _sort_rounds(row["source_rounds"]),
        "sources": int(row["sources"]), "all_tables": bool(row["all_tables"]), "support": int(row["support"]),
        "supported": bool(row["all_tables"]) or int(row["sources"]) > 1 or int(row["rounds"]) > 1,
    }


def proposals_view(lab: dict[str, Any], notes: pd.DataFrame, kinds: pd.DataFrame, assignments: pd.DataFrame,
                   themes: list[dict[str, Any]], report_language: str, translations: dict[str, str],
                   per_theme: int, top: int) -> dict[str, Any]:
    """The Proposals section (per session, question and theme, ranked by support; `per_theme` at most per
    theme, the rest counted) and the `top` most supported proposals of the lab for the summary."""
    rows = proposal_rows(notes, kinds, assignments, themes)
    names = {str(g): str(n) for g, n in (lab.get("group_names") or {}).items()}
    items = [_item(r, lab, report_language, translations, names) for r in rows.to_dict("records")]
    by_theme: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for item, theme_id in zip(items, rows["theme_id"], strict=True):
        by_theme.setdefault((item["question"], theme_id), []).append(item)
    sessions = []
    for session in lab["sessions"]:
        questions = []
        for question in session["questions"]:
            order = [t for t in themes if t["question"] == question["id"] and t.get("relevant", True)]
            groups = []
            for theme_id, title in [(t["theme_id"], t["title"]) for t in order] + [("", "")]:
                found = by_theme.get((question["id"], theme_id), [])
                if found:
                    groups.append({"theme_id": theme_id, "title": title, "proposals": found[:per_theme],
                                   "more": max(0, len(found) - per_theme)})
            if groups:
                questions.append({"id": question["id"], "text": question["text"],
                                  "text_en": question.get("text_en", ""), "themes": groups})
        if questions:
            sessions.append({"id": session["id"], "questions": questions})
    titles = {t["theme_id"]: t["title"] for t in themes}
    best = [dict(item, theme=titles.get(theme_id, ""))
            for item, theme_id in zip(items, rows["theme_id"], strict=True) if item["supported"]][:top]
    return {"sessions": sessions, "top": best, "count": len(items)}


def listed_note_ids(view: dict[str, Any]) -> list[str]:
    """The note ids a Proposals view shows (summary first, then section order): what the English report quotes."""
    ids = [p["note_id"] for p in view["top"]]
    ids += [p["note_id"] for s in view["sessions"] for q in s["questions"] for t in q["themes"] for p in t["proposals"]]
    return list(dict.fromkeys(ids))
