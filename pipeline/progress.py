"""Progress bars for the slow steps: shown in a terminal, silent under CI or when output is not a terminal."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm import tqdm

T = TypeVar("T")


def progress(items: Iterable[T], description: str, total: int | None = None) -> Iterator[T]:
    """Iterate items with a progress bar on stderr when a person is watching."""
    quiet = bool(os.environ.get("CI")) or not sys.stderr.isatty()
    yield from tqdm(items, desc=description, total=total, disable=quiet, leave=False, unit="step")
