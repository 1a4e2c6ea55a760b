"""What the stages wrote for one lab, read once for the report: `load_report_data` is the report's file read.

Apart from content.py (which draws with matplotlib): the stage's own process reads the same data for the
spreadsheet without loading the charting library.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import catalog


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

    @cached_property
    def spreads(self) -> dict[str, dict[str, dict[str, int]]]:
        """Raw notes of each theme per table ('groups') and per round ('rounds'), in one pass over the coverage
        (a theme's card and the summary ask for it several times)."""
        result: dict[str, dict[str, dict[str, int]]] = {}
        if self.coverage.empty:
            return result
        for key, column in (("groups", "group"), ("rounds", "round")):
            sums = self.coverage.groupby(["theme_id", column])["notes"].sum()
            for (theme_id, value), n in zip(sums.index, sums, strict=True):
                result.setdefault(str(theme_id), {"groups": {}, "rounds": {}})[key][str(value)] = int(n)
        return result

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
