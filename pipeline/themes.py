"""Themes: per question, group similar notes into themes, name them, pick quotes, measure stability.

`ThemeClusterer` follows scikit-learn's estimator rules (init stores, fit learns, learned state ends
in `_`, randomness via `random_state`), so it can be tested and swapped in experiments.
"""

from __future__ import annotations

import json
import sys
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import fcluster, ward
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import silhouette_score

from pipeline import __version__, paths
from pipeline.coverage import theme_coverage
from pipeline.edits import EDITS_FILE, EditApplier, ThemeState, load_edits, short_id
from pipeline.embed.base import unit_rows
from pipeline.errors import HarvestError
from pipeline.nlp import lemma_display_forms
from pipeline.progress import progress

UNASSIGNED = -1
STATUS_ASSIGNED, STATUS_NONE, STATUS_AMBIGUOUS = "assigned", "none fits", "ambiguous"


def centre(vectors: np.ndarray) -> np.ndarray:
    """Subtract the mean vector and re-normalise: removes what all notes share (topic, language)."""
    if len(vectors) < 2:
        return unit_rows(vectors)
    return unit_rows(vectors - vectors.mean(axis=0, keepdims=True))


def half_whiten(vectors: np.ndarray, max_dimensions: int, min_dimensions: int, power: float) -> np.ndarray:
    """PCA to at most n/10 dimensions, each scaled by variance**(-power/2), rows re-normalised.

    Half-whitening (power 0.5) lets weaker topical directions count without letting writing-style
    directions (diacritics or not) dominate, as full whitening does. Small sets skip it.
    """
    dims = min(max_dimensions, len(vectors) // 10)
    if dims < min_dimensions:
        return vectors
    pca = PCA(dims, svd_solver="full").fit(vectors)
    return unit_rows(pca.transform(vectors) / pca.explained_variance_ ** (power / 2))


def pair_agreement(a: np.ndarray, b: np.ndarray) -> float:
    """Adjusted Rand index of two labelings (as sklearn's, without its per-call validation: the
    stability search compares thousands of pairs)."""
    n = len(a)
    if n < 2:
        return 1.0
    a_ids = np.unique(a, return_inverse=True)[1]
    b_ids = np.unique(b, return_inverse=True)[1]
    pairs = np.bincount(a_ids * (int(b_ids.max()) + 1) + b_ids).astype(np.float64)
    rows, cols = np.bincount(a_ids).astype(np.float64), np.bincount(b_ids).astype(np.float64)
    together = float((pairs * (pairs - 1)).sum() / 2)
    sum_a, sum_b = float((rows * (rows - 1)).sum() / 2), float((cols * (cols - 1)).sum() / 2)
    expected = sum_a * sum_b / (n * (n - 1) / 2)
    maximum = (sum_a + sum_b) / 2
    return 1.0 if maximum == expected else (together - expected) / (maximum - expected)


def _ward_kmeans(fit_on: np.ndarray, tree: np.ndarray, k: int, refine_on: np.ndarray) -> KMeans:
    """Cut a Ward tree at k; its cluster means seed one k-means refinement (deterministic)."""
    cut = fcluster(tree, k, "maxclust")
    seeds = np.vstack([fit_on[cut == c].mean(axis=0) for c in np.unique(cut)])
    return KMeans(len(seeds), init=seeds, n_init=1).fit(refine_on)


class ThemeClusterer(ClusterMixin, BaseEstimator):
    """Groups unit note vectors into themes; the number of themes is chosen automatically.

    Vectors are mean-centred and (for 50+ notes) half-whitened. The number of themes k is the one
    whose partitions agree most (mean pairwise ARI) over `n_bootstrap` random subsamples, each
    clustered by Ward + k-means, among k from 2 (3 when 4+ are possible) to
    min(max_themes, n // min_theme_size, sqrt(n / 2)); counts within `stability_tolerance` of the most
    stable one tie and the largest of them wins (equally stable larger k still separates real groups,
    and the choice no longer flips with the seed); below `min_stability` there is one theme.
    The final themes are Ward on all notes + k-means. A note whose two nearest theme centres are
    within `min_margin` is 'ambiguous' (unassigned, runner-up kept in `secondary_`), at most
    `max_unassigned` of the notes; a theme left with fewer than `min_theme_size` notes is dissolved
    and its notes are 'none fits'.
    """

    def __init__(self, min_theme_size: int = 3, max_themes: int = 12, pca_dimensions: int = 30,
                 min_pca_dimensions: int = 5, whiten_power: float = 0.5, n_bootstrap: int = 12,
                 subsample_fraction: float = 0.8, max_sample: int = 3000, min_stability: float = 0.1,
                 min_margin: float = 0.02, max_unassigned: float = 0.1, stability_tolerance: float = 0.0,
                 random_state: int | None = None):
        self.min_theme_size = min_theme_size
        self.max_themes = max_themes
        self.pca_dimensions = pca_dimensions
        self.min_pca_dimensions = min_pca_dimensions
        self.whiten_power = whiten_power
        self.n_bootstrap = n_bootstrap
        self.subsample_fraction = subsample_fraction
        self.max_sample = max_sample
        self.min_stability = min_stability
        self.min_margin = min_margin
        self.max_unassigned = max_unassigned
        self.stability_tolerance = stability_tolerance
        self.random_state = random_state

    def _k_range(self, n: int) -> range:
        k_hi = min(self.max_themes, n // max(self.min_theme_size, 1), int(np.sqrt(n / 2)))
        # A 2-way split is nearly always stable and on real notes is often a style split (with or
        # without diacritics), so it is considered only when nothing larger is possible.
        k_lo = 3 if k_hi >= 4 else 2
        return range(k_lo, k_hi + 1)

    def _stability_by_k(self, Z: np.ndarray, ks: range, rng: np.random.RandomState) -> dict[int, float]:
        n = len(Z)
        m = min(int(round(self.subsample_fraction * n)), self.max_sample)
        subsets = [np.sort(rng.choice(n, m, replace=False)) for _ in range(self.n_bootstrap)]
        trees = [ward(Z[s]) for s in subsets]
        stability = {}
        for k in ks:
            if k >= m:
                break
            runs = [_ward_kmeans(Z[s], tree, k, Z[s]).predict(Z) for s, tree in zip(subsets, trees, strict=True)]
            stability[k] = float(np.mean([pair_agreement(a, b) for a, b in combinations(runs, 2)]))
        return stability

    def fit(self, X: np.ndarray, y: Any = None) -> ThemeClusterer:
        """Learn themes from unit row vectors X (n_notes, dim)."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2:
            raise ValueError("X must be a 2-D array of note vectors")
        n = len(X)
        rng = np.random.RandomState(self.random_state)
        Z = half_whiten(centre(X), self.pca_dimensions, self.min_pca_dimensions, self.whiten_power) if n > 1 else X
        ks = self._k_range(n)
        self.stability_by_k_ = self._stability_by_k(Z, ks, rng) if len(ks) else {}
        top = max(self.stability_by_k_.values(), default=0.0)
        k = max((c for c, v in self.stability_by_k_.items() if v >= top - self.stability_tolerance), default=1)
        if k > 1 and self.stability_by_k_[k] < self.min_stability:
            k = 1
        if k == 1:
            themes = np.zeros(n, dtype=int)
            centres = unit_rows(Z.mean(axis=0, keepdims=True)) if n else np.zeros((0, Z.shape[1]))
        else:
            sample = np.arange(n) if n <= self.max_sample else np.sort(rng.choice(n, self.max_sample, replace=False))
            model = _ward_kmeans(Z[sample], ward(Z[sample]), k, Z)
            themes, centres = model.labels_.copy(), unit_rows(model.cluster_centers_)
        sims = Z @ centres.T if n else np.zeros((0, len(centres)))
        ranked = np.argsort(-sims, axis=1, kind="stable")
        best = sims[np.arange(n), themes] if n else np.zeros(0)
        if centres.shape[0] > 1:
            runner_up = np.where(ranked[:, 0] == themes, ranked[:, 1], ranked[:, 0])
            margin = best - sims[np.arange(n), runner_up]
        else:
            runner_up, margin = np.full(n, UNASSIGNED), np.full(n, np.inf)
        status = np.full(n, STATUS_ASSIGNED, dtype=object)
        close = np.flatnonzero(margin < self.min_margin)
        close = close[np.argsort(margin[close], kind="stable")][: int(self.max_unassigned * n)]
        status[close] = STATUS_AMBIGUOUS
        labels = np.where(status == STATUS_ASSIGNED, themes, UNASSIGNED)
        for t in range(centres.shape[0]):
            members = labels == t
            if 0 < members.sum() < self.min_theme_size and k > 1:
                labels[members] = UNASSIGNED
                status[members] = STATUS_NONE
        # Number themes by size, largest first (ties: first note), dropping emptied ones.
        kept = sorted({int(t) for t in labels if t != UNASSIGNED},
                      key=lambda t: (-int((labels == t).sum()), int(np.flatnonzero(labels == t)[0])))
        renumber = {old: new for new, old in enumerate(kept)}
        self.labels_ = np.array([renumber.get(int(t), UNASSIGNED) for t in labels], dtype=int)
        self.secondary_ = np.array([renumber.get(int(r), UNASSIGNED) if s == STATUS_AMBIGUOUS else UNASSIGNED
                                    for r, s in zip(runner_up, status, strict=True)], dtype=int)
        self.status_ = status
        self.similarity_ = np.round(best, 6)
        self.cluster_centers_ = centres[kept] if kept else np.zeros((0, Z.shape[1]))
        self.n_themes_ = len(kept)
        assigned = self.labels_ >= 0
        # Silhouette is quadratic in the notes: a seeded sample of 2,000 keeps big questions fast.
        self.silhouette_ = (float(silhouette_score(Z[assigned], self.labels_[assigned], metric="cosine",
                                                   sample_size=min(2000, int(assigned.sum())),
                                                   random_state=self.random_state))
                            if 2 <= self.n_themes_ < int(assigned.sum()) else float("nan"))
        return self


def class_tfidf_keywords(docs: list[str], labels: np.ndarray, top_n: int,
                         centrality: np.ndarray | None = None) -> dict[int, list[str]]:
    """Class-based TF-IDF (as in BERTopic) over lemma documents: words frequent in a theme, rare elsewhere.

    Equal scores are broken by `centrality` (each note's similarity to its theme centre): words of the
    more central notes first.
    """
    themes = sorted(set(labels.tolist()) - {UNASSIGNED})
    if not themes:
        return {}
    vocab = sorted({w for d in docs for w in d.split()})
    if not vocab:
        return {t: [] for t in themes}
    index = {w: i for i, w in enumerate(vocab)}
    counts = np.zeros((len(themes), len(vocab)))
    central = np.full((len(themes), len(vocab)), -np.inf)
    weights = np.zeros(len(docs)) if centrality is None else centrality
    for doc, label, weight in zip(docs, labels, weights, strict=True):
        if label == UNASSIGNED:
            continue
        row = themes.index(label)
        for w in set(doc.split()):  # document frequency within the theme: one note, one vote
            counts[row, index[w]] += 1
            central[row, index[w]] = max(central[row, index[w]], weight)
    tf = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    avg_words = counts.sum() / len(themes)
    idf = np.log(1 + avg_words / np.maximum(counts.sum(axis=0), 1))
    scores = tf * idf
    result = {}
    for row, t in enumerate(themes):
        # Words shared by several of the theme's notes first: a word from one note names that note, not the theme.
        ranked = sorted(range(len(vocab)),
                        key=lambda i: (counts[row, i] < 2, -round(scores[row, i], 9), -central[row, i], vocab[i]))
        result[t] = [vocab[i] for i in ranked[:top_n] if counts[row, i] > 0]
    return result


def _title(keywords: list[str]) -> str:
    """A short theme title from its top three keywords, first letter capitalised (acronyms kept)."""
    text = ", ".join(keywords[:3])
    return text[:1].upper() + text[1:]


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
    runs = [make_clusterer(params, seed).fit(X).labels_ for seed in seeds]
    if len(X) < 2 or len(runs) < 2:
        return 1.0
    return float(np.mean([pair_agreement(a, b) for a, b in combinations(runs, 2)]))


CLUSTERER_PARAMS = ("min_theme_size", "max_themes", "pca_dimensions", "min_pca_dimensions", "whiten_power",
                    "n_bootstrap", "subsample_fraction", "max_sample", "min_stability", "min_margin",
                    "max_unassigned", "stability_tolerance")


def make_clusterer(params: dict[str, Any], random_state: int | None = None) -> ThemeClusterer:
    """The clusterer configured by a `themes:` params section (random_state from it unless given)."""
    missing = [k for k in CLUSTERER_PARAMS if k not in params]
    if missing:
        raise HarvestError.at("params.yaml", None, f"themes: missing {', '.join(missing)}",
                              "add them to the 'themes:' section (see the README)")
    seed = int(params["random_state"]) if random_state is None else random_state
    return ThemeClusterer(**{k: params[k] for k in CLUSTERER_PARAMS}, random_state=seed)


def themes_for_question(notes: pd.DataFrame, vectors: np.ndarray, language: str, params: dict[str, Any],
                        editor: EditApplier | None = None,
                        ) -> tuple[list[dict[str, Any]], pd.DataFrame, dict[str, Any]]:
    """One question's notes and vectors -> theme rows, note assignments, quality metrics (edits applied)."""
    question = str(notes["question"].iloc[0])
    note_ids = notes["note_id"].astype(str).tolist()
    lab_id = note_ids[0].split("/", 1)[0]
    model = make_clusterer(params).fit(vectors)
    Zc = centre(np.asarray(vectors, dtype=np.float64))
    labels, states = model.labels_, {int(t): ThemeState() for t in range(model.n_themes_)}
    if editor is not None:
        labels, states = editor.apply(note_ids, model.labels_, Zc)
    status = np.where(labels >= 0, np.where(model.labels_ >= 0, model.status_, STATUS_ASSIGNED),
                      np.where(model.labels_ >= 0, STATUS_NONE, model.status_))
    weights = notes["count"].to_numpy()
    total = int(weights.sum())
    live = sorted(t for t in set(labels.tolist()) if t >= 0)
    centres = {t: unit_rows(Zc[labels == t].mean(axis=0, keepdims=True))[0] for t in live}
    similarity = np.array([float(Zc[i] @ centres[t]) if t >= 0 else float(np.max([Zc[i] @ c for c in
                           centres.values()], initial=0.0)) for i, t in enumerate(labels)])
    # A theme is named by its earliest note, so its id survives re-clustering and added notes.
    theme_id = {t: f"{question}~{short_id(note_ids[int(np.flatnonzero(labels == t)[0])], lab_id)}" for t in live}
    order = sorted(live, key=lambda t: (not states[t].relevant, -int(weights[labels == t].sum()),
                                        int(np.flatnonzero(labels == t)[0])))
    docs = notes["lemmas"].fillna("").tolist()
    keywords = class_tfidf_keywords(docs, labels, int(params["keywords_per_theme"]), similarity)
    display = lemma_display_forms(notes["text"].tolist(), language)
    groups = notes["group"].astype(str).tolist()
    rows = []
    for t in order:
        members = np.flatnonzero(labels == t)
        pinned = [note_ids.index(n) for n in states[t].pinned if n in note_ids and labels[note_ids.index(n)] == t]
        ranked = representative_quotes(similarity, groups, members, int(params["quotes_per_theme"]))
        quotes = (pinned + [i for i in ranked if i not in pinned])[: max(int(params["quotes_per_theme"]),
                                                                         len(pinned))]
        words = [display.get(k, k) for k in keywords.get(t, [])]
        size = int(weights[members].sum())
        rows.append({
            "theme_id": theme_id[t], "question": question, "session": str(notes["session"].iloc[0]),
            "title": states[t].title or (_title(words) if words else notes["text"].iloc[quotes[0]][:60]),
            "keywords": words, "size": size, "share": size / total if total else 0.0,
            "notes": int(len(members)), "relevant": states[t].relevant, "edits": sorted(set(states[t].edits)),
            "quotes": [{"note_id": note_ids[i], "text": notes["text"].iloc[i], "group": groups[i],
                        "round": int(notes["round"].iloc[i]), "pinned": i in pinned} for i in quotes],
            "groups": sorted(set(groups[i] for i in members)),
        })
    # An ambiguous note's runner-up is a machine theme; name the theme most of its notes ended up in.
    final_of = {}
    for machine in range(model.n_themes_):
        kept = labels[(model.labels_ == machine) & (labels >= 0)]
        if len(kept):
            final_of[machine] = int(np.bincount(kept).argmax())
    secondary = [theme_id.get(final_of.get(int(s), -1), "") for s in model.secondary_]
    assignments = pd.DataFrame({
        "note_id": note_ids, "question": question, "theme_id": [theme_id.get(int(t), "") for t in labels],
        "status": status, "secondary_theme_id": secondary, "similarity": np.round(similarity, 4),
    })
    unassigned = float((labels < 0).mean()) if len(notes) else 0.0
    metrics = {
        "notes": int(len(notes)), "n_themes": len(order), "unassigned_rate": round(unassigned, 4),
        "silhouette": None if np.isnan(model.silhouette_) else round(float(model.silhouette_), 4),
        "stability_ari": round(seed_stability(vectors, params), 4),
    }
    return rows, assignments, metrics


def build_themes(notes: pd.DataFrame, vectors: np.ndarray, language: str, question_ids: list[str],
                 params: dict[str, Any], editor: EditApplier | None = None,
                 ) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """All questions of a lab -> (themes, assignments, metrics). Pure: vectors row-aligned with notes."""
    if len(notes) != len(vectors):
        raise HarvestError.at("embeddings.npz", None, "vectors and notes differ in number",
                              "re-run the embed stage (dvc repro)")
    theme_rows: list[dict[str, Any]] = []
    assignment_frames = []
    metrics: dict[str, Any] = {}
    for qid in progress(question_ids, "themes per question"):
        mask = (notes["question"] == qid).to_numpy()
        if not mask.any():
            metrics[qid] = {"notes": 0, "n_themes": 0, "unassigned_rate": 0.0, "silhouette": None,
                            "stability_ari": None}
            continue
        rows, assigned, m = themes_for_question(notes[mask].reset_index(drop=True), vectors[mask], language,
                                                params, editor)
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
    edits_path = paths.raw_dir(lab_id, root) / EDITS_FILE
    editor = EditApplier(load_edits(edits_path.parent), lab_id, str(edits_path))
    themes, assignments, metrics = build_themes(notes, vectors, lab["language"], question_ids, params["themes"],
                                                editor)
    for warning in editor.warnings + editor.unapplied():
        print(warning, file=sys.stderr)
    (out / "themes.json").write_text(json.dumps(themes.to_dict(orient="records"), ensure_ascii=False,
                                                indent=2), encoding="utf-8")
    assignments.to_csv(out / "assignments.csv", index=False)
    theme_coverage(notes, assignments).to_csv(out / "coverage.csv", index=False)
    quality = json.loads((out / "quality.json").read_text(encoding="utf-8"))
    summary = {"notes": int(len(notes)), "themes": int(len(themes)),
               "unassigned_rate": round(float((assignments["status"] != STATUS_ASSIGNED).mean()), 4)
               if len(assignments) else 0.0,
               "notes_in": quality["notes_in"], "per_question": metrics}
    (out / "metrics.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    run_info = {"pipeline_version": __version__, "themes_params": params["themes"]}
    (out / "run_info.json").write_text(json.dumps(run_info, indent=2), encoding="utf-8")
    return summary
