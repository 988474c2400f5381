"""A local stand-in for Microsoft's edge-tts service (the real one is unreachable from here).

It speaks edge-tts's WebSocket protocol on 127.0.0.1 and checks what the client sends, as the
service does: the query (TrustedClientToken, a ConnectionId, the time-based Sec-MS-GEC token and
its Sec-MS-GEC-Version), the browser headers (Origin of the Edge extension, an Edg user agent, a
muid cookie), then ``speech.config`` (boundaries, output format) before the SSML request, each
with its X-Timestamp, X-RequestId and Content-Type. A bad token or version is refused with HTTP
403 at the handshake (with a Date header, which edge-tts uses to correct its clock); any other
departure is recorded in ``violations`` and the socket is closed. It answers with
``turn.start``, ``response``, then ``audio.metadata`` (SentenceBoundary and/or WordBoundary,
offsets in 100-ns ticks) interleaved with the binary ``audio`` frames at the time each boundary
is heard, a SessionEnd entry in the last metadata, an empty audio frame and ``turn.end``. The
audio is real speech: the text synthesised with the offline espeak-ng voice and encoded by
ffmpeg to the service's format, 24 kHz 48 kbit/s mono MP3 without ID3 or Xing headers. It also
serves the voice list (``.../voices/list``), checked the same way.

Faults can be injected, each the way edge-tts users meet it: HTTP 403 at the handshake (a few,
or for ever when the service demands a token version the client does not send), 429/503 with
Retry-After (the next N handshakes, all after the first N, or whenever more than K turns are in
progress), a turn cut short that still ends normally (with the boundaries of the audio sent, or
of the whole text), a connection dropped mid-stream, a turn
with no audio, a withdrawn voice (missing from the list, answered with no audio), an endpoint
that never answers (at the handshake or after the request), one that drips tiny frames, and
latency before every answer. Usable from tests and from the benchmark::

    with EdgeStandin(latency=0.3) as service:
        options = BuildOptions(tts="edge", edge_endpoint=service.url)
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from aiohttp import WSMsgType, web
from edge_tts import constants as edge_constants
from edge_tts.drm import generate_sec_ms_gec_v2

from issuepub.outputs.audio import ffmpeg
from issuepub.outputs.audio.engines.offline import Espeak

BASE_PATH = "/consumer/speech/synthesize/readaloud"
PATH = f"{BASE_PATH}/edge/v1"
VOICES_PATH = f"{BASE_PATH}/voices/list"
GEC_VERSION = edge_constants.SEC_MS_GEC_VERSION  # what the installed edge-tts sends
OUTPUT_FORMAT = "audio-24khz-48kbitrate-mono-mp3"
EXTENSION_ORIGIN = "chrome-extension://jdiccldimpdaibmpdkjnbmckianbfold"


def _voice(locale: str, name: str, gender: str) -> dict:
    return {"Name": f"Microsoft Server Speech Text to Speech Voice ({locale}, {name})",
            "ShortName": f"{locale}-{name}", "Gender": gender, "Locale": locale,
            "SuggestedCodec": OUTPUT_FORMAT, "FriendlyName": f"Microsoft {name} Online (Natural)",
            "Status": "GA", "VoiceTag": {"ContentCategories": ["General"],
                                         "VoicePersonalities": ["Friendly", "Positive"]}}


# A part of the service's list: Mandarin voices of both genders, other Chinese locales, English.
VOICES = (
    _voice("zh-CN", "XiaoxiaoNeural", "Female"), _voice("zh-CN", "XiaoyiNeural", "Female"),
    _voice("zh-CN", "YunjianNeural", "Male"), _voice("zh-CN", "YunxiNeural", "Male"),
    _voice("zh-CN", "YunxiaNeural", "Male"), _voice("zh-CN", "YunyangNeural", "Male"),
    _voice("zh-CN-liaoning", "XiaobeiNeural", "Female"), _voice("zh-HK", "HiuGaaiNeural", "Female"),
    _voice("zh-TW", "HsiaoChenNeural", "Female"), _voice("en-US", "EmmaMultilingualNeural", "Female"),
)
FRAME_BYTES = 4096
TICKS = 10_000_000
_SENTENCE_END = "。！？；!?;…"


@dataclass
class Faults:
    """Counters are consumed one per occurrence; ``poison`` texts fail every time."""

    forbid: int = 0  # the next N handshakes are refused with HTTP 403
    drop: int = 0  # the next N turns are cut off after their first audio frame
    no_audio: int = 0  # the next N turns end without audio
    truncate: int = 0  # the next N turns stop early (at ``truncate_at``) but end normally
    truncate_at: float = 0.5  # fraction of the audio sent by a truncated turn
    # boundaries a truncated turn sends: "heard" only those of the audio sent, or "all" of the
    # text, past the audio's end (edge-tts issue #390: files cut while subtitles run on)
    truncate_metadata: str = "heard"
    throttle: int = 0  # the next N handshakes get ``throttle_status`` with Retry-After
    throttle_after: int | None = None  # every handshake after the first N is throttled
    throttle_above: int | None = None  # throttled while more than K turns are in progress
    throttle_status: int = 429
    retry_after: str | None = "1"  # Retry-After header of a throttled handshake (None: none)
    latency: float = 0.0  # seconds to wait before answering each turn
    poison: tuple[str, ...] = ()  # a turn whose text contains one of these gets no audio
    hang: str | None = None  # never answers: the "handshake", the "turn", or in the "mid"dle
    drip: float | None = None  # seconds between tiny audio frames of an answer that never ends


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
    throttled: int = 0
    truncated: int = 0
    voice_lists: int = 0
    turns: int = 0
    dropped: int = 0
    silent: int = 0
    concurrent: int = 0
    max_concurrent: int = 0
    throttled_at: list[float] = field(default_factory=list)  # monotonic times of 429/503
    handshake_at: list[float] = field(default_factory=list)  # monotonic times of handshakes


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


def expected_tokens(now: float | None = None) -> set[str]:
    """Sec-MS-GEC values the service takes: this 5-minute window's and its neighbours'."""
    now = time.time() if now is None else now
    return {generate_sec_ms_gec_v2(now + shift) for shift in (-300, 0, 300)}


_HEX32 = re.compile(r"[0-9a-fA-F]{32}")


def handshake_violations(query, headers, *, gec_version: str, voices: bool = False) -> list[str]:
    """What in a request's query and headers the service would not take."""
    out = []
    token_key = "trustedclienttoken" if voices else "TrustedClientToken"
    if query.get(token_key) != edge_constants.TRUSTED_CLIENT_TOKEN:
        out.append(f"{token_key} missing or wrong")
    if not voices and not _HEX32.fullmatch(query.get("ConnectionId", "")):
        out.append("ConnectionId is not 32 hex digits")
    if query.get("Sec-MS-GEC") not in expected_tokens():
        out.append("Sec-MS-GEC token wrong or expired")
    if query.get("Sec-MS-GEC-Version") != gec_version:
        out.append(f"Sec-MS-GEC-Version {query.get('Sec-MS-GEC-Version')!r}, wanted {gec_version!r}")
    if "Edg/" not in headers.get("User-Agent", ""):
        out.append("User-Agent is not Edge's")
    if not re.fullmatch(r"muid=[0-9A-F]{32};", headers.get("Cookie", "")):
        out.append("no muid cookie")
    if voices:
        if headers.get("Sec-CH-UA-Mobile") != "?0" or "Microsoft Edge" not in headers.get("Sec-CH-UA", ""):
            out.append("voice list without Edge's client hints")
    elif headers.get("Origin") != EXTENSION_ORIGIN or headers.get("Pragma") != "no-cache":
        out.append("Origin or Pragma not those of the Edge extension")
    return out


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
                 poison: tuple[str, ...] = (), gec_version: str = GEC_VERSION,
                 voices: tuple[dict, ...] = VOICES, withdrawn: tuple[str, ...] = (), **faults):
        self.faults = Faults(forbid=forbid, drop=drop, no_audio=no_audio, latency=latency,
                             poison=poison, **faults)
        # A token version other than the client's is what a change of token scheme looks like:
        # every handshake is refused until the client is upgraded.
        self.gec_version = gec_version
        self.voices = tuple(v for v in voices if v["ShortName"] not in withdrawn)
        self.requests: list[Request] = []
        self.violations: list[str] = []  # departures from the protocol, besides the token
        self.stats = Stats()
        self.port = 0
        self._cache: dict[tuple[str, str, str], Rendered] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._successes = 0

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}{PATH}"

    @property
    def voices_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{VOICES_PATH}"

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> "EdgeStandin":
        ready = threading.Event()

        def serve() -> None:
            loop = self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            loop.run_until_complete(self._start_app())
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._runner.cleanup())
            left = asyncio.all_tasks(loop)
            for task in left:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*left, return_exceptions=True))
            loop.close()

        self._thread = threading.Thread(target=serve, name="edge-standin", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("edge stand-in did not start")
        return self

    async def _start_app(self) -> None:
        app = web.Application()
        app.router.add_get(PATH, self._handle)
        app.router.add_get(VOICES_PATH, self._voices)
        # Handlers of a hanging fault sleep: cancel them at once when the stand-in stops.
        self._runner = web.AppRunner(app, shutdown_timeout=0.5)
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

    def _throttled(self) -> bool:
        f = self.faults
        if self._take("throttle"):
            return True
        if f.throttle_after is not None and self._successes >= f.throttle_after:
            return True
        return f.throttle_above is not None and self.stats.concurrent > f.throttle_above

    async def _voices(self, request: web.Request) -> web.StreamResponse:
        self.stats.voice_lists += 1
        problems = handshake_violations(request.query, request.headers,
                                        gec_version=self.gec_version, voices=True)
        if problems:
            self.stats.forbidden += 1
            self.violations.extend(p for p in problems if "Sec-MS-GEC" not in p)
            return web.Response(status=403, text="Forbidden")
        return web.json_response(list(self.voices))

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.stats.handshakes += 1
        self.stats.handshake_at.append(time.monotonic())
        if self.faults.hang == "handshake":
            await asyncio.sleep(3600)  # accepts the connection, never answers it
        problems = handshake_violations(request.query, request.headers, gec_version=self.gec_version)
        if problems or self._take("forbid"):
            self.stats.forbidden += 1
            # a token refusal is a fault of the service's making, anything else a client bug
            self.violations.extend(p for p in problems if "Sec-MS-GEC" not in p)
            return web.Response(status=403, text="Forbidden")
        if self._throttled():
            self.stats.throttled += 1
            self.stats.throttled_at.append(time.monotonic())
            headers = {"Retry-After": self.faults.retry_after} if self.faults.retry_after else {}
            return web.Response(status=self.faults.throttle_status, text="Too Many Requests",
                                headers=headers)
        self._successes += 1
        ws = web.WebSocketResponse(compress=True)
        await ws.prepare(request)
        config: dict | None = None
        async for message in ws:
            if message.type != WSMsgType.TEXT:
                self.violations.append("binary message from the client")
                break
            headers, body = _headers(message.data)
            path = headers.get("Path")
            if "X-Timestamp" not in headers:
                self.violations.append(f"{path}: no X-Timestamp")
            if path == "speech.config":
                if headers.get("Content-Type") != "application/json; charset=utf-8":
                    self.violations.append("speech.config: wrong Content-Type")
                config = json.loads(body)
                audio = config.get("context", {}).get("synthesis", {}).get("audio", {})
                if audio.get("outputFormat") != OUTPUT_FORMAT:
                    self.violations.append(f"speech.config: output format {audio.get('outputFormat')!r}")
            elif path == "ssml":
                if config is None:
                    self.violations.append("ssml before speech.config")
                    break
                if headers.get("Content-Type") != "application/ssml+xml" or \
                        not _HEX32.fullmatch(headers.get("X-RequestId", "")):
                    self.violations.append("ssml: wrong Content-Type or X-RequestId")
                await self._turn(ws, request, headers.get("X-RequestId", uuid.uuid4().hex), body, config)
                if ws.closed:
                    break
            else:
                self.violations.append(f"unknown path {path!r}")
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
        voice_name = voice.get("name", "") if voice is not None else ""
        self.requests.append(Request(voice_name, attrs.get("rate", ""), attrs.get("volume", ""),
                                     attrs.get("pitch", ""), text, want_sentences, want_words))
        self.stats.turns += 1
        self.stats.concurrent += 1
        self.stats.max_concurrent = max(self.stats.max_concurrent, self.stats.concurrent)
        try:
            if self.faults.hang == "turn":
                await asyncio.sleep(3600)  # took the request, never answers
            if self.faults.latency:
                await asyncio.sleep(self.faults.latency)
            stream_id = uuid.uuid4().hex.upper()
            await ws.send_str(_text_message(request_id, "turn.start",
                                            '{"context":{"serviceTag":"standin"}}'))
            await ws.send_str(_text_message(request_id, "response", json.dumps(
                {"context": {"serviceTag": "standin"}, "audio": {"type": "inline", "streamId": stream_id}})))
            if self.faults.drip is not None:
                while True:  # an answer that never ends: one tiny frame now and then
                    await ws.send_bytes(_audio_message(request_id, b"\xff\xf3\x64\xc4" + bytes(140)))
                    await asyncio.sleep(self.faults.drip)
            # The service knows its voices by short name or by full name.
            offered = {v["ShortName"] for v in self.voices} | {v["Name"] for v in self.voices}
            silent = voice_name not in offered or any(p in text for p in self.faults.poison) or \
                self._take("no_audio")
            if silent:
                self.stats.silent += 1
                await ws.send_str(_text_message(request_id, "turn.end", "{}"))
                return
            loop = asyncio.get_running_loop()
            rendered = await loop.run_in_executor(None, self._rendered, text,
                                                  attrs.get("rate", "+0%"), attrs.get("pitch", "+0Hz"))
            boundaries = ([("SentenceBoundary", b) for b in rendered.sentences] if want_sentences else []) + \
                         ([("WordBoundary", b) for b in rendered.words] if want_words else [])
            boundaries.sort(key=lambda kb: kb[1][1])
            mp3 = rendered.mp3
            truncated = self._take("truncate")
            if truncated:  # stops early, then ends the turn as if it were all
                self.stats.truncated += 1
                mp3 = mp3[:int(len(mp3) * self.faults.truncate_at)]
            drop = self._take("drop")
            seconds_per_byte = 8 / 48000
            pending = list(boundaries)
            for at in range(0, len(mp3), FRAME_BYTES):
                # Metadata goes out as the audio reaches it, as the service streams it.
                heard = (at + FRAME_BYTES) * seconds_per_byte
                # (the last is held back to go out with the SessionEnd entry after the audio)
                while len(pending) > 1 and pending[0][1][1] < heard:
                    await self._send_boundary(ws, request_id, *pending.pop(0), last=False)
                await ws.send_bytes(_audio_message(request_id, mp3[at:at + FRAME_BYTES]))
                if self.faults.hang == "mid":
                    await asyncio.sleep(3600)  # goes silent between two frames
                if drop:
                    self.stats.dropped += 1
                    request.transport.abort()  # the connection just goes away
                    return
            if not (truncated and self.faults.truncate_metadata == "all"):
                pending = [b for b in pending if b[1][1] < len(mp3) * seconds_per_byte]
            for i, item in enumerate(pending):
                await self._send_boundary(ws, request_id, *item, last=i == len(pending) - 1)
            await ws.send_bytes(_audio_message(request_id, b""))
            await ws.send_str(_text_message(request_id, "turn.end", "{}"))
        except (ConnectionResetError, RuntimeError):
            pass  # the client gave up (a timeout under test): nothing to answer
        finally:
            self.stats.concurrent -= 1

    async def _send_boundary(self, ws, request_id: str, kind: str, boundary, *, last: bool) -> None:
        piece, start, end = boundary
        entries = [{"Type": kind, "Data": {
            "Offset": round(start * TICKS), "Duration": round((end - start) * TICKS),
            "text": {"Text": piece, "Length": len(piece), "BoundaryType": kind}}}]
        if last:  # the service closes the session's metadata with a SessionEnd entry
            entries.append({"Type": "SessionEnd", "Data": {"Offset": round(end * TICKS)}})
        await ws.send_str(_text_message(request_id, "audio.metadata",
                                        json.dumps({"Metadata": entries}, ensure_ascii=False)))


class SilentEndpoint:
    """A TCP endpoint that accepts connections and never answers, or drips one byte of an
    HTTP answer every ``drip`` seconds without ever finishing it."""

    def __init__(self, drip: float | None = None):
        self.drip = drip
        self.port = 0
        self.connections = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}{PATH}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        answer = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n" * 1000
        try:
            for byte in answer:
                if self.drip is None:
                    await asyncio.sleep(3600)
                await asyncio.sleep(self.drip)
                writer.write(bytes([byte]))
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    def __enter__(self) -> "SilentEndpoint":
        ready = threading.Event()

        def serve() -> None:
            loop = self._loop = asyncio.new_event_loop()
            server = loop.run_until_complete(asyncio.start_server(self._serve, "127.0.0.1", 0))
            self.port = server.sockets[0].getsockname()[1]
            ready.set()
            loop.run_forever()
            server.close()
            tasks = asyncio.all_tasks(loop)
            for task in tasks:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            loop.close()

        self._thread = threading.Thread(target=serve, name="silent-endpoint", daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def __exit__(self, *exc) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
