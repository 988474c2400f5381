"""Edge engine: Microsoft's online neural voices through edge-tts (the production narration).

One chunk is one edge-tts request (chunks are kept under its 4096-byte split size, so it never
splits them itself) asking for SentenceBoundary events, which give the timings. The service
address can be pointed elsewhere (``BuildOptions.edge_endpoint``), e.g. at the local stand-in
the tests use: edge-tts reads the module globals ``edge_tts.communicate.WSS_URL`` (synthesis)
and ``edge_tts.voices.VOICE_LIST`` (the voice list) on every request, so the engine sets them
while it runs and restores them afterwards.

How the real service fails, as edge-tts users meet it, and what this engine makes of it:
- a 403 at the handshake whenever Microsoft changes the token scheme (only a newer edge-tts
  helps) or when the machine's clock is off (the Sec-MS-GEC token is time-based): kind
  ``refused``, which the pipeline counts across the whole build;
- 429/503 while it throttles, with Retry-After: kind ``throttled``;
- an answer that stops early while the turn ends normally: checked here against its own
  boundaries and the text's length (``answer_shortfall``), kind ``incomplete``;
- a withdrawn voice, seen only as "no audio received": kind ``voice`` when the voice list
  confirms it is gone;
- an endpoint that accepts and never answers, or drips: every wait has a deadline (connect,
  first message, between messages, the whole answer), kind ``unreachable``.
"""

from __future__ import annotations

import asyncio
import email.utils
import math
import re
import time
from typing import Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import edge_tts
import edge_tts.communicate
import edge_tts.voices
from edge_tts import constants as edge_constants
from edge_tts import exceptions as edge_exceptions

from ..normalize import LatinMode
from .base import Engine, EngineError, Mark, Synthesis, VoiceCheck

TICKS_PER_SECOND = 10_000_000
# Deadlines in seconds; module attributes so tests can shorten them.
CONNECT_TIMEOUT = 10  # TCP connection
FIRST_MESSAGE_TIMEOUT = 20  # connection, handshake and the answer's first message
RECEIVE_TIMEOUT = 30  # longest wait for the next message of an answer
ANSWER_TIMEOUT = 60.0  # the whole answer: this plus ANSWER_SECONDS_PER_CHAR per character
ANSWER_SECONDS_PER_CHAR = 0.3  # (the service streams faster than the speech lasts)
VOICES_TIMEOUT = 20  # the voice list

SERVICE = "microsoft-edge-readaloud"  # what makes the sound, for cache keys
OUTPUT_FORMAT = "audio-24khz-48kbitrate-mono-mp3"  # the format edge-tts asks for

# Completeness of an answer (see answer_shortfall).
BOUNDARY_SLACK = 0.15  # seconds a boundary may end after the decoded audio (frame rounding)
MIN_SECONDS_PER_UNIT = 0.1  # no voice reads faster than 10 characters a second at +0%
TAIL_UNITS = 2  # characters after the last boundary the voice may leave unmarked


def endpoint_url(endpoint: str | None) -> str:
    """The WebSocket URL edge-tts will use; edge-tts appends '&ConnectionId=…' to it."""
    if not endpoint:
        return edge_constants.WSS_URL
    if "?" not in endpoint:
        endpoint += f"?TrustedClientToken={edge_constants.TRUSTED_CLIENT_TOKEN}"
    return endpoint


def voices_url(endpoint: str | None) -> str:
    """The voice list next to the synthesis endpoint (as on the service: .../voices/list)."""
    if not endpoint:
        return edge_constants.VOICE_LIST
    parts = urlsplit(endpoint)
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme)
    path = re.sub(r"/edge/v1/?$", "", parts.path) + "/voices/list"
    return urlunsplit((scheme, parts.netloc, path,
                       f"trustedclienttoken={edge_constants.TRUSTED_CLIENT_TOKEN}", ""))


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Retry-After as seconds: delta-seconds or an HTTP date; None when absent or unreadable.

    Not capped: a wait longer than the build's patience stops the build at once, with the wait
    named in the report, rather than asking again before the service said to."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return max(0.0, when - (time.time() if now is None else now))


def _classify(error: BaseException) -> EngineError:
    """A failed request as a Chinese reason, whether trying again may help, and its kind."""
    if isinstance(error, (aiohttp.WSServerHandshakeError, aiohttp.ClientResponseError)):
        status = getattr(error, "status", 0)
        if status in (401, 403):
            return EngineError(f"语音服务拒绝访问（HTTP {status}）", kind="refused")
        if status in (429, 503):
            headers = getattr(error, "headers", None) or {}
            wait = retry_after_seconds(headers.get("Retry-After"))
            return EngineError(f"语音服务要求稍后再试（HTTP {status}，限流）", kind="throttled",
                               retry_after=wait)
        return EngineError(f"语音服务握手失败（HTTP {status}）")
    if isinstance(error, edge_exceptions.NoAudioReceived):
        return EngineError("语音服务没有返回音频")
    if isinstance(error, edge_exceptions.SkewAdjustmentError):
        return EngineError("语音服务拒绝访问，且无法校正时钟", kind="refused")
    if isinstance(error, (asyncio.TimeoutError, aiohttp.ServerTimeoutError)):
        return EngineError("语音服务响应超时", kind="unreachable")
    if isinstance(error, aiohttp.ClientConnectorError):
        return EngineError("无法连接语音服务", kind="unreachable")
    if isinstance(error, (aiohttp.ClientError, edge_exceptions.EdgeTTSException, ConnectionError)):
        return EngineError(f"与语音服务的连接出错（{type(error).__name__}）")
    if isinstance(error, ValueError):
        return EngineError(f"朗读设置不被语音服务接受：{error}", retryable=False)
    return EngineError(f"{type(error).__name__}: {error}")


# --- completeness of an answer -----------------------------------------------------------------

# MPEG audio Layer III: kbit/s by bitrate index, Hz by sample-rate index, per MPEG version.
_BITRATES = {1: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
             2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)}
_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def mp3_seconds(data: bytes) -> float:
    """Length of the whole Layer III frames at the start of ``data`` (an ID3v2 tag skipped).

    Counting frame headers is exact for the service's CBR stream and costs a fraction of a
    millisecond per chunk, far less than decoding; a frame cut short is not counted.
    """
    at = 0
    if data[:3] == b"ID3" and len(data) >= 10:
        at = 10 + ((data[6] & 0x7F) << 21 | (data[7] & 0x7F) << 14 | (data[8] & 0x7F) << 7
                   | (data[9] & 0x7F))
    seconds, end = 0.0, len(data)
    while at + 4 <= end:
        b1, b2, b3 = data[at + 1], data[at + 2], data[at + 3]
        version = (b1 >> 3) & 3
        if data[at] != 0xFF or (b1 & 0xE0) != 0xE0 or version == 1 or (b1 >> 1) & 3 != 1:
            break  # not a Layer III frame header
        bitrate_index, rate_index = b2 >> 4, (b2 >> 2) & 3
        if bitrate_index in (0, 15) or rate_index == 3:
            break
        mpeg1 = version == 3
        bitrate = _BITRATES[1 if mpeg1 else 2][bitrate_index] * 1000
        rate = _RATES[version][rate_index]
        length = (144 if mpeg1 else 72) * bitrate // rate + ((b2 >> 1) & 1)
        if at + length > end:
            break
        seconds += (1152 if mpeg1 else 576) / rate
        at += length
    return seconds


_UNIT = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[A-Za-z0-9]+")


def spoken_units(text: str) -> int:
    """Characters a voice says: each Chinese character, each Latin word or number as one."""
    return len(_UNIT.findall(text))


def answer_shortfall(text: str, audio_seconds: float, boundaries: list[tuple[str, float, float]],
                     marks: list[Mark], rate_percent: int = 0) -> str | None:
    """Why an answer that ended normally is not the whole speech of ``text``, or None.

    Checked against itself: the audio must last until the last boundary ends; the boundaries
    must reach the end of the text (when the last one could be placed in it); and the audio
    must be long enough for the number of characters at the requested rate.
    """
    if audio_seconds <= 0:
        return "语音服务返回的音频无法解析"
    if boundaries:
        last_end = max(end for _, _, end in boundaries)
        if last_end > audio_seconds + BOUNDARY_SLACK:
            return (f"语音服务返回的音频不完整（音频 {audio_seconds:.1f} 秒，"
                    f"时间标记到 {last_end:.1f} 秒）")
        last_piece = boundaries[-1][0].strip()
        if marks and last_piece and text[marks[-1].start_char:marks[-1].end_char] == last_piece:
            left = spoken_units(text[marks[-1].end_char:])
            if left > TAIL_UNITS:
                return f"语音服务返回的音频不完整（结尾 {left} 个字没有读到）"
    speed = max(0.1, 1 + rate_percent / 100)
    shortest = spoken_units(text) * MIN_SECONDS_PER_UNIT / speed
    if audio_seconds + BOUNDARY_SLACK < shortest:
        return (f"语音服务返回的音频不完整（{spoken_units(text)} 个字只有 "
                f"{audio_seconds:.1f} 秒）")
    return None


# --- voices ---------------------------------------------------------------------------------------

_FULL_NAME = re.compile(r"^Microsoft Server Speech Text to Speech Voice \(([^,()]+),\s*([^,()]+)\)$")


def short_voice_name(voice: str) -> str:
    """The voice list's ShortName for either spelling edge-tts takes: 'zh-CN-XiaoxiaoNeural'
    or 'Microsoft Server Speech Text to Speech Voice (zh-CN, XiaoxiaoNeural)'."""
    m = _FULL_NAME.match(voice.strip())
    return f"{m[1].strip()}-{m[2].strip()}" if m else voice.strip()


def close_voices(voice: str, offered: list[dict[str, Any]], limit: int = 5) -> tuple[str, ...]:
    """Voices like ``voice`` among ``offered``: same locale and gender first, then same locale,
    then same language. A withdrawn voice is not in the list, so its locale comes from its name
    (zh-CN-XiaochenNeural -> zh-CN) and its gender from a voice of the same name elsewhere."""
    locale = "-".join(voice.split("-")[:2])
    language = locale.split("-")[0]
    gender = next((v.get("Gender") for v in offered if v.get("ShortName") == voice), None)
    named = sorted(offered, key=lambda v: v.get("ShortName", ""))

    def rank(v: dict[str, Any]) -> int:
        same_locale = v.get("Locale") == locale
        if same_locale and (gender is None or v.get("Gender") == gender):
            return 0 if gender else 1
        if same_locale:
            return 1
        return 2 if str(v.get("Locale", "")).split("-")[0] == language else 3

    ranked = sorted((v for v in named if v.get("ShortName") != voice and rank(v) < 3), key=rank)
    return tuple(v["ShortName"] for v in ranked[:limit])


class EdgeEngine(Engine):
    name = "edge"
    final = True
    latin: ClassVar[LatinMode] = "keep"
    sample_rate = 24000  # audio-24khz-48kbitrate-mono-mp3
    output_format = OUTPUT_FORMAT

    def __init__(self, audio, endpoint: str | None = None) -> None:
        super().__init__(audio)
        self.endpoint = endpoint
        self.url = endpoint_url(endpoint)
        self.voices_url = voices_url(endpoint)
        self._saved: tuple[str, str] | None = None
        self._voices: list[dict[str, Any]] | None = None
        self._voices_unavailable = False

    @property
    def voice(self) -> str:
        return self.audio.voice

    @property
    def version(self) -> str:
        return edge_tts.__version__

    @property
    def service(self) -> str:
        return SERVICE

    def identity(self) -> dict[str, Any]:
        # one voice, one key, however issue.toml spells it
        return {**super().identity(), "voice": short_voice_name(self.voice),
                "boundary": "SentenceBoundary"}

    def default_jobs(self) -> int:
        return 3  # the service throttles beyond a few connections per client

    async def start(self, jobs: int) -> None:
        self._saved = (edge_tts.communicate.WSS_URL, edge_tts.voices.VOICE_LIST)
        edge_tts.communicate.WSS_URL = self.url
        edge_tts.voices.VOICE_LIST = self.voices_url

    async def close(self) -> None:
        if self._saved is not None:
            edge_tts.communicate.WSS_URL, edge_tts.voices.VOICE_LIST = self._saved
            self._saved = None

    async def list_voices(self) -> list[dict[str, Any]]:
        """edge-tts's voice list from the service this engine talks to (asked once)."""
        if self._voices is None:
            saved = edge_tts.voices.VOICE_LIST
            edge_tts.voices.VOICE_LIST = self.voices_url
            try:
                self._voices = await asyncio.wait_for(edge_tts.list_voices(), VOICES_TIMEOUT)
            except Exception as error:  # reported as the check's warning, in Chinese
                raise _classify(error) from error
            finally:
                edge_tts.voices.VOICE_LIST = saved
        return self._voices

    async def check_voice(self) -> VoiceCheck:
        offered = await self.list_voices()
        wanted = short_voice_name(self.voice)
        if any(v.get("ShortName") == wanted or v.get("Name") == self.voice for v in offered):
            return VoiceCheck(self.voice, True)
        return VoiceCheck(self.voice, False, close_voices(wanted, offered))

    async def synthesize(self, text: str) -> Synthesis:
        started = time.perf_counter()
        deadline = time.monotonic() + ANSWER_TIMEOUT + ANSWER_SECONDS_PER_CHAR * len(text)
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
                first = True
                while True:
                    # edge-tts's own timeouts cover neither the handshake's answer nor the
                    # WebSocket messages, and none bounds a service that drips: every wait here
                    # has its deadline (first message, next message, whole answer).
                    wait = FIRST_MESSAGE_TIMEOUT if first else RECEIVE_TIMEOUT
                    wait = min(wait, deadline - time.monotonic())
                    if wait <= 0:
                        raise asyncio.TimeoutError
                    try:
                        message = await asyncio.wait_for(stream.__anext__(), wait)
                    except StopAsyncIteration:
                        break
                    first = False
                    if message["type"] == "audio":
                        audio += message["data"]
                    elif message["type"] in ("SentenceBoundary", "WordBoundary"):
                        start = message["offset"] / TICKS_PER_SECOND
                        boundaries.append((message["text"], start,
                                           start + message["duration"] / TICKS_PER_SECOND))
            finally:
                await stream.aclose()
        except Exception as error:  # every failure of the service becomes a reason in Chinese
            failure = _classify(error)
            if isinstance(error, edge_exceptions.NoAudioReceived):
                failure = await self._voice_gone() or failure
            raise failure from error
        # edge-tts ends a turn silently when the connection drops mid-stream: it counts the
        # audio of a turn only when turn.end arrives, so a shortfall means a cut-off answer.
        # (Private state, there since edge-tts 7.3, the floor in pyproject.toml: were a later
        # version to drop it, every chunk would fail on it; the checks below still run.)
        counted = communicate.state.get("cumulative_audio_bytes")
        if counted is not None and counted != len(audio):
            raise EngineError("语音服务的连接中途断开，音频不完整", kind="incomplete")
        marks = _marks(text, boundaries)
        short = answer_shortfall(text, mp3_seconds(bytes(audio)), boundaries, marks,
                                 self.rate_percent)
        if short:
            raise EngineError(short, kind="incomplete")
        return Synthesis(bytes(audio), "mp3", self.sample_rate, tuple(marks),
                         time.perf_counter() - started)

    async def _voice_gone(self) -> EngineError | None:
        """After "no audio": the voice list tells whether the voice was withdrawn."""
        if self._voices_unavailable:
            return None
        try:
            check = await self.check_voice()
        except EngineError:
            self._voices_unavailable = True  # asked once per build: each wait costs time
            return None
        if check.offered:
            return None
        return EngineError(voice_gone_message(check), retryable=False, kind="voice")


def voice_gone_message(check: VoiceCheck) -> str:
    near = "、".join(check.alternatives) or "（同语言的声音都已不提供）"
    return f"语音服务已不提供声音“{check.voice}”；相近的声音：{near}"


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
