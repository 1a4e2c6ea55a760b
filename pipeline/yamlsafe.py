"""The one YAML loader: safe tags only, aliases limited, duplicate keys refused, errors with file and line.

Every YAML file the pipeline reads (params.yaml, lab.yaml, theme_edits.yaml, codebooks, the package's
own data files) goes through `load_yaml` / `parse_yaml`, so a hostile or careless file fails fast with
`file:line: problem — fix` instead of hanging (an alias bomb), silently losing a block (two `rename:`
keys) or raising a traceback (a file saved in another encoding, an impossible date).

Limits come from params.yaml's `yaml:` section. params.yaml itself (and any file read where there is
no params.yaml) is read with `STRICT`: no aliases at all, which makes an alias bomb impossible.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pipeline.errors import HarvestError

PARAMS_SECTION = "yaml"
UTF8_FIX = "save the file as UTF-8 in your editor (Save as… → Encoding: UTF-8)"
SYNTAX_FIX = "check the indentation and quote texts that contain ':' or '#'"
MERGE_KEY = "<<"


@dataclass(frozen=True)
class YamlLimits:
    """How much aliasing a YAML file may use: `max_aliases` references, `max_nodes` values once expanded."""

    max_aliases: int
    max_nodes: int

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> YamlLimits:
        """The limits in params.yaml's `yaml:` section (STRICT when the section is missing)."""
        section = params.get(PARAMS_SECTION)
        if not isinstance(section, dict):
            return STRICT
        try:
            return cls(int(section["max_aliases"]), int(section["max_nodes"]))
        except (KeyError, TypeError, ValueError):
            raise HarvestError.at("params.yaml", None, "'yaml:' needs integer 'max_aliases' and 'max_nodes'",
                                  "restore the 'yaml:' section from git") from None


# No aliases: expansion is then linear in the file's size, so no node limit is needed.
STRICT = YamlLimits(max_aliases=0, max_nodes=-1)


def _line(node_or_mark: Any) -> int:
    mark = getattr(node_or_mark, "start_mark", node_or_mark)
    return int(mark.line) + 1


class _Loader(yaml.SafeLoader):
    """SafeLoader that counts aliases while composing and names the line of an impossible date."""

    def __init__(self, text: str, path: str, limits: YamlLimits):
        super().__init__(text)
        self.path = path
        self.limits = limits
        self.aliases = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > self.limits.max_aliases:
                mark = self.peek_event().start_mark
                allowed = ("no aliases (&/*) are allowed here" if self.limits.max_aliases == 0
                           else f"more than {self.limits.max_aliases} aliases (*name)")
                raise HarvestError.at(self.path, _line(mark), allowed,
                                      "write the values out instead of repeating them with &anchor/*alias"
                                      f" (limit: params.yaml {PARAMS_SECTION}.max_aliases)")
        return super().compose_node(parent, index)

    def construct_yaml_timestamp(self, node: yaml.Node) -> Any:
        """A date-like value that is no real date (2021-02-30) is an error at its line."""
        try:
            return super().construct_yaml_timestamp(node)  # type: ignore[arg-type]
        except ValueError:
            raise HarvestError.at(self.path, _line(node), f"'{node.value}' is not a real date",
                                  "write an existing date as YYYY-MM-DD") from None


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


def _check_node(root: yaml.Node, path: str, limits: YamlLimits) -> None:
    """Refuse duplicate keys, recursive aliases and an expansion past `limits.max_nodes`."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in active:
            raise HarvestError.at(path, _line(node), "an alias refers to the value that contains it",
                                  "remove the recursive &anchor/*alias")
        active.add(key)
        total = 1
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.value != MERGE_KEY:
                    name = f"{key_node.tag}:{key_node.value}"
                    if name in seen:
                        raise HarvestError.at(path, _line(key_node), f"duplicate key '{key_node.value}'",
                                              f"merge the two blocks (the first is at line {seen[name]})")
                    seen[name] = _line(key_node)
                total += size(key_node) + size(value_node)
        elif isinstance(node, yaml.SequenceNode):
            total += sum(size(item) for item in node.value)
        active.discard(key)
        if 0 <= limits.max_nodes < total:
            raise HarvestError.at(path, _line(node), f"aliases expand to more than {limits.max_nodes} values",
                                  "write the values out instead of repeating them with &anchor/*alias"
                                  f" (limit: params.yaml {PARAMS_SECTION}.max_nodes)")
        sizes[key] = total
        return total

    size(root)


def key_lines(node: yaml.Node, prefix: str = "") -> dict[str, int]:
    """Map dotted key paths (sessions.0.questions.1.id) to 1-based line numbers, for error messages."""
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            path = f"{prefix}{key_node.value}"
            lines[path] = key_node.start_mark.line + 1
            lines.update(key_lines(value_node, path + "."))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[f"{prefix}{i}"] = item.start_mark.line + 1
            lines.update(key_lines(item, f"{prefix}{i}."))
    return lines


def parse_yaml_node(text: str, path: Path | str, limits: YamlLimits = STRICT) -> tuple[Any, yaml.Node | None]:
    """Parse YAML text into (data, node); the node gives callers the line of every key."""
    name = str(path)
    loader = _Loader(text, name, limits)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None
        _check_node(node, name, limits)
        return loader.construct_document(node), node
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise HarvestError.at(name, _line(mark) if mark is not None else None,
                              f"{Path(name).name} is not valid YAML ({exc.problem or exc.context})",
                              SYNTAX_FIX) from None
    except yaml.YAMLError as exc:
        raise HarvestError.at(name, None, f"{Path(name).name} is not valid YAML ({exc})", SYNTAX_FIX) from None
    except RecursionError:
        raise HarvestError.at(name, None, f"{Path(name).name} is nested too deeply to be read",
                              "write lists and mappings at most a few levels deep") from None
    finally:
        loader.dispose()


def parse_yaml(text: str, path: Path | str, limits: YamlLimits = STRICT) -> Any:
    """Parse YAML text safely (see the module docstring); `path` only names the file in errors."""
    return parse_yaml_node(text, path, limits)[0]


def read_text(path: Path) -> str:
    """A text file's contents as UTF-8 (a BOM is dropped); another encoding is an error at its line."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise HarvestError.at(path, line, f"{path.name} is not UTF-8 text (byte 0x{raw[exc.start]:02x})",
                              UTF8_FIX) from None


def load_yaml_node(path: Path, limits: YamlLimits = STRICT) -> tuple[Any, yaml.Node | None]:
    """Read and parse a YAML file into (data, node); a missing file is the caller's to report."""
    return parse_yaml_node(read_text(path), path, limits)


def load_yaml(path: Path, limits: YamlLimits = STRICT) -> Any:
    """Read and parse a YAML file safely; the one way the pipeline reads YAML."""
    return load_yaml_node(path, limits)[0]


def project_limits(root: Path = Path(".")) -> YamlLimits:
    """The limits in root/params.yaml, for the files a user writes (STRICT without a params.yaml)."""
    params_path = root / "params.yaml"
    if not params_path.is_file():
        return STRICT
    params = load_yaml(params_path)
    return YamlLimits.from_params(params) if isinstance(params, dict) else STRICT
