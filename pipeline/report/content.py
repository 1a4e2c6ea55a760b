"""Pure functions that turn the stage outputs into the report's sections (HTML fragments and charts).

The report notebook only calls these and displays what they return. Every note text passes through
`html.escape`, so notes holding HTML, Markdown or LaTeX print as plain text.
"""

from __future__ import annotations

import base64
import io
import json
from dataclasses import dataclass, field
from functools import cache
from html import escape
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from pipeline import ids  # noqa: E402
from pipeline.errors import HarvestError  # noqa: E402
from pipeline.lang import languages, report_strings  # noqa: E402
from pipeline.safecsv import read_csv  # noqa: E402

TOP_THEMES_PER_SESSION = 3


@cache
def translations(language: str) -> dict[str, str]:
    """Interface strings for a report language, from lang/<language>/report.yaml (English where a key is missing)."""
    if language not in languages():
        raise HarvestError.at("params.yaml", None, f"no translation file for report language '{language}'",
                              f"use one of: {', '.join(languages())}, or add pipeline/lang/{language}/report.yaml")
    return {**report_strings("en"), **report_strings(language)}


@dataclass
class ReportData:
    """Everything the stages wrote for one lab."""

    lab: dict[str, Any]
    notes: pd.DataFrame
    themes: list[dict[str, Any]]
    assignments: pd.DataFrame
    metrics: dict[str, Any]
    quality: dict[str, Any]
    embed_info: dict[str, Any]
    run_info: dict[str, Any]
    coverage: pd.DataFrame = field(default_factory=pd.DataFrame)
    links: pd.DataFrame = field(default_factory=pd.DataFrame)
    conclusions: str = ""

    def questions(self) -> list[dict[str, Any]]:
        """Questions in lab order, each with its session id."""
        return [{**q, "session": s["id"]} for s in self.lab["sessions"] for q in s["questions"]]

    def themes_of(self, question_id: str) -> list[dict[str, Any]]:
        """The question's relevant themes, largest first (the themes stage's order)."""
        return [t for t in self.themes if t["question"] == question_id and t.get("relevant", True)]

    def set_aside(self, question_id: str) -> list[dict[str, Any]]:
        """Themes the analyst marked as not relevant."""
        return [t for t in self.themes if t["question"] == question_id and not t.get("relevant", True)]

    def in_lab_language(self, report_language: str | None) -> bool:
        """Whether a report in report_language shows the lab's own texts (None: the lab's language)."""
        return report_language in (None, self.lab["language"])

    def title_of(self, theme_id: str) -> str:
        """A theme's title by id ('' when unknown)."""
        return next((str(t["title"]) for t in self.themes if t["theme_id"] == theme_id), "")


def load_report_data(processed_dir: Path | str) -> ReportData:
    """Read one lab's stage outputs from data/processed/<lab>/."""
    folder = Path(processed_dir)

    def read_json(name: str) -> Any:
        return json.loads((folder / name).read_text(encoding="utf-8"))

    return ReportData(
        lab=read_json("lab.json"), notes=pd.read_parquet(folder / "notes.parquet"),
        themes=read_json("themes.json"),
        assignments=read_csv(folder / "assignments.csv"),
        metrics=read_json("metrics.json"), quality=read_json("quality.json"),
        embed_info=read_json("embed_info.json"), run_info=read_json("run_info.json"),
        coverage=read_csv(folder / "coverage.csv"),
        links=read_csv(folder / "links.csv"),
        conclusions=(folder / "conclusions.md").read_text(encoding="utf-8")
        if (folder / "conclusions.md").is_file() else "",
    )


def question_text(question: dict[str, Any], report_language: str, lab_language: str) -> str:
    """The question as asked; a report in another language adds the English translation."""
    original = escape(question["text"])
    if report_language == lab_language or not question.get("text_en"):
        return original
    return f"{original}<br><span class='translation'>{escape(question['text_en'])}</span>"


def _heading_id(question_id: str) -> str:
    return f"q-{question_id}"


def running_title(data: ReportData) -> str:
    """Short title for the page header: event, city, date."""
    return f"{data.lab.get('event', '')} · {data.lab['city']} · {data.lab['date']}".strip(" ·")


def cover_html(data: ReportData, t: dict[str, str], generated: str, report_language: str | None = None) -> str:
    """Cover page: project, lab title, city, date, venue, organiser, generation date and version."""
    lab = data.lab
    title = lab["title"] if data.in_lab_language(report_language) else lab.get("title_en") or lab["title"]
    rows = [(t["project_label"], lab.get("project", "")), (t["city"], lab["city"]), (t["date"], lab["date"]),
            (t["venue"], lab.get("venue", "")), (t["organiser"], lab.get("organiser", "")),
            (t["method"], lab.get("method", ""))]
    facts = "".join(f"<tr><th>{escape(k)}</th><td>{escape(str(v))}</td></tr>" for k, v in rows if v)
    return (
        "<section class='cover'>"
        f"<p class='kicker'>{escape(lab.get('project', ''))}</p>"
        f"<p class='event'>{escape(lab.get('event', t['report']))}</p>"
        f"<h1 class='title' data-short='{escape(running_title(data))}'>{escape(title)}</h1>"
        f"<table class='facts'>{facts}</table>"
        f"<p class='generated'>{escape(t['report'])} · {escape(t['generated'])} {escape(generated)} · "
        f"{escape(t['pipeline_version'])} {escape(data.run_info.get('pipeline_version', ''))}</p>"
        "</section>"
    )


def contents_html(data: ReportData, t: dict[str, str], report_language: str | None = None) -> str:
    """Table of contents; page numbers are filled in by the PDF engine (CSS target-counter)."""
    items = [("summary", t["summary"])]
    in_lab_language = data.in_lab_language(report_language)
    items += [(_heading_id(q["id"]), f"{q['id'].upper()} — {q['text'] if in_lab_language else q['text_en']}")
              for q in data.questions()]
    items += [(f"ideas-{s['id']}", _session_heading(s, data, t, report_language)) for s in data.lab["sessions"]]
    items += [("links", t["links"])] + ([("conclusions", t["conclusions"])] if data.conclusions.strip() else [])
    items += [("methodology", t["methodology"]), ("data-quality", t["data_quality"]),
              ("appendix", t["appendix"])]
    lines = "".join(f"<li><a href='#{a}'>{escape(label)}</a></li>" for a, label in items)
    return f"<nav class='toc'><h2>{escape(t['contents'])}</h2><ol>{lines}</ol></nav>"


def summary_html(data: ReportData, t: dict[str, str], report_language: str) -> str:
    """One-page summary: the counts, then the largest themes of each session with a quote each."""
    notes = data.notes
    rounds = sorted({r for value in notes["rounds"] for r in str(value).split("|") if r})
    intro = t["summary_intro"].format(notes=data.quality["notes_in"], groups=len(data.lab["groups"]),
                                      rounds=len(rounds), questions=len(data.questions()),
                                      themes=len(data.themes))
    parts = [f"<section id='summary' class='summary'><h2>{escape(t['summary'])}</h2><p>{escape(intro)}</p>"]
    points = takeaways(data, t)
    if points:
        parts.append(f"<h3>{escape(t['takeaways'])}</h3><ol class='takeaways'>"
                     + "".join(f"<li>{escape(p)}</li>" for p in points) + "</ol>")
    for session in data.lab["sessions"]:
        ranked = sorted((th for th in data.themes if th["session"] == session["id"] and th.get("relevant", True)),
                        key=lambda th: (-th["size"], th["theme_id"]))[:TOP_THEMES_PER_SESSION]
        title = session["title"] if data.in_lab_language(report_language) else session["title_en"]
        parts.append(f"<h3>{escape(str(title))} — {escape(t['top_themes'])}</h3><ul class='top-themes'>")
        for th in ranked:
            quote = th["quotes"][0]["text"] if th["quotes"] else ""
            parts.append(f"<li><strong>{escape(th['title'])}</strong> ({th['question'].upper()}, {th['size']} "
                         f"{escape(t['notes'])}) — <q>{escape(quote)}</q></li>")
        parts.append("</ul>")
    parts.append("</section>")
    return "".join(parts)


def _session_heading(session: dict[str, Any], data: ReportData, t: dict[str, str],
                     report_language: str | None) -> str:
    in_lab_language = data.in_lab_language(report_language)
    heading = session.get("report_heading" if in_lab_language else "report_heading_en")
    title = session["title"] if in_lab_language else session["title_en"]
    return str(heading or f"{title} — {t['ideas_by_theme']}")


def takeaways(data: ReportData, t: dict[str, str]) -> list[str]:
    """Up to five data-driven takeaways: largest themes, most widespread, most linked, ideas that travelled."""
    themes = [th for th in data.themes if th.get("relevant", True)]
    if not themes:
        return []
    result = []
    by_share = sorted(themes, key=lambda th: (-th["share"], -th["size"], th["theme_id"]))
    largest = by_share[0]
    result.append(t["takeaway_largest"].format(title=largest["title"], question=largest["question"].upper(),
                                               share=f"{largest['share']:.0%}", notes=largest["size"]))
    for session in data.lab["sessions"][1:2]:
        top = [th for th in by_share if th["session"] == session["id"] and th is not largest][:1]
        for th in top:
            result.append(t["takeaway_session"].format(title=th["title"], question=th["question"].upper(),
                                                       share=f"{th['share']:.0%}"))
    if not data.coverage.empty:
        cells = data.coverage.drop_duplicates(["theme_id", "group", "round"])["theme_id"].value_counts()
        known = [th for th in themes if th["theme_id"] in cells.index]
        if known:
            widest = max(known, key=lambda th: (int(cells[th["theme_id"]]), th["size"], th["theme_id"]))
            groups = data.coverage[data.coverage["theme_id"] == widest["theme_id"]]
            result.append(t["takeaway_widespread"].format(
                title=widest["title"], question=widest["question"].upper(), tables=groups["group"].nunique(),
                rounds=groups["round"].nunique()))
        everywhere = sum(1 for th in known if data.coverage[data.coverage["theme_id"] == th["theme_id"]]["group"]
                         .nunique() == len(data.lab["groups"]))
        result.append(t["takeaway_all_tables"].format(count=everywhere, total=len(themes)))
    if not data.links.empty:
        strongest = data.links.iloc[0]
        result.append(t["takeaway_link"].format(a=strongest["title_a"], qa=str(strongest["question_a"]).upper(),
                                                b=strongest["title_b"], qb=str(strongest["question_b"]).upper()))
    return result[:5]


def ideas_html(data: ReportData, t: dict[str, str], report_language: str | None = None,
               per_theme: int = 25) -> str:
    """Per session, the ideas (notes) grouped by question and theme, the most central first: the list a
    project manager acts on. Long themes show `per_theme` notes and point to the appendix for the rest."""
    text = data.notes.set_index("note_id")["text"]
    sims = data.assignments.set_index("note_id")["similarity"] if "similarity" in data.assignments else None
    parts = []
    for session in data.lab["sessions"]:
        parts.append(f"<section class='ideas' id='ideas-{escape(session['id'])}'>"
                     f"<h2>{escape(_session_heading(session, data, t, report_language))}</h2>")
        for question in session["questions"]:
            parts.append(f"<h3>{escape(question['id'].upper())} — {escape(question['text'])}</h3>")
            for th in data.themes_of(question["id"]):
                members = data.assignments[data.assignments["theme_id"] == th["theme_id"]]["note_id"].tolist()
                if sims is not None:
                    members.sort(key=lambda n: -float(sims.get(n, 0.0)))
                items = "".join(f"<li>{escape(str(text.get(n, '')))}</li>" for n in members[:per_theme])
                more = (f"<p class='more'>{escape(t['more_in_appendix'].format(count=len(members) - per_theme))}</p>"
                        if len(members) > per_theme else "")
                parts.append(f"<div class='idea-theme'><h4>{escape(th['title'])} ({th['size']})</h4>"
                             f"<ul>{items}</ul>{more}</div>")
        parts.append("</section>")
    return "".join(parts)


def conclusions_html(data: ReportData, t: dict[str, str]) -> str:
    """The facilitator's own conclusions (Markdown, raw HTML shown as text), marked as theirs; '' if none."""
    if not data.conclusions.strip():
        return ""
    import mistune

    body = mistune.create_markdown(escape=True)(data.conclusions)
    return (f"<section id='conclusions'><h2>{escape(t['conclusions'])}</h2>"
            f"<p class='attribution'>{escape(t['conclusions_note'])}</p><div class='facilitator'>{body}</div>"
            "</section>")


def theme_chart_png(themes: list[dict[str, Any]], t: dict[str, str]) -> str:
    """Horizontal bar chart of theme sizes as a base64 PNG data URI (fonts ≥ 8 pt at print size)."""
    labels = [_wrap(th["title"], 38) for th in themes][::-1]
    sizes = [th["size"] for th in themes][::-1]
    height = 0.45 * max(len(themes), 1) + 0.8
    with plt.rc_context({"font.family": "DejaVu Sans", "font.size": 9, "svg.fonttype": "none",
                         "text.parse_math": False}):
        fig, ax = plt.subplots(figsize=(6.3, height), dpi=200)
        bars = ax.barh(range(len(sizes)), sizes, color="#2f6690")
        ax.set_yticks(range(len(sizes)), labels)
        ax.bar_label(bars, padding=3, fontsize=9)
        ax.set_xlabel(t["chart_xlabel"])
        ax.spines[["top", "right"]].set_visible(False)
        ax.set_xlim(0, max(sizes, default=1) * 1.15 + 0.5)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _wrap(text: str, width: int) -> str:
    words, lines, line = text.split(), [], ""
    for w in words:
        if line and len(line) + len(w) + 1 > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    lines.append(line)
    return "\n".join(lines[:2]) + ("…" if len(lines) > 2 else "")


def _group_label(data: ReportData, group: str) -> str:
    return str(data.lab.get("group_names", {}).get(group, group))


def question_html(data: ReportData, question: dict[str, Any], t: dict[str, str], report_language: str) -> str:
    """A question's section: wording, theme chart, each theme with keywords, size, quotes, tables; unassigned."""
    themes = data.themes_of(question["id"])
    q_notes = data.notes[data.notes["question"] == question["id"]]
    parts = [f"<section class='question' id='{_heading_id(question['id'])}'>",
             f"<h2>{escape(t['question'])} {escape(question['id'].upper())}</h2>",
             f"<p class='question-text'>{question_text(question, report_language, data.lab['language'])}</p>"]
    if q_notes.empty:
        parts.append(f"<p>{escape(t['no_notes'])}</p></section>")
        return "".join(parts)
    parts.append(f"<figure class='chart'><img alt='{escape(t['chart_title'])}' "
                 f"src='{theme_chart_png(themes, t)}'><figcaption>{escape(t['chart_title'])}</figcaption>"
                 "</figure>")
    for th in themes:
        quotes = "".join(
            f"<li><q>{escape(qt['text'])}</q> <span class='source'>({escape(_group_label(data, qt['group']))}, "
            f"{escape(t['round'])} {qt['round']})</span></li>" for qt in th["quotes"])
        tables = coverage_text(data, th["theme_id"], t) or ", ".join(_group_label(data, g) for g in th["groups"])
        edited = (f"<p class='edited'>{escape(t['edited'])}: {escape(', '.join(th['edits']))}</p>"
                  if th.get("edits") else "")
        parts.append(
            "<div class='theme'>"
            f"<h3>{escape(th['title'])}</h3>{edited}"
            f"<p class='theme-meta'>{th['size']} {escape(t['notes'])} · {th['share']:.0%} {escape(t['share'])}"
            f" · {escape(t['tables'])}: {escape(tables)}</p>"
            f"<p class='keywords'><span>{escape(t['keywords'])}:</span> {escape(', '.join(th['keywords']))}</p>"
            f"<ul class='quotes'>{quotes}</ul></div>")
    parts.append(coverage_table_html(data, question["id"], t))
    aside = data.set_aside(question["id"])
    if aside:
        names = ", ".join(f"{th['title']} ({th['size']})" for th in aside)
        parts.append(f"<p class='aside'><strong>{escape(t['not_relevant'])}:</strong> {escape(names)}</p>")
    assigned = data.assignments[data.assignments["question"] == question["id"]]
    loose = assigned[assigned["theme_id"] == ""]
    if not loose.empty:
        texts = data.notes.set_index("note_id").loc[loose["note_id"], "text"]
        items = "".join(f"<li>{escape(str(x))}</li>" for x in texts)
        parts.append(f"<div class='unassigned'><h3>{escape(t['unassigned'])} ({len(loose)})</h3>"
                     f"<ul>{items}</ul></div>")
    parts.append("</section>")
    return "".join(parts)


def coverage_text(data: ReportData, theme_id: str, t: dict[str, str]) -> str:
    """'Grupa A (5), Grupa B (3) · runda 1 (2), runda 2 (6)': where a theme was raised."""
    rows = data.coverage[data.coverage["theme_id"] == theme_id] if not data.coverage.empty else data.coverage
    if rows.empty:
        return ""
    groups = rows.groupby("group")["notes"].sum()
    rounds = rows.groupby("round")["notes"].sum()
    by_group = ", ".join(f"{_group_label(data, str(g))} ({n})" for g, n in groups.items())
    by_round = ", ".join(f"{t['round']} {r} ({n})" for r, n in rounds.items())
    return f"{by_group} · {by_round}"


def coverage_table_html(data: ReportData, question_id: str, t: dict[str, str]) -> str:
    """Theme × table × round matrix of a question: which ideas every table raised, and when."""
    if data.coverage.empty:
        return ""
    rows = data.coverage[data.coverage["question"] == question_id]
    themes = data.themes_of(question_id)
    if rows.empty or not themes:
        return ""
    columns = sorted({(str(g), int(r)) for g, r in zip(rows["group"], rows["round"], strict=True)})
    counts = {(str(r["theme_id"]), str(r["group"]), int(r["round"])): int(r["notes"]) for r in rows.to_dict("records")}
    head = "".join(f"<th>{escape(_group_label(data, g))}<br>{escape(t['round'])} {r}</th>" for g, r in columns)
    body = "".join(
        f"<tr><td>{escape(th['title'])}</td>"
        + "".join(f"<td class='num'>{counts.get((th['theme_id'], g, r), '') or ''}</td>" for g, r in columns)
        + "</tr>" for th in themes)
    return (f"<div class='coverage'><h4>{escape(t['coverage'])}</h4><table class='data matrix'><thead><tr>"
            f"<th>{escape(t['theme'])}</th>{head}</tr></thead><tbody>{body}</tbody></table></div>")


def links_html(data: ReportData, t: dict[str, str]) -> str:
    """The cross-question map: which ideas (one session) answer which impacts (another), with evidence."""
    parts = [f"<section id='links'><h2>{escape(t['links'])}</h2><p>{escape(t['links_intro'])}</p>"]
    if data.links.empty:
        parts.append(f"<p>{escape(t['links_none'])}</p></section>")
        return "".join(parts)
    text = data.notes.set_index("note_id")["text"]
    for link in data.links.to_dict("records"):
        pairs = zip(str(link["support_a"]).split("|"), str(link["support_b"]).split("|"), strict=True)
        evidence = "".join(f"<li><q>{escape(str(text.get(a, '')))}</q> ↔ <q>{escape(str(text.get(b, '')))}</q></li>"
                           for a, b in pairs)
        parts.append(
            "<div class='link'>"
            f"<h3>{escape(str(link['question_a']).upper())} {escape(str(link['title_a']))} ↔ "
            f"{escape(str(link['question_b']).upper())} {escape(str(link['title_b']))}</h3>"
            f"<p class='theme-meta'>{escape(t['strength'])}: {float(link['strength']):.2f}</p>"
            f"<ul class='quotes'>{evidence}</ul></div>")
    parts.append("</section>")
    return "".join(parts)


def methodology_html(data: ReportData, t: dict[str, str]) -> str:
    """Plain-language methodology with the backend, parameters and per-question stability figures."""
    params = data.run_info.get("themes_params", {})
    param_text = ", ".join(f"{k} = {v}" for k, v in params.items())
    backend = data.embed_info.get("backend", "")
    if data.embed_info.get("fallback"):
        backend += f" ({data.embed_info['fallback']})"
    rows = "".join(
        f"<tr><td>{escape(qid.upper())}</td><td>{m['notes']}</td><td>{m['n_themes']}</td>"
        f"<td>{'' if m['silhouette'] is None else m['silhouette']}</td>"
        f"<td>{'' if m['stability_ari'] is None else m['stability_ari']}</td>"
        f"<td>{m['unassigned_rate']:.0%}</td></tr>"
        for qid, m in data.metrics["per_question"].items())
    return (
        f"<section id='methodology'><h2>{escape(t['methodology'])}</h2><p>{escape(t['methodology_text'])}</p>"
        f"<p><strong>{escape(t['backend'])}:</strong> {escape(backend)}<br>"
        f"<strong>{escape(t['parameters'])}:</strong> {escape(param_text)}</p>"
        f"<table class='data'><thead><tr><th>{escape(t['question'])}</th><th>{escape(t['notes'])}</th>"
        f"<th>{escape(t['themes_for_question'])}</th><th>{escape(t['silhouette'])}</th>"
        f"<th>{escape(t['stability'])}</th><th>{escape(t['unassigned'])}</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></section>"
    )


def quality_html(data: ReportData, t: dict[str, str]) -> str:
    """Data quality: notes in / kept / split / merged / dropped (with reasons), redactions, languages."""
    q = data.quality
    fates = "".join(f"<li>{v} {escape(t.get('fate_' + k, k))}</li>" for k, v in q["fates"].items())
    reasons = "".join(f"<li>{v} × {escape(k)}</li>" for k, v in q["dropped_reasons"].items())
    redactions = ", ".join(f"{v} {t.get('redaction_' + k, k)}" for k, v in q["redactions"].items()) or "0"
    languages = ", ".join(f"{k}: {v}" for k, v in q["languages"].items())
    return (
        f"<section id='data-quality'><h2>{escape(t['data_quality'])}</h2>"
        f"<p><strong>{escape(t['notes_in'])}:</strong> {q['notes_in']}</p><ul>{fates}</ul>"
        + (f"<ul class='reasons'>{reasons}</ul>" if reasons else "")
        + f"<p><strong>{escape(t['notes_out'])}:</strong> {q['notes_out']}<br>"
        f"<strong>{escape(t['redactions'])}:</strong> {escape(redactions)}<br>"
        f"<strong>{escape(t['languages'])}:</strong> {escape(languages)}</p></section>"
    )


def _short_ids(note_id: str, source_ids: str) -> str:
    return ids.printed(note_id, source_ids.split("|"))


def appendix_html(data: ReportData, t: dict[str, str]) -> str:
    """Every analysed note by question and theme, with its id (raw ids of merged duplicates too)."""
    titles = {th["theme_id"]: th["title"] for th in data.themes}
    merged = data.notes.merge(data.assignments[["note_id", "theme_id", "status"]], on="note_id", how="left")
    parts = [f"<section id='appendix'><h2>{escape(t['appendix'])}</h2>"]
    for question in data.questions():
        rows = merged[merged["question"] == question["id"]].copy()
        rows["order"] = rows["theme_id"].map(lambda x: (x == "", x))
        rows = rows.sort_values(["order", "note_id"])
        body = "".join(
            f"<tr><td class='id'>{escape(_short_ids(str(r.note_id), str(r.source_ids)))}</td>"
            f"<td>{escape(titles.get(r.theme_id, t['unassigned']))}</td><td>{escape(r.text)}</td></tr>"
            for r in rows.itertuples())
        parts.append(f"<h3>{escape(question['id'].upper())}</h3><table class='data appendix'><thead><tr>"
                     f"<th>{escape(t['note_id'])}</th><th>{escape(t['theme'])}</th><th>{escape(t['text'])}</th>"
                     f"</tr></thead><tbody>{body}</tbody></table>")
    parts.append("</section>")
    return "".join(parts)
