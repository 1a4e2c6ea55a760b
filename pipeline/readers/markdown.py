"""Markdown and plain-text transcripts: '#' headings and `Key: value` lines set the context, one note a line."""

from __future__ import annotations

import re

from pipeline.errors import Problem
from pipeline.lab import Lab
from pipeline.readers.base import NO_LIMITS, Limits, Line, Records
from pipeline.readers.decoding import decode_in_language
from pipeline.readers.outline import outline_records

_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(?P<text>[^#\s].*?)(?:\s+#+)?\s*$")


def markdown_records(data: bytes, file_name: str, lab: Lab, limits: Limits = NO_LIMITS) -> Records:
    """A Markdown or plain-text transcript (any encoding ingest detects) -> raw note records by line."""
    text = decode_in_language(data, file_name, lab.language)
    if not text.strip():
        return [], [Problem(file_name, None, "the file is empty", "add notes or remove the file", "warning")]
    lines: list[Line] = []
    for number, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1):
        heading = _MD_HEADING.match(line)
        lines.append((number, heading["text"], True) if heading else (number, line.strip(), False))
    return outline_records(lines, file_name, lab)
