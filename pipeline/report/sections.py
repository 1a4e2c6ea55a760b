"""View models of the report's sections (plain data for templates/). Pure: everything comes from ReportData.

The order of the calls matters once: `Ledger` carries the notes quoted so far from the summary to the
theme cards to the links and the proposals, so no note is quoted twice in the body.
Longer than 300 lines because that order is the sections' shared contract, kept readable in one module.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from pipeline import ids
from pipeline.lang import in_language
from pipeline.report.corrections import corrections_view, edit_marks, is_excluded, review_sentence
from pipeline.report.view import (
    FITS_NO_THEME,
    PROCESS_NOTE,
    Ledger,
    Texts,
    at_every_table,
    group_label,
    is_not_raised,
    is_process_note,
    main_table,
    merged_across_tables,
    natural_key,
    repeats,
    theme_summary,
    theme_title,
    where_text,
)

if TYPE_CHECKING:
    from pipeline.report.data import ReportData

FIGURE = "0.0###"                      # an annex figure: as metrics.json holds it (1 to 4 decimals)
HIGHLIGHT_MIN_NOTES = 2                 # a summary highlight holds at least this many notes
EXCLUDED_THEME = " excluded"          # the appendix's theme key of the notes the analyst excluded (no theme id)
PROCESS_THEME = " process"            # … and of the remarks about the session (in no theme, yet not unfitting)

DROP_REASONS = [(re.compile(r"^empty$"), "drop_empty"), (re.compile(r"^no content"), "drop_idem"),
                (re.compile(r"^punctuation or numbers only$"), "drop_punctuation"),
                (re.compile(r"^symbols or emoji only$"), "drop_symbols"),
                (re.compile(r"^fewer than (?P<n>\d+) letters$"), "drop_short")]


def ideas(data: ReportData) -> list[dict[str, Any]]:
    """Relevant themes that hold ideas (no process notes, no codebook themes nobody raised)."""
    return [th for th in data.themes if th.get("relevant", True) and not is_process_note(th) and not is_not_raised(th)]


def every_table_label(data: ReportData, theme_id: str, x: Texts) -> str:
    """'raised at both tables' (or 'at every table') when it was, else ''."""
    if not at_every_table(data, theme_id):
        return ""
    return x.t["raised_at_both_tables" if len(data.lab["groups"]) == 2 else "raised_at_every_table"]


def mostly_at(data: ReportData, th: dict[str, Any], x: Texts, settings: dict[str, Any]) -> str:
    """'mostly at Table B' when one table wrote most of a theme of some size ('' otherwise): the summary's
    list of such themes and the theme's card say the same."""
    if int(th["size"]) < int(settings["one_table_min_notes"]):
        return ""
    group = main_table(data, th["theme_id"], float(settings["one_table_share"]))
    return x.t["mostly_at"].format(table=group_label(data, group, x)) if group else ""


def card_of(data: ReportData, th: dict[str, Any], x: Texts, settings: dict[str, Any]) -> dict[str, Any]:
    """What the summary and a theme card say about a theme, without quotes."""
    return {"id": th["theme_id"], "question": str(th["question"]).upper(), "title": theme_title(th, x),
            "summary": theme_summary(th, x), "size": int(th["size"]), "share": x.percent(float(th["share"])),
            "where": where_text(data, th["theme_id"], x), "every_table": every_table_label(data, th["theme_id"], x),
            "mostly": mostly_at(data, th, x, settings),
            "merged": merged_across_tables(data, th["theme_id"]), "edits": edit_marks(th, x.t)}


def session_highlights(data: ReportData, session: dict[str, Any], x: Texts, settings: dict[str, Any]) -> list[dict]:
    """The 3–5 themes of a session that matter: each question's largest first, then the next largest. A theme
    of one note is one person's idea, not something the room raised: it is never a highlight (on a small lab
    a question's 'largest' theme is often one of several one-note ties)."""
    themes = [th for th in ideas(data) if th["session"] == session["id"] and int(th["size"]) >= HIGHLIGHT_MIN_NOTES]
    total = sum(int(th["size"]) for th in themes) or 1
    chosen: list[dict[str, Any]] = []
    for question in session["questions"]:
        own = sorted((th for th in themes if th["question"] == question["id"]), key=lambda th: -int(th["size"]))
        chosen += own[:1]
    rest = sorted((th for th in themes if th not in chosen), key=lambda th: (-int(th["size"]), th["theme_id"]))
    for th in rest:
        if len(chosen) >= int(settings["summary_max_themes"]):
            break
        if len(chosen) < int(settings["summary_min_themes"]) or int(th["size"]) / total >= float(
                settings["summary_min_share"]):
            chosen.append(th)
    order = {q["id"]: i for i, q in enumerate(session["questions"])}
    chosen.sort(key=lambda th: (order.get(th["question"], 0), -int(th["size"])))
    return [card_of(data, th, x, settings) for th in chosen]


def proposal_view(data: ReportData, x: Texts, settings: dict[str, Any]) -> dict[str, Any]:
    """The proposals stage's view (pipeline.report.proposals), or an empty one for a lab without it."""
    if data.kinds.empty:
        return {"sessions": [], "top": [], "count": 0}
    from pipeline.report.proposals import proposals_view

    return proposals_view(data.lab, data.notes, data.kinds, data.assignments, data.themes, x.language,
                          data.translations, int(settings["proposals_per_theme"]), int(settings["top_proposals"]))


def proposal_item(data: ReportData, item: dict[str, Any], x: Texts) -> dict[str, Any]:
    """One proposal as the templates show it: the text (the analyst's English when given), where, how often."""
    by_name = {str(v): str(k) for k, v in (data.lab.get("group_names") or {}).items()}
    tables = ", ".join(group_label(data, by_name.get(str(g), str(g)), x) for g in item["tables"])
    text = {"text": x.note(str(item["text"])), "lang": str(item["lang"]), "mark": "",
            "translated": bool(item.get("translated"))} if item.get("translated") else \
        x.original(str(item["text"]), str(item["lang"]))
    by_id = {th["theme_id"]: th for th in data.themes}
    theme = by_id.get(str(item.get("theme_id", "")))
    # The table names say what they are ('Masa A'); a round is named as on the theme cards ('runda 1').
    rounds = ", ".join(f"{x.t['round']} {r}" for r in item["rounds"])
    return {**text, "source": x.t["supported_source"].format(tables=tables, rounds=rounds,
                                                             written=x.counted("written_times", int(item["sources"]))),
            "theme": theme_title(theme, x) if theme else {"text": str(item.get("theme", "")), "lang": x.lab_language,
                                                          "mark": ""},
            "question": str(item["question"]).upper(), "supported": bool(item["supported"])}


def supported_proposals(data: ReportData, x: Texts, settings: dict[str, Any], ledger: Ledger) -> list[dict]:
    """The lab's most supported proposals (several tables, rounds or merged duplicates), for the summary."""
    view = proposal_view(data, x, settings)
    titles = {th["title"]: th["theme_id"] for th in data.themes}
    top = [dict(item, theme_id=titles.get(str(item.get("theme", "")), "")) for item in view["top"]]
    kept = set(ledger.take([str(item["note_id"]) for item in top], len(top)))
    return [proposal_item(data, item, x) for item in top if item["note_id"] in kept]


def proposals(data: ReportData, x: Texts, settings: dict[str, Any], ledger: Ledger) -> dict[str, Any]:
    """The Proposals section: per question and theme, by support; notes quoted elsewhere are counted, not repeated."""
    view = proposal_view(data, x, settings)
    groups: list[dict[str, Any]] = []
    for session in view["sessions"]:
        for question in session["questions"]:
            for group in question["themes"]:
                fresh = [p for p in group["proposals"] if p["note_id"] not in ledger.used]
                ledger.used.update(p["note_id"] for p in fresh)
                theme = next((th for th in data.themes if th["theme_id"] == group["theme_id"]), None)
                groups.append({"question": str(question["id"]).upper(),
                               "title": theme_title(theme, x) if theme else {"text": x.t["proposals_other"],
                                                                             "lang": x.language, "mark": ""},
                               "entries": [proposal_item(data, {**p, "theme_id": group["theme_id"]}, x) for p in fresh],
                               "quoted_above": len(group["proposals"]) - len(fresh), "more": int(group["more"])})
    # A theme whose proposals are all quoted above gets no heading of its own: the intro counts them once.
    return {"groups": [g for g in groups if g["entries"]], "count": int(view["count"]),
            "quoted_above": sum(int(g["quoted_above"]) for g in groups)}


def what_changed_the_count(data: ReportData, x: Texts) -> list[str]:
    """What made the notes analysed fewer or more than the notes written, in words: repeats merged, lines
    split, notes without content removed (only what happened; repeats and removals when the counts are
    unknown, as they were before quality.json counted fates)."""
    fates = data.quality.get("fates") or {}
    changes = [x.t[f"summary_change_{fate}"] for fate in ("merged", "split", "dropped") if fates.get(fate)]
    return changes or [x.t[f"summary_change_{fate}"] for fate in ("merged", "dropped")]


def listed(items: list[str], x: Texts) -> str:
    """'a', 'a and b', 'a, b and c' in the report's language."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + x.t["list_and"] + items[-1]


def summary(data: ReportData, x: Texts, settings: dict[str, Any], ledger: Ledger) -> dict[str, Any]:
    """The summary page: messages that each name a theme or an idea."""
    rounds = sorted({r for value in data.notes["rounds"] for r in value})
    notes, themes = int(data.quality.get("notes_in", len(data.notes))), len(ideas(data))
    analysed = len(data.notes)
    after = x.t["summary_analysed"].format(n=analysed, changes=listed(what_changed_the_count(data, x), x)) \
        if analysed != notes else ""
    intro = x.t["summary_intro"].format(notes=notes, notes_counted=x.counted("notes_count", notes), analysed=after,
                                        tables_counted=x.counted("tables_count", len(data.lab["groups"])),
                                        rounds_counted=x.counted("rounds_count", len(rounds)),
                                        questions_counted=x.counted("questions_count", len(data.questions())),
                                        themes=themes,
                                        themes_counted=x.counted("themes_count", themes))
    highlights = {s["id"]: session_highlights(data, s, x, settings) for s in data.lab["sessions"]}
    sessions = [{"title": x.field(s, "report_heading") or x.field(s, "title"), "themes": highlights[s["id"]]}
                for s in data.lab["sessions"]]
    # Themes one table raised, beyond the highlights (whose line says so already).
    highlighted = {card["id"] for cards in highlights.values() for card in cards}
    one_table = [card for card in (card_of(data, th, x, settings) for th in ideas(data))
                 if card["mostly"] and card["id"] not in highlighted]
    not_raised = [{"title": theme_title(th, x), "question": str(th["question"]).upper()}
                  for th in data.themes if is_not_raised(th)]
    return {"intro": intro, "sessions": sessions,
            "supported": supported_proposals(data, x, settings, ledger), "one_table": one_table,
            "not_raised": not_raised}


def said_note(data: ReportData, note_id: str, x: Texts) -> dict[str, Any]:
    """A note as quoted: the analyst's English (translations.csv) in an English report when there is one,
    else verbatim with its language."""
    note = data.notes_by_id.loc[note_id]
    if x.language == "en" and x.lab_language != "en" and data.translations:
        from pipeline.translations import english_text

        english = english_text(note.get("source_ids") or [note_id], str(data.lab["id"]), data.translations)
        if english:
            return {"text": x.note(english), "lang": "en", "mark": "", "translated": True}
    return x.original(str(note["text"]), str(note.get("lang") or x.lab_language))


def quotes_of(data: ReportData, th: dict[str, Any], x: Texts, limit: int, ledger: Ledger) -> list[dict[str, Any]]:
    """A theme's quotes (pinned and central first), none already quoted; more central members fill in."""
    members = data.assignments[data.assignments["theme_id"] == th["theme_id"]]
    if "similarity" in members:
        members = members.sort_values("similarity", ascending=False, kind="stable")
    candidates = [str(q["note_id"]) for q in th.get("quotes", [])] + [str(n) for n in members["note_id"]]
    notes = data.notes_by_id
    # A discovered theme's summary is its most central note: shown as the summary, it is not quoted again.
    summary = theme_summary(th, x)["text"]
    said = [n for n in candidates if n in notes.index and repeats(summary, x.note(str(notes.loc[n, "text"])))]
    ledger.used.update(said)
    present = [n for n in candidates if n in notes.index]
    chosen = ledger.take(present, limit)
    if limit > 0 and not chosen and set(present) - set(said):
        # Every note of the theme was quoted before (its one note is a most supported proposal): quoted again
        # rather than leave a card with a title and nothing under it.
        chosen = [next(n for n in present if n not in said)]
    result = []
    for note_id in chosen:
        note = notes.loc[note_id]
        result.append({**said_note(data, note_id, x),
                       "source": f"{group_label(data, str(note['group']), x)}, {x.t['round']} {note['round']}"})
    return result


def matrix(data: ReportData, question_id: str, x: Texts) -> dict[str, Any]:
    """Theme × table × round counts of a question (empty when there is no coverage)."""
    rows = data.coverage[data.coverage["question"] == question_id] if not data.coverage.empty else data.coverage
    themes = [th for th in ideas(data) if th["question"] == question_id]
    if rows.empty or not themes:
        return {}
    columns = sorted({(str(g), int(r)) for g, r in zip(rows["group"], rows["round"], strict=True)})
    counts = {(str(r["theme_id"]), str(r["group"]), int(r["round"])): int(r["notes"]) for r in rows.to_dict("records")}
    return {"columns": [{"table": group_label(data, g, x), "round": r} for g, r in columns],
            "rows": [{"title": theme_title(th, x), "cells": [counts.get((th["theme_id"], g, r), 0) for g, r in columns]}
                     for th in themes]}


def question(data: ReportData, q: dict[str, Any], x: Texts, quotes: int, ledger: Ledger,
             settings: dict[str, Any]) -> dict[str, Any]:
    """A question's section: wording, themes as cards, coverage, what was set aside."""
    themes = [th for th in ideas(data) if th["question"] == q["id"]]
    assigned = data.assignments[data.assignments["question"] == q["id"]]
    excluded = 0
    if "status" in assigned:
        out = assigned["status"].map(is_excluded).astype(bool)
        excluded = int(out.sum())
        assigned = assigned[~assigned["status"].isin(PROCESS_NOTE) & ~out]
    process = [th for th in data.themes if th["question"] == q["id"] and is_process_note(th)]
    return {"id": q["id"], "label": q["id"].upper(), "text": q["text"],
            "translation": "" if x.own else str(q.get(f"text_{x.language}") or ""),
            "has_notes": bool((data.notes["question"] == q["id"]).any()), "themes": themes,
            "cards": [{**card_of(data, th, x, settings), "quotes": quotes_of(data, th, x, quotes, ledger)}
                      for th in themes],
            "matrix": matrix(data, q["id"], x),
            "aside": [{"title": theme_title(th, x), "size": int(th["size"])}
                      for th in data.themes if th["question"] == q["id"] and not th.get("relevant", True)],
            "not_raised": [theme_title(th, x) for th in data.themes if th["question"] == q["id"] and is_not_raised(th)],
            "unassigned": int((assigned["theme_id"] == "").sum()) + sum(int(th["size"]) for th in process),
            "excluded": excluded}


def links(data: ReportData, x: Texts, ledger: Ledger) -> list[dict[str, Any]]:
    """Related themes across sessions, each with supporting note pairs not quoted elsewhere."""
    if data.links.empty:
        return []
    by_id = {th["theme_id"]: th for th in data.themes}
    notes = data.notes_by_id
    result = []
    for link in data.links.to_dict("records"):
        if link["theme_a"] not in by_id or link["theme_b"] not in by_id:
            continue
        pairs = []
        for a, b in zip(link["support_a"], link["support_b"], strict=True):
            if a in notes.index and b in notes.index and not {a, b} & ledger.used:
                ledger.used.update({a, b})
                pairs.append([said_note(data, n, x) for n in (a, b)])
        strength, threshold = strength_figures(link, x)
        result.append({"a": theme_title(by_id[link["theme_a"]], x), "qa": str(link["question_a"]).upper(),
                       "b": theme_title(by_id[link["theme_b"]], x), "qb": str(link["question_b"]).upper(),
                       "strength": strength, "threshold": threshold, "pairs": pairs})
    return result


def strength_figures(link: dict[Any, Any], x: Texts) -> tuple[str, str]:
    """A link's strength and chance level as printed: two decimals, or as many as tell them apart (a pair
    shown is stronger than chance, and '0.20 (random pairs reach: 0.20)' would say it is not)."""
    strength = float(link["strength"])
    if not str(link.get("threshold", "")):
        return x.decimal(strength), ""
    threshold = float(link["threshold"])
    for decimals in (2, 3, 4):
        if f"{strength:.{decimals}f}" != f"{threshold:.{decimals}f}":
            break
    pattern = "0." + "0" * decimals
    return x.decimal(strength, pattern), x.decimal(threshold, pattern)


def in_words(value: float | None, bands: list[list[Any]], t: dict[str, str]) -> str:
    """A figure as words: the first band [minimum, key] the value reaches ('' when there is no figure)."""
    if value is None:
        return t["certainty_unknown"]
    for minimum, key in bands:
        if float(value) >= float(minimum):
            return t[str(key)]
    return t[str(bands[-1][1])]


def codebook_name(data: ReportData, language: str) -> str:
    """How the report names the lab's codebook: its `name:` in the report's language (else English, else the
    first given), else the name lab.yaml refers to it by; '' for the lab's own unnamed codebook.yaml."""
    return str(in_language(data.run_info.get("codebook_name") or {}, language) or data.lab.get("codebook") or "")


def how_themes_were_made(data: ReportData, x: Texts) -> str:
    """From a codebook of expected themes plus the notes, or from the notes alone, in words, with the counts."""
    expected = [th for th in data.themes if th.get("source") == "codebook"]
    if not expected:
        return x.t["methodology_discovery"]
    name = codebook_name(data, x.language)
    unfitting = int(data.assignments["status"].isin(FITS_NO_THEME).sum()) if "status" in data.assignments else 0
    # Codebook themes the analyst merged into others are gone from themes.json but still expected.
    in_codebook = max(int(data.run_info.get("codebook_themes") or 0), len(expected))
    merged = in_codebook - len(expected)
    return x.t["methodology_codebook"].format(
        codebook=x.t["codebook_named"].format(name=name) if name else x.t["codebook_own"],
        raised=sum(not is_not_raised(th) for th in expected), expected=in_codebook,
        merged=x.counted("codebook_merged", merged) if merged else "",
        discovered=sum(th.get("source") == "discovered" and not is_process_note(th) and int(th["size"]) > 0
                       for th in data.themes),
        unassigned=unfitting)


def methodology(data: ReportData, x: Texts, settings: dict[str, Any]) -> dict[str, Any]:
    """What the machine did, whether a person reviewed it, how sure we are; parameters in an annex."""
    backend = str(data.embed_info.get("backend", ""))
    fallback = str(data.embed_info.get("fallback") or "")
    per_question = []
    for qid, m in data.metrics.get("per_question", {}).items():
        per_question.append({
            "label": qid.upper(), "notes": m["notes"], "themes": m["n_themes"],
            "separation": in_words(m.get("silhouette"), settings["separation_words"], x.t),
            "stability": in_words(m.get("stability_ari"), settings["stability_words"], x.t),
            "silhouette": "" if m.get("silhouette") is None else x.decimal(float(m["silhouette"]), FIGURE),
            "ari": "" if m.get("stability_ari") is None else x.decimal(float(m["stability_ari"]), FIGURE),
            "unassigned": x.percent(float(m["unassigned_rate"]))})
    return {"review": review_sentence(corrections_view(data, x), x.t), "made": how_themes_were_made(data, x),
            "backend": backend, "fallback": x.t["backend_fallback"].format(reason=fallback) if fallback else "",
            "per_question": per_question,
            "certainty": [{"label": x.t[f"certainty_{measure}"], "groups": verdict_groups(per_question, measure, x.t)}
                          for measure in ("separation", "stability")] if per_question else [],
            "parameters": [{"name": k, "value": v} for k, v in data.run_info.get("themes_params", {}).items()]}


def verdict_groups(per_question: list[dict[str, Any]], measure: str, t: dict[str, str]) -> list[dict[str, str]]:
    """Questions grouped by their verdict in words, in the order verdicts first occur: one verdict shared by
    every question is said once, not once per question."""
    by_verdict: dict[str, list[str]] = {}
    for row in per_question:
        by_verdict.setdefault(row[measure], []).append(row["label"])
    if len(by_verdict) == 1:
        return [{"verdict": next(iter(by_verdict)), "questions": t["certainty_every_question"]}]
    return [{"verdict": verdict, "questions": ", ".join(labels)} for verdict, labels in by_verdict.items()]


def drop_reason(reason: str, t: dict[str, str]) -> str:
    """A clean-log drop reason in the report's language (as logged when no translation is known)."""
    for pattern, key in DROP_REASONS:
        match = pattern.match(reason)
        if match and key in t:
            return t[key].format(**match.groupdict())
    return reason


FATES = ("kept", "split", "merged", "dropped")      # what became of a transcribed note, in the order read


def counted_or_named(x: Texts, key: str, n: int, name: str) -> str:
    """'1 adresă de e-mail', '2 numere de telefon': a count in its report.yaml forms, or '3 <name>' for a kind
    the report's language does not name (a fate or mark added to the pipeline after the translations)."""
    return x.counted(key, n) if key in x.t else f"{n} {name}"


def fate_order(fate: str) -> tuple[int, str]:
    """Kept notes first, dropped ones last (their reasons follow them); an unknown fate after the known ones."""
    return (FATES.index(fate) if fate in FATES else len(FATES), fate)


def quality(data: ReportData, x: Texts) -> dict[str, Any]:
    """Notes in, their fates with reasons, redactions and languages, all in the report's language."""
    q = data.quality
    names = {k.removeprefix("language_"): v for k, v in x.t.items() if k.startswith("language_")}
    process = []
    if "status" in data.assignments:
        rows = data.assignments[data.assignments["status"].isin(PROCESS_NOTE)]
        notes = data.notes_by_id
        process = [{"id": str(n).removeprefix(f"{data.lab['id']}/"), "question": str(qid).upper(),
                    "note": x.original(str(notes.loc[n, "text"]), str(notes.loc[n].get("lang") or x.lab_language))}
                   for n, qid in zip(rows["note_id"], rows["question"], strict=True) if n in notes.index]
        process.sort(key=lambda p: (natural_key(str(p["question"])), natural_key(str(p["id"]))))
    return {"notes_in": q.get("notes_in", 0), "notes_out": q.get("notes_out", 0), "process": process,
            "not_read": list(q.get("read_warnings") or []),
            "fates": [{"text": counted_or_named(x, f"fate_{k}", v, k), "dropped": k == "dropped"}
                      for k, v in sorted(q.get("fates", {}).items(), key=lambda kv: fate_order(kv[0]))],
            "reasons": [{"count": v, "label": drop_reason(k, x.t)} for k, v in q.get("dropped_reasons", {}).items()],
            "redactions": [counted_or_named(x, f"redaction_{k}", v, k) for k, v in q.get("redactions", {}).items()],
            "languages": [f"{names.get(k, k)}: {v}" for k, v in q.get("languages", {}).items()]}


def appendix(data: ReportData, x: Texts) -> list[dict[str, Any]]:
    """Every analysed note once, per question, by theme in report order, ids in natural order."""
    order = {th["theme_id"]: i for i, th in enumerate(data.themes)}
    titles = {th["theme_id"]: theme_title(th, x) for th in data.themes}
    theme_of = dict(zip(data.assignments["note_id"], data.assignments["theme_id"], strict=True))
    if "status" in data.assignments:       # a note the analyst excluded is listed as such, not as unassigned
        excluded = {"text": x.t["excluded_by_analyst"], "lang": x.language}
        titles[EXCLUDED_THEME] = excluded
        theme_of.update({n: EXCLUDED_THEME for n, s in zip(data.assignments["note_id"], data.assignments["status"],
                                                            strict=True) if is_excluded(s)})
        # … and a remark about the session as such (it is in no theme, but it did not fail to fit one)
        titles[PROCESS_THEME] = {"text": x.t["process_notes"], "lang": x.language}
        theme_of.update({n: PROCESS_THEME for n, s in zip(data.assignments["note_id"], data.assignments["status"],
                                                           strict=True) if str(s) in PROCESS_NOTE})
    result = []
    records = data.notes.to_dict("records")
    for q in data.questions():
        rows = [r for r in records if r["question"] == q["id"]]
        rows.sort(key=lambda r: (order.get(theme_of.get(r["note_id"], ""), len(order)), natural_key(r["note_id"])))
        result.append({"label": q["id"].upper(), "rows": [
            {"ids": ids.printed(str(r["note_id"]), r.get("source_ids") or [str(r["note_id"])]),
             "theme": {**titles.get(theme_of.get(r["note_id"], ""), {"text": x.t["unassigned"], "lang": x.language}),
                       "mark": ""},
             "note": quiet(x.original(str(r["text"]), str(r.get("lang") or x.lab_language)), x)} for r in rows]})
    return result


def quiet(text: dict[str, str], x: Texts) -> dict[str, str]:
    """In the appendix, whose header says the notes are in the lab's language, every other language is marked,
    the report's own too (an English note of a Romanian lab is 'EN' in the English appendix)."""
    return {**text, "mark": "" if text["lang"] == x.lab_language else text["lang"]}


def appendix_note(x: Texts) -> str:
    """The appendix's line saying which language its notes are in ('' in the lab's own language)."""
    return "" if x.own else x.t["appendix_original"].format(language=x.t.get(f"language_{x.lab_language}",
                                                                             x.lab_language))
