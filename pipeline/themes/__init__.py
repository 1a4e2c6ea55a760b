"""Themes: per question, codebook themes (expected) plus discovered ones, named, quoted and scored.

One replaceable step per module: `space` (the theme space), `count` (how many themes: agreement beyond
a structureless null), `cluster` (the `ThemeClusterer` estimator), `stability` (the same fit with other
seeds; `workers` runs them in other processes), `codebook` (expected themes: format,
reading, checking) and `anchors` (assigning notes to them), `process` (process notes set apart), `titles`
(phrase titles, keywords, summaries), `quotes`, `edits` (the analyst's edits, a call into
`pipeline.edits`), `metrics` (the figures after edits) and `build` (a lab's themes, and the DVC stage's
file I/O in `run`).

Outputs (data/processed/<lab>/), the fields other stages and the report rely on:
- `themes.json`, one record per theme: `theme_id` (`<question>~<codebook id>` for a codebook theme,
  `<question>~<earliest note>` for a discovered one), `question`, `session`, `title` (codebook title,
  else a phrase as written in the notes; an edit's rename wins), `summary` (one sentence: the codebook
  description, else the most central note), `keywords`, `size` (notes weighted by merged duplicates),
  `share`, `notes`, `relevant`, `edits`, `source` (`codebook` | `discovered`), `codebook_id`,
  `status` (`raised` | `not raised`: a codebook theme no note expressed, size 0, no quotes),
  `quotes` (note_id, text, group, round, pinned), `groups`, `titles` / `summarys` (a codebook theme's
  title and description in every language its codebook gives, for reports in another language; empty
  for discovered themes and for a codebook theme the analyst renamed).
- `assignments.csv`: `note_id, question, theme_id, status, secondary_theme_id, similarity`; status is
  `assigned`, `ambiguous` (runner-up in secondary_theme_id), `none fits` or `process note` (a remark
  about the session, in no theme and no list of ideas).
- `metrics.json`: per question notes, n_themes, unassigned_rate, codebook_rate, process_notes (ids),
  silhouette, stability_ari.
"""

from importlib import import_module
from typing import Any

# Names this package offers, and the module each comes from. They load when first used (PEP 562), so a
# process that needs one module (a fit worker: `stability`) does not import the stage's text tools.
_EXPORTS = {
    "STATUS_EXCLUDED": ("pipeline.edits", "EXCLUDED_STATUS"),
    **{name: ("pipeline.themes.build", name) for name in ("build_themes", "run", "themes_for_question")},
    **{name: ("pipeline.themes.cluster", name) for name in (
        "STATUS_AMBIGUOUS", "STATUS_ASSIGNED", "STATUS_NONE", "STATUS_PROCESS", "UNASSIGNED", "ThemeClusterer",
        "clusterer_params", "make_clusterer")},
    "seed_stability": ("pipeline.themes.stability", "seed_stability"),
    "pair_agreement": ("pipeline.themes.count", "pair_agreement"),
    "unassigned_rate": ("pipeline.themes.metrics", "unassigned_rate"),
    "representative_quotes": ("pipeline.themes.quotes", "representative_quotes"),
    "ThemeSpace": ("pipeline.themes.space", "ThemeSpace"),
    "class_tfidf_keywords": ("pipeline.themes.titles", "class_tfidf_keywords"),
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'pipeline.themes' has no attribute '{name}'")
    module, attribute = _EXPORTS[name]
    value = getattr(import_module(module), attribute)
    globals()[name] = value
    return value
