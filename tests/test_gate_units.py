"""Units behind issue 13: the WebVTT header, request cutting against a plain reference,
--jobs capping, and which temporary files a cleanup may remove."""

from __future__ import annotations

import os
import random
import subprocess
import sys

from issuepub.build import capped_jobs
from issuepub.fsutil import is_stale_part, remove_stale_parts, temp_path_for
from issuepub.outputs.audio.chunking import (_cut_points, _merge_unspeakable, request_bytes,
                                             split_sentence)
from issuepub.outputs.audio.vtt import render_vtt


def test_vtt_header_stays_one_line_without_a_cue_arrow():
    text = render_vtt([(0.0, 1.0, "第一句。")], title="标题\n-->第二行\r\n--->x\u2028y")
    header, blank = text.split("\n")[:2]
    assert header.startswith("WEBVTT - 标题") and "-->" not in header and blank == ""
    assert text.count("-->") == 1  # only the cue's timing line


def _reference_split(text: str, max_bytes: int) -> list[str] | None:
    """The plain quadratic algorithm: the last cut that fits, found by trying every cut."""
    for cuts in _cut_points(text):
        pieces, start, ok = [], 0, True
        while request_bytes(text[start:]) > max_bytes:
            fitting = [c for c in cuts if c > start and request_bytes(text[start:c]) <= max_bytes]
            if not fitting:
                ok = False
                break
            pieces.append(text[start:fitting[-1]])
            start = fitting[-1]
        if ok:
            return pieces + [text[start:]]
    return None


def test_split_sentence_cuts_where_the_plain_algorithm_cuts():
    rng = random.Random(13)
    alphabet = "党建联盟聚合力，、：,: 一二三abc&<>“”"
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 500)))
        limit = rng.choice([30, 64, 200])
        got = split_sentence(text, limit)
        assert "".join(got) == text
        reference = _reference_split(text, limit) if request_bytes(text) > limit else [text]
        if reference is None:  # nothing fits: sent whole
            assert got == [text]
        else:  # pieces that say nothing are folded into the one before, as before
            assert got == (_merge_unspeakable(reference) if len(reference) > 1 else reference)
            assert all(request_bytes(p) <= limit for p in reference)


def test_jobs_are_capped_by_cores_and_engine():
    cores = os.cpu_count() or 1
    jobs, reason = capped_jobs(5000, "offline")
    assert 1 <= jobs <= 2 * cores and reason
    jobs, reason = capped_jobs(5000, "edge")
    assert 1 <= jobs <= 8 and reason
    assert capped_jobs(1, "offline") == (1, None)


def test_cleanup_keeps_a_live_process_temporary_and_removes_a_dead_one(tmp_path):
    target = tmp_path / "chunk.bin"
    mine = temp_path_for(target)
    assert f".{os.getpid()}." in mine.name and mine.name.endswith(".part")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    theirs = tmp_path / f".chunk.bin.{dead}.abcdef.part"
    theirs.write_bytes(b"half")
    assert not is_stale_part(mine, locked=False) and is_stale_part(theirs, locked=False)
    assert remove_stale_parts(tmp_path, locked=False) == 1
    assert mine.exists() and not theirs.exists()
    assert remove_stale_parts(tmp_path, locked=True) == 1 and not mine.exists()
