"""Print theme-clustering quality on the labelled multilingual fixtures, one row per language plus all pooled.

    python benchmarks/multilingual_quality.py

benchmarks/fixtures/notes_<lang>.csv (columns text,label) hold 32 world-café-style notes per language
(ro, en, it, nl, hr, lt) on the same four topics. Each language is clustered on its own with
pipeline.evaluate.evaluate_texts and the project's params.yaml (same code path as `dvc repro`, automatic
number of themes). The pooled row clusters all notes together: NMI/ARI against the topic say whether notes
of one topic in different languages share a theme; NMI against the language (lower is better) says whether
the themes are just languages. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.evaluate import evaluate_texts  # noqa: E402
from pipeline.lang import languages as supported  # noqa: E402
from pipeline.params import load_params  # noqa: E402

FIXTURES = Path(__file__).resolve().parent / "fixtures"
# Every language the pipeline supports (one folder of pipeline/lang/ each); each needs its notes_<code>.csv.
LANGUAGES = supported()
POOLED = "all languages pooled"
# Notes of several languages are normalised as the project's common language; the e5 backend ignores it.
POOLED_LANGUAGE = "en"
COLUMNS = ["language", "n", "n_themes", "nmi", "ari", "v_measure", "unassigned_rate", "seconds"]


def read_fixture(language: str) -> pd.DataFrame:
    """The labelled notes of one language (text, label); a supported language without fixture says so."""
    path = FIXTURES / f"notes_{language}.csv"
    if not path.is_file():
        raise SystemExit(f"{path}: missing — write 4 topics x 8 notes in '{language}' (columns text,label)")
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def project_params() -> dict[str, Any]:
    """params.yaml, with the embedding cache resolved against the project folder (any working directory)."""
    params = copy.deepcopy(load_params(ROOT / "params.yaml"))
    params["embed"]["cache_dir"] = str(ROOT / params["embed"]["cache_dir"])
    return params


def quality_table(params: dict[str, Any], languages: tuple[str, ...] = LANGUAGES) -> tuple[pd.DataFrame, str, float]:
    """One row per language and the pooled row; also the backend id and the pooled NMI against language."""
    rows = []
    frames = []
    backend = ""
    for language in languages:
        frame = read_fixture(language).assign(language=language)
        frames.append(frame)
        scores = evaluate_texts(frame["text"].tolist(), frame["label"].tolist(), language, params)
        backend = str(scores["backend"])
        rows.append({"language": language, **{k: scores[k] for k in COLUMNS[1:]}})
    pooled = pd.concat(frames, ignore_index=True)
    texts = pooled["text"].tolist()
    # Each note's language goes with it, as in a mixed-language lab: every language is centred on its own mean.
    note_languages = pooled["language"].tolist()
    by_topic = evaluate_texts(texts, pooled["label"].tolist(), POOLED_LANGUAGE, params, languages=note_languages)
    rows.append({"language": POOLED, **{k: by_topic[k] for k in COLUMNS[1:]}})
    # Same texts and params, so the same partition (the clusterer is seeded); scored against the language.
    by_language = evaluate_texts(texts, note_languages, POOLED_LANGUAGE, params, languages=note_languages)
    if by_language["n_themes"] != by_topic["n_themes"]:
        print("warning: the pooled clustering differed between runs; NMI against language is from a second run",
              file=sys.stderr)
    return pd.DataFrame(rows, columns=COLUMNS), backend, float(by_language["nmi"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--languages", nargs="+", choices=LANGUAGES, default=list(LANGUAGES),
                        help="fixtures to include (default: every supported language)")
    args = parser.parse_args()
    table, backend, nmi_language = quality_table(project_params(), tuple(args.languages))
    print(f"Multilingual fixtures (4 topics x 8 notes per language), backend {backend}")
    print(table.to_string(index=False))
    print(f"{POOLED}: NMI against topic {table['nmi'].iloc[-1]:.3f}, "
          f"NMI against language {nmi_language:.3f} (lower is better: themes are not just languages)")


if __name__ == "__main__":
    main()
