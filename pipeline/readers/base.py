"""The contract every transcript reader keeps: file bytes, file name, lab -> raw note records and problems.

A record is a dict with `file`, `line` and the columns of the CSV format (`session`, `question`,
`group`, `round`, `note`, optional `id`); ingest validates every reader's records the same way. The
readers depend on nothing above them (never on ingest): `pipeline.lab`, `pipeline.lang`, `pipeline.text`,
`pipeline.errors` only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pipeline.errors import Problem
from pipeline.lab import Lab

Records = tuple[list[dict[str, Any]], list[Problem]]


@dataclass(frozen=True)
class Limits:
    """How much an Office file may unpack to and how many rows a sheet may hold (params.yaml `ingest:`).

    None is no limit (a reader called without params); the ingest stage always passes params.yaml's.
    """

    max_unpacked_mb: float | None = None
    max_rows: int | None = None

    @classmethod
    def from_params(cls, ingest: dict[str, Any]) -> Limits:
        """The limits of params.yaml's `ingest:` section."""
        return cls(ingest.get("max_unpacked_mb"), ingest.get("max_rows"))


NO_LIMITS = Limits()
# A reader: file bytes, file name relative to notes/ (as shown in messages and provenance), lab, limits ->
# records and problems.
Reader = Callable[[bytes, str, Lab, Limits], Records]
# One line of an outline: (line number a human can find, text, is a heading).
Line = tuple[int, str, bool]
