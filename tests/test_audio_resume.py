"""A build killed with SIGKILL and run again finishes without redoing finished chunks, and
never leaves a broken MP3 under a final name."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from support.engines import watched
from support.issues import article, build_audio, issue
from support.media import decoded_seconds

from issuepub.outputs.audio.cache import ChunkCache
from issuepub.outputs.audio.engines.offline import OfflineEngine
from issuepub.outputs.audio.pipeline import plan_article

TESTS = Path(__file__).resolve().parent

PARAGRAPHS = [
    "清晨七点半，社区党委书记已经走完了第一遍楼道。她的笔记本上记着当天要办的12件事。",
    "2024年，社区把原来的8个大网格细分为26个小网格，每个网格30-50户。",
    "一年下来，管家们累计走访1.2万余人次，收集意见建议430多条，办结率达到96.5%。",
]


def resume_issue(root: Path):
    return issue(root, [article(f"a{i}", f"第{i}篇文章", PARAGRAPHS, column="特别关注",
                                author="张婉妮") for i in range(1, 9)])


CHILD = textwrap.dedent("""
    import asyncio, sys
    from pathlib import Path
    sys.path.insert(0, {tests!r})
    from test_audio_resume import resume_issue
    from support.issues import build_audio
    from issuepub.outputs.audio.engines.offline import OfflineEngine

    original = OfflineEngine.synthesize

    async def slow(self, text):  # slow enough for the parent to kill it mid-build
        await asyncio.sleep(0.6)
        return await original(self, text)

    OfflineEngine.synthesize = slow
    root = Path({root!r})
    build_audio(resume_issue(root), root / "build", tts="offline", jobs=1)
""")


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_sigkill_then_resume(tmp_path):
    iss = resume_issue(tmp_path)
    audio_dir = tmp_path / "build" / iss.id / "audio"
    cache_root = tmp_path / "build" / ".cache" / "tts"
    child = subprocess.Popen([sys.executable, "-c", CHILD.format(tests=str(TESTS), root=str(tmp_path))],
                             start_new_session=True)
    try:
        # Kill it while a later article's MP3 is being encoded (its temporary file exists)
        # and an earlier one is already final: the moment a non-atomic write would show.
        deadline = time.monotonic() + 120
        encoding = finished = False
        while time.monotonic() < deadline and child.poll() is None:
            names = [p.name for p in audio_dir.iterdir()] if audio_dir.is_dir() else []
            finished = any(n.endswith(".mp3") and not n.startswith(".") for n in names)
            encoding = any(n.startswith(".") and ".mp3." in n and n.endswith(".part") for n in names)
            if finished and encoding:
                break
            time.sleep(0.002)
        assert child.poll() is None, "the build finished before it could be killed"
        assert finished and encoding, "the build was never caught encoding an MP3"
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        # Its engine workers notice and exit on their own.
        deadline = time.monotonic() + 15
        while _group_alive(child.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _group_alive(child.pid), "offline engine workers outlived the killed build"
    finally:
        if _group_alive(child.pid):
            os.killpg(child.pid, signal.SIGKILL)

    # Whatever is under a final name is whole: the MP3s decode, the cache entries read back.
    finals = list(audio_dir.glob("*.mp3"))
    assert finals
    for mp3 in finals:
        assert decoded_seconds(mp3) > 1.0
    assert any(p.name.endswith(".part") for p in audio_dir.iterdir())  # left for the next build
    cached_before = {p.stem for p in cache_root.glob("*/*.chunk")}
    assert cached_before, "nothing was cached before the kill"
    assert all(ChunkCache(cache_root).get(key) is not None for key in cached_before)
    engine = OfflineEngine(iss.audio)
    plans = [plan_article(iss, a, engine) for a in iss.articles]
    texts = {k: c.text for p in plans for k, c in zip(p.keys, p.chunks)}
    missing = sorted(texts[k] for k in texts if k not in cached_before)
    assert missing, "the kill came after every chunk was synthesised"

    with watched(OfflineEngine) as calls:
        result, _ = build_audio(iss, tmp_path / "build", tts="offline", jobs=2)
    assert sorted(calls) == missing  # finished chunks were not redone
    assert not result.failures and len(result.articles) == len(iss.articles)
    assert not [p for p in audio_dir.iterdir() if p.name.endswith(".part")]
    assert not list(cache_root.glob("*/.*.part"))
    cache = ChunkCache(cache_root)
    assert all(cache.get(k) is not None for k in texts)
    for rec in result.articles.values():
        assert abs(decoded_seconds(audio_dir.parent / rec["path"]) - rec["duration"]) <= 0.02


def test_ctrl_c_stops_the_build_quietly(tmp_path):
    """Ctrl-C reaches the whole process group (the build and its espeak workers): the build
    says 已中断 and exits 130, no worker prints a KeyboardInterrupt traceback or outlives it."""
    root = tmp_path / "build"
    child = subprocess.Popen([sys.executable, "-m", "issuepub", "build",
                              str(TESTS.parent / "examples" / "tjzbsh-2025-03a"), "--out", str(root),
                              "--only", "audio", "--jobs", "2"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             start_new_session=True)
    try:
        cache = root / ".cache" / "tts"
        deadline = time.monotonic() + 120
        while child.poll() is None and time.monotonic() < deadline and not list(cache.glob("*/*.chunk")):
            time.sleep(0.01)  # the workers are up and synthesising
        assert child.poll() is None, "the build finished before Ctrl-C"
        os.killpg(child.pid, signal.SIGINT)
        _, err = child.communicate(timeout=60)
        assert child.returncode == 130, err
        assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
        assert "已中断" in err
        deadline = time.monotonic() + 15
        while _group_alive(child.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _group_alive(child.pid), "offline engine workers outlived the build"
    finally:
        if _group_alive(child.pid):
            os.killpg(child.pid, signal.SIGKILL)
