"""Theme names people read: phrase titles as written in the notes, keywords, one-sentence summaries.

Title rules (tested on every theme of the sample report):
- a phrase of 1-`title_max_words` consecutive words of the notes, never across punctuation, with
  no stop word at either end, spelled as the notes spell it;
- scored on lemmas against the question's other themes (class-based TF-IDF over the notes that
  contain it: one note, one vote), shared by at least two of the theme's notes, the best
  `title_candidates` re-ranked by how central their notes are;
- never containing a content word of the question itself, and no two themes of a question share one;
- no such phrase: the most central note, cut at a word boundary.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.nlp import get_nlp
from pipeline.text import fold

UNASSIGNED = -1
ELLIPSIS = "…"


@dataclass(frozen=True)
class Phrase:
    """A candidate title: the lemma keys that identify it and how it is written."""

    key: tuple[str, ...]
    text: str


def note_phrases(texts: list[str], language: str, max_words: int) -> list[dict[tuple[str, ...], str]]:
    """For each note, its candidate phrases (lemma key -> spelling): n-grams within punctuation, content-word ends."""
    out = []
    for doc in get_nlp(language).pipe(texts):
        content = doc._.content_index or frozenset()
        phrases: dict[tuple[str, ...], str] = {}
        segment: list[int] = []
        for token in [*doc, None]:
            if token is not None and (token.is_alpha or "-" in token.text) and not token.is_punct:
                segment.append(token.i)
                continue
            for a in range(len(segment)):
                if segment[a] not in content:
                    continue
                for b in range(a, min(a + max_words, len(segment))):
                    if segment[b] not in content:
                        continue
                    words = [doc[i] for i in segment[a:b + 1]]
                    key = tuple(fold(w.lemma_ or w.text).lower() for w in words)
                    phrases.setdefault(key, " ".join(w.text for w in words))
            segment = []
        out.append(phrases)
    return out


def question_words(question_text: str, language: str) -> set[str]:
    """The content lemmas of the question: a title repeating them says nothing."""
    doc = next(iter(get_nlp(language).pipe([question_text])))
    return set(doc._.content_keys or [])


def _display(text: str) -> str:
    """First letter capitalised; acronyms and the rest as written."""
    return text[:1].upper() + text[1:]


def cut_at_word(text: str, max_chars: int) -> str:
    """A note shortened to at most max_chars at a word boundary, with an ellipsis when cut."""
    text = " ".join(text.split())
    if len(text) <= max_chars:
        return text
    head = text[: max_chars - 1].rsplit(" ", 1)[0].rstrip(" ,;:.-–")
    return head + ELLIPSIS


def phrase_titles(phrases: list[dict[tuple[str, ...], str]], labels: np.ndarray, centrality: np.ndarray,
                  texts: list[str], order: list[int], banned: set[str], candidates: int,
                  max_chars: int) -> dict[int, str]:
    """A title per theme label (in `order`, largest first, so bigger themes choose first)."""
    themes = [t for t in order if (labels == t).any()]
    df: dict[int, dict[tuple[str, ...], list[int]]] = {t: {} for t in themes}
    spelled: dict[tuple[str, ...], dict[str, int]] = {}
    for i, (label, note) in enumerate(zip(labels, phrases, strict=True)):
        if label not in df:
            continue
        for key, text in note.items():
            if banned & set(key):
                continue
            df[int(label)].setdefault(key, []).append(i)
            forms = spelled.setdefault(key, {})
            forms[text] = forms.get(text, 0) + 1
    total: dict[tuple[str, ...], int] = {}
    for found in df.values():
        for key, members in found.items():
            total[key] = total.get(key, 0) + len(members)
    avg = sum(total.values()) / max(len(themes), 1)
    titles: dict[int, str] = {}
    used: set[str] = set()
    for t in themes:
        size = int((labels == t).sum())
        shared = [(key, members) for key, members in df[t].items() if len(members) >= 2]
        scored = sorted(shared, key=lambda km: (-round(len(km[1]) / size * np.log(1 + avg / total[km[0]]), 9),
                                                -len(km[0]), km[0]))
        top = [km for km in scored if _form(spelled[km[0]]).lower() not in used][:candidates]
        if top:
            key, _ = max(top, key=lambda km: (round(float(np.mean(centrality[km[1]])), 9), -top.index(km)))
            title = _display(_form(spelled[key]))
        else:
            rows = np.flatnonzero(labels == t)
            central = int(rows[np.argmax(centrality[rows])])
            title = _display(cut_at_word(texts[central], max_chars))
        used.add(title.lower())
        titles[t] = title
    return titles


def _form(forms: dict[str, int]) -> str:
    """The spelling most notes use (with diacritics when any note had them)."""
    return max(forms, key=lambda f: (forms[f], f != fold(f), f.lower()))


def summary_sentence(text: str, max_chars: int) -> str:
    """One sentence: the first sentence of a text, cut at a word boundary if long."""
    text = " ".join(text.split())
    for mark in (". ", "; ", "! ", "? "):
        if mark in text:
            text = text.split(mark, 1)[0] + mark.strip()
            break
    return cut_at_word(text, max_chars)


def class_tfidf_keywords(docs: list[str], labels: np.ndarray, top_n: int,
                         centrality: np.ndarray | None = None) -> dict[int, list[str]]:
    """Class-based TF-IDF (as in BERTopic) over lemma documents: words frequent in a theme, rare elsewhere.

    Equal scores are broken by `centrality` (each note's similarity to its theme centre): words of the
    more central notes first.
    """
    themes = sorted(set(labels.tolist()) - {UNASSIGNED})
    if not themes:
        return {}
    vocab = sorted({w for d in docs for w in d.split()})
    if not vocab:
        return {t: [] for t in themes}
    index = {w: i for i, w in enumerate(vocab)}
    counts = np.zeros((len(themes), len(vocab)))
    central = np.full((len(themes), len(vocab)), -np.inf)
    weights = np.zeros(len(docs)) if centrality is None else centrality
    for doc, label, weight in zip(docs, labels, weights, strict=True):
        if label == UNASSIGNED:
            continue
        row = themes.index(label)
        for w in set(doc.split()):  # document frequency within the theme: one note, one vote
            counts[row, index[w]] += 1
            central[row, index[w]] = max(central[row, index[w]], weight)
    tf = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    avg_words = counts.sum() / len(themes)
    idf = np.log(1 + avg_words / np.maximum(counts.sum(axis=0), 1))
    scores = tf * idf
    result = {}
    for row, t in enumerate(themes):
        # Words shared by several of the theme's notes first: a word from one note names that note, not the theme.
        ranked = sorted(range(len(vocab)),
                        key=lambda i: (counts[row, i] < 2, -round(scores[row, i], 9), -central[row, i], vocab[i]))
        result[t] = [vocab[i] for i in ranked[:top_n] if counts[row, i] > 0]
    return result
