"""ID3v2.4 tags of an article's MP3 (mutagen)."""

from __future__ import annotations

from pathlib import Path

from mutagen.id3 import (APIC, COMM, ID3, TALB, TCON, TDRC, TIT2, TLAN, TPE1, TPUB, TRCK, TXXX,
                         WOAS)

from ...model import Article, Issue
from ...pictures import cover_source, scaled_jpeg

GENRE = "Speech"
LANGUAGE = "chi"  # ISO 639-2 (bibliographic) for Chinese, as ID3 wants
PROOF_NOTE = "离线引擎合成的试听音频，不是正式发布的朗读音频。"
# The MP3 is what the listener page streams: a phone reads the whole tag before the first sound,
# so the cover goes in small (a print-resolution cover would be megabytes in every file).
PICTURE_WIDTH = 600


def tag_picture(issue: Issue) -> bytes:
    """The cover as every MP3 of the issue carries it: a JPEG at most PICTURE_WIDTH wide."""
    return scaled_jpeg(cover_source(issue), PICTURE_WIDTH, quality=85)[0]


def artist(article: Article, issue: Issue) -> str:
    return article.author or article.credit.removesuffix("供稿").strip() or issue.magazine.title


def write_tags(path: Path, issue: Issue, article: Article, *, engine: str, engine_version: str,
               voice: str, final: bool, picture: bytes | None = None) -> None:
    tags = ID3()
    title = article.title + (f" {article.subtitle}" if article.subtitle else "")
    tags.add(TIT2(encoding=3, text=[title]))
    tags.add(TPE1(encoding=3, text=[artist(article, issue)]))
    tags.add(TALB(encoding=3, text=[issue.title]))
    tags.add(TRCK(encoding=3, text=[f"{article.number}/{len(issue.articles)}"]))
    tags.add(TCON(encoding=3, text=[GENRE]))
    tags.add(TLAN(encoding=3, text=[LANGUAGE]))
    tags.add(TDRC(encoding=3, text=[issue.date.isoformat()]))
    if issue.magazine.publisher:
        tags.add(TPUB(encoding=3, text=[issue.magazine.publisher]))
    if issue.audio.base_url:
        tags.add(WOAS(url=issue.article_url(article)))
    tags.add(TXXX(encoding=3, desc="issuepub:engine", text=[f"{engine} {engine_version} {voice}"]))
    if not final:
        tags.add(COMM(encoding=3, lang=LANGUAGE, desc="", text=[PROOF_NOTE]))
    if picture:
        tags.add(APIC(encoding=3, mime="image/jpeg", type=3, desc="封面", data=picture))
    tags.save(path, v2_version=4)
