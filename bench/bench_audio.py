"""Narration speed and memory on an issue the size of the real one (tjzbsh-2024-11b).

The issue is the real one imported from the corpus text (30 articles), or the example issue's
paragraphs repeated to the same size when the corpus is absent. Prints a table:

* offline synthesis wall time at --jobs 1 and 2, against the time spent inside libespeak-ng
  itself (the orchestration overhead: processes, queueing, caching, polyphone steering), and
  what steering every chunk costs on its own;
* the whole offline build (synthesis, assembly, loudness, encoding, tags) and its peak memory;
* edge against the local stand-in answering after 300 ms, with 1 and 4 connections;
* the cost of checking each edge answer for completeness (MP3 frames counted against the
  boundaries and the text), per chunk, on the stand-in's answers;
* the requests a whole edge build of the issue makes against a service that refuses every
  handshake with 403 (a change of token scheme), target at most 30.

Each measurement runs in a fresh process with a fresh cache.

    .venv/bin/python bench/bench_audio.py [--edge-chunks 120] [--skip-build] [--edge-only]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / ".." / "shared" / "corpus" / "tjzbsh-2024-11b.txt"
EXAMPLE = ROOT / "examples" / "tjzbsh-2025-03a"
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

from issuepub.model import Issue  # noqa: E402


def corpus_issue(root: Path) -> tuple[Issue, str]:
    """The real issue as ``issuepub import`` makes it, or the example x12 without the corpus."""
    from support.issues import article, issue

    from issuepub.sources import load_issue

    if CORPUS.is_file():
        from issuepub.importer import import_issue_text

        folder = root / "issue"
        if not folder.is_dir():
            import_issue_text(CORPUS, folder)
        real = load_issue(folder)
        total = sum(len(b.text) for a in real.articles for b in a.blocks)
        return real, f"corpus {CORPUS.name} (imported), {len(real.articles)} articles, {total} characters"
    example = load_issue(EXAMPLE)
    lines = [b.text for a in example.articles for b in a.blocks if b.kind != "caption"] * 12
    total = sum(len(ln) for ln in lines)
    groups = [lines[i::30] for i in range(30)]
    articles = [article(f"a{i:02d}", group[0][:18], group[1:] or group, column="特稿",
                        author="本刊记者") for i, group in enumerate(groups)]
    return issue(root, articles), f"example issue x12 (corpus absent), {len(articles)} articles, {total} characters"


class TreeMemory:
    """Peak memory of this process and everything it starts (workers, ffmpeg), sampled from
    /proc every 100 ms. getrusage(RUSAGE_CHILDREN) cannot tell it: on Linux a forked child's
    maxrss starts at its parent's size. Each process counts its proportional set size (PSS:
    pages shared by several processes, such as Python's libraries, split between them), so
    the total is what the whole build takes from the machine."""

    def __init__(self, interval: float = 0.1, enabled: bool = True):
        self.interval, self.enabled, self.peak_total, self.peak_single = interval, enabled, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _pss(pid: int) -> int:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith("Pss:"):
                        return int(line.split()[1]) * 1024
        except OSError:
            pass
        return 0

    @classmethod
    def _tree_rss(cls) -> list[int]:
        parents: dict[int, int] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    parents[int(entry)] = int(fh.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
        tree, grew = {os.getpid()}, True
        while grew:
            more = {pid for pid, parent in parents.items() if parent in tree} - tree
            tree |= more
            grew = bool(more)
        return [cls._pss(pid) for pid in tree]

    def _run(self) -> None:
        while not self._stop.is_set():
            sizes = self._tree_rss()
            self.peak_total = max(self.peak_total, sum(sizes))
            self.peak_single = max(self.peak_single, max(sizes))
            self._stop.wait(self.interval)

    def __enter__(self) -> "TreeMemory":
        if self.enabled:
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self.enabled:
            self._thread.join()

    def mb(self) -> tuple[float, float]:
        return round(self.peak_total / 2**20, 1), round(self.peak_single / 2**20, 1)


async def _synthesise_all(engine, plans, cache, jobs: int, limit: int | None):
    from issuepub.outputs.audio.pipeline import ChunkSupply, Stats

    stats = Stats()
    supply = ChunkSupply(engine, cache, jobs, stats)
    items = list({k: c.text for p in plans for k, c in zip(p.keys, p.chunks)}.items())[:limit]
    await engine.start(jobs)
    try:
        started = time.perf_counter()
        await asyncio.gather(*(supply.ensure(k, t) for k, t in items))
        wall = time.perf_counter() - started
    finally:
        await engine.close()
    return wall, stats, items


def child(args) -> dict:
    from issuepub.outputs.audio import engines
    from issuepub.outputs.audio.cache import ChunkCache
    from issuepub.outputs.audio.pipeline import plan_article
    from issuepub.outputs.base import BuildOptions

    work = Path(args.work)
    iss, description = corpus_issue(work)
    if args.mode == "refused":
        from support.edge_standin import EdgeStandin
        from support.issues import build_audio

        with EdgeStandin(gec_version="3-999.0.0.0") as service:  # every handshake refused
            started = time.perf_counter()
            result, _ = build_audio(iss, work / "build", tts="edge", edge_endpoint=service.url)
            wall = time.perf_counter() - started
        return {"wall": wall, "handshakes": service.stats.handshakes, "failures": len(result.failures),
                "narrated": sum(1 for a in iss.articles if a.narrate), "description": description,
                "jobs": result.run["jobs"]}
    if args.mode == "build":
        from support.issues import build_audio

        started = time.perf_counter()
        with TreeMemory() as memory:
            result, _ = build_audio(iss, work / "build", tts="offline", jobs=args.jobs)
        wall = time.perf_counter() - started
        total, single = memory.mb()
        return {"wall": wall, "failures": len(result.failures), "rss": total, "child_rss": single,
                "audio_seconds": sum(r["duration"] for r in result.articles.values()),
                "articles": len(result.articles), "engine_seconds": result.run["engine_seconds"]}
    options = BuildOptions(tts=args.tts, jobs=args.jobs)
    service = None
    if args.tts == "edge":
        from support.edge_standin import EdgeStandin

        service = EdgeStandin(latency=args.latency).start()
        options = BuildOptions(tts="edge", jobs=args.jobs, edge_endpoint=service.url)
    engine = engines.create(iss.audio, options)
    started = time.perf_counter()
    plans = [plan_article(iss, a, engine) for a in iss.articles]
    planning = time.perf_counter() - started
    if service is not None:  # the stand-in's own CPU is not what is measured
        texts = list({c.text: 1 for p in plans for c in p.chunks})[:args.limit]
        service.prerender(texts, iss.audio.rate, iss.audio.pitch)
    # Sampling costs CPU (and the GIL): only in the runs that report memory, not in the one
    # that measures the overhead.
    with TreeMemory(enabled=bool(args.memory)) as memory:
        wall, stats, items = asyncio.run(_synthesise_all(engine, plans, ChunkCache(work / "cache"),
                                                         args.jobs, args.limit))
    check = steering = None
    if service is not None:
        service.stop()
        check = _completeness_cost(service, engine.rate_percent)
    else:
        steering = _steering_cost([text for _, text in items])
    total, single = memory.mb()
    return {"wall": wall, "planning": planning, "engine_seconds": stats.engine_seconds,
            "chunks": len(items), "misses": stats.misses, "description": description,
            "rss": total, "child_rss": single, "check": check, "steering": steering}


def _steering_cost(texts: list[str]) -> float:
    """Seconds to steer every chunk's polyphones once (the offline engine does it in the
    build's own process), timed after the synthesis run, uncached."""
    from issuepub.outputs.audio.engines import offline_polyphones
    from issuepub.outputs.audio.engines.offline import Espeak

    from issuepub.outputs.audio import polyphones

    espeak = Espeak.get()
    polyphones.readings.cache_clear()
    started = time.perf_counter()
    for text in texts:
        offline_polyphones.steer(espeak, text)
    return time.perf_counter() - started


def _completeness_cost(service, rate_percent: int, repeat: int = 20) -> dict:
    """Seconds per chunk of the completeness check, on the answers the stand-in gave."""
    from issuepub.outputs.audio.engines import edge

    answers = [(text, r) for (text, _, _), r in service._cache.items()]
    started = time.perf_counter()
    for _ in range(repeat):
        for text, rendered in answers:
            marks = edge._marks(text, rendered.sentences)
            assert edge.answer_shortfall(text, edge.mp3_seconds(rendered.mp3), rendered.sentences,
                                         marks, rate_percent) is None
    per_chunk = (time.perf_counter() - started) / repeat / max(1, len(answers))
    audio = sum(edge.mp3_seconds(r.mp3) for _, r in answers) / max(1, len(answers))
    return {"per_chunk": per_chunk, "chunks": len(answers), "audio_per_chunk": audio}


def run_child(mode: str, tts: str, jobs: int, **extra) -> dict:
    work = Path(tempfile.mkdtemp(prefix="bench-audio-"))
    try:
        cmd = [sys.executable, __file__, "--child", mode, "--tts", tts, "--jobs", str(jobs),
               "--work", str(work)] + [f"--{k.replace('_', '-')}={v}" for k, v in extra.items()]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        return json.loads(out.strip().splitlines()[-1])
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--edge-chunks", type=int, default=120,
                        help="chunks sent to the stand-in per edge run (1 connection takes ~0.35 s each)")
    parser.add_argument("--skip-build", action="store_true", help="skip the whole offline build")
    parser.add_argument("--edge-only", action="store_true", help="only the edge rows")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--tts", default="offline", help=argparse.SUPPRESS)
    parser.add_argument("--jobs", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    parser.add_argument("--latency", type=float, default=0.3, help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--memory", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        args.mode = args.child
        print(json.dumps(child(args)))
        return

    rows: list[tuple[str, str, str]] = []
    if not args.edge_only:
        rows += offline_rows(args)
    e1 = run_child("synth", "edge", 1, limit=args.edge_chunks, latency=0.3)
    e4 = run_child("synth", "edge", 4, limit=args.edge_chunks, latency=0.3)
    check = e1["check"]
    refused = run_child("refused", "edge", 3)
    if args.edge_only:
        print(f"issue: {refused['description']}", flush=True)
    rows += [
        (f"edge via stand-in, 300 ms latency, {e1['chunks']} chunks, 1 connection", f"{e1['wall']:.1f} s", ""),
        (f"edge via stand-in, 300 ms latency, {e4['chunks']} chunks, 4 connections",
         f"{e4['wall']:.1f} s ({e1['wall'] / e4['wall']:.2f}x)", ">= 3x"),
        (f"edge completeness check per chunk ({check['chunks']} answers, "
         f"{check['audio_per_chunk']:.1f} s of audio each)", f"{check['per_chunk'] * 1000:.2f} ms", ""),
        (f"edge build against a service refusing every handshake (403), {refused['narrated']} articles, "
         f"--jobs {refused['jobs']}", f"{refused['handshakes']} requests, {refused['wall']:.1f} s, "
         f"{refused['failures']} report", "<= 30 requests"),
    ]
    width = max(len(r[0]) for r in rows)
    vwidth = max(len(r[1]) for r in rows)
    print(f"{'measure':<{width}}  {'result':<{vwidth}}  target")
    for name, value, target in rows:
        print(f"{name:<{width}}  {value:<{vwidth}}  {target}")


def offline_rows(args) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    off1 = run_child("synth", "offline", 1)
    off2 = run_child("synth", "offline", 2, memory=1)
    print(f"issue: {off1['description']}; {off1['chunks']} chunks; {os.cpu_count()} CPUs", flush=True)
    overhead = (off1["wall"] - off1["engine_seconds"]) / off1["engine_seconds"]
    rows += [
        ("planning (script, normalise, chunk, keys)", f"{off1['planning']:.2f} s", ""),
        ("offline synthesis, --jobs 1", f"{off1['wall']:.1f} s (inside espeak: {off1['engine_seconds']:.1f} s)", ""),
        ("offline synthesis, --jobs 2", f"{off2['wall']:.1f} s ({off1['wall'] / off2['wall']:.2f}x)", ""),
        ("orchestration overhead over the engine (--jobs 1)", f"{overhead * 100:.1f} %", "< 10 %"),
        ("polyphone steering of every chunk, in the build's process (part of the overhead's work)",
         f"{off1['steering']:.2f} s", ""),
        ("peak memory, synthesis --jobs 2 (all processes / largest one)", f"{off2['rss']:.0f} MB / {off2['child_rss']:.0f} MB", "< 300 MB"),
    ]
    if not args.skip_build:
        build = run_child("build", "offline", 2)
        rows += [
            ("whole offline build --jobs 2 (synthesis + assembly, loudness, MP3, tags)",
             f"{build['wall']:.1f} s for {build['audio_seconds'] / 3600:.2f} h of audio "
             f"({build['audio_seconds'] / build['wall']:.0f}x real time), {build['failures']} failures", ""),
            ("peak memory, whole build (all processes / largest one)",
             f"{build['rss']:.0f} MB / {build['child_rss']:.0f} MB", "< 300 MB"),
        ]
    return rows


if __name__ == "__main__":
    main()
