"""How far the note vectors alone can separate the writers' themes: an upper reference for any clustering.

    python benchmarks/vector_ceiling.py

Per question of each lab with a gold_themes.csv (the two sample labs, the three held-out labs of
benchmarks/labs/) and per language of the seven-topic set (benchmarks/topics7/), in the space the themes
stage compares notes in when a question is small (centred on its notes' mean, unit length):
- `oracle`: every note goes to the nearest gold theme centre computed without it (leave one out): what
  nearest-centre assignment reaches if the gold themes were known, from the vectors alone;
- `stage`: what the themes stage reaches (with the lab's codebook for labs; discovery for the topic set).
A codebook's titles and descriptions add meaning the vectors of a few notes do not carry, so `stage` can
pass `oracle` on a lab; where `oracle` itself stays below a target, no choice of count or assignment
reaches it with these vectors. (With its own vector inside its centre, a note of a 30-note question in 384
dimensions finds its gold theme almost always: that says nothing, so it is not printed.) Figures, not
assertions.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import themes_quality  # noqa: E402

from pipeline.clean import normalise_note  # noqa: E402
from pipeline.embed import VectorCache, embed_texts, make_embedder  # noqa: E402
from pipeline.evaluate import evaluate_csv  # noqa: E402
from pipeline.lang import languages  # noqa: E402
from pipeline.params import load_params  # noqa: E402
from pipeline.themes.space import unit  # noqa: E402

LABS = {"timisoara (sample)": {"lab_id": "timisoara-2020-10-20"},
        "kaunas (sample)": {"lab_id": "kaunas-2020-11-17"},
        "cluj (held-out)": {"lab_dir": ROOT / "benchmarks" / "labs" / "heldout-ro-cluj"},
        "galway (held-out)": {"lab_dir": ROOT / "benchmarks" / "labs" / "heldout-en-galway"},
        "bari (held-out)": {"lab_dir": ROOT / "benchmarks" / "labs" / "heldout-it-bari"}}
TOPICS = ROOT / "benchmarks" / "topics7"


def nearest_gold(vectors: np.ndarray, gold: list[str]) -> np.ndarray:
    """Each note's nearest gold theme centre (centred, unit vectors), the centre of its own theme without it."""
    X = unit(vectors - vectors.mean(axis=0))
    names = sorted(set(gold))
    G = np.array([names.index(g) for g in gold])
    sums = np.vstack([X[G == k].sum(axis=0) for k in range(len(names))])
    predicted = np.empty(len(X), dtype=int)
    for i in range(len(X)):
        centres = sums.copy()
        centres[G[i]] -= X[i]
        predicted[i] = int(np.argmax(unit(centres) @ X[i]))
    return predicted


def scores(gold: list[str], predicted: np.ndarray) -> tuple[float, float]:
    return float(normalized_mutual_info_score(gold, predicted)), float(adjusted_rand_score(gold, predicted))


def main() -> None:
    params = load_params(ROOT / "params.yaml")
    print("Labs: mean per question of ARI (NMI)")
    print(f"{'lab':20s} {'oracle':>14s} {'stage':>14s}")
    for name, where in LABS.items():
        data = themes_quality.sample_lab(params, **where)
        lab, clean, vectors, _, _ = data
        oracle = []
        for q in lab.questions:
            mask = (clean["question"] == q.id).to_numpy()
            gold = clean["gold"].astype(str).to_numpy()[mask].tolist()
            oracle.append(scores(gold, nearest_gold(vectors[mask], gold)))
        stage = themes_quality.agreement(params, data, with_codebook=True)
        cells = [f"{np.mean([a for _, a in oracle]):.3f} ({np.mean([n for n, _ in oracle]):.3f})",
                 f"{stage['ari'].mean():.3f} ({stage['nmi'].mean():.3f})"]
        print(f"{name:20s} " + " ".join(f"{c:>14s}" for c in cells), flush=True)
    print("\nSeven-topic set: NMI (ARI); stage = discovery only")
    print(f"{'language':20s} {'oracle':>14s} {'stage':>14s}")
    for language in languages():
        path = TOPICS / f"{language}.csv"
        if not path.is_file():
            continue
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        embedder, _ = make_embedder(params["embed"], language, int(params["themes"]["random_state"]))
        cache = VectorCache(ROOT / params["embed"]["cache_dir"], embedder.id) if embedder.cacheable else None
        vectors, _ = embed_texts([normalise_note(t, language) for t in frame["text"]], embedder, cache)
        gold = frame["label"].tolist()
        nmi, ari = scores(gold, nearest_gold(vectors, gold))
        found = evaluate_csv(path, "text", "label", language, params)
        cells = [f"{nmi:.3f} ({ari:.3f})", f"{found['nmi']:.3f} ({found['ari']:.3f})"]
        print(f"{language:20s} " + " ".join(f"{c:>14s}" for c in cells), flush=True)


if __name__ == "__main__":
    main()
