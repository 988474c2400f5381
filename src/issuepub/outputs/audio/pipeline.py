"""The audio output's build: plan, synthesise what the cache lacks, assemble, record.

Every narrated article is planned first (script -> chunks -> cache keys). Chunks missing from
the cache are synthesised concurrently across articles (at most ``jobs`` requests at a time,
retried with exponential backoff and jitter); an article is assembled as soon as its own
chunks are in the cache, while others are still being synthesised. An article whose inputs are
unchanged since the last build (same digest, files intact) is not assembled again. An article
that fails is reported in Chinese and the others finish. The service as a whole is watched by
one ``ServiceGuard`` per build: refusals and unanswered requests across all chunks stop every
request after a small bound, throttling lowers the concurrency and honours Retry-After, and
the articles left are then reported once, with what to do.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import os
import random
import re
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ...diagnostics import environment_problem
from ...fsutil import (atomic_path, file_record, remove_stale_parts, sha256_file,
                       temp_path_for)
from ...model import Article, Issue
from ...text import shell_word
from ...diagnostics import Problem, UserError
from ..base import BuildContext, BuildOptions, OutputResult
from . import engines
from .align import silent
from .assemble import (BITRATE, LUFS_TOLERANCE, OUTPUT_RATE, PEAK_LIMIT_DBTP, TARGET_LUFS, Placed,
                       PlacedClock, encode_mp3, write_pcm)
from .cues import split_cues
from .cache import ChunkCache, chunk_key
from .chunking import Chunk, chunk_units
from .engines.base import Engine, EngineError, Synthesis
from .ffmpeg import AudioError
from .script import Unit, article_script
from .tags import tag_picture, write_tags
from .timings import Segment, render_timings
from .vtt import render_vtt

# Bump when assembly changes what an unchanged article's files would be (2: subtitles in
# short cues, cues.py): the articles are assembled again from the cache, not synthesised.
ASSEMBLY_VERSION = 2

# Pauses (seconds) put between chunks, after trimming the engine's own silence.
SENTENCE_GAP = 0.35  # between chunks of one paragraph
INTRO_GAP = 0.6  # between column, title, subtitle and byline
PARAGRAPH_GAP = 0.8
SECTION_GAP = 1.2  # before a subheading, and between the opening and the body


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4
    base_delay: float = 1.0
    max_delay: float = 20.0
    # Across the whole build (not per chunk): consecutive attempts refused at the handshake,
    # or unanswered (no connection, timeouts), after which no more requests are made.
    refusal_limit: int = 4
    unreachable_limit: int = 6
    # How long the service may keep pushing back (429/503) with nothing synthesised before
    # the build stops asking; what was finished is kept.
    throttle_patience: float = 600.0

    def delay(self, attempt: int) -> float:
        """Exponential backoff with jitter (half fixed, half random) after ``attempt`` failed."""
        cap = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return cap / 2 + random.uniform(0, cap / 2)


RETRY = RetryPolicy()


class ServiceGuard:
    """The build's view of the service as a whole: how many requests at once, when the next
    may start, and when to stop asking.

    Failures of one chunk say little; failures across the build say what the service is
    doing. Refusals (403) and unanswered requests are counted across all chunks and stop all
    requests after a small bound; throttling (429/503) halves the requests in flight and holds
    every new request until Retry-After has passed, and successes raise the concurrency again.
    """

    def __init__(self, jobs: int, policy: RetryPolicy):
        self.policy = policy
        self.most = self.limit = max(1, jobs)
        self.lowest = self.limit
        self.active = 0
        self.resume_at = 0.0  # loop time before which no request starts
        self.refused = self.unreachable = 0  # consecutive, across the build
        self.refused_total = self.throttled = 0
        self.waited = 0.0
        self.blocked_since: float | None = None
        self.successes = 0  # since the concurrency was last lowered
        self.stopped: EngineError | None = None  # raised for every request once set
        self.stop_cause: str | None = None  # the kind of failure that stopped the build
        self.asked_wait: float | None = None  # a Retry-After beyond the patience that stopped it
        self._wake = asyncio.Event()

    def _now(self) -> float:
        return asyncio.get_running_loop().time()

    def _notify(self) -> None:
        self._wake.set()
        self._wake = asyncio.Event()

    async def acquire(self) -> None:
        """Wait for a slot: fewer requests in flight than the limit, and no pause running."""
        while True:
            if self.stopped is not None:
                raise self.stopped
            wait = self.resume_at - self._now()
            if wait <= 0 and self.active < self.limit:
                self.active += 1
                return
            wake = self._wake
            try:
                await asyncio.wait_for(wake.wait(), wait if wait > 0 else None)
            except asyncio.TimeoutError:
                pass

    def release(self, outcome: EngineError | None | bool) -> None:
        """Give the slot back; ``outcome``: None succeeded, an error failed, False not counted."""
        self.active -= 1
        if outcome is None:
            self._succeeded()
        elif isinstance(outcome, EngineError):
            self._failed(outcome)
        self._notify()

    def _succeeded(self) -> None:
        self.refused = self.unreachable = 0
        self.blocked_since = None
        self.successes += 1
        if self.limit < self.most and self.successes >= 2 * self.limit:
            self.limit += 1
            self.successes = 0

    def _failed(self, error: EngineError) -> None:
        if error.kind == "refused":
            self.refused += 1
            self.refused_total += 1
            if self.refused >= self.policy.refusal_limit:
                self._stop(error)
        elif error.kind == "unreachable":
            self.unreachable += 1
            if self.unreachable >= self.policy.unreachable_limit:
                self._stop(error)
        elif error.kind == "voice":  # every chunk is in the same voice
            self._stop(error)
        elif error.kind == "throttled":
            self.throttled += 1
            now = self._now()
            self.limit = max(1, self.limit // 2)
            self.lowest = min(self.lowest, self.limit)
            self.successes = 0
            wait = error.retry_after if error.retry_after is not None else self.policy.delay(
                min(self.throttled, 8))
            if self.blocked_since is None:
                self.blocked_since = now
            if now + wait - self.blocked_since > self.policy.throttle_patience:
                if error.retry_after is not None and self.stopped is None:
                    self.asked_wait = error.retry_after
                self._stop(error)
            elif now + wait > self.resume_at:
                self.waited += now + wait - max(self.resume_at, now)
                self.resume_at = now + wait

    def _stop(self, error: EngineError) -> None:
        if self.stopped is None:
            self.stopped = EngineError(str(error), retryable=False, kind="stopped")
            self.stop_cause = error.kind


@dataclass
class ArticlePlan:
    article: Article
    stem: str  # NN-slug
    units: list[Unit]
    chunks: list[Chunk]
    placed: list[Placed]  # the chunks with their cache keys and pauses
    digest: str

    @property
    def keys(self) -> list[str]:
        return [p.key for p in self.placed]


@dataclass
class Stats:
    hits: int = 0
    misses: int = 0
    retries: int = 0
    engine_seconds: float = 0.0
    built: int = 0
    reused: int = 0
    failed: int = 0


def _gap(previous: Unit, unit: Unit, same_unit: bool) -> float:
    if same_unit:
        return SENTENCE_GAP
    if unit.kind == "intro":
        return INTRO_GAP
    if unit.kind == "heading" or previous.kind == "intro":
        return SECTION_GAP
    return PARAGRAPH_GAP


def plan_article(issue: Issue, article: Article, engine: Engine,
                 picture: bytes | None = None) -> ArticlePlan:
    """What the article's files will be made of; ``picture`` is the cover its MP3 carries."""
    units = article_script(article, pronunciations=issue.audio.pronunciations, latin=engine.latin)
    chunks = chunk_units(units, engine.max_chunk_bytes)
    identity = engine.identity()
    keys = [chunk_key(identity, c.text) for c in chunks]
    placed = []
    for i, (chunk, key) in enumerate(zip(chunks, keys)):
        gap = 0.0 if i == 0 else _gap(units[chunks[i - 1].unit], units[chunk.unit],
                                      chunks[i - 1].unit == chunk.unit)
        placed.append(Placed(key, chunk.text, chunk.spans(), gap))
    digest_input = {
        "assembly": ASSEMBLY_VERSION, "engine": identity,
        "placed": [[p.key, p.spans, p.gap_before] for p in placed],
        "sentences": [[u.target, u.block, [[s.index, s.text, s.spoken] for s in u.sentences]]
                      for u in units],
        "tags": [article.title, article.subtitle, article.author, article.credit, article.number,
                 len(issue.articles), issue.title, issue.date.isoformat(),
                 issue.magazine.publisher, issue.article_url(article) if issue.audio.base_url else "",
                 hashlib.sha256(picture).hexdigest() if picture else None],
        "loudness": [TARGET_LUFS, PEAK_LIMIT_DBTP, BITRATE, OUTPUT_RATE],
    }
    digest = hashlib.sha256(json.dumps(digest_input, ensure_ascii=False).encode()).hexdigest()
    return ArticlePlan(article, f"{article.number:02d}-{article.slug}", units, chunks, placed,
                       digest)


def _reusable(previous: dict[str, Any] | None, plan: ArticlePlan, out_dir: Path) -> bool:
    """True when last build's files for this article are intact and made from the same inputs."""
    if not previous or previous.get("digest") != plan.digest:
        return False
    for rec in (previous, previous.get("subtitles") or {}, previous.get("timings") or {}):
        path = out_dir / str(rec.get("path", ""))
        if not rec.get("path") or not path.is_file() or path.stat().st_size != rec.get("size"):
            return False
        if sha256_file(path) != rec.get("sha256"):
            return False
    return True


async def synthesize(engine: Engine, text: str, guard: ServiceGuard, stats: Stats) -> Synthesis:
    """One chunk, retried with backoff; a slot is held only while a request is in flight.

    Throttled attempts do not use up the chunk's attempts (the guard bounds how long the
    service may push back); a stopped guard ends every chunk still waiting.
    """
    policy = guard.policy
    attempt = 0
    while True:
        await guard.acquire()
        try:
            synthesis = await engine.synthesize(text)
        except EngineError as error:
            guard.release(error)
            last = error
        except BaseException:
            guard.release(False)
            raise
        else:
            guard.release(None)
            return synthesis
        if guard.stopped is not None:
            raise guard.stopped
        if last.kind != "throttled":  # the guard holds the next attempt until Retry-After
            attempt += 1
            if not last.retryable or attempt >= policy.attempts:
                raise EngineError(f"{last}（已尝试 {attempt} 次）", retryable=False, kind=last.kind)
            await asyncio.sleep(policy.delay(attempt))
        stats.retries += 1


class ChunkSupply:
    """Gets chunks into the cache: each key synthesised at most once, ``jobs`` at a time."""

    def __init__(self, engine: Engine, cache: ChunkCache, jobs: int, stats: Stats,
                 policy: RetryPolicy | None = None):
        self.engine, self.cache, self.stats = engine, cache, stats
        self.guard = ServiceGuard(jobs * engine.requests_per_job, policy or RETRY)
        self._inflight: dict[str, asyncio.Future] = {}

    def ensure(self, key: str, text: str) -> asyncio.Future:
        """A future done when ``key`` is in the cache (failing with the engine's error)."""
        if key not in self._inflight:
            self._inflight[key] = asyncio.ensure_future(self._obtain(key, text))
        return self._inflight[key]

    async def _obtain(self, key: str, text: str) -> None:
        # Each entry is verified (and a damaged one removed) before assembly needs it, so a
        # build heals every damaged entry it meets at once.
        # (A missing entry is known at once, which keeps requests in reading order.)
        if self.cache.path(key).is_file() and await asyncio.to_thread(self.cache.has, key):
            self.stats.hits += 1
            return
        synthesis = await synthesize(self.engine, text, self.guard, self.stats)
        self.stats.misses += 1
        self.stats.engine_seconds += synthesis.engine_seconds
        await asyncio.to_thread(self.cache.put, key, text, synthesis)


def _segments(plan: ArticlePlan, times: list[list[tuple[float, float]]]) -> list[Segment]:
    spans: dict[tuple[int, int], list[float]] = {}
    for chunk, chunk_times in zip(plan.chunks, times):
        for piece, (start, end) in zip(chunk.pieces, chunk_times):
            got = spans.setdefault((chunk.unit, piece.sentence), [start, end])
            got[0], got[1] = min(got[0], start), max(got[1], end)
    out = []
    for u, unit in enumerate(plan.units):
        for s, sentence in enumerate(unit.sentences):
            if (u, s) in spans:
                start, end = spans[(u, s)]
                out.append(Segment(unit.target, unit.block, sentence.index, sentence.text,
                                   sentence.spoken, start, end))
    return out


def _cues(plan: ArticlePlan, clocks: list[PlacedClock],
          segments: list[Segment]) -> list[tuple[float, float, str]]:
    """The subtitle cues: each sentence cut into short cues (cues.py), timed by the marks of
    the chunks its spoken text went into; a cue lasts until the next cue of its sentence
    starts, the last one until the sentence ends."""
    # Where each sentence's spoken text went: ([start, end) in the sentence, chunk, offset in chunk).
    parts: dict[tuple[int, int], list[tuple[int, int, int, int]]] = {}
    for c, chunk in enumerate(plan.chunks):
        for piece, (start, end) in zip(chunk.pieces, chunk.spans()):
            placed = parts.setdefault((chunk.unit, piece.sentence), [])
            at = placed[-1][1] if placed else 0
            placed.append((at, at + end - start, c, start))
    ends = {(s.target, s.block, s.sentence): s.end for s in segments}
    cues: list[tuple[float, float, str]] = []
    for u, unit in enumerate(plan.units):
        for s, sentence in enumerate(unit.sentences):
            placed = parts.get((u, s))
            if not placed:
                continue

            def times(j0: int, j1: int, placed=placed, spoken=sentence.spoken) -> tuple[float, float]:
                got = []
                for p0, p1, c, local in placed:
                    a, b = max(j0, p0), min(j1, p1)
                    if a < b or (j0 == j1 and p0 <= j0 <= p1):
                        got.append((silent(spoken[a:b]), clocks[c].span(local + a - p0, local + b - p0)))
                heard = [t for quiet, t in got if not quiet] or [t for _, t in got]
                return min(t[0] for t in heard), max(t[1] for t in heard)

            pieces = split_cues(sentence.text, sentence.spoken, times)
            starts = [times(p.spoken_start, p.spoken_end)[0] for p in pieces]
            last = ends.get((unit.target, unit.block, sentence.index))
            for k, piece in enumerate(pieces):
                start = max(starts[k], cues[-1][1] if cues else 0.0)
                end = starts[k + 1] if k + 1 < len(pieces) else (last if last is not None else
                                                                  times(piece.spoken_start, piece.spoken_end)[1])
                cues.append((start, max(start, end), piece.text))
    return cues


def assemble_article(ctx: BuildContext, plan: ArticlePlan, engine: Engine,
                     cache: ChunkCache, picture: bytes | None = None) -> dict[str, Any]:
    """Write the article's MP3, VTT and timings; return its manifest record."""
    audio_dir = ctx.out_dir / "audio"
    audio_dir.mkdir(parents=True, exist_ok=True)
    mp3 = audio_dir / f"{plan.stem}.mp3"
    raw = temp_path_for(audio_dir / f"{plan.stem}.pcm")  # unique to this process

    def load(key: str) -> Synthesis:
        synthesis = cache.get(key)
        if synthesis is None:
            raise AudioError("合成缓存中的片段丢失或损坏（损坏的已删除），再构建一次即可重新合成。")
        return synthesis

    vtt = audio_dir / f"{plan.stem}.vtt"
    timings = audio_dir / f"{plan.stem}.timings.json"
    try:
        clocks, _ = write_pcm(plan.placed, load, engine.sample_rate, raw)
        times = [[clock.span(*span) for span in part.spans]
                 for clock, part in zip(clocks, plan.placed)]
        # The three files are written under temporary names and renamed only once all are
        # complete: a failure (a full disk) leaves the earlier MP3, VTT and timings together.
        with atomic_path(mp3) as tmp, atomic_path(vtt) as tmp_vtt, atomic_path(timings) as tmp_timings:
            loudness = encode_mp3(raw, engine.sample_rate, tmp)
            if abs(loudness.integrated - TARGET_LUFS) > 2 * LUFS_TOLERANCE or \
                    loudness.true_peak > PEAK_LIMIT_DBTP:
                raise AudioError(f"响度未能达到 {TARGET_LUFS} LUFS / {PEAK_LIMIT_DBTP} dBTP"
                                 f"（实测 {loudness.integrated} LUFS，{loudness.true_peak} dBTP）")
            write_tags(tmp, ctx.issue, plan.article, engine=engine.name,
                       engine_version=engine.version, voice=engine.voice, final=engine.final,
                       picture=picture)
            duration = loudness.duration
            # No cue may outlast the file (the PCM and the decoded MP3 differ by at most a frame).
            segments = [replace(s, start=min(s.start, duration), end=min(s.end, duration))
                        for s in _segments(plan, times)]
            cues = [(min(a, duration), min(b, duration), text)
                    for a, b, text in _cues(plan, clocks, segments)]
            tmp_vtt.write_bytes(render_vtt(cues, title=plan.article.title).encode("utf-8"))
            tmp_timings.write_bytes(render_timings(plan.article.slug, duration, segments).encode("utf-8"))
    finally:
        raw.unlink(missing_ok=True)
    return {
        **file_record(mp3, ctx.out_dir),
        "duration": round(duration, 3),
        "engine": engine.name,
        "engine_version": engine.version,
        "voice": engine.voice,
        "final": engine.final,
        "loudness_lufs": loudness.integrated,
        "true_peak_dbtp": loudness.true_peak,
        "subtitles": file_record(vtt, ctx.out_dir),
        "timings": file_record(timings, ctx.out_dir),
        "chunks": len(plan.chunks),
        "digest": plan.digest,
    }


def _failure(article: Article, reason: object) -> str:
    code = "[A013] " if getattr(reason, "kind", None) == "incomplete" else ""
    return f"《{article.title}》（第 {article.number} 篇）朗读音频生成失败：{code}{reason}"


def _duration(seconds: float) -> str:
    """A wait for people: '45 秒', '约 60 分钟'."""
    if seconds < 120:
        return f"{seconds:.0f} 秒"
    return f"约 {math.ceil(seconds / 60)} 分钟"


def _upgrade_command() -> str:
    return f"{shell_word(sys.executable)} -m pip install --upgrade edge-tts"


def stopped_report(guard: ServiceGuard, articles: list[Article], finished: int) -> str:
    """One message for every article left when the build stopped asking the service."""
    names = "、".join(f"《{a.title}》" for a in articles)
    left = f"{len(articles)} 篇没有生成朗读音频：{names}。"
    kept = f"已完成的 {finished} 篇已保留，" if finished else ""
    cause = guard.stop_cause
    if cause == "voice":
        return (f"[A014] {guard.stopped}，已停止请求；{left}{kept}请把 issue.toml 的 [audio] voice "
                f"改成仍提供的声音后再构建（issuepub check 期刊文件夹 --tts edge 可先确认）。")
    if cause == "refused":
        return (f"[A010] 语音服务接连 {guard.refused_total} 次拒绝连接（HTTP 403），已停止全部请求；"
                f"{left}微软更换令牌（Sec-MS-GEC）的算法后只有新版 edge-tts 能连上，请升级："
                f"{_upgrade_command()}；令牌按时间生成，也请核对本机时钟（date -u 与标准时间相差不能超过"
                f"几分钟，可用 timedatectl set-ntp true 开启自动校时）。{kept}然后再运行同一构建命令。")
    if cause == "throttled" and guard.asked_wait is not None:
        return (f"[A011] 语音服务限流（HTTP 429/503），要求 {_duration(guard.asked_wait)}后再试（Retry-After），"
                f"超过了构建最多等待的 {guard.policy.throttle_patience:.0f} 秒，已停止请求；{left}{kept}"
                f"请到那时再运行同一构建命令（已合成的片段都在缓存中），或加 --jobs 1 减少并发。")
    if cause == "throttled":
        return (f"[A011] 语音服务持续限流（HTTP 429/503），{guard.policy.throttle_patience:.0f} 秒内"
                f"没有合成出任何片段，已停止请求；{left}{kept}请过一段时间再运行同一构建命令"
                f"（已合成的片段都在缓存中），或加 --jobs 1 减少并发。")
    return (f"[A012] 语音服务接连 {guard.policy.unreachable_limit} 次没有应答（{guard.stopped}），"
            f"已停止请求；{left}{kept}请检查网络和代理能否访问 speech.platform.bing.com，然后再构建。")


def _toml_line(path: Path, section: str, key: str) -> int | None:
    """The line ``key`` is set on in ``[section]`` of issue.toml, for messages."""
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except OSError:
        return None
    inside = False
    for number, line in enumerate(lines, 1):
        header = re.match(r"^\s*\[([^\[\]]+)\]\s*(#.*)?$", line)
        if header:
            inside = header.group(1).strip() == section
        elif inside and re.match(rf"^\s*{re.escape(key)}\s*=", line):
            return number
    return None


def voice_problems(issue: Issue, options: BuildOptions) -> list[Problem]:
    """Whether the engine still offers ``[audio] voice`` (edge: from edge-tts's voice list)."""
    try:
        engine = engines.create(issue.audio, options)
    except EngineError:
        return []  # bad voice settings are the sources check's (S030)
    toml = issue.root / "issue.toml"
    line = _toml_line(toml, "audio", "voice")

    async def ask():
        await engine.start(1)
        try:
            return await engine.check_voice()
        finally:
            await engine.close()

    try:
        check = asyncio.run(ask())
    except EngineError as error:
        # A refusal (403) is not a missing network: the client or the clock needs fixing.
        fix = (f"微软更换令牌算法后只有新版 edge-tts 能连上，请升级：{_upgrade_command()}；"
               f"也请核对本机时钟（令牌按时间生成）。然后再运行 issuepub check 期刊文件夹 --tts edge。"
               if error.kind == "refused" else
               "联网后再运行 issuepub check 期刊文件夹 --tts edge；若声音已停用，构建时也会报告。")
        return [Problem("A002", toml, line,
                        f"无法取得语音服务的声音列表（{error}），未能确认声音“{engine.voice}”仍然提供。",
                        fix, severity="warning")]
    if check is None or check.offered:
        return []
    near = "、".join(check.alternatives)
    fix = (f"把 [audio] voice 改成仍提供的相近声音，例如 {near}（同一地区、同一性别的排在前面）。"
           if near else "语音服务已没有同一语言的声音，请另选 [audio] voice。")
    return [Problem("A001", toml, line,
                    f"语音服务已不提供 [audio] voice 设置的声音“{check.voice}”（按 edge-tts 的声音列表）。",
                    fix)]


_OWN_FILE = re.compile(r"^\d{2,}-.+\.(?:mp3|vtt|timings\.json)$")


def _clean_audio_dir(audio_dir: Path, keep: set[str]) -> None:
    """Remove leftovers of interrupted builds and files of articles no longer narrated."""
    if not audio_dir.is_dir():
        return
    for path in audio_dir.iterdir():
        if path.name.startswith(".") and path.name.endswith(".part"):
            path.unlink(missing_ok=True)
        elif _OWN_FILE.match(path.name) and path.name not in keep:
            path.unlink(missing_ok=True)


async def run(ctx: BuildContext) -> OutputResult:
    issue = ctx.issue
    result = OutputResult()
    try:
        engine = engines.create(issue.audio, ctx.options)
    except EngineError as error:
        result.failures.append(f"朗读音频未生成：{error}")
        return result
    jobs = max(1, ctx.options.jobs or engine.default_jobs())
    cache_dir = ctx.out_dir.parent / ".cache" / "tts"
    cache = ChunkCache(cache_dir)
    audio_dir = ctx.out_dir / "audio"
    # Temporary cache files a killed build left behind (the audio folder's are cleaned at the end).
    # The cache is shared by every issue built into this root: only dead writers' files go.
    for shard in (cache_dir.iterdir() if cache_dir.is_dir() else ()):
        remove_stale_parts(shard, locked=False, recursive=False)

    previous = {rec.get("slug"): rec.get("audio") for rec in ctx.manifest.get("articles", [])}
    narrated = [a for a in issue.articles if a.narrate]
    picture = await asyncio.to_thread(tag_picture, issue) if narrated else None
    plans = [plan_article(issue, a, engine, picture) for a in narrated]
    unchanged = await asyncio.to_thread(
        lambda: {p.article.slug for p in plans if _reusable(previous.get(p.article.slug), p, ctx.out_dir)})
    stats = Stats()
    supply = ChunkSupply(engine, cache, jobs, stats)
    stopped: list[Article] = []  # left when the build stopped asking the service
    assembly = asyncio.Semaphore(max(1, os.cpu_count() or 1))
    done = 0

    async def process(plan: ArticlePlan) -> None:
        nonlocal done
        article = plan.article
        try:
            if article.slug in unchanged:
                result.articles[article.slug] = previous[article.slug]
                stats.reused += 1
                note = "（未变化，沿用）"
            else:
                # Chunks are requested in reading order, so articles finish one after another.
                outcomes = await asyncio.gather(
                    *(supply.ensure(p.key, p.text) for p in plan.placed),
                    return_exceptions=True)
                errors = [o for o in outcomes if isinstance(o, BaseException)]
                if errors:
                    raise errors[0]
                async with assembly:
                    record = await asyncio.to_thread(assemble_article, ctx, plan, engine, cache,
                                                   picture)
                result.articles[article.slug] = record
                stats.built += 1
                note = f"（{record['duration']:.0f} 秒）"
            done += 1
            ctx.progress(f"朗读音频 {done}/{len(plans)}：《{article.title}》{note}")
        except Exception as error:  # one article's failure must not stop the others
            stats.failed += 1
            kind = getattr(error, "kind", None)
            if kind in ("stopped", "voice"):
                stopped.append(article)
                return
            reason = error if isinstance(error, (EngineError, AudioError)) else \
                f"{type(error).__name__}: {error}"
            if isinstance(error, OSError) and error.errno is not None:  # full disk, permissions
                fault = environment_problem(error)
                reason = f"[{fault.code}] {fault.message}（{fault.file or audio_dir}）{fault.fix}"
            result.failures.append(_failure(article, reason))

    await engine.start(jobs)
    try:
        await asyncio.gather(*(process(p) for p in plans))
    finally:
        await engine.close()

    # Files still described by a record: this build's, or the last one's for articles not
    # built now (failed, or no longer narrated: the build keeps their old audio records).
    keep: set[str] = set()
    for record in {**previous, **result.articles}.values():
        record = record or {}
        for rec in (record, record.get("subtitles") or {}, record.get("timings") or {}):
            if rec.get("path"):
                keep.add(Path(rec["path"]).name)
    _clean_audio_dir(audio_dir, keep)

    # Failures of the service as a whole are reported once, with what to do, not per article.
    if stopped:
        stopped.sort(key=lambda a: a.number)
        result.failures.append(stopped_report(supply.guard, stopped, stats.built + stats.reused))
    result.failures.sort()
    result.record = {
        "engine": engine.name,
        "engine_version": engine.version,
        "voice": engine.voice,
        "final": engine.final,
        "settings": {
            "rate": issue.audio.rate, "volume": issue.audio.volume, "pitch": issue.audio.pitch,
            "pronunciations": len(issue.audio.pronunciations),
            "loudness_lufs": TARGET_LUFS, "true_peak_dbtp": PEAK_LIMIT_DBTP,
            "bitrate": BITRATE, "sample_rate": OUTPUT_RATE,
        },
        "counts": {"narrated": len(plans), "chunks": len({k for p in plans for k in p.keys})},
        "cache": {"path": os.path.relpath(cache_dir, ctx.out_dir)},
    }
    result.run = {
        "jobs": jobs,
        "counts": {"built": stats.built, "reused": stats.reused, "failed": stats.failed},
        "cache": {"hits": stats.hits, "misses": stats.misses, "retries": stats.retries},
        "service": {"refused": supply.guard.refused_total, "throttled": supply.guard.throttled,
                    "waited_seconds": round(supply.guard.waited, 3),
                    "lowest_concurrency": supply.guard.lowest,
                    "stopped": supply.guard.stop_cause},
        "engine_seconds": round(stats.engine_seconds, 3),
    }
    proof = "" if engine.final else "，离线试听版，非正式音频"
    result.summary.append(
        f"朗读音频：{stats.built + stats.reused}/{len(plans)} 篇 MP3（{engine.name} {engine.version}，"
        f"{engine.voice}{proof}），合成 {stats.misses} 段、缓存命中 {stats.hits} 段 → {audio_dir}")
    return result


def _fewer_malloc_arenas() -> None:
    """Let glibc keep at most two malloc arenas in this process.

    Assembly runs in threads, and glibc gives each thread its own arena that keeps what the
    thread freed (chunk audio, pydub's copies). On the real issue bench/bench_audio.py measured
    the whole build at 284 MB with the default and 205 MB with two.
    """
    try:
        import ctypes

        ctypes.CDLL(None).mallopt(-8, 2)  # M_ARENA_MAX
    except (OSError, AttributeError):
        pass  # not glibc: nothing to tune


def check(ctx: BuildContext) -> None:
    """Before any work: an engine's voice that is no longer offered stops the build (A001)."""
    problems = voice_problems(ctx.issue, ctx.options)
    for problem in problems:
        if problem.severity != "error":
            ctx.progress(problem.format())
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise UserError(errors)


def build(ctx: BuildContext) -> OutputResult:
    _fewer_malloc_arenas()
    return asyncio.run(run(ctx))
