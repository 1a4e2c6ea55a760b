"""Write the transcript templates of docs/templates/ (CSV, Excel, Markdown, Word) from one list of example notes.

Run `python scripts/make_templates.py` after changing the examples; the output is byte-for-byte the same on
every run (fixed document dates and zip timestamps), so regenerating shows no diff in git.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import docx
import openpyxl

OUT = Path(__file__).resolve().parents[1] / "docs" / "templates"
# session, question id, question number within the session, group, round, note. Generic placeholders only:
# no names, no contacts. The last one shows two ideas on one line, which the clean stage splits at ' ; '.
EXAMPLES = [
    ("s1", "s1q1", 1, "A", 1, "Exemplu: spații de lucru accesibile pentru tineri creativi"),
    ("s1", "s1q1", 1, "A", 1, "Exemplu: mentorat oferit de antreprenori cu experiență"),
    ("s2", "s2q1", 1, "A", 2, "Exemplu: evenimentele anulate au redus veniturile artiștilor independenți"),
    ("s2", "s2q2", 2, "B", 1, "Exemplu: spectacole transmise online pentru publicul de acasă ; "
                              "exemplu: un fond de urgență pentru artiști"),
]
FIXED_DATE = "2020-10-20T00:00:00Z"
AUTHOR = "worldcafe-harvest"


def outline() -> list[tuple[int, str]]:
    """The examples as (heading level, text) lines, level 0 a note; a heading wherever its value changes."""
    lines: list[tuple[int, str]] = []
    previous: tuple[object, ...] = (None, None, None, None)
    for session, _, number, group, round_, note in EXAMPLES:
        last_session, last_group, last_number, last_round = previous
        if session != last_session:
            lines.append((1, f"Sesiunea {session.removeprefix('s')}"))
            last_group = last_number = last_round = None
        if group != last_group:
            lines.append((2, f"Grupa {group}"))
            last_number = last_round = None
        if number != last_number:
            lines.append((3, f"Întrebarea {number}"))
            last_round = None
        if round_ != last_round:
            lines.append((4, f"Runda {round_}"))
        lines.append((0, note))
        previous = (session, group, number, round_)
    return lines


def csv_bytes() -> bytes:
    """UTF-8 with a byte-order mark, so Excel shows Romanian letters when the host opens it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["session", "question", "group", "round", "note"])
    writer.writerows([session, qid, group, round_, note] for session, qid, _, group, round_, note in EXAMPLES)
    return buffer.getvalue().encode("utf-8-sig")


def markdown_text() -> str:
    """Headings for the context (a blank line before the larger ones, for reading), one bullet per note."""
    lines: list[str] = []
    for level, text in outline():
        if 1 <= level <= 3 and lines:
            lines.append("")
        lines.append(f"{'#' * level} {text}" if level else f"- {text}")
    return "\n".join(lines) + "\n"


def xlsx_bytes() -> bytes:
    """One sheet per session, named by its id, so the session column can be left out."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for session in dict.fromkeys(e[0] for e in EXAMPLES):
        sheet = workbook.create_sheet(session)
        sheet.append(["question", "group", "round", "note"])
        for s, qid, _, group, round_, note in EXAMPLES:
            if s == session:
                sheet.append([qid, group, round_, note])
        sheet.column_dimensions["D"].width = 90
    workbook.properties.creator = AUTHOR
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def docx_bytes() -> bytes:
    """Heading 1-4 paragraphs for the context, 'List Bullet' paragraphs for the notes."""
    document = docx.Document()
    document.core_properties.author = AUTHOR
    document.core_properties.last_modified_by = AUTHOR
    for level, text in outline():
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


def main() -> None:
    """Write the four templates to docs/templates/."""
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "notes-template.csv").write_bytes(csv_bytes())
    (OUT / "notes-template.md").write_text(markdown_text(), encoding="utf-8")
    (OUT / "notes-template.xlsx").write_bytes(deterministic_zip(xlsx_bytes()))
    (OUT / "notes-template.docx").write_bytes(deterministic_zip(docx_bytes()))
    for path in sorted(OUT.iterdir()):
        print(path.relative_to(OUT.parents[1]))


if __name__ == "__main__":
    main()
