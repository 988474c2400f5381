"""The one model every output reads: Issue -> Column -> Article -> Block.

Everything here is immutable. The loader in ``issuepub.sources`` builds it from an issue
folder; outputs never see files of the sources, only this model.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Literal

BlockKind = Literal["heading", "paragraph", "quote", "caption"]
BLOCK_KINDS: tuple[BlockKind, ...] = ("heading", "paragraph", "quote", "caption")

EDITIONS = {"上半月": "a", "下半月": "b"}

# Where a text read aloud sits in the article: the narration's timings name it this way and
# the read-aloud EPUB finds its sentence spans by it.
ReadTarget = Literal["column", "title", "subtitle", "byline", "block"]
READ_BLOCK_KINDS: tuple[BlockKind, ...] = ("heading", "paragraph", "quote")  # not captions


@dataclass(frozen=True)
class Block:
    """One block of an article body."""

    kind: BlockKind
    text: str
    line: int = 0  # line in the source file, for messages
    image: str | None = None  # captions may name a picture file in the issue folder
    description: str = ""  # a picture's description (alt text) when the source gives one


@dataclass(frozen=True)
class Article:
    number: int  # 1-based position in reading order across the issue; part of the permanent URL
    slug: str
    column: str
    title: str
    blocks: tuple[Block, ...]
    subtitle: str = ""
    author: str = ""
    author_role: str = ""  # e.g. 东丽区委常委、区委组织部部长, kept apart from the name
    credit: str = ""  # e.g. 天津水务集团党委 供稿
    page: int | None = None  # first printed page
    narrate: bool = True
    print_qr: bool = False
    source: Path | None = None

    @property
    def paragraphs(self) -> tuple[str, ...]:
        return tuple(b.text for b in self.blocks if b.kind == "paragraph")

    @property
    def headings(self) -> tuple[str, ...]:
        return tuple(b.text for b in self.blocks if b.kind == "heading")

    @property
    def byline(self) -> str:
        """The byline as printed: role before name, as in 文 / 东丽区委常委 潘作成."""
        return " ".join(p for p in (self.author_role, self.author) if p)

    @property
    def read_aloud(self) -> tuple[tuple[ReadTarget, int | None, str], ...]:
        """(target, block index, text) of every text a narration reads, in reading order:
        column, title, subtitle, byline, then the body blocks (captions are never read)."""
        opening: tuple[tuple[ReadTarget, int | None, str], ...] = (
            ("column", None, self.column), ("title", None, self.title),
            ("subtitle", None, self.subtitle), ("byline", None, self.byline))
        body = tuple(("block", i, b.text) for i, b in enumerate(self.blocks)
                     if b.kind in READ_BLOCK_KINDS)
        return tuple(t for t in opening if t[2]) + body


@dataclass(frozen=True)
class Column:
    name: str
    articles: tuple[Article, ...]
    intro: tuple[str, ...] = ()  # column introduction paragraphs (特别关注's 本期“特别关注”…)
    feature: str = ""  # a feature title printed over the column's articles (党旗映照商圈“红”)


@dataclass(frozen=True)
class Magazine:
    title: str
    code: str  # short Latin name used in file names and URLs, e.g. tjzbsh
    issn: str = ""
    cn: str = ""
    publisher: str = ""
    # The magazine podcast's owner (itunes:owner) and square artwork (PNG/JPEG, >= 1400 px).
    owner_name: str = ""
    owner_email: str = ""
    artwork: Path | None = None


@dataclass(frozen=True)
class Colophon:
    masthead: tuple[str, ...] = ()  # lines such as 主管主办 中共天津市委
    statement: tuple[str, ...] = ()  # 声明 paragraphs
    price: str = ""
    cover_caption: str = ""  # 封面：…


@dataclass(frozen=True)
class AudioSettings:
    base_url: str = ""  # https root of the listener pages; QR codes point under it
    voice: str = "zh-CN-XiaoxiaoNeural"
    rate: str = "+0%"
    volume: str = "+0%"
    pitch: str = "+0Hz"
    # (written form, spoken form) pairs applied before synthesis, e.g. ("蓟州", "计州")
    pronunciations: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class QrSettings:
    size_mm: float = 20.0
    error_correction: Literal["M", "Q"] = "M"
    caption: bool = False  # also write the variant captioned 扫码收听有声文章


@dataclass(frozen=True)
class Issue:
    root: Path  # the issue folder
    magazine: Magazine
    edition: str  # 上半月 | 下半月
    year: int
    number: int  # 第N期 (the month)
    date: _dt.date
    columns: tuple[Column, ...]
    total_number: int | None = None  # 总第N期
    language: str = "zh-CN"
    cover: Path | None = None
    colophon: Colophon = field(default_factory=Colophon)
    audio: AudioSettings = field(default_factory=AudioSettings)
    qr: QrSettings = field(default_factory=QrSettings)

    @property
    def edition_code(self) -> str:
        return EDITIONS[self.edition]

    @property
    def id(self) -> str:
        """Stable identifier, e.g. tjzbsh-2024-11b: file names and dc:identifier derive from it."""
        return f"{self.magazine.code}-{self.year}-{self.number:02d}{self.edition_code}"

    @property
    def title(self) -> str:
        """Human title, e.g. 天津支部生活 2024年第11期（下半月）."""
        return f"{self.magazine.title} {self.year}年第{self.number}期（{self.edition}）"

    @property
    def articles(self) -> tuple[Article, ...]:
        return tuple(a for c in self.columns for a in c.articles)

    def iter_articles(self) -> Iterator[tuple[Column, Article]]:
        for column in self.columns:
            for article in column.articles:
                yield column, article

    # --- permanent addresses -------------------------------------------------------------
    # The scheme is printed on paper as QR codes, so it must never change:
    #   {base_url}/{year}/{number:02d}{a|b}/{article number:02d}/
    # built only from stable identifiers (year, issue, edition, article number), not titles.

    @property
    def site_path(self) -> str:
        """Path of the issue page below base_url, e.g. 2024/11b/."""
        return f"{self.year}/{self.number:02d}{self.edition_code}/"

    def article_path(self, article: Article) -> str:
        """Path of an article's listener page below base_url, e.g. 2024/11b/07/."""
        return f"{self.site_path}{article.number:02d}/"

    def article_url(self, article: Article) -> str:
        return self.audio.base_url.rstrip("/") + "/" + self.article_path(article)

    @property
    def issue_url(self) -> str:
        return self.audio.base_url.rstrip("/") + "/" + self.site_path
