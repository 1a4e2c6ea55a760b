"""A language is one folder: what a folder must hold, headings of every language, marks in the lab's language."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

from pipeline import lang
from pipeline.cli import build_parser
from pipeline.errors import HarvestError
from pipeline.ingest import read_lab_notes
from pipeline.lang import LANG_DIR, heading_words, language, languages, missing
from pipeline.text import fold
from tests.conftest import MINI_LAB_YAML, ROOT


def test_the_supported_languages_are_the_folders():
    assert languages() == ("en", "hr", "it", "lt", "nl", "ro")
    new_lab = build_parser()._subparsers._group_actions[0].choices["new-lab"]  # type: ignore[union-attr]
    language_option = next(a for a in new_lab._actions if a.dest == "language")
    assert tuple(language_option.choices) == languages()


@pytest.mark.parametrize("code", languages())
def test_every_language_folder_holds_what_a_language_needs(code):
    assert missing(code) == []
    data = language(code)
    assert set(data.marks) == set(lang.MARKS)
    assert all(m.startswith("[") and m.endswith("]") for m in data.marks.values())
    assert set(data.headings.values()) == set(lang.CONTEXTS)
    assert all(f"redaction_{kind}" in lang.report_strings(code) for kind in lang.MARKS)  # the report names each
    # The templates' heading words are read back by the transcript grammar.
    assert all(data.headings[fold(label)] == kind for kind, label in data.labels.items())


def test_an_incomplete_folder_is_reported_by_what_it_misses(tmp_path):
    shutil.copytree(LANG_DIR / "en", tmp_path / "lv")
    (tmp_path / "lv" / "report.yaml").unlink()
    text = (tmp_path / "lv" / "language.yaml").read_text(encoding="utf-8")
    text = text.replace("  question: [question, q]\n", "").replace('phone: "[phone]", ', "")
    (tmp_path / "lv" / "language.yaml").write_text(text.replace("phone_starts: []\n", ""), encoding="utf-8")
    assert lang.languages(tmp_path) == ("lv",)
    assert missing("lv", tmp_path) == ["lv/report.yaml", "lv/language.yaml: phone_starts (list)",
                                       "lv/language.yaml: headings.question", "lv/language.yaml: marks.phone"]
    assert missing("xx", tmp_path) == [f"xx/{name}" for name in lang.REQUIRED_FILES]


def test_no_heading_word_means_two_things_in_two_languages():
    seen: dict[str, tuple[str, str]] = {}
    for code in languages():
        for word, kind in language(code).headings.items():
            assert seen.setdefault(word, (kind, code))[0] == kind, (word, code, seen[word])
    assert heading_words()["klausimas"] == "question" and heading_words()["grupe"] == "group"


def test_unknown_language_is_an_error_of_lab_yaml(tmp_path):
    lab_dir = tmp_path / "mini-lab"
    (lab_dir / "notes").mkdir(parents=True)
    (lab_dir / "lab.yaml").write_text(MINI_LAB_YAML.replace("language: ro", "language: xx"), encoding="utf-8")
    with pytest.raises(HarvestError) as exc:
        read_lab_notes(lab_dir, ["csv"])
    assert str(exc.value).startswith(f"{lab_dir / 'lab.yaml'}:5: unknown language 'xx' — use one of: en, hr, it")


LITHUANIAN = """\
# Sesija 1
## Grupė A
### Klausimas 1
- Mažos dotacijos jauniems kūrėjams
#### Raundas 2
- Koordinatorė Ana Popescu: tel. 8 612 34567, ana.p@pavyzdys.lt
## Stalas B
### Klausimas Nr. 1
- Pigios darbo erdvės menininkams
# Sesija 2
## Grupė B
### Klausimas 1
#### Ratas 3
- Pandemija uždarė teatrus
"""

ITALIAN = """\
# Sessione 1
## Gruppo A
### Domanda 1
- Piccoli finanziamenti per le imprese culturali
#### Giro 2
- Referente Ana Popescu, tel. 333 123 4567, ana.p@esempio.it
## Tavolo B
### Domanda 1
- Spazi di coworking per gli artisti
# Sessione 2
### Domanda 1
#### Turno 2
- La pandemia ha chiuso i teatri
"""


@pytest.mark.parametrize(("code", "transcript", "marked"), [
    ("lt", LITHUANIAN, "Koordinatorė [asmuo]: tel. [telefonas], [el. paštas]"),
    ("it", ITALIAN, "Referente [persona], tel. [telefono], [email]"),
])
def test_transcript_headings_of_the_labs_language_ingest(tmp_path, code, transcript, marked):
    lab_dir = tmp_path / "mini-lab"
    (lab_dir / "notes").mkdir(parents=True)
    (lab_dir / "lab.yaml").write_text(MINI_LAB_YAML.replace("language: ro", f"language: {code}"), encoding="utf-8")
    (lab_dir / "notes" / "stalai.md").write_text(transcript, encoding="utf-8")
    _, notes, warnings = read_lab_notes(lab_dir, ["md"])
    assert warnings == []
    rows = notes[["line", "session", "question", "group", "round"]].values.tolist()
    last = [14, "s2", "s2q1", "B", 3] if code == "lt" else [13, "s2", "s2q1", "B", 2]  # group B kept into s2
    assert rows == [[4, "s1", "s1q1", "A", 1], [6, "s1", "s1q1", "A", 2], [9, "s1", "s1q1", "B", 2], last]
    assert notes["text"].iloc[1] == f"- {marked}"


def test_new_lab_templates_use_the_labs_heading_words(tmp_path):
    from pipeline.newlab import new_lab

    (tmp_path / "params.yaml").write_text("labs:\n  - a-lab\n", encoding="utf-8")
    lab_dir = new_lab("kaunas-2021-05-12", "Kaunas", "2021-05-12", "lt", tmp_path)
    markdown = (lab_dir / "templates" / "notes-template.md").read_text(encoding="utf-8")
    assert "## Grupė A" in markdown and "### Klausimas 1" in markdown
    shutil.copy(lab_dir / "templates" / "notes-template.md", lab_dir / "notes" / "a.md")
    _, notes, _ = read_lab_notes(lab_dir, ["md"])
    assert notes["question"].tolist() == ["s1q1", "s2q1"]


def _pipeline_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    names |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    return {n for n in names if n.startswith("pipeline")}


def test_readers_and_languages_depend_on_nothing_above_them():
    allowed = {"pipeline.errors", "pipeline.lab", "pipeline.lang", "pipeline.text", "pipeline.yamlsafe"}
    for path in sorted((ROOT / "pipeline" / "readers").glob("*.py")):
        above = {n for n in _pipeline_imports(path) if n not in allowed and not n.startswith("pipeline.readers")}
        assert not above, (path.name, above)
    assert _pipeline_imports(LANG_DIR / "__init__.py") <= {"pipeline.errors", "pipeline.text", "pipeline.yamlsafe"}


def test_only_the_language_module_opens_language_files():
    for path in sorted((ROOT / "pipeline").rglob("*.py")):
        if path.parent != LANG_DIR:
            text = path.read_text(encoding="utf-8")
            assert "LANG_DIR" not in text and "language.yaml\"" not in text, path


@pytest.mark.parametrize("package", ["readers", "lang", "nlp", "redact"])
def test_modules_stay_small(package):
    for path in sorted((ROOT / "pipeline" / package).glob("*.py")):
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 300, path.name


def _cleared() -> None:
    for reader in (lang.languages, lang._load, lang._report_yaml, lang.heading_words, lang.plural_categories):
        reader.cache_clear()


@pytest.mark.parametrize("reader", sorted(lang.READS))
def test_each_reader_opens_exactly_the_files_its_reads_entry_names(reader, monkeypatch):
    """lang.READS is what dvc.yaml's language deps are derived from: it must be what the readers open."""
    opened: set[str] = set()
    for method in ("read_text", "read_bytes"):
        original = getattr(Path, method)

        def spy(self, *args, _original=original, **kwargs):
            if LANG_DIR in self.resolve().parents:
                opened.add(self.name)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(Path, method, spy)
    _cleared()
    calls = {"heading_words": (), "languages": (), "counted": ("ro", {"other": "{n}"}, 2),
             "data_lines": ("ro", "stopwords_extra.txt"), "data_file": ("ro", "process_notes.txt"),
             "in_language": ({"en": "Funding"}, "ro"), "decimal": ("ro", 0.5), "percent": ("ro", 0.5),
             "long_date": ("ro", "2020-10-20")}
    getattr(lang, reader)(*calls.get(reader, ("ro",)))
    _cleared()
    wanted = {"data_lines": {"stopwords_extra.txt"}}.get(reader, set(lang.READS[reader]))
    assert opened == wanted
    public = {n for n, v in vars(lang).items() if callable(v) and getattr(v, "__module__", "") == lang.__name__
              and not n.startswith("_") and not isinstance(v, type)}
    assert public == set(lang.READS)             # a new reader gets its entry
