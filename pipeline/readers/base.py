"""The contract every transcript reader keeps: file bytes, file name, lab -> raw note records and problems.

A record is a dict with `file`, `line` and the columns of the CSV format (`session`, `question`,
`group`, `round`, `note`, optional `id`); ingest validates every reader's records the same way. The
readers depend on nothing above them (never on ingest): `pipeline.lab`, `pipeline.lang`, `pipeline.text`,
`pipeline.errors` only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pipeline.errors import Problem
from pipeline.lab import Lab

Records = tuple[list[dict[str, Any]], list[Problem]]
# A reader: file bytes, file name (as shown in messages and provenance), lab -> records and problems.
Reader = Callable[[bytes, str, Lab], Records]
# One line of an outline: (line number a human can find, text, is a heading).
Line = tuple[int, str, bool]
