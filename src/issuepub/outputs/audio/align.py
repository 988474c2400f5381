"""When each sentence of a chunk is heard, from the engine's marks.

Engines report marks of their own granularity (edge: sentences as the service splits them;
espeak: words) as character spans with times. They become anchors (character -> time) and a
piece of the chunk starts at the time of its first spoken character and ends at the time of
its last, interpolating between anchors where the engine's split differs from ours.
"""

from __future__ import annotations

import bisect
import re

from .engines.base import Mark

_SILENT = re.compile(r"[\s，。！？；：、,.!?;:“”‘’「」『』《》〈〉（）()【】\"'—…·]")


def _core(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without the punctuation and spaces at its edges (they are not heard)."""
    while start < end and _SILENT.match(text[start]):
        start += 1
    while end > start and _SILENT.match(text[end - 1]):
        end -= 1
    return start, end


def silent(text: str) -> bool:
    """True when nothing in ``text`` is heard (punctuation and spaces only)."""
    return all(_SILENT.match(c) for c in text)


class Clock:
    """When each character of a chunk's text is heard, from the engine's marks."""

    def __init__(self, text: str, marks: tuple[Mark, ...] | list[Mark], duration: float):
        self.text = text
        starts: dict[int, float] = {0: 0.0}
        ends: dict[int, float] = {len(text): duration}
        for m in marks:
            a, b = _core(text, max(0, m.start_char), min(len(text), m.end_char))
            if a >= b:
                continue
            t0, t1 = max(0.0, min(m.start, duration)), max(0.0, min(m.end, duration))
            starts[a] = max(starts.get(a, t0), t0)
            ends[b] = min(ends.get(b, t1), t1)
        # One monotone list of anchors; at one offset an end comes before a start (the pause).
        anchors = sorted([(c, 0, t) for c, t in ends.items()] + [(c, 1, t) for c, t in starts.items()])
        self._chars: list[int] = []
        self._times: list[float] = []
        last = 0.0
        for c, _, t in anchors:
            last = max(last, t)
            self._chars.append(c)
            self._times.append(last)

    def at(self, c: int, side: int) -> float:
        """side 0: the earliest time at offset c (an end), 1: the latest (a start); between
        anchors, interpolated by characters."""
        chars, times = self._chars, self._times
        lo, hi = bisect.bisect_left(chars, c), bisect.bisect_right(chars, c)
        if lo < hi:
            return times[lo] if side == 0 else times[hi - 1]
        if lo == 0:
            return times[0]
        if lo >= len(chars):
            return times[-1]
        c0, c1, t0, t1 = chars[lo - 1], chars[lo], times[lo - 1], times[lo]
        return t0 + (t1 - t0) * (c - c0) / (c1 - c0)

    def span(self, start: int, end: int) -> tuple[float, float]:
        """From the first spoken character of [start, end) to the end of its last."""
        a, b = _core(self.text, start, end)
        if a >= b:
            a, b = start, end
        t0, t1 = self.at(a, 1), self.at(b, 0)
        return t0, max(t0, t1)


def piece_times(text: str, spans: list[tuple[int, int]], marks: tuple[Mark, ...] | list[Mark],
                duration: float) -> list[tuple[float, float]]:
    """(start, end) in seconds for each span of ``text`` in audio of ``duration`` seconds."""
    clock = Clock(text, marks, duration)
    return [clock.span(start, end) for start, end in spans]
