
import pytest

from pipeline.nlp import content_lemmas, fold, get_nlp, lemma_display_forms, lemma_of

LEMMAS = [
    ("antreprenorilor", "antreprenor"), ("întreprinderile", "întreprindere"), ("finanțările", "finanțare"),
    ("pandemiei", "pandemie"), ("digitalizarea", "digitalizare"), ("artiștilor", "artist"),
    ("spațiilor", "spațiu"), ("festivalurile", "festival"), ("organizațiilor", "organizație"),
    ("evenimentelor", "eveniment"), ("tinerilor", "tânăr"), ("asociației", "asociație"),
    ("finantare", "finanțare"), ("artistii", "artist"), ("primariei", "primărie"), ("operatorii", "operator"),
]


@pytest.mark.parametrize(("word", "lemma"), LEMMAS)
def test_lemmas_of_domain_words(word, lemma):
    assert fold(lemma_of(word, "ro")) == fold(lemma)


def test_hyphenated_clitics_keep_meaning():
    doc = get_nlp("ro")("IMM-urile și-au pierdut veniturile")
    assert [t.lemma_ for t in doc if t._.is_content] == ["IMM", "pierde", "venit"]


def test_stop_words_removed_but_nevoie_kept():
    assert content_lemmas(["Avem nevoie de mai multe spații pentru artiști"], "ro") == [
        ["nevoie", "spatiu", "artist"]]


def test_display_form_prefers_diacritics():
    forms = lemma_display_forms(["finantare pentru teatru", "Finanțare pentru dans"], "ro")
    assert forms["finantare"] == "finanțare"


def test_pipeline_is_blank_spacy_plus_our_components():
    nlp = get_nlp("ro")
    assert nlp.pipe_names == ["harvest_normaliser", "harvest_lemmatizer", "harvest_content_filter"]
    doc = nlp("Finanţare pentru artişti")
    assert [t.norm_ for t in doc] == ["finanțare", "pentru", "artiști"]
    assert [t._.is_content for t in doc] == [True, False, True]


@pytest.mark.parametrize(("lang", "text", "content"), [
    ("lt", "Norintiems konsultacijos rašyti [el. paštas]", ["norisis", "konsultacija", "rasyti"]),
    ("ro", "Scrieți la [telefon] pentru granturi, [persoană] coordonează", ["scrie", "grant", "coordona"]),
    ("en", "[inaudible] grants for artists", ["grant", "artist"]),
    ("ro", "spații ] ateliere [ ieftine", ["spatiu", "atelier", "ieftin"]),   # brackets that mark nothing
])
def test_marks_in_square_brackets_are_not_content_words(lang, text, content):
    """The redaction's marks became keywords ('asmuo', 'telefon' in a Kaunas theme's keywords); a bracket
    never closed is an ordinary character."""
    assert content_lemmas([text], lang) == [content]
