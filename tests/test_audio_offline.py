"""The narration built with the offline engine, checked from the files themselves.

Loudness and duration are measured on the MP3s with ffmpeg (ebur128), tags read back with
mutagen, subtitles and timings compared with the audio, and the cache proved by counting the
texts the engine is asked to synthesise.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

import pytest
from mutagen.id3 import ID3
from mutagen.mp3 import MP3
from PIL import Image
from support.engines import watched
from support.issues import article, build_audio, issue, short_issue
from support.media import decoded_seconds, ebur128, parse_vtt, picture_difference, silence_spans

from issuepub.model import Block
from issuepub.outputs.audio import pipeline
from issuepub.outputs.audio.engines.offline import OfflineEngine
from issuepub.outputs.audio.normalize import normalize
from issuepub.text import split_sentences


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("offline")
    cover = root / "cover.png"
    Image.new("RGB", (60, 80), (180, 30, 30)).save(cover)
    iss = short_issue(root, cover=cover)
    with watched(OfflineEngine) as calls:
        result, manifest = build_audio(iss, root / "build", tts="offline", jobs=2)
    return iss, result, manifest, list(calls), root


def out(built) -> Path:
    iss, _, _, _, root = built
    return root / "build" / iss.id


def test_records_describe_the_files(built):
    iss, result, manifest, calls, _ = built
    assert not result.failures
    assert set(result.articles) == {"juanshou", "shangquan"}  # xinxi is not narrated
    for a in iss.articles[:2]:
        rec = result.articles[a.slug]
        assert rec["path"] == f"audio/{a.number:02d}-{a.slug}.mp3"
        mp3 = out(built) / rec["path"]
        assert rec["size"] == mp3.stat().st_size
        assert rec["sha256"] == hashlib.sha256(mp3.read_bytes()).hexdigest()
        assert (rec["engine"], rec["voice"], rec["final"]) == ("offline", "cmn", False)
        assert rec["engine_version"].startswith("1.52")
        for key, suffix in (("subtitles", ".vtt"), ("timings", ".timings.json")):
            assert rec[key]["path"] == f"audio/{a.number:02d}-{a.slug}{suffix}"
            assert (out(built) / rec[key]["path"]).stat().st_size == rec[key]["size"]
    by_slug = {r["slug"]: r for r in manifest["articles"]}
    assert "audio" in by_slug["shangquan"] and "audio" not in by_slug["xinxi"]
    assert result.record["final"] is False
    assert result.run["cache"]["misses"] == len(set(calls)) > 0
    assert result.run["cache"]["hits"] == 0
    assert "离线试听版" in result.summary[0]


def test_loudness_duration_and_format_measured_from_the_mp3(built):
    _, result, _, _, _ = built
    for rec in result.articles.values():
        mp3 = out(built) / rec["path"]
        integrated, peak = ebur128(mp3)
        assert abs(integrated - -16.0) <= 1.0, integrated
        assert peak <= -1.0, peak
        assert abs(rec["loudness_lufs"] - integrated) <= 0.2
        assert abs(rec["true_peak_dbtp"] - peak) <= 0.2
        seconds = decoded_seconds(mp3)
        assert abs(rec["duration"] - seconds) <= 0.02
        info = MP3(mp3).info
        assert (info.channels, info.sample_rate) == (1, 24000)


def test_tags_read_back(built):
    iss, result, _, _, _ = built
    a = iss.articles[1]
    tags = ID3(out(built) / result.articles[a.slug]["path"])
    assert tags.version[:2] == (2, 4)
    assert str(tags["TIT2"]) == "党建联盟聚合力 ——记某商圈党建联盟"
    assert str(tags["TPE1"]) == "卢艳芝"
    assert str(tags["TALB"]) == iss.title == "天津支部生活 2024年第11期（下半月）"
    assert str(tags["TRCK"]) == "2/3"
    assert str(tags["TCON"]) == "Speech"
    assert str(tags["TLAN"]) in ("chi", "zho")
    assert tags["WOAS"].url == iss.article_url(a) == "https://ting.example.cn/tjzbsh/2024/11b/02/"
    picture = tags.getall("APIC")[0]
    fmt, width, difference = picture_difference(picture.data, Path(iss.cover).read_bytes())
    assert picture.mime == "image/jpeg" and fmt == "JPEG" and width <= 600 and difference < 4
    assert "不是正式发布" in str(tags.getall("COMM")[0])  # offline audio says it is a proof
    assert str(tags["TDRC"]) == "2024-11-15" and str(tags["TPUB"]) == "中共天津市委支部生活社"
    unsigned = ID3(out(built) / result.articles["juanshou"]["path"])
    assert str(unsigned["TPE1"]) == "天津支部生活"  # no author nor credit: the magazine


def test_the_artist_is_the_author_else_the_credit_else_the_magazine(tmp_path):
    from issuepub.outputs.audio.tags import artist

    iss = short_issue(tmp_path)
    assert artist(article("a", "题", ["文。"], author="卢艳芝", credit="某单位 供稿"), iss) == "卢艳芝"
    assert artist(article("b", "题", ["文。"], credit="天津水务集团党委 供稿"), iss) == "天津水务集团党委"
    assert artist(article("c", "题", ["文。"]), iss) == "天津支部生活"


def _timings(built, slug):
    _, result, _, _, _ = built
    return json.loads((out(built) / result.articles[slug]["timings"]["path"]).read_text())


def test_subtitles_match_the_mp3(built):
    _, result, _, _, _ = built
    for slug, rec in result.articles.items():
        cues = parse_vtt((out(built) / rec["subtitles"]["path"]).read_text(encoding="utf-8"))
        duration = decoded_seconds(out(built) / rec["path"])
        assert cues and abs(cues[-1][1] - duration) <= 0.1
        assert all(0 <= s < e <= duration + 0.001 for s, e, _ in cues)
        assert all(cues[i][1] <= cues[i + 1][0] for i in range(len(cues) - 1))
        # Each sentence of the timings is read as one or more short cues, in order, inside
        # the sentence's own time.
        left = list(cues)
        for seg in _timings(built, slug)["segments"]:
            text = ""
            while text != seg["text"]:
                start, end, cue = left.pop(0)
                assert seg["start"] - 0.001 <= start and end <= seg["end"] + 0.001, (seg, cue)
                text += cue
                assert seg["text"].startswith(text), (seg["text"], text)
        assert not left


def test_timings_name_the_displayed_sentences(built):
    iss, result, _, _, _ = built
    a = iss.articles[1]
    data = _timings(built, a.slug)
    assert data["version"] == 1 and data["slug"] == a.slug
    assert abs(data["duration"] - result.articles[a.slug]["duration"]) < 0.002
    segments = data["segments"]
    assert [s["target"] for s in segments[:4]] == ["column", "title", "subtitle", "byline"]
    for s in segments:
        source = {"column": a.column, "title": a.title, "subtitle": a.subtitle,
                  "byline": a.byline}.get(s["target"]) or a.blocks[s["block"]].text
        assert (s["block"] is None) == (s["target"] != "block")
        assert split_sentences(source)[s["sentence"]] == s["text"]
        assert s["spoken"] == normalize(s["text"], latin="spell")
    kinds = [a.blocks[s["block"]].kind for s in segments if s["target"] == "block"]
    assert kinds == ["heading", "paragraph", "quote"]
    assert not any("扫码" in s["text"] or "听取居民意见" in s["text"] for s in segments)


def test_pauses_are_in_the_audio_where_the_timings_say(built):
    a = built[0].articles[1]
    segments = _timings(built, a.slug)["segments"]
    silences = silence_spans(out(built) / built[1].articles[a.slug]["path"], min_seconds=0.25)
    for previous, current in zip(segments, segments[1:]):
        gap = current["start"] - previous["end"]
        if current["target"] == "block" and a.blocks[current["block"]].kind == "heading":
            assert gap >= pipeline.SECTION_GAP - 0.01
        elif current["target"] != "block":
            assert gap >= pipeline.INTRO_GAP - 0.01
        elif current["block"] != previous["block"]:
            assert gap >= pipeline.PARAGRAPH_GAP - 0.01
        middle = (previous["end"] + current["start"]) / 2
        if gap >= pipeline.INTRO_GAP - 0.01:
            assert any(s <= middle <= e for s, e in silences), (previous["text"], current["text"])


def test_an_unchanged_rebuild_synthesises_nothing(built):
    iss, first, manifest, _, root = built
    with watched(OfflineEngine) as calls:
        result, _ = build_audio(iss, root / "build", manifest, tts="offline", jobs=2)
    assert calls == []
    assert result.articles == first.articles
    assert result.run["counts"]["reused"] == 2


def test_editing_one_paragraph_resynthesises_only_that_paragraph(built):
    iss, first, manifest, _, root = built
    a = iss.articles[1]
    blocks = list(a.blocks)
    blocks[1] = Block("paragraph", "每个网格30-50户，办结率达到97%。")
    edited_article = replace(a, blocks=tuple(blocks))
    edited = replace(iss, columns=tuple(
        replace(c, articles=tuple(edited_article if x.slug == a.slug else x for x in c.articles))
        for c in iss.columns))
    with watched(OfflineEngine) as calls:
        result, _ = build_audio(edited, root / "build", manifest, tts="offline", jobs=2)
    assert calls == ["每个网格三十到五十户，办结率达到百分之九十七。"]
    assert result.articles["juanshou"] == first.articles["juanshou"]  # same file (counts below: reused)
    assert result.articles["shangquan"]["sha256"] != first.articles["shangquan"]["sha256"]
    counts = result.run["counts"]
    assert (counts["built"], counts["reused"], counts["failed"]) == (1, 1, 0)
    assert result.run["cache"]["misses"] == 1


def test_a_failing_article_is_reported_and_the_others_finish(tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "RETRY", pipeline.RetryPolicy(attempts=3, base_delay=0.01,
                                                                max_delay=0.02))
    iss = short_issue(tmp_path)
    with watched(OfflineEngine, fail=lambda text, n: "模拟故障" if "办结率" in text else None) as calls:
        result, manifest = build_audio(iss, tmp_path / "build", tts="offline", jobs=2)
    assert list(result.articles) == ["juanshou"]
    assert len(result.failures) == 1
    assert "《党建联盟聚合力》" in result.failures[0] and "第 2 篇" in result.failures[0]
    assert "模拟故障" in result.failures[0] and "3 次" in result.failures[0]
    assert sum("办结率" in c for c in calls) == 3
    assert result.run["counts"]["failed"] == 1
    assert not (tmp_path / "build" / iss.id / "audio" / "02-shangquan.mp3").exists()


def test_transient_errors_are_retried(tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "RETRY", pipeline.RetryPolicy(attempts=4, base_delay=0.01,
                                                                max_delay=0.02))
    iss = issue(tmp_path, [article("a", "标题", ["第一段。", "第二段。"])])
    with watched(OfflineEngine, fail=lambda text, n: "暂时故障" if n <= 2 else None) as calls:
        result, _ = build_audio(iss, tmp_path / "build", tts="offline", jobs=1)
    assert not result.failures and list(result.articles) == ["a"]
    assert result.run["cache"]["retries"] == 2
    assert len(calls) == result.run["cache"]["misses"] + 2


def test_backoff_grows_exponentially_with_jitter():
    policy = pipeline.RetryPolicy(attempts=5, base_delay=1.0, max_delay=8.0)
    for attempt, cap in ((1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (5, 8.0)):
        delays = {policy.delay(attempt) for _ in range(50)}
        assert all(cap / 2 <= d <= cap for d in delays)
        assert len(delays) > 1


def test_damaged_cache_entries_are_all_synthesised_again_by_the_build_that_finds_them(tmp_path):
    iss = issue(tmp_path, [article("a", "标题", ["第一段。", "第二段。", "第三段。"])])
    first, manifest = build_audio(iss, tmp_path / "build", tts="offline", jobs=1)
    assert not first.failures
    entries = sorted((tmp_path / "build" / ".cache" / "tts").glob("*/*.chunk"))
    assert len(entries) >= 3
    entries[0].write_bytes(entries[0].read_bytes()[:-100])  # a disk error cut it short
    data = bytearray(entries[1].read_bytes())
    data[-10] ^= 0x55  # one damaged byte in the audio
    entries[1].write_bytes(bytes(data))
    mp3 = tmp_path / "build" / iss.id / first.articles["a"]["path"]
    mp3.unlink()  # so the article must be assembled from the cache again

    with watched(OfflineEngine) as calls:
        healed, _ = build_audio(iss, tmp_path / "build", manifest, tts="offline", jobs=1)
    # both damaged entries found and made again in this one build, the others reused
    assert not healed.failures and len(calls) == 2
    assert healed.run["cache"]["misses"] == 2 and healed.run["cache"]["hits"] == len(entries) - 2
    assert healed.articles["a"]["sha256"] == first.articles["a"]["sha256"]
