"""Offline engine: libespeak-ng 1.52 from PyPI ``espeakng-loader``, driven through ctypes.

The Mandarin voice ``cmn`` synthesises into memory with the synchronous callback; its word
events give the timings. libespeak-ng is one non-thread-safe instance per process, so the
engine runs it in worker processes (one per job) and a lock guards it inside a process.
Its audio is a proof for editors, never the production narration (``final = False``).
"""

from __future__ import annotations

import asyncio
import collections
import ctypes
import functools
import json
import os
import re
import signal
import struct
import sys
import threading
import time
from typing import ClassVar

from ..normalize import LatinMode
from .base import Engine, EngineError, Mark, Synthesis

VOICE = "cmn"
DEFAULT_RATE_WPM = 175
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_EVENT_WORD = 1
_CHARS_UTF8 = 1
_PHONEMES = 0x100  # text within [[ ]] is phoneme mnemonics
_PARAM_RATE, _PARAM_VOLUME, _PARAM_PITCH = 1, 2, 3

# espeak-ng 1.52's cmn dictionary lacks the finals of xiong, qiong and jiong (and the erhua
# suffix r5): characters read with them fall back to English letter-by-letter (英雄 ->
# "(en)kʃəŋtuː"). Such characters are given to espeak as Mandarin phonemes instead; the
# table is every character the dictionary maps to those syllables.
_MISSING_SYLLABLES = {
    ("xiong", 1): "兄兇凶匈哅忷恟汹洶胷胸訩詾讻賯㐫",
    ("xiong", 2): "熊赨雄䧺",
    ("xiong", 4): "夐敻詗诇",
    ("qiong", 1): "匔焪芎",
    ("qiong", 2): "儝卭宆惸桏棾橩焭煢琼瓊睘瞏穷穹窮竆笻筇茕藑藭蛩赹跫輁邛銎㒌㧭㮪㷀㼇䅃䆳䊄䓖䛪䠻",
    ("jiong", 1): "冂冋坰埛扃蘏蘔駫",
    ("jiong", 3): "侰僒冏囧幜泂炯烱煚煛熲皛窘絅綗褧迥逈顈颎駉㓏㖥㢠㤯㷗㷡䌹䐃䢛",
    ("jiong", 4): "澃㑋",
}
_ONSETS = {"xiong": "S;j'ong", "qiong": "tS;hj'ong", "jiong": "tS;j'ong"}
_TONES = {1: "55", 2: "35", 3: "214", 4: "51"}
RESPELLINGS: dict[str, str] = {
    char: f"[[{_ONSETS[syllable]}{_TONES[tone]}]]"
    for (syllable, tone), chars in _MISSING_SYLLABLES.items() for char in chars
}
# Erhua words (哪儿, 大伙儿) hit the missing r5; 而 has exactly the sound of 儿 as a syllable.
RESPELLINGS.update({"儿": "而", "兒": "而"})
RESPELL_REVISION = 2  # bump when respell() changes (2: long clauses broken): part of the cache key
# Bump when the way a chunk is synthesised changes its audio (3: every chunk from one pinned
# espeak state, see Espeak.pin_state); part of the cache key.
SYNTHESIS_REVISION = 3


# libespeak-ng 1.52 silently leaves out words of a clause longer than about 200 characters
# (measured: 200, 220 and 250 Chinese characters without punctuation all gave the audio and
# marks of the first 199). A comma is therefore put into any run longer than this.
MAX_CLAUSE_CHARS = 120
_CLAUSE_BREAKS = set("，。！？；：、,.!?;:\n")
_HAN_CHAR = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def respell(text: str) -> tuple[str, list[int]]:
    """The text as given to espeak, and for each of its characters the index in ``text``."""
    out: list[str] = []
    index: list[int] = []
    run = 0  # characters since the last clause break
    for i, char in enumerate(text):
        run = 0 if char in _CLAUSE_BREAKS else run + 1
        if run > MAX_CLAUSE_CHARS and i and _HAN_CHAR.match(char) and _HAN_CHAR.match(text[i - 1]):
            out.append("，")
            index.append(i - 1)
            run = 1
        piece = RESPELLINGS.get(char, char)
        out.append(piece)
        index.extend([i] * len(piece))
    return "".join(out), index


# libespeak-ng 1.52's static variables that carry synthesis state from one utterance to the
# next (found by comparing its .data and .bss before and after utterances). Only plain values
# and buffers that every utterance rebuilds are listed; pointers to its heap are not touched.
# Function statics carry a numeric suffix in the symbol table (Flutter_ix.5965): matched by
# the name before it. tests/test_audio_example.py checks that this list is enough.
STATE_VARIABLES = frozenset("""
    Flutter_ix amp_inc amp_ix amplitude2 any_stressed_words cbytes clause_start_char
    clause_start_word count_characters count_samples count_sentences count_words cycle_count
    cycle_samples echo_buf echo_complete echo_head echo_tail h_switch_sign harm_inc harmspect
    hf_factor hspect hswitch ix last_amp_cmd last_pitch_cmd maxh maxh2 modulation_type
    n_ph_list2 peak_harmonic peak_height phaseinc phoneme_tab_number pre_pause
    samplecount_start sourceix speak_missing_thousands syllable_end syllable_start wcmdq_head
    wcmdq_tail wdata word_count
""".split())


def _elf_objects(path: str) -> dict[str, list[tuple[int, int]]]:
    """Data symbols of an ELF64 little-endian shared library: name -> [(offset, size)]."""
    with open(path, "rb") as fh:
        data = fh.read()
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise ValueError("not an ELF64 little-endian file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    symtab = next((sh for sh in sections if sh[1] == 2), None)  # SHT_SYMTAB
    if symtab is None:
        raise ValueError("no symbol table (stripped library)")
    strtab = sections[symtab[6]]
    objects: dict[str, list[tuple[int, int]]] = {}
    for offset in range(symtab[4], symtab[4] + symtab[5], 24):
        name_at, info, _, shndx, value, size = struct.unpack_from("<IBBHQQ", data, offset)
        if info & 0xF != 1 or not size or shndx == 0:  # STT_OBJECT, defined
            continue
        start = strtab[4] + name_at
        name = data[start:data.index(b"\0", start)].decode("ascii", "replace")
        objects.setdefault(name.split(".")[0], []).append((value, size))
    return objects


def _load_address(path: str) -> int:
    real = os.path.realpath(path)
    with open("/proc/self/maps", encoding="utf-8", errors="replace") as fh:
        starts = [int(line.split("-", 1)[0], 16) for line in fh if line.rstrip().endswith(real)]
    if not starts:
        raise ValueError("library not mapped")
    return min(starts)


def state_regions(path: str) -> list[tuple[int, int]]:
    """(address, size) in this process of every variable in ``STATE_VARIABLES``."""
    objects = _elf_objects(path)
    missing = STATE_VARIABLES - objects.keys()
    if missing:
        raise KeyError(", ".join(sorted(missing)))
    base = _load_address(path)
    return [(base + offset, size) for name in sorted(STATE_VARIABLES) for offset, size in objects[name]]


@functools.lru_cache(maxsize=1)
def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None)  # the process's C library, whose rand() libespeak-ng calls


class _EventId(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int), ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int), ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int), ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p), ("id", _EventId),
    ]


_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int,
                             ctypes.POINTER(_Event))


def _load_library() -> ctypes.CDLL:
    import espeakng_loader

    lib = ctypes.CDLL(espeakng_loader.get_library_path())
    lib.espeak_Info.restype = ctypes.c_char_p
    lib.espeak_Info.argtypes = [ctypes.c_void_p]
    lib.espeak_Initialize.restype = ctypes.c_int
    lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    lib.espeak_SetSynthCallback.argtypes = [_CALLBACK]
    lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
    lib.espeak_Synth.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
                                 ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
    lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
    lib.espeak_TextToPhonemes.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_int, ctypes.c_int]
    return lib


def library_version() -> str:
    return _load_library().espeak_Info(None).decode()


class Espeak:
    """This process's libespeak-ng with the cmn voice (use ``Espeak.get()``)."""

    _instance: ClassVar["Espeak | None"] = None
    _create_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self) -> None:
        import espeakng_loader

        self.lock = threading.Lock()
        self.lib = _load_library()
        self.sample_rate = self.lib.espeak_Initialize(
            _AUDIO_OUTPUT_SYNCHRONOUS, 0, espeakng_loader.get_data_path().encode(), 0)
        if self.sample_rate <= 0:
            raise EngineError("离线语音引擎 espeak-ng 初始化失败。", retryable=False)
        if self.lib.espeak_SetVoiceByName(VOICE.encode()) != 0:
            raise EngineError(f"离线语音引擎找不到普通话语音 {VOICE}。", retryable=False)
        self.version = self.lib.espeak_Info(None).decode()
        self._pcm = bytearray()
        self._events: list[tuple[int, int, int]] = []
        self._pinned: list[tuple[int, bytes]] = []  # see pin_state
        self._callback = _CALLBACK(self._on_audio)  # kept referenced while the library lives
        self.lib.espeak_SetSynthCallback(self._callback)

    @classmethod
    def get(cls) -> "Espeak":
        with cls._create_lock:
            if cls._instance is None:
                cls._instance = Espeak()
            return cls._instance

    def pin_state(self) -> bool:
        """Start every later utterance from the state after one fixed utterance (``WARM_UP``).

        libespeak-ng keeps state from one utterance to the next in static variables (pitch
        flutter phase, echo buffer, wave phase, queue positions; see ``STATE_VARIABLES``), so
        the same text comes out slightly different depending on what was said before, and a
        clean build would not reproduce the last one. Their bytes are saved here and written
        back before each utterance. libc's rand(), which the library imports, is reseeded too
        (no test shows the cmn voice needing it; it costs nothing). Needs the library's symbol
        table; False when it cannot be read.
        """
        import espeakng_loader

        try:
            regions = state_regions(espeakng_loader.get_library_path())
        except (OSError, ValueError, KeyError):
            return False
        # Pinned after an utterance, never before the first: some of these variables (the
        # harmonic spectrum, the pitch envelope in wdata) point at espeak's tables only once
        # it has spoken, and writing their initial values back would break it.
        self._pinned = []
        self.synthesize(WARM_UP)
        self._pinned = [(address, ctypes.string_at(address, size)) for address, size in regions]
        return True

    def unpin_state(self) -> None:
        self._pinned = []

    def _restore_state(self) -> None:
        if self._pinned:
            for address, data in self._pinned:
                ctypes.memmove(address, data, len(data))
            _libc().srand(1)

    def _on_audio(self, wav, numsamples, events) -> int:
        if wav and numsamples > 0:
            self._pcm += ctypes.string_at(wav, numsamples * 2)
        i = 0
        while events[i].type != 0:
            e = events[i]
            if e.type == _EVENT_WORD:
                self._events.append((e.text_position, e.length, e.audio_position))
            i += 1
        return 0

    def configure(self, rate_percent: int = 0, volume_percent: int = 0, pitch_hz: int = 0) -> None:
        with self.lock:
            rate = max(80, min(450, round(DEFAULT_RATE_WPM * (1 + rate_percent / 100))))
            volume = max(0, min(200, round(100 * (1 + volume_percent / 100))))
            pitch = max(0, min(100, 50 + round(pitch_hz / 2)))
            for param, value in ((_PARAM_RATE, rate), (_PARAM_VOLUME, volume), (_PARAM_PITCH, pitch)):
                self.lib.espeak_SetParameter(param, value, 0)

    def synthesize(self, text: str) -> tuple[bytes, list[Mark], float]:
        """16-bit mono PCM at ``sample_rate``, word marks in ``text``'s offsets, engine seconds."""
        prepared, index = respell(text)
        data = prepared.encode("utf-8")
        with self.lock:
            self._pcm = bytearray()
            self._events = []
            self._restore_state()
            started = time.perf_counter()
            status = self.lib.espeak_Synth(data, len(data) + 1, 0, 1, 0,
                                           _CHARS_UTF8 | _PHONEMES, None, None)
            seconds = time.perf_counter() - started
            pcm, events = bytes(self._pcm), list(self._events)
        if status != 0:
            raise EngineError(f"离线语音引擎合成失败（错误 {status}）。")
        duration = len(pcm) / 2 / self.sample_rate
        words = sorted((ms / 1000, pos - 1, length) for pos, length, ms in events if pos >= 1)
        marks = []
        for k, (start, pos, length) in enumerate(words):
            if pos >= len(index):
                continue
            end_pos = min(pos + max(length, 1), len(index)) - 1
            end = words[k + 1][0] if k + 1 < len(words) else duration
            marks.append(Mark(index[pos], index[end_pos] + 1, start, max(start, end)))
        return pcm, marks, seconds

    def clause_phonemes(self, text: str) -> list[tuple[int, int, str]]:
        """espeak_TextToPhonemes in espeak's own mnemonics, clause by clause, each with the
        [start, end) of the text it was made from."""
        data = text.encode("utf-8")
        buf = ctypes.create_string_buffer(data)
        base = ctypes.addressof(buf)
        ptr = ctypes.c_void_p(base)
        ends, offset = {0: 0}, 0
        for i, char in enumerate(text, 1):
            offset += len(char.encode("utf-8"))
            ends[offset] = i
        out, start = [], 0
        with self.lock:
            while ptr.value:
                result = self.lib.espeak_TextToPhonemes(ctypes.byref(ptr), _CHARS_UTF8, 0)
                end = ends.get(ptr.value - base, len(text)) if ptr.value else len(text)
                out.append((start, end, (result or b"").decode("utf-8")))
                start = end
        return out

    def phonemes(self, text: str) -> str:
        """espeak_TextToPhonemes in IPA, clauses joined by ' | ' (for checks, not synthesis)."""
        buf = ctypes.create_string_buffer(text.encode("utf-8"))
        ptr = ctypes.c_void_p(ctypes.addressof(buf))
        out = []
        with self.lock:
            while ptr.value:
                result = self.lib.espeak_TextToPhonemes(ctypes.byref(ptr), _CHARS_UTF8, 0x02)
                out.append((result or b"").decode("utf-8"))
        return " | ".join(out)


# --- worker processes -------------------------------------------------------------------------
# Plain child processes speaking a small protocol on their stdin/stdout (not multiprocessing,
# which re-imports the caller's __main__). A worker exits when its stdin closes, so a killed
# build leaves none behind.


# Request: 4-byte length + the chunk's text in UTF-8. Answer: 4-byte header length, 4-byte
# PCM length, a JSON header (ok, sample_rate, seconds, marks | error), the PCM.


def _request(text: str) -> bytes:
    data = text.encode("utf-8")
    return struct.pack(">I", len(data)) + data


def _widen_pipe(fd: int) -> None:
    """Let one chunk's whole answer (~0.5 MB of PCM) sit in the pipe, so the worker goes on to
    the next request while the parent is still reading, instead of waiting on a 64 KB pipe."""
    try:
        import fcntl

        fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)
    except (ImportError, OSError):
        pass  # not Linux, or above the system's pipe-max-size: only slower


def _answer(espeak: "Espeak", text: str, stdout) -> None:
    try:
        pcm, marks, seconds = espeak.synthesize(text)
        header = {"ok": True, "sample_rate": espeak.sample_rate, "seconds": seconds,
                  "marks": [[m.start_char, m.end_char, m.start, m.end] for m in marks]}
    except EngineError as error:
        pcm, header = b"", {"ok": False, "error": str(error)}
    head = json.dumps(header, ensure_ascii=False).encode("utf-8")
    stdout.write(struct.pack(">II", len(head), len(pcm)) + head)
    stdout.write(pcm)  # not joined to the header: no copy of the audio
    stdout.flush()


def worker_main(argv: list[str]) -> int:
    """Serve synthesis requests from stdin: ``python -m …engines.offline RATE VOLUME PITCH``.

    Every chunk starts from one pinned synthesiser state (``Espeak.pin_state``), so a clean
    build reproduces the last one byte for byte whatever the order and the worker a chunk
    lands on. A library without a symbol table cannot be pinned: its audio is still right,
    only not reproducible (tests/test_audio_example.py would fail on it).
    """
    # Ctrl-C reaches the whole process group: the build stops its workers itself (it closes
    # their stdin), so a worker neither dies mid-answer nor prints a KeyboardInterrupt of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    rate, volume, pitch = (int(v) for v in argv)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    _widen_pipe(stdout.fileno())
    espeak = Espeak.get()
    espeak.configure(rate, volume, pitch)
    espeak.pin_state()
    try:
        while (text := _read_request(stdin)) is not None:
            _answer(espeak, text, stdout)
    except BrokenPipeError:
        # The build is gone (killed, or its terminal closed): nobody reads the answer, and a
        # traceback of ours would be the only thing the user sees. Python's flush at exit
        # would fail the same way, so stdout goes to /dev/null first.
        os.dup2(os.open(os.devnull, os.O_WRONLY), stdout.fileno())
    return 0


WARM_UP = "一二三四五六七八九十，这是离线语音的预热句子。"


def _read_request(stdin) -> str | None:
    prefix = stdin.read(4)
    if len(prefix) < 4:
        return None
    length, = struct.unpack(">I", prefix)
    return stdin.read(length).decode("utf-8")


class _Worker:
    """One worker process. Requests are pipelined: the next one is already waiting in the
    worker's stdin while the parent handles the previous answer, so espeak never idles."""

    def __init__(self, process: asyncio.subprocess.Process):
        self.process = process
        self.pending: collections.deque[asyncio.Future] = collections.deque()
        self.reader = asyncio.ensure_future(self._read_answers())

    async def request(self, text: str) -> tuple[dict, bytes]:
        if self.process.stdin is None or self.reader.done():
            raise EngineError("离线语音引擎的工作进程已经退出。")
        answer = asyncio.get_running_loop().create_future()
        self.pending.append(answer)  # answers come back in the order requests were written
        self.process.stdin.write(_request(text))
        try:
            await self.process.stdin.drain()
        except (OSError, RuntimeError) as error:
            raise EngineError("离线语音引擎的工作进程意外退出。") from error
        return await answer

    async def _read_answers(self) -> None:
        stdout = self.process.stdout
        assert stdout is not None
        try:
            while True:
                head_len, payload_len = struct.unpack(">II", await stdout.readexactly(8))
                header = json.loads(await stdout.readexactly(head_len))
                payload = await stdout.readexactly(payload_len) if payload_len else b""
                if self.pending:
                    answer = self.pending.popleft()
                    if not answer.done():  # cancelled (Ctrl-C, a build stopping): nobody waits
                        answer.set_result((header, payload))
        except (OSError, asyncio.IncompleteReadError, ValueError):
            pass  # the worker exited or garbled its answer
        while self.pending:
            answer = self.pending.popleft()
            if not answer.done():
                answer.set_exception(EngineError("离线语音引擎的工作进程意外退出。"))

    async def stop(self) -> None:
        if self.process.returncode is None:
            if self.process.stdin is not None:
                self.process.stdin.close()
            try:
                await asyncio.wait_for(self.process.wait(), 5)
            except asyncio.TimeoutError:
                self.process.kill()
                await self.process.wait()
        await self.reader


def _polyphones():
    # Imported when first needed: the worker processes never load pypinyin's dictionaries.
    from . import offline_polyphones

    return offline_polyphones


def _prepare_steering() -> None:
    """Learn the syllable table from this process's espeak and load pypinyin's phrase tables
    (about 0.5 s), so the first chunk is not kept waiting for them."""
    _polyphones().syllable_table(Espeak.get())
    _steer(WARM_UP)


@functools.lru_cache(maxsize=8192)
def _steer(text: str) -> tuple:
    return _polyphones().steer(Espeak.get(), text)


class OfflineEngine(Engine):
    name = "offline"
    final = False
    latin: ClassVar[LatinMode] = "spell"
    sample_rate = 22050
    # One synthesising, three queued behind it: this process steers each chunk and writes the
    # cache between answers, and with only one queued the worker ran dry whenever that took
    # longer than a short chunk's synthesis (bench/bench_audio.py: 5 points of overhead).
    requests_per_job = 4

    def __init__(self, audio) -> None:
        super().__init__(audio)
        self._version = library_version()
        self._workers: list[_Worker] = []

    @property
    def voice(self) -> str:
        return VOICE

    @property
    def version(self) -> str:
        return self._version

    def identity(self) -> dict:
        return {**super().identity(), "respell": RESPELL_REVISION, "synthesis": SYNTHESIS_REVISION,
                "polyphones": _polyphones().revision(self._version)}

    def steering(self, text: str) -> tuple[str, tuple]:
        """The text espeak is given for ``text`` (polyphones steered) and each decision.

        Worked out in this process with its own espeak instance (only its phoneme lookup is
        used, never synthesis), so the workers' pinned synthesis state is never touched and
        the review page shows exactly what the workers are sent.
        """
        return _steer(text)

    def default_jobs(self) -> int:
        return max(1, os.cpu_count() or 1)

    async def _spawn(self) -> _Worker:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", __name__,
            str(self.rate_percent), str(self.volume_percent), str(self.pitch_hz),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            limit=1 << 20,
        )
        return _Worker(process)

    async def start(self, jobs: int) -> None:
        # Steering is made ready in this process while the workers start up.
        ready = asyncio.ensure_future(asyncio.to_thread(_prepare_steering))
        self._workers = [await self._spawn() for _ in range(jobs)]
        await ready

    async def close(self) -> None:
        workers, self._workers = self._workers, []
        await asyncio.gather(*(w.stop() for w in workers))

    async def synthesize(self, text: str) -> Synthesis:
        if not self._workers:
            raise RuntimeError("OfflineEngine.start() was not called")
        for i, worker in enumerate(self._workers):
            if worker.reader.done():  # replace a worker that died; the caller retries
                self._workers[i] = await self._spawn()
        # Steered in a thread: espeak's phoneme lookup runs without the GIL, so the event loop
        # keeps the workers fed meanwhile.
        given = (await asyncio.to_thread(self.steering, text))[0]
        worker = min(self._workers, key=lambda w: len(w.pending))
        header, pcm = await worker.request(given)
        if not header.get("ok"):
            raise EngineError(header.get("error") or "离线语音引擎合成失败。")
        rate = int(header["sample_rate"])
        if rate != self.sample_rate:
            raise EngineError(f"离线语音引擎的采样率是 {rate} Hz，应为 {self.sample_rate} Hz。",
                              retryable=False)
        marks = tuple(Mark(int(a), int(b), float(s), float(e)) for a, b, s, e in header["marks"])
        return Synthesis(pcm, "pcm_s16le", rate, marks, float(header["seconds"]))


if __name__ == "__main__":
    sys.exit(worker_main(sys.argv[1:]))
