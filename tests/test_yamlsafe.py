"""The one YAML loader: alias bombs fail fast, duplicate keys and other encodings are clear errors."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from pipeline.edits import load_edits, parse_edits
from pipeline.errors import HarvestError
from pipeline.lab import load_lab
from pipeline.params import load_params
from pipeline.yamlsafe import STRICT, YamlLimits, load_yaml, parse_yaml, project_limits

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_LAB = ROOT / "data" / "raw" / "timisoara-2020-10-20"
LIMITS = YamlLimits.from_params(load_params(ROOT / "params.yaml"))

BILLION_LAUGHS = "\n".join(
    ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    + [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)]
) + "\n"


def test_alias_bomb_fails_fast_with_the_line_and_the_limit():
    start = time.perf_counter()
    with pytest.raises(HarvestError) as err:
        parse_yaml(BILLION_LAUGHS, "theme_edits.yaml", LIMITS)
    assert time.perf_counter() - start < 1
    message = str(err.value)
    assert message.startswith("theme_edits.yaml:")
    assert "max_aliases" in message or "max_nodes" in message


def test_few_aliases_that_expand_hugely_are_refused_by_the_node_limit():
    # 4 aliases per level, 9 levels: 36 aliases (under max_aliases) expanding to 4**9 values.
    lines = ["a0: &a0 [x, x, x, x]"] + [f"a{i}: &a{i} [*a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}]" for i in range(1, 9)]
    text = "\n".join(lines) + "\n"
    assert text.count("*") < LIMITS.max_aliases
    with pytest.raises(HarvestError, match=r"lab.yaml:\d+: aliases expand to more than .*yaml.max_nodes"):
        parse_yaml(text, "lab.yaml", LIMITS)


def test_a_few_aliases_within_the_limits_load_normally():
    data = parse_yaml("base: &b {city: Kaunas}\nother: *b\n", "lab.yaml", LIMITS)
    assert data == {"base": {"city": "Kaunas"}, "other": {"city": "Kaunas"}}


def test_strict_limits_refuse_any_alias_and_params_yaml_is_strict(tmp_path: Path):
    with pytest.raises(HarvestError, match=r"x.yaml:2: no aliases"):
        parse_yaml("a: &a 1\nb: *a\n", "x.yaml", STRICT)
    (tmp_path / "params.yaml").write_text("labs: &l [a]\nother: *l\n", encoding="utf-8")
    with pytest.raises(HarvestError, match=r"params.yaml:2: no aliases"):
        load_params(tmp_path / "params.yaml")


def test_recursive_alias_is_an_error_not_a_hang():
    with pytest.raises(HarvestError, match=r"x.yaml:1: an alias refers to the value that contains it"):
        parse_yaml("a: &a [1, *a]\n", "x.yaml", LIMITS)


def test_duplicate_key_names_both_lines_and_the_fix():
    text = "rename:\n  - theme: s1q1~a.csv:2\n    title: Unu\nnot_relevant: []\nrename:\n  - theme: x\n    title: y\n"
    with pytest.raises(HarvestError) as err:
        parse_edits(text, "theme_edits.yaml")
    assert str(err.value) == ("theme_edits.yaml:5: duplicate key 'rename' — merge the two blocks "
                              "(the first is at line 1)")


def test_duplicate_nested_key_is_refused_but_a_merge_key_is_not():
    with pytest.raises(HarvestError, match=r"lab.yaml:3: duplicate key 'text'"):
        parse_yaml("q:\n  text: a\n  text: b\n", "lab.yaml", LIMITS)
    data = parse_yaml("d: &d {x: 1}\ne:\n  <<: *d\n  y: 2\n", "lab.yaml", LIMITS)
    assert data["e"] == {"x": 1, "y": 2}


def test_non_utf8_theme_edits_is_an_error_with_the_line(tmp_path: Path):
    text = "rename:\n  - theme: s1q1~a.csv:2\n    title: Finanțare și spații\n"
    (tmp_path / "theme_edits.yaml").write_bytes(text.encode("cp1250", errors="replace").replace(b"?", b"\xfe"))
    with pytest.raises(HarvestError) as err:
        load_edits(tmp_path)
    assert str(err.value).startswith(f"{tmp_path / 'theme_edits.yaml'}:3: theme_edits.yaml is not UTF-8 text")
    assert "save the file as UTF-8" in str(err.value)


def test_non_utf8_lab_yaml_is_an_error(tmp_path: Path):
    lab = tmp_path / "timisoara-2020-10-20"
    lab.mkdir()
    (lab / "lab.yaml").write_bytes((SAMPLE_LAB / "lab.yaml").read_text(encoding="utf-8").encode("utf-16"))
    with pytest.raises(HarvestError, match=r"lab.yaml:1: lab.yaml is not UTF-8 text"):
        load_lab(lab)


def test_impossible_date_is_an_error_at_its_line():
    with pytest.raises(HarvestError, match=r"lab.yaml:2: '2021-02-30' is not a real date — write an existing date"):
        parse_yaml("id: x\ndate: 2021-02-30\n", "lab.yaml", LIMITS)


def test_absurdly_deep_nesting_is_an_error_not_a_traceback():
    with pytest.raises(HarvestError, match=r"x.yaml: x.yaml is nested too deeply to be read"):
        parse_yaml("[" * 5000 + "]" * 5000, "x.yaml", LIMITS)


def test_python_tags_stay_refused():
    with pytest.raises(HarvestError, match=r"x.yaml:1: x.yaml is not valid YAML"):
        parse_yaml("a: !!python/object/apply:os.system ['true']\n", "x.yaml", LIMITS)


def test_syntax_error_names_the_line():
    with pytest.raises(HarvestError, match=r"x.yaml:3: x.yaml is not valid YAML"):
        parse_yaml("a: 1\nb: x\n  c: y\n", "x.yaml", LIMITS)


def test_project_limits_come_from_params_yaml(tmp_path: Path):
    assert project_limits(ROOT) == LIMITS
    assert project_limits(tmp_path) == STRICT
    (tmp_path / "params.yaml").write_text("yaml:\n  max_aliases: 3\n  max_nodes: 50\n", encoding="utf-8")
    assert project_limits(tmp_path) == YamlLimits(3, 50)


def test_every_yaml_read_in_the_package_goes_through_the_loader():
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "pipeline").rglob("*.py")
                 if p.name != "yamlsafe.py" and any(call in p.read_text(encoding="utf-8") for call in
                                                    ("yaml.safe_load", "yaml.load(", "yaml.compose", "yaml.full_load"))]
    assert offenders == []


def test_the_sample_lab_and_every_package_yaml_load():
    assert load_lab(SAMPLE_LAB).id == "timisoara-2020-10-20"
    for path in (ROOT / "pipeline").rglob("*.yaml"):
        assert load_yaml(path) is not None, path
