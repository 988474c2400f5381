"""EPUB 3 output: navigation by column then article, page-list, cover, colophon, metadata.

Writes ``<out>/<issue-id>.epub``. Reads only the model; the cover is the issue's own picture
or, when the issue has none, one drawn by ``issuepub.cover``.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

from ebooklib import epub

from ...fsutil import atomic_path, file_record
from ...model import Issue
from ...pictures import cover_source
from ...styles import stylesheet
from ..base import BuildContext, OutputResult
from . import xhtml
from .overlays import Overlay, add_overlays, collect
from .package import (Document, FilePart, article_href, article_uid, build_time, new_book,
                      write_reproducible)

NAME = "epub"
CSS_HREF = "styles/epub.css"


def documents(issue: Issue, *, sentences: bool = False) -> tuple[list[Document], list, dict]:
    """The spine's documents after the cover and nav, the nav's tree, and landmark targets."""
    docs: list[Document] = [Document("text/title.xhtml", "书名页", xhtml.title_body(issue), "titlepage")]
    toc: list = []
    first_article: str | None = None
    for index, column in enumerate(issue.columns, start=1):
        links = []
        column_href = None
        if column.intro or column.feature:
            column_href = f"text/c{index:02d}.xhtml"
            docs.append(Document(column_href, column.name, xhtml.column_body(column, index), f"column{index:02d}"))
        for article in column.articles:
            href = article_href(article.number)
            first_article = first_article or href
            docs.append(Document(href, article.title, xhtml.article_body(issue, article, sentences=sentences),
                                 article_uid(article.number)))
            links.append(epub.Link(href, article.title, f"nav-{article_uid(article.number)}"))
        toc.append((epub.Section(column.name, column_href or links[0].href), links))
    docs.append(Document("text/colophon.xhtml", "版权信息", xhtml.colophon_body(issue), "colophon"))
    return docs, toc, {"bodymatter": first_article}


def make_book(issue: Issue, *, sentences: bool = False, overlays: dict[str, str] | None = None) -> epub.EpubBook:
    """The whole book. ``overlays`` maps a document uid to its SMIL item id (read-aloud);
    the SMIL and audio items themselves are added by ``overlays.add_overlays``."""
    book = new_book(issue, read_aloud=bool(overlays))
    css = epub.EpubItem(uid="style", file_name=CSS_HREF, media_type="text/css",
                        content=stylesheet("epub.css"))
    book.add_item(css)

    cover_bytes = cover_source(issue)
    cover_name = "images/cover" + (".png" if cover_bytes.startswith(b"\x89PNG") else ".jpg")
    # As book.set_cover does, but with the media type given: ebooklib would otherwise guess it
    # from the machine's /etc/mime.types (slow to read, and not the same on every machine).
    cover_item = epub.EpubCover(file_name=cover_name)
    cover_item.media_type = "image/png" if cover_name.endswith(".png") else "image/jpeg"
    cover_item.content = cover_bytes
    book.add_item(cover_item)
    book.add_metadata(None, "meta", "", OrderedDict([("name", "cover"), ("content", "cover-img")]))

    cover_doc = Document("text/cover.xhtml", "封面", xhtml.cover_body(issue, "../" + cover_name), "coverpage")
    docs, toc, landmarks = documents(issue, sentences=sentences)
    items = {}
    for doc in [cover_doc] + docs:
        item = epub.EpubHtml(uid=doc.uid, file_name=doc.file_name, title=doc.title, lang=issue.language)
        item.media_type = "application/xhtml+xml"  # not guessed (see the cover)
        item.content = f"<html><body>{doc.body}</body></html>"
        item.add_link(href="../" + CSS_HREF, rel="stylesheet", type="text/css")
        if overlays and doc.uid in overlays:
            item.media_overlay = overlays[doc.uid]
        book.add_item(item)
        items[doc.uid] = item

    seen_images: set[str] = set()
    for article in issue.articles:
        for block in article.blocks:
            if block.image and block.image not in seen_images:
                seen_images.add(block.image)
                href = xhtml.image_href(block.image)[len("../"):]
                data = (issue.root / block.image).read_bytes()
                media = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
                book.add_item(epub.EpubItem(uid=f"img{len(seen_images)}", file_name=href,
                                            media_type=media, content=data))

    nav = epub.EpubNav(title="目录")
    nav.add_link(href=CSS_HREF, rel="stylesheet", type="text/css")
    book.add_item(nav)
    book.add_item(epub.EpubNcx())
    book.toc = toc
    book.guide = [
        {"href": cover_doc.file_name, "title": "封面", "type": "cover"},
        {"href": "nav.xhtml", "title": "目录", "type": "toc"},
        {"href": landmarks["bodymatter"], "title": "正文", "type": "text"},
    ]
    book.spine = [items["coverpage"], items["titlepage"], nav] + [items[d.uid] for d in docs[1:]]
    return book


def epub_path(out_dir: Path, issue: Issue) -> Path:
    return out_dir / f"{issue.id}.epub"


def read_aloud_path(out_dir: Path, issue: Issue) -> Path:
    return out_dir / f"{issue.id}-read-aloud.epub"


def make_read_aloud_book(issue: Issue, overlays: list[Overlay]) -> tuple[epub.EpubBook, dict[str, FilePart]]:
    """The read-aloud EPUB: every sentence in a span, narrated articles with their overlay;
    and the audio ``write_reproducible`` copies into it (zip entry -> file part)."""
    book = make_book(issue, sentences=True, overlays={o.doc_uid: o.smil_id for o in overlays})
    return book, add_overlays(book, overlays)


def build(ctx: BuildContext) -> OutputResult:
    issue = ctx.issue
    target = epub_path(ctx.out_dir, issue)
    ctx.progress("正在生成 EPUB……")
    book = make_book(issue)
    with atomic_path(target) as tmp:
        write_reproducible(book, tmp, build_time(issue))
    result = OutputResult(record={"file": file_record(target, ctx.out_dir)})
    result.summary.append(f"EPUB：{target}（{target.stat().st_size / 1024:.0f} KB）")
    if ctx.options.read_aloud:
        _build_read_aloud(ctx, result)
    return result


def _build_read_aloud(ctx: BuildContext, result: OutputResult) -> None:
    issue = ctx.issue
    ctx.progress("正在生成朗读版 EPUB（同步朗读）……")
    overlays, failures = collect(issue.articles, ctx.out_dir, ctx.manifest)
    result.failures.extend(failures)
    if not overlays:
        result.failures.append("朗读版 EPUB 没有生成：没有一篇文章有可用的朗读音频。"
                               "请先生成音频（issuepub build 期刊文件夹 --only audio epub --read-aloud）。")
        return
    target = read_aloud_path(ctx.out_dir, issue)
    book, audio_files = make_read_aloud_book(issue, overlays)
    with atomic_path(target) as tmp:
        write_reproducible(book, tmp, build_time(issue), files=audio_files)
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
