"""Language pipelines: spaCy blank(lang) plus our components, with per-language data files.

Language-specific knowledge (character fixes, stop words, lemma fallbacks, clitics) lives in
`pipeline/nlp/data/<lang>/`, never in `if lang == ...` branches. A language with no folder still
works: it gets spaCy's tokenizer and stop words and simplemma's lemmas.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import simplemma
import spacy
from spacy.language import Language
from spacy.tokens import Doc, Token

from pipeline.text import fold

DATA_DIR = Path(__file__).parent / "data"

if not Token.has_extension("lemma_key"):
    Token.set_extension("lemma_key", default="")
if not Token.has_extension("is_content"):
    Token.set_extension("is_content", default=False)


def _lines(path: Path) -> list[str]:
    if not path.is_file():
        return []
    rows = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        if raw.strip() and not raw.lstrip().startswith("#"):
            rows.append(raw.rstrip("\n"))
    return rows


@dataclass(frozen=True)
class LanguageData:
    """What one language's data folder says."""

    code: str
    char_map: dict[str, str]
    stop_keys: frozenset[str]
    lemma_suffixes: tuple[tuple[str, str], ...]
    clitics: frozenset[str]
    lemma_exceptions: dict[str, str]


@cache
def language_data(lang: str) -> LanguageData:
    """Load (once) the data files of a language, merged with spaCy's stop words in both spellings."""
    folder = DATA_DIR / lang
    char_map: dict[str, str] = {}
    for row in _lines(folder / "chars.tsv"):
        old, _, new = row.partition("\t")
        char_map[old] = new
    spacy_stops = spacy.blank(lang).Defaults.stop_words
    keep = {fold(w) for w in _lines(folder / "stopwords_keep.txt")}
    stops = {fold(w) for w in spacy_stops} | {fold(w) for w in _lines(folder / "stopwords_extra.txt")}
    suffixes = []
    for row in _lines(folder / "lemma_suffixes.tsv"):
        ending, _, replacement = row.partition("\t")
        suffixes.append((ending.strip(), replacement.strip()))
    suffixes.sort(key=lambda pair: -len(pair[0]))
    exceptions = {}
    for row in _lines(folder / "lemma_exceptions.tsv"):
        word, _, lemma = row.partition("\t")
        exceptions[fold(word.strip())] = lemma.strip()
    return LanguageData(
        code=lang, char_map=char_map, stop_keys=frozenset(stops - keep),
        lemma_suffixes=tuple(suffixes), clitics=frozenset(_lines(folder / "clitics.txt")),
        lemma_exceptions=exceptions,
    )


_SPACES = re.compile(r"\s+")


def normalise(text: str, lang: str) -> str:
    """NFC, the language's character fixes (ş -> ș), one space between words."""
    text = unicodedata.normalize("NFC", text)
    for old, new in language_data(lang).char_map.items():
        text = text.replace(old, new)
    return _SPACES.sub(" ", text).strip()


@cache
def _folded_lemma_index(lang: str) -> dict[str, str]:
    """simplemma's dictionary keyed by diacritic-free word, so 'artisti' finds the lemma of 'artiști'."""
    try:
        from simplemma.strategies.dictionaries import DefaultDictionaryFactory

        dictionary = DefaultDictionaryFactory().get_dictionary(lang)
    except (ImportError, ValueError, OSError):
        return {}
    index: dict[str, str] = {}
    for word, lemma in dictionary.items():
        index.setdefault(fold(str(word)), str(lemma))
    return index


def lemma_of(word: str, lang: str) -> str:
    """Lemma of one word: simplemma when it knows the word (with or without diacritics), else suffix rules."""
    data = language_data(lang)
    if fold(word) in data.lemma_exceptions:
        return data.lemma_exceptions[fold(word)]
    for candidate in (word, word.lower()):
        if simplemma.is_known(candidate, lang=lang):
            return str(simplemma.lemmatize(candidate, lang=lang)).lower()
    lower = word.lower()
    restored = _folded_lemma_index(lang).get(fold(lower))
    if restored is not None:
        return restored.lower()
    for ending, replacement in data.lemma_suffixes:
        if lower.endswith(ending) and len(lower) - len(ending) >= 3:
            return lower[: len(lower) - len(ending)] + replacement
    return lower


@Language.factory("harvest_normaliser", default_config={"lang": "ro"})
def make_normaliser(nlp: Language, name: str, lang: str) -> NormaliserComponent:
    """spaCy factory: token.norm_ in the language's standard letters (ş -> ș), lower case."""
    return NormaliserComponent(lang)


class NormaliserComponent:
    """Sets token.norm_ so that 'Finanţare' and 'finanțare' have one norm (the Doc text is never changed)."""

    def __init__(self, lang: str):
        self.char_map = language_data(lang).char_map

    def __call__(self, doc: Doc) -> Doc:
        for token in doc:
            norm = token.text
            for old, new in self.char_map.items():
                norm = norm.replace(old, new)
            token.norm_ = norm.lower()
        return doc


@Language.factory("harvest_lemmatizer", default_config={"lang": "ro"})
def make_lemmatizer(nlp: Language, name: str, lang: str) -> LemmaComponent:
    """spaCy factory: lemmas and diacritic-free lemma keys; hyphen endings (IMM-urile) drop to the stem."""
    return LemmaComponent(lang)


class LemmaComponent:
    """Sets token.lemma_ and token._.lemma_key; clitics and endings after a hyphen get no lemma."""

    def __init__(self, lang: str):
        self.lang = lang
        self.data = language_data(lang)

    def __call__(self, doc: Doc) -> Doc:
        for token in doc:
            text = token.norm_ if token.norm_ and not token.text.isupper() else token.text
            if text.lower() in self.data.clitics or text.lower().rstrip("-") in ("", *self.data.clitics):
                continue
            word = text.rstrip("-").split("-")[0] if text.endswith("-") else text
            if not any(ch.isalpha() for ch in word):
                continue
            lemma = word if word.isupper() and len(word) > 1 else lemma_of(word, self.lang)
            token.lemma_ = lemma
            token._.lemma_key = fold(lemma)
        return doc


@Language.factory("harvest_content_filter", default_config={"lang": "ro"})
def make_content_filter(nlp: Language, name: str, lang: str) -> ContentFilter:
    """spaCy factory: marks content words (token._.is_content): not a stop word, 3+ letters."""
    return ContentFilter(lang)


class ContentFilter:
    """Stop words are spaCy's list in both spellings plus our data file, minus words that carry meaning."""

    def __init__(self, lang: str):
        self.stop_keys = language_data(lang).stop_keys

    def __call__(self, doc: Doc) -> Doc:
        for token in doc:
            key = token._.lemma_key
            token._.is_content = len(key) > 2 and key not in self.stop_keys and fold(token.text) not in self.stop_keys
        return doc


@cache
def get_nlp(lang: str) -> Language:
    """spaCy blank(lang) + normaliser, lemmatiser and content filter; built once per language."""
    nlp = spacy.blank(lang)
    for component in ("harvest_normaliser", "harvest_lemmatizer", "harvest_content_filter"):
        nlp.add_pipe(component, config={"lang": lang})
    return nlp


def content_lemmas(texts: list[str], lang: str) -> list[list[str]]:
    """For each text, the lemma keys of its content words (what TF-IDF and keywords count)."""
    nlp = get_nlp(lang)
    return [[t._.lemma_key for t in doc if t._.is_content] for doc in nlp.pipe(texts)]


def lemma_display_forms(texts: list[str], lang: str) -> dict[str, str]:
    """Map each lemma key to its most frequent spelled form (with diacritics when any note had them)."""
    counts: dict[str, dict[str, int]] = {}
    for doc in get_nlp(lang).pipe(texts):
        for t in doc:
            if t._.is_content:
                forms = counts.setdefault(t._.lemma_key, {})
                forms[t.lemma_] = forms.get(t.lemma_, 0) + 1
    return {
        key: max(forms, key=lambda f: (f != fold(f), forms[f], f))
        for key, forms in counts.items()
    }
