from pathlib import Path

import numpy as np
import pytest

from pipeline.embed import VectorCache, embed_texts, make_embedder
from pipeline.embed.base import Embedder
from pipeline.errors import HarvestError

NOTES = ["Granturi mici pentru artiștii independenți", "Micro-finanțări pentru artiști la început de drum",
         "Festivalurile au fost anulate din cauza pandemiei"]
PARAMS = {"backend": "e5", "model_path": None, "tfidf_dimensions": 50, "cache_dir": ".cache"}


class CountingEmbedder(Embedder):
    """Wraps a backend and counts the texts it is asked to encode."""

    id = "counting"

    def __init__(self, inner: Embedder):
        self.inner, self.calls = inner, 0

    def encode(self, texts):
        self.calls += len(texts)
        return self.inner.encode(texts)


def test_e5_vectors_are_unit_length_and_semantic():
    embedder, fallback = make_embedder(PARAMS, "ro")
    assert fallback == "" and embedder.id.startswith("e5")
    vectors, computed = embed_texts(NOTES, embedder, None)
    assert vectors.shape == (3, 384) and computed == 3
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    sims = vectors @ vectors.T
    assert sims[0, 1] > sims[0, 2]          # two funding notes are closer than funding vs. cancelled festivals


def test_cache_embeds_each_text_once(tmp_path: Path):
    embedder = CountingEmbedder(make_embedder(PARAMS, "ro")[0])
    first, computed = embed_texts(NOTES, embedder, VectorCache(tmp_path, embedder.id))
    assert computed == 3
    again, computed = embed_texts(NOTES + NOTES[:1], embedder, VectorCache(tmp_path, embedder.id))
    assert computed == 0 and embedder.calls == 3
    assert np.array_equal(first, again[:3])


def test_tfidf_backend_needs_no_model():
    embedder, _ = make_embedder({**PARAMS, "backend": "tfidf"}, "ro")
    vectors, _ = embed_texts(NOTES, embedder, None)
    assert vectors.shape[0] == 3 and not embedder.cacheable
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)


def test_unknown_backend_and_missing_local_model_are_clear_errors():
    with pytest.raises(HarvestError, match="unknown embed.backend"):
        make_embedder({**PARAMS, "backend": "bert"}, "ro")
    with pytest.raises(HarvestError, match="is not a folder"):
        make_embedder({**PARAMS, "backend": "sentence-transformers", "model_path": "/no/such/model"}, "ro")


def test_e5_that_cannot_load_falls_back_to_tfidf_and_says_so(monkeypatch):
    import pipeline.embed.e5 as e5

    def broken(*args, **kwargs):
        raise OSError("engine for another CPU")

    monkeypatch.setattr(e5, "E5Embedder", broken)
    embedder, note = make_embedder(PARAMS, "ro")
    assert embedder.id == "tfidf-lsa" and "could not load" in note and "used tfidf instead" in note


def test_embed_stage_reembeds_nothing_the_second_time_and_writes_the_same_output(tmp_path, mini_lab):
    import pandas as pd

    from pipeline import catalog, embed, paths

    out = paths.processed_dir("lab", tmp_path)
    out.mkdir(parents=True)
    pd.DataFrame({"note_id": [f"lab/a.csv:{i}" for i in range(3)], "text": NOTES}).to_parquet(out / "notes.parquet")
    catalog.LAB.write(mini_lab, "lab", tmp_path)
    params = {"embed": {**PARAMS, "cache_dir": str(tmp_path / "cache")}, "themes": {"random_state": 0}}
    first = embed.run("lab", params, tmp_path)
    info = (out / "embed_info.json").read_bytes()
    second = embed.run("lab", params, tmp_path)
    assert (first["embedded"], second["embedded"], second["from_cache"]) == (3, 0, 3)
    assert (out / "embed_info.json").read_bytes() == info


def test_e5_shares_a_large_request_with_worker_processes_and_gets_the_same_bytes(monkeypatch):
    from pipeline.embed import e5

    texts = [f"{note} (masa {i})" for i in range(e5.PARALLEL_MIN_TEXTS // len(NOTES) + 1) for note in NOTES]
    alone = e5.E5Embedder(workers=1).encode(texts)
    shared = e5.E5Embedder(workers=2).encode(texts)
    assert shared.shape == (len(texts), 384) and shared.tobytes() == alone.tobytes()
    # A small request stays in this process: no worker is started for it.
    monkeypatch.setattr(e5, "_encode_in_worker", None)
    assert e5.E5Embedder(workers=2).encode(texts[: e5.PARALLEL_MIN_TEXTS - 1]).tobytes() == alone[
        : e5.PARALLEL_MIN_TEXTS - 1].tobytes()
