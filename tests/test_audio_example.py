"""The example issue narrated through the whole build (sources -> model -> audio -> manifest)."""

from __future__ import annotations

import json

from mutagen.id3 import ID3
from support.engines import watched
from support.media import decoded_seconds, ebur128, parse_vtt

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
        assert tags.getall("APIC")[0].data == issue.cover.read_bytes()
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
