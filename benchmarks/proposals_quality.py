"""Proposal vs observation: precision and recall of the per-language cues on our hand-labelled notes.

    python benchmarks/proposals_quality.py [--misses]

Reads tests/data/proposals_<lang>.csv (question, text, label; notes written for this purpose, not copied),
the standard questions of each language (pipeline/lang/<lang>/questions.yaml) for the questions' own
kind, and prints one row per language; with --misses, every note the cues got wrong.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.lang import starting_questions  # noqa: E402
from pipeline.proposals import classify_labelled, score_kinds  # noqa: E402

DATA = ROOT / "tests" / "data"
# The sample lab's clean notes, labelled after the cues were written (process notes left out).
SAMPLE = ROOT / "benchmarks" / "fixtures" / "proposals_timisoara.csv"
# The Kaunas sample lab's clean notes (written after the Lithuanian cues), labelled the same way.
KAUNAS = ROOT / "benchmarks" / "fixtures" / "proposals_kaunas.csv"
# 20 notes per language written after the cues and never used to change them (proposals_heldout_<lang>.csv).
HELD_OUT = ROOT / "benchmarks" / "fixtures"


def standard_questions(language: str) -> dict[str, str]:
    """Question id -> text of the six standard ECoC-SME questions in a language."""
    data = starting_questions(language)
    return {q["id"]: q["text"] for s in data["sessions"] for q in s["questions"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list the notes the cues got wrong")
    args = parser.parse_args()
    rows, misses = [], []
    sets = [(p.stem.removeprefix("proposals_"), p.stem.removeprefix("proposals_"), p)
            for p in sorted(DATA.glob("proposals_*.csv"))]
    sets += [("ro (Timișoara sample)", "ro", SAMPLE), ("lt (Kaunas sample)", "lt", KAUNAS)]
    for path in sorted(HELD_OUT.glob("proposals_heldout_*.csv")):
        language = path.stem.removeprefix("proposals_heldout_")
        sets.append((f"{language} (held out)", language, path))
    for name, language, path in sets:
        labelled = pd.read_csv(path)
        result = classify_labelled(labelled, language, standard_questions(language))
        rows.append({"set": name, **score_kinds(result["label"].tolist(), result["predicted"].tolist())})
        wrong = result[result["label"] != result["predicted"]]
        misses += [f"{name} {r.question} [{r.label} -> {r.predicted}; {r.cues or 'no cue'}] {r.text}"
                   for r in wrong.itertuples()]
    table = pd.DataFrame(rows)
    for column in ("precision", "recall", "accuracy"):
        table[column] = table[column].map(lambda v: f"{v:.2f}")
    print(table.to_markdown(index=False))
    if args.misses:
        print("\n".join(["", *misses]))


if __name__ == "__main__":
    main()
