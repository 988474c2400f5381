"""Fixtures for the listener-page tests: a tiny issue from the model's dataclasses, narration
files made with ffmpeg, and a build of the site output the way ``issuepub.build`` runs it.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from support.media import make_mp3, mp3_seconds

from issuepub.build import base_manifest, merge_result, write_manifest
from issuepub.fsutil import file_record
from issuepub.model import Article, AudioSettings, Block, Column, Issue, Magazine
from issuepub.outputs import site
from issuepub.outputs.base import BuildContext, BuildOptions, OutputResult

BASE_URL = "https://ting.example.cn/tjzbsh"

# Hostile text: markup, both quote kinds, an ampersand and an entity-looking string.
EVIL_TITLE = '<script>alert("t")</script> 标题 “引号” \'单\' & &amp;'
EVIL_TEXT = '正文</p><script>alert(1)</script><img src=x onerror="alert(2)"> 与 "quote" & \'x\''


def tiny_issue(root: Path, *, number: int = 11, edition: str = "下半月", year: int = 2024,
               date: dt.date = dt.date(2024, 11, 15), evil: bool = False,
               articles: int = 3, base_url: str = BASE_URL) -> Issue:
    """A small issue: two columns, ``articles`` articles; article 3 is not narrated."""
    root.mkdir(parents=True, exist_ok=True)
    title = EVIL_TITLE if evil else "楼门口的“红色管家”"
    text = EVIL_TEXT if evil else "清晨七点半，社区党委书记已经走完了第一遍楼道。"

    def article(n: int, column: str) -> Article:
        return Article(
            number=n,
            slug=f"a{n}",
            column=column,
            title=title if n == 1 else f"第{n}篇文章",
            subtitle=('——"副标题"<b>粗</b>' if evil else "——记网格服务") if n == 1 else "",
            author="<i>李明远</i>" if evil else "李明远",
            author_role="本刊记者",
            credit='某单位 "供稿" <br>' if evil and n == 1 else ("某单位 供稿" if n == 1 else ""),
            page=n * 2,
            narrate=n != 3,
            blocks=(
                Block("paragraph", text),
                Block("heading", "<h1>小标题</h1>" if evil else "把网格划到楼门口"),
                Block("paragraph", f"第{n}篇的第二段。居民有事可以直接拨打热线。"),
                Block("quote", "群众的事没有小事<q>" if evil else "群众的事没有小事。"),
                Block("caption", "图注<img src=y onerror=alert(3)>" if evil else "社区党员在楼门口听取居民意见"),
            ),
        )

    numbers = list(range(1, articles + 1))
    columns = (
        Column("特别关注<script>" if evil else "特别关注", tuple(article(n, "特别关注") for n in numbers[:2]),
               feature="社区里的“红色管家”"),
        Column("言论", tuple(article(n, "言论") for n in numbers[2:])),
    )
    return Issue(
        root=root,
        magazine=Magazine(title="天津支部生活", code="tjzbsh", issn="0412-0892", cn="12-1001/D",
                          publisher="中共天津市委支部生活社"),
        edition=edition, year=year, number=number, date=date,
        columns=tuple(c for c in columns if c.articles), total_number=1148,
        audio=AudioSettings(base_url=base_url),
    )


def vtt_text(cues: list[tuple[float, float, str]]) -> str:
    def ts(t: float) -> str:
        ms = int(round(t * 1000))
        return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"

    lines = ["WEBVTT", ""]
    for i, (start, end, text) in enumerate(cues, start=1):
        lines += [str(i), f"{ts(start)} --> {ts(end)}", text, ""]
    return "\n".join(lines)


def make_audio(out_dir: Path, article: Article, seconds: float, *, final: bool = True) -> dict[str, Any]:
    """Narration files where the audio output puts them, and its manifest record for them."""
    mp3 = out_dir / "audio" / f"{article.number:02d}-{article.slug}.mp3"
    make_mp3(mp3, seconds, frequency=330 + 110 * article.number, bitrate="32k")
    duration = mp3_seconds(mp3)
    vtt = mp3.with_suffix(".vtt")
    half = round(duration / 2, 3)
    vtt.write_text(vtt_text([(0.0, half, article.title), (half, duration, "第二句字幕。")]),
                   encoding="utf-8")
    return {
        **file_record(mp3, out_dir),
        "duration": duration,
        "engine": "offline" if not final else "edge",
        "voice": "zh-CN-XiaoxiaoNeural",
        "final": final,
        "subtitles": file_record(vtt, out_dir),
        "timings": {},
    }


def manifest_path(out_dir: Path) -> Path:
    return out_dir / "manifest.json"


def build_site(issue: Issue, out_root: Path, audio: dict[str, dict[str, Any]] | None = None,
               *, progress=lambda message: None) -> tuple[OutputResult, dict[str, Any], Path]:
    """Run the site output as ``issuepub.build`` does (manifest in, records merged, written).

    ``audio`` maps slugs to audio records to put in the manifest before the site runs.
    """
    out_dir = out_root / issue.id
    out_dir.mkdir(parents=True, exist_ok=True)
    previous = {}
    if manifest_path(out_dir).is_file():
        previous = json.loads(manifest_path(out_dir).read_text(encoding="utf-8"))
    manifest = base_manifest(issue, previous)
    for record in manifest["articles"]:
        if audio and record["slug"] in audio:
            record["audio"] = audio[record["slug"]]
    ctx = BuildContext(issue=issue, out_dir=out_dir, options=BuildOptions(), manifest=manifest,
                       progress=progress)
    result = site.build(ctx)
    merge_result(manifest, site.NAME, result)
    write_manifest(manifest_path(out_dir), manifest, result.commit)  # as the build does
    return result, manifest, out_dir


def narrated_issue(tmp: Path, *, evil: bool = False, seconds: float = 2.5, **kw) -> tuple[Issue, Path, dict]:
    """A tiny issue with MP3+VTT for its narrated articles, built into ``tmp/build``."""
    issue = tiny_issue(tmp / "issue", evil=evil, **kw)
    out_root = tmp / "build"
    out_dir = out_root / issue.id
    audio = {a.slug: make_audio(out_dir, a, seconds + a.number * 0.5) for a in issue.articles if a.narrate}
    result, manifest, out_dir = build_site(issue, out_root, audio)
    return issue, out_dir, manifest


def site_file_for_url(out_dir: Path, issue: Issue, url: str) -> Path:
    """The file in the built site that an absolute URL under base_url names."""
    base = issue.audio.base_url.rstrip("/") + "/"
    assert url.startswith(base), url
    path = out_dir / "site" / url[len(base):]
    return path / "index.html" if url.endswith("/") else path
