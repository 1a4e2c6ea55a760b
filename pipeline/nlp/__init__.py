"""Language pipelines: spaCy blank(lang) plus our components, with per-language data files.

Language-specific knowledge (character fixes, stop words, lemma fallbacks, clitics) lives in the
language's folder `pipeline/lang/<lang>/` (read through `pipeline.lang`), never in `if lang == ...`
branches. A language with no folder still works: it gets spaCy's tokenizer and stop words and simplemma's lemmas.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache

import numpy
import simplemma
import spacy
from spacy.attrs import LEMMA, ORTH
from spacy.language import Language
from spacy.tokens import Doc, Token

from pipeline.lang import data_lines
from pipeline.text import fold

# The components write plain token attributes (norm_, lemma_) and one list per Doc; the token-level
# extensions below are computed on access, so the hot path pays no per-token extension cost.
if not Doc.has_extension("content_keys"):
    Doc.set_extension("content_keys", default=None)
if not Doc.has_extension("content_index"):
    Doc.set_extension("content_index", default=None)
if not Token.has_extension("lemma_key"):
    Token.set_extension("lemma_key", getter=lambda token: fold(token.lemma_))
if not Token.has_extension("is_content"):
    Token.set_extension("is_content", getter=lambda token: token.i in (token.doc._.content_index or ()))


@dataclass(frozen=True)
class LanguageData:
    """What one language's data folder says."""

    code: str
    char_map: dict[str, str]
    stop_keys: frozenset[str]
    lemma_suffixes: tuple[tuple[str, str], ...]
    clitics: frozenset[str]
    lemma_exceptions: dict[str, str]
    simplemma_code: str


@cache
def language_data(lang: str) -> LanguageData:
    """Load (once) the data files of a language, merged with spaCy's stop words in both spellings."""
    char_map: dict[str, str] = {}
    for row in data_lines(lang, "chars.tsv"):
        old, _, new = row.partition("\t")
        char_map[old] = new
    spacy_stops = spacy.blank(lang).Defaults.stop_words
    keep = {fold(w) for w in data_lines(lang, "stopwords_keep.txt")}
    stops = {fold(w) for w in spacy_stops} | {fold(w) for w in data_lines(lang, "stopwords_extra.txt")}
    suffixes = []
    for row in data_lines(lang, "lemma_suffixes.tsv"):
        ending, _, replacement = row.partition("\t")
        suffixes.append((ending.strip(), replacement.strip()))
    suffixes.sort(key=lambda pair: -len(pair[0]))
    exceptions = {}
    for row in data_lines(lang, "lemma_exceptions.tsv"):
        word, _, lemma = row.partition("\t")
        exceptions[fold(word.strip())] = lemma.strip()
    return LanguageData(
        code=lang, char_map=char_map, stop_keys=frozenset(stops - keep),
        lemma_suffixes=tuple(suffixes), clitics=frozenset(data_lines(lang, "clitics.txt")),
        lemma_exceptions=exceptions, simplemma_code=(data_lines(lang, "simplemma.txt") or [lang])[0].strip(),
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

        dictionary = DefaultDictionaryFactory().get_dictionary(language_data(lang).simplemma_code)
    except (ImportError, ValueError, OSError):
        return {}
    pairs = [(str(word), str(lemma)) for word, lemma in dictionary.items()]     # one pass: it is decompressed
    words, lemmas = [w for w, _ in pairs], [lemma for _, lemma in pairs]
    # One fold over all the words joined (a third of a million words; folding them one by one took 2.5 s).
    folded = fold("\n".join(words)).split("\n")
    if len(folded) != len(words):        # a word with a line break, or one whose lower case splits it
        folded = [fold(w) for w in words]
    # The first word of a folded key wins, as a loop of setdefault would do.
    return dict(zip(reversed(folded), reversed(lemmas), strict=True))


@lru_cache(maxsize=500_000)
def lemma_of(word: str, lang: str) -> str:
    """Lemma of one word: simplemma when it knows the word (with or without diacritics), else suffix rules."""
    data = language_data(lang)
    if fold(word) in data.lemma_exceptions:
        return data.lemma_exceptions[fold(word)]
    for candidate in (word, word.lower()):
        if simplemma.is_known(candidate, lang=data.simplemma_code):
            return str(simplemma.lemmatize(candidate, lang=data.simplemma_code)).lower()
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
    """spaCy factory: norm_ in the language's standard letters (ş -> ș), lower case."""
    return NormaliserComponent(nlp, lang)


# The three components work on whole-Doc arrays of ids (to_array / from_array) and on per-word caches,
# never creating a Python Token per word: that keeps clean + NLP above 10,000 notes/s.
class NormaliserComponent:
    """Sets the norm of each word type once (lexeme.norm_), so 'Finanţare' and 'finanțare' share one norm."""

    def __init__(self, nlp: Language, lang: str):
        self.vocab = nlp.vocab
        self.char_map = language_data(lang).char_map
        self._done: set[int] = set()

    def _norm(self, text: str) -> str:
        for old, new in self.char_map.items():
            text = text.replace(old, new)
        return text.lower()

    def __call__(self, doc: Doc) -> Doc:
        for orth in doc.to_array(ORTH).tolist():
            if orth not in self._done:
                lexeme = self.vocab[orth]
                lexeme.norm_ = self._norm(lexeme.orth_)
                self._done.add(orth)
        return doc


@Language.factory("harvest_lemmatizer", default_config={"lang": "ro"})
def make_lemmatizer(nlp: Language, name: str, lang: str) -> LemmaComponent:
    """spaCy factory: lemmas (token.lemma_); hyphen endings (IMM-urile) drop to the stem."""
    return LemmaComponent(nlp, lang)


class LemmaComponent:
    """Sets token.lemma_; clitics, endings after a hyphen and tokens without letters get no lemma."""

    def __init__(self, nlp: Language, lang: str):
        self.vocab = nlp.vocab
        self.lang = lang
        self.data = language_data(lang)
        self._lemma_ids: dict[int, int] = {}

    def _lemma(self, text: str, norm: str) -> str:
        text = norm if norm and not text.isupper() else text
        if text.lower() in self.data.clitics or text.lower().rstrip("-") in ("", *self.data.clitics):
            return ""
        word = text.rstrip("-").split("-")[0] if text.endswith("-") else text
        if not any(ch.isalpha() for ch in word):
            return ""
        return word if word.isupper() and len(word) > 1 else lemma_of(word, self.lang)

    def __call__(self, doc: Doc) -> Doc:
        ids = self._lemma_ids
        lemmas = []
        for orth in doc.to_array(ORTH).tolist():
            lemma_id = ids.get(orth)
            if lemma_id is None:
                lexeme = self.vocab[orth]
                lemma = self._lemma(lexeme.orth_, lexeme.norm_)
                lemma_id = ids[orth] = self.vocab.strings.add(lemma) if lemma else 0
            lemmas.append(lemma_id)
        doc.from_array([LEMMA], numpy.array(lemmas, dtype=numpy.uint64).reshape(-1, 1))  # type: ignore[arg-type]
        return doc


@Language.factory("harvest_content_filter", default_config={"lang": "ro"})
def make_content_filter(nlp: Language, name: str, lang: str) -> ContentFilter:
    """spaCy factory: the content words of a Doc (doc._.content_keys): not a stop word, 3+ letters."""
    return ContentFilter(nlp, lang)


class ContentFilter:
    """Stop words are spaCy's list in both spellings plus our data file, minus words that carry meaning."""

    def __init__(self, nlp: Language, lang: str):
        self.strings = nlp.vocab.strings
        self.stop_keys = language_data(lang).stop_keys
        self._keys: dict[tuple[int, int], str] = {}

    def _content_key(self, orth: int, lemma: int) -> str:
        if not lemma:
            return ""
        key = fold(self.strings[lemma])
        ok = len(key) > 2 and key not in self.stop_keys and fold(self.strings[orth]) not in self.stop_keys
        return key if ok else ""

    def __call__(self, doc: Doc) -> Doc:
        cache, keys, index = self._keys, [], []
        marks = _bracketed(doc)
        for i, (orth, lemma) in enumerate(doc.to_array([ORTH, LEMMA]).tolist()):
            if i in marks:
                continue
            key = cache.get((orth, lemma))
            if key is None:
                key = cache[(orth, lemma)] = self._content_key(orth, lemma)
            if key:
                keys.append(key)
                index.append(i)
        doc._.content_keys = keys
        doc._.content_index = frozenset(index)
        return doc


MARK_TOKENS = 6     # a mark in square brackets is this many tokens at most ('[el. paštas]' is 5 with its brackets)


def _bracketed(doc: Doc) -> set[int]:
    """Token positions of marks in square brackets, brackets included: the redaction's ('[telefon]',
    '[el. paštas]') and the transcriber's ('[neclar]'), not the writer's words, so no keyword or title comes
    from them. A '[' never closed within MARK_TOKENS tokens is an ordinary character."""
    words = [token.text for token in doc]
    marks: set[int] = set()
    for start, word in enumerate(words):
        if word == "[" and "]" in words[start + 1:start + MARK_TOKENS]:
            end = words.index("]", start + 1)
            marks.update(range(start, end + 1))
    return marks


@cache
def get_nlp(lang: str) -> Language:
    """spaCy blank(lang) + normaliser, lemmatiser and content filter; built once per language."""
    nlp = spacy.blank(lang)
    for component in ("harvest_normaliser", "harvest_lemmatizer", "harvest_content_filter"):
        nlp.add_pipe(component, config={"lang": lang})
    return nlp


def content_lemmas(texts: list[str], lang: str) -> list[list[str]]:
    """For each text, the lemma keys of its content words (what TF-IDF and keywords count)."""
    return [list(doc._.content_keys) for doc in get_nlp(lang).pipe(texts)]


def lemma_display_forms(texts: list[str], lang: str) -> dict[str, str]:
    """Map each lemma key to its most frequent spelled form (with diacritics when any note had them)."""
    counts: dict[str, dict[str, int]] = {}
    for doc in get_nlp(lang).pipe(texts):
        for i, key in zip(sorted(doc._.content_index), doc._.content_keys, strict=True):
            forms = counts.setdefault(key, {})
            forms[doc[i].lemma_] = forms.get(doc[i].lemma_, 0) + 1
    return {
        key: max(forms, key=lambda f: (f != fold(f), forms[f], f))
        for key, forms in counts.items()
    }
