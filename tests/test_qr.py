"""The print QR codes: every file decodes to its permanent URL, at its true size, crisp."""

from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

from issuepub.diagnostics import UserError
from issuepub.outputs.qr import render, verify
from issuepub.outputs.qr.symbol import (QUIET_ZONE, byte_capacity, encode, min_size_mm,
                                        modules_for, rects)
from support.qr import (ARTICLES, BASE_URL, decode, make_issue, mupdf_render, page_size_mm,
                        run_qr)

import pymupdf  # test dependency: MuPDF renders the SVG/PDF files independently

SVG_NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The test issue built once, with the captioned variants: (issue, out_dir, result)."""
    root = tmp_path_factory.mktemp("issue")
    issue = make_issue(root, caption=True, size_mm=22)
    out = tmp_path_factory.mktemp("build") / issue.id
    return issue, out, run_qr(issue, out)


def _qr_articles(issue):
    return [a for a in issue.articles if a.print_qr]


# --- the symbol ----------------------------------------------------------------------------

def test_capacity_matches_the_standard():
    # ISO/IEC 18004 table 7, byte mode: the limits the URL check relies on.
    assert [byte_capacity(v, "M") for v in (1, 2, 3, 4)] == [14, 26, 42, 62]
    assert [byte_capacity(v, "Q") for v in (1, 2, 3, 4)] == [11, 20, 32, 46]
    assert modules_for(4) == 41 and min_size_mm(4) == 20.5


@pytest.mark.parametrize("level", ["M", "Q"])
def test_issue_urls_stay_at_version_4_or_lower(tmp_path, level):
    issue = make_issue(tmp_path)
    for article in issue.articles:
        symbol = encode(issue.article_url(article), level)
        assert symbol.version <= 4, (article.slug, level, symbol.version)
        assert symbol.modules == 17 + 4 * symbol.version + 2 * QUIET_ZONE


def test_merged_rects_cover_exactly_the_dark_modules():
    for level in ("M", "Q"):
        symbol = encode(f"{BASE_URL}/2025/03a/07/", level)
        covered: list[tuple[int, int]] = []
        for x, y, w, h in rects(symbol.matrix):
            covered += [(x + i, y + j) for i in range(w) for j in range(h)]
        dark = [(x, y) for y, row in enumerate(symbol.matrix) for x, v in enumerate(row) if v]
        assert sorted(covered) == sorted(dark)  # no gaps, no overlaps
        assert len(rects(symbol.matrix)) < len(dark) / 2  # modules really are merged
        # The quiet zone is blank.
        n = symbol.modules
        assert not any(symbol.matrix[y][x] for y in range(n) for x in range(n)
                       if min(x, y, n - 1 - x, n - 1 - y) < QUIET_ZONE)


# --- the files -----------------------------------------------------------------------------

def test_only_print_qr_articles_get_codes(built):
    issue, out, result = built
    expected = {a.slug for a in _qr_articles(issue)}
    assert set(result.articles) == expected
    names = sorted(p.name for p in (out / "qr").iterdir())
    wanted = sorted(f"{a.number:02d}-{a.slug}{v}.{f}" for a in _qr_articles(issue)
                    for v in ("", "-caption") for f in ("svg", "pdf", "png"))
    assert names == sorted(wanted + ["datamerge.csv"])


def test_records(built):
    issue, out, result = built
    for article in _qr_articles(issue):
        rec = result.articles[article.slug]
        url = issue.article_url(article)
        assert rec["url"] == rec["decoded"] == url
        assert rec["version"] <= 4 and rec["error_correction"] == "M"
        assert rec["size_mm"] == 22
        assert rec["module_mm"] == pytest.approx(22 / rec["modules"], abs=1e-4)
        assert rec["module_mm"] >= 0.5
        assert set(rec["files"]) == {"svg", "pdf", "png", "caption_svg", "caption_pdf", "caption_png"}
        for file in rec["files"].values():
            path = out / file["path"]
            assert path.stat().st_size == file["size"]
            assert re.fullmatch(r"[0-9a-f]{64}", file["sha256"])
        assert sorted(rec["checked"]) == sorted(f["path"] for f in rec["files"].values())
    assert result.record["proof"]["path"] == "qr-proof.pdf"
    assert result.record["count"] == len(_qr_articles(issue))


def test_png_decodes_at_600_dpi_and_true_size(built):
    issue, out, result = built
    for article in _qr_articles(issue):
        rec = result.articles[article.slug]
        image = Image.open(out / rec["files"]["png"]["path"])
        dpi = image.info["dpi"]
        # At least 600 dpi, exactly what the manifest says, and the printed size is exact.
        assert dpi[0] == pytest.approx(dpi[1]) and dpi[0] >= 600
        assert dpi[0] == pytest.approx(rec["png_dpi"], abs=0.01)
        assert image.width * 25.4 / dpi[0] == pytest.approx(22, abs=0.01)
        assert image.width == image.height
        # Crisp: a pure black-and-white image, no grey antialiasing.
        assert sum(image.convert("L").histogram()[1:255]) == 0
        assert decode(image) == [(issue.article_url(article), str(rec["version"]), "M")]


def test_svg_measures_in_mm_and_decodes_with_mupdf(built):
    issue, out, result = built
    for article in _qr_articles(issue):
        rec = result.articles[article.slug]
        path = out / rec["files"]["svg"]["path"]
        root = ET.parse(path).getroot()
        assert (root.get("width"), root.get("height")) == ("22mm", "22mm")
        paths = list(root.iter(f"{SVG_NS}path"))
        assert len(paths) == 1 and paths[0].get("id") == "qr-modules"  # one path for all modules
        assert not list(root.iter(f"{SVG_NS}text"))
        w, h = page_size_mm(path)
        assert w == pytest.approx(22, abs=0.1) and h == pytest.approx(22, abs=0.1)
        assert decode(mupdf_render(path)) == [(issue.article_url(article), str(rec["version"]), "M")]


def test_svg_and_pdf_modules_sit_on_the_module_grid(built):
    """Sample the MuPDF render at each module's centre: it must equal the QR matrix."""
    issue, out, result = built
    article = _qr_articles(issue)[0]
    rec = result.articles[article.slug]
    matrix = encode(issue.article_url(article), "M").matrix
    n = len(matrix)
    for kind in ("svg", "pdf"):
        image = mupdf_render(out / rec["files"][kind]["path"], dpi=600)
        step = image.width / n
        sampled = tuple(tuple(image.getpixel((int((x + 0.5) * step), int((y + 0.5) * step))) < 128
                              for x in range(n)) for y in range(n))
        assert sampled == matrix, kind


def test_pdf_is_vector_at_true_size_and_decodes_with_mupdf(built):
    issue, out, result = built
    for article in _qr_articles(issue):
        rec = result.articles[article.slug]
        path = out / rec["files"]["pdf"]["path"]
        with pymupdf.open(path) as doc:
            assert doc.page_count == 1
            page = doc[0]
            assert not page.get_images() and not page.get_fonts()  # vector, no raster, no text
            drawings = page.get_drawings()
        white = [d for d in drawings if d.get("fill") == (1.0, 1.0, 1.0)]
        black = [d for d in drawings if d.get("fill") == (0.0, 0.0, 0.0)]
        assert len(white) == 1 and len(black) == 1  # the white square, one path of modules
        assert white[0]["rect"].width * 25.4 / 72 == pytest.approx(22, abs=0.1)
        assert white[0]["rect"].height * 25.4 / 72 == pytest.approx(22, abs=0.1)
        symbol_mm = black[0]["rect"].width * 25.4 / 72
        assert symbol_mm == pytest.approx(rec["module_mm"] * (rec["modules"] - 2 * QUIET_ZONE), abs=0.1)
        assert page_size_mm(path) == pytest.approx((22, 22), abs=0.1)
        assert decode(mupdf_render(path)) == [(issue.article_url(article), str(rec["version"]), "M")]


def test_caption_variant(built):
    issue, out, result = built
    for article in _qr_articles(issue):
        rec = result.articles[article.slug]
        url = issue.article_url(article)
        svg = out / rec["files"]["caption_svg"]["path"]
        pdf = out / rec["files"]["caption_pdf"]["path"]
        png = out / rec["files"]["caption_png"]["path"]
        root = ET.parse(svg).getroot()
        assert root.get("width") == "22mm"
        height = float(root.get("height").removesuffix("mm"))
        assert 22 + 2 < height < 22 + 5
        # The caption is outlines: a path, no <text>, no font in the PDF.
        assert {p.get("id") for p in root.iter(f"{SVG_NS}path")} == {"qr-modules", "qr-caption"}
        assert not list(root.iter(f"{SVG_NS}text"))
        with pymupdf.open(pdf) as doc:
            assert not doc[0].get_fonts()
        assert page_size_mm(pdf) == pytest.approx((22, height), abs=0.1)
        for path in (svg, pdf, png):
            image = mupdf_render(path) if path != png else Image.open(path)
            assert decode(image) == [(url, str(rec["version"]), "M")], path.name
            # Ink in the caption band, none in the quiet zone just above it.
            px = image.height / height
            band = image.crop((0, int(22.3 * px), image.width, image.height)).convert("L")
            quiet = image.crop((0, int((22 - 3 * rec["module_mm"]) * px), image.width,
                                int(22 * px) - 1)).convert("L")
            assert band.getextrema()[0] < 64, path.name
            assert quiet.getextrema()[0] == 255, path.name


def test_proof_sheet(built):
    issue, out, result = built
    proof = out / "qr-proof.pdf"
    urls = [issue.article_url(a) for a in _qr_articles(issue)]
    found = []
    n_squares = 0
    with pymupdf.open(proof) as doc:
        text = ""
        for number in range(doc.page_count):
            page = doc[number]
            assert page.rect.width * 25.4 / 72 == pytest.approx(210, abs=0.5)
            assert page.rect.height * 25.4 / 72 == pytest.approx(297, abs=0.5)
            text += page.get_text()
            # The CJK font is embedded, as a subset (ABCDEF+Name).
            fonts = doc.get_page_fonts(number)
            assert fonts, "no font on the proof page"
            for xref, ext, kind, basefont, *_ in fonts:
                assert ext in ("ttf", "otf", "cff"), (basefont, ext)  # "n/a" = not embedded
                assert re.fullmatch(r"[A-Z]{6}\+.+", basefont), basefont
                assert doc.extract_font(xref)[3], basefont  # the font program is there
            # Every code at its true size: the white square of each code is 22 mm.
            squares = [d["rect"] for d in page.get_drawings()
                       if d.get("fill") == (1.0, 1.0, 1.0) and abs(d["rect"].width - d["rect"].height) < 0.5]
            for rect in squares:
                assert rect.width * 25.4 / 72 == pytest.approx(22, abs=0.1)
            n_squares += len(squares)
            found += [t for t, _, _ in decode(mupdf_render(proof, dpi=300, page=number))]
    assert sorted(found) == sorted(urls * 2)  # plain and captioned code of every article
    assert n_squares == 2 * len(urls)
    for article in _qr_articles(issue):
        for needle in (article.title, article.column, f"第 {article.page} 页", issue.article_url(article)):
            assert needle in text, needle
    assert "二维码校样" in text


def test_proof_font_program_is_a_small_subset(built):
    """The embedded font program holds only the glyphs used, not the 65 000 of Noto CJK."""
    from fontTools.ttLib import TTFont
    import io

    issue, out, _ = built
    with pymupdf.open(out / "qr-proof.pdf") as doc:
        xref = doc.get_page_fonts(0)[0][0]
        name, ext, _, buffer = doc.extract_font(xref)
        text = doc[0].get_text()
    assert ext == "ttf" and buffer
    font = TTFont(io.BytesIO(buffer))
    used = set(text) - {"\n"}
    assert len(font.getGlyphOrder()) <= len(used) + 1  # + .notdef
    assert len(buffer) < 200_000


# --- options -------------------------------------------------------------------------------

def test_qr_all_codes_every_narrated_article(tmp_path):
    issue = make_issue(tmp_path / "issue")
    result = run_qr(issue, tmp_path / "out", qr_all=True)
    assert set(result.articles) == {a.slug for a in issue.articles if a.narrate}
    assert "yanlun" not in result.articles  # not narrated: nothing to listen to
    for article in issue.articles:
        if article.narrate:
            rec = result.articles[article.slug]
            image = Image.open(tmp_path / "out" / rec["files"]["png"]["path"])
            assert decode(image)[0][0] == issue.article_url(article)
    assert not list((tmp_path / "out" / "qr").glob("*-caption.*"))  # caption off by default


@pytest.mark.parametrize("how", ["issue", "option"])
def test_error_correction_q(tmp_path, how):
    if how == "issue":
        issue = make_issue(tmp_path / "issue", error_correction="Q")
        result = run_qr(issue, tmp_path / "out")
    else:
        issue = make_issue(tmp_path / "issue", error_correction="M")
        result = run_qr(issue, tmp_path / "out", qr_error_correction="Q")
    assert result.record["error_correction"] == "Q"
    for article in _qr_articles(issue):
        rec = result.articles[article.slug]
        assert rec["error_correction"] == "Q" and rec["version"] <= 4
        for kind in ("png", "pdf"):
            path = tmp_path / "out" / rec["files"][kind]["path"]
            image = Image.open(path) if kind == "png" else mupdf_render(path)
            assert decode(image) == [(issue.article_url(article), str(rec["version"]), "Q")]


def test_same_input_gives_identical_bytes(tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    issue = make_issue(tmp_path / "issue", caption=True)
    run_qr(issue, tmp_path / "a")
    run_qr(issue, tmp_path / "b")
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file())
    assert files_a == files_b and len(files_a) == 14  # 12 code files, the CSV, the proof
    for rel in files_a:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel
    proof = (tmp_path / "a" / "qr-proof.pdf").read_bytes()
    assert b"CreationDate" not in proof and b"ModDate" not in proof


def test_stale_codes_are_removed(tmp_path):
    issue = make_issue(tmp_path / "issue")
    run_qr(issue, tmp_path / "out", qr_all=True)
    assert (tmp_path / "out" / "qr" / "03-louzhang.png").exists()
    (tmp_path / "out" / "qr" / "notes.txt").write_text("kept")
    run_qr(issue, tmp_path / "out")
    assert not list((tmp_path / "out" / "qr").glob("03-louzhang.*"))
    assert (tmp_path / "out" / "qr" / "01-juanshou.png").exists()
    assert (tmp_path / "out" / "qr" / "notes.txt").exists()  # not ours: left alone


# --- user errors ---------------------------------------------------------------------------

def test_url_too_long_names_base_url(tmp_path):
    long_base = "https://audio.tjzbsh.cn/tjzbsh/listen/audio-edition"  # 51 chars: 64-char URLs
    issue = make_issue(tmp_path / "issue", base_url=long_base)
    with pytest.raises(UserError) as info:
        run_qr(issue, tmp_path / "out")
    problem = info.value.problems[0]
    assert problem.code == "Q001"
    assert "base_url" in problem.fix and long_base in problem.fix
    assert problem.file == issue.root / "issue.toml"
    assert not (tmp_path / "out" / "qr").exists()  # nothing written


def test_url_too_long_for_q_only(tmp_path):
    base = "https://audio.tjzbsh.cn/tjzbsh/listen-here"  # 55-char URLs: v4 at M, too long at Q
    issue = make_issue(tmp_path / "issue", base_url=base)
    run_qr(issue, tmp_path / "m")
    with pytest.raises(UserError) as info:
        run_qr(issue, tmp_path / "q", qr_error_correction="Q")
    assert info.value.problems[0].code == "Q001"
    assert "46" in info.value.problems[0].message


def test_size_too_small_names_minimum(tmp_path):
    issue = make_issue(tmp_path / "issue", size_mm=20)  # a version-4 code needs 20.5 mm
    with pytest.raises(UserError) as info:
        run_qr(issue, tmp_path / "out")
    problem = info.value.problems[0]
    assert problem.code == "Q002"
    assert "size_mm" in problem.fix and "20.5" in problem.fix
    # At the minimum it builds, with 0.5 mm modules.
    ok = dataclasses.replace(issue, qr=dataclasses.replace(issue.qr, size_mm=20.5))
    result = run_qr(ok, tmp_path / "out")
    assert {r["module_mm"] for r in result.articles.values()} == {0.5}


def test_print_qr_without_narration_is_an_error(tmp_path):
    articles = ARTICLES + (("言论", "duanping", "短评", 16, True, False),)
    issue = make_issue(tmp_path / "issue", articles=articles)
    with pytest.raises(UserError) as info:
        run_qr(issue, tmp_path / "out")
    assert info.value.problems[0].code == "Q003"


# --- the build refuses a code that does not read back ---------------------------------------

def test_a_png_that_decodes_to_another_url_fails_the_build(tmp_path, monkeypatch):
    real = render.png_bytes

    def wrong(symbol, art, dpi=600):
        return real(encode(symbol.url.replace("/03a/", "/03b/"), symbol.level), art, dpi)

    monkeypatch.setattr(render, "png_bytes", wrong)
    with pytest.raises(verify.QrVerificationError, match="03b"):
        run_qr(make_issue(tmp_path / "issue"), tmp_path / "out")
    assert not list((tmp_path / "out").rglob("*.png"))


def test_a_broken_svg_fails_the_build(tmp_path, monkeypatch):
    real = render.svg_bytes

    def broken(symbol, art):  # lose the top-left finder pattern
        return real(dataclasses.replace(symbol, matrix=tuple(
            tuple(v and not (x < 12 and y < 12) for x, v in enumerate(row))
            for y, row in enumerate(symbol.matrix))), art)

    monkeypatch.setattr(render, "svg_bytes", broken)
    with pytest.raises(verify.QrVerificationError, match="svg"):
        run_qr(make_issue(tmp_path / "issue"), tmp_path / "out")


def test_proof_sheet_runs_over_several_pages(tmp_path):
    articles = tuple(("专栏", f"wen-{i:02d}", f"第{i}篇文章", i * 2, True, True) for i in range(1, 15))
    issue = make_issue(tmp_path / "issue", articles=articles)
    run_qr(issue, tmp_path / "out")
    proof = tmp_path / "out" / "qr-proof.pdf"
    found, texts = [], []
    with pymupdf.open(proof) as doc:
        assert doc.page_count >= 2
        for number in range(doc.page_count):
            texts.append(doc[number].get_text())
            found += [t for t, _, _ in decode(mupdf_render(proof, dpi=200, page=number))]
    assert sorted(found) == sorted(issue.article_url(a) for a in issue.articles)
    assert all(f"共 {len(texts)} 页" in t for t in texts)


def test_survives_a_poor_capture(built):
    """A rough stand-in for a phone photo of the print: about 3 pixels per module, grey ink
    on grey paper, blurred and tilted. The artwork (quiet zone, contrast) must still read."""
    from PIL import ImageFilter

    issue, out, result = built
    article = _qr_articles(issue)[0]
    image = mupdf_render(out / result.articles[article.slug]["files"]["pdf"]["path"], dpi=150)
    image = image.point(lambda v: 70 + v * 110 // 255).filter(ImageFilter.GaussianBlur(1.0))
    image = image.rotate(7, resample=Image.BILINEAR, expand=True, fillcolor=180)
    assert [t for t, _, _ in decode(image)] == [issue.article_url(article)]


def test_a_qr_mistake_stops_the_build_before_any_narration(example_copy, tmp_path, capsys):
    """The QR check runs before audio: an hour of synthesis is not spent on a build that
    would then stop on the QR size."""
    from issuepub.cli import main

    toml = example_copy / "issue.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("size_mm = 20", "size_mm = 16"),
                    encoding="utf-8")
    out = tmp_path / "out"
    assert main(["build", str(example_copy), "--out", str(out)]) == 2
    assert "Q002" in capsys.readouterr().err
    assert not list(out.rglob("*.mp3")) and not (out / ".cache").exists()
