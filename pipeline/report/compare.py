"""The cross-city comparison report: shared themes with quotes from each city, then each city's own themes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import catalog
from pipeline.lab import Lab
from pipeline.lang import counted, languages, long_date, percent
from pipeline.lang import language as language_data
from pipeline.params import CompareParams, typed
from pipeline.report.markup import render, translations
from pipeline.report.render import (
    execute_notebook,
    generation_date,
    notebook_body_html,
    page_html,
    report_date,
    write_pdf,
)
from pipeline.report.view import Texts


def _member(m: dict[Any, Any], marks: dict[str, str]) -> dict[str, Any]:
    language = str(m["language"])
    quotes = [(str(q).strip(), str(lang)) for q, lang in zip(m["quotes"], m["quote_languages"], strict=True)]
    return {"city": str(m["city"]), "question": str(m["question"]).upper(), "title": str(m["title"]),
            "size": int(m["size"]), "language": language,
            # the marks are swapped from the lab's language (the one redaction wrote them in)
            "quotes": [{"text": in_marks(text, language, marks), "lang": lang} for text, lang in quotes if text]}


def in_marks(text: str, language: str, marks: dict[str, str]) -> str:
    """A quote with its redaction marks in the comparison's language ('[telefonas]' -> '[phone]'): the
    report's own mark swap (`Texts.note`), from the quote's language."""
    if language not in languages():
        return text
    return Texts(t={}, language="", lab_language=language, lab_marks=language_data(language).marks,
                 marks=marks).note(text)


# A shared theme weighs more in a city when its share of the city's notes is this much above its share in
# every other city: three points, more than one note of a lab of about a hundred.
EMPHASIS_MIN_GAP = 0.03
COMMON_THEMES = 3          # shared themes named as raised most everywhere
EMPHASIS_THEMES = 2        # themes named per city as weighing more there


def messages(shared: list[dict[str, Any]], cities: list[str], t: dict[str, Any]) -> list[str]:
    """What the overview says in words: the shared themes every city raised most (by the smallest of their
    shares), and per city the ones that weigh more there than anywhere else. Pure."""
    everywhere = [g for g in shared if all(c in g["shares"] for c in cities)]
    common = sorted(everywhere, key=lambda g: (-min(g["shares"].values()), int(g["number"])))[:COMMON_THEMES]
    said = [t["compare_common"].format(themes=", ".join(g["titles"][0] for g in common))] if common else []
    for city in cities:
        gaps = [(g["shares"][city] - max((v for c, v in g["shares"].items() if c != city), default=0.0), g)
                for g in shared if city in g["shares"]]
        more = [g for gap, g in sorted(gaps, key=lambda x: (-x[0], int(x[1]["number"]))) if gap >= EMPHASIS_MIN_GAP]
        if more:
            said.append(t["compare_more_in"].format(city=city, themes=", ".join(
                g["titles"][0] for g in more[:EMPHASIS_THEMES])))
    return said


def comparison_view(matches: pd.DataFrame, labs: list[Lab], t: dict[str, Any]) -> dict[str, Any]:
    """The comparison's view model: an overview of the shared themes (notes per city), each shared theme with
    every city's quotes, then each city's own themes. Pure."""
    code = str(t.get("lang_code", ""))
    locale = str(t.get("locale") or code or "en")
    marks = language_data(code).marks if code in languages() else {}
    shared = matches[matches["shared"]]
    own = matches[~matches["shared"]]
    cities = list(dict.fromkeys(lab.city for lab in labs))
    # A city's notes in themes: a theme's count is read against it (one lab may have twice the other's notes).
    totals = {str(c): int(n) for c, n in matches.groupby("city")["size"].sum().items()}
    groups = []
    for group, members in shared.groupby("group", sort=True):
        titles = list(dict.fromkeys(str(x) for x in members["title"]))
        sizes = {str(c): int(n) for c, n in members.groupby("city")["size"].sum().items()}
        shares = {c: n / totals[c] for c, n in sizes.items() if totals.get(c)}
        groups.append({"number": str(group), "titles": titles, "several_titles": len(titles) > 1,
                       "questions": ", ".join(dict.fromkeys(str(q).upper() for q in members["question"])),
                       "sizes": sizes, "shares": shares,
                       "percents": {c: percent(locale, v) for c, v in shares.items()},
                       "members": [_member(m, marks) for m in members.to_dict("records")]})
    return {"cities": ", ".join(f"{lab.city} ({long_date(locale, lab.date)})" for lab in labs),
            "city_names": cities,
            "intro": counted(code or "en", t["compare_intro_two"], shared["group"].nunique()) if len(labs) == 2
            else t["compare_intro"].format(shared=shared["group"].nunique(), labs=len(labs)),
            "messages": messages(groups, cities, t),
            "shared": groups,
            "own": [{"city": str(city), "themes": [_member(m, marks) for m in themes.to_dict("records")]}
                    for city, themes in own.groupby("city", sort=True)]}


def comparison_html(matches: pd.DataFrame, labs: list[Lab], t: dict[str, str], generated: str) -> str:
    """Cover, shared themes (a table and quotes per city), city-specific themes, method."""
    day = long_date(str(t.get("locale") or "en"), generated) if generated else ""
    return render("compare.html.j2", t=t, generated=day, **comparison_view(matches, labs, t))


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
    nb = execute_notebook(root / "notebooks" / "compare.ipynb", executed, parameters, cwd=root)
    html = page_html(notebook_body_html(nb), translations(language)["compare_title"], "worldcafe-harvest",
                     language, report_date(max(lab_dates, default="")))
    (out / "compare.html").write_text(html, encoding="utf-8")
    write_pdf(html, out / "compare.pdf", base_url=out.resolve())
    return out / "compare.pdf"
