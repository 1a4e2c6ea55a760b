"""The data catalogue: every file a stage reads or writes, named once — its path, columns, read and write.

Kedro's `catalog.yml` in code. Stage modules, notebooks and tests/test_dvc_deps.py name a dataset from here
and never spell a file name, so a file is renamed in one place and the dvc.yaml test can derive what each
stage reads and writes. Every write goes through `paths.output_dir` (inside data/processed/<lab>/, the
comparison's data/compare/ or reports/, never data/raw/) and every CSV through `safecsv` (formula-safe).
Tables keep lists as lists: parquet stores list columns natively; in a CSV a list cell is joined with the
dataset's separator on write and split back on read, so no stage splits a string. The lab description is
read back as a `Lab`, not a dict walked by hand. A missing file raises FileNotFoundError (the CLI says which
stage to run first); a file without its columns or keys is a HarvestError saying to re-run the pipeline.
"""

from __future__ import annotations

import errno
import json
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline import paths
from pipeline.errors import HarvestError
from pipeline.lab import Lab
from pipeline.safecsv import read_csv, write_csv

T = TypeVar("T")
STALE_FIX = "re-run the pipeline (dvc repro) so the stage outputs match this version"


@dataclass(frozen=True)
class Dataset(ABC, Generic[T]):
    """One stage file: `name` inside a lab's processed folder (or the comparison's folder when `shared`)."""

    name: str
    shared: bool = False

    def folder(self, lab_id: str | None, root: Path = Path(".")) -> Path:
        """The folder the file lives in: data/processed/<lab>/, or data/compare/ for the comparison."""
        if self.shared:
            return root / paths.COMPARED
        if lab_id is None:
            raise ValueError(f"{self.name} belongs to one lab: give its lab id")
        return paths.processed_dir(lab_id, root)

    def path(self, lab_id: str | None, root: Path = Path(".")) -> Path:
        """Where the file of this lab is."""
        return self.path_in(self.folder(lab_id, root))

    def path_in(self, folder: Path | str) -> Path:
        """Where the file is inside a given stage-output folder (the notebooks get the folder as a parameter)."""
        return Path(folder) / self.name

    def read(self, lab_id: str | None, root: Path = Path(".")) -> T:
        """The stored value of this lab (FileNotFoundError when its stage has not run)."""
        return self.read_from(self.folder(lab_id, root))

    def read_from(self, folder: Path | str) -> T:
        """The stored value from a given folder."""
        path = self.path_in(folder)
        if not path.is_file():
            raise FileNotFoundError(errno.ENOENT, "stage output not found", str(path))
        return self._load(path)

    def exists(self, lab_id: str | None, root: Path = Path(".")) -> bool:
        """Whether the file has been written (optional inputs of a stage)."""
        return self.path(lab_id, root).is_file()

    def write(self, value: T, lab_id: str | None, root: Path = Path(".")) -> Path:
        """Store the value for this lab, in a folder proven to be a stage-output folder; the file written."""
        folder = paths.output_dir(self.folder(lab_id, root), root)
        path = self.path_in(folder)
        # Always a new file: an old one may be a link (into data/raw/, outside the project, or DVC's cache,
        # which a symlink or hard link of `dvc checkout` is), and writing it would write there.
        if path.is_symlink() or path.is_file():
            path.unlink()
        self._dump(value, path)
        return path

    @abstractmethod
    def _load(self, path: Path) -> T: ...

    @abstractmethod
    def _dump(self, value: T, path: Path) -> None: ...


@dataclass(frozen=True)
class Table(Dataset[pd.DataFrame]):
    """A table (parquet or CSV by the file's suffix) written with at least `columns` and read back with at least
    `needed` (default: all of them; a reader needing fewer lets a partial file through).

    `list_columns` hold lists of strings, `int_lists` lists of integers and `float_lists` lists of numbers
    (each written with `float_digits` decimals in a CSV). Parquet stores them as list<string>, list<int64>,
    list<double>; a CSV cell joins the items with `separator` and is split back on read. Writing a joined
    string ('A|B') into a list column is refused, and a stored file whose list column is not a list is stale."""

    columns: tuple[str, ...] = ()
    list_columns: tuple[str, ...] = ()
    int_lists: tuple[str, ...] = ()
    float_lists: tuple[str, ...] = ()
    separator: str = "|"
    float_digits: int = 3
    needed: tuple[str, ...] | None = None

    def _check(self, frame: pd.DataFrame, where: Path, columns: tuple[str, ...]) -> None:
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise HarvestError.at(where, None, f"missing column(s) {', '.join(missing)}", STALE_FIX)

    def _lists(self) -> dict[str, type]:
        return {**{c: str for c in self.list_columns}, **{c: int for c in self.int_lists},
                **{c: float for c in self.float_lists}}

    def _load(self, path: Path) -> pd.DataFrame:
        frame = pd.read_parquet(path) if path.suffix == ".parquet" else read_csv(path)
        self._check(frame, path, self.columns if self.needed is None else self.needed)
        for column, kind in self._lists().items():
            if column not in frame.columns:
                continue
            if path.suffix == ".parquet":
                if any(isinstance(v, str) for v in frame[column]):
                    raise HarvestError.at(path, None, f"column {column} holds joined text, not lists", STALE_FIX)
                frame[column] = [[] if v is None else [kind(x) for x in v] for v in frame[column]]
            else:
                frame[column] = [[kind(x) for x in str(v).split(self.separator)] if str(v) else []
                                 for v in frame[column].fillna("")]
        return frame

    def _dump(self, value: pd.DataFrame, path: Path) -> None:
        frame = value if len(value.columns) else pd.DataFrame(columns=list(self.columns))
        self._check(frame, path, self.columns)
        lists = {c: k for c, k in self._lists().items() if c in frame.columns}
        for column in lists:
            joined = next((v for v in frame[column] if not isinstance(v, (list, tuple))), None)
            if joined is not None:
                raise TypeError(f"{self.name}: column {column} must hold lists, not {joined!r}")
        if path.suffix == ".parquet":
            table = pa.Table.from_pandas(frame, preserve_index=False)
            metadata = table.schema.metadata             # pandas' own, as frame.to_parquet writes it
            for column, kind in lists.items():
                where = table.schema.get_field_index(column)
                table = table.set_column(where, column, pa.array(
                    [[kind(x) for x in v] for v in frame[column]], type=pa.list_(_ARROW[kind])))
            pq.write_table(table.replace_schema_metadata(metadata), path)
            return
        frame = frame.copy()
        for column, kind in lists.items():
            frame[column] = [self.separator.join(self._item(x, kind) for x in v) for v in frame[column]]
        write_csv(frame, path)

    def _item(self, item: Any, kind: type) -> str:
        return f"{float(item):.{self.float_digits}f}" if kind is float else str(kind(item))


_ARROW = {str: pa.string(), int: pa.int64(), float: pa.float64()}


@dataclass(frozen=True)
class Json(Dataset[Any]):
    """JSON data (a mapping or a list of records) whose `keys` every mapping (or every record) must hold."""

    keys: tuple[str, ...] = ()
    ascii: bool = False            # \\u-escape non-ASCII text (the files written so since the first version)
    final_newline: bool = False

    def _load(self, path: Path) -> Any:
        data = json.loads(path.read_text(encoding="utf-8"))
        records = data if isinstance(data, list) else [data]
        missing = sorted({k for r in records for k in self.keys if k not in r})
        if missing:
            raise HarvestError.at(path, None, f"missing key(s) {', '.join(missing)}", STALE_FIX)
        return data

    def _dump(self, value: Any, path: Path) -> None:
        if isinstance(value, pd.DataFrame):
            value = value.to_dict(orient="records")
        text = json.dumps(value, ensure_ascii=self.ascii, indent=2, default=str)
        path.write_text(text + ("\n" if self.final_newline else ""), encoding="utf-8")


@dataclass(frozen=True)
class LabJson(Dataset[Lab]):
    """The lab description as the ingest stage validated and redacted it (no people's names), read as a `Lab`."""

    def _load(self, path: Path) -> Lab:
        return Lab.from_dict(json.loads(path.read_text(encoding="utf-8")))

    def _dump(self, value: Lab, path: Path) -> None:
        path.write_text(json.dumps(value.to_dict(), ensure_ascii=False, indent=2), encoding="utf-8")


@dataclass(frozen=True)
class LabList(Dataset[list[Lab]]):
    """Several labs' descriptions (the comparison's cities), read as `Lab`s."""

    def _load(self, path: Path) -> list[Lab]:
        return [Lab.from_dict(d) for d in json.loads(path.read_text(encoding="utf-8"))]

    def _dump(self, value: list[Lab], path: Path) -> None:
        path.write_text(json.dumps([lab.to_dict() for lab in value], ensure_ascii=False, indent=2),
                        encoding="utf-8")


@dataclass(frozen=True)
class Vectors(Dataset[tuple[list[str], np.ndarray]]):
    """Note ids and their vectors, row-aligned."""

    def _load(self, path: Path) -> tuple[list[str], np.ndarray]:
        with np.load(path) as data:
            return [str(i) for i in data["note_id"].tolist()], data["vectors"]

    def _dump(self, value: tuple[list[str], np.ndarray], path: Path) -> None:
        ids, vectors = value
        np.savez(path, note_id=np.asarray(ids, dtype=str), vectors=vectors)


@dataclass(frozen=True)
class Text(Dataset[str]):
    """A text file (UTF-8)."""

    def _load(self, path: Path) -> str:
        return path.read_text(encoding="utf-8")

    def _dump(self, value: str, path: Path) -> None:
        path.write_text(value, encoding="utf-8")


@dataclass(frozen=True)
class ReportFolder:
    """A folder of rendered reports (notebooks, HTML, PDF, spreadsheets), rewritten as a whole by its stage."""

    shared: bool = False

    def path(self, lab_id: str | None, root: Path = Path(".")) -> Path:
        """reports/<lab>/ (or reports/compare/ for the comparison)."""
        if self.shared:
            return root / paths.REPORTS / paths.COMPARE
        if lab_id is None:
            raise ValueError("a lab's report folder needs its lab id")
        return paths.reports_dir(lab_id, root)

    def clear(self, lab_id: str | None, root: Path = Path(".")) -> Path:
        """Empty the folder before its stage writes it again (proven to be a report folder first)."""
        return paths.clear_output_dir(self.path(lab_id, root), root)


# ingest
NOTES_RAW = Table("notes_raw.parquet", columns=(
    "note_id", "lab", "file", "line", "session", "question", "group", "round", "text", "redactions"))
LAB = LabJson("lab.json")
TRANSLATIONS = Table("translations.csv", columns=("note_id", "text_en"))   # the analyst's, validated
CONCLUSIONS = Text("conclusions.md")
READ_WARNINGS = Table("read_warnings.csv", columns=("where", "line", "problem", "fix"))   # what reading left out
# clean
NOTES = Table("notes.parquet", columns=(
    "note_id", "session", "question", "group", "round", "text", "lemmas", "lang", "other_language", "count",
    "source_ids", "source_groups", "source_rounds", "groups", "rounds", "provenance"), needed=("note_id", "text"),
    list_columns=("source_ids", "source_groups", "groups", "provenance"), int_lists=("source_rounds", "rounds"))
CLEAN_LOG = Table("clean_log.csv", columns=("raw_id", "fate", "reason", "into"), list_columns=("into",))
QUALITY = Json("quality.json", keys=("notes_in", "fates", "dropped_reasons", "notes_out", "redactions",
                                     "languages"))
# embed
EMBEDDINGS = Vectors("embeddings.npz")
EMBED_INFO = Json("embed_info.json", keys=("backend", "requested", "fallback", "notes", "dimensions"), ascii=True)
# themes
THEMES = Json("themes.json", keys=("theme_id", "question", "title", "size", "notes"))
ASSIGNMENTS = Table("assignments.csv", columns=(
    "note_id", "question", "theme_id", "status", "secondary_theme_id", "similarity"))
COVERAGE = Table("coverage.csv", columns=("question", "theme_id", "group", "round", "notes"))
EDITS_LOG = Table("edits_log.csv")
METRICS = Json("metrics.json", keys=("notes", "themes", "unassigned_rate", "notes_in", "per_question"), ascii=True)
SCORES = Json("scores.json", keys=("notes", "themes", "unassigned_rate"), ascii=True, final_newline=True)
THEME_SIZES = Table("theme_sizes.csv", columns=("question", "theme", "size"))
RUN_INFO = Json("run_info.json", keys=("pipeline_version", "themes_params"), ascii=True)
# proposals
PROPOSALS = Table("proposals.parquet", columns=(
    "note_id", "question", "kind", "cues", "question_kind", "tables", "rounds", "sources", "all_tables", "support"),
    list_columns=("cues",))
# links
LINKS = Table("links.csv", columns=(
    "theme_a", "question_a", "title_a", "theme_b", "question_b", "title_b", "strength",
    "support_a", "support_b", "support_similarity"),
    list_columns=("support_a", "support_b"), float_lists=("support_similarity",))
# report
REPORT = ReportFolder()
# compare (data/compare/: one folder for all the compared labs, outside data/processed/, which it reads)
MATCHES = Table("matches.csv", shared=True, columns=(
    "group", "shared", "cities", "lab", "city", "language", "theme_id", "question", "title", "size", "quotes",
    "quote_languages", "codebook", "codebook_id"),
    list_columns=("quotes", "quote_languages"), separator=" | ")
COMPARED_LABS = LabList("labs.json", shared=True)
COMPARE_REPORT = ReportFolder(shared=True)

DATASETS: dict[str, Dataset[Any]] = {name: value for name, value in globals().items() if isinstance(value, Dataset)}
