"""Wall time and peak memory of every stage for corpora of ~200, 2,000 and 20,000 notes, and growth rates.

    python benchmarks/pipeline_scale.py --eval ../shared/eval/moroco_dev.csv [--sizes 200 2000 20000]

Corpora are built from real text — the sample lab's notes plus, when given, the texts of a labelled CSV —
spread over labs of at most 2,000 notes, six questions, two groups and three rounds. The same texts recur
in different labs with a short suffix (" — masa N"), so every note is embedded (no cache hits). Each
stage runs as its own process, exactly as `dvc repro` runs it, with a cold vector cache. Figures, not
assertions.
"""

from __future__ import annotations

import argparse
import csv
import math
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml

from pipeline import catalog

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "raw" / "timisoara-2020-10-20"
STAGES = ["ingest", "clean", "embed", "themes", "links", "report"]
LAB_SIZE = 2000
# Runs one stage in a fresh interpreter and prints its peak resident memory (KiB) last on stderr.
WRAPPER = ("import resource, sys; from pipeline.cli import main; code = main(sys.argv[1:]); "
           "print('maxrss', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr); sys.exit(code)")


def text_pool(eval_csv: Path | None) -> list[str]:
    """Real note texts: the sample lab's, then the labelled CSV's."""
    texts = []
    for path in sorted((SAMPLE / "notes").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as f:
            texts += [row["note"] for row in csv.DictReader(f)]
    if eval_csv is not None:
        texts += pd.read_csv(eval_csv)["text"].astype(str).tolist()
    return texts


def build_project(work: Path, size: int, pool: list[str]) -> list[str]:
    """A project folder with ceil(size / 2000) labs holding `size` notes in all; returns the lab ids."""
    lab = yaml.safe_load((SAMPLE / "lab.yaml").read_text(encoding="utf-8"))
    questions = [(s["id"], q["id"]) for s in lab["sessions"] for q in s["questions"]]
    n_labs = max(1, math.ceil(size / LAB_SIZE))
    lab_ids = []
    for index in range(n_labs):
        lab_id = f"bench-{index:02d}"
        lab_ids.append(lab_id)
        folder = work / "data" / "raw" / lab_id
        (folder / "notes").mkdir(parents=True)
        (folder / "lab.yaml").write_text(yaml.safe_dump({**lab, "id": lab_id}, allow_unicode=True), encoding="utf-8")
        count = size // n_labs + (1 if index < size % n_labs else 0)
        with (folder / "notes" / "notes.csv").open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["session", "question", "group", "round", "note"])
            for i in range(count):
                session, question = questions[i % len(questions)]
                text = pool[(i // len(questions) * len(questions) + i) % len(pool)]
                suffix = f" — masa {index}" if index else ""
                writer.writerow([session, question, "AB"[i % 2], 1 + (i // 2) % 3, f"{text}{suffix}"])
    params = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    params["labs"] = lab_ids
    params["embed"]["cache_dir"] = str(work / ".cache" / "embeddings")
    (work / "params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True, sort_keys=False), encoding="utf-8")
    shutil.copytree(ROOT / "notebooks", work / "notebooks")
    shutil.copytree(ROOT / "codebooks", work / "codebooks")     # the sample's lab.yaml names ecoc-sme
    return lab_ids


def run_stage(stage: str, lab_id: str, work: Path) -> tuple[float, int]:
    """Seconds and peak RSS (MiB) of one stage for one lab, in its own process."""
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", WRAPPER, stage, lab_id], cwd=work, capture_output=True,
                            text=True)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{stage} {lab_id} failed:\n{result.stderr[-2000:]}")
    rss = int(result.stderr.strip().splitlines()[-1].split()[-1]) // 1024
    return seconds, rss


def measure(size: int, pool: list[str]) -> dict[str, tuple[float, int]]:
    """Per stage: total seconds over the labs and the largest peak RSS."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        lab_ids = build_project(work, size, pool)
        figures: dict[str, tuple[float, int]] = {}
        for stage in STAGES:
            runs = [run_stage(stage, lab_id, work) for lab_id in lab_ids]
            figures[stage] = (sum(s for s, _ in runs), max(r for _, r in runs))
        notes = sum(len(catalog.NOTES.read(lab, work)) for lab in lab_ids)
        info = catalog.EMBED_INFO.read(lab_ids[0], work)
        print(f"  {size} notes in {len(lab_ids)} lab(s): {notes} after cleaning; backend {info['backend']}",
              flush=True)
        return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--eval", type=Path, help="a CSV with a text column, e.g. ../shared/eval/moroco_dev.csv")
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 2000, 20000])
    args = parser.parse_args()
    pool = text_pool(args.eval)
    results = {}
    for size in args.sizes:
        results[size] = measure(size, pool)
    rows = []
    for stage in [*STAGES, "total"]:
        row: dict[str, object] = {"stage": stage}
        for size in args.sizes:
            figures = results[size]
            seconds = sum(s for s, _ in figures.values()) if stage == "total" else figures[stage][0]
            rss = max(r for _, r in figures.values()) if stage == "total" else figures[stage][1]
            row[f"{size} s"] = round(seconds, 1)
            row[f"{size} MiB"] = rss
        for small, large in zip(args.sizes, args.sizes[1:], strict=False):
            a, b = row[f"{small} s"], row[f"{large} s"]
            exponent = math.log(float(b) / float(a)) / math.log(large / small) if float(a) > 0 and float(b) > 0 else 0
            row[f"growth {small}->{large}"] = f"n^{exponent:.2f}"
        rows.append(row)
    print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    main()
