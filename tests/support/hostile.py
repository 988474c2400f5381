"""Helpers for the hostile-input suite: a canary outside the issue folder, crafted images,
the command line run in-process with its output captured, and snapshots of a build folder."""

from __future__ import annotations

import contextlib
import io
import shutil
import struct
import subprocess
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from issuepub.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "tjzbsh-2025-03a"
ISSUE_ID = "tjzbsh-2025-03a"
# Placed only in files outside the issue folder: found in an output means a leak.
CANARY = "CANARY-i13-outside-the-issue-folder"


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


def run_cli(*args: str | Path) -> Result:
    """``issuepub ARGS`` in this process; an exception escaping main() fails the test."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse
            code = exc.code if isinstance(exc.code, int) else 2
    return Result(code, out.getvalue(), err.getvalue())


def png_bytes(size: tuple[int, int] = (64, 48), text: str = "") -> bytes:
    from PIL import Image, PngImagePlugin

    info = PngImagePlugin.PngInfo()
    if text:
        info.add_text("Comment", text)
    buf = io.BytesIO()
    Image.new("RGB", size, (180, 40, 40)).save(buf, "PNG", pnginfo=info)
    return buf.getvalue()


def image_bytes(fmt: str, size: tuple[int, int] = (32, 24)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, (40, 120, 40)).save(buf, fmt)
    return buf.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A small valid PNG whose header claims width x height (a decompression bomb's header)."""
    png = png_bytes()
    chunk = b"IHDR" + struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return png[:8] + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk)) + png[33:]


@dataclass
class Workspace:
    issue: Path  # a copy of the example issue
    out: Path  # output root holding a good build
    outside: Path  # files that must never reach an output

    @property
    def build_dir(self) -> Path:
        return self.out / ISSUE_ID

    def article(self, name: str = "01-juanshou.md") -> Path:
        return self.issue / "articles" / name

    def edit(self, rel: str, old: str, new: str) -> None:
        path = self.issue / rel
        text = path.read_text(encoding="utf-8")
        assert old in text, (rel, old)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    def append_body(self, line: str, name: str = "01-juanshou.md") -> None:
        path = self.article(name)
        path.write_text(path.read_text(encoding="utf-8") + "\n" + line + "\n", encoding="utf-8")


PLACEHOLDER_BASE_URL = 'base_url = "https://ting.example.cn"'
REAL_BASE_URL = 'base_url = "https://ting.tjzbsh.cn"'


def make_outside(root: Path) -> Path:
    """A folder beside the issue with an article, a picture and a text file carrying CANARY."""
    outside = root / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text(f"---\ntitle: {CANARY}\nslug: secret\n---\n\n{CANARY}。\n",
                                       encoding="utf-8")
    (outside / "secret.png").write_bytes(png_bytes(text=CANARY))
    (outside / "secret.txt").write_text(CANARY + "\n", encoding="utf-8")
    return outside


def workspace_from(template: Path, target: Path) -> Workspace:
    """A fresh copy of a template made by ``make_template`` (symlinks copied as symlinks)."""
    shutil.copytree(template, target, symlinks=True)
    return Workspace(target / "issue", target / "out", target / "outside")


def make_template(root: Path, only: tuple[str, ...] = ("epub", "qr", "site")) -> Path:
    """The example issue, the outside folder and a good build of it.

    The example's base URL is a placeholder, for which QR codes are drafts only (Q006 without
    ``--draft``); these builds stand for a real issue, so they get a real-looking address."""
    shutil.copytree(EXAMPLE, root / "issue")
    toml = root / "issue" / "issue.toml"
    text = toml.read_text(encoding="utf-8")
    assert PLACEHOLDER_BASE_URL in text
    toml.write_text(text.replace(PLACEHOLDER_BASE_URL, REAL_BASE_URL), encoding="utf-8")
    make_outside(root)
    result = run_cli("build", root / "issue", "--out", root / "out", "--only", *only)
    assert result.code == 0, result.text
    return root


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every regular file under ``folder`` (relative path -> bytes)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink()}


def leaks(folder: Path, canary: str = CANARY) -> list[str]:
    """Files under ``folder`` (and members of zip files such as EPUBs) that contain ``canary``."""
    needle = canary.encode()
    found = []
    for name, data in snapshot(folder).items():
        if needle in data:
            found.append(name)
        if data[:4] == b"PK\x03\x04":
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                found += [f"{name}!{m}" for m in z.namelist() if needle in z.read(m)]
    return found


def mount_tmpfs(path: Path, size: str) -> bool:
    """Mount a tmpfs at ``path`` (root only); False when this machine does not allow it."""
    path.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True)
    return proc.returncode == 0


def remount(path: Path, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", str(path)], check=True)


def unmount(path: Path) -> None:
    subprocess.run(["umount", "-l", str(path)], capture_output=True)
