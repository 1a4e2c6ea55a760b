"""The report's sections as HTML: view models (sections.py) rendered by autoescaping Jinja2 templates.

The report notebook only calls `report_sections` and displays what it returns. No code here builds HTML
from strings: every note reaches the page through a template with autoescaping, so notes holding HTML,
Markdown or LaTeX print as plain text. `load_report_data` is the only file read (the edge).
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import jinja2
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from pipeline import catalog  # noqa: E402
from pipeline.errors import HarvestError  # noqa: E402
from pipeline.lang import counted, languages, report_strings  # noqa: E402
from pipeline.lang import language as language_data  # noqa: E402
from pipeline.report import sections  # noqa: E402
from pipeline.report.corrections import corrections_view  # noqa: E402
from pipeline.report.view import Ledger, Texts, theme_title  # noqa: E402

TEMPLATES = Path(__file__).parent / "templates"
ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                         undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


@jinja2.pass_context
def _notes(context: jinja2.runtime.Context, n: int) -> str:
    """`{{ size|notes }}`: '7 notițe', '20 de notițe', '1 note', in the language of the template's `t`."""
    t = context["t"]
    return counted(str(t["lang_code"]), t["notes_count"], int(n))


@jinja2.pass_context
def _counted(context: jinja2.runtime.Context, n: int, key: str) -> str:
    """`{{ n|counted("unassigned_count") }}`: a sentence whose words agree with its number (report.yaml forms)."""
    t = context["t"]
    return counted(str(t["lang_code"]), t[key], int(n))


ENV.filters["notes"] = _notes
ENV.filters["counted"] = _counted


@cache
def translations(language: str) -> dict[str, str]:
    """Interface strings for a report language, from lang/<language>/report.yaml (English where a key is missing)."""
    if language not in languages():
        raise HarvestError.at("params.yaml", None, f"no translation file for report language '{language}'",
                              f"use one of: {', '.join(languages())}, or add pipeline/lang/{language}/report.yaml")
    return {**report_strings("en"), **report_strings(language), "lang_code": language}


def render(template: str, **context: Any) -> str:
    """One template rendered with autoescaping (the only way report HTML is made)."""
    return ENV.get_template(template).render(**context)


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
    kinds: pd.DataFrame = field(default_factory=pd.DataFrame)        # proposals.parquet: kind and support
    translations: dict[str, str] = field(default_factory=dict)        # short note id -> the analyst's English
    edits_log: pd.DataFrame = field(default_factory=pd.DataFrame)     # edits_log.csv: each edit's outcome

    @cached_property
    def notes_by_id(self) -> pd.DataFrame:
        """The notes indexed by note id (built once: every section looks notes up by id)."""
        return self.notes.set_index("note_id")

    def questions(self) -> list[dict[str, Any]]:
        """Questions in lab order, each with its session id."""
        return [{**q, "session": s["id"]} for s in self.lab["sessions"] for q in s["questions"]]

    def themes_of(self, question_id: str) -> list[dict[str, Any]]:
        """The question's relevant themes, largest first (the themes stage's order)."""
        return [t for t in self.themes if t["question"] == question_id and t.get("relevant", True)]

    def in_lab_language(self, report_language: str | None) -> bool:
        """Whether a report in report_language shows the lab's own texts (None: the lab's language)."""
        return report_language in (None, self.lab["language"])


def load_report_data(processed_dir: Path | str) -> ReportData:
    """Read one lab's stage outputs from data/processed/<lab>/."""
    folder = Path(processed_dir)

    def written(dataset: catalog.Dataset[Any]) -> bool:      # inputs a lab may lack (older outputs)
        return dataset.path_in(folder).is_file()

    translated = catalog.TRANSLATIONS.read_from(folder) if written(catalog.TRANSLATIONS) else pd.DataFrame()
    return ReportData(
        # The view model's lab is the record the templates and translated fields read (lab.yaml's extra keys too).
        lab=catalog.LAB.read_from(folder).to_dict(), notes=catalog.NOTES.read_from(folder),
        themes=catalog.THEMES.read_from(folder), assignments=catalog.ASSIGNMENTS.read_from(folder),
        metrics=catalog.METRICS.read_from(folder), quality=catalog.QUALITY.read_from(folder),
        embed_info=catalog.EMBED_INFO.read_from(folder), run_info=catalog.RUN_INFO.read_from(folder),
        coverage=catalog.COVERAGE.read_from(folder), links=catalog.LINKS.read_from(folder),
        conclusions=catalog.CONCLUSIONS.read_from(folder) if written(catalog.CONCLUSIONS) else "",
        kinds=catalog.PROPOSALS.read_from(folder) if written(catalog.PROPOSALS) else pd.DataFrame(),
        translations=dict(translated.astype(str).itertuples(index=False, name=None)),
        edits_log=catalog.EDITS_LOG.read_from(folder) if written(catalog.EDITS_LOG) else pd.DataFrame(),
    )


def texts(data: ReportData, language: str) -> Texts:
    """The report language's strings, and the redaction marks of the lab's and the report's languages."""
    lab_language = str(data.lab["language"])
    marks = language_data(lab_language).marks if lab_language in languages() else {}
    wanted = language_data(language).marks
    return Texts(translations(language), language, lab_language, dict(marks), dict(wanted))


def running_title(data: ReportData, language: str | None = None) -> str:
    """Short title for the page header: event, city, date (the event in the report's language)."""
    x = texts(data, language or data.lab["language"])
    return " · ".join(p for p in (x.field(data.lab, "event"), data.lab["city"], data.lab["date"]) if p)


def cover_html(data: ReportData, x: Texts, generated: str, logos: list[str]) -> str:
    """Cover: project, event, title, facts, which parts stay in the original language, version."""
    lab = data.lab
    facts = [(x.t["project_label"], x.field(lab, "project")), (x.t["city"], lab["city"]),
             (x.t["date"], lab["date"]), (x.t["venue"], x.field(lab, "venue")),
             (x.t["organiser"], x.field(lab, "organiser")), (x.t["method"], x.field(lab, "method"))]
    original = "" if x.own else x.t["cover_original"].format(
        language=x.t.get(f"language_{x.lab_language}", x.lab_language), code=x.lab_language)
    return render("cover.html.j2", t=x.t, logos=logos, project=x.field(lab, "project"),
                  event=x.field(lab, "event") or x.t["report"], title=x.field(lab, "title"),
                  short=running_title(data, x.language), facts=[(k, v) for k, v in facts if v],
                  original_note=original, generated=generated, version=data.run_info.get("pipeline_version", ""))


def contents_html(data: ReportData, x: Texts) -> str:
    """Table of contents; page numbers are filled in by the PDF engine (CSS target-counter)."""
    items = [("summary", x.t["summary"])]
    items += [(f"q-{q['id']}", f"{q['id'].upper()} — {x.field(q, 'text')}") for q in data.questions()]
    items += [("proposals", x.t["proposals"])] if not data.kinds.empty else []
    items += [("links", x.t["links"]), ("methodology", x.t["methodology"])]
    items += [("corrections", x.t["corrections"])] if not data.edits_log.empty else []
    items += [("data-quality", x.t["data_quality"]), ("annex", x.t["annex"]), ("appendix", x.t["appendix"])]
    return render("contents.html.j2", t=x.t, items=items)


def conclusions_fragment(data: ReportData) -> str:
    """The facilitator's Markdown as HTML with every raw tag escaped ('' when there are none)."""
    if not data.conclusions.strip():
        return ""
    import mistune

    return str(mistune.create_markdown(escape=True)(data.conclusions))


def theme_chart_png(titles: list[str], sizes: list[int], t: dict[str, str]) -> str:
    """Horizontal bar chart of theme sizes as a base64 PNG data URI (fonts ≥ 8 pt at print size)."""
    labels = [_wrap(title, 38) for title in titles][::-1]
    sizes = sizes[::-1]
    height = 0.45 * max(len(titles), 1) + 0.8
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
        fig.savefig(buffer, format="png", metadata={"Software": None})
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


def report_sections(data: ReportData, language: str, generated: str, settings: dict[str, Any],
                    logos: list[str] | None = None) -> dict[str, str]:
    """Every section of one report as HTML, in page order; one ledger keeps each note quoted once."""
    x = texts(data, language)
    ledger = Ledger()
    result = {"cover": cover_html(data, x, generated, list(logos or [])), "contents": contents_html(data, x)}
    result["summary"] = render("summary.html.j2", t=x.t, lab_language=x.lab_language,
                               conclusions=conclusions_fragment(data), **sections.summary(data, x, settings, ledger))
    for q in data.questions():
        view = sections.question(data, q, x, int(settings["quotes_per_theme"]), ledger)
        chart = theme_chart_png([theme_title(th, x)["text"] for th in view["themes"]],
                                [int(th["size"]) for th in view["themes"]], x.t) if view["has_notes"] else ""
        result[f"q-{q['id']}"] = render("question.html.j2", t=x.t, lab_language=x.lab_language, q=view, chart=chart)
    links = sections.links(data, x, ledger)            # the links' evidence before the proposals' list
    proposals = sections.proposals(data, x, settings, ledger)
    if proposals["groups"] or proposals["quoted_above"]:
        result["proposals"] = render("proposals.html.j2", t=x.t, **proposals)
    result["links"] = render("links.html.j2", t=x.t, intro=x.t["links_intro"], links=links)
    result["methodology"] = render("methodology.html.j2", t=x.t, m=sections.methodology(data, x, settings),
                                   c=corrections_view(data, x), q=sections.quality(data, x))
    result["appendix"] = render("appendix.html.j2", t=x.t, questions=sections.appendix(data, x),
                                original=sections.appendix_note(x))
    return result


def build_report(processed_dir: Path | str, language: str, generated: str, settings: dict[str, Any] | None = None,
                 logos: list[str] | None = None) -> dict[str, str]:
    """The report notebook's one call: read the lab's outputs, return every section's HTML in page order."""
    if settings is None:
        from pipeline.params import load_params, section

        settings = section(load_params(), "report")
    return report_sections(load_report_data(processed_dir), language, generated, settings, logos)
