"""Speech engines behind one interface (``base.Engine``); add a third by registering it here."""

from __future__ import annotations

from ....model import AudioSettings
from ...base import BuildOptions
from .base import Engine, EngineError, Mark, Synthesis, VoiceCheck


def create(audio: AudioSettings, options: BuildOptions) -> Engine:
    """The engine ``options.tts`` names, set up from the issue's audio settings."""
    if options.tts == "offline":
        from .offline import OfflineEngine

        return OfflineEngine(audio)
    if options.tts == "edge":
        from .edge import EdgeEngine

        return EdgeEngine(audio, options.edge_endpoint)
    raise EngineError(f"未知的朗读引擎“{options.tts}”，可选 {', '.join(NAMES)}。", retryable=False)


NAMES = ("offline", "edge")

__all__ = ["Engine", "EngineError", "Mark", "Synthesis", "VoiceCheck", "create", "NAMES"]
