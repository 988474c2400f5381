"""Which files the sources may name: only files inside the issue folder ever reach an output
(or are rewritten by ``check --fix``)."""

from __future__ import annotations

import os
from pathlib import Path


def contained(root: Path, rel: str) -> Path | None:
    """``root/rel`` with every symlink resolved, when it lies inside ``root``; else None.

    Absolute paths and ``..`` that leave the folder are refused, whatever they point at: only
    files of the issue folder may reach an output.
    """
    if not rel or Path(rel).is_absolute() or "\0" in rel:
        return None
    try:
        real_root = root.resolve()
        target = (root / rel).resolve()
    except (OSError, RuntimeError):  # a symlink loop: judged by the name; it reads as missing
        real_root = root.absolute()
        target = Path(os.path.normpath(root.absolute() / rel))
    return target if target.is_relative_to(real_root) and target != real_root else None
