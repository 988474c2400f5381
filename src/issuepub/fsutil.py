"""Atomic file output: a killed build never leaves a half-written file under a final name.

Temporary files are named ``.{name}.{pid}.{random}.part`` beside their target: unique to the
process (and thread, through mkstemp), and saying which process wrote them, so a cleanup can
tell a dead build's leftovers from a live one's work in progress.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import os
import re
import tempfile
import time
from pathlib import Path
from typing import Iterator

PART_SUFFIX = ".part"
_PART_PID = re.compile(r"^\..*\.(?P<pid>\d+)\.[^.]+\.part$")
LOCK_NAME = ".build.lock"


def temp_path_for(path: Path, suffix: str = PART_SUFFIX) -> Path:
    """A new empty file beside ``path`` with a name unique to this process."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=suffix,
                                    dir=path.parent)
    os.close(fd)
    return Path(tmp_name)


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it is fsynced and renamed onto it.

    On any exception the temporary file is removed and ``path`` keeps its old content. An
    OSError that names no file (a write on a full disk) is given ``path``, so the message
    the user sees says where.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = temp_path_for(path)
    except OSError as exc:
        raise _named(exc, path.parent) from exc
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        raise _named(exc, path) from exc
    finally:
        with contextlib.suppress(OSError):
            if tmp.exists():
                tmp.unlink()


def _named(exc: OSError, path: Path) -> OSError:
    if exc.filename is not None or exc.errno is None:
        return exc
    return type(exc)(exc.errno, exc.strerror or os.strerror(exc.errno), str(path))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, belongs to someone else
    return True


def is_stale_part(path: Path, *, locked: bool) -> bool:
    """A temporary file no live build is writing.

    Under the output folder's lock every ``.part`` there is stale (only one build may write
    into it); elsewhere (the cache shared by all issues of a root) only those whose writer
    process is gone, or, for names that carry no pid, an hour old.
    """
    if not (path.name.startswith(".") and path.name.endswith(PART_SUFFIX)):
        return False
    if locked:
        return True
    m = _PART_PID.match(path.name)
    if m:
        return not _pid_alive(int(m.group("pid")))
    try:
        return time.time() - path.stat().st_mtime > 3600
    except OSError:
        return False


def remove_stale_parts(root: Path, *, locked: bool, recursive: bool = True) -> int:
    """Remove leftovers of killed builds under ``root``; returns how many were removed."""
    root = Path(root)
    if not root.is_dir():
        return 0
    removed = 0
    for path in (root.rglob(f".*{PART_SUFFIX}") if recursive else root.glob(f".*{PART_SUFFIX}")):
        if path.is_symlink() or not path.is_file():
            continue
        if is_stale_part(path, locked=locked):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed += 1
    return removed


class OutputBusy(Exception):
    """Another build holds the output folder's lock."""

    def __init__(self, lock_path: Path):
        super().__init__(str(lock_path))
        self.lock_path = lock_path


@contextlib.contextmanager
def exclusive_lock(lock_path: Path, wait: float) -> Iterator[None]:
    """Hold an OS lock (flock) on ``lock_path``; wait up to ``wait`` seconds for it.

    flock is released by the kernel when the holder dies, so a killed build never leaves
    the folder locked.
    """
    lock_path = Path(lock_path)
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise _named(exc, lock_path) from exc
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise _named(exc, lock_path) from exc
                if time.monotonic() >= deadline:
                    raise OutputBusy(lock_path) from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def file_record(path: Path, root: Path) -> dict:
    """The manifest's description of one written file: path relative to root, size, sha256."""
    return {
        "path": Path(path).relative_to(root).as_posix(),
        "size": Path(path).stat().st_size,
        "sha256": sha256_file(path),
    }


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
