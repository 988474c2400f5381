"""Edge engine: Microsoft's online neural voices through edge-tts (the production narration).

One chunk is one edge-tts request (chunks are kept under its 4096-byte split size, so it never
splits them itself) asking for SentenceBoundary events, which give the timings. The service
address can be pointed elsewhere (``BuildOptions.edge_endpoint``), e.g. at the local stand-in
the tests use: edge-tts reads the module global ``edge_tts.communicate.WSS_URL`` on every
connection, so the engine sets it while it runs and restores it afterwards.
"""

from __future__ import annotations

import asyncio
import math
import time
from typing import ClassVar

import aiohttp
import edge_tts
import edge_tts.communicate
from edge_tts import constants as edge_constants
from edge_tts import exceptions as edge_exceptions

from ..normalize import LatinMode
from .base import Engine, EngineError, Mark, Synthesis

TICKS_PER_SECOND = 10_000_000
CONNECT_TIMEOUT = 10  # seconds; module attributes so tests can shorten them
RECEIVE_TIMEOUT = 30  # longest wait for the next message of an answer


def endpoint_url(endpoint: str | None) -> str:
    """The WebSocket URL edge-tts will use; edge-tts appends '&ConnectionId=…' to it."""
    if not endpoint:
        return edge_constants.WSS_URL
    if "?" not in endpoint:
        endpoint += f"?TrustedClientToken={edge_constants.TRUSTED_CLIENT_TOKEN}"
    return endpoint


def _reason(error: BaseException) -> tuple[str, bool]:
    """A Chinese reason for a failed request and whether trying again may help."""
    if isinstance(error, aiohttp.WSServerHandshakeError) or isinstance(error, aiohttp.ClientResponseError):
        status = getattr(error, "status", 0)
        if status == 403:
            return "语音服务拒绝访问（HTTP 403）", True
        return f"语音服务握手失败（HTTP {status}）", True
    if isinstance(error, edge_exceptions.NoAudioReceived):
        return "语音服务没有返回音频", True
    if isinstance(error, edge_exceptions.SkewAdjustmentError):
        return "语音服务拒绝访问，且无法校正时钟", True
    if isinstance(error, (asyncio.TimeoutError, aiohttp.ServerTimeoutError)):
        return "语音服务响应超时", True
    if isinstance(error, aiohttp.ClientConnectorError):
        return "无法连接语音服务", True
    if isinstance(error, (aiohttp.ClientError, edge_exceptions.EdgeTTSException, ConnectionError)):
        return f"与语音服务的连接出错（{type(error).__name__}）", True
    if isinstance(error, ValueError):
        return f"朗读设置不被语音服务接受：{error}", False
    return f"{type(error).__name__}: {error}", True


class EdgeEngine(Engine):
    name = "edge"
    final = True
    latin: ClassVar[LatinMode] = "keep"
    sample_rate = 24000  # audio-24khz-48kbitrate-mono-mp3

    def __init__(self, audio, endpoint: str | None = None) -> None:
        super().__init__(audio)
        self.url = endpoint_url(endpoint)
        self._saved_url: str | None = None

    @property
    def voice(self) -> str:
        return self.audio.voice

    @property
    def version(self) -> str:
        return edge_tts.__version__

    def default_jobs(self) -> int:
        return 3  # the service throttles beyond a few connections per client

    async def start(self, jobs: int) -> None:
        self._saved_url = edge_tts.communicate.WSS_URL
        edge_tts.communicate.WSS_URL = self.url

    async def close(self) -> None:
        if self._saved_url is not None:
            edge_tts.communicate.WSS_URL = self._saved_url
            self._saved_url = None

    async def synthesize(self, text: str) -> Synthesis:
        started = time.perf_counter()
        try:
            communicate = edge_tts.Communicate(
                text, self.audio.voice, rate=self.audio.rate, volume=self.audio.volume,
                pitch=self.audio.pitch, boundary="SentenceBoundary",
                connect_timeout=math.ceil(CONNECT_TIMEOUT),
                receive_timeout=math.ceil(RECEIVE_TIMEOUT),
            )
            audio = bytearray()
            boundaries: list[tuple[str, float, float]] = []
            stream = communicate.stream()
            try:
                while True:
                    # edge-tts's receive_timeout does not cover WebSocket messages: a service
                    # that stops answering would hang the build, so each message has a deadline.
                    try:
                        message = await asyncio.wait_for(stream.__anext__(), RECEIVE_TIMEOUT)
                    except StopAsyncIteration:
                        break
                    if message["type"] == "audio":
                        audio += message["data"]
                    elif message["type"] in ("SentenceBoundary", "WordBoundary"):
                        start = message["offset"] / TICKS_PER_SECOND
                        boundaries.append((message["text"], start,
                                           start + message["duration"] / TICKS_PER_SECOND))
            finally:
                await stream.aclose()
        except Exception as error:  # every failure of the service becomes a reason in Chinese
            reason, retryable = _reason(error)
            raise EngineError(reason, retryable=retryable) from error
        # edge-tts ends a turn silently when the connection drops mid-stream: it counts the
        # audio of a turn only when turn.end arrives, so a shortfall means a cut-off answer.
        if communicate.state["cumulative_audio_bytes"] != len(audio):
            raise EngineError("语音服务的连接中途断开，音频不完整")
        return Synthesis(bytes(audio), "mp3", self.sample_rate, tuple(_marks(text, boundaries)),
                         time.perf_counter() - started)


def _marks(text: str, boundaries: list[tuple[str, float, float]]) -> list[Mark]:
    """Place each boundary's text in the chunk, in order; unplaceable ones are left out."""
    marks, cursor = [], 0
    for piece, start, end in boundaries:
        piece = piece.strip()
        at = text.find(piece, cursor) if piece else -1
        if at < 0:
            continue
        marks.append(Mark(at, at + len(piece), start, end))
        cursor = at + len(piece)
    return marks
