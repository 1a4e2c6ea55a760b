"""The transcripts of a lab: every file under notes/, subfolders included, named relative to notes/.

Hidden files are skipped; an Office lock file (`~$notes.xlsx`, there while a colleague has the file open)
is skipped with a warning; a link that leads outside the lab folder (or nowhere) is refused, so no file
outside the lab is ever read as notes.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.errors import Problem

LOCK_PREFIX = "~$"


def transcript_files(notes_dir: Path, lab_dir: Path) -> tuple[list[tuple[Path, str]], list[Problem]]:
    """(path, name relative to notes/ such as 'masa-A/note.md') of every transcript, and what was refused."""
    root = lab_dir.resolve()
    files: list[tuple[Path, str]] = []
    problems: list[Problem] = []

    def inside(path: Path) -> bool:
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):  # a broken link, or a link loop
            problems.append(Problem(str(path), None, "a link that leads nowhere", "replace it by the file itself"))
            return False
        if not target.is_relative_to(root):
            problems.append(Problem(str(path), None, "a link to a file or folder outside the lab folder: not read",
                                    "copy the transcript into notes/ instead of linking to it"))
            return False
        return True

    def walk(folder: Path, seen: frozenset[Path]) -> None:
        for path in sorted(folder.iterdir()):
            if path.name.startswith("."):
                continue
            if path.is_symlink() and not inside(path):
                continue
            if path.name.startswith(LOCK_PREFIX):
                problems.append(Problem(str(path), None, "an Office lock file (the file is open in Excel or Word): "
                                        "skipped", "nothing to do; close the file before the final run",
                                        "warning"))
            elif path.is_dir():
                real = path.resolve()
                if real not in seen:  # a link back to a folder already being read
                    walk(path, seen | {real})
            elif path.is_file():
                files.append((path, path.relative_to(notes_dir).as_posix()))

    if not notes_dir.is_symlink() or inside(notes_dir):
        walk(notes_dir, frozenset({notes_dir.resolve()}))
    return files, problems
