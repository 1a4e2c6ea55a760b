"""Word transcripts: Heading/Titlu/Title paragraphs set the context, every other paragraph is one note."""

from __future__ import annotations

import io

from pipeline.errors import Problem
from pipeline.lab import Lab
from pipeline.readers.base import Line, Records
from pipeline.readers.outline import outline_records

_HEADING_STYLES = ("heading", "titlu", "title", "subtitle", "subtitlu")


def _docx_lines(data: bytes) -> tuple[list[Line], int]:
    import docx

    document = docx.Document(io.BytesIO(data))
    lines: list[Line] = []
    for number, paragraph in enumerate(document.paragraphs, start=1):
        style = (getattr(paragraph.style, "name", "") or "").lower()
        lines.append((number, " ".join(paragraph.text.split()), style.startswith(_HEADING_STYLES)))
    return lines, len(document.tables)


def docx_records(data: bytes, file_name: str, lab: Lab) -> Records:
    """A Word transcript -> raw note records; Heading/Titlu/Title paragraphs are headings, others notes.

    `line` is the paragraph number (1-based, counting every paragraph, empty ones too). Tables are ignored.
    """
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
