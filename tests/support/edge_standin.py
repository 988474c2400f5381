"""A local stand-in for Microsoft's edge-tts service (the real one is unreachable from here).

It speaks edge-tts's WebSocket protocol on 127.0.0.1: it takes ``speech.config`` and the SSML
request, and answers with ``turn.start``, ``audio.metadata`` (SentenceBoundary and/or
WordBoundary, offsets in 100-ns ticks), binary ``audio`` frames (2-byte header length, header,
MP3 data) and ``turn.end``. The audio is real speech: the requested text synthesised with the
offline espeak-ng voice and encoded by ffmpeg to the service's format, 24 kHz 48 kbit/s mono
MP3 without ID3 or Xing headers.

Faults can be injected: HTTP 403 at the handshake, a connection dropped mid-stream, a turn
with no audio, and latency before every answer. Usable from tests and from the benchmark::

    with EdgeStandin(latency=0.3) as service:
        options = BuildOptions(tts="edge", edge_endpoint=service.url)
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from aiohttp import WSMsgType, web

from issuepub.outputs.audio import ffmpeg
from issuepub.outputs.audio.engines.offline import Espeak

PATH = "/consumer/speech/synthesize/readaloud/edge/v1"
FRAME_BYTES = 4096
TICKS = 10_000_000
_SENTENCE_END = "。！？；!?;…"


@dataclass
class Faults:
    """Counters are consumed one per occurrence; ``poison`` texts fail every time."""

    forbid: int = 0  # the next N handshakes are refused with HTTP 403
    drop: int = 0  # the next N turns are cut off after their first audio frame
    no_audio: int = 0  # the next N turns end without audio
    latency: float = 0.0  # seconds to wait before answering each turn
    poison: tuple[str, ...] = ()  # a turn whose text contains one of these gets no audio


@dataclass
class Request:
    voice: str
    rate: str
    volume: str
    pitch: str
    text: str
    sentence_boundaries: bool
    word_boundaries: bool


@dataclass
class Stats:
    handshakes: int = 0
    forbidden: int = 0
    turns: int = 0
    dropped: int = 0
    silent: int = 0
    concurrent: int = 0
    max_concurrent: int = 0


@dataclass
class Rendered:
    mp3: bytes
    sentences: list[tuple[str, float, float]] = field(default_factory=list)
    words: list[tuple[str, float, float]] = field(default_factory=list)


def _percent(value: str) -> int:
    return int(value.strip().rstrip("%Hz") or 0)


def render(text: str, rate: str = "+0%", pitch: str = "+0Hz") -> Rendered:
    """Speech for ``text`` as the service would send it, with sentence and word boundaries."""
    espeak = Espeak.get()
    with _RENDER_LOCK:  # configure and synthesise together on the one espeak instance
        espeak.configure(_percent(rate), 0, _percent(pitch))
        pcm, marks, _ = espeak.synthesize(text)
    duration = len(pcm) / 2 / espeak.sample_rate
    mp3 = ffmpeg.run([*ffmpeg.raw_input(espeak.sample_rate), "-i", "pipe:0", "-ar", "24000", "-ac", "1",
                      "-c:a", "libmp3lame", "-b:a", "48k", "-write_xing", "0", "-id3v2_version", "0",
                      "-f", "mp3", "pipe:1"], "编码替身服务音频", pcm).stdout
    words = [(text[m.start_char:m.end_char], m.start, m.end) for m in marks]
    sentences = []
    for m in re.finditer(rf"[^{_SENTENCE_END}]+[{_SENTENCE_END}]*", text):
        inside = [k for k in marks if m.start() <= k.start_char < m.end()]
        if m.group(0).strip() and inside:
            sentences.append((m.group(0).strip(), inside[0].start, min(inside[-1].end, duration)))
    return Rendered(mp3, sentences, words)


_RENDER_LOCK = threading.Lock()


def _text_message(request_id: str, path: str, body: str) -> str:
    return (f"X-RequestId:{request_id}\r\nContent-Type:application/json; charset=utf-8\r\n"
            f"Path:{path}\r\n\r\n{body}")


def _audio_message(request_id: str, data: bytes) -> bytes:
    content_type = "Content-Type:audio/mpeg\r\n" if data else ""
    header = (f"X-RequestId:{request_id}\r\n{content_type}"
              f"X-StreamId:{uuid.uuid4().hex.upper()}\r\nPath:audio\r\n").encode()
    return len(header).to_bytes(2, "big") + header + data


def _headers(message: str) -> tuple[dict[str, str], str]:
    head, _, body = message.partition("\r\n\r\n")
    headers = {}
    for line in head.split("\r\n"):
        key, _, value = line.partition(":")
        headers[key.strip()] = value.strip()
    return headers, body


class EdgeStandin:
    def __init__(self, *, latency: float = 0.0, forbid: int = 0, drop: int = 0, no_audio: int = 0,
                 poison: tuple[str, ...] = ()):
        self.faults = Faults(forbid, drop, no_audio, latency, poison)
        self.requests: list[Request] = []
        self.stats = Stats()
        self.port = 0
        self._cache: dict[tuple[str, str, str], Rendered] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}{PATH}"

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> "EdgeStandin":
        ready = threading.Event()

        def serve() -> None:
            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(self._start_app())
            ready.set()
            self._loop.run_forever()
            self._loop.run_until_complete(self._runner.cleanup())
            self._loop.close()

        self._thread = threading.Thread(target=serve, name="edge-standin", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("edge stand-in did not start")
        return self

    async def _start_app(self) -> None:
        app = web.Application()
        app.router.add_get(PATH, self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._loop = None

    def __enter__(self) -> "EdgeStandin":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def prerender(self, texts, rate: str = "+0%", pitch: str = "+0Hz") -> None:
        """Render texts ahead (the benchmark measures the client, not the stand-in's CPU)."""
        for text in texts:
            self._rendered(text, rate, pitch)

    def _rendered(self, text: str, rate: str, pitch: str) -> Rendered:
        key = (text, rate, pitch)
        with self._lock:
            cached = self._cache.get(key)
        if cached is None:
            cached = render(text, rate, pitch)
            with self._lock:
                self._cache[key] = cached
        return cached

    def _take(self, fault: str) -> bool:
        with self._lock:
            left = getattr(self.faults, fault)
            if left > 0:
                setattr(self.faults, fault, left - 1)
                return True
            return False

    # --- protocol -----------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.stats.handshakes += 1
        if self._take("forbid"):
            self.stats.forbidden += 1
            return web.Response(status=403, text="Forbidden")
        ws = web.WebSocketResponse(compress=True)
        await ws.prepare(request)
        config: dict = {}
        async for message in ws:
            if message.type != WSMsgType.TEXT:
                continue
            headers, body = _headers(message.data)
            if headers.get("Path") == "speech.config":
                config = json.loads(body)
            elif headers.get("Path") == "ssml":
                await self._turn(ws, request, headers.get("X-RequestId", uuid.uuid4().hex), body, config)
                if ws.closed:
                    break
        return ws

    async def _turn(self, ws: web.WebSocketResponse, request: web.Request, request_id: str,
                    ssml: str, config: dict) -> None:
        root = ET.fromstring(ssml)
        voice = root.find("{*}voice")
        prosody = voice.find("{*}prosody") if voice is not None else None
        text = "".join(prosody.itertext()) if prosody is not None else "".join(root.itertext())
        options = config.get("context", {}).get("synthesis", {}).get("audio", {}).get("metadataoptions", {})
        want_sentences = options.get("sentenceBoundaryEnabled") == "true"
        want_words = options.get("wordBoundaryEnabled") == "true"
        attrs = prosody.attrib if prosody is not None else {}
        self.requests.append(Request(voice.get("name", "") if voice is not None else "",
                                     attrs.get("rate", ""), attrs.get("volume", ""),
                                     attrs.get("pitch", ""), text, want_sentences, want_words))
        self.stats.turns += 1
        self.stats.concurrent += 1
        self.stats.max_concurrent = max(self.stats.max_concurrent, self.stats.concurrent)
        try:
            if self.faults.latency:
                await asyncio.sleep(self.faults.latency)
            await ws.send_str(_text_message(request_id, "turn.start",
                                            '{"context":{"serviceTag":"standin"}}'))
            silent = any(p in text for p in self.faults.poison) or self._take("no_audio")
            if silent:
                self.stats.silent += 1
                await ws.send_str(_text_message(request_id, "turn.end", "{}"))
                return
            loop = asyncio.get_running_loop()
            rendered = await loop.run_in_executor(None, self._rendered, text,
                                                  attrs.get("rate", "+0%"), attrs.get("pitch", "+0Hz"))
            boundaries = ([("SentenceBoundary", b) for b in rendered.sentences] if want_sentences else []) + \
                         ([("WordBoundary", b) for b in rendered.words] if want_words else [])
            for kind, (piece, start, end) in boundaries:
                meta = {"Metadata": [{"Type": kind, "Data": {
                    "Offset": round(start * TICKS), "Duration": round((end - start) * TICKS),
                    "text": {"Text": piece, "Length": len(piece), "BoundaryType": kind}}}]}
                await ws.send_str(_text_message(request_id, "audio.metadata",
                                                json.dumps(meta, ensure_ascii=False)))
            drop = self._take("drop")
            for at in range(0, len(rendered.mp3), FRAME_BYTES):
                await ws.send_bytes(_audio_message(request_id, rendered.mp3[at:at + FRAME_BYTES]))
                if drop:
                    self.stats.dropped += 1
                    request.transport.abort()  # the connection just goes away
                    return
            await ws.send_bytes(_audio_message(request_id, b""))
            await ws.send_str(_text_message(request_id, "turn.end", "{}"))
        except ConnectionResetError:
            pass  # the client gave up (a timeout under test): nothing to answer
        finally:
            self.stats.concurrent -= 1
