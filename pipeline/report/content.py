"""The report's sections as HTML: view models (sections.py) rendered by autoescaping Jinja2 templates.

The report notebook only calls `report_sections` and displays what it returns. No code here builds HTML
from strings: every note reaches the page through a template with autoescaping, so notes holding HTML,
Markdown or LaTeX print as plain text. `load_report_data` (data.py) is the only file read (the edge).
"""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
from PIL import Image

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from pipeline.lang import language as language_data  # noqa: E402
from pipeline.lang import languages  # noqa: E402
from pipeline.report import sections  # noqa: E402
from pipeline.report.corrections import corrections_view  # noqa: E402
from pipeline.report.data import ReportData, load_report_data  # noqa: E402
from pipeline.report.markup import render, translations  # noqa: E402
from pipeline.report.view import Ledger, Texts, theme_title  # noqa: E402


def texts(data: ReportData, language: str) -> Texts:
    """The report language's strings, and the redaction marks of the lab's and the report's languages."""
    lab_language = str(data.lab["language"])
    marks = language_data(lab_language).marks if lab_language in languages() else {}
    wanted = language_data(language).marks
    return Texts(translations(language), language, lab_language, dict(marks), dict(wanted))


def running_title(data: ReportData, language: str | None = None) -> str:
    """Short title for the page header: event, city, date (the event in the report's language)."""
    x = texts(data, language or data.lab["language"])
    return " · ".join(p for p in (x.field(data.lab, "event"), data.lab["city"], x.day(data.lab["date"])) if p)


def cover_html(data: ReportData, x: Texts, generated: str, logos: list[str]) -> str:
    """Cover: project, event, title, facts, which parts stay in the original language, version."""
    lab = data.lab
    facts = [(x.t["project_label"], x.field(lab, "project")), (x.t["city"], lab["city"]),
             (x.t["date"], x.day(lab["date"])), (x.t["venue"], x.field(lab, "venue")),
             (x.t["organiser"], x.field(lab, "organiser")), (x.t["method"], x.field(lab, "method"))]
    original = "" if x.own else x.t["cover_original"].format(
        language=x.t.get(f"language_{x.lab_language}", x.lab_language), code=x.lab_language.upper())
    return render("cover.html.j2", t=x.t, logos=logos, project=x.field(lab, "project"),
                  event=x.field(lab, "event") or x.t["report"], title=x.field(lab, "title"),
                  short=running_title(data, x.language), facts=[(k, v) for k, v in facts if v],
                  original_note=original, generated=x.day(generated) if generated else "",
                  version=data.run_info.get("pipeline_version", ""))


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
        # Drawn once and kept opaque: savefig would draw it a second time for the layout engine tight_layout
        # leaves behind, and its RGBA alpha channel becomes a second image the PDF writer encodes.
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        pixels = np.asarray(canvas.buffer_rgba())[:, :, :3]
        plt.close(fig)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="png", dpi=(200, 200))
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
        view = sections.question(data, q, x, int(settings["quotes_per_theme"]), ledger, settings)
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
