"""Static facts about pipeline/, read with `ast`: which modules import which, and which files each one touches.

Used by test_dvc_deps.py (a stage's code and data files must be dvc.yaml deps) and test_architecture.py
(no import cycles). Imports inside functions count: a lazy import still runs when the stage runs.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = "pipeline"
READS = {"read", "read_from"}
WRITES = {"write", "write_to", "clear"}
UNTRACKED = {"data", "reports", "params.yaml", ".cache"}


def module_file(module: str) -> Path | None:
    """pipeline/a/b.py or pipeline/a/b/__init__.py for 'pipeline.a.b' (None when it is not a module)."""
    base = ROOT.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def all_modules() -> list[str]:
    """Every module of the package, dotted."""
    names = []
    for path in sorted((ROOT / PACKAGE).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def _parents(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def _package_of(module: str) -> str:
    path = module_file(module)
    return module if path is not None and path.name == "__init__.py" else module.rsplit(".", 1)[0]


def imports_in_tree(tree: ast.AST, module: str) -> set[str]:
    """The pipeline modules an AST imports at run time (a name imported from a package counts as the package).

    Imports under `if TYPE_CHECKING:` are for the type checker only; they never run, so they make no cycle.
    """
    typing_only = {id(inner) for node in ast.walk(tree) if isinstance(node, ast.If) and _is_type_checking(node.test)
                   for stmt in node.body for inner in ast.walk(stmt)}
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = _package_of(module).split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = [f"{base}.{a.name}" if module_file(f"{base}.{a.name}") else base for a in node.names]
        else:
            continue
        found |= {n for n in names if n == PACKAGE or n.startswith(PACKAGE + ".")}
    return {m for m in found if module_file(m) is not None}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


@cache
def tree_of(path: Path) -> ast.Module:
    """Parsed source of a module or of a notebook's code cells."""
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        source = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    else:
        source = path.read_text(encoding="utf-8")
    return ast.parse(source)


def direct_imports(module: str) -> set[str]:
    """Modules `module` imports itself (and its parent packages, which Python runs first)."""
    path = module_file(module)
    assert path is not None, module
    return (imports_in_tree(tree_of(path), module) | set(_parents(module))) - {module}


@cache
def import_graph() -> dict[str, set[str]]:
    """Each pipeline module -> the pipeline modules it imports."""
    return {m: direct_imports(m) for m in all_modules()}


def closure(start: set[str]) -> set[str]:
    """The modules reached from `start` through imports (start included)."""
    graph = import_graph()
    seen, todo = set(), list(start)
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        todo += graph.get(module, set()) | set(_parents(module))
    return seen


@dataclass
class FileUse:
    """What a piece of code reads and writes: catalogue datasets, raw lab folders, project files."""

    reads: set[str] = field(default_factory=set)
    writes: set[str] = field(default_factory=set)
    raw_lab: bool = False
    files: set[Path] = field(default_factory=set)


def _constant_path(node: ast.expr, here: Path) -> Path | None:
    """`Path(__file__).parent / "a" / "b"` -> here/a/b; `root / "notebooks" / "x.ipynb"` -> ROOT/notebooks/x.ipynb."""
    parts: list[str] = []
    while isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        if isinstance(node.right, ast.Constant) and isinstance(node.right.value, str):
            parts.insert(0, node.right.value)
        else:
            parts = []          # `root / "codebooks" / name`: the folder is what is known
        node = node.left
    if not parts:
        return None
    ups = 0
    while isinstance(node, ast.Attribute) and node.attr == "parent":
        ups += 1
        node = node.value
    relative = isinstance(node, ast.Call) and ast.unparse(node) == "Path(__file__)" and ups > 0
    base = here.parents[ups - 1] if relative else ROOT
    return base.joinpath(*parts)


def file_use(path: Path) -> FileUse:
    """The catalogue datasets a module (or notebook) reads and writes, and the project files it names."""
    tree = tree_of(path)
    use = FileUse()
    aliases = {"catalog"}
    imported: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == f"{PACKAGE}.catalog":
            imported |= {a.asname or a.name: a.name for a in node.names}
        if isinstance(node, ast.ImportFrom) and node.module == PACKAGE:
            aliases |= {a.asname or a.name for a in node.names if a.name == "catalog"}
    inner = {id(n.left) for n in ast.walk(tree) if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Div)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in READS | WRITES:
            target = node.value
            name = None
            if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) \
                    and target.value.id in aliases:
                name = target.attr
            elif isinstance(target, ast.Name) and target.id in imported:
                name = imported[target.id]
            if name is not None:
                (use.reads if node.attr in READS else use.writes).add(name)
        elif isinstance(node, ast.Attribute) and node.attr == "raw_dir":
            use.raw_lab = True
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Path" \
                and len(node.args) == 1 and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            # Path("codebooks"): a project folder the code reads (stage files, raw labs and params.yaml
            # are declared through the catalogue, raw_dir and dvc.yaml's params instead)
            found = ROOT / node.args[0].value
            if found.exists() and found != ROOT and found.parts[len(ROOT.parts)] not in UNTRACKED:
                use.files.add(found)
        elif isinstance(node, ast.BinOp) and id(node) not in inner:
            found = _constant_path(node, path)
            if found is not None and found.exists() and ROOT in found.parents:
                use.files.add(found)
    return use


def package_data(module: str) -> set[Path]:
    """Files other than Python source that live in a package's folder (outside its sub-packages)."""
    path = module_file(module)
    if path is None or path.name != "__init__.py":
        return set()
    found = set()
    for item in path.parent.rglob("*"):
        if not item.is_file() or item.suffix in {".py", ".pyc"} or "__pycache__" in item.parts:
            continue
        owner = item.parent
        while owner != path.parent and not (owner / "__init__.py").is_file():
            owner = owner.parent
        if owner == path.parent:
            found.add(item)
    return found


LANG = f"{PACKAGE}.lang"
DATA_READERS = ("data_lines", "data_file")     # (code, NAME): the language file NAME


def lang_calls(path: Path) -> tuple[set[str], set[str]]:
    """(the pipeline.lang readers a module or notebook names, the files it passes to `data_lines` / `data_file`).

    A reader named is a reader run (imported for a call); `data_lines(code, NAME)` reads the file NAME
    names: a string, or a constant of the module's own (PATTERNS_FILE = "process_notes.txt")."""
    tree = tree_of(path)
    names: dict[str, str] = {}
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == LANG:
            names |= {a.asname or a.name: a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module == PACKAGE:
            modules |= {a.asname or a.name for a in node.names if a.name == "lang"}
    constants = {t.id: n.value.value for n in tree.body if isinstance(n, ast.Assign)
                 and isinstance(n.value, ast.Constant) and isinstance(n.value.value, str)
                 for t in n.targets if isinstance(t, ast.Name)}
    readers: set[str] = set(names.values())
    files: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules:
            readers.add(node.attr)
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        called = names.get(func.id) if isinstance(func, ast.Name) else \
            func.attr if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) \
            and func.value.id in modules else None
        if called in DATA_READERS and len(node.args) == 2:
            arg = node.args[1]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                files.add(arg.value)
            elif isinstance(arg, ast.Name) and arg.id in constants:
                files.add(constants[arg.id])
            else:
                raise AssertionError(f"{path}: {called}'s file is not a constant: {ast.unparse(arg)}")
    return readers, files
