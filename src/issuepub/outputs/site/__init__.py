"""Listener pages: a static site a phone opens from a printed QR code, plus podcast feeds.

Writes ``<out>/site/`` to be uploaded as it is to ``issue.audio.base_url``::

    site/<site_path>index.html          issue page: columns, articles, durations
    site/<site_path>feed.xml            the issue's podcast (RSS 2.0 + iTunes tags)
    site/<site_path>site.css            styles/site.css
    site/<site_path>cover.jpg           small cover (issue page, og:image)
    site/<site_path>artwork.jpg         square podcast artwork
    site/<article_path>index.html       one page per article, at its permanent URL
    site/<article_path><id>-NN.mp3/.vtt the narration, hard-linked (or copied) from audio/

Everything an issue needs sits under its own ``<site_path>`` and links are relative, so
several issues can be uploaded side by side under any prefix. The podcast feed across all
issues built into the same output root is written beside the issue folders, at
``<out_root>/feed.xml``, to be uploaded to ``base_url/feed.xml``.

Audio comes only from the audio output's records in the manifest (never its code). Files
under ``site/`` that this build did not write (a renumbered article's old folder) are removed,
so the folder always mirrors the current issue.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from ...fsutil import atomic_path, atomic_write_bytes, file_record
from ...model import Article, Issue
from ...pictures import cover_source, jpeg, scaled_jpeg, to_rgb
from ...styles import stylesheet
from ..base import BuildContext, OutputResult
from . import feed as rss
from . import pages

NAME = "site"
SITE_DIR = "site"
ARTWORK_NAME = "artwork.jpg"
ALL_ISSUES_FEED = "feed.xml"  # in the output root, beside the issue folders
MANIFEST_FORMAT = "issuepub-manifest"  # what a sibling issue's manifest.json says it is

FIGURE_WIDTH = 960  # px: sharp on a phone, light on a weak connection
COVER_WIDTH = 480
ARTWORK_SIZE = 1400  # the smallest square artwork podcast directories accept


@dataclass(frozen=True)
class AudioPlacement:
    """What an article's page gets: the narration (or why not) and the manifest's words for it."""

    listen: pages.Listen | None
    status: str  # final | preview | not-narrated | not-built | missing
    note: str  # shown on the page when there is no audio
    problem: str = ""  # a failure line for the build summary


def site_root(out_dir: Path) -> Path:
    return Path(out_dir) / SITE_DIR


# --- pure-ish helpers (bytes in, bytes out) ----------------------------------------------------


def square_artwork(data: bytes, size: int = ARTWORK_SIZE) -> bytes:
    """The cover fitted into a square (podcast apps crop anything else)."""
    im = to_rgb(data)
    scale = min(size / im.width, size / im.height)
    fitted = im.resize((max(1, round(im.width * scale)), max(1, round(im.height * scale))), Image.LANCZOS)
    canvas = Image.new("RGB", (size, size), (166, 27, 27))
    canvas.paste(fitted, ((size - fitted.width) // 2, (size - fitted.height) // 2))
    return jpeg(canvas, quality=82)


# --- audio from the manifest -------------------------------------------------------------------


def place_audio(issue: Issue, article: Article, audio: dict[str, Any] | None, out_dir: Path,
                folder: Path) -> tuple[AudioPlacement, list[tuple[Path, Path]]]:
    """Decide what the article's page plays; returns the placement and (source, target) files.

    Reads only the audio output's record. An article that is no longer narrated keeps no audio
    even when an old record survives in the manifest.
    """
    if not article.narrate:
        return AudioPlacement(None, "not-narrated", pages.NOTE_NOT_NARRATED), []
    if not audio or not audio.get("path"):
        return AudioPlacement(None, "not-built", pages.NOTE_NOT_BUILT), []
    mp3_source = out_dir / audio["path"]
    if not mp3_source.is_file():
        problem = (f"网页：《{article.title}》的音频文件 {audio['path']} 不见了，页面暂只有文字；"
                   f"请重新生成音频（issuepub build … --only audio site）。")
        return AudioPlacement(None, "missing", pages.NOTE_NOT_BUILT, problem), []
    base = pages.article_file_base(issue, article)
    files = [(mp3_source, folder / f"{base}.mp3")]
    vtt_name = None
    subtitles = audio.get("subtitles") or {}
    if subtitles.get("path") and (out_dir / subtitles["path"]).is_file():
        vtt_name = f"{base}.vtt"
        files.append((out_dir / subtitles["path"], folder / vtt_name))
    listen = pages.Listen(mp3=f"{base}.mp3", vtt=vtt_name, duration=float(audio.get("duration") or 0),
                          size=mp3_source.stat().st_size)
    status = "final" if audio.get("final", True) else "preview"
    return AudioPlacement(listen, status, ""), files


# --- writing -----------------------------------------------------------------------------------


class _SiteWriter:
    """Writes files atomically, skipping those whose bytes are already in place, and remembers
    everything it wrote so stale files can be removed afterwards."""

    def __init__(self, root: Path):
        self.root = root
        self.written: set[Path] = set()

    def write(self, path: Path, data: bytes) -> Path:
        if not (path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data):
            atomic_write_bytes(path, data)
        self.written.add(path)
        return path

    def link(self, source: Path, target: Path) -> Path:
        """Hard-link (falling back to a copy) so the site holds the same bytes as audio/."""
        if not (target.is_file() and _same_content(source, target)):
            with atomic_path(target) as tmp:
                tmp.unlink()
                try:
                    os.link(source, tmp)
                except OSError:  # another file system, or links not allowed
                    shutil.copyfile(source, tmp)
        self.written.add(target)
        return target

    def remove_stale(self) -> list[Path]:
        removed = []
        if not self.root.is_dir():
            return removed
        for path in sorted(self.root.rglob("*"), reverse=True):
            if path.is_file() or path.is_symlink():
                if path not in self.written:
                    path.unlink()
                    removed.append(path)
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()
        return removed


def _same_content(a: Path, b: Path) -> bool:
    try:
        if os.path.samefile(a, b):
            return True
        if a.stat().st_size != b.stat().st_size:
            return False
    except OSError:
        return False
    return _sha256(a.read_bytes()) == _sha256(b.read_bytes())


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _place_figures(issue: Issue, article: Article, folder: Path, writer: _SiteWriter,
                   failures: list[str]) -> dict[int, pages.Figure]:
    """Caption pictures scaled for phones into the article folder, by block index."""
    figures: dict[int, pages.Figure] = {}
    for index, block in enumerate(article.blocks):
        if block.kind != "caption" or not block.image:
            continue
        name = f"fig-{index + 1:02d}.jpg"
        try:
            data, width, height = scaled_jpeg((issue.root / block.image).read_bytes(), FIGURE_WIDTH)
        except OSError as exc:  # unreadable or not a picture (PIL raises OSError subclasses)
            failures.append(f"网页：《{article.title}》的图片 {block.image} 无法读取（{exc}），页面只保留图注。")
            continue
        writer.write(folder / name, data)
        figures[index] = pages.Figure(name, width, height)
    return figures


# --- the feeds ---------------------------------------------------------------------------------


def issue_channel(issue: Issue) -> rss.Channel:
    count = sum(1 for a in issue.articles if a.narrate)
    publisher = issue.magazine.publisher or issue.magazine.title
    return rss.Channel(
        title=issue.title,
        link=issue.issue_url,
        self_url=issue.issue_url + pages.FEED_NAME,
        description=f"{issue.title}的有声文章：{count} 篇文章的朗读，扫描刊物上的二维码也可收听。",
        author=publisher,
        language=issue.language,
        copyright=f"© {issue.year} {publisher}",
        image_url=issue.issue_url + ARTWORK_NAME,
    )


def episode(issue: Issue, article: Article, listen: pages.Listen) -> rss.Episode:
    url = issue.article_url(article)
    byline = f"文 / {article.byline}" if article.byline else ""
    description = "　".join(x for x in (f"【{article.column}】", pages.summary(article, 140), byline) if x)
    return rss.Episode(
        title=article.title, url=url, description=description, enclosure_url=url + listen.mp3,
        length=listen.size, duration=listen.duration, published=rss.episode_date(issue, article),
        number=article.number, author=article.author or issue.magazine.title,
    )


def all_issues_feed(issue: Issue, out_dir: Path, own: dict[str, Any]) -> tuple[bytes, list[str]]:
    """The feed across every issue of this magazine built into the same output root.

    Other issues come from their ``manifest.json`` (their site record names their feed and its
    sha256); this issue from ``own``, because its manifest is written only after this output
    returns. A sibling whose feed is missing or does not match its record is left out until it
    is rebuilt. Issues of another magazine or another base_url are not mixed in.
    """
    entries = [(own["date"], own["id"], own["feed"], own.get("artwork_url"))]
    for path in sorted(out_dir.parent.glob("*/manifest.json")):
        if path.parent.resolve() == out_dir.resolve():
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") != MANIFEST_FORMAT:
                continue
            info = data["issue"]
            record = data["outputs"][NAME]
            if info.get("code") != issue.magazine.code or info.get("base_url") != issue.audio.base_url:
                continue
            feed_data = (path.parent / record["feed"]["path"]).read_bytes()
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if _sha256(feed_data) != record["feed"].get("sha256"):
            continue
        entries.append((str(info.get("date", "")), str(info.get("id", path.parent.name)), feed_data,
                        record.get("artwork", {}).get("url")))
    entries.sort(key=lambda e: (e[0], e[1]), reverse=True)  # newest issue first
    publisher = issue.magazine.publisher or issue.magazine.title
    base = issue.audio.base_url.rstrip("/") + "/"
    channel = rss.Channel(
        title=f"{issue.magazine.title} · 有声文章",
        link=base,
        self_url=base + ALL_ISSUES_FEED,
        description=f"《{issue.magazine.title}》各期文章的朗读，按期更新。",
        author=publisher,
        language=issue.language,
        copyright=f"© {publisher}",
        image_url=next((e[3] for e in entries if e[3]), None),
    )
    items = [item for entry in entries for item in rss.feed_items(entry[2])]
    return rss.feed_bytes(channel, items), [e[1] for e in entries]


# --- the output --------------------------------------------------------------------------------


def build(ctx: BuildContext) -> OutputResult:
    issue = ctx.issue
    result = OutputResult()
    if not issue.audio.base_url:
        result.failures.append("网页：issue.toml 的 [audio] 没有 base_url，无法生成带永久网址的网页；"
                               "请填写 base_url = \"https://…\" 后重新构建。")
        return result
    ctx.progress("正在生成收听网页……")
    out_dir = ctx.out_dir
    site = site_root(out_dir)
    issue_dir = site / issue.site_path
    writer = _SiteWriter(site)
    records = {r.get("slug"): r for r in ctx.manifest.get("articles", []) if isinstance(r, dict)}

    css = writer.write(issue_dir / pages.CSS_NAME, stylesheet("site.css"))
    cover_data = cover_source(issue)
    cover_jpg, *cover_size = scaled_jpeg(cover_data, COVER_WIDTH)
    cover = writer.write(issue_dir / pages.COVER_NAME, cover_jpg)
    artwork = writer.write(issue_dir / ARTWORK_NAME, square_artwork(cover_data))

    articles = list(issue.iter_articles())
    placements: dict[str, AudioPlacement] = {}
    episodes = []
    for index, (column, article) in enumerate(articles):
        folder = site / issue.article_path(article)
        placement, files = place_audio(issue, article, records.get(article.slug, {}).get("audio"),
                                       out_dir, folder)
        for source, target in files:
            writer.link(source, target)
        placements[article.slug] = placement
        if placement.problem:
            result.failures.append(placement.problem)
        html = pages.article_page(
            issue, column, article, listen=placement.listen, note=placement.note,
            previous=articles[index - 1][1] if index > 0 else None,
            following=articles[index + 1][1] if index + 1 < len(articles) else None,
            figures=_place_figures(issue, article, folder, writer, result.failures),
        )
        page = writer.write(folder / "index.html", html.encode("utf-8"))
        record: dict[str, Any] = {
            "page": file_record(page, out_dir),
            "url": issue.article_url(article),
            "audio_status": placement.status,
        }
        if placement.listen:
            listen = placement.listen
            record["audio"] = {**file_record(folder / listen.mp3, out_dir),
                               "url": issue.article_url(article) + listen.mp3,
                               "duration": listen.duration,
                               "final": placement.status == "final"}
            if listen.vtt:
                record["subtitles"] = file_record(folder / listen.vtt, out_dir)
            episodes.append(episode(issue, article, listen))
        result.articles[article.slug] = record

    listens = {slug: p.listen for slug, p in placements.items()}
    index_page = writer.write(issue_dir / "index.html",
                              pages.issue_page(issue, listens, tuple(cover_size)).encode("utf-8"))
    feed_data = rss.feed_bytes(issue_channel(issue), [rss.episode_item(e) for e in episodes])
    feed = writer.write(issue_dir / pages.FEED_NAME, feed_data)
    removed = writer.remove_stale()
    if removed:
        ctx.progress(f"网页：删除了 {len(removed)} 个本期已不再使用的旧文件")

    artwork_url = issue.issue_url + ARTWORK_NAME
    all_data, issue_ids = all_issues_feed(issue, out_dir, {
        "date": issue.date.isoformat(), "id": issue.id, "feed": feed_data, "artwork_url": artwork_url})
    all_path = out_dir.parent / ALL_ISSUES_FEED
    atomic_write_bytes(all_path, all_data)

    page_sizes = [r["page"]["size"] for r in result.articles.values()]
    preview = [slug for slug, p in placements.items() if p.status == "preview"]
    result.record = {
        "root": SITE_DIR,
        "url": issue.issue_url,
        "index": {**file_record(index_page, out_dir), "url": issue.issue_url},
        "feed": {**file_record(feed, out_dir), "url": issue.issue_url + pages.FEED_NAME,
                 "episodes": len(episodes)},
        "stylesheet": file_record(css, out_dir),
        "cover": file_record(cover, out_dir),
        "artwork": {**file_record(artwork, out_dir), "url": artwork_url},
        "all_issues_feed": {"path": os.path.relpath(all_path, out_dir).replace(os.sep, "/"),
                            "size": len(all_data), "sha256": _sha256(all_data),
                            "url": issue.audio.base_url.rstrip("/") + "/" + ALL_ISSUES_FEED,
                            "issues": issue_ids},
        "pages": len(page_sizes) + 1,
        "largest_page": max(page_sizes + [index_page.stat().st_size]),
        "preview_audio": preview,
    }
    result.summary.append(
        f"网页：{index_page}（{len(page_sizes)} 篇文章页，最大 {result.record['largest_page'] / 1024:.0f} KB；"
        f"播客 {len(episodes)} 集：{feed}）"
    )
    waiting = [slug for slug, p in placements.items() if p.status == "not-built"]
    if waiting:
        result.summary.append(f"提示：{len(waiting)} 篇文章还没有音频，网页暂只有文字；"
                              f"生成音频后再构建网页（issuepub build … --only audio site）。")
    if preview:
        result.summary.append(f"注意：网页中有 {len(preview)} 篇音频是离线引擎的试听版，"
                              f"正式上线前请用 --tts edge 重新生成音频和网页。")
    return result
