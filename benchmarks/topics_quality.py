"""Print discovery and names-as-codebook quality on the seven-topic set, one row per language.

    python benchmarks/topics_quality.py

benchmarks/topics7/<lang>.csv (id,text,label): 210 one-sentence texts of seven topics (science, travel,
politics, sports, health, entertainment, geography), written in English for this benchmark (a third of
each topic's sentences without an obvious keyword of it) and translated into the five other languages, so
every language has the same texts. benchmarks/codebooks/topics7.yaml holds the seven names in each
language. Each language is evaluated with `pipeline.evaluate.evaluate_csv` and the project's params.yaml
(the code path of `harvest evaluate`): discovery only, then with the names as codebook. The last column
is each language's discovery NMI minus Romanian's. Figures, not assertions.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.evaluate import evaluate_csv  # noqa: E402
from pipeline.lang import languages as supported  # noqa: E402
from pipeline.params import load_params  # noqa: E402

TOPICS = Path(__file__).resolve().parent / "topics7"
CODEBOOK = Path(__file__).resolve().parent / "codebooks" / "topics7.yaml"
REFERENCE = "ro"


def main() -> None:
    params = load_params(ROOT / "params.yaml")
    rows = []
    for language in [REFERENCE] + [lang for lang in supported() if lang != REFERENCE]:
        path = TOPICS / f"{language}.csv"
        if not path.is_file():
            print(f"{language}: no {path.relative_to(ROOT)}")
            continue
        found = evaluate_csv(path, "text", "label", language, params)
        named = evaluate_csv(path, "text", "label", language, params, CODEBOOK)
        rows.append({"language": language, "n": found["n"], "themes": found["n_themes"], "nmi": found["nmi"],
                     "ari": found["ari"], "unassigned": found["unassigned_rate"],
                     "names: themes": named["n_themes"], "names: nmi": named["nmi"], "names: ari": named["ari"],
                     "names: in codebook": named["codebook_rate"]})
    table = pd.DataFrame(rows)
    if len(table) and REFERENCE in set(table["language"]):
        table["nmi - ro"] = (table["nmi"] - table.loc[table["language"] == REFERENCE, "nmi"].iloc[0]).round(3)
    print(f"Seven-topic set ({TOPICS.relative_to(ROOT)}), backend {params['embed']['backend']}")
    print(table.to_string(index=False))


if __name__ == "__main__":
    main()
