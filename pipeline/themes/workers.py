"""Worker processes for the stability seeds' fits: the themes stage's one parallel part.

A question is fitted once for its themes and `stability_seeds - 1` more times to measure how stable they
are; those fits are most of the stage's work and independent, so they run in other processes while this
one fits and describes the questions. Each fit uses one BLAS thread (`ThemeClusterer.fit`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

from pipeline.workers import forked_workers

FIT_LIBRARIES = "pipeline.themes.stability"   # what a worker runs, imported once by the fork server


def start_fit_workers() -> Any:
    """The multiprocessing context fit workers are made in, its fork server started now; None on one core,
    where no worker is made (`fit_workers`) and the server's imports would be wasted."""
    return forked_workers(FIT_LIBRARIES) if (os.cpu_count() or 1) >= 2 else None


@contextmanager
def fit_workers(jobs: int) -> Iterator[Executor | None]:
    """A pool of one worker per core for `jobs` fits; None (fit in this process) on one core or for one job."""
    cores = os.cpu_count() or 1
    if cores < 2 or jobs < 2:
        yield None
        return
    with ProcessPoolExecutor(max_workers=min(cores, jobs), mp_context=start_fit_workers()) as pool:
        yield pool
