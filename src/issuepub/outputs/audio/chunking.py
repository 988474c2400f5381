"""Cutting spoken text into engine requests.

A chunk is a run of whole sentences of one unit (a paragraph, a title…) under the engine's
request limit, so editing one paragraph changes only that paragraph's chunks (and cache keys).
A sentence too long for one request is cut after clause punctuation (，、：), else at a space,
else between two Chinese characters: never inside a Latin word or a spoken number. No chunk
is punctuation only.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from xml.sax.saxutils import escape

from ...text import HAN
from .normalize import is_speakable
from .script import Unit

_CLAUSE_END = re.compile(r"[，、：,:][”’」』）》]*")
_HAN = re.compile(f"[{HAN}〇]")
_NUMERALS = set("零〇一二两三四五六七八九十百千万亿点")


def request_bytes(text: str) -> int:
    """A chunk's size as edge-tts measures it against its request limit (escaped UTF-8)."""
    return len(escape(text).encode("utf-8"))


@dataclass(frozen=True)
class Piece:
    sentence: int  # index into the unit's ``sentences``
    text: str  # spoken text (a whole sentence, or part of one too long for a request)


@dataclass(frozen=True)
class Chunk:
    unit: int  # index into the article's units
    pieces: tuple[Piece, ...]

    @property
    def text(self) -> str:
        return "".join(p.text for p in self.pieces)

    def spans(self) -> list[tuple[int, int]]:
        """Each piece's [start, end) in ``text``."""
        out, at = [], 0
        for p in self.pieces:
            out.append((at, at + len(p.text)))
            at += len(p.text)
        return out


def _cut_points(text: str) -> list[list[int]]:
    """Cut offsets, coarsest kind first: after clause punctuation, at spaces, between Han."""
    clause = [m.end() for m in _CLAUSE_END.finditer(text) if 0 < m.end() < len(text)]
    space = [m.start() for m in re.finditer(r"\s+", text) if 0 < m.start() < len(text)]
    is_han = [bool(_HAN.match(c)) for c in text]
    han = [i for i in range(1, len(text)) if is_han[i - 1] and is_han[i]
           and not (text[i - 1] in _NUMERALS and text[i] in _NUMERALS)]  # not inside a number
    by_space = sorted(set(clause + space))
    return [clause, by_space, sorted(set(by_space + han))]


def _byte_prefix(text: str) -> list[int]:
    """prefix[i] = request_bytes(text[:i]); escaping is per character, so sizes add up."""
    prefix = [0] * (len(text) + 1)
    total = 0
    for i, ch in enumerate(text):
        total += request_bytes(ch) if ch in "&<>" else len(ch.encode("utf-8"))
        prefix[i + 1] = total
    return prefix


def _greedy(text: str, cuts: list[int], max_bytes: int, prefix: list[int]) -> list[str] | None:
    """Cut at the last point that fits, again and again: O(n log n) with bisection over cuts."""
    pieces, start, n = [], 0, len(text)
    while prefix[n] - prefix[start] > max_bytes:
        # Cuts are sorted and sizes grow with the offset: the last fitting cut is found by
        # bisecting on the byte offset of the cut.
        lo = bisect.bisect_right(cuts, start)
        hi = bisect.bisect_right(cuts, bisect.bisect_right(prefix, prefix[start] + max_bytes) - 1)
        if hi <= lo:
            return None
        end = cuts[hi - 1]
        pieces.append(text[start:end])
        start = end
    return pieces + [text[start:]]


def split_sentence(text: str, max_bytes: int) -> list[str]:
    """``text`` in pieces of at most ``max_bytes`` each, cut at the coarsest points that work."""
    if request_bytes(text) <= max_bytes:
        return [text]
    prefix = _byte_prefix(text)
    for cuts in _cut_points(text):
        pieces = _greedy(text, cuts, max_bytes, prefix)
        if pieces is not None:
            return _merge_unspeakable(pieces)
    # Nothing fits (an enormous Latin word or number): send it whole rather than cut a word.
    return [text]


def _merge_unspeakable(pieces: list[str]) -> list[str]:
    out: list[str] = []
    for piece in pieces:
        if out and not is_speakable(piece):
            out[-1] += piece
        else:
            out.append(piece)
    return out


def chunk_units(units: list[Unit], max_bytes: int) -> list[Chunk]:
    """Pack each unit's sentences, in order, into as few requests as the limit allows."""
    chunks: list[Chunk] = []
    for u, unit in enumerate(units):
        current: list[Piece] = []
        size = 0
        for s, sentence in enumerate(unit.sentences):
            for text in split_sentence(sentence.spoken, max_bytes):
                n = request_bytes(text)
                if current and size + n > max_bytes:
                    chunks.append(Chunk(u, tuple(current)))
                    current, size = [], 0
                current.append(Piece(s, text))
                size += n
        if current:
            chunks.append(Chunk(u, tuple(current)))
    return chunks
