"""The pictures of the EPUB: each source picture prepared for e-readers once per build and
given an internal name of its own.

Internal names are made, not copied: ``images/NN-stem.ext`` with NN the picture's place in
reading order, the stem reduced to ``[a-z0-9-]`` and the extension from the content. So two
source paths never meet in one name (``pictures/a-b.png`` and ``pictures-a/b.png`` become
``images/01-a-b.png`` and ``images/02-b.png``), and names with spaces, ``#`` or ``%`` never
reach the package; every reference is percent-encoded all the same (``package.href``).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from ...model import Issue
from ...pictures import PictureError, PreparedPicture, cover_source, prepare_for_ereader

_UNSAFE = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class BookPicture:
    source: str  # as the article names it, relative to the issue folder
    name: str  # inside EPUB/, e.g. images/01-p11.jpg
    picture: PreparedPicture

    @property
    def record(self) -> dict:
        return {"source": self.source, "path": self.name, **self.picture.record}


@dataclass(frozen=True)
class BookPictures:
    cover: PreparedPicture
    by_source: dict[str, BookPicture]  # normalised source path -> picture
    failures: tuple[str, ...] = ()  # one Chinese line per picture left out


def source_key(path: str) -> str:
    """One spelling per source file: ``pictures/./a.png`` and ``pictures\\a.png`` are one."""
    return posixpath.normpath(path.replace("\\", "/"))


def internal_name(index: int, source: str, extension: str) -> str:
    stem = posixpath.splitext(posixpath.basename(source_key(source)))[0]
    safe = _UNSAFE.sub("-", stem.lower()).strip("-")[:40].strip("-") or "picture"
    return f"images/{index:02d}-{safe}{extension}"


def prepare(issue: Issue) -> BookPictures:
    """The cover and every article picture, in reading order, each prepared once."""
    pictures: dict[str, BookPicture] = {}
    failures: list[str] = []
    try:
        cover = prepare_for_ereader(cover_source(issue))
    except PictureError as exc:  # the book still gets a cover: the drawn one
        from ...cover import draw_cover

        failures.append(f"EPUB：封面图片 {issue.cover} 用不了（{exc}），改用自动生成的封面。")
        cover = prepare_for_ereader(draw_cover(issue))
    failed: set[str] = set()
    for article in issue.articles:
        for block in article.blocks:
            if not block.image:
                continue
            key = source_key(block.image)
            if key in pictures or key in failed:
                continue
            try:
                prepared = prepare_for_ereader((issue.root / key).read_bytes())
            except (OSError, PictureError) as exc:
                failed.add(key)
                failures.append(f"EPUB：《{article.title}》的图片 {block.image} 没有放入（{exc}），"
                                "只保留了图注。请换一张 JPEG 或 PNG 图片。")
                continue
            name = internal_name(len(pictures) + 1, key, prepared.extension)
            pictures[key] = BookPicture(block.image, name, prepared)
    return BookPictures(cover, pictures, tuple(failures))
