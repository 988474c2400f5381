"""The edge engine against the ways Microsoft's service really fails (issue 15), and network
waits that must end (issue 13), each injected by the local stand-in."""

from __future__ import annotations

import time

import aiohttp
import asyncio
import pytest
from support.edge_standin import PATH, EdgeStandin, SilentEndpoint, render
from support.issues import article, build_audio, issue
from support.media import decoded_seconds

from issuepub.cli import main
from issuepub.model import AudioSettings
from issuepub.outputs.audio import pipeline
from issuepub.outputs.audio.cache import ChunkCache
from issuepub.outputs.audio.engines import edge
from issuepub.outputs.base import BuildOptions

SETTINGS = AudioSettings(base_url="https://ting.example.cn/tjzbsh", voice="zh-CN-XiaoxiaoNeural")


@pytest.fixture(autouse=True)
def quick(monkeypatch):
    monkeypatch.setattr(pipeline, "RETRY", pipeline.RetryPolicy(
        attempts=3, base_delay=0.02, max_delay=0.05, throttle_patience=5.0))
    monkeypatch.setattr(edge, "RECEIVE_TIMEOUT", 5)


def two_articles(root, **audio):
    settings = AudioSettings(**{**SETTINGS.__dict__, **audio})
    return issue(root, [
        article("juanshou", "坚定信心 真抓实干", [
            "会议指出，要努力完成全年目标任务。各级干部要敢作敢为，善作善成。",
            "天津古文化街是国家级旅游景区。",
        ], column="卷首"),
        article("shangquan", "党建联盟聚合力", ["每个网格三十户，办结率很高。"], column="特别关注"),
    ], audio=settings)


def build(root, service, **options):
    iss = two_articles(root)
    result, manifest = build_audio(iss, root / "build", tts="edge", edge_endpoint=service.url,
                                   **options)
    return iss, result, root / "build" / iss.id


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    root = tmp_path_factory.mktemp("reference")
    with EdgeStandin() as service:
        iss, result, out = build(root, service, jobs=2)
    assert not result.failures and service.violations == []
    return {slug: rec["duration"] for slug, rec in result.articles.items()}


# --- completeness --------------------------------------------------------------------------------

@pytest.mark.parametrize("cut", [0.2, 0.45, 0.7, 0.9])
def test_an_answer_cut_short_is_found_wherever_it_stops(cut):
    text = "会议指出，要努力完成全年目标任务。各级干部要敢作敢为，善作善成。天津古文化街是国家级旅游景区。"
    whole = render(text)
    seconds = edge.mp3_seconds(whole.mp3)
    assert seconds == pytest.approx(decoded_seconds_of(whole.mp3), abs=0.03)
    marks = edge._marks(text, whole.sentences)
    assert edge.answer_shortfall(text, seconds, whole.sentences, marks) is None
    # what the service sends when it stops at ``cut``: the audio so far and the boundaries heard
    short = whole.mp3[:int(len(whole.mp3) * cut)]
    short_seconds = edge.mp3_seconds(short)
    heard = [b for b in whole.sentences if b[1] < short_seconds]
    reason = edge.answer_shortfall(text, short_seconds, heard, edge._marks(text, heard))
    assert reason and "不完整" in reason


def decoded_seconds_of(mp3: bytes) -> float:
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "a.mp3"
        path.write_bytes(mp3)
        return decoded_seconds(path)


# "heard": the turn sends the boundaries of the audio it sent; "all": those of the whole text,
# running past the audio (the files cut short with subtitles going on, edge-tts issue #390)
@pytest.mark.parametrize("metadata", ["heard", "all"])
def test_a_truncated_turn_is_retried_and_the_audio_is_whole(tmp_path, reference, metadata):
    with EdgeStandin(truncate=2, truncate_metadata=metadata) as service:
        _, result, out = build(tmp_path, service, jobs=1)
    assert service.stats.truncated == 2
    assert not result.failures and result.run["cache"]["retries"] == 2
    for slug, rec in result.articles.items():
        assert rec["duration"] == pytest.approx(reference[slug], abs=0.05)
        assert decoded_seconds(out / rec["path"]) == pytest.approx(reference[slug], abs=0.1)


@pytest.mark.parametrize("metadata", ["heard", "all"])
def test_an_answer_always_short_is_reported_and_never_written(tmp_path, metadata):
    with EdgeStandin(truncate=10**6, truncate_at=0.6, truncate_metadata=metadata) as service:
        iss, result, out = build(tmp_path, service, jobs=2)
    assert not result.articles
    assert len(result.failures) == 2
    assert all("[A013]" in f and "不完整" in f and "3 次" in f for f in result.failures)
    if metadata == "all":  # the boundaries outlast the audio: both lengths are named
        assert all("时间标记到" in f for f in result.failures)
    assert not list((out / "audio").glob("*.mp3"))
    assert not ChunkCache(tmp_path / "build" / ".cache" / "tts").root.exists() or \
        not list((tmp_path / "build" / ".cache" / "tts").rglob("*.chunk"))


# --- refusal -------------------------------------------------------------------------------------

def test_a_403_that_never_clears_stops_all_requests_with_the_fix(tmp_path):
    # a change of token scheme: the service wants a Sec-MS-GEC-Version this edge-tts lacks
    with EdgeStandin(gec_version="3-999.0.0.0") as service:
        iss, result, out = build(tmp_path, service, jobs=3)
    assert service.stats.turns == 0 and service.violations == []
    policy = pipeline.RETRY
    # edge-tts makes two handshakes per attempt (it retries a 403 once after fixing its clock)
    assert service.stats.handshakes <= 2 * (policy.refusal_limit + 3 - 1)
    [failure] = result.failures  # reported once, for the whole build
    assert failure.startswith("[A010]") and "HTTP 403" in failure
    assert "-m pip install --upgrade edge-tts" in failure and "时钟" in failure
    assert failure.count("《坚定信心 真抓实干》") == 1 and "《党建联盟聚合力》" in failure
    assert result.run["service"]["stopped"] == "refused"


def test_refusals_are_counted_across_the_build_not_per_chunk(tmp_path):
    article_count = 12
    iss = issue(tmp_path, [article(f"a{i}", f"文章{i}", [f"第{i}篇的正文，只有一句。"])
                           for i in range(article_count)], audio=SETTINGS)
    with EdgeStandin(gec_version="3-999.0.0.0") as service:
        result, _ = build_audio(iss, tmp_path / "build", tts="edge", edge_endpoint=service.url,
                                jobs=3)
    # one chunk each: a per-chunk bound would make 12 x 3 attempts x 2 handshakes
    assert service.stats.handshakes <= 2 * (pipeline.RETRY.refusal_limit + 2)
    assert len(result.failures) == 1 and f"{article_count} 篇没有生成" in result.failures[0]


def test_the_stand_in_refuses_what_edge_tts_would_not_send():
    """The stand-in is strict: a request without the token or the extension's headers fails."""
    async def handshake(url, headers=None):
        async with aiohttp.ClientSession() as session:
            try:
                async with session.ws_connect(url, headers=headers or {}):
                    return 101
            except aiohttp.WSServerHandshakeError as error:
                return error.status

    from edge_tts.constants import SEC_MS_GEC_VERSION, TRUSTED_CLIENT_TOKEN
    from edge_tts.drm import DRM

    with EdgeStandin() as service:
        assert asyncio.run(handshake(service.url + "?TrustedClientToken=x")) == 403
        token = (f"?TrustedClientToken={TRUSTED_CLIENT_TOKEN}&ConnectionId={'0' * 32}"
                 f"&Sec-MS-GEC={DRM.generate_sec_ms_gec()}&Sec-MS-GEC-Version={SEC_MS_GEC_VERSION}")
        assert asyncio.run(handshake(service.url + token)) == 403  # no Edge headers
        stale = token.replace(DRM.generate_sec_ms_gec(), "0" * 16 + "-" + "0" * 64)
        assert asyncio.run(handshake(service.url + stale, DRM.headers_with_muid(
            __import__("edge_tts").constants.WSS_HEADERS))) == 403
        assert service.stats.turns == 0
    assert any("Origin" in v for v in service.violations)
    assert any("TrustedClientToken" in v for v in service.violations)
    assert any("User-Agent" in v for v in service.violations)


def _raw_turn(service, text: str, *, config_first: bool = True) -> list[tuple[str, object]]:
    """One turn spoken to the stand-in with the client's messages in the given order; the
    answer as (path, payload): text messages' JSON bodies, binary audio frames' byte counts."""
    import json
    import uuid

    import edge_tts
    from edge_tts.communicate import date_to_string, mkssml, ssml_headers_plus_data
    from edge_tts.constants import SEC_MS_GEC_VERSION, TRUSTED_CLIENT_TOKEN, WSS_HEADERS
    from edge_tts.data_classes import TTSConfig
    from edge_tts.drm import DRM

    config = (f"X-Timestamp:{date_to_string()}\r\nContent-Type:application/json; charset=utf-8\r\n"
              "Path:speech.config\r\n\r\n" + json.dumps({"context": {"synthesis": {"audio": {
                  "metadataoptions": {"sentenceBoundaryEnabled": "true", "wordBoundaryEnabled": "false"},
                  "outputFormat": "audio-24khz-48kbitrate-mono-mp3"}}}}))
    ssml = ssml_headers_plus_data(uuid.uuid4().hex, date_to_string(), mkssml(
        TTSConfig("zh-CN-XiaoxiaoNeural", "+0%", "+0%", "+0Hz", "SentenceBoundary"), text))
    url = (f"{service.url}?TrustedClientToken={TRUSTED_CLIENT_TOKEN}&ConnectionId={uuid.uuid4().hex}"
           f"&Sec-MS-GEC={DRM.generate_sec_ms_gec()}&Sec-MS-GEC-Version={SEC_MS_GEC_VERSION}")

    async def talk():
        got = []
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(url, headers=DRM.headers_with_muid(WSS_HEADERS)) as ws:
                for message in ([config, ssml] if config_first else [ssml, config]):
                    await ws.send_str(message)
                async for message in ws:
                    if message.type == aiohttp.WSMsgType.TEXT:
                        head, _, body = message.data.partition("\r\n\r\n")
                        path = next(l[5:] for l in head.split("\r\n") if l.startswith("Path:"))
                        got.append((path, json.loads(body)))
                        if path == "turn.end":
                            break
                    elif message.type == aiohttp.WSMsgType.BINARY:
                        size = int.from_bytes(message.data[:2], "big")
                        got.append(("audio", len(message.data) - 2 - size))
                    else:
                        break
        return got

    assert edge_tts  # the client whose messages these are
    return asyncio.run(asyncio.wait_for(talk(), 30))


def test_the_stand_in_answers_as_the_service_streams():
    """Metadata interleaved with the audio frames, SessionEnd in the last metadata, an empty
    audio frame before turn.end; and a request out of order is a recorded violation."""
    text = "会议指出，要努力完成全年目标任务。各级干部要敢作敢为，善作善成。天津古文化街是国家级旅游景区。" * 3
    with EdgeStandin() as service:
        answer = _raw_turn(service, text)
        assert service.violations == []
        assert _raw_turn(service, "天津。", config_first=False) == []
    assert service.violations == ["ssml before speech.config"]
    paths = [p for p, _ in answer]
    assert paths[:2] == ["turn.start", "response"] and paths[-2:] == ["audio", "turn.end"]
    assert answer[-2][1] == 0  # the empty frame that ends the audio
    frames = [i for i, p in enumerate(paths) if p == "audio" and answer[i][1] > 0]
    metadata = [i for i, p in enumerate(paths) if p == "audio.metadata"]
    assert len(metadata) >= 3 and len(frames) >= 3
    assert any(frames[0] < i < frames[-1] for i in metadata)  # interleaved, not all at the end
    kinds = [[e["Type"] for e in answer[i][1]["Metadata"]] for i in metadata]
    assert kinds[-1] == ["SentenceBoundary", "SessionEnd"]
    assert all(k == ["SentenceBoundary"] for k in kinds[:-1])


def test_503_without_retry_after_backs_off_and_goes_on(tmp_path, reference):
    # what edge-tts users see after a few hundred requests (edge-tts #452): 503, no Retry-After
    with EdgeStandin(throttle=2, throttle_status=503, retry_after=None) as service:
        _, result, _ = build(tmp_path, service, jobs=3)
    assert not result.failures and service.stats.throttled == 2
    run = result.run["service"]
    assert run["throttled"] == 2 and run["lowest_concurrency"] == 1 and run["waited_seconds"] > 0
    assert {s: round(r["duration"], 1) for s, r in result.articles.items()} == \
        {s: round(d, 1) for s, d in reference.items()}


# --- throttling ----------------------------------------------------------------------------------

def test_429_honours_retry_after_and_lowers_concurrency(tmp_path, reference):
    with EdgeStandin(throttle=2, retry_after="1") as service:
        _, result, _ = build(tmp_path, service, jobs=3)
    assert not result.failures and service.stats.throttled == 2
    first = service.stats.throttled_at[0]
    # after a 429, no new handshake until Retry-After has passed (the ones already under way
    # when it came are a few milliseconds after it)
    assert not [t for t in service.stats.handshake_at if first + 0.1 < t < first + 0.95]
    run = result.run["service"]
    assert run["throttled"] == 2 and run["lowest_concurrency"] == 1 and run["waited_seconds"] >= 0.9
    assert {s: round(r["duration"], 1) for s, r in result.articles.items()} == \
        {s: round(d, 1) for s, d in reference.items()}


def test_a_service_that_throttles_beyond_one_connection_is_met_with_one(tmp_path):
    with EdgeStandin(throttle_above=0, throttle_status=503, retry_after="0") as service:
        _, result, _ = build(tmp_path, service, jobs=3)
    assert not result.failures and len(result.articles) == 2
    assert service.stats.throttled >= 1 and result.run["service"]["lowest_concurrency"] == 1


def test_a_long_block_ends_in_one_report_and_keeps_what_was_finished(tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "RETRY", pipeline.RetryPolicy(
        attempts=3, base_delay=0.02, max_delay=0.05, throttle_patience=1.5))
    iss = two_articles(tmp_path)
    first_chunks = len(pipeline.plan_article(iss, iss.articles[0],
                                             edge.EdgeEngine(iss.audio)).chunks)
    with EdgeStandin(throttle_after=first_chunks, retry_after="1") as service:
        result, _ = build_audio(iss, tmp_path / "build", tts="edge", edge_endpoint=service.url,
                                jobs=1)
    assert list(result.articles) == ["juanshou"]
    assert (tmp_path / "build" / iss.id / result.articles["juanshou"]["path"]).is_file()
    [failure] = result.failures
    assert failure.startswith("[A011]") and "《党建联盟聚合力》" in failure
    assert "已完成的 1 篇已保留" in failure and "坚定信心" not in failure


def test_the_concurrency_comes_back_when_the_service_stops_pushing_back():
    from issuepub.outputs.audio.engines.base import EngineError

    async def run():
        guard = pipeline.ServiceGuard(4, pipeline.RetryPolicy())
        for _ in range(4):
            await guard.acquire()
        for _ in range(2):
            guard.release(EngineError("限流", kind="throttled", retry_after=0))
        lowered = guard.limit
        for _ in range(2):
            guard.release(None)
        for _ in range(20):  # then the service answers every request
            await guard.acquire()
            guard.release(None)
        return lowered, guard.limit, guard.lowest

    assert asyncio.run(run()) == (1, 4, 1)


def test_retry_after_as_seconds_or_a_date():
    assert edge.retry_after_seconds("7") == 7
    assert edge.retry_after_seconds("Wed, 21 Oct 2015 07:28:30 GMT", now=1445412500) == 10
    assert edge.retry_after_seconds("soon") is None and edge.retry_after_seconds(None) is None
    assert edge.retry_after_seconds("100000") == 100000  # the guard decides what is too long


def test_a_retry_after_beyond_the_patience_stops_at_once_and_names_the_wait(tmp_path):
    # "come back in an hour": asking again sooner only prolongs the block (the test's
    # patience is 5 s, the service's wait 60 s)
    started = time.monotonic()
    with EdgeStandin(throttle=10**6, retry_after="3600") as service:
        _, result, _ = build(tmp_path, service, jobs=3)
    assert time.monotonic() - started < 20
    assert service.stats.throttled <= 3  # only the requests already under way
    [failure] = result.failures
    assert failure.startswith("[A011]") and "约 60 分钟后再试" in failure
    assert "2 篇没有生成" in failure and result.run["service"]["stopped"] == "throttled"


# --- voices --------------------------------------------------------------------------------------

def test_check_names_close_voices_for_a_withdrawn_one(example_copy, capsys):
    with EdgeStandin(withdrawn=("zh-CN-XiaoxiaoNeural",)) as service:
        code = main(["check", str(example_copy), "--tts", "edge", "--edge-endpoint", service.url])
    out = capsys.readouterr().out
    assert code == 2 and "[A001]" in out and "zh-CN-XiaoxiaoNeural" in out
    line = next(l for l in out.splitlines() if "[A001]" in l)
    assert "issue.toml:35" in line  # the voice's line
    fix = out[out.index("→"):]
    # same locale and gender first: the other Mandarin female voice before any male one
    assert fix.index("zh-CN-XiaoyiNeural") < fix.index("zh-CN-YunjianNeural")
    assert "en-US" not in fix
    assert service.stats.voice_lists == 1 and service.violations == []


def test_check_confirms_an_offered_voice(example_copy, capsys):
    with EdgeStandin() as service:
        code = main(["check", str(example_copy), "--tts", "edge", "--edge-endpoint", service.url])
    assert code == 0 and service.stats.voice_lists == 1 and service.violations == []


FULL_NAME = "Microsoft Server Speech Text to Speech Voice (zh-CN, {})"  # edge-tts takes it too


@pytest.mark.parametrize("withdrawn", [False, True])
def test_a_voice_written_as_its_full_name_is_looked_up_as_such(example_copy, capsys, withdrawn):
    toml = example_copy / "issue.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        'voice = "zh-CN-XiaoxiaoNeural"', f'voice = "{FULL_NAME.format("XiaoxiaoNeural")}"'),
        encoding="utf-8")
    gone = ("zh-CN-XiaoxiaoNeural",) if withdrawn else ()
    with EdgeStandin(withdrawn=gone) as service:
        code = main(["check", str(example_copy), "--tts", "edge", "--edge-endpoint", service.url])
    out = capsys.readouterr().out
    if not withdrawn:
        assert code == 0 and "A001" not in out
    else:  # the close voices come from its locale and gender, as for a short name
        assert code == 2 and "[A001]" in out
        fix = out[out.index("→"):]
        assert fix.index("zh-CN-XiaoyiNeural") < fix.index("zh-CN-YunjianNeural")


def test_both_spellings_of_a_voice_share_the_cache(tmp_path):
    iss = two_articles(tmp_path)
    keys = [pipeline.plan_article(iss, iss.articles[0], edge.EdgeEngine(
        AudioSettings(**{**iss.audio.__dict__, "voice": voice}))).keys
        for voice in ("zh-CN-XiaoxiaoNeural", FULL_NAME.format("XiaoxiaoNeural"))]
    assert keys[0] == keys[1]


def test_check_warns_when_the_voice_list_cannot_be_had(example_copy, capsys):
    with EdgeStandin() as service:
        url = service.url
    code = main(["check", str(example_copy), "--tts", "edge", "--edge-endpoint", url])
    out = capsys.readouterr().out
    assert code == 0 and "警告 [A002]" in out


def test_check_names_the_upgrade_when_the_voice_list_is_refused(example_copy, capsys):
    # a change of token scheme refuses the voice list too: the fix is the upgrade, not the network
    with EdgeStandin(gec_version="3-999.0.0.0") as service:
        code = main(["check", str(example_copy), "--tts", "edge", "--edge-endpoint", service.url])
    out = capsys.readouterr().out
    assert code == 0 and "警告 [A002]" in out and "HTTP 403" in out
    fix = out[out.index("→"):]
    assert "-m pip install --upgrade edge-tts" in fix and "时钟" in fix and "联网" not in fix
    assert service.stats.forbidden >= 1 and service.violations == []


def test_build_stops_before_any_work_when_the_voice_is_gone(example_copy, tmp_path, capsys):
    with EdgeStandin(withdrawn=("zh-CN-XiaoxiaoNeural",)) as service:
        code = main(["build", str(example_copy), "--out", str(tmp_path / "out"), "--tts", "edge",
                     "--edge-endpoint", service.url])
    err = capsys.readouterr().err
    assert code == 2 and "[A001]" in err and "zh-CN-XiaoyiNeural" in err
    assert service.stats.handshakes == 0
    assert not list((tmp_path / "out").rglob("*.mp3")) and not list((tmp_path / "out").rglob("*.epub"))


def test_a_voice_withdrawn_during_the_build_is_named_once(tmp_path):
    with EdgeStandin(withdrawn=("zh-CN-XiaoxiaoNeural",)) as service:
        _, result, _ = build(tmp_path, service, jobs=2)
    [failure] = result.failures
    assert failure.startswith("[A014]") and "zh-CN-XiaoxiaoNeural" in failure
    assert "zh-CN-XiaoyiNeural" in failure and "2 篇没有生成" in failure
    # not retried: the voice list said the voice is gone
    assert service.stats.silent <= 2


# --- cache ---------------------------------------------------------------------------------------

def test_upgrading_edge_tts_keeps_every_cached_chunk(tmp_path, monkeypatch):
    with EdgeStandin() as service:
        iss, first, out = build(tmp_path, service, jobs=2)
        asked = service.stats.turns
        assert not first.failures and asked == first.run["cache"]["misses"] > 0
        # the client library reports a new version; the audio files are gone, the cache kept
        monkeypatch.setattr(edge.edge_tts, "__version__", "99.0.0")
        for path in (out / "audio").iterdir():
            path.unlink()
        result, _ = build_audio(iss, tmp_path / "build", tts="edge", edge_endpoint=service.url)
    assert not result.failures
    assert service.stats.turns == asked  # nothing synthesised again
    assert result.run["cache"] == {"hits": asked, "misses": 0, "retries": 0}
    assert {r["engine_version"] for r in result.articles.values()} == {"99.0.0"}


def test_the_cache_key_follows_what_decides_the_audio(tmp_path, monkeypatch):
    iss = two_articles(tmp_path)
    key = lambda audio: pipeline.plan_article(iss, iss.articles[0],  # noqa: E731
                                              edge.EdgeEngine(audio)).keys
    base = key(iss.audio)
    monkeypatch.setattr(edge.edge_tts, "__version__", "0.0.1")
    assert key(iss.audio) == base
    for change in ({"voice": "zh-CN-XiaoyiNeural"}, {"rate": "+5%"}, {"volume": "-5%"},
                   {"pitch": "+2Hz"}):
        assert key(AudioSettings(**{**iss.audio.__dict__, **change})) != base
    monkeypatch.setattr(edge, "OUTPUT_FORMAT", "riff-24khz-16bit-mono-pcm")
    monkeypatch.setattr(edge.EdgeEngine, "output_format", edge.OUTPUT_FORMAT)
    assert key(iss.audio) != base


def test_one_build_heals_every_damaged_cache_entry(tmp_path):
    with EdgeStandin() as service:
        iss, first, out = build(tmp_path, service, jobs=2)
        entries = sorted((tmp_path / "build" / ".cache" / "tts").rglob("*.chunk"))
        assert len(entries) >= 4
        entries[0].write_bytes(entries[0].read_bytes()[:-100])  # cut short
        data = bytearray(entries[1].read_bytes())
        data[-50] ^= 0xFF  # one flipped byte in the audio
        entries[1].write_bytes(bytes(data))
        entries[2].write_bytes(b"garbage")
        asked = service.stats.turns
        for path in (out / "audio").iterdir():
            path.unlink()
        result, _ = build_audio(iss, tmp_path / "build", tts="edge", edge_endpoint=service.url)
    assert not result.failures and len(result.articles) == 2
    assert result.run["cache"]["misses"] == 3 and service.stats.turns == asked + 3
    cache = ChunkCache(tmp_path / "build" / ".cache" / "tts")
    assert all(cache.get(p.stem) is not None for p in entries[:3])


# --- waits that end (issue 13) -------------------------------------------------------------------

@pytest.fixture
def short_waits(monkeypatch):
    monkeypatch.setattr(edge, "CONNECT_TIMEOUT", 1)
    monkeypatch.setattr(edge, "FIRST_MESSAGE_TIMEOUT", 0.5)
    monkeypatch.setattr(edge, "RECEIVE_TIMEOUT", 0.5)
    monkeypatch.setattr(edge, "ANSWER_TIMEOUT", 1.5)
    monkeypatch.setattr(edge, "ANSWER_SECONDS_PER_CHAR", 0.0)


@pytest.mark.parametrize("endpoint", [
    lambda: SilentEndpoint(),  # accepts the connection, never says a byte
    lambda: SilentEndpoint(drip=0.05),  # drips the handshake's answer, byte by byte
    lambda: EdgeStandin(hang="handshake"),  # takes the HTTP request, never answers it
    lambda: EdgeStandin(hang="turn"),  # takes the synthesis request, never answers it
    lambda: EdgeStandin(hang="mid"),  # starts answering, goes silent between two frames
    lambda: EdgeStandin(drip=0.1),  # answers with a tiny frame now and then, never ending
], ids=["silent", "dripping-handshake", "hanging-handshake", "hanging-turn", "silent-mid-answer",
        "dripping-answer"])
def test_an_endpoint_that_never_finishes_does_not_hang_the_build(tmp_path, short_waits, endpoint):
    started = time.monotonic()
    with endpoint() as service:
        iss, result, out = build(tmp_path, service, jobs=2)
    elapsed = time.monotonic() - started
    assert elapsed < 30, f"build took {elapsed:.1f} s"
    assert not result.articles
    [failure] = result.failures
    assert failure.startswith("[A012]") and "响应超时" in failure


def test_the_voice_list_wait_ends(example_copy, capsys, monkeypatch):
    monkeypatch.setattr(edge, "VOICES_TIMEOUT", 0.5)
    with SilentEndpoint() as service:
        started = time.monotonic()
        code = main(["check", str(example_copy), "--tts", "edge", "--edge-endpoint", service.url])
    assert time.monotonic() - started < 10
    assert code == 0 and "[A002]" in capsys.readouterr().out


def test_options_reach_the_engine():
    engine = edge.EdgeEngine(SETTINGS, "ws://127.0.0.1:1" + PATH)
    assert engine.voices_url.startswith("http://127.0.0.1:1/consumer/speech/synthesize/readaloud/voices/list?")
    assert BuildOptions(tts="edge").edge_endpoint is None
