"""Print safety and the layout team's files: a placeholder address never reaches a printed
code without --draft, drafts say so in every file, InDesign's Data Merge CSV, and PNG codes
whose modules are whole pixels."""

from __future__ import annotations

import csv
import io
import subprocess
import sys

import pymupdf
import pytest
from PIL import Image

from support.qr import BASE_URL, decode, make_issue, run_qr

from issuepub.diagnostics import UserError
from issuepub.outputs.qr.safety import placeholder_reason
from issuepub.outputs.qr.symbol import encode

from conftest import EXAMPLE

MARK = "样张 — 网址未定，不可付印"


@pytest.mark.parametrize("url, placeholder", [
    ("https://ting.example.invalid", True),  # the importer's placeholder
    ("https://ting.example.cn", True),  # the example issue's
    ("https://example.com/tjzbsh", True),
    ("https://ting.tjzbsh.test", True),
    ("http://ting.tjzbsh.cn", True),  # not https
    ("https://localhost", True),
    ("https://ting.tjzbsh.cn", False),
    ("https://audio.tjzbsh.cn/tjzbsh", False),
    ("https://examples.org.cn", False),  # a label that merely starts with "example"
])
def test_placeholder_addresses(url, placeholder):
    assert (placeholder_reason(url) is not None) == placeholder


@pytest.mark.parametrize("base", ["https://ting.example.invalid", "https://ting.example.cn"])
def test_a_placeholder_base_url_prints_no_code(tmp_path, base):
    issue = make_issue(tmp_path / "issue", base_url=base)
    with pytest.raises(UserError) as info:
        run_qr(issue, tmp_path / "out")
    problem = info.value.problems[0]
    assert problem.code == "Q006" and base in problem.message
    assert "--draft" in problem.fix and "base_url" in problem.fix
    assert not (tmp_path / "out").exists()  # nothing written


def _cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "issuepub", *args], capture_output=True,
                          text=True, timeout=300, cwd=cwd)


def test_build_of_the_example_refuses_its_placeholder_then_drafts(tmp_path):
    out = tmp_path / "out"
    for only in (["--only", "qr"], []):  # --only qr, and a plain build (before any narration)
        proc = _cli("build", str(EXAMPLE), "--out", str(out), *only)
        assert proc.returncode == 2, proc.stderr
        assert "Q006" in proc.stderr and "Traceback" not in proc.stderr
        # It names the line to change: issue.toml:N is the base_url line of [audio].
        toml_lines = (EXAMPLE / "issue.toml").read_text(encoding="utf-8").split("\n")
        [where] = [l.split(": ", 1)[0] for l in proc.stderr.splitlines() if "[Q006]" in l]
        assert toml_lines[int(where.rsplit(":", 1)[1]) - 1].startswith("base_url = ")
        assert "--draft" in proc.stderr
        assert not out.exists() or not list(out.rglob("*.png")) and not list(out.rglob("*.mp3"))

    proc = _cli("build", str(EXAMPLE), "--out", str(out), "--only", "qr", "--draft")
    assert proc.returncode == 0, proc.stderr
    assert MARK in proc.stdout and "均已解码核对" not in proc.stdout
    qr_dir = next(out.glob("*/qr"))
    codes = sorted(p for p in qr_dir.iterdir() if p.suffix in (".svg", ".pdf", ".png"))
    assert codes
    for path in codes:
        data = path.read_bytes()
        if path.suffix == ".svg":
            text = data.decode("utf-8")
            assert f"<desc>{MARK}</desc>" in text and 'id="qr-draft"' in text
        elif path.suffix == ".pdf":
            with pymupdf.open(path) as doc:
                assert MARK in doc.metadata["title"]
                rect = doc[0].rect
                assert rect.height > rect.width  # the band carrying the mark is on the page
        else:
            image = Image.open(path)
            assert MARK in image.text["Title"]
            assert image.height > image.width
            assert len(decode(image)) == 1  # still a code, for the layout proof
    proof = qr_dir.parent / "qr-proof.pdf"
    with pymupdf.open(proof) as doc:
        text = "".join(page.get_text() for page in doc)
    # The heading, the line of every code, the footer.
    entries = [p for p in codes if p.suffix == ".svg" and not p.stem.endswith("-caption")]
    assert text.count(MARK) >= 2 + len(entries)
    assert "核对" not in text and "校样" not in text


def test_a_real_address_is_checked_and_unmarked(tmp_path):
    issue = make_issue(tmp_path / "issue", base_url=BASE_URL)
    result = run_qr(issue, tmp_path / "out")
    assert result.record["draft"] is False
    with pymupdf.open(tmp_path / "out" / "qr-proof.pdf") as doc:
        text = "".join(page.get_text() for page in doc)
    assert "已解码核对" in text and MARK not in text
    svg = (tmp_path / "out" / "qr" / "01-juanshou.svg").read_text(encoding="utf-8")
    assert MARK not in svg


def test_draft_flag_with_a_real_address_changes_nothing(tmp_path):
    issue = make_issue(tmp_path / "issue", base_url=BASE_URL)
    run_qr(issue, tmp_path / "a")
    run_qr(issue, tmp_path / "b", draft=True)
    for name in ("qr/01-juanshou.svg", "qr/01-juanshou.png", "qr-proof.pdf"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_datamerge_csv_for_indesign(tmp_path):
    issue = make_issue(tmp_path / "issue", caption=True)
    out = tmp_path / "out"
    result = run_qr(issue, out)
    path = out / result.record["datamerge"]["path"]
    data = path.read_bytes()
    assert data.startswith(b"\xff\xfe")  # UTF-16 little-endian byte-order mark
    rows = list(csv.reader(io.StringIO(data.decode("utf-16"), newline="")))
    header, records = rows[0], rows[1:]
    assert header[:5] == ["文章序号", "栏目", "标题", "页码", "网址"]
    image_columns = [i for i, name in enumerate(header) if name.startswith("@")]
    assert len(image_columns) == 4  # PDF and PNG, plain and captioned
    coded = [a for a in issue.articles if a.print_qr]
    assert [r[0] for r in records] == [f"{a.number:02d}" for a in coded]
    assert [r[2] for r in records] == [a.title for a in coded]
    assert [r[3] for r in records] == [str(a.page) for a in coded]
    assert [r[4] for r in records] == [issue.article_url(a) for a in coded]
    for record in records:
        for i in image_columns:
            assert (path.parent / record[i]).is_file(), record[i]  # beside the CSV
    assert data.decode("utf-16").count("\r\n") == len(rows)


@pytest.mark.parametrize("size_mm", [20.5, 22.0, 25.0])
def test_png_modules_are_whole_pixels(tmp_path, size_mm):
    """Decode the PNG, then measure it: every module a square of the same whole number of
    pixels, the matrix the encoder made, and the stated dpi printing it at size_mm."""
    issue = make_issue(tmp_path / "issue", size_mm=size_mm)
    result = run_qr(issue, tmp_path / "out")
    article = next(a for a in issue.articles if a.print_qr)
    rec = result.articles[article.slug]
    image = Image.open(tmp_path / "out" / rec["files"]["png"]["path"])
    assert decode(image) == [(issue.article_url(article), str(rec["version"]), "M")]
    n = rec["modules"]
    px = rec["png_module_px"]
    assert image.width == image.height == n * px
    assert image.width / image.info["dpi"][0] * 25.4 == pytest.approx(size_mm, abs=0.01)
    assert px >= size_mm / n / 25.4 * 600  # at least 600 dpi
    matrix = encode(issue.article_url(article), "M").matrix
    gray = image.convert("L")
    for y in range(n):
        for x in range(n):
            lo, hi = gray.crop((x * px, y * px, (x + 1) * px, (y + 1) * px)).getextrema()
            assert lo == hi, (x, y)  # one colour: no module edge falls inside a pixel block
            assert (lo == 0) == matrix[y][x], (x, y)  # the matrix includes the quiet zone


def test_the_imported_real_issue_prints_no_code_for_its_placeholder(corpus_path, tmp_path):
    """The importer's https://ting.example.invalid: check passes, but no printed code comes
    out of it without --draft (the proof of a draft never says 已核对)."""
    folder, out = tmp_path / "issue", tmp_path / "out"
    proc = _cli("import", str(corpus_path), "--out", str(folder))
    assert proc.returncode == 0, proc.stderr
    assert _cli("check", str(folder)).returncode == 0
    proc = _cli("build", str(folder), "--out", str(out), "--only", "qr", "--all")
    assert proc.returncode == 2 and "Q006" in proc.stderr and "ting.example.invalid" in proc.stderr
    assert not list(out.rglob("*.png")) and not list(out.rglob("qr-proof.pdf"))
    proc = _cli("build", str(folder), "--out", str(out), "--only", "qr", "--draft")
    assert proc.returncode == 0, proc.stderr
    with pymupdf.open(next(out.glob("*/qr-proof.pdf"))) as doc:
        text = "".join(page.get_text() for page in doc)
    assert MARK in text and "核对" not in text


def test_check_warns_about_a_placeholder_base_url():
    from issuepub.sources import check_issue

    issue, problems = check_issue(EXAMPLE)
    assert issue is not None  # a warning: the issue can be checked, read and drafted
    [warning] = [p for p in problems if p.code == "S063"]
    assert warning.severity == "warning" and warning.line
    lines = (EXAMPLE / "issue.toml").read_text(encoding="utf-8").split("\n")
    assert lines[warning.line - 1].startswith("base_url")
    assert "--draft" in warning.message


@pytest.mark.parametrize("size_mm", [20.0, 20.5, 22.0, 25.0])
@pytest.mark.parametrize("variant", ["caption", "draft"])
def test_bands_leave_the_code_and_its_quiet_zone_untouched(tmp_path, size_mm, variant):
    """The captioned and the draft PNG: the square (code and quiet zone) is exactly the
    matrix in whole-pixel modules, pure black and white; the band's text starts below it."""
    draft = variant == "draft"
    issue = make_issue(tmp_path / "issue", size_mm=size_mm, caption=not draft,
                       base_url="https://ting.example.cn" if draft else "https://ting.tjzbsh.cn")
    result = run_qr(issue, tmp_path / "out", draft=draft)
    article = next(a for a in issue.articles if a.print_qr)
    rec = result.articles[article.slug]
    key = "png" if draft else "caption_png"
    image = Image.open(tmp_path / "out" / rec["files"][key]["path"]).convert("L")
    n, px = rec["modules"], rec["png_module_px"]
    side = n * px
    assert image.width == side and image.height > side
    matrix = encode(issue.article_url(article), "M").matrix
    square = image.crop((0, 0, side, side)).load()
    wrong = [(x, y, square[x, y]) for y in range(side) for x in range(side)
             if square[x, y] != (0 if matrix[y // px][x // px] else 255)]
    assert not wrong, wrong[:5]
    assert image.crop((0, side, side, image.height)).getextrema()[0] == 0  # the band has text
