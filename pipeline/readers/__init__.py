"""Transcript readers, one module per format (CSV/TSV, Excel, Markdown/plain text, Word), all keeping the
contract of `readers.base`: file bytes, file name, lab -> raw note records and the problems found.

The package depends on nothing above it (lab, lang, text, errors only); ingest picks a reader by suffix.
"""

from __future__ import annotations

from pipeline.readers.base import NO_LIMITS, Limits, Reader, Records
from pipeline.readers.decoding import decode_bytes, decode_in_language
from pipeline.readers.excel import xlsx_records
from pipeline.readers.folder import transcript_files
from pipeline.readers.markdown import markdown_records
from pipeline.readers.table import COLUMNS, REQUIRED_COLUMNS, csv_file_records, csv_records, table_records
from pipeline.readers.word import docx_records

__all__ = ["COLUMNS", "NO_LIMITS", "READERS", "REQUIRED_COLUMNS", "Limits", "Reader", "Records", "csv_file_records",
           "csv_records", "decode_bytes", "decode_in_language", "docx_records", "markdown_records", "table_records",
           "transcript_files", "xlsx_records"]

# File type -> reader of raw note records; every reader's records are validated the same way.
READERS: dict[str, Reader] = {
    "csv": csv_file_records,
    "tsv": csv_file_records,
    "xlsx": xlsx_records,
    "md": markdown_records,
    "txt": markdown_records,
    "docx": docx_records,
}
