"""Print theme-clustering quality: the sample lab against gold_themes.csv, and optionally a labelled CSV.

    python benchmarks/themes_quality.py                      # sample lab, per question
    python benchmarks/themes_quality.py --eval ../shared/eval/moroco_dev.csv

Figures, not assertions. Uses the project's params.yaml (same code path as `dvc repro`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.clean import clean_notes  # noqa: E402
from pipeline.embed import VectorCache, embed_texts, make_embedder  # noqa: E402
from pipeline.evaluate import evaluate_csv, score_labels  # noqa: E402
from pipeline.ingest import read_lab_notes  # noqa: E402
from pipeline.params import load_params  # noqa: E402
from pipeline.themes import build_themes  # noqa: E402

LAB = "timisoara-2020-10-20"


def sample_lab_agreement(params: dict) -> pd.DataFrame:
    """Per question: notes, gold themes, found themes, NMI/ARI against gold, unassigned, stability."""
    lab_dir = ROOT / "data" / "raw" / LAB
    lab, raw, _ = read_lab_notes(lab_dir, params["ingest"]["formats"])
    clean, _ = clean_notes(raw, lab.language, params["clean"])
    embedder, _ = make_embedder(params["embed"], lab.language, params["themes"]["random_state"])
    cache = VectorCache(ROOT / params["embed"]["cache_dir"], embedder.id) if embedder.cacheable else None
    vectors, _ = embed_texts(clean["text"].tolist(), embedder, cache)
    _, assignments, metrics = build_themes(clean, vectors, lab.language, [q.id for q in lab.questions],
                                           params["themes"])
    gold = pd.read_csv(lab_dir / "gold_themes.csv")
    gold_of = {f"{LAB}/{f}:{line}": theme for f, line, theme in gold.itertuples(index=False)}
    merged = clean.merge(assignments, on=["note_id", "question"])
    merged["gold"] = [gold_of[ids.split("|")[0].split("#")[0]] for ids in merged["source_ids"]]
    merged["predicted"] = merged["theme_id"].where(merged["theme_id"] != "", "unassigned")
    rows = []
    for qid, group in merged.groupby("question"):
        scores = score_labels(group["gold"].tolist(), group["predicted"].to_numpy())
        m = metrics[qid]
        rows.append({"question": qid, "notes": len(group), "gold_themes": group["gold"].nunique(),
                     "themes": m["n_themes"], **scores, "unassigned": m["unassigned_rate"],
                     "stability_ari": m["stability_ari"]})
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--eval", type=Path, help="a labelled CSV (columns text,label), e.g. moroco_dev.csv")
    args = parser.parse_args()
    params = load_params(ROOT / "params.yaml")
    table = sample_lab_agreement(params)
    print(f"Sample lab {LAB} against gold_themes.csv")
    print(table.to_string(index=False))
    print(f"mean NMI {table['nmi'].mean():.3f}  mean ARI {table['ari'].mean():.3f}  "
          f"mean stability {table['stability_ari'].mean():.3f}")
    if args.eval:
        scores = evaluate_csv(args.eval, "text", "label", "ro", params)
        print(f"\n{args.eval.name}: " + "  ".join(f"{k}={v}" for k, v in scores.items()))


if __name__ == "__main__":
    main()
