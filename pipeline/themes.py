"""Themes: per question, group similar notes into themes, name them, pick quotes, measure stability.

`ThemeClusterer` follows scikit-learn's estimator rules (init stores, fit learns, learned state ends
in `_`, randomness via `random_state`), so it can be tested and swapped in experiments.
"""

from __future__ import annotations

import json
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, silhouette_score

from pipeline import __version__, paths
from pipeline.embed.base import unit_rows
from pipeline.errors import HarvestError
from pipeline.nlp import lemma_display_forms

UNASSIGNED = -1
STATUS_ASSIGNED, STATUS_NONE, STATUS_AMBIGUOUS = "assigned", "none fits", "ambiguous"


def centre(vectors: np.ndarray) -> np.ndarray:
    """Subtract the mean vector and re-normalise: removes what all notes share (topic, language)."""
    if len(vectors) < 2:
        return unit_rows(vectors)
    return unit_rows(vectors - vectors.mean(axis=0, keepdims=True))


class ThemeClusterer(ClusterMixin, BaseEstimator):
    """Clusters unit note vectors into themes with an automatic number of themes.

    The number of themes k is chosen by the best cosine silhouette among k = 2 … min(max_themes,
    n // min_theme_size) whose themes all hold at least `min_theme_size` notes; fewer than
    2 × min_theme_size notes make one theme. Notes below `min_similarity` to their theme centre are
    'none fits'; notes whose two best centres are within `ambiguity_margin` are 'ambiguous' and keep
    the runner-up as `secondary_`.
    """

    def __init__(self, min_theme_size: int = 3, max_themes: int = 8, min_similarity: float = 0.0,
                 ambiguity_margin: float = 0.0, random_state: int | None = None):
        self.min_theme_size = min_theme_size
        self.max_themes = max_themes
        self.min_similarity = min_similarity
        self.ambiguity_margin = ambiguity_margin
        self.random_state = random_state

    def _partition(self, X: np.ndarray) -> tuple[np.ndarray, float]:
        n = len(X)
        k_max = min(self.max_themes, n // max(self.min_theme_size, 1))
        best: tuple[float, np.ndarray] | None = None
        for k in range(2, k_max + 1):
            labels = KMeans(k, n_init=10, random_state=self.random_state).fit_predict(X)
            if np.bincount(labels, minlength=k).min() < self.min_theme_size:
                continue
            score = float(silhouette_score(X, labels, metric="cosine"))
            if best is None or score > best[0]:
                best = (score, labels)
        if best is None:
            return np.zeros(n, dtype=int), float("nan")
        return best[1], best[0]

    def fit(self, X: np.ndarray, y: Any = None) -> ThemeClusterer:
        """Learn themes from unit row vectors X (n_notes, dim)."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2:
            raise ValueError("X must be a 2-D array of note vectors")
        n = len(X)
        Xc = centre(X)
        if n == 0:
            labels, self.silhouette_ = np.zeros(0, dtype=int), float("nan")
        elif n < 2 * self.min_theme_size:
            labels, self.silhouette_ = np.zeros(n, dtype=int), float("nan")
        else:
            labels, self.silhouette_ = self._partition(Xc)
        k = int(labels.max()) + 1 if n else 0
        centroids = unit_rows(np.vstack([Xc[labels == j].mean(axis=0) for j in range(k)])) if k else \
            np.zeros((0, X.shape[1]))
        sims = Xc @ centroids.T if k else np.zeros((n, 0))
        order = np.argsort(-sims, axis=1) if k else np.zeros((n, 0), dtype=int)
        best_sim = sims[np.arange(n), labels] if k else np.zeros(n)
        second = order[:, 1] if k > 1 else np.full(n, UNASSIGNED)
        second_sim = sims[np.arange(n), second] if k > 1 else np.full(n, -np.inf)
        status = np.full(n, STATUS_ASSIGNED, dtype=object)
        ambiguous = (k > 1) & (best_sim - second_sim < self.ambiguity_margin)
        status[ambiguous] = STATUS_AMBIGUOUS
        status[(best_sim < self.min_similarity) & (k > 1)] = STATUS_NONE
        self.themes_ = labels
        self.labels_ = np.where(status == STATUS_ASSIGNED, labels, UNASSIGNED)
        self.status_ = status
        self.secondary_ = np.where(ambiguous, second, UNASSIGNED)
        self.similarity_ = best_sim
        self.cluster_centers_ = centroids
        self.n_themes_ = k
        return self


def class_tfidf_keywords(docs: list[str], labels: np.ndarray, top_n: int) -> dict[int, list[str]]:
    """Class-based TF-IDF (as in BERTopic) over lemma documents: words frequent in a theme, rare elsewhere."""
    themes = sorted(set(labels.tolist()) - {UNASSIGNED})
    if not themes:
        return {}
    vocab = sorted({w for d in docs for w in d.split()})
    if not vocab:
        return {t: [] for t in themes}
    index = {w: i for i, w in enumerate(vocab)}
    counts = np.zeros((len(themes), len(vocab)))
    for doc, label in zip(docs, labels, strict=True):
        if label == UNASSIGNED:
            continue
        for w in set(doc.split()):  # document frequency within the theme: one note, one vote
            counts[themes.index(label), index[w]] += 1
    tf = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    avg_words = counts.sum() / len(themes)
    idf = np.log(1 + avg_words / np.maximum(counts.sum(axis=0), 1))
    scores = tf * idf
    result = {}
    for row, t in enumerate(themes):
        ranked = sorted(range(len(vocab)), key=lambda i: (-scores[row, i], vocab[i]))
        result[t] = [vocab[i] for i in ranked[:top_n] if counts[row, i] > 0]
    return result


def representative_quotes(sims: np.ndarray, groups: list[str], members: np.ndarray, n: int) -> list[int]:
    """Indices of up to n notes nearest the theme centre, taking them from different tables first."""
    ranked = sorted(members.tolist(), key=lambda i: (-sims[i], i))
    chosen: list[int] = []
    seen_groups: set[str] = set()
    for i in ranked:
        if groups[i] not in seen_groups:
            chosen.append(i)
            seen_groups.add(groups[i])
        if len(chosen) == n:
            return chosen
    chosen += [i for i in ranked if i not in chosen][: n - len(chosen)]
    return chosen


def seed_stability(X: np.ndarray, params: dict[str, Any]) -> float:
    """Mean pairwise ARI of the theme labels over several seeds (1.0 = the same themes every time)."""
    seeds = [int(params["random_state"]) + i for i in range(int(params["stability_seeds"]))]
    runs = [_clusterer(params, seed).fit(X).themes_ for seed in seeds]
    if len(X) < 2 or len(runs) < 2:
        return 1.0
    return float(np.mean([adjusted_rand_score(a, b) for a, b in combinations(runs, 2)]))


def _clusterer(params: dict[str, Any], random_state: int) -> ThemeClusterer:
    return ThemeClusterer(min_theme_size=int(params["min_theme_size"]), max_themes=int(params["max_themes"]),
                          min_similarity=float(params["min_similarity"]),
                          ambiguity_margin=float(params["ambiguity_margin"]), random_state=random_state)


def themes_for_question(notes: pd.DataFrame, vectors: np.ndarray, language: str,
                        params: dict[str, Any]) -> tuple[list[dict[str, Any]], pd.DataFrame, dict[str, Any]]:
    """One question's notes and vectors -> theme rows, note assignments, quality metrics."""
    question = str(notes["question"].iloc[0])
    model = _clusterer(params, int(params["random_state"])).fit(vectors)
    docs = notes["lemmas"].fillna("").tolist()
    keywords = class_tfidf_keywords(docs, model.labels_, int(params["keywords_per_theme"]))
    display = lemma_display_forms(notes["text"].tolist(), language)
    groups = notes["group"].astype(str).tolist()
    weights = notes["count"].to_numpy()
    total = int(weights.sum())
    # Theme numbers by size (largest first), ties by first note, so ids are stable for the same input.
    sizes = {t: int(weights[model.labels_ == t].sum()) for t in range(model.n_themes_)}
    order = sorted((t for t in sizes if sizes[t] > 0),
                   key=lambda t: (-sizes[t], int(np.flatnonzero(model.labels_ == t)[0])))
    theme_id = {t: f"{question}-t{rank + 1}" for rank, t in enumerate(order)}
    rows = []
    for t in order:
        members = np.flatnonzero(model.labels_ == t)
        words = [display.get(k, k) for k in keywords.get(t, [])]
        quotes = representative_quotes(model.similarity_, groups, members, int(params["quotes_per_theme"]))
        rows.append({
            "theme_id": theme_id[t], "question": question, "session": str(notes["session"].iloc[0]),
            "title": ", ".join(words[:3]).capitalize() if words else notes["text"].iloc[quotes[0]][:60],
            "keywords": words, "size": sizes[t], "share": sizes[t] / total if total else 0.0,
            "notes": int(len(members)),
            "quotes": [{"note_id": notes["note_id"].iloc[i], "text": notes["text"].iloc[i],
                        "group": groups[i], "round": int(notes["round"].iloc[i])} for i in quotes],
            "groups": sorted(set(groups[i] for i in members)),
        })
    assignments = pd.DataFrame({
        "note_id": notes["note_id"].to_numpy(), "question": question,
        "theme_id": [theme_id.get(int(t), "") for t in model.labels_],
        "status": model.status_,
        "secondary_theme_id": [theme_id.get(int(t), "") for t in model.secondary_],
        "similarity": np.round(model.similarity_, 4),
    })
    unassigned = float((model.labels_ == UNASSIGNED).mean()) if len(notes) else 0.0
    metrics = {
        "notes": int(len(notes)), "n_themes": len(order), "unassigned_rate": round(unassigned, 4),
        "silhouette": None if np.isnan(model.silhouette_) else round(float(model.silhouette_), 4),
        "stability_ari": round(seed_stability(vectors, params), 4),
    }
    return rows, assignments, metrics


def build_themes(notes: pd.DataFrame, vectors: np.ndarray, language: str, question_ids: list[str],
                 params: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """All questions of a lab -> (themes, assignments, metrics). Pure: vectors row-aligned with notes."""
    if len(notes) != len(vectors):
        raise HarvestError.at("embeddings.npz", None, "vectors and notes differ in number",
                              "re-run the embed stage (dvc repro)")
    theme_rows: list[dict[str, Any]] = []
    assignment_frames = []
    metrics: dict[str, Any] = {}
    for qid in question_ids:
        mask = (notes["question"] == qid).to_numpy()
        if not mask.any():
            metrics[qid] = {"notes": 0, "n_themes": 0, "unassigned_rate": 0.0, "silhouette": None,
                            "stability_ari": None}
            continue
        rows, assigned, m = themes_for_question(notes[mask].reset_index(drop=True), vectors[mask], language,
                                                params)
        theme_rows += rows
        assignment_frames.append(assigned)
        metrics[qid] = m
    themes = pd.DataFrame(theme_rows)
    assignments = pd.concat(assignment_frames, ignore_index=True) if assignment_frames else pd.DataFrame()
    return themes, assignments, metrics


def run(lab_id: str, params: dict[str, Any], root: Path = Path(".")) -> dict[str, Any]:
    """DVC stage: notes + embeddings -> themes.json, assignments.csv, metrics.json."""
    out = paths.processed_dir(lab_id, root)
    notes = pd.read_parquet(out / "notes.parquet")
    lab = json.loads((out / "lab.json").read_text(encoding="utf-8"))
    with np.load(out / "embeddings.npz") as data:
        ids, vectors = data["note_id"].tolist(), data["vectors"]
    if ids != notes["note_id"].tolist():
        raise HarvestError.at(out / "embeddings.npz", None, "embeddings do not match the clean notes",
                              "re-run the embed stage (dvc repro)")
    question_ids = [q["id"] for s in lab["sessions"] for q in s["questions"]]
    themes, assignments, metrics = build_themes(notes, vectors, lab["language"], question_ids, params["themes"])
    (out / "themes.json").write_text(json.dumps(themes.to_dict(orient="records"), ensure_ascii=False,
                                                indent=2), encoding="utf-8")
    assignments.to_csv(out / "assignments.csv", index=False)
    quality = json.loads((out / "quality.json").read_text(encoding="utf-8"))
    summary = {"notes": int(len(notes)), "themes": int(len(themes)),
               "unassigned_rate": round(float((assignments["status"] != STATUS_ASSIGNED).mean()), 4)
               if len(assignments) else 0.0,
               "notes_in": quality["notes_in"], "per_question": metrics}
    (out / "metrics.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    run_info = {"pipeline_version": __version__, "themes_params": params["themes"]}
    (out / "run_info.json").write_text(json.dumps(run_info, indent=2), encoding="utf-8")
    return summary
