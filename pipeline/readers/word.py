"""Word transcripts: Heading/Titlu/Title paragraphs set the context, every other paragraph is one note."""

from __future__ import annotations

import io
from typing import Any

from pipeline.errors import Problem
from pipeline.lab import Lab
from pipeline.readers.base import NO_LIMITS, Limits, Line, Records
from pipeline.readers.office import unpacked_size_problem
from pipeline.readers.outline import outline_records

_HEADING_STYLES = ("heading", "titlu", "title", "subtitle", "subtitlu")
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
# Tracked deletions and the old place of moved text are not the accepted text; a drawing's fallback
# repeats its text box.
_NOT_ACCEPTED = frozenset({f"{_W}del", f"{_W}moveFrom", f"{_MC}Fallback"})
_SPACE_TAGS = frozenset({f"{_W}tab", f"{_W}br", f"{_W}cr"})


def accepted_text(element: Any) -> str:
    """A paragraph's text as it reads with every tracked change accepted: insertions kept, deletions dropped."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        for child in node:
            if child.tag in _NOT_ACCEPTED:
                continue
            if child.tag == f"{_W}t":
                parts.append(child.text or "")
            elif child.tag in _SPACE_TAGS:
                parts.append(" ")
            else:
                walk(child)

    walk(element)
    return "".join(parts)


def _docx_lines(data: bytes) -> tuple[list[Line], int]:
    import docx
    from docx.text.paragraph import Paragraph

    document = docx.Document(io.BytesIO(data))
    body = document.element.body
    lines: list[Line] = []
    # Every paragraph of the body, also inside content controls, but not those of tables or text boxes.
    paragraphs = [p for p in body.iter(f"{_W}p")
                  if not any(a.tag in (f"{_W}tbl", f"{_W}p") for a in p.iterancestors())]
    for number, element in enumerate(paragraphs, start=1):
        style = (getattr(Paragraph(element, document._body).style, "name", "") or "").lower()
        lines.append((number, " ".join(accepted_text(element).split()), style.startswith(_HEADING_STYLES)))
    return lines, len(document.tables)


def docx_records(data: bytes, file_name: str, lab: Lab, limits: Limits = NO_LIMITS) -> Records:
    """A Word transcript -> raw note records; Heading/Titlu/Title paragraphs are headings, others notes.

    `line` is the paragraph number (1-based, counting every paragraph, empty ones too). Tables are ignored.
    Tracked changes are read as accepted (inserted text kept, deleted text dropped).
    """
    too_big = unpacked_size_problem(data, file_name, limits)
    if too_big is not None:
        return [], [too_big]
    try:
        lines, tables = _docx_lines(data)
    except Exception:  # a damaged or mislabelled file fails in many library-specific ways; all are the file's
        return [], [Problem(file_name, None, "cannot be opened as a Word document",
                            "save it again from Word as .docx (Word Document)")]
    records, problems = outline_records(lines, file_name, lab)
    if tables:
        problems.append(Problem(file_name, None, f"{tables} table(s) ignored",
                                "write notes as paragraphs or bullets under headings, not in tables", "warning"))
    return records, problems
