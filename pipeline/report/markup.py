"""The report's Jinja2 environment (autoescaping) and interface strings: what every page is rendered with.

Kept apart from content.py, which builds the sections with pandas and matplotlib: the render workers wrap the
executed notebook in the page (`page.html.j2`) and import only this, not the libraries of the analysis.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from pipeline.errors import HarvestError
from pipeline.lang import counted, languages, report_strings

TEMPLATES = Path(__file__).parent / "templates"
ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                         undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


@jinja2.pass_context
def _counted(context: jinja2.runtime.Context, n: int, key: str) -> str:
    """`{{ n|counted("unassigned_count") }}`: a sentence whose words agree with its number (report.yaml forms),
    in the language of the template's `t`."""
    t = context["t"]
    return counted(str(t["lang_code"]), t[key], int(n))


@jinja2.pass_context
def _notes(context: jinja2.runtime.Context, n: int) -> str:
    """`{{ size|notes }}`: '7 notițe', '20 de notițe', '1 note'."""
    return _counted(context, n, "notes_count")


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
