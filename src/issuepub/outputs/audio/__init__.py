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


def final_audio_kept(ctx) -> None:
    """S070: ``build`` without ``--tts`` over production narration. The default engine is the
    offline one: every article's final MP3 would be replaced by a preview (its digest names
    the engine), and an editor fixing a typo with the plain build command loses the issue's
    narration on the site. The engine must then be named."""
    if ctx.options.tts_chosen or ctx.options.tts != "offline":
        return
    final = [a for a in ctx.manifest.get("articles", []) if isinstance(a, dict)
             and isinstance(a.get("audio"), dict) and a["audio"].get("final") is True]
    if final:
        from ...diagnostics import Problem, UserError

        engines = "、".join(sorted({str(a["audio"].get("engine")) for a in final}))
        raise UserError(Problem(
            "S070", ctx.out_dir / "manifest.json", None,
            f"上次构建的朗读音频有 {len(final)} 篇是正式音频（{engines}）；这次没有写 --tts，"
            "默认的离线引擎会把它们全部换成试听版。",
            "继续用正式声音：加 --tts edge；确实要离线试听版：加 --tts offline；"
            "音频不动：--only epub qr site。"))


def check(ctx):
    """Before the build: with ``--tts edge``, the configured voice must still be offered;
    without ``--tts``, final narration is not replaced by previews (S070)."""
    final_audio_kept(ctx)
    if ctx.options.tts == "offline":
        return  # the offline voice is part of the installation
    from .pipeline import check as check_audio

    check_audio(ctx)


__all__ = ["NAME", "build", "check"]
