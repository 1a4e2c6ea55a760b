"""The cross-city comparison report: shared themes with quotes from each city, then each city's own themes."""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import paths
from pipeline.report.render import execute_notebook, notebook_body_html, page_html, report_date, write_pdf

OUT = paths.COMPARE


def _quotes(text: str) -> str:
    return "".join(f"<li><q>{escape(q.strip())}</q></li>" for q in str(text).split(" | ") if q.strip())


def comparison_html(matches: pd.DataFrame, labs: list[dict[str, Any]], t: dict[str, str], generated: str) -> str:
    """Cover, shared themes (a table and quotes per city), city-specific themes, method. Pure."""
    cities = ", ".join(f"{lab['city']} ({lab['date']}, {lab['language']})" for lab in labs)
    parts = ["<section class='cover'>", f"<p class='kicker'>{escape(t['compare_kicker'])}</p>",
             f"<h1 class='title' data-short='{escape(t['compare_title'])}'>{escape(t['compare_title'])}</h1>",
             f"<p class='event'>{escape(cities)}</p>",
             f"<p class='generated'>{escape(t['generated'])} {escape(generated)}</p></section>"]
    if len(labs) < 2 or matches.empty:
        parts.append(f"<section><h2>{escape(t['compare_title'])}</h2><p>{escape(t['compare_need_two'])}</p>"
                     "</section>")
        return "".join(parts)
    shared = matches[matches["shared"]]
    parts.append(f"<section class='summary'><h2>{escape(t['compare_shared'])}</h2>"
                 f"<p>{escape(t['compare_intro'].format(shared=shared['group'].nunique(), labs=len(labs)))}</p>")
    for group, members in shared.groupby("group", sort=True):
        records = members.to_dict("records")
        rows = "".join(f"<tr><td>{escape(str(m['city']))}</td><td>{escape(str(m['question']).upper())}</td>"
                       f"<td>{escape(str(m['title']))}</td><td class='num'>{m['size']}</td></tr>" for m in records)
        quotes = "".join(f"<h4>{escape(str(m['city']))}</h4><ul class='quotes'>{_quotes(str(m['quotes']))}</ul>"
                         for m in records)
        parts.append(f"<div class='theme'><h3>{escape(t['theme'])} {group}: "
                     f"{escape(' / '.join(dict.fromkeys(members['title'])))}</h3>"
                     f"<table class='data'><thead><tr><th>{escape(t['city'])}</th><th>{escape(t['question'])}</th>"
                     f"<th>{escape(t['theme'])}</th><th>{escape(t['notes'])}</th></tr></thead><tbody>{rows}</tbody>"
                     f"</table>{quotes}</div>")
    parts.append("</section>")
    own = matches[~matches["shared"]]
    parts.append(f"<section class='question'><h2>{escape(t['compare_own'])}</h2>")
    for city, themes in own.groupby("city", sort=True):
        items = "".join(f"<li><strong>{escape(str(m['title']))}</strong> ({escape(str(m['question']).upper())}, "
                        f"{m['size']} {escape(t['notes'])}) — <q>{escape(str(m['quotes']).split(' | ')[0])}</q></li>"
                        for m in themes.to_dict("records"))
        parts.append(f"<h3>{escape(str(city))}</h3><ul>{items}</ul>")
    parts.append(f"</section><section id='methodology'><h2>{escape(t['methodology'])}</h2>"
                 f"<p>{escape(t['compare_method'])}</p></section>")
    return "".join(parts)


def run(params: dict[str, Any], root: Path = Path(".")) -> Path:
    """Match the labs' themes (pipeline.compare) and render reports/compare/compare.{ipynb,html,pdf}."""
    from pipeline.compare import run as match_labs

    match_labs(params, root)
    settings = params["compare"]
    out = paths.clear_output_dir(root / paths.REPORTS / OUT, root)
    language = str(settings.get("language") or "en")
    executed = out / "compare.ipynb"
    lab_dates = [str(lab.get("date", "")) for lab in
                 json.loads((root / paths.PROCESSED / OUT / "labs.json").read_text(encoding="utf-8"))]
    generated = report_date(max(lab_dates, default=""))
    parameters = {"compare_dir": str(paths.PROCESSED / OUT), "language": language, "generated": generated}
    execute_notebook(root / "notebooks" / "compare.ipynb", executed, parameters, cwd=root)
    html = page_html(notebook_body_html(executed), "ECoC-SME — cross-city comparison", "worldcafe-harvest", language,
                     generated)
    (out / "compare.html").write_text(html, encoding="utf-8")
    write_pdf(html, out / "compare.pdf", base_url=out.resolve())
    return out / "compare.pdf"
