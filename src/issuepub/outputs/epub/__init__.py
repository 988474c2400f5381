"""EPUB 3 output: navigation by column then article, page-list, cover, colophon, metadata.

Writes ``<out>/<issue-id>.epub``. Reads only the model; the cover is the issue's own picture
or, when the issue has none, one drawn by ``issuepub.cover``.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING

from ebooklib import epub

from ...fsutil import atomic_path, file_record
from ...model import Column, Issue
from ...styles import stylesheet
from ..base import BuildContext, OutputResult
from . import fallback, images, nav, package, xhtml
# The read-aloud EPUB's Media Overlays are imported where they are made: a plain EPUB build
# never needs them, and every import is start-up time of every build.
if TYPE_CHECKING:
    from .overlays import Overlay
from .package import (Document, FilePart, article_href, article_uid, build_time, href, identifier,
                      new_book, write_reproducible)

NAME = "epub"
CSS_HREF = "styles/epub.css"
# The read-aloud rules of styles/epub.css lie between these two comments; the plain EPUB
# leaves them out (a class it never uses: EPUBCheck's usage report, CSS-029).
READ_ALOUD_CSS = (b"/* read-aloud only */", b"/* end read-aloud only */")


def book_stylesheet(read_aloud: bool) -> bytes:
    css = stylesheet("epub.css")
    start, end = css.find(READ_ALOUD_CSS[0]), css.find(READ_ALOUD_CSS[1])
    if read_aloud or start < 0 or end < start:
        return css
    return css[:start] + css[end + len(READ_ALOUD_CSS[1]):].lstrip(b"\n")


def column_href(column: Column, index: int) -> str | None:
    """The column's opener document, when it has something to open with."""
    return f"text/c{index:02d}.xhtml" if column.intro or column.feature else None


def documents(issue: Issue, *, sentences: bool = False,
              pictures: dict[str, str] | None = None) -> list[Document]:
    """The spine's documents after the cover and nav: title page, openers, articles, colophon.
    ``pictures`` maps a block's picture (as the source names it) to its package name."""
    docs: list[Document] = [Document("text/title.xhtml", "书名页", xhtml.title_body(issue), "titlepage")]
    starts = set(nav.page_starts(issue).values())
    for index, column in enumerate(issue.columns, start=1):
        opener = column_href(column, index)
        if opener:
            docs.append(Document(opener, column.name, xhtml.column_body(column, index), f"column{index:02d}"))
        for article in column.articles:
            body = xhtml.article_body(issue, article, sentences=sentences, pictures=pictures,
                                      page_start=article.number in starts)
            docs.append(Document(article_href(article.number), article.title, body,
                                 article_uid(article.number)))
    docs.append(Document("text/colophon.xhtml", "版权信息", xhtml.colophon_body(issue), "colophon"))
    return docs


def conformance_gaps(pictures: images.BookPictures) -> tuple[str, ...]:
    """Why the book may not claim EPUB Accessibility conformance (empty: it may).

    What the build can check it checks here; Ace (run in the tests) checks the rest. A picture
    left out of the book is one reason: its caption then stands without what it describes."""
    return tuple(pictures.failures)


def make_book(issue: Issue, *, sentences: bool = False, overlays: dict[str, str] | None = None,
              pictures: images.BookPictures | None = None) -> tuple[epub.EpubBook, dict[str, bytes]]:
    """The whole book, and the documents ``write_reproducible`` puts in place of ebooklib's
    (navigation document and NCX). ``overlays`` maps a document uid to its SMIL item id
    (read-aloud); the SMIL and audio items themselves are added by ``overlays.add_overlays``.
    ``pictures``: prepared once per build (``images.prepare``), else prepared here."""
    pictures = pictures or images.prepare(issue)
    read_aloud = bool(overlays)
    book = new_book(issue, read_aloud=read_aloud, pictures=bool(pictures.by_source),
                    conformance_gaps=conformance_gaps(pictures))
    css = epub.EpubItem(uid="style", file_name=CSS_HREF, media_type="text/css",
                        content=book_stylesheet(read_aloud))
    book.add_item(css)

    cover_name = "images/cover" + pictures.cover.extension
    # As book.set_cover does, but with the media type given: ebooklib would otherwise guess it
    # from the machine's /etc/mime.types (slow to read, and not the same on every machine).
    cover_item = epub.EpubCover(file_name=cover_name)
    cover_item.media_type = pictures.cover.media_type
    cover_item.content = pictures.cover.data
    book.add_item(cover_item)
    book.add_metadata(None, "meta", "", OrderedDict([("name", "cover"), ("content", "cover-img")]))

    cover_doc = Document("text/cover.xhtml", "封面", xhtml.cover_body(issue, "../" + href(cover_name)),
                         "coverpage")
    names = {block.image: pictures.by_source[images.source_key(block.image)].name
             for article in issue.articles for block in article.blocks
             if block.image and images.source_key(block.image) in pictures.by_source}
    docs = documents(issue, sentences=sentences, pictures=names)
    tree = nav.contents(issue, [column_href(c, i) for i, c in enumerate(issue.columns, start=1)])
    contents_doc = Document(nav.CONTENTS_HREF, nav.TOC_TITLE, nav.contents_body(tree), "contents")
    # Rare ideographs and emoji the reader's fonts may lack get fonts of their own (fallback.py).
    extra = fallback.fallback_fonts(doc.body for doc in [cover_doc, contents_doc] + docs)
    css.content = book_stylesheet(read_aloud) + "".join(
        f.font_face(CSS_HREF) for f in extra.fonts).encode("utf-8")
    for font in extra.fonts:
        book.add_item(epub.EpubItem(uid=f"font-{font.family}", file_name=font.file_name,
                                    media_type="font/ttf", content=font.data))
    items = {}
    for doc in [cover_doc, docs[0], contents_doc] + docs[1:]:
        item = epub.EpubHtml(uid=doc.uid, file_name=doc.file_name, title=doc.title, lang=issue.language)
        item.media_type = "application/xhtml+xml"  # not guessed (see the cover)
        item.content = f"<html><body>{doc.body}</body></html>"
        item.add_link(href="../" + CSS_HREF, rel="stylesheet", type="text/css")
        if overlays and doc.uid in overlays:
            item.media_overlay = overlays[doc.uid]
        book.add_item(item)
        items[doc.uid] = item

    for number, picture in enumerate(pictures.by_source.values(), start=1):
        book.add_item(epub.EpubItem(uid=f"img{number}", file_name=picture.name,
                                    media_type=picture.picture.media_type, content=picture.picture.data))

    nav_item = epub.EpubNav(title=nav.TOC_TITLE)
    book.add_item(nav_item)
    book.add_item(epub.EpubNcx())
    first_article = article_href(issue.articles[0].number)
    landmarks = [
        nav.Landmark("cover", cover_doc.file_name, "封面"),
        nav.Landmark("titlepage", "text/title.xhtml", "书名页"),
        nav.Landmark("toc", nav.CONTENTS_HREF, nav.TOC_TITLE),
        nav.Landmark("bodymatter", first_article, "正文"),
        nav.Landmark("colophon", "text/colophon.xhtml", "版权信息"),
    ]
    book.guide = [  # the EPUB 2 guide, for older reading systems
        {"href": cover_doc.file_name, "title": "封面", "type": "cover"},
        {"href": "text/title.xhtml", "title": "书名页", "type": "title-page"},
        {"href": nav.CONTENTS_HREF, "title": nav.TOC_TITLE, "type": "toc"},
        {"href": first_article, "title": "正文", "type": "text"},
        {"href": "text/colophon.xhtml", "title": "版权信息", "type": "colophon"},
    ]
    # The navigation document stays out of the spine: the contents page is the one a reader
    # pages through (the nav is the reading system's own table of contents; see nav.py).
    book.spine = [items["coverpage"], items["titlepage"], items["contents"]] + [items[d.uid] for d in docs[1:]]
    folder = book.FOLDER_NAME
    replaced = {
        f"{folder}/nav.xhtml": nav.nav_document(issue, tree, landmarks, CSS_HREF),
        f"{folder}/toc.ncx": nav.ncx_document(issue, tree, identifier(issue, read_aloud=read_aloud),
                                              book.title),
    }
    return book, replaced


def epub_path(out_dir: Path, issue: Issue) -> Path:
    return out_dir / f"{issue.id}.epub"


def read_aloud_path(out_dir: Path, issue: Issue) -> Path:
    return out_dir / f"{issue.id}-read-aloud.epub"


def make_read_aloud_book(issue: Issue, overlays: list[Overlay], pictures: images.BookPictures | None = None
                         ) -> tuple[epub.EpubBook, dict[str, bytes], dict[str, FilePart]]:
    """The read-aloud EPUB: every sentence in a span, narrated articles with their overlay;
    the replaced documents, and the audio ``write_reproducible`` copies into it (zip entry ->
    file part)."""
    from .overlays import add_overlays

    book, replaced = make_book(issue, sentences=True, overlays={o.doc_uid: o.smil_id for o in overlays},
                               pictures=pictures)
    return book, replaced, add_overlays(book, overlays)


def build(ctx: BuildContext) -> OutputResult:
    issue = ctx.issue
    target = epub_path(ctx.out_dir, issue)
    ctx.progress("正在生成 EPUB……")
    pictures = images.prepare(issue)
    book, replaced = make_book(issue, pictures=pictures)
    with atomic_path(target) as tmp:
        write_reproducible(book, tmp, build_time(issue), documents=replaced)
    result = OutputResult(record={"file": file_record(target, ctx.out_dir)})
    result.failures.extend(pictures.failures)
    # What each picture was and what the book carries (pixels and bytes).
    result.record["cover"] = pictures.cover.record
    result.record["pictures"] = [p.record for p in pictures.by_source.values()]
    gaps = conformance_gaps(pictures)
    result.record["accessibility"] = {"conforms_to": None if gaps else package.CONFORMS_TO}
    result.summary.append(f"EPUB：{target}（{target.stat().st_size / 1024:.0f} KB）")
    if gaps:
        result.summary.append("EPUB 没有声明无障碍合规（EPUB Accessibility 1.1）：有图片没能放入。")
    if ctx.options.read_aloud:
        _build_read_aloud(ctx, result, pictures)
    return result


def _build_read_aloud(ctx: BuildContext, result: OutputResult, pictures: images.BookPictures) -> None:
    issue = ctx.issue
    ctx.progress("正在生成朗读版 EPUB（同步朗读）……")
    from .overlays import collect

    overlays, failures = collect(issue.articles, ctx.out_dir, ctx.manifest)
    result.failures.extend(failures)
    if not overlays:
        result.failures.append("朗读版 EPUB 没有生成：没有一篇文章有可用的朗读音频。"
                               "请先生成音频（issuepub build 期刊文件夹 --only audio epub --read-aloud）。")
        return
    target = read_aloud_path(ctx.out_dir, issue)
    book, replaced, audio_files = make_read_aloud_book(issue, overlays, pictures)
    with atomic_path(target) as tmp:
        write_reproducible(book, tmp, build_time(issue), files=audio_files, documents=replaced)
    seconds = sum(o.duration_ms for o in overlays) / 1000
    result.record["read_aloud"] = {
        "file": file_record(target, ctx.out_dir),
        "duration": seconds,
        "articles": [o.article.slug for o in overlays],
    }
    proofs = sum(1 for o in overlays if not o.narration.final)
    result.summary.append(
        f"朗读版 EPUB：{target}（{target.stat().st_size / 1024 / 1024:.1f} MB，"
        f"{len(overlays)} 篇同步朗读，共 {seconds / 60:.1f} 分钟"
        + (f"；其中 {proofs} 篇是离线试听音频，不是正式版" if proofs else "") + "）")
