"""The contents page, the navigation document and the NCX (ebooklib's own are replaced).

The contents page (``text/contents.xhtml``, in the spine after the title page) reads like the
printed 目录: column by column, a column's feature title beneath its name, each article with
its subtitle beneath the title in smaller type, then its author and the printed page.

The navigation document is what reading systems show as their own table of contents, and it
stays out of the spine: each entry there is one link whose text is the entry's label, shown
as one line without the book's styles (Apple Books, Thorium, KOReader), and the EPUB nav
grammar allows nothing but that link (and a nested list) in an entry. A subtitle would run on
after the title there (楼门口的“红色管家” ——记河西区某社区党委的网格服务 李明远 4), doubling the
label and pushing the title's end out of a truncated row, and a screen reader would read it
as part of every title. So the nav carries column, title, author and page, and subtitles and
feature titles are set only on the visible contents page.

The landmarks name the cover, title page, contents page, first article and colophon; the
page-list maps the printed pages. The NCX (for EPUB 2 reading systems) carries the same tree
with ``dtb:depth`` and one ``playOrder`` per target, in reading order (entries pointing at
the same document share it, as the NCX spec asks).
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from html import escape

from ...model import Issue
from .package import article_href, href
from .xhtml import phrases

TOC_TITLE = "目录"
CONTENTS_HREF = "text/contents.xhtml"  # the visible contents page, in the spine
LANDMARKS_TITLE = "导览"
PAGES_TITLE = "页码"


@dataclass(frozen=True)
class TocArticle:
    href: str  # inside EPUB/
    title: str
    author: str
    page: int | None
    subtitle: str = ""  # 副题/引题: on the contents page only (see the module's comment)


@dataclass(frozen=True)
class TocColumn:
    name: str
    href: str
    articles: tuple[TocArticle, ...]
    feature: str = ""  # the title printed over the column's articles: contents page only


@dataclass(frozen=True)
class Landmark:
    kind: str  # epub:type
    href: str
    title: str


def contents(issue: Issue, column_hrefs: list[str | None]) -> tuple[TocColumn, ...]:
    """The contents tree; ``column_hrefs[i]`` is column i's opener document, if it has one."""
    tree = []
    for column, opener in zip(issue.columns, column_hrefs):
        articles = tuple(TocArticle(article_href(a.number), a.title, a.author, a.page, a.subtitle)
                         for a in column.articles)
        tree.append(TocColumn(column.name, opener or articles[0].href, articles, column.feature))
    return tuple(tree)


def page_starts(issue: Issue) -> dict[int, int]:
    """Printed page -> number of the article that begins it (the first one on that page)."""
    starts: dict[int, int] = {}
    for article in issue.articles:
        if article.page is not None:
            starts.setdefault(article.page, article.number)
    return starts


def _entry(article: TocArticle, link: str, subtitle: bool = False) -> str:
    parts = [f'<span class="toc-title">{phrases(article.title)}</span>']
    if subtitle and article.subtitle:
        # Beneath the title in smaller type (styles/epub.css), a part of the entry's link, not
        # a heading: screen readers read it with its title, never as a title of its own.
        parts.append(f'<span class="toc-subtitle">{escape(article.subtitle)}</span>')
    if article.author:
        parts.append(f'<span class="toc-author">{escape(article.author)}</span>')
    if article.page is not None:
        parts.append(f'<span class="toc-page">{article.page}</span>')
    return f'<li><a href="{escape(href(link))}">{" ".join(parts)}</a></li>'


def _from_text(target: str) -> str:
    """A package path as the contents page (in ``text/``) links to it."""
    return posixpath.relpath(target, posixpath.dirname(CONTENTS_HREF))


def contents_body(tree: tuple[TocColumn, ...]) -> str:
    """The visible contents page's body: the printed 目录, subtitles and feature titles too."""
    lines = [f'<nav class="contents" role="doc-toc" aria-labelledby="contents-title">',
             f'<h1 id="contents-title">{TOC_TITLE}</h1>',
             '<ol class="toc">']
    for column in tree:
        feature = (f' <span class="toc-feature">{phrases(column.feature)}</span>'
                   if column.feature else "")
        lines.append(f'<li class="toc-column"><a href="{escape(href(_from_text(column.href)))}">'
                     f'<span class="toc-column-name">{escape(column.name)}</span>{feature}</a>')
        lines.append("<ol>")
        lines.extend(_entry(a, _from_text(a.href), subtitle=True) for a in column.articles)
        lines.append("</ol></li>")
    lines.append("</ol></nav>")
    return "\n".join(lines)


def nav_document(issue: Issue, tree: tuple[TocColumn, ...], landmarks: list[Landmark],
                 css_href: str) -> bytes:
    lang = escape(issue.language)
    lines = [
        "<?xml version='1.0' encoding='utf-8'?>",
        "<!DOCTYPE html>",
        f'<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" '
        f'lang="{lang}" xml:lang="{lang}">',
        f"<head><title>{TOC_TITLE}</title>"
        f'<link href="{escape(href(css_href))}" rel="stylesheet" type="text/css"/></head>',
        '<body epub:type="frontmatter">',
        f'<nav epub:type="toc" id="toc" role="doc-toc" aria-labelledby="toc-title">',
        f'<h1 id="toc-title">{TOC_TITLE}</h1>',
        '<ol class="toc">',
    ]
    for column in tree:
        lines.append(f'<li class="toc-column"><a href="{escape(href(column.href))}">{escape(column.name)}</a>')
        lines.append("<ol>")
        lines.extend(_entry(a, a.href) for a in column.articles)
        lines.append("</ol></li>")
    lines.append("</ol></nav>")
    lines.append('<nav epub:type="landmarks" id="landmarks" hidden="hidden" '
                 'aria-labelledby="landmarks-title">')
    lines.append(f'<h2 id="landmarks-title">{LANDMARKS_TITLE}</h2><ol>')
    lines.extend(f'<li><a epub:type="{m.kind}" href="{escape(href(m.href))}">{escape(m.title)}</a></li>'
                 for m in landmarks)
    lines.append("</ol></nav>")
    pages = page_starts(issue)
    if pages:
        lines.append('<nav epub:type="page-list" id="page-list" role="doc-pagelist" hidden="hidden" '
                     'aria-labelledby="page-list-title">')
        lines.append(f'<h2 id="page-list-title">{PAGES_TITLE}</h2><ol>')
        lines.extend(f'<li><a href="{escape(href(article_href(number)))}#page-{page}">{page}</a></li>'
                     for page, number in pages.items())
        lines.append("</ol></nav>")
    lines.append("</body></html>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def ncx_document(issue: Issue, tree: tuple[TocColumn, ...], uid: str, title: str) -> bytes:
    orders: dict[str, int] = {}  # target -> playOrder, numbered in reading order

    def order(target: str) -> int:
        return orders.setdefault(target, len(orders) + 1)

    def label(text: str) -> str:
        return f"<navLabel><text>{escape(text)}</text></navLabel>"

    points: list[str] = []
    for index, column in enumerate(tree, start=1):
        points.append(f'<navPoint id="np-c{index:02d}" playOrder="{order(column.href)}">'
                      f'{label(column.name)}<content src="{escape(href(column.href))}"/>')
        for article in column.articles:
            name = article.href.rsplit("/", 1)[-1].split(".")[0]
            points.append(f'<navPoint id="np-{name}" playOrder="{order(article.href)}">'
                          f'{label(article.title)}<content src="{escape(href(article.href))}"/></navPoint>')
        points.append("</navPoint>")
    depth = 2 if any(c.articles for c in tree) else 1
    lines = [
        "<?xml version='1.0' encoding='utf-8'?>",
        f'<ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1" xml:lang="{escape(issue.language)}">',
        "<head>",
        f'<meta name="dtb:uid" content="{escape(uid)}"/>',
        f'<meta name="dtb:depth" content="{depth}"/>',
        '<meta name="dtb:totalPageCount" content="0"/>',
        '<meta name="dtb:maxPageNumber" content="0"/>',
        "</head>",
        f"<docTitle><text>{escape(title)}</text></docTitle>",
        "<navMap>", *points, "</navMap>",
        "</ncx>",
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")
