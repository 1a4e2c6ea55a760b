"""Codebook themes (deductive): the themes a lab expects, read from YAML, validated, and assigned.

Format (a contract that users' files and `harvest evaluate` rely on):

    questions:                 # themes expected under one question (ids as in lab.yaml)
      s1q1:
        - id: funding
          title: {ro: "Finanțare pentru start-up-uri", en: "Funding for start-ups"}
          description: {ro: "…", en: "…"}          # optional
          examples: {ro: ["…", "…"]}               # optional example notes
    all:                       # optional: themes that may appear under any question
      - id: …
        title: "…"             # a plain string is in the lab's language

The file is `data/raw/<lab>/codebook.yaml`, or `codebooks/<name>.yaml` named in lab.yaml as
`codebook: <name>`. A theme's centre starts at the mean of its title, description and examples
vectors and moves toward its confident members (seeded k-means).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.errors import HarvestError, Problem
from pipeline.lab import key_lines
from pipeline.yamlsafe import STRICT, YamlLimits, parse_yaml_node, project_limits, read_text

CODEBOOK_FILE = "codebook.yaml"
CODEBOOKS_DIR = Path("codebooks")       # in the project folder, next to params.yaml
THEME_KEYS = ("id", "title", "description", "examples")
THEME_ID = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
MAD_TO_SD = 1.4826          # a normal distribution's standard deviation per median absolute deviation


@dataclass(frozen=True)
class CodebookTheme:
    """One expected theme: its id, and title / description / example notes per language."""

    id: str
    title: dict[str, str]
    description: dict[str, str]
    examples: dict[str, tuple[str, ...]]
    line: int

    def text(self, field: str, language: str) -> str:
        """The title or description in `language`, else English, else the first one written."""
        values: dict[str, str] = getattr(self, field)
        return values.get(language) or values.get("en") or next(iter(values.values()), "")

    def texts(self, language: str) -> list[str]:
        """What the theme's starting centre is made of: title, description, examples (in `language`)."""
        examples = self.examples.get(language) or self.examples.get("en") or ()
        return [t for t in (self.text("title", language), self.text("description", language), *examples) if t]


@dataclass(frozen=True)
class Codebook:
    """Expected themes per question, plus themes that may appear under any question."""

    path: str
    questions: dict[str, tuple[CodebookTheme, ...]]
    everywhere: tuple[CodebookTheme, ...]

    def themes_for(self, question_id: str) -> tuple[CodebookTheme, ...]:
        """The question's own codebook themes, then the `all:` ones."""
        return self.questions.get(question_id, ()) + self.everywhere


def _by_language(value: Any, language: str, many: bool) -> dict[str, Any] | None:
    """A plain value is in the lab's language; a mapping is language -> value. None when malformed."""
    if not isinstance(value, dict):
        value = {language: value}
    out: dict[str, Any] = {}
    for lang, item in value.items():
        if many:
            if isinstance(item, str):
                item = [item]
            if not isinstance(item, list) or not all(isinstance(x, str) and x.strip() for x in item):
                return None
            out[str(lang)] = tuple(x.strip() for x in item)
        else:
            if not isinstance(item, str) or not item.strip():
                return None
            out[str(lang)] = item.strip()
    return out


def parse_codebook(text: str, path: Path | str, language: str,
                   question_ids: list[str] | None = None,
                   limits: YamlLimits = STRICT) -> tuple[Codebook, list[Problem]]:
    """Parse and validate a codebook; errors raise with their line, warnings are returned."""
    data, node = parse_yaml_node(text, path, limits)
    if not isinstance(data, dict) or node is None:
        raise HarvestError.at(path, 1, "a codebook maps 'questions:' (and optionally 'all:') to themes",
                              "start from codebooks/ecoc-sme.yaml")
    lines = key_lines(node)
    problems: list[Problem] = []
    warnings: list[Problem] = []

    def problem(key: str, what: str, fix: str) -> None:
        parts = key.split(".")
        line = next((lines[".".join(parts[:i])] for i in range(len(parts), 0, -1) if ".".join(parts[:i]) in lines), 1)
        problems.append(Problem(str(path), line, what, fix))

    for key in data:
        if key not in ("questions", "all"):
            problem(str(key), f"unknown key '{key}'", "use 'questions:' and 'all:'")

    def themes_of(entries: Any, key: str, seen: set[str]) -> tuple[CodebookTheme, ...]:
        if not isinstance(entries, list):
            problem(key, f"'{key}' must be a list of themes", "write each theme as '- id: …' with a 'title:'")
            return ()
        out = []
        for i, entry in enumerate(entries):
            at = f"{key}.{i}"
            if not isinstance(entry, dict):
                problem(at, "a theme must be a mapping", "write '- id: …' then 'title: …'")
                continue
            unknown = [k for k in entry if k not in THEME_KEYS]
            if unknown:
                problem(f"{at}.{unknown[0]}", f"unknown key '{unknown[0]}'", f"use {', '.join(THEME_KEYS)}")
            theme_id = str(entry.get("id") or "")
            if not THEME_ID.match(theme_id):
                problem(f"{at}.id" if "id" in entry else at, f"theme id '{theme_id}' is missing or not a short id",
                        "use lower-case letters, digits, '_' or '-', starting with a letter (e.g. funding)")
                continue
            if theme_id in seen:
                problem(f"{at}.id", f"theme id '{theme_id}' appears twice for this question",
                        "give every theme of a question (and of 'all:') its own id")
            seen.add(theme_id)
            title = _by_language(entry.get("title"), language, many=False)
            if not title:
                problem(f"{at}.title" if "title" in entry else at, f"theme '{theme_id}' has no usable title",
                        "write title: \"…\" or title: {ro: \"…\", en: \"…\"}")
                continue
            description = _by_language(entry.get("description", {}), language, many=False)
            examples = _by_language(entry.get("examples", {}), language, many=True)
            if description is None:
                problem(f"{at}.description", f"theme '{theme_id}': description must be text per language",
                        "write description: {ro: \"…\"}")
            if examples is None:
                problem(f"{at}.examples", f"theme '{theme_id}': examples must be lists of texts",
                        "write examples: {ro: [\"…\", \"…\"]}")
            if language not in title and "en" not in title:
                warnings.append(Problem(str(path), lines.get(f"{at}.title", 1),
                                        f"theme '{theme_id}' has no title in '{language}' or 'en'",
                                        f"add {language}: \"…\" to its title", "warning"))
            out.append(CodebookTheme(theme_id, title, description or {}, examples or {}, lines.get(at, 1)))
        return tuple(out)

    everywhere = themes_of(data.get("all") or [], "all", set()) if "all" in data else ()
    questions: dict[str, tuple[CodebookTheme, ...]] = {}
    raw_questions = data.get("questions") or {}
    if not isinstance(raw_questions, dict):
        problem("questions", "'questions' must map question ids to lists of themes", "write 's1q1:' then '- id: …'")
        raw_questions = {}
    shared = {t.id for t in everywhere}
    for qid, entries in raw_questions.items():
        if question_ids is not None and str(qid) not in question_ids:
            problem(f"questions.{qid}", f"question '{qid}' is not in lab.yaml",
                    f"use one of: {', '.join(question_ids)}")
        questions[str(qid)] = themes_of(entries, f"questions.{qid}", set(shared))
    if problems:
        raise HarvestError(problems)
    return Codebook(str(path), questions, everywhere), warnings


def codebook_path(lab_dir: Path, reference: str | None, root: Path = Path(".")) -> Path | None:
    """Where a lab's codebook is: its own codebook.yaml, else `codebooks/<reference>.yaml`, else none."""
    own = lab_dir / CODEBOOK_FILE
    if own.is_file():
        return own
    if not reference:
        return None
    if not THEME_ID.match(str(reference)):
        raise HarvestError.at(lab_dir / "lab.yaml", None, f"codebook '{reference}' is not a codebook name",
                              f"name a file of {CODEBOOKS_DIR.name}/ without '.yaml' (e.g. ecoc-sme)")
    path = root / CODEBOOKS_DIR / f"{reference}.yaml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in (root / CODEBOOKS_DIR).glob("*.yaml")))
        raise HarvestError.at(lab_dir / "lab.yaml", None, f"codebook '{reference}' not found in {CODEBOOKS_DIR.name}/",
                              f"use one of: {known}, or put a codebook.yaml in the lab folder")
    return path


def load_codebook(path: Path | None, language: str,
                  question_ids: list[str] | None = None) -> tuple[Codebook | None, list[Problem]]:
    """Read and validate a codebook file (None: the lab has none)."""
    if path is None:
        return None, []
    return parse_codebook(read_text(path), path, language, question_ids, project_limits())


def check_codebook(lab_dir: Path, reference: str | None, language: str, question_ids: list[str],
                   root: Path = Path(".")) -> list[Problem]:
    """`harvest check`: the lab's codebook problems (errors raise, warnings returned)."""
    return load_codebook(codebook_path(lab_dir, reference, root), language, question_ids)[1]


def anchor_vectors(themes: tuple[CodebookTheme, ...], language: str,
                   embed: Callable[[list[str]], np.ndarray]) -> np.ndarray:
    """Each theme's starting centre: the mean of its title, description and example vectors."""
    if not themes:
        return np.zeros((0, 0))
    texts = [theme.texts(language) for theme in themes]
    flat = embed([t for group in texts for t in group])
    bounds = np.cumsum([0] + [len(g) for g in texts])
    return np.vstack([flat[a:b].mean(axis=0) for a, b in zip(bounds[:-1], bounds[1:], strict=True)])


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)


def structureless_similarity(Z: np.ndarray, rng: np.random.RandomState, directions: int) -> tuple[float, float]:
    """Median and robust spread of the notes' similarity to directions with no meaning (Gaussian draws
    of the notes' own spread): what closeness to a theme looks like by chance."""
    random = _unit(rng.normal(size=(directions, Z.shape[1])) * Z.std(axis=0))
    sims = (Z @ random.T).ravel()
    median = float(np.median(sims))
    spread = MAD_TO_SD * float(np.median(np.abs(sims - median)))
    return median, spread if spread > 0 else 1.0


def assign_to_anchors(Z: np.ndarray, anchors: np.ndarray, min_z: float, iterations: int,
                      null: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """Notes clearly closest to a codebook anchor join it; anchors move toward their members.

    Calibrated on the data, not a fixed cosine: a note joins a theme when its similarity to it is
    `min_z` robust standard deviations above its similarity to meaningless directions (`null`, from
    `structureless_similarity`) — in the centred space, so closer to the theme than to what all the
    question's notes share — and the theme is its nearest. Each centre is then the mean of its
    starting vector and its members (seeded k-means), and members are re-drawn. Returns labels
    (-1: the rest, for discovery) and centres.
    """
    median, spread = null
    start = _unit(anchors)
    centres = start.copy()
    labels = np.full(len(Z), -1)
    for _ in range(max(iterations, 1)):
        z = (Z @ centres.T - median) / spread
        best = np.argmax(z, axis=1)
        new = np.where(z[np.arange(len(Z)), best] >= min_z, best, -1)
        centres = _unit(np.vstack([start[j] + Z[new == j].sum(axis=0) for j in range(len(start))]))
        if np.array_equal(new, labels):
            break
        labels = new
    return labels, centres


def join_anchors(Z: np.ndarray, found: np.ndarray, found_centres: np.ndarray, anchor_centres: np.ndarray,
                 null: tuple[float, float], min_z: float) -> tuple[np.ndarray, np.ndarray]:
    """A discovered theme whose centre is clearly a codebook theme's joins it (the notes' test, on the centre).

    Returns labels in the caller's numbering minus len(anchors) (a joined note: its codebook label -
    len(anchors), a kept theme: its new index, -1 - len(anchors): no theme) and the kept centres.
    """
    median, spread = null
    n_anchor = len(anchor_centres)
    z = (_unit(found_centres) @ anchor_centres.T - median) / spread if len(found_centres) else np.zeros((0, n_anchor))
    keep: list[int] = []
    target: dict[int, int] = {}
    for t in range(len(found_centres)):
        if not (found == t).any():
            continue
        j = int(np.argmax(z[t]))
        if z[t, j] >= min_z:
            target[t] = j - n_anchor          # becomes label j once the caller adds n_anchor
        else:
            keep.append(t)
    renumber = {old: new for new, old in enumerate(keep)}
    labels = np.array([target.get(int(t), renumber.get(int(t), -1 - n_anchor)) for t in found], dtype=int)
    return labels, found_centres[keep] if keep else np.zeros((0, Z.shape[1]))


def compete(Z: np.ndarray, labels: np.ndarray, starts: np.ndarray, centres: np.ndarray,
            iterations: int) -> tuple[np.ndarray, np.ndarray]:
    """Codebook and discovered themes share the notes: each note goes to its nearest centre, centres move
    (a codebook centre toward its members from its starting vector, a discovered one to its members'
    mean), until no note moves. A note only the first pass left to discovery joins a codebook theme
    when it is nearer to it than to any discovered theme, and a discovered theme keeps the region no
    codebook theme is nearer to. Returns labels (codebook themes first) and centres.
    """
    n_anchor = len(starts)
    centres = centres.copy()
    for _ in range(max(iterations, 1)):
        new = np.argmax(Z @ centres.T, axis=1)
        if np.array_equal(new, labels):
            break
        labels = new
        for j in range(len(centres)):
            members = Z[labels == j]
            if j < n_anchor:
                centres[j] = _unit(starts[j] + members.sum(axis=0))
            elif len(members):
                centres[j] = _unit(members.mean(axis=0))
    return labels, centres
