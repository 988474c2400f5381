"""Assemble the EPUB 3 package with ebooklib and write it reproducibly.

ebooklib stamps zip entries with the current time; ``write_reproducible`` takes the entries
ebooklib's writer makes and zips them itself with a fixed timestamp and order (mimetype first,
stored) so the same sources and the same SOURCE_DATE_EPOCH always give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import urllib.parse
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


def href(name: str) -> str:
    """A package path as a URL in an href or src: percent-encoded (OCF asks for it)."""
    return urllib.parse.quote(name, safe="/")


# The claim a book makes when every check the build can make holds (see ``new_book``).
CONFORMS_TO = "EPUB Accessibility 1.1 - WCAG 2.1 Level AA"


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


def new_book(issue: Issue, *, read_aloud: bool = False, pictures: bool = False,
             conformance_gaps: tuple[str, ...] = ()) -> epub.EpubBook:
    """The book with the issue's metadata; ``read_aloud``: the Media Overlays edition;
    ``pictures``: the articles carry pictures (visual access mode); ``conformance_gaps``:
    reasons the book cannot claim EPUB Accessibility conformance (none: it claims it)."""
    book = epub.EpubBook()
    book.set_identifier(identifier(issue, read_aloud=read_aloud))
    book.set_title(issue.title + (READ_ALOUD_TITLE_SUFFIX if read_aloud else ""))
    book.set_language(issue.language)
    book.add_author(f"{issue.magazine.title}编辑部")
    if issue.magazine.publisher:
        book.add_metadata("DC", "publisher", issue.magazine.publisher)
    book.add_metadata("DC", "date", issue.date.isoformat())
    # The printed issue is the source of the page-list (EPUB Accessibility 1.1, page source):
    # its ISSN when it has one, else its title as printed.
    source = f"urn:issn:{issue.magazine.issn}" if issue.magazine.issn else f"{issue.title}印刷版"
    book.add_metadata("DC", "source", source, {"id": "print-source"})
    book.add_metadata(None, "meta", "pagination", {"property": "source-of", "refines": "#print-source"})
    book.add_metadata("DC", "description", _description(issue))
    # The magazine as a series, with this issue's position in it.
    book.add_metadata(None, "meta", issue.magazine.title,
                      {"property": "belongs-to-collection", "id": "magazine"})
    book.add_metadata(None, "meta", "series",
                      {"property": "collection-type", "refines": "#magazine"})
    book.add_metadata(None, "meta", str(issue.total_number or issue.number),
                      {"property": "group-position", "refines": "#magazine"})
    # schema.org accessibility metadata (EPUB Accessibility 1.1 discovery properties).
    summary = ("本电子刊物为可重排文本，按栏目和文章提供目录导航（附作者和印刷版页码），附有与印刷版对应的页码列表；"
               "图片附有文字说明；文字颜色在浅色、米黄和深色阅读模式下都保持足够对比度；无闪烁、声音或动态等危险内容。")
    if read_aloud:
        summary += "朗读版附有机器合成的朗读音频，与正文逐句同步高亮（EPUB 3 媒体叠加）。"
    if not conformance_gaps:
        summary += f"符合 {CONFORMS_TO}（由出版者自行评估）。"
    modes = ["textual"] + (["visual"] if pictures else []) + (["auditory"] if read_aloud else [])
    for prop, value in (
        *(("schema:accessMode", mode) for mode in modes),
        # Text alone suffices: every picture has its caption or description in text.
        ("schema:accessModeSufficient", "textual"),
        *((("schema:accessModeSufficient", ",".join(modes)),) if len(modes) > 1 else ()),
        ("schema:accessibilityFeature", "structuralNavigation"),
        ("schema:accessibilityFeature", "tableOfContents"),
        ("schema:accessibilityFeature", "readingOrder"),
        ("schema:accessibilityFeature", "pageNavigation"),
        ("schema:accessibilityFeature", "printPageNumbers"),
        ("schema:accessibilityFeature", "displayTransformability"),
        *((("schema:accessibilityFeature", "alternativeText"),) if pictures else ()),
        *((("schema:accessibilityFeature", "synchronizedAudioText"),) if read_aloud else ()),
        ("schema:accessibilityHazard", "none"),
        ("schema:accessibilitySummary", summary),
    ):
        book.add_metadata(None, "meta", value, {"property": prop})
    if not conformance_gaps:
        book.add_metadata(None, "meta", CONFORMS_TO, {"property": "dcterms:conformsTo", "id": "conformance"})
        book.add_metadata(None, "meta", issue.magazine.publisher or f"{issue.magazine.title}编辑部",
                          {"property": "a11y:certifiedBy", "refines": "#conformance"})
    return book


def _description(issue: Issue) -> str:
    columns = "、".join(c.name for c in issue.columns)
    return f"{issue.title}，共 {len(issue.articles)} 篇文章，栏目：{columns}。"


def _package_lang(opf: bytes, language: str) -> bytes:
    """``xml:lang`` on the package element (ebooklib writes none; Ace's epub-lang wants it)."""
    return opf.replace(b"<package ", f'<package xml:lang="{language}" '.encode(), 1)


# Already-compressed media are stored, not deflated: deflate gains nothing on MP3 and a
# stored entry lets reading systems seek in the audio without inflating it first.
STORED_SUFFIXES = (".mp3", ".m4a", ".mp4")


@dataclass(frozen=True)
class FilePart:
    """The bytes of ``path`` from ``offset`` on (e.g. an MP3 without its leading ID3 tag)."""

    path: Path
    offset: int = 0


def write_reproducible(book: epub.EpubBook, target: Path, when: dt.datetime,
                       files: Mapping[str, FilePart] | None = None,
                       documents: Mapping[str, bytes] | None = None) -> None:
    """Write ``book`` to ``target`` (an already temporary path) with fixed zip metadata.

    ``files`` maps zip entry names (``EPUB/audio/a01.mp3``) of items the book carries as empty
    placeholders to the file parts whose bytes they get: the read-aloud EPUB's audio is copied
    from disk one file at a time instead of being held in memory twice by ebooklib.
    ``documents`` maps zip entry names to bytes that replace what ebooklib wrote there (the
    navigation document and the NCX, which ``nav`` writes whole).
    """
    files = dict(files or {})
    documents = dict(documents or {})
    writer = _EntryCollector(book, set(documents), {
        "raise_exceptions": True,
        "mtime": when,
        "epub3_pages": False,  # the page-list is in nav.nav_document
        "landmark_title": "导览",
        "pages_title": "页码",
        "play_order": {"enabled": False, "start_from": 1},
    })
    writer.process()
    entries = writer.entries()
    stamp = (when.year, when.month, when.day, when.hour, when.minute, when.second)
    with zipfile.ZipFile(target, "w") as dst:
        names = list(entries)
        missing = (set(files) | set(documents)) - set(names)
        if missing:
            raise ValueError(f"no placeholder item for {sorted(missing)}")
        order = ["mimetype"] + [n for n in names if n != "mimetype"]
        for name in order:
            if name in files:
                _copy_stored(dst, name, stamp, files[name])
                continue
            data = documents[name] if name in documents else entries[name]
            if name.endswith(".opf"):
                data = _package_lang(data, book.language)
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.external_attr = 0o644 << 16
            info.create_system = 3
            if name == "mimetype" or name.lower().endswith(STORED_SUFFIXES):
                info.compress_type = zipfile.ZIP_STORED
                dst.writestr(info, data)
            else:
                info.compress_type = zipfile.ZIP_DEFLATED
                dst.writestr(info, data, compresslevel=9)


class _EntryCollector(epub.EpubWriter):
    """ebooklib's writer with its zip entries kept in order instead of zipped: they used to be
    deflated into a zip in memory, read back and zipped again. The navigation document and NCX
    that ``write_reproducible`` replaces are not made at all (``skip``: their entry names)."""

    def __init__(self, book: epub.EpubBook, skip: set[str], options: dict) -> None:
        super().__init__(None, book, options)
        self._skip = skip
        self._entries: dict[str, bytes] = {}

    def writestr(self, name: str, data: str | bytes, compress_type: int | None = None) -> None:
        # What ebooklib's writer calls on its zip (``self.out``); str is UTF-8, as zipfile does.
        self._entries[name] = data.encode("utf-8") if isinstance(data, str) else data

    def _folder_name(self, item) -> str:
        return f"{self.book.FOLDER_NAME}/{item.file_name}"

    def _get_nav(self, item):
        return b"" if self._folder_name(item) in self._skip else super()._get_nav(item)

    def _get_ncx(self):
        ncx = self.book.get_item_with_id("ncx")
        if ncx is not None and self._folder_name(ncx) in self._skip:
            return b""
        return super()._get_ncx()

    def entries(self) -> dict[str, bytes]:
        """The book's entries as ebooklib's ``write`` makes them, in its order."""
        self.out = self
        self.writestr("mimetype", "application/epub+zip")
        self._write_container()
        self._write_opf()
        self._write_items()
        return self._entries


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
