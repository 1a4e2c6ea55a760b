"""Links: related themes across sessions, each with the pairs of notes that support it.

Strength is the cosine similarity of two themes' centre vectors after removing what all the lab's
notes share (the lab's mean vector). A pair is kept only when it is stronger than what random themes
of the same sizes reach in this lab: `null_draws` times, random notes of each theme's question are
grouped into pseudo-themes of the two sizes, and the `null_quantile` of their strengths is the pair's
threshold (calibrated per lab, seeded). Each link comes with pairs of notes, one from each theme and
each note in one pair only, that are most alike: the evidence a reader can check.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline import catalog
from pipeline.params import LinksParams, typed
from pipeline.vectors import unit_rows

LINK_COLUMNS = ["theme_a", "question_a", "title_a", "theme_b", "question_b", "title_b", "strength", "threshold",
                "support_a", "support_b", "support_similarity"]
NOT_RAISED = "not raised"       # themes.json status of a codebook theme no note expressed


def chance_strength(pool_a: np.ndarray, pool_b: np.ndarray, size_a: int, size_b: int, draws: int, quantile: float,
                    rng: np.random.Generator) -> float:
    """The strength random pseudo-themes of these sizes, drawn from the two questions' notes, reach at `quantile`."""
    strengths = np.empty(draws)
    for k in range(draws):
        a = pool_a[rng.choice(len(pool_a), size=min(size_a, len(pool_a)), replace=False)].mean(axis=0)
        b = pool_b[rng.choice(len(pool_b), size=min(size_b, len(pool_b)), replace=False)].mean(axis=0)
        strengths[k] = float(a @ b) / max(float(np.linalg.norm(a) * np.linalg.norm(b)), 1e-12)
    return float(np.quantile(strengths, quantile))


def supporting_pairs(sims: np.ndarray, count: int) -> list[tuple[int, int]]:
    """The most alike (row, column) pairs, strongest first, each row and each column used once."""
    order = np.dstack(np.unravel_index(np.argsort(-sims, axis=None, kind="stable"), sims.shape))[0]
    rows: set[int] = set()
    columns: set[int] = set()
    pairs = []
    for p, q in order:
        if int(p) in rows or int(q) in columns:
            continue
        pairs.append((int(p), int(q)))
        rows.add(int(p))
        columns.add(int(q))
        if len(pairs) == count:
            break
    return pairs


def theme_links(notes: pd.DataFrame, vectors: np.ndarray, themes: pd.DataFrame, assignments: pd.DataFrame,
                params: LinksParams) -> pd.DataFrame:
    """Links between relevant, raised themes of different sessions (or questions), strongest first. Pure."""
    if themes.empty:
        return pd.DataFrame(columns=LINK_COLUMNS)
    lab_centred = unit_rows(vectors - vectors.mean(axis=0, keepdims=True))
    row_of = {n: i for i, n in enumerate(notes["note_id"])}
    members: dict[str, np.ndarray] = {}
    for theme_id, group in assignments[assignments["theme_id"] != ""].groupby("theme_id"):
        members[str(theme_id)] = np.array([row_of[n] for n in group["note_id"]])
    # A codebook theme nobody raised has no notes to compare; one the analyst set aside is not an idea.
    raised = themes.get("status", pd.Series("raised", index=themes.index)) != NOT_RAISED
    relevant = themes[themes.get("relevant", pd.Series(True, index=themes.index)).astype(bool) & raised]
    info = relevant.set_index("theme_id")[["question", "session", "title"]].to_dict("index")
    ids = [t for t in info if t in members]
    centres = {t: unit_rows(lab_centred[members[t]].mean(axis=0, keepdims=True))[0] for t in ids}
    within = params.within_session
    rng = np.random.default_rng(params.random_state)
    question_of = dict(zip(assignments["note_id"], assignments["question"], strict=True))
    pools = {q: lab_centred[[row_of[n] for n in notes["note_id"] if question_of.get(n) == q]]
             for q in {info[t]["question"] for t in ids}}
    chance: dict[tuple[str, str, int, int], float] = {}
    rows = []
    for i, a in enumerate(ids):
        for b in ids[i + 1:]:
            same_session = info[a]["session"] == info[b]["session"]
            if info[a]["question"] == info[b]["question"] or (same_session and not within):
                continue
            strength = float(centres[a] @ centres[b])
            if strength < params.min_strength:
                continue
            key = (info[a]["question"], info[b]["question"], len(members[a]), len(members[b]))
            if key not in chance:
                chance[key] = chance_strength(pools[key[0]], pools[key[1]], key[2], key[3],
                                              params.null_draws, params.null_quantile, rng)
            if strength <= chance[key]:
                continue
            sims = lab_centred[members[a]] @ lab_centred[members[b]].T
            pairs = supporting_pairs(sims, params.supporting_pairs)
            rows.append({
                "theme_a": a, "question_a": info[a]["question"], "title_a": info[a]["title"],
                "theme_b": b, "question_b": info[b]["question"], "title_b": info[b]["title"],
                "strength": round(strength, 4), "threshold": round(chance[key], 4),
                "support_a": [str(notes["note_id"].iloc[members[a][p]]) for p, _ in pairs],
                "support_b": [str(notes["note_id"].iloc[members[b][q]]) for _, q in pairs],
                "support_similarity": [round(float(sims[p, q]), catalog.LINKS.float_digits) for p, q in pairs],
            })
    links = pd.DataFrame(rows, columns=LINK_COLUMNS).sort_values(["strength", "theme_a", "theme_b"],
                                                                 ascending=[False, True, True])
    # Keep the strongest few per theme, so a broad theme does not link to everything.
    keep = params.max_links_per_theme
    counts: dict[str, int] = {}
    kept = []
    for link in links.to_dict("records"):
        a, b = str(link["theme_a"]), str(link["theme_b"])
        if counts.get(a, 0) < keep and counts.get(b, 0) < keep:
            kept.append(link)
            counts[a] = counts.get(a, 0) + 1
            counts[b] = counts.get(b, 0) + 1
    return pd.DataFrame(kept, columns=LINK_COLUMNS)


def run(lab_id: str, params: dict[str, Any], root: Path = Path(".")) -> pd.DataFrame:
    """DVC stage: themes + vectors -> links.csv."""
    notes = catalog.NOTES.read(lab_id, root)
    vectors = catalog.EMBEDDINGS.read(lab_id, root)[1].astype(np.float64)
    themes = pd.DataFrame(catalog.THEMES.read(lab_id, root))
    links = theme_links(notes, vectors, themes, catalog.ASSIGNMENTS.read(lab_id, root),
                        typed(params, LinksParams))
    catalog.LINKS.write(links, lab_id, root)
    return links
