"""Office files (.xlsx, .docx) are zip archives: what one unpacks to is checked before any XML is parsed,
so a small file that inflates to gigabytes ("zip bomb") fails at once with a clear message."""

from __future__ import annotations

import io
import zipfile

from pipeline.errors import Problem
from pipeline.readers.base import Limits

MB = 2 ** 20


def unpacked_size_problem(data: bytes, file_name: str, limits: Limits) -> Problem | None:
    """A problem when the archive's members add up to more than ingest.max_unpacked_mb; None otherwise.

    The sizes are those the archive declares: Python's zip reader never inflates a member past its
    declared size, so the declaration bounds what the Excel and Word readers can be made to parse.
    """
    if limits.max_unpacked_mb is None:
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            total = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None  # not a zip: the reader says the file cannot be opened
    if total <= limits.max_unpacked_mb * MB:
        return None
    return Problem(file_name, None, f"unpacks to {total / MB:,.1f} MB, more than ingest.max_unpacked_mb "
                                    f"({limits.max_unpacked_mb:g} MB): not read",
                   "save the notes again in a new file (or split it); if the file is genuine, raise "
                   "ingest.max_unpacked_mb in params.yaml")
