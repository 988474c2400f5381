"""User-facing problems: stable id, file, line, message and fix, all in Chinese for the editor.

Like Standard Ebooks' lint, every kind of problem has a stable id (``S012``) so that
editors and scripts can refer to it.
"""

from __future__ import annotations

import errno
import re
from dataclasses import dataclass, replace
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


class EnvironmentFault(Exception):
    """The machine, not the input, is at fault (permissions, full disk, a path of the wrong
    kind, an output folder another build holds): reported without a traceback, exit code 3."""

    def __init__(self, problems: list[Problem] | Problem):
        if isinstance(problems, Problem):
            problems = [problems]
        self.problems = list(problems)
        super().__init__("\n".join(p.format() for p in self.problems))


_FAULTS = {
    # errno -> (id, what happened, what to do)
    errno.EACCES: ("E010", "没有权限读写这个路径。", "检查它和上级文件夹的权限（ls -l），或换一个有写权限的位置（--out）。"),
    errno.EPERM: ("E010", "没有权限读写这个路径。", "检查它和上级文件夹的权限（ls -l），或换一个有写权限的位置（--out）。"),
    errno.EROFS: ("E011", "这个位置是只读的，无法写入。", "用 --out 把成品写到可写的位置，或把这个磁盘重新挂载为可写。"),
    errno.ENOSPC: ("E012", "磁盘已满，文件没能写完（之前的成品保持原样）。", "清理磁盘空间（例如删除 <输出根目录>/.cache/），再构建一次。"),
    errno.EDQUOT: ("E012", "磁盘配额已用完，文件没能写完（之前的成品保持原样）。", "清理空间或申请更大的配额，再构建一次。"),
    errno.ENOTDIR: ("E003", "路径中的某一级应是文件夹，却是一个文件。", "把挡路的文件移走或改名，或用 --out 换一个输出根目录。"),
    errno.EISDIR: ("E003", "这里应是一个文件，却是一个文件夹。", "把这个文件夹移走或改名，再构建一次。"),
    errno.EEXIST: ("E003", "这里已有一个同名的文件，挡住了要建的文件夹。", "把这个文件移走或改名，或用 --out 换一个输出根目录。"),
    errno.ENAMETOOLONG: ("E013", "文件名或路径太长，系统不接受。", "缩短文章代号（slug）、刊物代号或输出根目录的路径。"),
    errno.EMFILE: ("E014", "同时打开的文件太多。", "减小 --jobs，或调高系统的打开文件数上限（ulimit -n）。"),
    errno.ENOMEM: ("E015", "内存不足。", "减小 --jobs，或关闭其他程序后再试。"),
    errno.EIO: ("E016", "磁盘读写出错（硬件或网络磁盘问题）。", "检查磁盘后再试，或换一个位置（--out）。"),
}


# fsutil's temporary names, .NAME.PID.RANDOM.part: the user knows the file as NAME.
_TEMPORARY = re.compile(r"^\.(?P<name>.+)\.\d+\.[^.]+\.part$")


def environment_problem(exc: OSError, command: str = "build") -> Problem:
    """The Chinese message for an OSError from the machine, naming the path it concerns (the
    file being written, not its temporary name). The fixes speak of building; for ``publish``,
    whose destination is ``--to``, they say that instead."""
    code, message, fix = _FAULTS.get(exc.errno, (
        "E019", f"系统错误：{exc.strerror or exc}。", "检查这个路径所在的磁盘和权限后再试；需要细节时加 --debug。"))
    path = exc.filename2 if exc.errno == errno.EEXIST and exc.filename2 else exc.filename
    if path is not None:
        path = Path(path)
        temporary = _TEMPORARY.match(path.name)
        if temporary:
            path = path.with_name(temporary["name"])
    problem = Problem(code, path, None, message, fix)
    if command == "publish":
        problem = replace(problem, fix=fix.replace("或用 --out 换一个输出根目录", "或用 --to 换一个发布目标")
                          .replace("（--out）", "（--to）").replace("用 --out 把成品写到", "用 --to 发布到")
                          .replace("再构建一次", "再发布一次"))
    return problem
