"""Narration output: one MP3 per narrated article, with WebVTT subtitles and sentence timings.

Two engines stand behind one interface (``engines``): ``edge`` (Microsoft's neural voices
through edge-tts, production audio) and ``offline`` (libespeak-ng's Mandarin voice, a proof
that is never presented as final). See ``pipeline`` for how a build runs.
"""

from __future__ import annotations

NAME = "audio"


def build(ctx):
    """Build the narration of ``ctx.issue`` (see ``pipeline.build``)."""
    # Imported here so the offline engine's worker processes, which import this package,
    # load only the engine and not the whole pipeline.
    from .pipeline import build as build_audio
    from .review import write_review

    result = build_audio(ctx)
    write_review(ctx, result)
    return result


def check(ctx):
    """Before the build: with ``--tts edge``, the configured voice must still be offered."""
    if ctx.options.tts == "offline":
        return  # the offline voice is part of the installation
    from .pipeline import check as check_audio

    check_audio(ctx)


__all__ = ["NAME", "build", "check"]
