"""The example issue narrated through the whole build (sources -> model -> audio -> manifest)."""

from __future__ import annotations

import json

from mutagen.id3 import ID3
from support.engines import watched
from support.media import decoded_seconds, ebur128, parse_vtt, picture_difference

from issuepub.build import run_build
from issuepub.outputs.audio.engines.offline import OfflineEngine
from issuepub.outputs.base import BuildOptions
from issuepub.sources import load_issue

from conftest import EXAMPLE


def test_the_example_issue_is_narrated_and_rebuilt_from_cache(tmp_path):
    issue = load_issue(EXAMPLE)
    narrated = [a for a in issue.articles if a.narrate]
    report = run_build(EXAMPLE, tmp_path, only=["audio"], options=BuildOptions(tts="offline"))
    assert not report.failures
    manifest = json.loads(report.manifest_path.read_text(encoding="utf-8"))
    records = {r["slug"]: r.get("audio") for r in manifest["articles"]}
    assert all(records[a.slug] for a in narrated)
    for a in narrated:
        rec = records[a.slug]
        mp3 = report.out_dir / rec["path"]
        integrated, peak = ebur128(mp3)
        assert abs(integrated + 16) <= 1 and peak <= -1
        cues = parse_vtt((report.out_dir / rec["subtitles"]["path"]).read_text(encoding="utf-8"))
        assert abs(cues[-1][1] - decoded_seconds(mp3)) <= 0.1
        tags = ID3(mp3)
        assert str(tags["TALB"]) == issue.title
        assert tags["WOAS"].url == issue.article_url(a)
        picture = tags.getall("APIC")[0]
        fmt, width, difference = picture_difference(picture.data, issue.cover.read_bytes())
        assert picture.mime == "image/jpeg" and fmt == "JPEG" and width <= 600
        assert difference < 4, "the MP3's picture should show the issue's cover"
        assert len(picture.data) < 150_000  # small: a phone reads the tag before the sound
    assert manifest["outputs"]["audio"]["engine"] == "offline"
    # the issue's pronunciation override reaches what is spoken
    spoken = " ".join(
        s["spoken"]
        for a in narrated
        for s in json.loads((report.out_dir / records[a.slug]["timings"]["path"]).read_text())["segments"])
    assert "计州" in spoken and "蓟州" not in spoken

    with watched(OfflineEngine) as calls:
        again = run_build(EXAMPLE, tmp_path, only=["audio"], options=BuildOptions(tts="offline"))
    assert not again.failures and calls == []
    manifest2 = json.loads(again.manifest_path.read_text(encoding="utf-8"))
    assert [r.get("audio") for r in manifest2["articles"]] == [r.get("audio") for r in manifest["articles"]]


def test_two_clean_builds_give_the_same_bytes(tmp_path):
    """Same sources and settings -> byte-identical MP3s, subtitles, EPUBs and manifest, even
    from empty caches with different --jobs (espeak's carried-over state would otherwise make
    each chunk depend on what its worker said before)."""
    first = run_build(EXAMPLE, tmp_path / "a", options=BuildOptions(tts="offline", jobs=1,
                                                                     read_aloud=True, draft=True))
    second = run_build(EXAMPLE, tmp_path / "b", options=BuildOptions(tts="offline", jobs=2,
                                                                      read_aloud=True, draft=True))
    assert not first.failures and not second.failures
    files = sorted(p.relative_to(first.out_dir) for p in first.out_dir.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second.out_dir) for p in second.out_dir.rglob("*") if p.is_file())
    assert any(p.suffix == ".mp3" for p in files)
    different = [str(p) for p in files
                 if (first.out_dir / p).read_bytes() != (second.out_dir / p).read_bytes()]
    assert different == []
    # and a rebuild over the first one, everything taken from the cache, changes nothing
    before = {p: (first.out_dir / p).read_bytes() for p in files}
    again = run_build(EXAMPLE, tmp_path / "a", options=BuildOptions(tts="offline", read_aloud=True,
                                                                     draft=True))
    assert not again.failures
    assert [str(p) for p in files if (first.out_dir / p).read_bytes() != before[p]] == []


def test_the_offline_voice_does_not_depend_on_what_it_said_before():
    import asyncio

    from issuepub.model import AudioSettings

    async def speak(texts):
        engine = OfflineEngine(AudioSettings())
        await engine.start(1)
        try:
            return [(await engine.synthesize(t)).audio for t in texts]
        finally:
            await engine.close()

    text = "去年冬天，一场大雪让老旧小区的坡道结了冰。"
    alone, after = asyncio.run(speak([text])), asyncio.run(speak(["楼门口就是我们的主战场！", text, text]))
    assert alone[0] == after[1] == after[2]


def test_the_synthesiser_state_can_be_pinned_in_this_library():
    """Reproducible offline audio rests on finding espeak's state variables in its symbol
    table; a libespeak-ng without one (or with other names) must fail here, not silently."""
    import espeakng_loader

    from issuepub.outputs.audio.engines.offline import STATE_VARIABLES, Espeak, state_regions

    espeak = Espeak.get()  # loads the library
    regions = state_regions(espeakng_loader.get_library_path())
    assert len(regions) >= len(STATE_VARIABLES)
    assert all(0 < size <= 64 * 1024 for _, size in regions)
    assert espeak.pin_state()
    try:
        first = espeak.synthesize("同一句话，无论前面说过什么。")[0]
        espeak.synthesize("楼门口就是我们的主战场！")
        assert espeak.synthesize("同一句话，无论前面说过什么。")[0] == first
    finally:
        espeak.unpin_state()  # leave the shared instance as other tests expect it
