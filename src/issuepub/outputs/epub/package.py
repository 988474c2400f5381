"""Assemble the EPUB 3 package with ebooklib and write it reproducibly.

ebooklib stamps zip entries with the current time; ``write_reproducible`` repacks its output
with a fixed timestamp and order (mimetype first, stored) so the same sources and the same
SOURCE_DATE_EPOCH always give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import uuid
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ebooklib import epub

from ...model import Issue

# Namespace for dc:identifier: a stable UUID per issue id, never random.
ISSUEPUB_NS = uuid.UUID("7a1c4f0e-3b52-5d7e-9a61-0c2f8e4b9d10")


def identifier(issue: Issue, *, read_aloud: bool = False) -> str:
    # The read-aloud EPUB is another publication: its own identifier, so reading systems
    # keep both in the library instead of replacing one with the other.
    name = f"{issue.id}/read-aloud" if read_aloud else issue.id
    return f"urn:uuid:{uuid.uuid5(ISSUEPUB_NS, name)}"


def article_uid(number: int) -> str:
    """The manifest id of article ``number``'s document; its SMIL and audio are named after it."""
    return f"a{number:02d}"


def article_href(number: int) -> str:
    return f"text/{article_uid(number)}.xhtml"


READ_ALOUD_TITLE_SUFFIX = "朗读版"  # 天津支部生活 2025年第3期（上半月）朗读版


def build_time(issue: Issue) -> dt.datetime:
    """dcterms:modified and zip timestamps: SOURCE_DATE_EPOCH if set, else the issue date."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc).replace(tzinfo=None)
    return dt.datetime(issue.date.year, issue.date.month, issue.date.day)


@dataclass
class Document:
    """One content document for the spine."""

    file_name: str  # inside EPUB/, e.g. text/a07.xhtml
    title: str
    body: str  # XHTML body fragment
    uid: str
    properties: list[str] = field(default_factory=list)
    linear: bool = True
    media_overlay: str | None = None  # id of the SMIL item, for read-aloud EPUBs


def new_book(issue: Issue, *, read_aloud: bool = False) -> epub.EpubBook:
    """The book with the issue's metadata; ``read_aloud``: the Media Overlays edition."""
    book = epub.EpubBook()
    book.set_identifier(identifier(issue, read_aloud=read_aloud))
    book.set_title(issue.title + (READ_ALOUD_TITLE_SUFFIX if read_aloud else ""))
    book.set_language(issue.language)
    book.add_author(f"{issue.magazine.title}编辑部")
    if issue.magazine.publisher:
        book.add_metadata("DC", "publisher", issue.magazine.publisher)
    book.add_metadata("DC", "date", issue.date.isoformat())
    if issue.magazine.issn:
        book.add_metadata("DC", "source", f"urn:issn:{issue.magazine.issn}")
    book.add_metadata("DC", "description", _description(issue))
    # The magazine as a series, with this issue's position in it.
    book.add_metadata(None, "meta", issue.magazine.title,
                      {"property": "belongs-to-collection", "id": "magazine"})
    book.add_metadata(None, "meta", "series",
                      {"property": "collection-type", "refines": "#magazine"})
    book.add_metadata(None, "meta", str(issue.total_number or issue.number),
                      {"property": "group-position", "refines": "#magazine"})
    # schema.org accessibility metadata (EPUB Accessibility 1.1 discovery properties).
    summary = ("本电子刊物为可重排文本，按栏目和文章提供目录导航，附有与印刷版对应的页码列表；"
               "图片附有文字说明；无闪烁、声音或动态等危险内容。")
    if read_aloud:
        summary += "朗读版附有机器合成的朗读音频，与正文逐句同步高亮（EPUB 3 媒体叠加）。"
    for prop, value in (
        ("schema:accessMode", "textual"),
        *((("schema:accessMode", "auditory"),) if read_aloud else ()),
        ("schema:accessModeSufficient", "textual"),
        ("schema:accessibilityFeature", "structuralNavigation"),
        ("schema:accessibilityFeature", "tableOfContents"),
        ("schema:accessibilityFeature", "readingOrder"),
        ("schema:accessibilityFeature", "pageNavigation"),
        ("schema:accessibilityFeature", "printPageNumbers"),
        ("schema:accessibilityFeature", "alternativeText"),
        *((("schema:accessibilityFeature", "synchronizedAudioText"),) if read_aloud else ()),
        ("schema:accessibilityHazard", "none"),
        ("schema:accessibilitySummary", summary),
    ):
        book.add_metadata(None, "meta", value, {"property": prop})
    return book


def _description(issue: Issue) -> str:
    columns = "、".join(c.name for c in issue.columns)
    return f"{issue.title}，共 {len(issue.articles)} 篇文章，栏目：{columns}。"


def _hide_landmarks(nav: bytes) -> bytes:
    """Landmarks are for the reading system's menus, not for the reader's page: hide them,
    as the page-list already is."""
    return nav.replace(b'<nav epub:type="landmarks">', b'<nav epub:type="landmarks" hidden="hidden">', 1)


# Already-compressed media are stored, not deflated: deflate gains nothing on MP3 and a
# stored entry lets reading systems seek in the audio without inflating it first.
STORED_SUFFIXES = (".mp3", ".m4a", ".mp4")


@dataclass(frozen=True)
class FilePart:
    """The bytes of ``path`` from ``offset`` on (e.g. an MP3 without its leading ID3 tag)."""

    path: Path
    offset: int = 0


def write_reproducible(book: epub.EpubBook, target: Path, when: dt.datetime,
                       files: Mapping[str, FilePart] | None = None) -> None:
    """Write ``book`` to ``target`` (an already temporary path) with fixed zip metadata.

    ``files`` maps zip entry names (``EPUB/audio/a01.mp3``) of items the book carries as empty
    placeholders to the file parts whose bytes they get: the read-aloud EPUB's audio is copied
    from disk one file at a time instead of being held in memory twice by ebooklib.
    """
    files = dict(files or {})
    raw = io.BytesIO()
    epub.write_epub(raw, book, {
        "compresslevel": 0,  # the entries are recompressed below; do not deflate twice
        "raise_exceptions": True,
        "mtime": when,
        "epub3_pages": True,
        "landmark_title": "导览",
        "pages_title": "页码",
        "play_order": {"enabled": False, "start_from": 1},
    })
    stamp = (when.year, when.month, when.day, when.hour, when.minute, when.second)
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as src, \
            zipfile.ZipFile(target, "w") as dst:
        names = src.namelist()
        missing = set(files) - set(names)
        if missing:
            raise ValueError(f"no placeholder item for {sorted(missing)}")
        order = ["mimetype"] + [n for n in names if n != "mimetype"]
        for name in order:
            if name in files:
                _copy_stored(dst, name, stamp, files[name])
                continue
            data = src.read(name)
            if name.endswith("nav.xhtml"):
                data = _hide_landmarks(data)
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.external_attr = 0o644 << 16
            info.create_system = 3
            if name == "mimetype" or name.lower().endswith(STORED_SUFFIXES):
                info.compress_type = zipfile.ZIP_STORED
                dst.writestr(info, data)
            else:
                info.compress_type = zipfile.ZIP_DEFLATED
                dst.writestr(info, data, compresslevel=9)


def _copy_stored(dst: zipfile.ZipFile, name: str, stamp: tuple, source: FilePart) -> None:
    """Copy ``source`` into ``dst`` as a stored entry, streaming (same metadata as the rest)."""
    info = zipfile.ZipInfo(name, date_time=stamp)
    info.external_attr = 0o644 << 16
    info.create_system = 3
    info.compress_type = zipfile.ZIP_STORED
    info.file_size = source.path.stat().st_size - source.offset
    with open(source.path, "rb") as fh, dst.open(info, "w") as out:
        fh.seek(source.offset)
        shutil.copyfileobj(fh, out, 1 << 20)
