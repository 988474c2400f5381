"""The EPUB of the example issue: EPUBCheck clean, navigation by column, page-list, metadata,
reproducible bytes, manifest and outline."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from issuepub.build import run_build
from issuepub.sources import load_issue

from conftest import EXAMPLE, assert_epubcheck_clean

NS = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops",
      "opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/",
      "ncx": "http://www.daisy.org/z3986/2005/ncx/"}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    report = run_build(EXAMPLE, out, only=["epub"])
    return report.out_dir / "tjzbsh-2025-03a.epub", report


def _xml(epub: Path, name: str):
    with zipfile.ZipFile(epub) as z:
        return etree.fromstring(z.read(name))


def test_epubcheck_clean(built):
    assert_epubcheck_clean(built[0])


def test_zip_layout(built):
    with zipfile.ZipFile(built[0]) as z:
        first = z.infolist()[0]
        assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
        assert z.read("mimetype") == b"application/epub+zip"


def test_nav_groups_articles_by_column(built):
    issue = load_issue(EXAMPLE)
    nav = _xml(built[0], "EPUB/nav.xhtml")
    toc = nav.xpath("//x:nav[@epub:type='toc']", namespaces=NS)[0]
    assert toc.xpath("string(x:h1)", namespaces=NS) == "目录"
    top = toc.xpath("x:ol/x:li", namespaces=NS)
    assert [li.xpath("string(x:a)", namespaces=NS) for li in top] == [c.name for c in issue.columns]
    for li, column in zip(top, issue.columns):
        entries = li.xpath("x:ol/x:li/x:a", namespaces=NS)
        # Like the printed 目录: title, author and printed page beside each article.
        assert [a.xpath("string(x:span[@class='toc-title'])", namespaces=NS) for a in entries] == \
            [a.title for a in column.articles]
        assert [a.xpath("string(x:span[@class='toc-author'])", namespaces=NS) for a in entries] == \
            [a.author for a in column.articles]
        assert [a.xpath("string(x:span[@class='toc-page'])", namespaces=NS) for a in entries] == \
            [str(a.page) for a in column.articles]
    landmarks = nav.xpath("//x:nav[@epub:type='landmarks']//x:a", namespaces=NS)
    assert [(a.get(f"{{{NS['epub']}}}type"), a.get("href")) for a in landmarks] == [
        ("cover", "text/cover.xhtml"), ("titlepage", "text/title.xhtml"), ("toc", "text/contents.xhtml"),
        ("bodymatter", "text/a01.xhtml"), ("colophon", "text/colophon.xhtml")]
    for kind, doc in (("titlepage", "title"), ("colophon", "colophon")):
        assert _xml(built[0], f"EPUB/text/{doc}.xhtml").xpath(
            f"//*[@epub:type='{kind}']", namespaces=NS), kind
    assert nav.xpath("//x:nav[@epub:type='landmarks']/@hidden", namespaces=NS) == ["hidden"]
    pages = nav.xpath("//x:nav[@epub:type='page-list']//x:a", namespaces=NS)
    assert [(a.text, a.get("href")) for a in pages] == [
        (str(a.page), f"text/a{a.number:02d}.xhtml#page-{a.page}") for a in issue.articles]
    # every page-list target exists in its document
    for a in pages:
        doc, frag = a.get("href").split("#")
        target = _xml(built[0], f"EPUB/{doc}")
        assert target.xpath(f"//*[@id='{frag}'][@epub:type='pagebreak']", namespaces=NS)


def test_ncx_for_epub2_readers(built):
    ncx = _xml(built[0], "EPUB/toc.ncx")
    points = ncx.xpath("/ncx:ncx/ncx:navMap/ncx:navPoint", namespaces=NS)
    assert len(points) == 5
    assert ncx.xpath("count(//ncx:navPoint)", namespaces=NS) == 5 + 6
    assert ncx.xpath("string(//ncx:meta[@name='dtb:depth']/@content)", namespaces=NS) == "2"
    # playOrder: one number per target, counted in reading order; a column without an opener
    # points at its first article and shares that article's number.
    everything = ncx.xpath("//ncx:navPoint", namespaces=NS)
    pairs = [(p.xpath("string(ncx:content/@src)", namespaces=NS), int(p.get("playOrder")))
             for p in everything]
    by_target: dict[str, int] = {}
    for target, order in pairs:
        assert by_target.setdefault(target, order) == order, target
    assert sorted(set(by_target.values())) == list(range(1, len(by_target) + 1))
    spine = [i.get("idref") for i in _xml(built[0], "EPUB/content.opf").xpath("//opf:itemref", namespaces=NS)]
    hrefs = {i.get("id"): i.get("href") for i in _xml(built[0], "EPUB/content.opf").xpath("//opf:item", namespaces=NS)}
    reading = [hrefs[i] for i in spine]
    assert sorted(by_target, key=by_target.get) == sorted(by_target, key=reading.index)


def test_metadata(built):
    opf = _xml(built[0], "EPUB/content.opf")
    md = opf.find("opf:metadata", NS)
    assert md.findtext("dc:language", namespaces=NS) == "zh-CN"
    assert md.findtext("dc:title", namespaces=NS) == "天津支部生活 2025年第3期（上半月）"
    assert md.findtext("dc:publisher", namespaces=NS) == "中共天津市委支部生活社"
    assert md.findtext("dc:date", namespaces=NS) == "2025-03-01"
    assert md.findtext("dc:source", namespaces=NS) == "urn:issn:0412-0892"
    ident = md.findtext("dc:identifier", namespaces=NS)
    assert ident.startswith("urn:uuid:")
    props = {m.get("property"): m.text for m in md.findall("opf:meta", NS) if m.get("property")}
    assert props["belongs-to-collection"] == "天津支部生活"
    assert props["group-position"] == "1156"
    for prop in ("schema:accessMode", "schema:accessibilityFeature", "schema:accessibilityHazard",
                 "schema:accessibilitySummary"):
        assert prop in props
    cover = opf.xpath("//opf:item[@properties='cover-image']", namespaces=NS)
    assert cover and cover[0].get("media-type") == "image/png"


def test_article_markup(built):
    doc = _xml(built[0], "EPUB/text/a02.xhtml")
    assert doc.get("{http://www.w3.org/XML/1998/namespace}lang") == "zh-CN"
    assert doc.xpath("string(//x:h1)", namespaces=NS) == "楼门口的“红色管家”"
    assert doc.xpath("string(//x:p[@class='byline'])", namespaces=NS) == "文 / 本刊记者 李明远"
    assert doc.xpath("string(//x:p[@class='column'])", namespaces=NS) == "特别关注"
    assert [h.text for h in doc.xpath("//x:h2", namespaces=NS)] == ["把网格划到楼门口", "让服务有温度"]
    assert doc.xpath("count(//x:blockquote)", namespaces=NS) == 1
    assert doc.xpath("string(//x:p[@class='caption'])", namespaces=NS) == "社区党员在楼门口听取居民意见"
    credit = _xml(built[0], "EPUB/text/a03.xhtml").xpath("string(//x:p[@class='credit'])", namespaces=NS)
    assert credit == "（南开区委社会工作部 供稿）"
    colophon = _xml(built[0], "EPUB/text/colophon.xhtml")
    text = "".join(colophon.itertext())
    for expected in ("ISSN 0412-0892", "CN 12-1001/D", "主管主办 中共天津市委", "定价：6.00元", "声明"):
        assert expected in text


def test_typography_in_styles(built):
    with zipfile.ZipFile(built[0]) as z:
        css = z.read("EPUB/styles/epub.css").decode()
    assert "text-indent: 2em" in css and "line-height: 1.75" in css


def test_reproducible_bytes(tmp_path):
    a = run_build(EXAMPLE, tmp_path / "a", only=["epub"])
    b = run_build(EXAMPLE, tmp_path / "b", only=["epub"])
    name = "tjzbsh-2025-03a.epub"
    assert (a.out_dir / name).read_bytes() == (b.out_dir / name).read_bytes()
    assert (a.manifest_path).read_bytes() == (b.manifest_path).read_bytes()


def test_source_date_epoch_is_honoured(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")  # 2025-01-01T00:00:00Z
    a = run_build(EXAMPLE, tmp_path / "a", only=["epub"])
    b = run_build(EXAMPLE, tmp_path / "b", only=["epub"])
    epub = a.out_dir / "tjzbsh-2025-03a.epub"
    assert epub.read_bytes() == (b.out_dir / epub.name).read_bytes()
    with zipfile.ZipFile(epub) as z:
        assert z.infolist()[0].date_time == (2025, 1, 1, 0, 0, 0)
        assert b"2025-01-01T00:00:00Z" in z.read("EPUB/content.opf")


def test_manifest_records_every_article(built):
    epub, report = built
    manifest = json.loads(report.manifest_path.read_text())
    assert manifest["format"] == "issuepub-manifest" and manifest["version"] == 1
    assert [a["slug"] for a in manifest["articles"]] == [a.slug for a in report.issue.articles]
    first = manifest["articles"][0]
    assert first["url"] == "https://ting.example.cn/2025/03a/01/"
    record = manifest["outputs"]["epub"]["file"]
    assert record["path"] == epub.name and record["size"] == epub.stat().st_size


def test_outline_json_and_table():
    proc = subprocess.run([sys.executable, "-m", "issuepub", "outline", str(EXAMPLE), "--json"],
                          capture_output=True, text=True, check=True)
    data = json.loads(proc.stdout)
    assert data["issue"]["id"] == "tjzbsh-2025-03a"
    article = data["articles"][1]
    for key in ("column", "title", "subtitle", "author", "credit", "page", "slug", "narrate",
                "print_qr", "blocks"):
        assert key in article
    assert {b["type"] for b in article["blocks"]} == {"heading", "paragraph", "quote", "caption"}
    table = subprocess.run([sys.executable, "-m", "issuepub", "outline", str(EXAMPLE)],
                           capture_output=True, text=True, check=True).stdout
    assert "■ 特别关注" in table and "楼门口的“红色管家”" in table


def test_killed_write_leaves_no_partial_file(tmp_path, monkeypatch):
    """An exception while writing leaves neither a partial EPUB nor a temp file: the zip fails
    after its first entries are on disk."""
    from issuepub.outputs.epub import package

    real = package.zipfile.ZipFile.writestr
    written = []

    def boom(self, *args, **kwargs):
        written.append(args[0])
        if len(written) > 3:
            raise RuntimeError("disk full")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(package.zipfile.ZipFile, "writestr", boom)
    with pytest.raises(RuntimeError):
        run_build(EXAMPLE, tmp_path, only=["epub"])
    assert not list((tmp_path / "tjzbsh-2025-03a").glob("*.epub*"))
    assert not list((tmp_path / "tjzbsh-2025-03a").glob(".*part"))
    assert len(written) == 4  # it failed while writing, not before


def test_package_paths_are_percent_encoded_and_picture_names_unique():
    from issuepub.outputs.epub.images import internal_name
    from issuepub.outputs.epub.package import href

    assert href("images/my photo #1 100%.png") == "images/my%20photo%20%231%20100%25.png"
    assert href("text/a01.xhtml") == "text/a01.xhtml"
    a, b = internal_name(1, "pictures/a-b.png", ".png"), internal_name(2, "pictures-a/b.png", ".png")
    assert a != b and a.startswith("images/01-") and b.startswith("images/02-")
    assert internal_name(3, "图片/照片 #1.JPG", ".jpg") == "images/03-1.jpg"
    assert internal_name(4, "图片/照片.png", ".png") == "images/04-picture.png"


def test_markdown_title_is_the_picture_description(tmp_path):
    from issuepub.sources.markdown import parse_article

    text = '---\ntitle: 标题\n---\n\n正文。\n\n![图注](pictures/a b.jpg "一位老人在门口")\n\n![图注二](pictures/c.jpg)\n'
    blocks = [b for b in parse_article(text, tmp_path / "a.md").blocks if b.kind == "caption"]
    assert [(b.text, b.image, b.description) for b in blocks] == [
        ("图注", "pictures/a b.jpg", "一位老人在门口"), ("图注二", "pictures/c.jpg", "")]


def _body(blocks) -> "etree._Element":
    from issuepub.outputs.epub.xhtml import article_body
    from support.issues import article, issue

    one = issue(Path("."), [article("a", "标题", blocks)])
    body = article_body(one, one.articles[0], pictures={"p.png": "images/01-p.png"})
    return etree.fromstring(f'<div xmlns="http://www.w3.org/1999/xhtml" '
                            f'xmlns:epub="http://www.idpf.org/2007/ops">{body}</div>')


def test_only_a_short_source_line_is_an_attribution():
    doc = _body([
        "正文。",
        "——11月4日市委常委会扩大会议指出",
        "——不，我们不走。老人摇摇头，又说了一遍：这里是我们的家，我们哪儿也不去。",
        "——" + "长" * 70,
    ])
    kinds = [(p.get("class"), p.text[:8]) for p in doc.xpath("//x:p[not(@class='column')][not(@class='endmark')]",
                                                         namespaces=NS)]
    assert kinds == [(None, "正文。"), ("attribution", "——11月4日市"), (None, "——不，我们不走"), (None, "——长长长长长长")]


def test_alt_never_repeats_the_caption():
    # (kind, caption, line, picture, description), as the Markdown reader makes them
    doc = _body([("caption", "社区党员 听取意见", 0, "p.png", "社区党员听取意见"),
                 ("caption", "社区党员听取意见", 0, "p.png", "三位老人坐在长桌旁")])
    assert [i.get("alt") for i in doc.xpath("//x:img", namespaces=NS)] == ["", "三位老人坐在长桌旁"]
