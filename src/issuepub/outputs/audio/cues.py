"""Subtitle cues a listener can read at a glance, cut from the spoken sentences.

A sentence is often far too long for one subtitle (a paragraph without a full stop is one
"sentence"). Each sentence is therefore cut into cues of at most ``MAX_CHARS`` printed
characters (two lines of 16: the Netflix Simplified Chinese Timed Text Style Guide's 16
characters per line, and its general rule of at most 2 lines) lasting at most ``MAX_SECONDS``
(the same guide's 7 seconds per subtitle event). Cuts are chosen (a least-cost path) to
prefer, in this order, breaks after clause punctuation (，；：、 and a dash), then between words
(at spaces, and between the words of pypinyin's phrase dictionary), then between two Chinese
characters; never inside a number, a Latin word or a 《title》, never before closing or after
opening punctuation, and only where the printed text lines up with what the voice was given
(so never inside a span the normaliser rewrote). A stretch with no allowed cut stays one cue.

The cue text is the printed text; its times come from the spoken text it lines up with (see
``Clock`` in align.py). Pure functions: no I/O.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Callable

from ...text import HAN

MAX_CHARS = 32  # 2 lines x 16 characters
MAX_SECONDS = 7.0

# Kinds of break, coarsest first (a sentence end is always a cue boundary).
CLAUSE, WORD, CHARACTER = 1, 2, 3

_CLAUSE = re.compile(r"(?:[，；：、,;:]|——)[”’」』）)】〉]*")
_OPENERS = set("“‘「『（(《〈【[·")
_NO_START = set("，。、；：！？!?,.;:）)》〉】]”’」』…—·%％")
# Latin words, numbers and codes (with their inner . : / - etc.) are never cut.
_ATOM = re.compile(r"[0-9A-Za-z０-９Ａ-Ｚａ-ｚ](?:[0-9A-Za-z０-９Ａ-Ｚａ-ｚ.,:%/+\-_@'’·℃‰]*[0-9A-Za-z０-９Ａ-Ｚａ-ｚ%℃‰])?")
_TITLE = re.compile(r"《[^《》]*》|〈[^〈〉]*〉")
_HAN_RE = re.compile(f"[{HAN}〇]")
_NUMERALS = set("零〇一二两三四五六七八九十百千万亿")


@dataclass(frozen=True)
class CuePart:
    """One cue of a sentence: its printed text and the spoken span it lines up with."""

    text: str  # printed, exactly a slice of the sentence
    start: int  # [start, end) in the printed sentence
    end: int
    spoken_start: int  # [spoken_start, spoken_end) in the sentence's spoken text
    spoken_end: int


def printed_to_spoken(printed: str, spoken: str) -> dict[int, int]:
    """Printed offsets that line up with a spoken offset (both sides of every unchanged
    stretch; the edges, not the inside, of a stretch the normaliser rewrote)."""
    out = {0: 0, len(printed): len(spoken)}
    matcher = difflib.SequenceMatcher(None, printed, spoken, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for k in range(i2 - i1 + 1):
                out[i1 + k] = j1 + k
        else:
            out.setdefault(i1, j1)
            out.setdefault(i2, j2)
    return out


def _word_starts(text: str) -> set[int]:
    """Offsets where a dictionary word starts inside a run of Chinese characters."""
    from pypinyin.seg.mmseg import seg

    out: set[int] = set()
    for m in re.finditer(f"[{HAN}]+", text):
        at = m.start()
        for word in seg.cut(m.group(0)):
            out.add(at)
            at += len(word)
    return out


def break_kinds(printed: str, aligned: dict[int, int]) -> dict[int, int]:
    """Every offset inside ``printed`` where a cue may start, with its kind of break."""
    n = len(printed)
    banned = set()
    kinds: dict[int, int] = {}
    for m in _ATOM.finditer(printed):
        banned.update(range(m.start() + 1, m.end()))
        if not re.search(r"[0-9０-９]", m.group(0)):
            kinds[m.start()] = kinds[m.end()] = WORD  # a Latin word is a word
            continue
        # a number stays with the measure word or character it is read with (2024年, 第12号)
        if m.start() > 0 and not printed[m.start() - 1].isspace():
            banned.add(m.start())
        if m.end() < n and not printed[m.end()].isspace():
            banned.add(m.end())
    for m in _TITLE.finditer(printed):
        banned.update(range(m.start() + 1, m.end()))
    for m in _CLAUSE.finditer(printed):
        kinds[m.end()] = CLAUSE  # (over a Latin word's edge: the comma is the coarser break)
    for m in re.finditer(r"\s+", printed):
        kinds.setdefault(m.end(), WORD)
    for c in _word_starts(printed):
        kinds.setdefault(c, WORD)
    for c in range(1, n):
        if _HAN_RE.match(printed[c - 1]) and _HAN_RE.match(printed[c]):
            kinds.setdefault(c, CHARACTER)
    out = {}
    for c, kind in kinds.items():
        if not 0 < c < n or c in banned or c not in aligned:
            continue
        before, after = printed[c - 1], printed[c]
        if after in _NO_START or before in _OPENERS or after.isspace():
            continue
        if before in _NUMERALS and after in _NUMERALS:  # 三十五 is one number
            continue
        if not printed[c:].strip(" ”’」』）)》〉】。！？!?…；;") or not printed[:c].strip():
            continue
        out[c] = kind
    return out


def cue_length(text: str) -> int:
    """Characters a cue shows (every one counts as one; spaces do not)."""
    return len("".join(text.split()))


# What a cut costs, by kind: the cues of a sentence are chosen to cost the least in all, so
# a clause break is taken before a word break and a word break before a character break.
_CUT_COST = {CLAUSE: 0.0, WORD: 2.0, CHARACTER: 6.0}
_CUE_COST = 1.0  # each cue: fewer, fuller cues are better
_OVERSIZE_COST = 100.0  # a stretch with no allowed cut within the limits


def split_cues(printed: str, spoken: str,
               times: Callable[[int, int], tuple[float, float]]) -> list[CuePart]:
    """``printed`` (one sentence) cut into cues within the limits; ``times`` gives the
    (start, end) in seconds of a span of ``spoken``."""
    aligned = printed_to_spoken(printed, spoken)
    kinds = break_kinds(printed, aligned)
    points = [0, *sorted(kinds), len(printed)]
    heard = [0]  # heard[i]: characters shown before points[i]
    for a, b in zip(points, points[1:]):
        heard.append(heard[-1] + cue_length(printed[a:b]))

    def fits(i: int, j: int) -> bool:
        if heard[j] - heard[i] > MAX_CHARS:
            return False
        t0, t1 = times(aligned[points[i]], aligned[points[j]])
        return t1 - t0 <= MAX_SECONDS

    # Shortest path over the break points: best[j] is the least cost of cues covering
    # printed[:points[j]]. Only pieces within the limits are tried (at most MAX_CHARS long),
    # so this is linear in the sentence's length.
    last = len(points) - 1
    best = [0.0] + [float("inf")] * last
    back = [0] * len(points)
    for i in range(last):
        if best[i] == float("inf"):
            continue
        reached = False
        for j in range(i + 1, last + 1):
            if not fits(i, j):
                break
            reached = True
            cost = best[i] + _CUE_COST + (0.0 if j == last else _CUT_COST[kinds[points[j]]])
            if cost < best[j]:
                best[j], back[j] = cost, i
        if not reached:  # the next piece is too long whatever is done: keep it whole
            j = i + 1
            cost = best[i] + _OVERSIZE_COST + (0.0 if j == last else _CUT_COST[kinds[points[j]]])
            if cost < best[j]:
                best[j], back[j] = cost, i
    chosen, j = [last], last
    while j:
        j = back[j]
        chosen.append(j)
    chosen.reverse()
    return [CuePart(printed[points[i]:points[j]], points[i], points[j],
                    aligned[points[i]], aligned[points[j]])
            for i, j in zip(chosen, chosen[1:])]
