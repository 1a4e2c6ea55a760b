"""The themes stage's speed-ups change no result: seed fits in worker processes, one k-means update per
step, the folded lemma index built in one pass, the package's names loaded when used."""

import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans

import pipeline.themes.build as build
import pipeline.themes.stability as stability
from pipeline.params import load_params
from pipeline.text import fold
from pipeline.themes import build_themes
from pipeline.themes.count import lloyd
from pipeline.themes.workers import fit_workers, start_fit_workers
from tests.conftest import ROOT

PARAMS = load_params(ROOT / "params.yaml")


@pytest.fixture(scope="module")
def sample(sample_notes_and_vectors):
    lab, clean, vectors = sample_notes_and_vectors
    return clean, vectors, [q.id for q in lab.questions]


class CountingPool(ThreadPoolExecutor):
    """An executor that counts the jobs it was given."""

    def __init__(self):
        super().__init__(max_workers=2)
        self.jobs = 0

    def submit(self, fn, /, *args, **kwargs):
        self.jobs += 1
        return super().submit(fn, *args, **kwargs)


def test_seed_fits_elsewhere_give_the_same_themes_and_stability(sample):
    clean, vectors, questions = sample
    alone = build_themes(clean, vectors, "ro", questions, PARAMS["themes"])
    with CountingPool() as pool:
        pooled = build_themes(clean, vectors, "ro", questions, PARAMS["themes"], executor=pool)
    with fit_workers(len(questions)) as processes:
        assert isinstance(processes, ProcessPoolExecutor)
        in_processes = build_themes(clean, vectors, "ro", questions, PARAMS["themes"], executor=processes)
    # Every question's other seeds went to the executor; its first seed is its own fit, not fitted again.
    assert pool.jobs == len(questions) * (PARAMS["themes"]["stability_seeds"] - 1)
    stability = [m["stability_ari"] for m in alone[2].values()]
    assert min(stability) < 1.0                       # the seeds disagree somewhere: the figure is measured
    for other in (pooled, in_processes):
        pd.testing.assert_frame_equal(alone[0], other[0])
        pd.testing.assert_frame_equal(alone[1], other[1])
        assert alone[2] == other[2]


def test_a_question_is_fitted_once_per_stability_seed(sample, monkeypatch):
    clean, vectors, questions = sample
    fits = []
    original = build.make_clusterer
    monkeypatch.setattr(build, "make_clusterer", lambda params, seed=None: fits.append(seed) or original(params, seed))
    original_seed_labels = stability.seed_labels
    monkeypatch.setattr(stability, "seed_labels", lambda X, params, seed, args: fits.append(seed) or
                        original_seed_labels(X, params, seed, args))
    mask = (clean["question"] == questions[0]).to_numpy()
    build.themes_for_question(clean[mask].reset_index(drop=True), vectors[mask], "ro", PARAMS["themes"])
    first = PARAMS["themes"]["random_state"]
    assert sorted(fits, key=lambda s: -1 if s is None else s) == [None] + [
        first + i for i in range(1, PARAMS["themes"]["stability_seeds"])]


def test_fit_workers_only_where_they_can_help(monkeypatch):
    with fit_workers(1) as pool:
        assert pool is None
    monkeypatch.setattr("os.cpu_count", lambda: 1)
    with fit_workers(20) as pool:
        assert pool is None
    assert start_fit_workers() is None                     # no fork server started for nothing
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    with fit_workers(20) as pool:
        assert isinstance(pool, ProcessPoolExecutor) and pool._max_workers == 2


def test_kmeans_steps_match_sklearn_from_the_same_start():
    rng = np.random.RandomState(4)
    X = np.vstack([rng.normal(loc, 0.6, size=(40, 5)) for loc in (-2.0, 0.0, 2.5)])
    init = X[[0, 50, 100, 5]]
    labels, centres = lloyd(X, init)
    reference = KMeans(4, init=init, n_init=1, algorithm="lloyd", tol=0).fit(X)
    assert (labels == reference.labels_).all()
    np.testing.assert_allclose(centres, reference.cluster_centers_, atol=1e-12)


def test_an_emptied_kmeans_centre_keeps_its_place():
    X = np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0], [5.1, 5.0]])
    labels, centres = lloyd(X, np.array([[0.0, 0.0], [5.0, 5.0], [100.0, 100.0]]))
    assert labels.tolist() == [0, 0, 1, 1]
    np.testing.assert_allclose(centres, [[0.05, 0.0], [5.05, 5.0], [100.0, 100.0]])


def test_folded_lemma_index_is_the_dictionary_keyed_without_diacritics():
    from simplemma.strategies.dictionaries import DefaultDictionaryFactory

    from pipeline.nlp import _folded_lemma_index

    expected: dict[str, str] = {}
    for word, lemma in DefaultDictionaryFactory().get_dictionary("ro").items():
        expected.setdefault(fold(str(word)), str(lemma))          # the first spelling of a folded key wins
    assert _folded_lemma_index("ro") == expected
    assert [expected[w] for w in ("primariei", "sedinta")] == ["primărie", "ședință"]


def test_the_themes_package_loads_a_module_only_when_its_names_are_used():
    code = ("import sys, pipeline.themes, pipeline.themes.workers;"
            "print('spacy' in sys.modules, 'pandas' in sys.modules);"
            "from pipeline.themes import run, ThemeClusterer, STATUS_EXCLUDED; print('spacy' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False", "True"]
    import pipeline.themes as themes

    assert all(getattr(themes, name) is not None for name in themes.__all__)
    with pytest.raises(AttributeError):
        themes.no_such_name  # noqa: B018


def test_runs_agreement_is_the_mean_pairwise_ari_of_the_seeds_labels():
    from sklearn.metrics import adjusted_rand_score

    from pipeline.themes.stability import runs_agreement

    a, b = np.array([0, 0, 1, 1, -1, 2]), np.array([1, 1, 0, 0, 2, -1])
    assert runs_agreement([a, a]) == 1.0 and runs_agreement([a]) == 1.0
    assert runs_agreement([a, b]) == pytest.approx(adjusted_rand_score(a, b))       # unassigned (-1) counts as a group
    c = np.array([0, 1, 0, 1, 0, 1])
    pairs = [adjusted_rand_score(x, y) for x, y in ((a, b), (a, c), (b, c))]
    assert runs_agreement([a, b, c]) == pytest.approx(np.mean(pairs))
