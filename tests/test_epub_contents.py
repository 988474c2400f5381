"""The EPUB's contents page reads like the printed 目录: column, the column's feature title,
then each article's title with its subtitle beneath, author and printed page; the navigation
document (the reading system's own table of contents) carries no subtitles.

Checked on the example issue and on the real corpus issue (imported here). EPUBCheck and Ace
run on both EPUBs in test_epub.py and test_epub_accessibility.py; the page's layout and
contrast in Chromium are in test_epub_browser.py.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from lxml import etree

from conftest import EXAMPLE
from issuepub.build import run_build
from issuepub.importer import import_issue_text
from issuepub.model import Issue

NS = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops",
      "opf": "http://www.idpf.org/2007/opf", "ncx": "http://www.daisy.org/z3986/2005/ncx/"}
CONTENTS = "EPUB/text/contents.xhtml"


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> tuple[Issue, Path]:
    report = run_build(EXAMPLE, tmp_path_factory.mktemp("example"), only=["epub"])
    return report.issue, report.out_dir / f"{report.issue.id}.epub"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, corpus_path) -> tuple[Issue, Path]:
    base = tmp_path_factory.mktemp("corpus")
    import_issue_text(corpus_path, base / "issue")
    report = run_build(base / "issue", base / "out", only=["epub"])
    return report.issue, report.out_dir / f"{report.issue.id}.epub"


@pytest.fixture(params=["example", "corpus"])
def book(request) -> tuple[Issue, Path]:
    return request.getfixturevalue(request.param)


def _xml(epub: Path, name: str):
    with zipfile.ZipFile(epub) as z:
        return etree.fromstring(z.read(name))


def _text(el) -> str:
    return "".join(el.itertext()) if el is not None else ""


def test_contents_page_reads_like_the_printed_contents(book):
    issue, epub = book
    page = _xml(epub, CONTENTS)
    toc = page.xpath("//x:nav[@role='doc-toc']", namespaces=NS)
    assert len(toc) == 1 and toc[0].xpath("string(x:h1)", namespaces=NS) == "目录"
    # Subtitles and feature titles are no headings: the page's only heading is its own.
    assert page.xpath("//x:h2 | //x:h3 | //x:h4 | //x:h5 | //x:h6 | //*[@role='heading']",
                      namespaces=NS) == []
    columns = toc[0].xpath("x:ol/x:li", namespaces=NS)
    assert len(columns) == len(issue.columns)
    shown = []  # (article number, subtitle as shown) in the page's order
    for li, column in zip(columns, issue.columns):
        link = li.xpath("x:a", namespaces=NS)[0]
        assert _text(link.find("x:span[@class='toc-column-name']", NS)) == column.name
        feature = link.xpath("x:span[@class='toc-feature']", namespaces=NS)
        assert [_text(f) for f in feature] == ([column.feature] if column.feature else [])
        entries = li.xpath("x:ol/x:li/x:a", namespaces=NS)
        assert len(entries) == len(column.articles)
        for a, article in zip(entries, column.articles):
            assert a.get("href") == f"a{article.number:02d}.xhtml"  # beside the page, in text/
            classes = [span.get("class") for span in a.xpath("x:span", namespaces=NS)]
            # In the printed order: title, the subtitle beneath it, author, page.
            assert classes == ["toc-title"] + (["toc-subtitle"] if article.subtitle else []) \
                + (["toc-author"] if article.author else []) + (["toc-page"] if article.page else [])
            assert _text(a.find("x:span[@class='toc-title']", NS)) == article.title
            subtitle = a.find("x:span[@class='toc-subtitle']", NS)
            if article.subtitle:
                shown.append((article.number, _text(subtitle)))
    expected = [(a.number, a.subtitle) for a in issue.articles if a.subtitle]
    assert shown == expected
    assert expected  # both issues have articles with subtitles: the test looked at some


def test_every_subtitle_of_the_corpus_is_on_its_contents_page(corpus):
    """The real issue: every 副题 the import found, each under its own title."""
    issue, epub = corpus
    page = _xml(epub, CONTENTS)
    spans = page.xpath("//x:a/x:span[@class='toc-subtitle']", namespaces=NS)
    titles = [_text(s.getprevious()) for s in spans]
    assert [_text(s) for s in spans] == [a.subtitle for a in issue.articles if a.subtitle]
    assert titles == [a.title for a in issue.articles if a.subtitle]
    assert any(c.feature for c in issue.columns)
    assert [_text(s) for s in page.xpath("//x:span[@class='toc-feature']", namespaces=NS)] == \
        [c.feature for c in issue.columns if c.feature]


def test_contents_page_is_in_the_spine_and_the_nav_is_not(book):
    issue, epub = book
    opf = _xml(epub, "EPUB/content.opf")
    items = {i.get("id"): i for i in opf.xpath("//opf:manifest/opf:item", namespaces=NS)}
    spine = [items[r.get("idref")].get("href") for r in opf.xpath("//opf:itemref", namespaces=NS)]
    assert spine[:4] == ["text/cover.xhtml", "text/title.xhtml", "text/contents.xhtml",
                         f"text/a{issue.articles[0].number:02d}.xhtml"]
    nav = [i.get("href") for i in items.values() if i.get("properties") == "nav"]
    assert nav == ["nav.xhtml"] and "nav.xhtml" not in spine
    assert opf.xpath("//opf:guide/opf:reference[@type='toc']/@href", namespaces=NS) == ["text/contents.xhtml"]
    landmarks = _xml(epub, "EPUB/nav.xhtml").xpath(
        "//x:nav[@epub:type='landmarks']//x:a[@epub:type='toc']/@href", namespaces=NS)
    assert landmarks == ["text/contents.xhtml"]


def test_navigation_labels_carry_no_subtitles(book):
    """The reading system's own table of contents shows each label as one line: title,
    author and page, never the subtitle (see outputs/epub/nav.py)."""
    issue, epub = book
    nav = _xml(epub, "EPUB/nav.xhtml")
    toc = nav.xpath("//x:nav[@epub:type='toc']", namespaces=NS)[0]
    assert toc.xpath(".//*[@class='toc-subtitle' or @class='toc-feature']", namespaces=NS) == []
    labels = [_text(a) for a in toc.xpath("x:ol/x:li/x:ol/x:li/x:a", namespaces=NS)]
    assert len(labels) == len(issue.articles)
    for label, article in zip(labels, issue.articles):
        assert label.startswith(article.title)
        assert not article.subtitle or article.subtitle not in label
    columns = [_text(a) for a in toc.xpath("x:ol/x:li/x:a", namespaces=NS)]
    assert columns == [c.name for c in issue.columns]
    ncx = _xml(epub, "EPUB/toc.ncx")
    texts = ncx.xpath("//ncx:navLabel/ncx:text/text()", namespaces=NS)
    assert not any(a.subtitle and a.subtitle in t for a in issue.articles for t in texts)


def test_corpus_rebuild_is_byte_identical(corpus, tmp_path):
    issue, epub = corpus
    again = run_build(issue.root, tmp_path, only=["epub"])
    assert (again.out_dir / epub.name).read_bytes() == epub.read_bytes()
