"""Issues built directly from the model's dataclasses (no loader), for output tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from issuepub.model import (Article, AudioSettings, Block, Column, Issue, Magazine)


def article(slug: str, title: str, body: list[tuple[str, str]] | list[str], *, column: str = "卷首",
            subtitle: str = "", author: str = "", author_role: str = "", credit: str = "",
            narrate: bool = True, number: int = 0) -> Article:
    """``body`` is paragraphs, or (kind, text) pairs for headings, quotes and captions."""
    blocks = tuple(Block(*item) if isinstance(item, tuple) else Block("paragraph", item)
                   for item in body)
    return Article(number=number, slug=slug, column=column, title=title, blocks=blocks,
                   subtitle=subtitle, author=author, author_role=author_role, credit=credit,
                   narrate=narrate)


def issue(root: Path, articles: list[Article], *, audio: AudioSettings | None = None,
          cover: Path | None = None) -> Issue:
    """An issue whose columns follow the articles' column names, numbered in reading order."""
    columns: list[tuple[str, list[Article]]] = []
    number = 0
    for a in articles:
        number += 1
        a = Article(**{**a.__dict__, "number": number})
        if not columns or columns[-1][0] != a.column:
            columns.append((a.column, []))
        columns[-1][1].append(a)
    return Issue(
        root=Path(root),
        magazine=Magazine(title="天津支部生活", code="tjzbsh", publisher="中共天津市委支部生活社"),
        edition="下半月", year=2024, number=11, date=dt.date(2024, 11, 15),
        columns=tuple(Column(name, tuple(arts)) for name, arts in columns),
        total_number=1148, cover=cover,
        audio=audio or AudioSettings(base_url="https://ting.example.cn/tjzbsh"),
    )


def short_issue(root: Path, **kwargs) -> Issue:
    """Two short narrated articles and one that is not narrated; text in the corpus's style."""
    return issue(root, [
        article("juanshou", "坚定信心 真抓实干", [
            "2024年11月4日，市委常委会召开扩大会议。",
            "会议指出，要努力完成全年目标任务！各级干部要敢作敢为。",
        ], column="卷首"),
        article("shangquan", "党建联盟聚合力", [
            ("heading", "把网格划到楼门口"),
            "每个网格30-50户，办结率达到96.5%。",
            ("quote", "群众的事没有小事。"),
            ("caption", "社区党员在楼门口听取居民意见"),
            "扫码收听有声文章",
        ], column="特别关注", subtitle="——记某商圈党建联盟", author="卢艳芝", author_role="本刊记者"),
        article("xinxi", "组工信息", ["本文不朗读。"], column="组工信息", narrate=False),
    ], **kwargs)


def build_audio(issue: Issue, out_root: Path, previous: dict | None = None, **options):
    """Run the audio output as the build does; returns (result, manifest after merging)."""
    from issuepub.build import base_manifest, merge_result
    from issuepub.outputs import audio
    from issuepub.outputs.base import BuildContext, BuildOptions

    manifest = base_manifest(issue, previous or {})
    ctx = BuildContext(issue=issue, out_dir=Path(out_root) / issue.id,
                       options=BuildOptions(**options), manifest=manifest)
    result = audio.build(ctx)
    merge_result(manifest, "audio", result)
    return result, manifest
