"""Hostile and broken input, and a failing machine: every case ends with a clear message (its
id), the right exit code and no traceback; nothing from outside the issue folder reaches an
output; the good build made before it is still there, byte for byte.

Each case starts from a copy of one good build of the example issue (EPUB, QR codes, site).
"""

from __future__ import annotations

import fcntl
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

from support.hostile import (CANARY, ISSUE_ID, Workspace, image_bytes, leaks, make_template,
                             mount_tmpfs, png_bytes, png_claiming, remount, run_cli, snapshot,
                             unmount, workspace_from)

ONLY = ("--only", "epub", "qr", "site")
COLUMN_LINE = 'articles = ["articles/01-juanshou.md"]'


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return make_template(tmp_path_factory.mktemp("hostile-template"))


@pytest.fixture
def ws(template, tmp_path) -> Workspace:
    return workspace_from(template, tmp_path / "ws")


@dataclass(frozen=True)
class Case:
    name: str
    setup: Callable[[Workspace], None]
    ids: tuple[str, ...]  # every one of these ids appears in the messages
    code: int = 2
    commands: tuple[str, ...] = ("check", "build")


def _list(path: str) -> Callable[[Workspace], None]:
    """The first column lists ``path`` (may name a file outside) instead of its article."""
    return lambda w: w.edit("issue.toml", COLUMN_LINE, f'articles = ["{path}"]')


def _list_outside(rel_to_outside: str) -> Callable[[Workspace], None]:
    return lambda w: w.edit("issue.toml", COLUMN_LINE,
                            f'articles = ["{rel_to_outside.format(outside=w.outside)}"]')


def _symlink_article(target: Callable[[Workspace], Path]) -> Callable[[Workspace], None]:
    def setup(w: Workspace) -> None:
        (w.issue / "articles" / "link.md").symlink_to(target(w))
        w.edit("issue.toml", COLUMN_LINE, 'articles = ["articles/01-juanshou.md", "articles/link.md"]')
    return setup


def _cover(value: Callable[[Workspace], str]) -> Callable[[Workspace], None]:
    return lambda w: w.edit("issue.toml", 'cover = "cover.png"', f'cover = "{value(w)}"')


def _cover_bytes(data: bytes, name: str = "cover.png") -> Callable[[Workspace], None]:
    def setup(w: Workspace) -> None:
        (w.issue / name).write_bytes(data)
        w.edit("issue.toml", 'cover = "cover.png"', f'cover = "{name}"')
    return setup


def _picture(ref: Callable[[Workspace], str]) -> Callable[[Workspace], None]:
    return lambda w: w.append_body(f"![图片说明]({ref(w)})")


def _picture_file(name: str, data: bytes) -> Callable[[Workspace], None]:
    def setup(w: Workspace) -> None:
        (w.issue / "pictures").mkdir(exist_ok=True)
        (w.issue / "pictures" / name).write_bytes(data)
        w.append_body(f"![图片说明](pictures/{name})")
    return setup


def _picture_symlink(target: Callable[[Workspace], Path]) -> Callable[[Workspace], None]:
    def setup(w: Workspace) -> None:
        (w.issue / "pictures").mkdir(exist_ok=True)
        (w.issue / "pictures" / "p.png").symlink_to(target(w))
        w.append_body("![图片说明](pictures/p.png)")
    return setup


def _body(text: str, name: str = "01-juanshou.md") -> Callable[[Workspace], None]:
    return lambda w: w.append_body(text, name)


def _front(old: str, new: str, name: str = "01-juanshou.md") -> Callable[[Workspace], None]:
    return lambda w: w.edit(f"articles/{name}", old, new)


def _toml(old: str, new: str) -> Callable[[Workspace], None]:
    return lambda w: w.edit("issue.toml", old, new)


def _raw_article(data: bytes) -> Callable[[Workspace], None]:
    return lambda w: w.article().write_bytes(data)


def _chain(*steps: Callable[[Workspace], None]) -> Callable[[Workspace], None]:
    def setup(w: Workspace) -> None:
        for step in steps:
            step(w)
    return setup


PNG = png_bytes()
SOURCE_CASES = [
    # Containment: articles, cover, pictures that are not in the issue folder.
    Case("article-absolute-path", _list_outside("{outside}/secret.md"), ("S036",)),
    Case("article-dotdot", _list("../outside/secret.md"), ("S036",)),
    Case("article-deep-dotdot", _list("articles/../../outside/secret.md"), ("S036",)),
    Case("article-dotdot-to-etc", _list("../../../../../../etc/hostname"), ("S036",)),
    Case("article-symlink-out", _symlink_article(lambda w: w.outside / "secret.md"), ("S036",)),
    Case("article-symlink-absolute-etc", _symlink_article(lambda w: Path("/etc/hostname")), ("S036",)),
    Case("article-symlinked-folder-out",
         _chain(lambda w: (w.issue / "more").symlink_to(w.outside, target_is_directory=True),
                _list("more/secret.md")), ("S036",)),
    Case("article-symlink-loop",
         _chain(lambda w: (w.issue / "articles" / "a.md").symlink_to(w.issue / "articles" / "b.md"),
                lambda w: (w.issue / "articles" / "b.md").symlink_to(w.issue / "articles" / "a.md"),
                _list("articles/a.md")), ("S007",)),
    Case("article-is-a-folder", _chain(lambda w: (w.issue / "articles" / "dir.md").mkdir(),
                                       _list("articles/dir.md")), ("S007",)),
    Case("article-is-a-fifo", _chain(lambda w: os.mkfifo(w.issue / "articles" / "fifo.md"),
                                     _list("articles/fifo.md")), ("S007",)),
    Case("article-name-too-long", _list("articles/" + "a" * 300 + ".md"), ("S007",)),
    Case("article-is-dev-zero", _list("/dev/zero"), ("S036",)),
    Case("cover-absolute-path", _cover(lambda w: f"{w.outside}/secret.png"), ("S036",)),
    Case("cover-dotdot", _cover(lambda w: "../outside/secret.png"), ("S036",)),
    Case("cover-symlink-out", _chain(lambda w: (w.issue / "c.png").symlink_to(w.outside / "secret.png"),
                                     _cover(lambda w: "c.png")), ("S036",)),
    Case("picture-absolute-path", _picture(lambda w: f"{w.outside}/secret.png"), ("S036",)),
    Case("picture-dotdot", _picture(lambda w: "../outside/secret.png"), ("S036",)),
    Case("picture-etc-passwd", _picture(lambda w: "../../../../etc/passwd"), ("S036",)),
    Case("picture-symlink-out", _picture_symlink(lambda w: w.outside / "secret.png"), ("S036",)),
    Case("picture-symlink-etc", _picture_symlink(lambda w: Path("/etc/passwd")), ("S036",)),
    Case("picture-is-a-folder", _chain(lambda w: (w.issue / "pictures").mkdir(),
                                       _picture(lambda w: "pictures")), ("S029",)),
    # Characters XML forbids, written raw or through TOML escapes.
    Case("nul-in-body", _body("正文里有\x00空字符。"), ("S037",)),
    Case("form-feed-in-body", _body("分页符\x0c在这里。"), ("S037",)),
    Case("fffe-in-body", _body("非字符\ufffe在这里。"), ("S037",)),
    Case("ffff-in-title", _front("title: 春风化雨 久久为功", "title: 春风化雨\uffff久久为功"), ("S037",)),
    Case("control-in-author", _front("slug: juanshou", "slug: juanshou\nauthor: 张\x01三"), ("S037",)),
    Case("vertical-tab-in-body", _body("竖排\x0b制表符。"), ("S037",)),
    Case("escape-char-in-body", _body("转义\x1b[31m红字。"), ("S037",)),
    Case("toml-escape-form-feed", _toml('title = "天津支部生活"', 'title = "天津\\u000c支部生活"'), ("S037",)),
    Case("toml-escape-nul", _toml('name = "卷首"', 'name = "卷\\u0000首"'), ("S037",)),
    Case("toml-escape-fffe", _toml('price = "定价：6.00元"', 'price = "定价\\uFFFE"'), ("S037",)),
    Case("toml-escape-in-list", _toml('"本期为 issuepub 示例', '"\\u0007本期为 issuepub 示例'), ("S037",)),
    Case("toml-escape-in-key", _toml('"蓟州" = "计州"', '"蓟\\u0008州" = "计州"'), ("S037",)),
    Case("toml-escape-surrogate", _toml('title = "天津支部生活"', 'title = "\\ud800"'), ("S002",)),
    Case("raw-control-in-toml", _toml('publisher = "中共', 'publisher = "\x0c中共'), ("S037",)),
    # Pictures and covers that are not usable images.
    Case("picture-truncated-png", _picture_file("t.png", PNG[: len(PNG) // 2]), ("S038",)),
    Case("picture-header-only", _picture_file("h.png", PNG[:33]), ("S038",)),
    Case("picture-bomb", _picture_file("bomb.png", png_claiming(100_000, 100_000)), ("S038",)),
    Case("picture-over-pixel-limit", _picture_file("big.png", png_claiming(9000, 9000)), ("S038",)),
    Case("picture-not-an-image", _picture_file("x.jpg", b"not a picture at all\n"), ("S038",)),
    Case("picture-empty-file", _picture_file("e.png", b""), ("S038",)),
    Case("picture-bmp", _picture_file("b.png", image_bytes("BMP")), ("S038",)),
    Case("picture-tiff", _picture_file("t.tif", image_bytes("TIFF")), ("S038",)),
    Case("picture-truncated-jpeg", _picture_file("t.jpg", image_bytes("JPEG", (400, 300))[:600]), ("S038",)),
    Case("cover-truncated", _cover_bytes(PNG[: len(PNG) // 2]), ("S017",)),
    Case("cover-not-an-image", _cover_bytes(b"<html>cover</html>", "cover.jpg"), ("S017",)),
    Case("cover-gif", _cover_bytes(image_bytes("GIF"), "cover.gif"), ("S017",)),
    Case("cover-bomb", _cover_bytes(png_claiming(100_000, 100_000)), ("S017",)),
    # Names too long for output files, and other broken sources.
    Case("slug-300-chars", _front("slug: juanshou", "slug: " + "a" * 300), ("S024",)),
    Case("slug-65-chars", _front("slug: juanshou", "slug: " + "b" * 65), ("S024",)),
    Case("code-300-chars", _toml('code = "tjzbsh"', 'code = "' + "t" * 300 + '"'), ("S025",)),
    Case("code-with-path", _toml('code = "tjzbsh"', 'code = "../../x"'), ("S025",)),
    Case("article-not-utf8", _raw_article("---\ntitle: 标题\n---\n\n正文。\n".encode("gbk")), ("S018",)),
    Case("article-binary", _raw_article(os.urandom(2048) + b"\xff\xfe"), ("S018",)),
    Case("toml-not-utf8", lambda w: (w.issue / "issue.toml").write_bytes(
        (w.issue / "issue.toml").read_text(encoding="utf-8").encode("gbk")), ("S018",)),
    Case("toml-is-a-folder", lambda w: ((w.issue / "issue.toml").unlink(), (w.issue / "issue.toml").mkdir()),
         ("S001",)),
    Case("toml-cut-in-half", lambda w: (w.issue / "issue.toml").write_bytes(
        (w.issue / "issue.toml").read_bytes()[:300]), ("S002",)),
]


@pytest.mark.parametrize("case", SOURCE_CASES, ids=lambda c: c.name)
def test_hostile_sources(case: Case, ws: Workspace):
    before = snapshot(ws.out)
    case.setup(ws)
    for command in case.commands:
        args = ["check", ws.issue] if command == "check" else ["build", ws.issue, "--out", ws.out, *ONLY]
        result = run_cli(*args)
        assert result.code == case.code, (command, result.text)
        assert "Traceback" not in result.text
        for pid in case.ids:
            assert f"[{pid}]" in result.text, (command, result.text)
    assert not leaks(ws.out), "a file from outside the issue folder reached an output"
    assert snapshot(ws.out) == before, "the earlier build's outputs changed"


def _import_with_picture(ref: Callable[[Workspace], str]) -> Callable[[Workspace], Path]:
    def setup(w: Workspace) -> Path:
        md = w.issue.parent / "drafts" / "new.md"
        md.parent.mkdir()
        md.write_text(f"# 新文章标题\n\n文 / 张三\n\n正文第一段。\n\n![说明]({ref(w)})\n", encoding="utf-8")
        return md
    return setup


IMPORT_CASES = {
    "import-picture-etc-passwd": _import_with_picture(lambda w: "../../../../../../../etc/passwd"),
    "import-picture-absolute": _import_with_picture(lambda w: str(w.outside / "secret.png")),
    "import-picture-dotdot": _import_with_picture(lambda w: "../outside/secret.png"),
}


@pytest.mark.parametrize("name", IMPORT_CASES)
def test_hostile_import_pictures(name: str, ws: Workspace):
    md = IMPORT_CASES[name](ws)
    issue_before = snapshot(ws.issue)
    result = run_cli("import", md, "--into", ws.issue, "--column", "言论")
    assert result.code == 2, result.text
    assert "Traceback" not in result.text and "[S036]" in result.text
    assert snapshot(ws.issue) == issue_before, "a refused import changed the issue folder"
    assert not leaks(ws.issue)


def test_import_picture_symlinked_out_is_refused(ws: Workspace):
    drafts = ws.issue.parent / "drafts"
    drafts.mkdir()
    (drafts / "p.png").symlink_to(ws.outside / "secret.png")
    md = drafts / "new.md"
    md.write_text("# 新文章标题\n\n正文第一段。\n\n![说明](p.png)\n", encoding="utf-8")
    issue_before = snapshot(ws.issue)
    result = run_cli("import", md, "--into", ws.issue, "--column", "言论")
    assert result.code == 2 and "[S036]" in result.text and "Traceback" not in result.text
    assert snapshot(ws.issue) == issue_before and not leaks(ws.issue)


# The command line and the output folder.
def _file_at(rel: str) -> Callable[[Workspace], None]:
    def setup(w: Workspace) -> None:
        path = w.build_dir / rel
        if path.is_dir():
            path.rename(path.with_name(path.name + ".moved"))
        path.write_text("not a folder\n", encoding="utf-8")
    return setup


def _folder_at(rel: str) -> Callable[[Workspace], None]:
    def setup(w: Workspace) -> None:
        path = w.build_dir / rel
        if path.exists():
            path.rename(path.with_name(path.name + ".moved"))
        path.mkdir()
        (path / "keep.txt").write_text("x\n", encoding="utf-8")
    return setup


@dataclass(frozen=True)
class BuildCase:
    name: str
    setup: Callable[[Workspace], None]
    args: tuple[str, ...]
    code: int
    ids: tuple[str, ...]


BUILD_CASES = [
    BuildCase("only-commas", lambda w: None, ("--only", ",,,"), 2, ("C004",)),
    BuildCase("only-blank", lambda w: None, ("--only", " , "), 2, ("C004",)),
    BuildCase("only-unknown", lambda w: None, ("--only", "epub,bogus"), 2, ("C001",)),
    BuildCase("jobs-zero", lambda w: None, ("--jobs", "0", *ONLY), 2, ("C002",)),
    BuildCase("jobs-negative", lambda w: None, ("--jobs", "-3", *ONLY), 2, ("C002",)),
    BuildCase("manifest-is-a-folder", _folder_at("manifest.json"), ONLY, 3, ("E003",)),
    BuildCase("epub-is-a-folder", _folder_at(f"{ISSUE_ID}.epub"), ONLY, 3, ("E003",)),
    BuildCase("qr-is-a-file", _file_at("qr"), ONLY, 3, ("E003",)),
    BuildCase("site-is-a-file", _file_at("site"), ONLY, 3, ("E003",)),
    BuildCase("lock-is-a-folder", _folder_at(".build.lock"), ONLY, 3, ("E003",)),
]


@pytest.mark.parametrize("case", BUILD_CASES, ids=lambda c: c.name)
def test_hostile_build(case: BuildCase, ws: Workspace):
    case.setup(ws)
    before = snapshot(ws.out)
    result = run_cli("build", ws.issue, "--out", ws.out, *case.args)
    assert result.code == case.code, result.text
    assert "Traceback" not in result.text
    for pid in case.ids:
        assert f"[{pid}]" in result.text, result.text
    assert snapshot(ws.out) == before
    assert not leaks(ws.out)


def test_output_root_is_a_file(ws: Workspace, tmp_path):
    root = tmp_path / "plain-file"
    root.write_text("x\n", encoding="utf-8")
    result = run_cli("build", ws.issue, "--out", root, *ONLY)
    assert result.code == 3 and "[E003]" in result.text and "Traceback" not in result.text
    assert str(root) in result.text
    assert root.read_text(encoding="utf-8") == "x\n"


def test_issue_folder_missing_or_a_file(ws: Workspace, tmp_path):
    for target in (tmp_path / "nowhere", ws.issue / "issue.toml"):
        for command in (["check", target], ["build", target, "--out", ws.out]):
            result = run_cli(*command)
            assert result.code == 2 and "[S001]" in result.text and "Traceback" not in result.text


def test_jobs_5000_is_capped_and_said(ws: Workspace):
    before = snapshot(ws.out)
    result = run_cli("build", ws.issue, "--out", ws.out, "--jobs", "5000", *ONLY)
    assert result.code == 0, result.text
    assert "--jobs 5000 超出" in result.err and "改为 --jobs" in result.err
    assert snapshot(ws.out) == before  # same sources: the same bytes


def test_a_second_build_waits_then_refuses(ws: Workspace):
    before = snapshot(ws.out)
    with open(ws.build_dir / ".build.lock", "a+") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        result = run_cli("build", ws.issue, "--out", ws.out, "--lock-wait", "0.5", *ONLY)
    assert result.code == 3 and "[E001]" in result.text and "Traceback" not in result.text
    assert snapshot(ws.out) == before
    # Released: the same build goes through.
    assert run_cli("build", ws.issue, "--out", ws.out, *ONLY).code == 0


def test_leftover_part_files_of_a_killed_build_are_removed(ws: Workspace):
    stale = [ws.build_dir / "qr" / ".01-juanshou.svg.99999999.abc.part",
             ws.build_dir / "site" / ".index.html.1.x.part",
             ws.build_dir / f".{ISSUE_ID}.epub.part"]
    for path in stale:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"half")
    result = run_cli("build", ws.issue, "--out", ws.out, "--only", "epub")
    assert result.code == 0, result.text
    assert not [p for p in stale if p.exists()]
    assert not list(ws.out.rglob("*.part"))


# The machine: a read-only disk and a full one (tmpfs, so root is needed to mount it).
@pytest.fixture
def tmpfs(tmp_path):
    mount = tmp_path / "mnt"
    if os.geteuid() != 0 or not mount_tmpfs(mount, "4m"):
        pytest.skip("needs root and mount -t tmpfs to make a read-only or full disk")
    yield mount
    unmount(mount)


def _good_build_in(mount: Path, ws: Workspace) -> Path:
    out = mount / "out"
    result = run_cli("build", ws.issue, "--out", out, *ONLY)
    assert result.code == 0, result.text
    return out


def test_read_only_output_root(ws: Workspace, tmpfs: Path):
    out = _good_build_in(tmpfs, ws)
    before = snapshot(out)
    remount(tmpfs, "ro")
    try:
        ws.append_body("新加的一段，让成品需要重写。")
        result = run_cli("build", ws.issue, "--out", out, *ONLY)
    finally:
        remount(tmpfs, "rw")
    assert result.code == 3 and "[E011]" in result.text and "Traceback" not in result.text
    assert str(out) in result.text
    assert snapshot(out) == before


def test_read_only_issue_folder_still_builds(ws: Workspace, tmpfs: Path, tmp_path):
    issue = tmpfs / "issue"
    import shutil

    shutil.copytree(ws.issue, issue)
    remount(tmpfs, "ro")
    try:
        assert run_cli("check", issue).code == 0
        result = run_cli("build", issue, "--out", tmp_path / "out", "--only", "epub")
    finally:
        remount(tmpfs, "rw")
    assert result.code == 0, result.text


@pytest.mark.parametrize("only", [ONLY, ("--only", "epub"), ("--only", "qr"), ("--only", "site")],
                         ids=lambda o: "+".join(o[1:]))
def test_disk_full_keeps_the_earlier_build(ws: Workspace, tmpfs: Path, only: tuple[str, ...]):
    out = _good_build_in(tmpfs, ws)
    (out / ISSUE_ID / "qr").rename(out / ISSUE_ID / "qr-old")  # qr and site must write again
    (out / ISSUE_ID / "site").rename(out / ISSUE_ID / "site-old")
    before = snapshot(out)
    filler = tmpfs / "filler"
    # take every free block; unbuffered, so closing it has no bytes left to flush (a buffered
    # file raised ENOSPC on close whenever the free space was not a whole number of writes)
    with open(filler, "wb", buffering=0) as fh:
        try:
            while True:
                fh.write(b"\0" * 65536)
        except OSError:
            pass
    ws.append_body("新加的一段，让成品需要重写。" * 20)
    result = run_cli("build", ws.issue, "--out", out, *only)
    assert result.code == 3 and "[E012]" in result.text and "Traceback" not in result.text, result.text
    assert str(out) in result.text  # the message names the path
    after = snapshot(out)
    assert {k: v for k, v in after.items() if k in before} == before  # nothing earlier changed
    assert not list(out.rglob("*.part"))
    filler.unlink()
    assert run_cli("build", ws.issue, "--out", out, *only).code == 0


def test_canary_is_really_searched(ws: Workspace):
    """The leak search finds the canary when it is inside the folder (so it can fail)."""
    ws.edit("articles/01-juanshou.md", "title: 春风化雨 久久为功", f"title: {CANARY}")
    assert run_cli("build", ws.issue, "--out", ws.out, "--only", "epub").code == 0
    assert any(name.endswith(".epub") or "!" in name for name in leaks(ws.out))


def test_unreadable_source_is_an_environment_fault(ws: Workspace, monkeypatch):
    """Permission bits do not stop root, so the refusal is made at the OS boundary."""
    denied = ws.article("03-louzhang.md")
    real_read = Path.read_bytes

    def read_bytes(self):
        if self == denied:
            raise PermissionError(13, "Permission denied", str(self))
        return real_read(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    before = snapshot(ws.out)
    for command in (["check", ws.issue], ["build", ws.issue, "--out", ws.out, *ONLY]):
        result = run_cli(*command)
        assert result.code == 3 and "[E005]" in result.text and "Traceback" not in result.text
        assert "03-louzhang.md" in result.text
    assert snapshot(ws.out) == before
