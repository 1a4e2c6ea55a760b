"""The one error type a user can cause: it names the file, the line and the fix."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a user's input, printable as `path:line: problem — how to fix`."""

    path: str
    line: int | None
    problem: str
    fix: str
    severity: str = "error"  # "error" stops the pipeline, "warning" is reported only

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        label = "" if self.severity == "error" else "warning: "
        return f"{where}: {label}{self.problem} — {self.fix}"


class HarvestError(Exception):
    """Raised for anything a user can fix; the CLI prints it without a traceback."""

    def __init__(self, problems: list[Problem] | Problem):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def at(cls, path: Path | str, line: int | None, problem: str, fix: str) -> HarvestError:
        """Shorthand for an error with a single problem."""
        return cls(Problem(str(path), line, problem, fix))
