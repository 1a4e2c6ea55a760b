"""Print redaction precision and recall per language on the redaction contract corpus.

    python benchmarks/redaction_quality.py

tests/data/redaction/<lang>.yaml hold, per language, texts with personal data (e-mails in every written-out
form, phones with odd spaces or without +, IBANs, personal codes, listed people in inflected or
diacritic-free forms) and texts that must stay as they are (dates and date ranges, amounts, years,
postcodes, article numbers). Each string that must go counts once: removed is a true positive, left a
false negative; every mark put into a text beyond its strings to remove is a false positive. The known
misses of the corpus are counted, not skipped. Figures, not assertions (tests/test_redact.py asserts).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.lang import languages  # noqa: E402
from pipeline.redact import redact  # noqa: E402

CORPUS = ROOT / "tests" / "data" / "redaction"


def load_corpus(code: str) -> dict[str, Any]:
    """The contract cases of one language: people, texts to redact (with what must go), texts to keep."""
    data: dict[str, Any] = yaml.safe_load((CORPUS / f"{code}.yaml").read_text(encoding="utf-8"))
    return data


def score(code: str) -> dict[str, Any]:
    """True positives, false positives and false negatives of the redactor on one language's corpus."""
    corpus = load_corpus(code)
    people = corpus.get("people", [])
    tp = fp = fn = 0
    misses: list[str] = []
    for case in corpus["redact"]:
        text, counts = redact(case["text"], people, code)
        left = [s for s in case["remove"] if s in text]
        tp += len(case["remove"]) - len(left)
        fn += len(left)
        fp += max(0, sum(counts.values()) - len(case["remove"]))
        misses += left
    for text in corpus["keep"]:
        redacted, counts = redact(text, people, code)
        fp += sum(counts.values())
        if redacted != text:
            misses.append(f"over-redacted: {text!r} -> {redacted!r}")
    return {"language": code, "cases": len(corpus["redact"]) + len(corpus["keep"]), "tp": tp, "fp": fp, "fn": fn,
            "precision": tp / (tp + fp) if tp + fp else 1.0, "recall": tp / (tp + fn) if tp + fn else 1.0,
            "misses": misses}


def main() -> None:
    """Print one row per language, then the misses."""
    rows = [score(code) for code in languages()]
    print("| language | cases | TP | FP | FN | precision | recall |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['language']} | {r['cases']} | {r['tp']} | {r['fp']} | {r['fn']} | {r['precision']:.3f} "
              f"| {r['recall']:.3f} |")
    for r in rows:
        for miss in r["misses"]:
            print(f"{r['language']}: missed {miss!r}")


if __name__ == "__main__":
    main()
