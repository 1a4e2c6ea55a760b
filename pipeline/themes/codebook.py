"""Codebook themes (deductive): the themes a lab expects, read from YAML, validated, and assigned.

Format (a contract that users' files and `harvest evaluate` rely on):

    name: {en: "ECoC-SME expected themes", ro: "…"}   # optional: how reports name the list
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
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from pipeline import paths
from pipeline.errors import HarvestError, Problem
from pipeline.lab import key_lines
from pipeline.lang import in_language
from pipeline.yamlsafe import STRICT, YamlLimits, parse_yaml_node, project_limits, read_text

CODEBOOK_FILE = "codebook.yaml"
CODEBOOKS_DIR = Path("codebooks")       # in the project folder, next to params.yaml
THEME_KEYS = ("id", "title", "description", "examples")
THEME_ID = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")


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
        return in_language(getattr(self, field), language)

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
    name: dict[str, str] = field(default_factory=dict)     # the list's name per language ({} when not given)

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
        if key not in ("name", "questions", "all"):
            problem(str(key), f"unknown key '{key}'", "use 'name:', 'questions:' and 'all:'")
    name = _by_language(data.get("name", {}), language, many=False)
    if name is None:
        problem("name", "the codebook's name must be text per language",
                "write name: \"…\" or name: {en: \"…\", ro: \"…\"}")

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
    return Codebook(str(path), questions, everywhere, name or {}), warnings


def redacted_codebook(codebook: Codebook | None, people: tuple[str, ...], language: str) -> Codebook | None:
    """The codebook with its name, titles, descriptions and examples redacted like the notes: a lab's own
    codebook.yaml is the analyst's text, and its titles reach themes.json, the spreadsheets and the reports."""
    if codebook is None:
        return None
    from pipeline.redact import redact

    def clean(text: str) -> str:
        return redact(text, people, language)[0]

    def theme(t: CodebookTheme) -> CodebookTheme:
        return replace(t, title={k: clean(v) for k, v in t.title.items()},
                       description={k: clean(v) for k, v in t.description.items()},
                       examples={k: tuple(clean(e) for e in v) for k, v in t.examples.items()})

    return replace(codebook, name={k: clean(v) for k, v in codebook.name.items()},
                   questions={q: tuple(theme(t) for t in ts) for q, ts in codebook.questions.items()},
                   everywhere=tuple(theme(t) for t in codebook.everywhere))


def codebook_path(lab_dir: Path, reference: str | None, root: Path = Path(".")) -> Path | None:
    """Where a lab's codebook is: its own codebook.yaml, else `codebooks/<reference>.yaml`, else none."""
    own = paths.lab_file(lab_dir, CODEBOOK_FILE)
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
