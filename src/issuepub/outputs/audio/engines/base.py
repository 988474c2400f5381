"""The small interface every speech engine implements.

An engine turns one chunk of spoken text into audio plus timing marks. Everything else
(what is spoken, chunking, caching, retries, assembly, tags) is the same for all engines, so a
new engine is one module with an ``Engine`` subclass registered in ``engines/__init__.py``.
"""

from __future__ import annotations

import abc
import re
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from ....model import AudioSettings
from ..normalize import LatinMode


@dataclass(frozen=True)
class Mark:
    """One stretch of the chunk's text (character offsets) and when it is heard (seconds)."""

    start_char: int
    end_char: int
    start: float
    end: float


@dataclass(frozen=True)
class Synthesis:
    audio: bytes
    format: str  # "pcm_s16le" (mono) or "mp3"
    sample_rate: int
    marks: tuple[Mark, ...]
    engine_seconds: float = 0.0  # time spent inside the engine itself (for the benchmark)


# What kind of failure an attempt met; the pipeline treats the service as a whole by it.
#   refused: the handshake was refused (HTTP 401/403: token scheme or clock)
#   throttled: the service asks to wait (HTTP 429/503, maybe with Retry-After)
#   unreachable: no connection, or no answer in time (connect, first byte, between frames)
#   incomplete: an answer shorter than its own timings or its text
#   voice: the voice is not offered
#   stopped: not attempted, the build stopped asking the service
FailureKind = Literal["refused", "throttled", "unreachable", "incomplete", "voice", "stopped", "other"]


class EngineError(Exception):
    """A synthesis attempt failed. ``str(error)`` is a short Chinese reason for reports."""

    def __init__(self, message: str, *, retryable: bool = True, kind: FailureKind = "other",
                 retry_after: float | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.kind = kind
        self.retry_after = retry_after  # seconds the service asked to wait (Retry-After)


@dataclass(frozen=True)
class VoiceCheck:
    """Whether the configured voice is offered, and the closest voices that are."""

    voice: str
    offered: bool
    alternatives: tuple[str, ...] = ()


class Engine(abc.ABC):
    name: ClassVar[str]
    final: ClassVar[bool]  # production audio (True) or a proof only (False)
    latin: ClassVar[LatinMode]  # "keep": the voice reads Latin letters itself
    max_chunk_bytes: ClassVar[int] = 4000  # limit of one request (UTF-8 bytes, XML-escaped)
    requests_per_job: ClassVar[int] = 1  # requests in flight per job (>1: queued in a worker)
    sample_rate: int  # rate the article is assembled at (engine audio is decoded to it)
    output_format: ClassVar[str] = "pcm_s16le"  # what the engine hands over (part of cache keys)

    def __init__(self, audio: AudioSettings):
        self.audio = audio
        self.rate_percent = parse_signed(audio.rate, "%", "rate")
        self.volume_percent = parse_signed(audio.volume, "%", "volume")
        self.pitch_hz = parse_signed(audio.pitch, "Hz", "pitch")

    @property
    @abc.abstractmethod
    def voice(self) -> str: ...

    @property
    @abc.abstractmethod
    def version(self) -> str: ...

    @abc.abstractmethod
    def default_jobs(self) -> int: ...

    @property
    def service(self) -> str:
        """What makes the sound. A local synthesiser's version decides its audio, so by
        default it is the engine and its version; a remote service says which service it is
        and leaves its client library's version out (upgrading the client keeps the cache)."""
        return f"{self.name} {self.version}"

    def identity(self) -> dict[str, Any]:
        """Everything besides the text that changes the audio: part of every cache key."""
        return {
            "engine": self.name, "service": self.service, "voice": self.voice,
            "rate": self.audio.rate, "volume": self.audio.volume, "pitch": self.audio.pitch,
            "output_format": self.output_format,
        }

    async def check_voice(self) -> VoiceCheck | None:
        """Ask whether the configured voice is offered; None: this engine has only its own."""
        return None

    def steering(self, text: str) -> tuple[str, tuple]:
        """What the voice is given for ``text`` beyond normalisation, with the decisions made
        (the offline engine steers polyphones); a voice that reads context itself gets it as is."""
        return text, ()

    async def start(self, jobs: int) -> None:
        """Acquire what synthesis needs (worker processes, connections) for ``jobs`` at once."""

    async def close(self) -> None:
        """Release what ``start`` acquired."""

    @abc.abstractmethod
    async def synthesize(self, text: str) -> Synthesis: ...


def parse_signed(value: str, unit: str, what: str) -> int:
    """'+10%' -> 10, '-5Hz' -> -5 (the formats edge-tts and issue.toml use)."""
    m = re.fullmatch(rf"\s*([+-]?\d+)\s*{unit}\s*", value or "")
    if not m:
        raise EngineError(f"朗读设置 {what} 的值“{value}”无法识别，应写成 +0{unit} 这样的形式。",
                          retryable=False)
    return int(m.group(1))
