"""Print theme quality: the sample lab against gold_themes.csv with and without its codebook, a labelled
CSV with and without a codebook, codebook assignment time, and how many notes tiny vector noise moves.

    python benchmarks/themes_quality.py                      # sample lab, per question, both ways
    python benchmarks/themes_quality.py --eval ../shared/eval/moroco_dev.csv \
        --eval-codebook benchmarks/codebooks/moroco-ro.yaml
    python benchmarks/themes_quality.py --noise 20           # share of notes whose theme changes (1e-5 noise)
    python benchmarks/themes_quality.py --noise 20 --noise-scale 4e-4    # noise as large as CPU makers' was

Figures, not assertions. Uses the project's params.yaml (same code path as `dvc repro`).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.clean import clean_notes  # noqa: E402
from pipeline.embed import TextEmbedder, VectorCache, embed_texts, make_embedder  # noqa: E402
from pipeline.evaluate import evaluate_csv, score_labels  # noqa: E402
from pipeline.ingest import read_lab_notes  # noqa: E402
from pipeline.params import CleanParams, load_params, typed  # noqa: E402
from pipeline.themes import STATUS_PROCESS, build_themes, make_clusterer  # noqa: E402
from pipeline.themes.anchors import assign_to_anchors, structureless_similarity  # noqa: E402
from pipeline.themes.cluster import NULL_DIRECTIONS  # noqa: E402
from pipeline.themes.codebook import anchor_vectors, codebook_path, load_codebook  # noqa: E402
from pipeline.themes.space import ThemeSpace  # noqa: E402

LAB = "timisoara-2020-10-20"
NOISE = 1e-5


def sample_lab(params: dict, lab_id: str = LAB, codebook_name: str | None = None, lab_dir: Path | None = None) -> tuple:
    """A lab's clean notes, vectors, gold theme per note, codebook (its own, or `codebook_name`) and an
    embedder for extra texts: a sample lab of data/raw, or any lab folder with a gold_themes.csv."""
    lab_dir = lab_dir or ROOT / "data" / "raw" / lab_id
    lab, raw, _ = read_lab_notes(lab_dir, params["ingest"]["formats"])
    clean, _ = clean_notes(raw, lab.language, typed(params, CleanParams))
    embedder, _ = make_embedder(params["embed"], lab.language, params["themes"]["random_state"])
    cache = VectorCache(ROOT / params["embed"]["cache_dir"], embedder.id) if embedder.cacheable else None
    vectors, _ = embed_texts(clean["text"].tolist(), embedder, cache)
    gold = pd.read_csv(lab_dir / "gold_themes.csv")
    gold_of = {f"{f}:{line}": theme for f, line, theme in gold.itertuples(index=False)}    # by provenance
    clean["gold"] = [gold_of[where[0]] for where in clean["provenance"]]
    codebook, _ = load_codebook(codebook_path(lab_dir, codebook_name or lab.meta.get("codebook"), ROOT), lab.language,
                                [q.id for q in lab.questions])
    return lab, clean, vectors, codebook, TextEmbedder(params, lab.language, ROOT)


def agreement(params: dict, data: tuple, with_codebook: bool) -> pd.DataFrame:
    """Per question: notes, themes found, NMI/ARI against gold, share in codebook themes, process notes."""
    lab, clean, vectors, codebook, embed = data
    _, assignments, metrics = build_themes(clean, vectors, lab.language, [q.id for q in lab.questions],
                                           params["themes"], None, codebook if with_codebook else None, embed,
                                           {q.id: q.text for q in lab.questions})
    merged = clean.merge(assignments, on=["note_id", "question"])
    merged["predicted"] = merged["theme_id"].where(merged["theme_id"] != "", merged["status"])
    remark = merged["gold"].astype(str) == "process"      # the gold of a remark about the session (held-out labs)
    apart = merged["status"] == STATUS_PROCESS
    rows = []
    for qid, group in merged.groupby("question"):
        m = metrics[qid]
        rows.append({"question": qid, "notes": len(group), "gold_themes": group["gold"].nunique(),
                     "themes": m["n_themes"], **score_labels(group["gold"].tolist(), group["predicted"].to_numpy()),
                     "codebook_rate": m["codebook_rate"], "process_notes": len(m["process_notes"]),
                     "gold_process": int(remark[group.index].sum()),
                     "remarks_found": int((remark & apart)[group.index].sum()),
                     "answers_set_apart": int((~remark & apart)[group.index].sum()),
                     "unassigned": m["unassigned_rate"], "stability_ari": m["stability_ari"]})
    return pd.DataFrame(rows)


def assignment_seconds_per_1000(params: dict, data: tuple, repeats: int = 5) -> float:
    """Seconds the codebook step itself takes per 1,000 notes (anchors into the space, the chance
    similarity, assignment and centre updates), on ~1,000 sample notes repeated with small noise."""
    lab, clean, vectors, codebook, embed = data
    rng = np.random.default_rng(0)
    X = np.vstack([vectors + rng.normal(scale=0.01, size=vectors.shape) for _ in range(6)])
    anchors = anchor_vectors(codebook.themes_for("s1q1"), lab.language, embed)
    model = make_clusterer(params["themes"])
    space = ThemeSpace(model.pca_dimensions, model.min_pca_dimensions, model.whiten_power).fit(X)
    Z = space.transform(X)
    timings = []
    for seed in range(repeats):
        started = time.perf_counter()
        A = space.transform_register(anchors)
        null = structureless_similarity(Z, np.random.RandomState(seed), NULL_DIRECTIONS)
        assign_to_anchors(Z, A, model.codebook_min_z, model.codebook_iterations, null)
        timings.append((time.perf_counter() - started) / len(X) * 1000)
    return float(np.median(timings))


def theme_labels(params: dict, data: tuple, vectors: np.ndarray, with_codebook: bool) -> np.ndarray:
    """Each note's theme label, per question the clusterer as the stage fits it (with the question's
    codebook anchors or without), on the given vectors of the lab's notes."""
    lab, clean, _, codebook, embed = data
    questions = clean["question"].to_numpy()
    out = np.full(len(vectors), -1)
    for q in lab.questions:
        rows = questions == q.id
        anchors = anchor_vectors(codebook.themes_for(q.id), lab.language, embed) if with_codebook else None
        out[rows] = make_clusterer(params["themes"]).fit(vectors[rows], anchors=anchors,
                                                         anchor_language=lab.language).labels_
    return out


def notes_moved(a: np.ndarray, b: np.ndarray, questions: np.ndarray) -> int:
    """How many notes two labelings of the same notes put in different themes, per question after matching
    the themes one to one (a discovered theme's number is its rank by size, which a moved note can swap)."""
    from scipy.optimize import linear_sum_assignment

    moved = 0
    for qid in np.unique(questions):
        rows = questions == qid
        ta, ia = np.unique(a[rows], return_inverse=True)
        tb, ib = np.unique(b[rows], return_inverse=True)
        table = np.zeros((len(ta), len(tb)), dtype=int)
        np.add.at(table, (ia, ib), 1)
        kept = table[linear_sum_assignment(-table)].sum()
        moved += int(rows.sum() - kept)
    return moved


def noise_changes(params: dict, data: tuple, draws: int, with_codebook: bool, scale: float = NOISE) -> list[float]:
    """For each draw of N(0, scale) noise on the vectors: the share of notes whose theme changes."""
    vectors, questions = data[2], data[1]["question"].to_numpy()
    base = theme_labels(params, data, vectors, with_codebook)
    rng = np.random.default_rng(1)
    return [notes_moved(theme_labels(params, data, vectors + rng.normal(scale=scale, size=vectors.shape),
                                     with_codebook), base, questions) / len(vectors)
            for _ in range(draws)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--eval", type=Path, help="a labelled CSV (columns text,label), e.g. moroco_dev.csv")
    parser.add_argument("--eval-codebook", type=Path, help="a codebook whose 'all:' themes are the labels' names")
    parser.add_argument("--noise", type=int, default=0, help="draws of vector noise (0: skip)")
    parser.add_argument("--noise-scale", type=float, default=NOISE, help="its standard deviation per dimension "
                        "(1e-5; the wheel's engine differed between CPU makers by about 4e-4)")
    parser.add_argument("--lab", default=LAB, help="a sample lab with gold_themes.csv (e.g. kaunas-2020-11-17)")
    parser.add_argument("--lab-dir", type=Path, help="a lab folder with gold_themes.csv outside data/raw "
                        "(e.g. benchmarks/labs/heldout-ro-cluj)")
    parser.add_argument("--codebook", help="a codebook of codebooks/ for a lab whose lab.yaml names none")
    args = parser.parse_args()
    params = load_params(ROOT / "params.yaml")
    data = sample_lab(params, args.lab, args.codebook, args.lab_dir)
    if args.lab_dir:
        args.lab = args.lab_dir.name
    for with_codebook in (False, True):
        table = agreement(params, data, with_codebook)
        print(f"\nSample lab {args.lab} against gold_themes.csv, {'with' if with_codebook else 'without'} the codebook")
        print(table.to_string(index=False))
        remarks, answers = table['gold_process'].sum(), table['notes'].sum() - table['gold_process'].sum()
        found = (f"gold remarks found {table['remarks_found'].sum()} of {remarks}, answers set apart "
                 f"{table['answers_set_apart'].sum()} of {answers}" if remarks else "the gold marks no remark")
        print(f"mean NMI {table['nmi'].mean():.3f}  mean ARI {table['ari'].mean():.3f}  "
              f"codebook rate {table['codebook_rate'].mean():.3f}  process notes {table['process_notes'].sum()} "
              f"({found})  themes {table['themes'].min()}-{table['themes'].max()}")
    print(f"\ncodebook assignment: {assignment_seconds_per_1000(params, data):.4f} s per 1,000 notes")
    for with_codebook in (False, True) if args.noise else ():
        shares = noise_changes(params, data, args.noise, with_codebook, args.noise_scale)
        print(f"noise {args.noise_scale:g} x {args.noise} ({'with' if with_codebook else 'without'} codebook): "
              f"notes changing theme mean {np.mean(shares):.2%}, max {np.max(shares):.2%}")
    if args.eval:
        scores = evaluate_csv(args.eval, "text", "label", "ro", params)
        print(f"\n{args.eval.name} discovery: " + "  ".join(f"{k}={v}" for k, v in scores.items()))
        if args.eval_codebook:
            scores = evaluate_csv(args.eval, "text", "label", "ro", params, args.eval_codebook)
            print(f"{args.eval.name} + {args.eval_codebook.name}: " + "  ".join(f"{k}={v}" for k, v in scores.items()))


if __name__ == "__main__":
    main()
