"""What is spoken for an article, in order, sentence by sentence.

A narration opens with the column, the title, the subtitle and the byline, then reads the body
blocks (headings, paragraphs, quotes). Captions, end marks (✎ ■) and the print hint
扫码收听有声文章 are never spoken. Each displayed sentence is ``split_sentences`` of its block
text, the same split the read-aloud EPUB wraps, paired with its normalised spoken form.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Literal

from ...model import Article, ReadTarget
from ...text import split_sentences
from .normalize import LatinMode, is_speakable, normalize

NEVER_SPOKEN = ("扫码收听有声文章",)


@dataclass(frozen=True)
class Sentence:
    index: int  # position in split_sentences() of the unit's displayed text
    text: str  # the displayed sentence, exactly as split_sentences returns it
    spoken: str  # what the engine is given


@dataclass(frozen=True)
class Unit:
    """One displayed text (a title, a paragraph…); chunks never cross units."""

    target: ReadTarget
    block: int | None  # index into article.blocks for target "block"
    kind: Literal["intro", "heading", "paragraph"]  # decides the pause before it
    sentences: tuple[Sentence, ...]  # only those with something to say


def speakable_text(text: str) -> str:
    for phrase in NEVER_SPOKEN:
        text = text.replace(phrase, "")
    return text


def _unit(target: ReadTarget, block: int | None, kind, text: str,
          pronunciations: Iterable[tuple[str, str]], latin: LatinMode) -> Unit | None:
    sentences = []
    for index, displayed in enumerate(split_sentences(text)):
        spoken = normalize(speakable_text(displayed), pronunciations=pronunciations, latin=latin)
        if is_speakable(spoken):
            sentences.append(Sentence(index, displayed, spoken))
    return Unit(target, block, kind, tuple(sentences)) if sentences else None


def article_script(article: Article, *, pronunciations: Iterable[tuple[str, str]] = (),
                   latin: LatinMode = "spell") -> list[Unit]:
    """The units read for ``article``, in reading order (``Article.read_aloud``)."""
    pronunciations = tuple(pronunciations)
    units = []
    for target, block, text in article.read_aloud:
        if block is None:
            kind = "intro"
        else:
            kind = "heading" if article.blocks[block].kind == "heading" else "paragraph"
        unit = _unit(target, block, kind, text, pronunciations, latin)
        if unit is not None:
            units.append(unit)
    return units
