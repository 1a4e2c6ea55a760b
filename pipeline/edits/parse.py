"""The edits file's grammar: kinds and keys, parsing with every structural mistake named by its line, writing.

Also the shared words of the edits package: the file names, outcomes and the excluded status.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from pipeline import ids, paths
from pipeline.errors import HarvestError, Problem
from pipeline.redact import redact
from pipeline.yamlsafe import STRICT, YamlLimits, key_lines, parse_yaml_node, project_limits, read_text

EDITS_FILE = "theme_edits.yaml"
LOG_FILE = "edits_log.csv"
# kind -> (required keys, optional keys); every other key is a mistake.
KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "merge": (("themes",), ("title", "title_en")),
    "split": (("theme", "seeds"), ()),
    "move": (("note", "to"), ()),
    "pin": (("note",), ()),
    "rename": (("theme", "title"), ("title_en",)),
    "not_relevant": (("theme",), ()),
}
LIST_KEYS = {"themes": 2, "seeds": 2}            # list fields and the fewest items each needs
REFERENCE_KEYS = ("themes", "seeds", "theme", "note", "to")
TITLE_KINDS = ("merge", "rename")
TITLE_FIELDS = ("title", "title_en")        # the edits' own words, redacted like the notes
NO_THEME = "none"
APPLIED, SKIPPED = "applied", "skipped"
EXCLUDED_STATUS = "excluded by the analyst"     # a note's status after `move: … to: none`
EXCERPT_WORDS = 6
APPENDIX_FIX = "write the note's id from the report appendix or themes.xlsx (with a few words of its text)"


@dataclass(frozen=True)
class Edit:
    """One edit as written, with its line in the file for messages."""

    kind: str
    fields: dict[str, Any]
    line: int

    def describe(self) -> str:
        """The edit in one line, as the log and the report show it."""
        return "; ".join(f"{k}: {', '.join(map(str, v)) if isinstance(v, list) else v}"
                         for k, v in self.fields.items())



def parse_edits(text: str, path: Path | str = EDITS_FILE, limits: YamlLimits = STRICT) -> list[Edit]:
    """Parse the edits file; structural mistakes (duplicate or unknown keys, missing fields) raise with their line."""
    data, node = parse_yaml_node(text, path, limits)
    if data is None:
        return []
    if not isinstance(data, dict) or node is None:
        raise HarvestError.at(path, 1, "theme_edits.yaml must map edit kinds to lists",
                              f"use the keys: {', '.join(KINDS)} (see docs/theme_edits.md)")
    lines = key_lines(node)
    problems: list[Problem] = []
    edits: list[Edit] = []
    for kind, entries in data.items():
        if kind not in KINDS:
            problems.append(Problem(str(path), lines.get(str(kind)), f"unknown edit kind '{kind}'",
                                    f"use one of: {', '.join(KINDS)}"))
            continue
        if not isinstance(entries, list):
            problems.append(Problem(str(path), lines.get(kind), f"'{kind}' must be a list of edits",
                                    f"write each edit as an item: '{kind}:' then '  - ...'"))
            continue
        required, optional = KINDS[kind]
        for i, entry in enumerate(entries):
            line = lines.get(f"{kind}.{i}", lines.get(kind)) or 1
            problem = _entry_problem(kind, entry, required, optional)
            if problem is not None:
                where = lines.get(f"{kind}.{i}.{problem[2]}", line) if problem[2] else line
                problems.append(Problem(str(path), where, problem[0], problem[1]))
                continue
            edits.append(Edit(kind, dict(entry), line))
    if problems:
        raise HarvestError(problems)
    order = list(KINDS)
    return sorted(edits, key=lambda e: (order.index(e.kind), e.line))


def _entry_problem(kind: str, entry: Any, required: tuple[str, ...], optional: tuple[str, ...],
                   ) -> tuple[str, str, str] | None:
    """(problem, fix, key) for a malformed edit, or None."""
    known = ", ".join((*required, *optional))
    if not isinstance(entry, dict):
        return f"a {kind} edit must be a mapping", f"write it as '- {required[0]}: …' with {known}", ""
    for key in entry:
        if key not in required and key not in optional:
            return (f"{kind}: unknown key '{key}'", f"use only: {known} (see docs/theme_edits.md)", str(key))
    missing = [k for k in required if entry.get(k) in (None, "", [])]
    if missing:
        return (f"{kind} edit without {', '.join(missing)}",
                f"give {' and '.join(required)} (see docs/theme_edits.md)", "")
    for key, fewest in LIST_KEYS.items():
        if key in entry and (not isinstance(entry[key], list) or len(entry[key]) < fewest):
            what = "themes" if key == "themes" else "seed notes"
            return (f"{kind} needs a list of at least {fewest} {what}",
                    f"write {key}: [first, second]" if key == "themes" else
                    "list under seeds: one note for each new theme", key)
    for key in TITLE_FIELDS:
        if key in entry and not isinstance(entry[key], str | int | float):
            return f"{kind}: '{key}' must be a text", f"write {key}: Your words", key
    return None


def load_edits(lab_dir: Path, root: Path = Path(".")) -> list[Edit]:
    """The lab's edits, or none when it has no edits file."""
    path = paths.lab_file(lab_dir, EDITS_FILE)
    if not path.is_file():
        return []
    return parse_edits(read_text(path), path, project_limits(root))


def redacted_titles(edits: list[Edit], people: tuple[str, ...], language: str) -> list[Edit]:
    """The edits with their titles redacted like the notes: an analyst's title ('Ideile lui Ion Ionescu',
    'contact ana@…') reaches themes.json, the logs and the reports."""
    return [replace(e, fields={k: redact(str(v), people, language)[0] if k in TITLE_FIELDS and v is not None else v
                               for k, v in e.fields.items()}) for e in edits]


def add_edit(text: str, kind: str, **fields: Any) -> str:
    """The edits file text with one more edit of `kind`, comments and order kept (used by the explore notebook).

    The entry goes at the end of the kind's list (a new `kind:` block at the end when there is none);
    the result is validated, so a wrong edit raises here, not at the next run.
    """
    if kind not in KINDS:
        raise HarvestError.at(EDITS_FILE, None, f"unknown edit kind '{kind}'", f"use one of: {', '.join(KINDS)}")
    dumped = yaml.safe_dump([fields], allow_unicode=True, sort_keys=False, default_flow_style=False, width=1000)
    item = "".join(f"  {line}\n" for line in dumped.splitlines())
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    start = next((i for i, line in enumerate(lines) if line.rstrip() == f"{kind}:"), None)
    if start is None:
        new_text = "".join(lines) + f"{kind}:\n{item}"
    else:
        end = next((i for i in range(start + 1, len(lines))
                    if lines[i].strip() and not lines[i].startswith((" ", "\t", "#"))), len(lines))
        while end > start + 1 and not lines[end - 1].strip():
            end -= 1
        new_text = "".join(lines[:end]) + item + "".join(lines[end:])
    parse_edits(new_text)
    return new_text


def note_reference(note_id: str, text: str, question: str | None = None) -> str:
    """How the explore notebook writes a note (or, with its question, a theme) into an edit: id and first words."""
    ref = ids.short(note_id)
    return f"{question}{ids.THEME_SEPARATOR}{ref} {ids.excerpt(text, EXCERPT_WORDS)}" if question else \
        f"{ref} {ids.excerpt(text, EXCERPT_WORDS)}"


