"""params.yaml: every tunable, one section per stage, each read once into a typed, frozen section.

A section's dataclass is the one list of its keys and their types: `load_params` checks every section it
finds against it (an unknown key, a missing one or a value of the wrong type is a HarvestError naming
params.yaml, the line and the key), and a stage takes its settings with `typed(params, LinksParams)`. The
defaults live in params.yaml alone; the theme clusterer's signature must agree with it (tests/test_params.py).

Longer than 300 lines because every section's keys, types and ranges are listed here, in one place.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from pipeline.errors import HarvestError
from pipeline.paths import check_lab_id
from pipeline.yamlsafe import key_lines, load_yaml_node

PARAMS_FILE = Path("params.yaml")
S = TypeVar("S", bound="Section")


@dataclass(frozen=True)
class Section:
    """One params.yaml section; subclasses list its keys as typed fields and name it in `NAME`."""

    NAME: ClassVar[str] = ""
    # key -> (lowest, highest) a value may take, both included: out of range, a stage would fail deep inside a
    # library (a quantile of 95, a fuzzy score of 920) or silently do nonsense (a sample fraction of 80).
    RANGES: ClassVar[dict[str, tuple[float, float]]] = {}

    @classmethod
    def from_section(cls: type[S], data: Any, lines: dict[str, int] | None = None) -> S:
        """The section from its params.yaml mapping: unknown, missing or mistyped keys are HarvestErrors."""
        lines = lines or {}
        name = cls.NAME
        if not isinstance(data, dict):
            raise HarvestError.at(PARAMS_FILE, lines.get(name), f"section '{name}:' must be a mapping of settings",
                                  f"restore the '{name}:' section from git")
        hints = typing.get_type_hints(cls)
        fields = [f.name for f in dataclasses.fields(cls)]
        unknown = [k for k in data if k not in fields]
        if unknown:
            raise HarvestError.at(PARAMS_FILE, lines.get(f"{name}.{unknown[0]}"), f"{name}: unknown key '{unknown[0]}'",
                                  f"remove it or fix its spelling; '{name}:' takes {', '.join(fields)}")
        missing = [k for k in fields if k not in data]
        if missing:
            raise HarvestError.at(PARAMS_FILE, lines.get(name), f"{name}: missing {', '.join(missing)}",
                                  f"add {'them' if len(missing) > 1 else 'it'} to the '{name}:' section "
                                  "(see the README)")
        for key in fields:
            if not _fits(data[key], hints[key]):
                raise HarvestError.at(PARAMS_FILE, lines.get(f"{name}.{key}"),
                                      f"{name}.{key} must be {_type_name(hints[key])}, not {data[key]!r}",
                                      "restore the value from git or the README")
        for key, (low, high) in cls.RANGES.items():
            if not low <= data[key] <= high:
                shown = f"at least {low:g}" if high == math.inf else f"between {low:g} and {high:g}"
                raise HarvestError.at(PARAMS_FILE, lines.get(f"{name}.{key}"),
                                      f"{name}.{key} must be {shown}, not {data[key]!r}",
                                      "restore the value from git or the README")
        cls.check_values(data, lines)
        return cls(**{k: _frozen(data[k]) for k in fields})

    @classmethod
    def check_values(cls, data: dict[str, Any], lines: dict[str, int]) -> None:
        """What a section checks beyond types and ranges (none by default)."""

    def as_dict(self) -> dict[str, Any]:
        """The section as params.yaml writes it (for records such as run_info.json)."""
        return {f.name: _thawed(getattr(self, f.name)) for f in dataclasses.fields(self)}


def _fits(value: Any, hint: Any) -> bool:
    if isinstance(hint, types.UnionType):
        return any(_fits(value, h) for h in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    origin = typing.get_origin(hint)
    if origin is tuple:
        inner = typing.get_args(hint)[0]
        return isinstance(value, list) and all(_fits(v, inner) for v in value)
    return isinstance(value, hint)


def _type_name(hint: Any) -> str:
    if isinstance(hint, types.UnionType):
        return " or ".join(_type_name(h) for h in typing.get_args(hint))
    if typing.get_origin(hint) is tuple:
        return f"a list of {_type_name(typing.get_args(hint)[0])}"
    return {int: "a whole number", float: "a number", bool: "true or false", str: "a text",
            type(None): "null", list: "a list"}.get(hint, str(hint))


def _frozen(value: Any) -> Any:
    return tuple(_frozen(v) for v in value) if isinstance(value, list) else value


def _thawed(value: Any) -> Any:
    return [_thawed(v) for v in value] if isinstance(value, tuple) else value


@dataclass(frozen=True)
class YamlParams(Section):
    """Limits of the YAML files users write (yamlsafe)."""

    NAME: ClassVar[str] = "yaml"
    max_aliases: int
    max_nodes: int


@dataclass(frozen=True)
class IngestParams(Section):
    """What ingest reads and how much an archive may unpack to."""

    NAME: ClassVar[str] = "ingest"
    formats: tuple[str, ...]
    max_unpacked_mb: float          # a fraction of a megabyte is a limit too
    max_rows: int


@dataclass(frozen=True)
class CleanParams(Section):
    """Noise, near-duplicates and language detection of the clean stage."""

    NAME: ClassVar[str] = "clean"
    RANGES: ClassVar[dict[str, tuple[float, float]]] = {
        "min_letters": (0, 1000), "near_duplicate_score": (0, 100), "language_min_distance": (0, 0.99)}
    min_letters: int
    near_duplicate_score: float
    languages: tuple[str, ...]
    language_min_distance: float

    @classmethod
    def check_values(cls, data: dict[str, Any], lines: dict[str, int]) -> None:
        """The languages to detect are ones the detector knows (an unknown code failed inside lingua)."""
        from lingua import IsoCode639_1

        unknown = [c for c in data["languages"] if not hasattr(IsoCode639_1, str(c).upper())]
        if unknown:
            raise HarvestError.at(PARAMS_FILE, lines.get("clean.languages"),
                                  f"clean.languages: '{unknown[0]}' is not an ISO 639-1 language code",
                                  "write two-letter codes such as ro, en, hu, de, lt")


@dataclass(frozen=True)
class EmbedParams(Section):
    """The vector backend and its cache."""

    NAME: ClassVar[str] = "embed"
    backend: str
    model_path: str | None
    tfidf_dimensions: int
    cache_dir: str


@dataclass(frozen=True)
class ThemesParams(Section):
    """The theme clusterer's parameters (its `get_params()`, random_state apart) and the themes' presentation."""

    NAME: ClassVar[str] = "themes"
    RANGES: ClassVar[dict[str, tuple[float, float]]] = {
        "min_theme_size": (1, math.inf), "max_themes": (1, math.inf), "pca_dimensions": (1, math.inf),
        "min_pca_dimensions": (1, math.inf), "whiten_power": (0, 1), "min_language_notes": (1, math.inf),
        "n_bootstrap": (2, math.inf), "subsample_fraction": (0.01, 1), "max_sample": (2, math.inf),
        "n_null": (1, math.inf), "min_stability": (0, 1), "prior_theme_share": (0.01, 1),
        "count_tolerance": (0, math.inf),
        "min_margin": (0, 1), "max_unassigned": (0, 1), "codebook_iterations": (1, math.inf),
        "cohesion_draws": (1, math.inf), "cohesion_quantile": (0, 1), "n_init": (1, math.inf),
        "keywords_per_theme": (0, math.inf), "quotes_per_theme": (0, math.inf), "title_min_words": (1, math.inf),
        "title_max_words": (1, math.inf), "title_candidates": (1, math.inf), "summary_max_chars": (1, math.inf),
        "stability_seeds": (1, math.inf)}
    random_state: int
    min_theme_size: int
    max_themes: int
    pca_dimensions: int
    min_pca_dimensions: int
    whiten_power: float
    min_language_notes: int
    n_bootstrap: int
    subsample_fraction: float
    max_sample: int
    n_null: int
    min_stability: float
    prior_theme_share: float
    count_tolerance: float
    min_margin: float
    max_unassigned: float
    codebook_min_z: float
    codebook_join_z: float
    codebook_iterations: int
    cohesion_draws: int
    cohesion_quantile: float
    n_init: int
    process_min_z: float
    keywords_per_theme: int
    quotes_per_theme: int
    title_min_words: int
    title_max_words: int
    title_candidates: int
    summary_max_chars: int
    stability_seeds: int


@dataclass(frozen=True)
class ProposalsParams(Section):
    """How a note is told a proposal or an observation."""

    NAME: ClassVar[str] = "proposals"
    question_default: str
    head_weight: int


@dataclass(frozen=True)
class LinksParams(Section):
    """Which theme pairs across sessions are links, and their evidence."""

    NAME: ClassVar[str] = "links"
    RANGES: ClassVar[dict[str, tuple[float, float]]] = {
        "min_strength": (-1, 1), "null_draws": (1, math.inf), "null_quantile": (0, 1),
        "max_links_per_theme": (0, math.inf), "supporting_pairs": (0, math.inf)}
    min_strength: float
    within_session: bool
    null_draws: int
    null_quantile: float
    random_state: int
    max_links_per_theme: int
    supporting_pairs: int


@dataclass(frozen=True)
class CompareParams(Section):
    """The cross-city comparison."""

    NAME: ClassVar[str] = "compare"
    RANGES: ClassVar[dict[str, tuple[float, float]]] = {"min_similarity": (-1, 1), "quotes_per_city": (0, math.inf)}
    labs: tuple[str, ...]
    min_similarity: float
    quotes_per_city: int
    language: str


@dataclass(frozen=True)
class ReportParams(Section):
    """The report's languages, lists and figures in words."""

    NAME: ClassVar[str] = "report"
    RANGES: ClassVar[dict[str, tuple[float, float]]] = {
        "proposals_per_theme": (0, math.inf), "top_proposals": (0, math.inf), "summary_min_themes": (0, math.inf),
        "summary_max_themes": (0, math.inf), "summary_min_share": (0, 1), "one_table_share": (0, 1),
        "one_table_min_notes": (0, math.inf), "quotes_per_theme": (0, math.inf)}
    languages: tuple[str, ...]
    proposals_per_theme: int
    top_proposals: int
    notebook: str
    summary_min_themes: int
    summary_max_themes: int
    summary_min_share: float
    one_table_share: float
    one_table_min_notes: int
    quotes_per_theme: int
    separation_words: tuple[tuple[float | str, ...], ...]
    stability_words: tuple[tuple[float | str, ...], ...]


SECTIONS: dict[str, type[Section]] = {cls.NAME: cls for cls in (
    YamlParams, IngestParams, CleanParams, EmbedParams, ThemesParams, ProposalsParams, LinksParams, CompareParams,
    ReportParams)}


def typed(params: dict[str, Any], cls: type[S]) -> S:
    """A stage's typed settings from the loaded params (a missing section names itself)."""
    return cls.from_section(section(params, cls.NAME))


def load_params(path: Path = PARAMS_FILE) -> dict[str, Any]:
    """The whole params.yaml as a dict; a missing or broken file is a HarvestError."""
    if not path.is_file():
        raise HarvestError.at(path, None, "params.yaml not found", "run harvest from the project folder")
    data, node = load_yaml_node(path)
    if not isinstance(data, dict) or node is None:
        raise HarvestError.at(path, 1, "params.yaml must be a mapping", "restore it from git")
    lines = key_lines(node)
    check_lab_lists(data, lines, path)
    unknown = [k for k in data if k not in SECTIONS and k != "labs"]
    if unknown:
        raise HarvestError.at(path, lines.get(unknown[0]), f"unknown section '{unknown[0]}:'",
                              f"remove it or fix its spelling; sections: labs, {', '.join(SECTIONS)}")
    for name, cls in SECTIONS.items():
        if name in data:
            cls.from_section(data[name], lines)        # every section checked once, when params.yaml is read
    return data


def check_lab_lists(params: dict[str, Any], lines: dict[str, int], path: Path = PARAMS_FILE) -> None:
    """Every id under `labs:` and `compare.labs:` is a safe lab id (checked before any path is built)."""
    for key, labs in (("labs", params.get("labs")), ("compare.labs", (params.get("compare") or {}).get("labs"))):
        if labs is None:
            continue
        if not isinstance(labs, list):
            raise HarvestError.at(path, lines.get(key), f"'{key}' must be a list of lab ids",
                                  "write one '  - <lab-id>' per line")
        for i, lab_id in enumerate(labs):
            check_lab_id(lab_id, str(path), lines.get(f"{key}.{i}", lines.get(key)))


def section(params: dict[str, Any], name: str) -> dict[str, Any]:
    """One stage's section; missing sections are an error naming the section."""
    if name not in params or not isinstance(params[name], dict):
        raise HarvestError.at(PARAMS_FILE, None, f"section '{name}:' missing",
                              f"add the '{name}:' section (see the README)")
    return params[name]
