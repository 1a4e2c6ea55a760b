"""Theme names people read: phrase titles as written in the notes, keywords, one-sentence summaries.

Title rules (tested on every theme of the sample report):
- `title_min_words`-`title_max_words` consecutive words of a note inside one clause (never across
  punctuation or a word that opens a clause, listed in `pipeline/lang/<code>/title_breaks.txt`), with
  no stop word at either end, spelled as the notes spell it; never cut with an ellipsis;
- candidates: phrases shared by two or more of the theme's notes (same lemmas), and whole clauses of
  its notes; scored on lemmas against the question's other themes (class-based TF-IDF, one note one
  vote), the best `title_candidates` re-ranked by how central their notes are;
- no content word of the question itself while another candidate is left; no two themes of a
  question share a title;
- no candidate at all (every clause too long or too short): the start of the most central note's
  first clause, ending on a content word.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
from spacy.tokens import Doc, Token

from pipeline.lang import data_lines
from pipeline.nlp import get_nlp
from pipeline.text import fold

UNASSIGNED = -1
ELLIPSIS = "…"
BREAKS_FILE = "title_breaks.txt"
SKIP_NEXT = "*"     # in title_breaks.txt: the word after this one is left out too (a verb after "să")


@dataclass(frozen=True)
class Phrase:
    """A candidate title: the lemma keys that identify it and how it is written."""

    key: tuple[str, ...]
    text: str


@cache
def clause_breaks(language: str) -> tuple[dict[tuple[str, ...], bool], int]:
    """Words that open a clause (folded words -> whether the word after them is left out too) and the
    longest of them in words."""
    breaks: dict[tuple[str, ...], bool] = {}
    for line in data_lines(language, BREAKS_FILE):
        words = line.split()
        skip = words[-1] == SKIP_NEXT
        breaks[tuple(fold(w).lower() for w in (words[:-1] if skip else words))] = skip
    return breaks, max((len(k) for k in breaks), default=0)


def _clauses(doc: Doc, language: str) -> list[tuple[list[Token], bool]]:
    """Runs of word tokens between punctuation and the words that open a clause, each with whether it
    can stand as a title on its own: a note's opening, or what follows a left-out verb ("să păstreze")."""
    breaks, longest = clause_breaks(language)
    words = [fold(t.text).lower() for t in doc]
    content = doc._.content_index or frozenset()
    out: list[tuple[list[Token], bool]] = [([], True)]
    broken: set[int] = set()          # clauses opened by a clause word, not by punctuation
    i = 0
    while i < len(doc):
        token = doc[i]
        if not (token.is_alpha or token.like_num or "-" in token.text) or token.is_punct:
            out.append(([], False))
            i += 1
            continue
        hit = next((n for n in range(longest, 0, -1) if tuple(words[i:i + n]) in breaks), 0)
        if hit:
            skip = breaks[tuple(words[i:i + hit])]
            out.append(([], skip))
            broken.add(len(out) - 1)
            i += hit
            if skip:        # the verb, after the small words before it ("să se publice", "să nu piardă")
                while i < len(doc) - 1 and doc[i].is_alpha and i not in content:
                    i += 1
                i += 1
            continue
        out[-1][0].append(token)
        i += 1
    # Before the first word (a bullet, a quote mark) a note still opens; after a clause word or a hedge
    # ("Nu se știe ce…", "Hard to say which…") what follows is not the note's opening.
    first = next((k for k, (c, _) in enumerate(out) if c), None)
    if first is not None and any(k in broken for k in range(1, first + 1)):
        first = None
    return [(c, whole or k == first) for k, (c, whole) in enumerate(out) if c]


def note_phrases(texts: list[str], language: str, max_words: int) -> list[dict[tuple[str, ...], str]]:
    """For each note, its candidate phrases (lemma key -> spelling): n-grams inside one clause with
    content-word ends."""
    return title_candidates(texts, language, max_words, 1)[0]


def title_candidates(texts: list[str], language: str, max_words: int, min_words: int,
                     ) -> tuple[list[dict[tuple[str, ...], str]], list[dict[tuple[str, ...], str]], list[str]]:
    """For each note (one pass of the language pipeline): its n-grams inside one clause with
    content-word ends (lemma key -> spelling); its clauses that stand as a title on their own (its
    opening, what follows a left-out verb) of min_words-max_words words; and the phrase it opens
    with (first clause, content word to content word, at most max_words words)."""
    grams_out, clauses_out, openings = [], [], []
    for doc in get_nlp(language).pipe(texts):
        content = doc._.content_index or frozenset()
        grams: dict[tuple[str, ...], str] = {}
        clauses: dict[tuple[str, ...], str] = {}
        opening = ""
        for clause, whole in _clauses(doc, language):
            keys = [fold(t.lemma_ or t.text).lower() for t in clause]
            ends = [j for j, t in enumerate(clause) if t.i in content]
            for a in ends:
                for b in (e for e in ends if a <= e < a + max_words):
                    grams.setdefault(tuple(keys[a:b + 1]), doc[clause[a].i:clause[b].i + 1].text)
            if whole and ends and min_words <= ends[-1] - ends[0] + 1 <= max_words:
                a, b = ends[0], ends[-1]
                clauses.setdefault(tuple(keys[a:b + 1]), doc[clause[a].i:clause[b].i + 1].text)
            if ends and not opening:
                last = max(e for e in ends if e < ends[0] + max_words)
                opening = doc[clause[ends[0]].i:clause[last].i + 1].text
        grams_out.append(grams)
        clauses_out.append(clauses)
        openings.append(opening or " ".join(doc.text.split()[:max_words]))
    return grams_out, clauses_out, openings


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
                  openings: list[str], order: list[int], banned: set[str], candidates: int,
                  clauses: list[dict[tuple[str, ...], str]] | None = None, min_words: int = 1) -> dict[int, str]:
    """A title per theme label (in `order`, largest first, so bigger themes choose first); `openings`
    (see `note_openings`) name a theme without any candidate."""
    themes = [t for t in order if (labels == t).any()]
    clauses = clauses if clauses is not None else [{} for _ in phrases]
    df: dict[int, dict[tuple[str, ...], list[int]]] = {t: {} for t in themes}
    spelled: dict[tuple[str, ...], dict[str, int]] = {}
    for i, (label, note) in enumerate(zip(labels, phrases, strict=True)):
        if label not in df:
            continue
        for key, text in {**note, **clauses[i]}.items():
            df[int(label)].setdefault(key, []).append(i)
            forms = spelled.setdefault(key, {})
            forms[text] = forms.get(text, 0) + 1
    # Lemma weights per theme: class-based TF-IDF of the content words (one-word phrases), one note one vote.
    total: dict[str, int] = {}
    for found in df.values():
        for key, members in found.items():
            if len(key) == 1:
                total[key[0]] = total.get(key[0], 0) + len(members)
    avg = sum(total.values()) / max(len(themes), 1)
    titles: dict[int, str] = {}
    used: set[str] = set()
    for t in themes:
        size = int((labels == t).sum())
        weight = {key[0]: len(m) / size * np.log(1 + avg / total[key[0]]) for key, m in df[t].items() if len(key) == 1}
        whole = {key for i in np.flatnonzero(labels == t) for key in clauses[i]}
        pool = [(key, members) for key, members in df[t].items() if len(key) >= min_words
                and (len(members) >= 2 or key in whole) and _form(spelled[key]).lower() not in used]
        pool = [km for km in pool if not banned & set(km[0])] or pool
        top = sorted(pool, key=lambda km: (-_score(km[0], weight) * len(km[1]), len(km[0]), km[0]))[:candidates]
        if top:
            key, _ = max(top, key=lambda km: (round(float(np.mean(centrality[km[1]])), 9), -top.index(km)))
            title = _display(_form(spelled[key]))
        else:
            rows = np.flatnonzero(labels == t)
            central = int(rows[np.argmax(centrality[rows])])
            title = _display(openings[central])
        used.add(title.lower())
        titles[t] = title
    return titles


def _score(key: tuple[str, ...], weight: dict[str, float]) -> float:
    """A phrase's weight for its theme, per note that holds it: its content lemmas' c-TF-IDF, per square
    root of their number (a longer phrase says more, but not in proportion to its length)."""
    words = {w for w in key if w in weight}
    return round(sum(weight[w] for w in words) / np.sqrt(max(len(words), 1)), 9)


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
