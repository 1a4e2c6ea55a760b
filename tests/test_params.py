"""One source for every default: params.yaml, read into typed sections; the clusterer and `harvest evaluate` agree."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
import yaml

from pipeline.errors import HarvestError
from pipeline.evaluate import FALLBACK_EMBED, FALLBACK_SEED, default_params
from pipeline.params import SECTIONS, LinksParams, ThemesParams, load_params, typed
from pipeline.themes import clusterer_params
from pipeline.themes.cluster import ThemeClusterer
from tests.conftest import ROOT

PROJECT = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))


def _write(tmp_path: Path, params: dict) -> Path:
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(params, sort_keys=False), encoding="utf-8")
    return path


def test_every_section_of_params_yaml_is_typed_and_every_typed_section_is_in_it():
    assert set(PROJECT) - {"labs"} == set(SECTIONS)
    params = load_params(ROOT / "params.yaml")
    for cls in SECTIONS.values():
        section = typed(params, cls)
        assert section.as_dict() == PROJECT[cls.NAME]            # nothing lost or changed on the way
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(section, dataclasses.fields(section)[0].name, None)


def test_the_clusterers_defaults_are_params_yamls():
    # A default that drifts from params.yaml (stability_tolerance 0.0 against 0.1, once) fails here.
    defaults = ThemeClusterer().get_params()
    assert {k: defaults[k] for k in clusterer_params()} == {k: PROJECT["themes"][k] for k in clusterer_params()}
    assert set(clusterer_params()) <= {f.name for f in dataclasses.fields(ThemesParams)}


def test_harvest_evaluate_outside_a_project_uses_params_yamls_values():
    fallback = default_params()
    assert fallback["embed"] == PROJECT["embed"] == FALLBACK_EMBED
    assert FALLBACK_SEED == PROJECT["themes"]["random_state"] == fallback["themes"]["random_state"]
    names = clusterer_params()
    assert {k: fallback["themes"][k] for k in names} == {k: PROJECT["themes"][k] for k in names}


def test_an_unknown_key_is_an_error_naming_params_yaml_the_line_and_the_key(tmp_path: Path):
    links = dict(PROJECT["links"])
    links["min_strenght"] = links.pop("min_strength")
    path = _write(tmp_path, {"labs": ["a-lab"], "links": links})
    with pytest.raises(HarvestError, match=r"params.yaml:\d+: links: unknown key 'min_strenght' — remove it or "
                                           r"fix its spelling; 'links:' takes min_strength, "):
        load_params(path)


def test_a_missing_key_and_a_mistyped_value_are_errors(tmp_path: Path):
    links = {k: v for k, v in PROJECT["links"].items() if k != "null_draws"}
    with pytest.raises(HarvestError, match=r"params.yaml:3: links: missing null_draws"):
        load_params(_write(tmp_path, {"labs": ["a-lab"], "links": links}))
    with pytest.raises(HarvestError, match=r"params.yaml:\d+: links.within_session must be true or false, not 'no'"):
        load_params(_write(tmp_path, {"labs": ["a-lab"], "links": {**PROJECT["links"], "within_session": "no"}}))
    with pytest.raises(HarvestError, match=r"links.max_links_per_theme must be a whole number, not 2.5"):
        load_params(_write(tmp_path, {"labs": ["a-lab"], "links": {**PROJECT["links"], "max_links_per_theme": 2.5}}))
    with pytest.raises(HarvestError, match=r"params.yaml:\d+: unknown section 'link:'"):
        load_params(_write(tmp_path, {"labs": ["a-lab"], "link": PROJECT["links"]}))


def test_a_stage_reads_its_section_typed():
    params = load_params(ROOT / "params.yaml")
    links = typed(params, LinksParams)
    assert isinstance(links.min_strength, float) and links.within_session is False
    with pytest.raises(HarvestError, match="section 'links:' missing"):
        typed({"labs": []}, LinksParams)


@pytest.mark.parametrize(("section", "key", "value", "message"), [
    ("clean", "near_duplicate_score", 920, "clean.near_duplicate_score must be between 0 and 100, not 920"),
    ("themes", "cohesion_quantile", 95, "themes.cohesion_quantile must be between 0 and 1, not 95"),
    ("themes", "subsample_fraction", 80, "themes.subsample_fraction must be between 0.01 and 1, not 80"),
    ("themes", "min_theme_size", 0, "themes.min_theme_size must be at least 1, not 0"),
    ("links", "null_quantile", 95, "links.null_quantile must be between 0 and 1, not 95"),
    ("clean", "languages", ["ro", "xx"], "clean.languages: 'xx' is not an ISO 639-1 language code"),
])
def test_a_value_out_of_its_range_is_an_error_naming_the_key_not_a_library_traceback(tmp_path: Path, section, key,
                                                                                     value, message):
    path = _write(tmp_path, {"labs": ["a-lab"], section: {**PROJECT[section], key: value}})
    with pytest.raises(HarvestError, match=r"params.yaml:\d+: " + re.escape(message)):
        load_params(path)
    load_params(_write(tmp_path, {"labs": ["a-lab"], section: PROJECT[section]}))     # the shipped value is in range
