"""The audio output's build: plan, synthesise what the cache lacks, assemble, record.

Every narrated article is planned first (script -> chunks -> cache keys). Chunks missing from
the cache are synthesised concurrently across articles (``jobs`` requests at a time, retried
with exponential backoff and jitter); an article is assembled as soon as its own chunks are
in the cache, while others are still being synthesised. An article whose inputs are unchanged
since the last build (same digest, files intact) is not assembled again. An article that
fails is reported in Chinese and the others finish.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import random
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ...diagnostics import environment_problem
from ...fsutil import (atomic_path, atomic_write_text, file_record, remove_stale_parts, sha256_file,
                       temp_path_for)
from ...model import Article, Issue
from ..base import BuildContext, OutputResult
from . import engines
from .assemble import (BITRATE, LUFS_TOLERANCE, OUTPUT_RATE, PEAK_LIMIT_DBTP, TARGET_LUFS, Placed,
                       encode_mp3, write_pcm)
from .cache import ChunkCache, chunk_key
from .chunking import Chunk, chunk_units
from .engines.base import Engine, EngineError, Synthesis
from .ffmpeg import AudioError
from .script import Unit, article_script
from .tags import tag_picture, write_tags
from .timings import Segment, render_timings
from .vtt import render_vtt

ASSEMBLY_VERSION = 1  # bump when assembly changes what an unchanged article's files would be

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

    def delay(self, attempt: int) -> float:
        """Exponential backoff with jitter (half fixed, half random) after ``attempt`` failed."""
        cap = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return cap / 2 + random.uniform(0, cap / 2)


RETRY = RetryPolicy()


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


async def synthesize(engine: Engine, text: str, slots: asyncio.Semaphore, stats: Stats,
                     policy: RetryPolicy | None = None) -> Synthesis:
    """One chunk, retried with backoff; a slot is held only while a request is in flight."""
    policy = policy or RETRY
    last: EngineError | None = None
    attempt = 0
    for attempt in range(1, policy.attempts + 1):
        async with slots:
            try:
                return await engine.synthesize(text)
            except EngineError as error:
                last = error
        if not last.retryable or attempt == policy.attempts:
            break
        stats.retries += 1
        await asyncio.sleep(policy.delay(attempt))
    raise EngineError(f"{last}（已尝试 {attempt} 次）", retryable=False)


class ChunkSupply:
    """Gets chunks into the cache: each key synthesised at most once, ``jobs`` at a time."""

    def __init__(self, engine: Engine, cache: ChunkCache, jobs: int, stats: Stats):
        self.engine, self.cache, self.stats = engine, cache, stats
        self.slots = asyncio.Semaphore(jobs * engine.requests_per_job)
        self._inflight: dict[str, asyncio.Future] = {}

    def ensure(self, key: str, text: str) -> asyncio.Future:
        """A future done when ``key`` is in the cache (failing with the engine's error)."""
        if key not in self._inflight:
            self._inflight[key] = asyncio.ensure_future(self._obtain(key, text))
        return self._inflight[key]

    async def _obtain(self, key: str, text: str) -> None:
        if self.cache.has(key):
            self.stats.hits += 1
            return
        synthesis = await synthesize(self.engine, text, self.slots, self.stats)
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

    try:
        times, _ = write_pcm(plan.placed, load, engine.sample_rate, raw)
        with atomic_path(mp3) as tmp:
            loudness = encode_mp3(raw, engine.sample_rate, tmp)
            if abs(loudness.integrated - TARGET_LUFS) > 2 * LUFS_TOLERANCE or \
                    loudness.true_peak > PEAK_LIMIT_DBTP:
                raise AudioError(f"响度未能达到 {TARGET_LUFS} LUFS / {PEAK_LIMIT_DBTP} dBTP"
                                 f"（实测 {loudness.integrated} LUFS，{loudness.true_peak} dBTP）")
            write_tags(tmp, ctx.issue, plan.article, engine=engine.name,
                       engine_version=engine.version, voice=engine.voice, final=engine.final,
                       picture=picture)
    finally:
        raw.unlink(missing_ok=True)
    duration = loudness.duration
    # No cue may outlast the file (the PCM and the decoded MP3 differ by at most a frame).
    segments = [replace(s, start=min(s.start, duration), end=min(s.end, duration))
                for s in _segments(plan, times)]
    vtt = audio_dir / f"{plan.stem}.vtt"
    atomic_write_text(vtt, render_vtt([(s.start, s.end, s.text) for s in segments],
                                      title=plan.article.title))
    timings = audio_dir / f"{plan.stem}.timings.json"
    atomic_write_text(timings, render_timings(plan.article.slug, duration, segments))
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
    return f"《{article.title}》（第 {article.number} 篇）朗读音频生成失败：{reason}"


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
            reason = error if isinstance(error, (EngineError, AudioError)) else \
                f"{type(error).__name__}: {error}"
            if isinstance(error, OSError) and error.errno is not None:  # full disk, permissions
                fault = environment_problem(error)
                reason = f"[{fault.code}] {fault.message}（{fault.file}）{fault.fix}"
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


def build(ctx: BuildContext) -> OutputResult:
    _fewer_malloc_arenas()
    return asyncio.run(run(ctx))
