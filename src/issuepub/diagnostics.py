"""User-facing problems: stable id, file, line, message and fix, all in Chinese for the editor.

Like Standard Ebooks' lint, every kind of problem has a stable id (``S012``) so that
editors and scripts can refer to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    code: str  # stable id, e.g. S012
    file: Path | None
    line: int | None
    message: str  # what is wrong (Chinese)
    fix: str = ""  # what to do about it (Chinese)
    severity: str = "error"  # error | warning
    column: int | None = None  # 1-based character column on ``line``, when it is known

    def format(self, base: Path | None = None) -> str:
        where = ""
        if self.file is not None:
            f = self.file
            if base is not None:
                try:
                    f = Path(self.file).resolve().relative_to(Path(base).resolve().parent)
                except ValueError:
                    pass
            where = f"{f}"
            if self.line:
                where += f":{self.line}"
                if self.column:
                    where += f":{self.column}"
            where += ": "
        label = "错误" if self.severity == "error" else "警告"
        text = f"{where}{label} [{self.code}] {self.message}"
        if self.fix:
            text += f"\n    → {self.fix}"
        return text


class UserError(Exception):
    """A mistake in the user's input: reported without a traceback, exit code 2."""

    def __init__(self, problems: list[Problem] | Problem):
        if isinstance(problems, Problem):
            problems = [problems]
        self.problems = list(problems)
        super().__init__("\n".join(p.format() for p in self.problems))
