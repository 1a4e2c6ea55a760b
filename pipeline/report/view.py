"""The report's view model: plain data (dicts, lists, strings) for the Jinja2 templates. Pure: no file reads.

Every text here is plain text; the templates escape it. Texts in the lab's language that a report in
another language shows as written (notes, theme titles found in the notes) carry their language code,
so the page can mark them. A `Ledger` remembers which notes the body already quoted: no note is quoted
twice (theme cards first, then the links), and the appendix lists every note exactly once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pipeline.lang import counted, decimal, long_date, percent

if TYPE_CHECKING:
    from pipeline.report.data import ReportData

NOT_RAISED = ("not raised", "not_raised")
PROCESS_NOTE = ("process note", "process_note")
FITS_NO_THEME = ("none fits", "ambiguous")      # the themes stage's statuses of a note left outside every theme


@dataclass
class Ledger:
    """Note ids already shown as quotes in the body, so none is shown twice."""

    used: set[str] = field(default_factory=set)

    def take(self, note_ids: list[str], limit: int) -> list[str]:
        """The first `limit` ids not shown yet; they are marked as shown."""
        fresh = [n for n in dict.fromkeys(note_ids) if n not in self.used][:limit]
        self.used.update(fresh)
        return fresh


@dataclass(frozen=True)
class Texts:
    """Which language a report is in, and how lab-language texts reach it."""

    t: dict[str, str]
    language: str
    lab_language: str
    lab_marks: dict[str, str]       # email / phone / person -> the mark in the lab's language ('[telefon]')
    marks: dict[str, str]           # … and in the report's language ('[phone]')

    def counted(self, key: str, n: int) -> str:
        """A count with its noun in the report's language and the form the number asks for ('20 de notițe')."""
        return counted(self.language, self.t[key], n)  # type: ignore[arg-type]

    @property
    def locale(self) -> str:
        """The CLDR locale of the report's dates and figures (report.yaml `locale`: en_GB for English)."""
        return str(self.t.get("locale") or self.language)

    def decimal(self, value: float, pattern: str = "0.00") -> str:
        """A figure with the report language's decimal sign ('0,53' in a Romanian report)."""
        return decimal(self.locale, value, pattern)

    def percent(self, share: float) -> str:
        """A share as the report's language writes a percentage ('10 %' in a Romanian report)."""
        return percent(self.locale, share)

    def day(self, iso: str) -> str:
        """A YYYY-MM-DD date as the report's language writes it ('20 octombrie 2020', '20 October 2020')."""
        return long_date(self.locale, iso)

    @property
    def own(self) -> bool:
        """Whether the report is in the lab's own language."""
        return self.language == self.lab_language

    def field(self, record: dict[str, Any], name: str) -> str:
        """record[name] in the report's language: `name_<language>` when given, else the original."""
        return translated_field(record, name, self.language, self.lab_language)

    def note(self, text: str) -> str:
        """A note as written, with the redaction marks ([telefon], …) in the report's language."""
        for key, mark in self.lab_marks.items():
            wanted = self.marks.get(key)
            if mark and wanted and mark != wanted:
                text = text.replace(mark, wanted)
        return text

    def original(self, text: str, language: str | None = None) -> dict[str, str]:
        """A verbatim text with its language code ('' when it is the report's own language)."""
        lang = language or self.lab_language
        return {"text": self.note(text), "lang": lang, "mark": "" if lang == self.language else lang}


def translated_field(record: dict[str, Any], name: str, language: str, lab_language: str) -> str:
    """A lab.yaml text in a report language: `<name>_<language>` when given and not the lab's, else as written."""
    if language != lab_language and record.get(f"{name}_{language}"):
        return str(record[f"{name}_{language}"])
    return str(record.get(name) or "")


def natural_key(text: str) -> tuple[Any, ...]:
    """Sort key that orders 'a.csv:2' before 'a.csv:12' (numbers compared as numbers)."""
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", text))


def is_not_raised(theme: dict[str, Any]) -> bool:
    """A codebook theme no note joined."""
    return str(theme.get("status", "")) in NOT_RAISED or int(theme.get("size", 0)) == 0


def is_process_note(theme: dict[str, Any]) -> bool:
    """Remarks about the process (not answers): never an idea."""
    return str(theme.get("status", "")) in PROCESS_NOTE


def theme_text(theme: dict[str, Any], name: str, x: Texts) -> dict[str, str]:
    """A theme's `name` (title, summary) in the report's language when the theme has one (a codebook theme:
    `<name>s: {language: …}` or `<name>_<language>`), else as found in the notes, marked with their language."""
    variants = theme.get(f"{name}s") or {}
    if isinstance(variants, dict) and variants.get(x.language):
        return {"text": str(variants[x.language]), "lang": x.language, "mark": ""}
    if not x.own and theme.get(f"{name}_{x.language}"):
        return {"text": str(theme[f"{name}_{x.language}"]), "lang": x.language, "mark": ""}
    text = str(theme.get(name) or "")
    return x.original(text) if text else {"text": "", "lang": x.language, "mark": ""}


def theme_title(theme: dict[str, Any], x: Texts) -> dict[str, str]:
    """A theme's title in the report's language when one exists (codebook), else as found in the notes."""
    return theme_text(theme, "title", x)


def theme_summary(theme: dict[str, Any], x: Texts) -> dict[str, str]:
    """The theme's one-sentence summary (its codebook description or its most central note); empty when it
    only repeats the title (a title taken from that very note), so nothing is said twice."""
    summary = theme_text(theme, "summary", x)
    if repeats(theme_title(theme, x)["text"], summary["text"]):
        return {"text": "", "lang": x.language, "mark": ""}
    return summary


def repeats(title: str, summary: str) -> bool:
    """True when the summary says nothing the title does not: the same words (case and punctuation aside).
    A title cut short with an ellipsis is completed by its summary, which is then kept."""
    def words(text: str) -> list[str]:
        return re.findall(r"\w+", text.casefold())

    return bool(words(title)) and words(title) == words(summary)


def group_label(data: ReportData, group: str, x: Texts) -> str:
    """'Grupa A' / 'Table A': the lab's name for a table, or the report language's pattern."""
    names = data.lab.get("group_names" if x.own else f"group_names_{x.language}") or {}
    return str(names.get(group) or x.t["table_name"].format(group=group))


def spread(data: ReportData, theme_id: str) -> dict[str, dict[str, int]]:
    """Raw notes of a theme per table and per round (merged duplicates count for every table that wrote them)."""
    return data.spreads.get(theme_id) or {"groups": {}, "rounds": {}}


def at_every_table(data: ReportData, theme_id: str) -> bool:
    """Raised at every table of a lab with two or more tables: the strongest signal a world café gives."""
    groups = spread(data, theme_id)["groups"]
    return len(data.lab["groups"]) > 1 and set(map(str, data.lab["groups"])) <= set(groups)


def merged_across_tables(data: ReportData, theme_id: str) -> int:
    """How many of a theme's notes are one idea written independently at two or more tables (merged)."""
    members = set(data.assignments.loc[data.assignments["theme_id"] == theme_id, "note_id"])
    rows = data.notes[data.notes["note_id"].isin(members)]
    return int(sum(len(set(g)) > 1 for g in rows.get("source_groups", [])))


def where_text(data: ReportData, theme_id: str, x: Texts) -> str:
    """'Table A (5), Table B (3) · round 1 (2), round 2 (6)'."""
    where = spread(data, theme_id)
    groups = ", ".join(f"{group_label(data, g, x)} ({n})" for g, n in where["groups"].items())
    rounds = ", ".join(f"{x.t['round']} {r} ({n})" for r, n in where["rounds"].items())
    return " · ".join(p for p in (groups, rounds) if p)


def main_table(data: ReportData, theme_id: str, min_share: float) -> str:
    """The table that wrote at least `min_share` of a theme's notes ('' when the theme is spread out)."""
    groups = spread(data, theme_id)["groups"]
    total = sum(groups.values())
    if len(data.lab["groups"]) < 2 or not total:
        return ""
    group, notes = max(groups.items(), key=lambda item: (item[1], item[0]))
    return group if notes / total >= min_share else ""
