"""Train the process-note probe on the contract corpora of every language and write its weights.

    python scripts/train_process_probe.py

Reads `tests/data/process/<lang>.yaml` (remarks about the session, and answers sharing their words),
embeds them with the project's embedding backend (params.yaml, vector cache), fits the probe and writes
`pipeline/themes/process_probe.json`. Run it after changing a contract corpus: tests/test_themes_probe.py
fails while the shipped weights were trained on other corpora. Deterministic: the same corpora give the
same bytes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.clean import normalise_note  # noqa: E402
from pipeline.embed import TextEmbedder  # noqa: E402
from pipeline.lang import languages  # noqa: E402
from pipeline.params import load_params  # noqa: E402
from pipeline.themes.process_probe import PROBE_FILE, corpora_digest, probe_record, train_probe  # noqa: E402

CORPORA = ROOT / "tests" / "data" / "process"


def main() -> None:
    params = load_params(ROOT / "params.yaml")
    remarks, answers, counts, paths, backend = [], [], {}, [], ""
    for language in languages():
        path = CORPORA / f"{language}.yaml"
        if not path.is_file():
            continue
        corpus = yaml.safe_load(path.read_text(encoding="utf-8"))
        embed = TextEmbedder(params, language, ROOT)
        backend = embed.backend
        p = embed([normalise_note(t, language) for t in corpus["process"]])
        a = embed([normalise_note(t, language) for t in corpus["answers"]])
        remarks.append(p)
        answers.append(a)
        counts[language] = [len(p), len(a)]
        paths.append(path)
        print(f"{language}: {len(p)} remarks, {len(a)} answers", flush=True)
    probe = train_probe(np.vstack(remarks), np.vstack(answers), backend)
    record = probe_record(probe, corpora_digest(paths), counts)
    PROBE_FILE.write_text(json.dumps(record, indent=0) + "\n", encoding="utf-8")
    print(f"wrote {PROBE_FILE.relative_to(ROOT)} ({backend}, {len(probe.weights)} weights)")


if __name__ == "__main__":
    main()
