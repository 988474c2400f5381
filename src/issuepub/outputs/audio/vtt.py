"""WebVTT subtitles: short cues (cues.py), each part of one spoken sentence, timed like the MP3."""

from __future__ import annotations


def timestamp(seconds: float) -> str:
    ms = max(0, round(seconds * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def _cue_text(text: str) -> str:
    # Cue payloads may not hold "-->" nor raw & and < (escaping > rules out "-->" too);
    # lines must not be empty.
    text = " ".join(text.split())
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def header_text(title: str) -> str:
    """The title as the WEBVTT line may carry it: one line, no "-->" (which would start a cue)."""
    text = " ".join(title.split())
    while "-->" in text:
        text = text.replace("-->", "->")
    return text


def render_vtt(cues: list[tuple[float, float, str]], *, title: str = "") -> str:
    title = header_text(title)
    lines = ["WEBVTT" + (f" - {title}" if title else ""), ""]
    for n, (start, end, text) in enumerate(cues, 1):
        lines += [str(n), f"{timestamp(start)} --> {timestamp(max(start, end))}", _cue_text(text), ""]
    return "\n".join(lines)
