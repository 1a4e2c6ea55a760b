"""Print how well process notes (remarks about the session, not answers) are set apart, per language.

    python benchmarks/process_quality.py                          # every language, every corpus
    python benchmarks/process_quality.py --lang ro --eval ../shared/eval/moroco_dev.csv

Two corpora per language, same format (`process:` remarks, `answers:` real answers that share words with
them): `tests/data/process/<lang>.yaml`, the contract the patterns were written against, and
`benchmarks/process_heldout/<lang>.yaml` and `benchmarks/process_heldout2/<lang>.yaml`, written separately by
two people who did not see the patterns (what an independently written lab would say). Per corpus: the share
of remarks set apart by the language's patterns alone, by the probe alone (`pipeline/themes/process_probe.py`;
trained on the contract corpora, so its contract figure is not a test), and with all three (as the themes
stage does, with the language's fixture notes `benchmarks/fixtures/notes_<lang>.csv` and the sample labs'
notes as the rest of the lab), and the share of real answers wrongly set apart. Every miss, false alarm and
lab note set apart is listed (the sample labs hold a few real process notes of their own). With `--eval`, the
share of a labelled CSV's texts (news sentences: none is a process note) the patterns flag, and what the
probe sets apart among them as one lab. Figures, not
assertions.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline import catalog  # noqa: E402
from pipeline.clean import normalise_note  # noqa: E402
from pipeline.embed import TextEmbedder  # noqa: E402
from pipeline.lang import languages  # noqa: E402
from pipeline.params import load_params  # noqa: E402
from pipeline.themes.process import examples, matches_pattern, similar_to_examples  # noqa: E402
from pipeline.themes.process_probe import process_probe  # noqa: E402

CORPORA = {"contract": ROOT / "tests" / "data" / "process", "held-out": ROOT / "benchmarks" / "process_heldout",
           "held-out-2": ROOT / "benchmarks" / "process_heldout2"}
FIXTURES = ROOT / "benchmarks" / "fixtures"


def lab_notes(language: str, lab_ids: list[str]) -> list[str]:
    """Real answers of the language: its multilingual fixture and the sample labs' clean notes (built ones)."""
    texts: list[str] = []
    fixture = FIXTURES / f"notes_{language}.csv"
    if fixture.is_file():
        texts += pd.read_csv(fixture)["text"].astype(str).tolist()
    for lab_id in lab_ids:
        if catalog.NOTES.path(lab_id, ROOT).is_file():
            notes = catalog.NOTES.read(lab_id, ROOT)
            texts += notes.loc[notes["lang"] == language, "text"].astype(str).tolist()
    return texts


def one_remark_at_a_time(flag, vectors: np.ndarray, p: int) -> np.ndarray:
    """`flag` (vectors -> set apart) on the first p rows (remarks) one at a time among the rest, then on the rest.

    A lab holds a few remarks among many answers: each remark is judged among the answers and lab notes
    alone (all the remarks at once would move the median the outlier tests are measured from)."""
    rest = vectors[p:]
    alone = [bool(flag(np.vstack([rest, vectors[i:i + 1]]))[-1]) for i in range(p)]
    return np.concatenate([alone, flag(rest)]).astype(bool)


def corpus_figures(language: str, corpus: dict, background: list[str], embed, min_z: float) -> dict:
    """Recall on the remarks (patterns, patterns + similarity) and false alarms on the answers."""
    process, answers = list(corpus.get("process") or []), list(corpus.get("answers") or [])
    texts = process + answers + background
    by_pattern = np.array([matches_pattern(t, language) for t in texts], dtype=bool)
    vectors = embed([normalise_note(t, language) for t in texts])
    example_vectors = embed([normalise_note(t, language) for t in examples(language)])
    p, a = len(process), len(answers)
    similar = one_remark_at_a_time(lambda v: similar_to_examples(v, example_vectors, min_z), vectors, p)
    probe = process_probe(embed.backend)
    by_probe = (one_remark_at_a_time(lambda v: probe.flags(v, min_z), vectors, p) if probe is not None
                else np.zeros(len(texts), dtype=bool))
    flagged = by_pattern | similar | by_probe
    return {
        "remarks": p, "answers": a, "background": len(background),
        "recall_patterns": by_pattern[:p].mean() if p else float("nan"),
        "recall_probe": by_probe[:p].mean() if p else float("nan"),
        "recall": flagged[:p].mean() if p else float("nan"),
        "false_alarms": flagged[p:p + a].mean() if a else float("nan"),
        "background_flagged": int(flagged[p + a:].sum()),
        "missed": [t for t, f in zip(process, flagged[:p], strict=True) if not f],
        "wrong": [t for t, f in zip(answers, flagged[p:p + a], strict=True) if f],
        "lab_flagged": [t for t, f in zip(background, flagged[p + a:], strict=True) if f],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lang", action="append", help="languages (default: every supported one)")
    parser.add_argument("--eval", type=Path, help="a labelled CSV of real texts (column 'text') to count false alarms")
    parser.add_argument("--lang-of-eval", default="ro", help="the language of the --eval CSV's texts (default ro)")
    parser.add_argument("--corpus", action="append", choices=sorted(CORPORA),
                        help="corpora to measure (default: all); a pattern writer measures the contract only")
    args = parser.parse_args()
    params = load_params(ROOT / "params.yaml")
    min_z = float(params["themes"]["process_min_z"])
    for language in args.lang or languages():
        embed = TextEmbedder(params, language, ROOT)
        background = lab_notes(language, list(params["labs"]))
        for name, folder in CORPORA.items():
            if args.corpus and name not in args.corpus:
                continue
            path = folder / f"{language}.yaml"
            if not path.is_file():
                print(f"{language} {name}: no corpus ({path.relative_to(ROOT)})")
                continue
            f = corpus_figures(language, yaml.safe_load(path.read_text(encoding="utf-8")), background, embed, min_z)
            print(f"{language} {name}: {f['remarks']} remarks set apart {f['recall']:.0%} "
                  f"(patterns alone {f['recall_patterns']:.0%}, probe alone {f['recall_probe']:.0%}); "
                  f"{f['answers']} answers wrongly set apart "
                  f"{f['false_alarms']:.0%}; {f['background']} lab notes, {f['background_flagged']} set apart")
            for text in f["missed"]:
                print(f"    missed: {text}")
            for text in f["wrong"]:
                print(f"    answer wrongly set apart: {text}")
            for text in f["lab_flagged"]:
                print(f"    lab note set apart: {text}")
        if args.eval is not None:
            texts = pd.read_csv(args.eval)["text"].astype(str).tolist()
            hits = [t for t in texts if matches_pattern(t, language)]
            print(f"{language} {args.eval.name}: patterns flag {len(hits)} of {len(texts)} texts")
            for text in hits[:20]:
                print(f"    flagged: {text[:120]}")
            if language == args.lang_of_eval and (probe := process_probe(embed.backend)) is not None:
                # The whole CSV as one lab in its own language: what the probe sets apart among its texts.
                flagged = probe.flags(embed([normalise_note(t, language) for t in texts]), min_z)
                print(f"{language} {args.eval.name}: the probe sets apart {int(flagged.sum())} of {len(texts)} texts")
                for text in [t for t, f in zip(texts, flagged, strict=True) if f][:20]:
                    print(f"    set apart: {text[:120]}")


if __name__ == "__main__":
    main()
