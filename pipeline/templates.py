"""Transcript templates (CSV, Excel, Markdown, Word) a table host copies, made from a list of example notes.

Used by scripts/make_templates.py (docs/templates/) and `harvest new-lab` (a new lab's templates/ folder).
The output is byte-for-byte the same on every run (fixed document dates and zip timestamps).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path

import docx
import openpyxl

from pipeline.lang import language
from pipeline.safecsv import neutralise

# session, question id, question number within the session, group, round, note
Example = tuple[str, str, int, str, int, str]
# Generic placeholders only: no names, no contacts. The last one shows two ideas on one line, which the
# clean stage splits at ' ; '.
ROMANIAN_EXAMPLES: list[Example] = [
    ("s1", "s1q1", 1, "A", 1, "Exemplu: spații de lucru accesibile pentru tineri creativi"),
    ("s1", "s1q1", 1, "A", 1, "Exemplu: mentorat oferit de antreprenori cu experiență"),
    ("s2", "s2q1", 1, "A", 2, "Exemplu: evenimentele anulate au redus veniturile artiștilor independenți"),
    ("s2", "s2q2", 2, "B", 1, "Exemplu: spectacole transmise online pentru publicul de acasă ; "
                              "exemplu: un fond de urgență pentru artiști"),
]

FIXED_DATE = "2020-10-20T00:00:00Z"
AUTHOR = "worldcafe-harvest"


def heading_labels(code: str) -> dict[str, str]:
    """Heading words of the Markdown/Word outline in a language (`labels` of pipeline/lang/<code>/language.yaml)."""
    return language(code).labels


def outline(examples: Sequence[Example], labels: dict[str, str]) -> list[tuple[int, str]]:
    """The examples as (heading level, text) lines, level 0 a note; a heading wherever its value changes."""
    lines: list[tuple[int, str]] = []
    previous: tuple[object, ...] = (None, None, None, None)
    for session, _, number, group, round_, note in examples:
        last_session, last_group, last_number, last_round = previous
        if session != last_session:
            lines.append((1, f"{labels['session']} {session.removeprefix('s')}"))
            last_group = last_number = last_round = None
        if group != last_group:
            lines.append((2, f"{labels['group']} {group}"))
            last_number = last_round = None
        if number != last_number:
            lines.append((3, f"{labels['question']} {number}"))
            last_round = None
        if round_ != last_round:
            lines.append((4, f"{labels['round']} {round_}"))
        lines.append((0, note))
        previous = (session, group, number, round_)
    return lines


def csv_bytes(examples: Sequence[Example]) -> bytes:
    """UTF-8 with a byte-order mark, so Excel shows Romanian letters when the host opens it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["session", "question", "group", "round", "note"])
    writer.writerows([neutralise(c) for c in (session, qid, group, round_, note)]
                     for session, qid, _, group, round_, note in examples)
    return buffer.getvalue().encode("utf-8-sig")


def markdown_text(examples: Sequence[Example], labels: dict[str, str]) -> str:
    """Headings for the context (a blank line before the larger ones, for reading), one bullet per note."""
    lines: list[str] = []
    for level, text in outline(examples, labels):
        if 1 <= level <= 3 and lines:
            lines.append("")
        lines.append(f"{'#' * level} {text}" if level else f"- {text}")
    return "\n".join(lines) + "\n"


def xlsx_bytes(examples: Sequence[Example]) -> bytes:
    """One sheet per session, named by its id, so the session column can be left out."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for session in dict.fromkeys(e[0] for e in examples):
        sheet = workbook.create_sheet(session)
        sheet.append(["question", "group", "round", "note"])
        for s, qid, _, group, round_, note in examples:
            if s == session:
                sheet.append([neutralise(c) for c in (qid, group, round_, note)])
        sheet.column_dimensions["D"].width = 90
    workbook.properties.creator = AUTHOR
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def docx_bytes(examples: Sequence[Example], labels: dict[str, str]) -> bytes:
    """Heading 1-4 paragraphs for the context, 'List Bullet' paragraphs for the notes."""
    document = docx.Document()
    document.core_properties.author = AUTHOR
    document.core_properties.last_modified_by = AUTHOR
    for level, text in outline(examples, labels):
        if level:
            document.add_heading(text, level=level)
        else:
            document.add_paragraph(text, style="List Bullet")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def deterministic_zip(data: bytes) -> bytes:
    """The same Office file with fixed document dates and zip timestamps, so that regenerating changes nothing."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "docProps/core.xml":
                text = re.sub(r"(<dcterms:(created|modified)[^>]*>)[^<]*", rf"\g<1>{FIXED_DATE}", content.decode())
                content = text.encode()
            info = zipfile.ZipInfo(item.filename, date_time=(2020, 10, 20, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, content)
    return out.getvalue()


def write_templates(folder: Path, examples: Sequence[Example], labels: dict[str, str],
                    formats: Sequence[str] = ("csv", "md", "xlsx", "docx")) -> list[Path]:
    """Write notes-template.<format> files into folder; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    makers = {"csv": lambda: csv_bytes(examples), "md": lambda: markdown_text(examples, labels).encode("utf-8"),
              "xlsx": lambda: deterministic_zip(xlsx_bytes(examples)),
              "docx": lambda: deterministic_zip(docx_bytes(examples, labels))}
    written = []
    for kind in formats:
        path = folder / f"notes-template.{kind}"
        path.write_bytes(makers[kind]())
        written.append(path)
    return written
