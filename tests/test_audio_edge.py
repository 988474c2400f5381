"""The edge engine end to end against the local stand-in of Microsoft's service, faults included."""

from __future__ import annotations

import json

import pytest
from mutagen.id3 import ID3
from support.edge_standin import EdgeStandin
from support.issues import article, build_audio, issue, short_issue
from support.media import decoded_seconds, ebur128, parse_vtt, picture_difference

from issuepub.cover import draw_cover
from issuepub.model import AudioSettings
from issuepub.outputs.audio import pipeline
from issuepub.outputs.audio.engines import edge

SETTINGS = AudioSettings(base_url="https://ting.example.cn/tjzbsh", voice="zh-CN-XiaoxiaoNeural",
                         rate="+10%", volume="+0%", pitch="+5Hz",
                         pronunciations=(("蓟州", "计州"),))


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch):
    monkeypatch.setattr(pipeline, "RETRY", pipeline.RetryPolicy(attempts=3, base_delay=0.02,
                                                                max_delay=0.05))
    monkeypatch.setattr(edge, "RECEIVE_TIMEOUT", 5)


def edge_issue(root):
    return issue(root, [
        article("juanshou", "坚定信心 真抓实干", [
            "2024年11月4日，市委常委会召开扩大会议。会议指出，要努力完成全年目标任务！",
            "天津古文化街是国家5A级旅游景区，蓟州区的山村也在变化。",
        ], column="卷首", author="本刊评论员"),
        article("shangquan", "党建联盟聚合力", ["每个网格30-50户，办结率达到96.5%。"],
                column="特别关注", author="卢艳芝"),
    ], audio=SETTINGS)


@pytest.fixture(scope="module")
def clean_build(tmp_path_factory):
    root = tmp_path_factory.mktemp("edge")
    iss = edge_issue(root)
    with EdgeStandin(latency=0.05) as service:
        result, _ = build_audio(iss, root / "build", tts="edge", edge_endpoint=service.url, jobs=3)
    return iss, result, service, root / "build" / iss.id


def test_requests_carry_the_issue_settings(clean_build):
    iss, result, service, _ = clean_build
    assert not result.failures
    assert service.requests, "the stand-in was never asked"
    for r in service.requests:
        assert "XiaoxiaoNeural" in r.voice and "zh-CN" in r.voice
        assert (r.rate, r.volume, r.pitch) == ("+10%", "+0%", "+5Hz")
        assert r.sentence_boundaries and not r.word_boundaries
    texts = [r.text for r in service.requests]
    assert any("五A级" in t for t in texts)  # the neural voice reads Latin letters itself
    assert any("计州" in t for t in texts) and not any("蓟州" in t for t in texts)
    assert 2 <= service.stats.max_concurrent <= 3  # concurrent, within --jobs
    # the stand-in checks token, headers and request sequence as the service does
    assert service.violations == [] and service.stats.forbidden == 0


def test_edge_files_are_final_audio(clean_build):
    iss, result, _, out = clean_build
    assert iss.cover is None
    drawn = draw_cover(iss)
    for a in iss.articles:
        rec = result.articles[a.slug]
        assert (rec["engine"], rec["voice"], rec["final"]) == ("edge", "zh-CN-XiaoxiaoNeural", True)
        assert rec["engine_version"] == edge.edge_tts.__version__
        mp3 = out / rec["path"]
        integrated, peak = ebur128(mp3)
        assert abs(integrated + 16) <= 1 and peak <= -1
        duration = decoded_seconds(mp3)
        cues = parse_vtt((out / rec["subtitles"]["path"]).read_text(encoding="utf-8"))
        assert abs(cues[-1][1] - duration) <= 0.1
        tags = ID3(mp3)
        assert tags.version[:2] == (2, 4)
        assert not tags.getall("COMM")  # no proof note on production audio
        assert str(tags["TIT2"]) == a.title and str(tags["TPE1"]) == a.author
        assert str(tags["TALB"]) == iss.title
        assert str(tags["TRCK"]) == f"{iss.articles.index(a) + 1}/{len(iss.articles)}"
        assert str(tags["TCON"]) == "Speech" and str(tags["TLAN"]) in ("chi", "zho")
        assert tags["WOAS"].url == iss.article_url(a)
        # no cover file: the MP3s carry the cover drawn from the issue, as the EPUB does
        fmt, width, difference = picture_difference(tags.getall("APIC")[0].data, drawn)
        assert fmt == "JPEG" and width <= 600 and difference < 4
    assert result.record["final"] is True and result.run["jobs"] == 3


def test_sentence_boundaries_time_the_sentences(clean_build):
    iss, result, service, out = clean_build
    timings = json.loads((out / result.articles["juanshou"]["timings"]["path"]).read_text())
    body = [s for s in timings["segments"] if s["target"] == "block" and s["block"] == 0]
    assert [s["text"] for s in body] == ["2024年11月4日，市委常委会召开扩大会议。",
                                         "会议指出，要努力完成全年目标任务！"]
    first, second = body
    # the stand-in's boundary for the second sentence, placed in the article
    rendered = service._rendered(first["spoken"] + second["spoken"], "+10%", "+5Hz")
    (_, s0, e0), (_, s1, e1) = rendered.sentences
    assert second["start"] - first["start"] == pytest.approx(s1 - s0, abs=0.06)
    assert first["end"] - first["start"] == pytest.approx(e0 - s0, abs=0.06)


def _build(tmp_path, service, **options):
    iss = edge_issue(tmp_path)
    result, _ = build_audio(iss, tmp_path / "build", tts="edge", edge_endpoint=service.url, **options)
    return iss, result


def test_403_at_the_handshake_is_retried(tmp_path):
    # edge-tts itself retries a 403 once (clock skew); the second 403 reaches our retries
    with EdgeStandin(forbid=2) as service:
        _, result = _build(tmp_path, service, jobs=1)
    assert not result.failures and len(result.articles) == 2
    assert service.stats.forbidden == 2
    assert result.run["cache"]["retries"] == 1


def test_a_connection_dropped_mid_stream_is_not_taken_as_audio(tmp_path, clean_build):
    with EdgeStandin(drop=1) as service:
        iss, result = _build(tmp_path, service, jobs=1)
    assert service.stats.dropped == 1
    assert not result.failures and result.run["cache"]["retries"] == 1
    # the retried chunk is whole: the article is as long as in the fault-free build
    _, clean, _, clean_out = clean_build
    for slug, rec in result.articles.items():
        assert rec["duration"] == pytest.approx(clean.articles[slug]["duration"], abs=0.05)


def test_a_turn_without_audio_is_retried(tmp_path):
    with EdgeStandin(no_audio=1) as service:
        _, result = _build(tmp_path, service, jobs=2)
    assert service.stats.silent == 1
    assert not result.failures and result.run["cache"]["retries"] == 1


def test_slow_answers_are_waited_for(tmp_path):
    with EdgeStandin(latency=0.4) as service:
        _, result = _build(tmp_path, service, jobs=3)
    assert not result.failures and len(result.articles) == 2


def test_an_answer_slower_than_the_timeout_stops_the_build_once(tmp_path, monkeypatch):
    monkeypatch.setattr(edge, "FIRST_MESSAGE_TIMEOUT", 0.3)
    with EdgeStandin(latency=1.0) as service:
        iss, result = _build(tmp_path, service, jobs=3)
    assert not result.articles
    # timeouts are counted across the build: after a few no more requests, one report
    assert service.stats.turns <= pipeline.RETRY.unreachable_limit + 3
    [failure] = result.failures
    assert failure.startswith("[A012]") and "响应超时" in failure
    assert all(f"《{a.title}》" in failure for a in iss.articles)


def test_one_failing_article_does_not_stop_the_others(tmp_path):
    with EdgeStandin(poison=("办结率",)) as service:
        _, result = _build(tmp_path, service, jobs=3)
    assert list(result.articles) == ["juanshou"]
    assert result.failures == ["《党建联盟聚合力》（第 2 篇）朗读音频生成失败：语音服务没有返回音频（已尝试 3 次）"]


def test_no_service_at_all_is_a_clear_failure(tmp_path):
    with EdgeStandin() as service:
        url = service.url
    _, result = _build(tmp_path, type("Gone", (), {"url": url})(), jobs=1)
    [failure] = result.failures
    assert failure.startswith("[A012]") and "无法连接语音服务" in failure
    assert "《坚定信心 真抓实干》" in failure and "《党建联盟聚合力》" in failure


def test_a_third_engine_needs_only_the_interface(tmp_path, monkeypatch):
    """The pipeline uses nothing but the Engine interface: a toy engine builds an article."""
    from issuepub.outputs.audio import engines
    from issuepub.outputs.audio.engines.base import Engine, Mark, Synthesis

    class Tone(Engine):
        name, final, latin, sample_rate = "tone", False, "spell", 16000
        voice = "tone"
        version = "1"

        def default_jobs(self):
            return 1

        async def synthesize(self, text):
            samples = 1600 * len(text)
            pcm = b"".join(((i * 40) % 8000 - 4000).to_bytes(2, "little", signed=True)
                           for i in range(samples))
            return Synthesis(pcm, "pcm_s16le", 16000, (Mark(0, len(text), 0.0, samples / 16000),))

    monkeypatch.setattr(engines, "create", lambda audio, options: Tone(audio))
    iss = short_issue(tmp_path)
    result, _ = build_audio(iss, tmp_path / "build", tts="tone")
    assert not result.failures and result.articles["juanshou"]["engine"] == "tone"
