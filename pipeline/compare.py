"""Compare labs across cities and languages: which themes they share and which are their own.

The e5 vectors are multilingual, so a Lithuanian and a Romanian note about micro-grants land close
together. Each lab's vectors are first centred on the lab's own mean (removing what is common to the
lab: its language, its event), then the relevant themes of all labs are grouped by average-linkage
clustering of their centre vectors: a group with themes from two or more cities is a shared theme.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.cluster import AgglomerativeClustering

from pipeline import catalog
from pipeline.errors import HarvestError
from pipeline.lab import Lab
from pipeline.params import CompareParams, typed
from pipeline.vectors import unit_rows

MATCH_COLUMNS = ["group", "shared", "cities", "lab", "city", "language", "theme_id", "question", "title", "size",
                 "quotes", "quote_languages", "codebook", "codebook_id"]
# Cosine distances lie in [0, 2]: a pair at this distance can never be averaged under any threshold used here.
CANNOT_LINK = 1e6


def lab_theme_centres(lab: Lab, notes: pd.DataFrame, vectors: np.ndarray, themes: list[dict[str, Any]],
                      assignments: pd.DataFrame, language: str = "") -> tuple[list[dict[str, Any]], np.ndarray]:
    """One lab's relevant themes and their centre vectors, in the lab's own centred space; a codebook theme is
    titled in the comparison's `language` when its codebook gives one, other titles stay as the lab wrote them."""
    centred = unit_rows(vectors - vectors.mean(axis=0, keepdims=True))
    row_of = {n: i for i, n in enumerate(notes["note_id"])}
    # A quote is marked with its note's language (an English note of a Romanian lab is not 'RO').
    language_of = dict(zip(notes["note_id"], notes["lang"], strict=True)) if "lang" in notes else {}
    rows, centres = [], []
    for theme in themes:
        if not theme.get("relevant", True) or theme.get("status") == "not raised":
            continue
        members = [row_of[n] for n in assignments.loc[assignments["theme_id"] == theme["theme_id"], "note_id"]]
        if not members:
            continue
        rows.append({"lab": lab.id, "city": lab.city, "language": lab.language,
                     "theme_id": theme["theme_id"], "question": theme["question"],
                     "title": (theme.get("titles") or {}).get(language) or theme["title"],
                     "size": int(theme["size"]), "quotes": [q["text"] for q in theme["quotes"]],
                     "quote_languages": [str(language_of.get(q.get("note_id"), lab.language)) for q in theme["quotes"]],
                     # a named codebook is shared across labs; a lab's own codebook.yaml is its own
                     "codebook": str(lab.meta.get("codebook") or f"{lab.id}/codebook.yaml")
                     if theme.get("codebook_id") else "",
                     "codebook_id": str(theme.get("codebook_id") or "")})
        centres.append(centred[members].mean(axis=0))
    return rows, unit_rows(np.array(centres)) if centres else np.zeros((0, vectors.shape[1]))


def theme_distances(rows: list[dict[str, Any]], centres: np.ndarray) -> np.ndarray:
    """Cosine distances between theme centres, with a codebook's identity imposed: the same codebook id is
    distance 0 (one theme in every lab), two ids of one codebook are CANNOT_LINK apart. Pure."""
    distances = np.clip(1.0 - centres @ centres.T, 0.0, 2.0)
    keys = [(str(r.get("codebook") or ""), str(r.get("codebook_id") or "")) for r in rows]
    for i, (book_i, id_i) in enumerate(keys):
        for j, (book_j, id_j) in enumerate(keys):
            if i != j and id_i and id_j and book_i == book_j:
                distances[i, j] = 0.0 if id_i == id_j else CANNOT_LINK
    np.fill_diagonal(distances, 0.0)
    return distances


def match_themes(rows: list[dict[str, Any]], centres: np.ndarray, min_similarity: float,
                 quotes_per_city: int) -> pd.DataFrame:
    """Group themes of all labs (by codebook id, else by similarity); a group spanning several cities is a
    shared theme. Pure."""
    if len(rows) == 0:
        return pd.DataFrame(columns=MATCH_COLUMNS)
    if len(rows) == 1:
        labels = np.zeros(1, dtype=int)
    else:
        labels = AgglomerativeClustering(n_clusters=None, metric="precomputed", linkage="average",
                                         distance_threshold=1 - min_similarity
                                         ).fit_predict(theme_distances(rows, centres))
    frame = pd.DataFrame(rows)
    for column in ("codebook", "codebook_id"):
        if column not in frame:
            frame[column] = ""
    frame["group_label"] = labels
    cities = frame.groupby("group_label")["lab"].nunique()
    frame["cities"] = frame["group_label"].map(cities)
    frame["shared"] = frame["cities"] > 1
    # Groups numbered: shared first (most cities, then most notes), then each city's own themes.
    weight = frame.groupby("group_label")["size"].sum()
    order = sorted(cities.index, key=lambda g: (-int(cities[g]), -int(weight[g]), int(g)))
    frame["group"] = frame["group_label"].map({g: i + 1 for i, g in enumerate(order)})
    # Rows that do not say their quotes' languages (older matches, tests) are in their lab's language.
    frame["quote_languages"] = [list(r.get("quote_languages") or [str(r["language"])] * len(r["quotes"]))
                                for r in rows]
    for column in ("quotes", "quote_languages"):
        frame[column] = frame[column].map(lambda qs: list(qs[:quotes_per_city]))
    return frame.sort_values(["group", "lab", "size"], ascending=[True, True, False])[MATCH_COLUMNS] \
        .reset_index(drop=True)


def run(params: dict[str, Any], root: Path = Path(".")) -> pd.DataFrame:
    """DVC stage: the labs in `compare.labs` -> data/compare/matches.csv, labs.json (and the report after it)."""
    settings = typed(params, CompareParams)
    labs = list(settings.labs)
    unknown = [lab for lab in labs if lab not in (params.get("labs") or [])]
    if unknown:
        raise HarvestError.at("params.yaml", None, f"compare.labs names labs not under 'labs:': {unknown}",
                              "list them under 'labs:' too, so their themes are built")
    all_rows: list[dict[str, Any]] = []
    all_centres = []
    labs_info = [catalog.LAB.read(lab_id, root) for lab_id in labs]
    for lab in labs_info:
        vectors = catalog.EMBEDDINGS.read(lab.id, root)[1].astype(np.float64)
        rows, centres = lab_theme_centres(
            lab, catalog.NOTES.read(lab.id, root), vectors, catalog.THEMES.read(lab.id, root),
            catalog.ASSIGNMENTS.read(lab.id, root), settings.language)
        all_rows += rows
        all_centres.append(centres)
    centres = np.vstack(all_centres) if all_centres else np.zeros((0, 1))
    matches = match_themes(all_rows, centres, settings.min_similarity, settings.quotes_per_city)
    catalog.MATCHES.write(matches, None, root)
    catalog.COMPARED_LABS.write(labs_info, None, root)
    return matches
