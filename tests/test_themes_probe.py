"""The process-note probe: shipped weights trained on today's contracts, and remarks nobody wrote a pattern for
set apart among a real lab's notes, without its answers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from pipeline.clean import normalise_note
from pipeline.embed import embed_texts, make_embedder
from pipeline.params import load_params
from pipeline.themes.process import matches_pattern, process_notes
from pipeline.themes.process_probe import (
    PROBE_FILE,
    ProcessProbe,
    corpora_digest,
    probe_record,
    process_probe,
    train_probe,
)

ROOT = Path(__file__).resolve().parents[1]
CONTRACTS = ROOT / "tests" / "data" / "process"
PARAMS = load_params(ROOT / "params.yaml")
MIN_Z = float(PARAMS["themes"]["process_min_z"])


def test_the_shipped_probe_was_trained_on_the_contracts_as_they_are():
    record = json.loads(PROBE_FILE.read_text(encoding="utf-8"))
    assert record["trained_on"] == corpora_digest(sorted(CONTRACTS.glob("*.yaml"))), \
        "a contract corpus changed: run python scripts/train_process_probe.py"
    assert sorted(record["remarks_answers"]) == sorted(p.stem for p in CONTRACTS.glob("*.yaml"))


def test_the_probe_serves_only_the_backend_it_was_trained_for():
    record = json.loads(PROBE_FILE.read_text(encoding="utf-8"))
    probe = process_probe(record["backend"])
    assert probe is not None and len(probe.weights) == 384 and record["backend"] == "e5-small-q4-query-ieee"
    assert process_probe("tfidf-lsa") is None
    # vectors of another size (a tfidf lab) are never flagged
    assert not probe.flags(np.ones((20, 100)), MIN_Z).any()


# Written for this test, not taken from any corpus: remarks about the session in words the patterns were
# not written for (a facilitator's move, a table's drift, markers, attendance), among the sample lab's answers.
UNFORESEEN = {
    "ro": ["Moderatorul ne-a mutat la altă masă înainte să terminăm",
           "Am vorbit mai mult despre parcare decât despre întrebare"],
    "en": ["Markers dried up halfway, the rest was only said out loud",
           "Only three of us at the table this round"],
}


@pytest.mark.parametrize("language", sorted(UNFORESEEN))
def test_the_probe_sets_apart_remarks_no_pattern_knows_among_a_real_labs_answers(language, sample_notes_and_vectors):
    _, clean, vectors = sample_notes_and_vectors
    remarks = UNFORESEEN[language]
    embedder = make_embedder(PARAMS["embed"], language)[0]
    probe = process_probe(embedder.id)
    assert probe is not None
    remark_vectors, _ = embed_texts([normalise_note(t, language) for t in remarks], embedder, None)
    lab = np.vstack([vectors, remark_vectors])
    flagged = probe.flags(lab, MIN_Z)
    assert flagged[len(vectors):].all()
    # Of the sample's 180 notes, only its own remarks about the session may be set apart by the probe.
    texts = clean["text"].tolist()
    wrongly = [t for t, f in zip(texts, flagged[:len(vectors)], strict=True) if f and not matches_pattern(t, "ro")]
    assert wrongly == []
    combined = process_notes(texts + remarks, ["ro"] * len(texts) + [language] * len(remarks), lab, {}, MIN_Z, probe)
    assert combined[len(vectors):].all()


def test_notes_are_set_apart_only_when_they_stand_out_from_the_labs_own_notes():
    rng = np.random.default_rng(1)
    probe = ProcessProbe("x", np.r_[1.0, np.zeros(7)], 0.0)
    notes = np.c_[rng.normal(-1.0, 0.1, 50), rng.normal(size=(50, 7))]
    notes[0, 0] = 3.0                                        # one note far on the remarks' side
    assert np.flatnonzero(probe.flags(notes, 3.5)).tolist() == [0]
    # Text that scores high as a whole (news, not workshop notes): on the remarks' side, but no note stands out.
    shifted = notes.copy()
    shifted[0, 0] = -1.0
    shifted[:, 0] += 2.0
    assert (probe.scores(shifted) > 0).all()
    assert not probe.flags(shifted, 3.5).any()
    # An outlier on the answers' side of the boundary is not a remark either.
    below = notes.copy()
    below[0, 0] = -0.2
    assert (probe.scores(below)[0] < 0) and not probe.flags(below, 3.5).any()
    assert not probe.flags(notes[:1], 3.5).any()             # one note has nothing to stand out from
    assert not probe.flags(np.zeros((10, 8)), 3.5).any()     # all alike: no spread, nothing flagged


def test_training_is_deterministic_and_separates_what_it_was_given():
    rng = np.random.default_rng(2)
    remarks = rng.normal(size=(40, 6)) + np.r_[2.0, np.zeros(5)]
    answers = rng.normal(size=(90, 6)) - np.r_[2.0, np.zeros(5)]
    first, second = train_probe(remarks, answers, "b"), train_probe(remarks, answers, "b")
    assert first.weights.tobytes() == second.weights.tobytes() and first.bias == second.bias
    assert (first.scores(remarks) > 0).mean() > 0.95 and (first.scores(answers) < 0).mean() > 0.95
    # Shipped as JSON, read back to the same floats.
    record = json.loads(json.dumps(probe_record(first, "d", {"xx": [40, 90]})))
    assert np.array(record["weights"]).tobytes() == first.weights.tobytes() and record["bias"] == first.bias


def test_corpora_digest_changes_with_any_corpus_byte(tmp_path):
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text("process: [x]\n", encoding="utf-8")
    b.write_text("answers: [y]\n", encoding="utf-8")
    before = corpora_digest([b, a])
    assert before == corpora_digest([a, b])                  # order of the list does not matter
    b.write_text("answers: [z]\n", encoding="utf-8")
    assert corpora_digest([a, b]) != before


def test_remarks_and_answers_count_equally_however_many_of_each_the_corpora_hold():
    rng = np.random.default_rng(3)
    # Overlapping classes, ten answers per remark: unweighted, the boundary would sit ln(10) / 2 ≈ 1.15 toward
    # the remarks; weighted to count equally it sits midway (0 on the first axis).
    remarks = np.c_[rng.normal(1.0, 1.0, 300), rng.normal(size=(300, 3))]
    answers = np.c_[rng.normal(-1.0, 1.0, 3000), rng.normal(size=(3000, 3))]
    probe = train_probe(remarks, answers, "b")
    assert abs(-probe.bias / probe.weights[0]) < 0.3


def test_no_probe_file_means_no_probe(tmp_path):
    assert process_probe("e5-small-q4-query-ieee", tmp_path / "absent.json") is None


def test_corpora_digest_names_the_files_it_read(tmp_path):
    a = tmp_path / "ro.yaml"
    a.write_text("process: [x]\n", encoding="utf-8")
    before = corpora_digest([a])
    renamed = a.rename(tmp_path / "lt.yaml")
    assert corpora_digest([renamed]) != before
