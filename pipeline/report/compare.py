"""The cross-city comparison report: shared themes with quotes from each city, then each city's own themes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import catalog
from pipeline.lab import Lab
from pipeline.params import CompareParams, typed
from pipeline.report.content import render, translations
from pipeline.report.render import (
    execute_notebook,
    generation_date,
    notebook_body_html,
    page_html,
    report_date,
    write_pdf,
)


def _member(m: dict[Any, Any]) -> dict[str, Any]:
    return {"city": str(m["city"]), "question": str(m["question"]).upper(), "title": str(m["title"]),
            "size": int(m["size"]), "language": str(m["language"]),
            "quotes": [str(q).strip() for q in m["quotes"] if str(q).strip()]}


def comparison_view(matches: pd.DataFrame, labs: list[Lab], t: dict[str, str]) -> dict[str, Any]:
    """The comparison's view model: shared themes with each city's theme and quotes, then each city's own. Pure."""
    shared = matches[matches["shared"]]
    own = matches[~matches["shared"]]
    return {"cities": ", ".join(f"{lab.city} ({lab.date}, {lab.language})" for lab in labs),
            "intro": t["compare_intro"].format(shared=shared["group"].nunique(), labs=len(labs)),
            "shared": [{"number": str(group), "titles": list(dict.fromkeys(str(x) for x in members["title"])),
                        "members": [_member(m) for m in members.to_dict("records")]}
                       for group, members in shared.groupby("group", sort=True)],
            "own": [{"city": str(city), "themes": [_member(m) for m in themes.to_dict("records")]}
                    for city, themes in own.groupby("city", sort=True)]}


def comparison_html(matches: pd.DataFrame, labs: list[Lab], t: dict[str, str], generated: str) -> str:
    """Cover, shared themes (a table and quotes per city), city-specific themes, method."""
    return render("compare.html.j2", t=t, generated=generated, **comparison_view(matches, labs, t))


def too_few_labs(labs: list[str]) -> str:
    """Why there is no comparison ('' when there is one): it needs two or more labs."""
    if len(labs) >= 2:
        return ""
    return (f"compare: {len(labs)} lab(s) under compare.labs in params.yaml, a comparison needs two or more; "
            "no comparison report was made")


def run(params: dict[str, Any], root: Path = Path(".")) -> Path | None:
    """Match the labs' themes (pipeline.compare) and render reports/compare/compare.{ipynb,html,pdf}.

    With fewer than two labs there is nothing to compare: no PDF, one line saying why (also in
    reports/compare/README.txt, the stage's output).
    """
    from pipeline.compare import run as match_labs

    match_labs(params, root)
    settings = typed(params, CompareParams)
    out = catalog.COMPARE_REPORT.clear(None, root)
    why = too_few_labs(list(settings.labs))
    if why:
        (out / "README.txt").write_text(why + "\n", encoding="utf-8")
        print(why)
        return None
    language = settings.language
    executed = out / "compare.ipynb"
    lab_dates = [lab.date for lab in catalog.COMPARED_LABS.read(None, root)]
    generated = generation_date()
    parameters = {"compare_dir": str(catalog.MATCHES.folder(None)), "language": language, "generated": generated}
    execute_notebook(root / "notebooks" / "compare.ipynb", executed, parameters, cwd=root)
    html = page_html(notebook_body_html(executed), translations(language)["compare_title"], "worldcafe-harvest",
                     language, report_date(max(lab_dates, default="")))
    (out / "compare.html").write_text(html, encoding="utf-8")
    write_pdf(html, out / "compare.pdf", base_url=out.resolve())
    return out / "compare.pdf"
