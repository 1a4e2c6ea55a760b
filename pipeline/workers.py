"""Worker processes forked from a fork server that has imported what they run (the report's renderers, the
themes stage's seed fits).

The server is started early, imports the workers' libraries once while the stage goes on, and holds no
thread, so forking it is safe where forking the stage's process (library thread pools) would not be.
Python keeps one fork server per process: the first stage to start it decides what it imports. `harvest`
runs one stage per process, so each gets its own; where one process runs two stages (tests, a notebook),
the second stage's workers import their libraries themselves: slower, the same results.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing import forkserver
from typing import Any


def forked_workers(preload: str) -> Any:
    """The multiprocessing context workers are made in, its fork server (importing `preload`) started now.
    Calling it again returns the same running server."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([preload])
    forkserver.ensure_running()
    return context
