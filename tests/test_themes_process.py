"""Process notes (remarks about the session, not answers) are set apart, in every language we support."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from pipeline.errors import HarvestError
from pipeline.lang import languages
from pipeline.themes.process import (
    compile_patterns,
    examples,
    matches_pattern,
    pattern_key,
    patterns,
    process_notes,
    similar_to_examples,
)

# Written for this test: three remarks about the process and three real answers per language.
CASES = {
    "ro": (["Nu am ajuns la o concluzie, trebuie discutat mai mult", "Am rămas fără timp la întrebarea asta",
            "De reluat data viitoare"],
           ["Granturi mici pentru artiștii independenți", "Spații ieftine în clădirile primăriei",
            "Timpul de lucru al artiștilor nu e plătit corect"]),
    "en": (["We did not reach a conclusion", "We ran out of time on this one", "See above"],
           ["Small grants for independent artists", "Cheap studios in empty city buildings",
            "Artists' time is not paid fairly"]),
    "it": (["Non siamo arrivati a una conclusione", "Abbiamo finito il tempo", "Da riprendere la prossima volta"],
           ["Piccoli contributi per gli artisti indipendenti", "Spazi economici negli edifici vuoti del comune",
            "Il tempo degli artisti non è pagato in modo giusto"]),
    "nl": (["Geen conclusie bereikt", "Geen tijd meer gehad voor deze vraag", "Zie hierboven"],
           ["Kleine subsidies voor zelfstandige kunstenaars", "Goedkope ateliers in leegstaande gebouwen",
            "De tijd van kunstenaars wordt niet eerlijk betaald"]),
    "hr": (["Nismo došli do zaključka", "Ponestalo nam je vremena", "Vidi gore"],
           ["Male potpore za nezavisne umjetnike", "Jeftini ateljei u praznim gradskim zgradama",
            "Vrijeme umjetnika nije pošteno plaćeno"]),
    "lt": (["Nepriėjome prie išvados", "Pritrūko laiko šiam klausimui", "Žiūrėti aukščiau"],
           ["Mažos dotacijos nepriklausomiems menininkams", "Pigios dirbtuvės tuščiuose miesto pastatuose",
            "Menininkų laikas nėra sąžiningai apmokamas"]),
}


@pytest.mark.parametrize("language", sorted(CASES))
def test_process_notes_match_their_language_patterns_and_answers_do_not(language):
    process, answers = CASES[language]
    assert all(matches_pattern(t, language) for t in process), language
    assert not any(matches_pattern(t, language) for t in answers), language
    assert len(examples(language)) >= 3                     # similarity needs examples in every language


# Written for this test: whole notes that only point elsewhere or say nothing, and longer answers that
# begin with the same words (the patterns are anchored to the whole note).
NON_ANSWERS = {
    "ro": (["Idem.", "La fel ca mai sus", "Vezi întrebarea anterioară", "Nu știm", "Nimic de adăugat", "N/A",
            "Nu s-a discutat", "Trecem mai departe"],
           ["La fel de important e să avem spații ieftine", "Nu știm cine răspunde de clădirile goale",
            "Nu s-a discutat niciodată despre bugetul culturii"]),
    "en": (["Ditto", "Nothing to add", "No answer", "See previous question", "Not discussed", "Time ran out"],
           ["Same rules for everyone who applies for grants", "We don't know who owns the empty buildings"]),
    "it": (["Idem", "Non lo sappiamo", "Niente da aggiungere", "Vedi domanda precedente"],
           ["Non sappiamo chi gestisce gli spazi vuoti del comune"]),
    "nl": (["Weten we niet", "Niets toe te voegen", "Geen antwoord", "Zie vorige vraag"],
           ["We weten niet wie de lege gebouwen beheert"]),
    "hr": (["Idem", "Ne znamo", "Ništa za dodati", "Vidi prethodno pitanje"],
           ["Ne znamo tko upravlja praznim gradskim zgradama"]),
    "lt": (["Tas pats", "Nežinome", "Nėra ką pridurti", "Žr. ankstesnį klausimą"],
           ["Tas pats fondas turėtų remti ir jaunus kūrėjus", "Nežinome, kas valdo tuščius pastatus"]),
}


@pytest.mark.parametrize("language", sorted(NON_ANSWERS))
def test_whole_notes_that_only_point_elsewhere_are_process_notes_and_longer_answers_are_not(language):
    non_answers, answers = NON_ANSWERS[language]
    assert [t for t in non_answers if not matches_pattern(t, language)] == []
    assert [t for t in answers if matches_pattern(t, language)] == []


def test_similarity_to_examples_flags_outliers_only():
    rng = np.random.default_rng(0)
    notes = rng.normal(size=(60, 64))
    example = rng.normal(size=(1, 64))
    notes[:2] = example + 0.05 * rng.normal(size=(2, 64))   # two notes almost say what the example says
    unit = notes / np.linalg.norm(notes, axis=1, keepdims=True)
    flagged = similar_to_examples(unit, example / np.linalg.norm(example), 3.5)
    assert flagged[:2].all() and flagged[2:].sum() <= 1


def test_process_notes_combine_patterns_per_note_language():
    texts = ["Am rămas fără timp", "We ran out of time", "Granturi pentru artiști"]
    flagged = process_notes(texts, ["ro", "en", "ro"], np.eye(3), {}, 3.5)
    assert flagged.tolist() == [True, True, False]


# The contract per language: tests/data/process/<code>.yaml, remarks about the session over the seven kinds
# (time, not discussed, no conclusion, deferred, pointers, nothing to add, off-topic or technical) and real
# answers that share their words (time, conclusion, the same, we don't know, next time, postponed, …).
CONTRACTS = Path(__file__).parent / "data" / "process"


def contract(language: str) -> dict:
    return yaml.safe_load((CONTRACTS / f"{language}.yaml").read_text(encoding="utf-8"))


def test_every_language_has_a_process_note_contract():
    assert sorted(p.stem for p in CONTRACTS.glob("*.yaml")) == sorted(languages())
    for language in languages():
        cases = contract(language)
        assert len(cases["process"]) >= 40 and len(cases["answers"]) >= 30, language


@pytest.mark.parametrize("language", languages())
def test_remarks_about_the_session_are_set_apart_and_answers_with_the_same_words_are_not(language):
    cases = contract(language)
    assert [t for t in cases["process"] if not matches_pattern(t, language)] == []
    assert [t for t in cases["answers"] if matches_pattern(t, language)] == []


@pytest.mark.parametrize("language", languages())
def test_every_process_pattern_is_exercised_by_its_contract(language):
    remarks = [pattern_key(t) for t in contract(language)["process"]]
    assert [p.pattern for p in patterns(language) if not any(p.search(r) for r in remarks)] == []


def test_a_named_fragment_is_written_once_and_filled_into_the_patterns_that_use_it(tmp_path):
    path = tmp_path / "process_notes.txt"
    path.write_text("# time\n{TIME} = vr(ij|j)?em\\w*\n\\bnestalo nam je {TIME}\n^nema {TIME}$\n", encoding="utf-8")
    compiled = compile_patterns(path)
    assert [p.pattern for p in compiled] == ["\\bnestalo nam je vr(ij|j)?em\\w*", "^nema vr(ij|j)?em\\w*$"]
    assert compiled[0].search("eto, nestalo nam je vremena") and compiled[1].search("nema vremena")
    assert not compiled[1].search("nema vremena za prijave")


@pytest.mark.parametrize(("text", "line", "problem"), [
    ("\\bnema {TIME}\n{TIME} = vrem\\w*\n", 1, "fragment {TIME} is used before it is named"),
    ("\\bvidi gore\n\\b(nema vremena\n", 2, "not a regular expression"),
])
def test_a_bad_pattern_line_is_an_error_naming_file_and_line(tmp_path, text, line, problem):
    path = tmp_path / "process_notes.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(HarvestError) as caught:
        compile_patterns(path)
    message = str(caught.value)
    assert f"process_notes.txt:{line}" in message and problem in message
