"""The per-article timings file the read-aloud EPUB uses to sync sentences with the MP3.

``audio/NN-slug.timings.json``::

    {"version": 1, "slug": ..., "duration": seconds,
     "segments": [{"target": "column"|"title"|"subtitle"|"byline"|"block",
                   "block": index into article.blocks (target "block") or null,
                   "sentence": index into issuepub.text.split_sentences() of that text,
                   "text": the displayed sentence exactly, "spoken": what the engine said,
                   "start": seconds, "end": seconds}, ...]}

Segments are in reading order and do not overlap.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

VERSION = 1


@dataclass(frozen=True)
class Segment:
    target: str
    block: int | None
    sentence: int
    text: str
    spoken: str
    start: float
    end: float


def render_timings(slug: str, duration: float, segments: list[Segment]) -> str:
    data = {
        "version": VERSION,
        "slug": slug,
        "duration": round(duration, 3),
        "segments": [{**asdict(s), "start": round(s.start, 3), "end": round(s.end, 3)}
                     for s in segments],
    }
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"
