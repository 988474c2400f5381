"""Listener pages: a static site a phone opens from a printed QR code, plus podcast feeds.

Writes ``<out>/site/`` to be uploaded as it is to ``issue.audio.base_url``::

    site/<site_path>index.html          issue page: columns, articles, durations
    site/<site_path>feed.xml            the issue's podcast (RSS 2.0 + iTunes tags)
    site/<site_path>site.css            styles/site.css
    site/<site_path>cover.jpg           small cover (issue page, og:image)
    site/<site_path>artwork.jpg         square podcast artwork
    site/<article_path>index.html       one page per article, at its permanent URL
    site/<article_path><id>-NN.mp3/.vtt the narration, hard-linked (or copied) from audio/

and the magazine-level files, which correspond to ``base_url/`` itself, into
``<out_root>/site/``: ``index.html`` (every issue built into the root, newest first),
``feed.xml`` (the magazine's podcast: every narrated article of every issue), ``404.html``,
``sitemap.xml``, ``robots.txt``, ``site.css`` and, with ``[magazine] artwork``, ``artwork.jpg``.

Everything an issue needs sits under its own ``<site_path>`` and links are relative, so
several issues and the magazine files can be uploaded side by side under any prefix. Issues
of another magazine or another base_url in the same root are refused (W001): their files
would land at the same addresses.

The site is replaced only as a whole: it is built into a staging folder beside ``site/``
and swapped in when complete, so a failure (a full disk) leaves the previous site, and the
manifest that describes it, as they were. Audio comes only from the audio output's records
in the manifest (never its code).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from ...diagnostics import Problem, UserError
from ...fsutil import atomic_path, atomic_write_bytes, contained, file_record
from ...model import Article, Issue
from ...pictures import cover_source, jpeg, scaled_jpeg, to_rgb
from ...text import HAN, split_sentences
from ...styles import stylesheet
from ..base import BuildContext, OutputResult
from . import feed as rss
from . import magazine as mag
from . import pages

NAME = "site"
WRITES_ROOT = True  # <out_root>/site/ is shared by every issue built there: the build locks the root
SITE_DIR = "site"
ARTWORK_NAME = "artwork.jpg"
MAGAZINE_DIR = "site"  # <out_root>/site/: the magazine-level files, at base_url/
OLD_ALL_ISSUES_FEED = "feed.xml"  # <out_root>/feed.xml of earlier versions: removed
STAGING_PREFIX = ".site-staging-"
RETIRED_PREFIX = ".site-retired-"
MANIFEST_FORMAT = "issuepub-manifest"  # what a sibling issue's manifest.json says it is

_HAN = re.compile(f"[{HAN}]")
PRINT_HINT = "扫码收听有声文章"  # printed beside a code, never narrated
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


def magazine_root(out_dir: Path) -> Path:
    return Path(out_dir).parent / MAGAZINE_DIR


def issue_season(issue: Issue) -> int:
    """The issue's podcast season: 总第N期 when known, else year*100 + its half-month (1-24).

    Episode numbers are article numbers, so they repeat from issue to issue; one season per
    issue keeps every (season, episode) pair unique and stable."""
    if issue.total_number:
        return issue.total_number
    return issue.year * 100 + (issue.number - 1) * 2 + (1 if issue.edition_code == "b" else 0) + 1


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


def outdated_sentence(article: Article, timings: Path) -> str | None:
    """Why the narration is older than the article's text (its first sentence that differs),
    or None.

    The audio output's timings name every spoken sentence by its place in the text
    (target, block, index into ``split_sentences``) with its displayed words: after an edit
    and ``build --only site``, the page would show the new text beside the old narration and
    subtitles. Unreadable timings are not judged here (the page still plays its MP3)."""
    try:
        segments = json.loads(timings.read_text(encoding="utf-8"))["segments"]
        texts = {(target, block): split_sentences(text) for target, block, text in article.read_aloud}
        said = set()
        for seg in segments:
            sentences = texts.get((seg["target"], seg["block"]), [])
            index = seg["sentence"]
            if not isinstance(index, int) or not 0 <= index < len(sentences) \
                    or sentences[index] != seg["text"]:
                return f"读的“{str(seg['text'])[:30]}”已不在正文里"
            said.add((seg["target"], seg["block"], index))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    # A sentence added since: any with a Chinese character is spoken (the print hint is not).
    for (target, block), sentences in texts.items():
        for index, sentence in enumerate(sentences):
            if (target, block, index) not in said and _HAN.search(sentence.replace(PRINT_HINT, "")):
                return f"正文里的“{sentence[:30]}”没有读"
    return None


# --- writing -----------------------------------------------------------------------------------


class _SiteWriter:
    """Writes the files of a site being staged, atomically, and keeps their manifest records
    with the paths they will have once the stage is swapped in (``prefix``/…)."""

    def __init__(self, root: Path, prefix: str):
        self.root = root
        self.prefix = prefix

    def write(self, path: Path, data: bytes) -> Path:
        atomic_write_bytes(path, data)
        return path

    def link(self, source: Path, target: Path) -> Path:
        """Hard-link (falling back to a copy) so the site holds the same bytes as audio/."""
        with atomic_path(target) as tmp:
            tmp.unlink()
            try:
                os.link(source, tmp)
            except OSError:  # another file system, or links not allowed
                shutil.copyfile(source, tmp)
        return target

    def record(self, path: Path) -> dict[str, Any]:
        rec = file_record(path, self.root)
        return {**rec, "path": f"{self.prefix}/{rec['path']}"}


def _files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()} if root.is_dir() else set()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_leftovers(parent: Path) -> None:
    """Staging folders of builds that are gone (killed): never one of a running build."""
    for prefix in (STAGING_PREFIX, RETIRED_PREFIX):
        for path in parent.glob(prefix + "*"):
            pid = path.name[len(prefix):].split("-")[0]
            if pid.isdigit() and not _alive(int(pid)) and path.is_dir():
                shutil.rmtree(path, ignore_errors=True)


def swap_in(pairs: list[tuple[Path, Path]]) -> None:
    """Put each complete stage folder in place of its final folder (renames within one
    folder); if any rename fails, every final folder is put back as it was."""
    moved: list[tuple[Path, Path | None, bool]] = []  # (final, retired, new one in place)
    try:
        for stage, final in pairs:
            retired = final.with_name(f"{RETIRED_PREFIX}{os.getpid()}-{final.name}")
            if final.exists():
                os.replace(final, retired)
                moved.append((final, retired, False))
            else:
                moved.append((final, None, False))
            os.replace(stage, final)
            moved[-1] = (moved[-1][0], moved[-1][1], True)
    except OSError:
        for final, retired, placed in reversed(moved):
            if placed:
                shutil.rmtree(final, ignore_errors=True)
            if retired is not None:
                os.replace(retired, final)
        raise
    for _, retired, _ in moved:
        if retired is not None:
            shutil.rmtree(retired, ignore_errors=True)


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
        owner_name=issue.magazine.owner_name or publisher,
        owner_email=issue.magazine.owner_email,
    )


def episode(issue: Issue, article: Article, listen: pages.Listen) -> rss.Episode:
    url = issue.article_url(article)
    byline = f"文 / {article.byline}" if article.byline else ""
    description = "　".join(x for x in (f"【{article.column}】", pages.summary(article, 140), byline) if x)
    return rss.Episode(
        title=article.title, url=url, description=description, enclosure_url=url + listen.mp3,
        length=listen.size, duration=listen.duration, published=rss.episode_date(issue, article),
        number=article.number, author=article.author or issue.magazine.title,
        season=issue_season(issue), season_name=pages.issue_label(issue),
        transcript_url=url + listen.vtt if listen.vtt else None,
    )


@dataclass(frozen=True)
class _Sibling:
    entry: mag.IssueEntry
    feed: bytes
    artwork_url: str | None


def _issue_manifests(out_dir: Path):
    """(path, data) of every other issue's manifest.json in the same output root."""
    for path in sorted(out_dir.parent.glob("*/manifest.json")):
        if path.parent.resolve() == out_dir.resolve():
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and data.get("format") == MANIFEST_FORMAT:
            yield path, data


def check(ctx: BuildContext) -> None:
    """W001: another issue in this output root has a site for another magazine or base_url."""
    issue = ctx.issue
    if not issue.audio.base_url:
        return
    for path, data in _issue_manifests(ctx.out_dir):
        info = data.get("issue") or {}
        if NAME not in (data.get("outputs") or {}):
            continue
        if info.get("code") != issue.magazine.code or info.get("base_url") != issue.audio.base_url:
            raise UserError(Problem(
                "W001", path, None,
                f"输出根目录 {ctx.out_dir.parent} 里已有 {info.get('id', path.parent.name)} 的网页，"
                f"它属于刊物“{info.get('code')}”、网址 {info.get('base_url')}；"
                f"本期是“{issue.magazine.code}”、网址 {issue.audio.base_url}。"
                "一个根目录对应一个网站，两者的文件会落在同样的网址上，不能混在一起。",
                f"用 --out 另选一个输出根目录构建本期；或把 {path.parent.name} 的 base_url 改成一致后重新构建它；"
                f"或删掉不要的 {path.parent}。"))


def _siblings(issue: Issue, out_dir: Path) -> list[_Sibling]:
    """Other issues of this magazine and base_url built into the same root, from their
    manifests. One whose feed is missing or does not match its record is left out until it
    is rebuilt."""
    found = []
    for path, data in _issue_manifests(out_dir):
        try:
            info = data["issue"]
            record = data["outputs"][NAME]
            if info.get("code") != issue.magazine.code or info.get("base_url") != issue.audio.base_url:
                continue
            # A manifest is data: a feed it names outside its own issue folder is not read.
            feed_file = contained(path.parent, str(record["feed"]["path"]))
            if feed_file is None:
                continue
            feed_data = feed_file.read_bytes()
            if _sha256(feed_data) != record["feed"].get("sha256"):
                continue
            cover = record.get("cover") or {}
            cover_path = str(cover.get("path", ""))
            size = (int(cover["width"]), int(cover["height"])) if "width" in cover else None
            urls = [str(info["url"])] + [str(a["site"]["url"]) for a in data.get("articles", [])
                                         if isinstance(a, dict) and "site" in a]
            site_path = str(info["url"])[len(issue.audio.base_url.rstrip("/")) + 1:]
            entry = mag.IssueEntry(
                id=str(info["id"]),
                label=f"{info['year']}年第{info['number']}期（{info['edition']}）",
                date=str(info["date"]), site_path=site_path,
                articles=len(data.get("articles", [])),
                narrated=int(record["feed"].get("episodes", 0)),
                cover=cover_path[len(SITE_DIR) + 1:] if cover_path.startswith(SITE_DIR + "/") else None,
                cover_size=size, page_urls=tuple(urls), total_number=info.get("total_number"))
        except (OSError, ValueError, KeyError, TypeError):
            continue
        found.append(_Sibling(entry, feed_data, (record.get("artwork") or {}).get("url")))
    return found


def magazine_channel(issue: Issue, image_url: str | None) -> rss.Channel:
    publisher = issue.magazine.publisher or issue.magazine.title
    base = issue.audio.base_url.rstrip("/") + "/"
    return rss.Channel(
        title=f"{issue.magazine.title} · 有声文章",
        link=base,
        self_url=base + pages.FEED_NAME,
        description=f"《{issue.magazine.title}》各期文章的朗读，按期更新。",
        author=publisher,
        language=issue.language,
        copyright=f"© {publisher}",
        image_url=image_url,
        owner_name=issue.magazine.owner_name or publisher,
        owner_email=issue.magazine.owner_email,
    )


def _write_magazine(issue: Issue, own: _Sibling, siblings: list[_Sibling], stage: Path,
                    writer: _SiteWriter) -> tuple[dict[str, Any], list[str]]:
    """The magazine-level files into ``stage``; returns their record and the issue ids."""
    everyone = sorted([own, *siblings], key=lambda s: (s.entry.date, s.entry.id), reverse=True)
    base = issue.audio.base_url.rstrip("/")
    info = mag.MagazineInfo(title=issue.magazine.title, base_url=base,
                            publisher=issue.magazine.publisher, issn=issue.magazine.issn,
                            cn=issue.magazine.cn, language=issue.language)
    files: dict[str, Path] = {}
    css = stylesheet("site.css")
    files["stylesheet"] = writer.write(stage / pages.CSS_NAME, css)
    image_url = next((s.artwork_url for s in everyone if s.artwork_url), None)
    if issue.magazine.artwork is not None:
        data = issue.magazine.artwork.read_bytes()
        side = min(max(to_rgb(data).width, ARTWORK_SIZE), 3000)
        files["artwork"] = writer.write(stage / ARTWORK_NAME, square_artwork(data, side))
        image_url = f"{base}/{ARTWORK_NAME}"
    entries = [s.entry for s in everyone]
    items = [item for s in everyone for item in rss.feed_items(s.feed)]
    files["feed"] = writer.write(stage / pages.FEED_NAME,
                                 rss.feed_bytes(magazine_channel(issue, image_url), items))
    files["index"] = writer.write(stage / mag.INDEX_NAME, mag.index_page(info, entries).encode("utf-8"))
    files["not_found"] = writer.write(stage / mag.NOT_FOUND_NAME,
                                      mag.not_found_page(info, css.decode("utf-8")).encode("utf-8"))
    files["sitemap"] = writer.write(stage / mag.SITEMAP_NAME, mag.sitemap_xml(info, entries))
    files["robots"] = writer.write(stage / mag.ROBOTS_NAME, mag.robots_txt(info))
    record = {key: writer.record(path) for key, path in files.items()}
    record["feed"]["url"] = f"{base}/{pages.FEED_NAME}"
    record["feed"]["episodes"] = len(items)
    record["index"]["url"] = f"{base}/"
    record["url"] = f"{base}/"
    record["issues"] = [e.id for e in entries]
    return record, record["issues"]


# --- the output --------------------------------------------------------------------------------


def build(ctx: BuildContext) -> OutputResult:
    issue = ctx.issue
    result = OutputResult()
    if not issue.audio.base_url:
        result.failures.append("网页：issue.toml 的 [audio] 没有 base_url，无法生成带永久网址的网页；"
                               "请填写 base_url = \"https://…\" 后重新构建。")
        return result
    check(ctx)
    ctx.progress("正在生成收听网页……")
    out_dir = ctx.out_dir
    final_site, final_magazine = site_root(out_dir), magazine_root(out_dir)
    remove_leftovers(out_dir)
    remove_leftovers(final_magazine.parent)
    stage = out_dir / f"{STAGING_PREFIX}{os.getpid()}"
    magazine_stage = final_magazine.parent / f"{STAGING_PREFIX}{os.getpid()}-{MAGAZINE_DIR}"
    def discard() -> None:
        for folder in (stage, magazine_stage):
            if folder.exists():
                shutil.rmtree(folder, ignore_errors=True)

    try:
        for folder in (stage, magazine_stage):
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
        built = _build_issue_site(ctx, result, stage)
        siblings = _siblings(issue, out_dir)
        magazine_record, issue_ids = _write_magazine(
            issue, built, siblings, magazine_stage,
            _SiteWriter(magazine_stage, os.path.relpath(final_magazine, out_dir).replace(os.sep, "/")))
        gone = _files(final_site) - _files(stage)
    except BaseException:
        discard()
        raise

    def commit(keep: bool) -> None:
        """``keep``: both stages are complete and the manifest describing them is on disk under
        its temporary name: swap the issue's site and the magazine files in (the build renames
        the manifest next). Otherwise the manifest could not be written: throw them away."""
        try:
            if keep:
                swap_in([(stage, final_site), (magazine_stage, final_magazine)])
        finally:
            discard()
        if not keep:
            return
        old_feed = out_dir.parent / OLD_ALL_ISSUES_FEED
        if old_feed.is_file():  # the layout before the magazine site: its feed is now site/feed.xml
            old_feed.unlink()
        if gone:
            ctx.progress(f"网页：删除了 {len(gone)} 个本期已不再使用的旧文件")

    result.commit = commit
    result.record["magazine"] = magazine_record
    # The same 总第N期 twice: most likely this issue built again after its year, number or
    # half-month was corrected, the earlier build still in the root and on the magazine index.
    for twin in (s.entry for s in siblings if issue.total_number is not None
                 and s.entry.total_number == issue.total_number):
        result.summary.append(
            f"注意：输出根目录里的 {twin.id} 也是总第{issue.total_number}期。如果本期的年份、期号或半月改过，"
            f"它就是改之前构建的那一期，仍在杂志首页和播客里（发布会被拒绝，P032）："
            f"确认后删除 {out_dir.parent / twin.id}，再重新构建本期网页（--only site）。")
    result.summary.append(
        f"杂志网站：{final_magazine}/（{len(issue_ids)} 期；播客 {magazine_record['feed']['episodes']} 集："
        f"{final_magazine / pages.FEED_NAME}）")
    return result


def _build_issue_site(ctx: BuildContext, result: OutputResult, stage: Path) -> _Sibling:
    """The issue's whole site into ``stage``; fills ``result``; returns its entry for the
    magazine files."""
    issue = ctx.issue
    out_dir = ctx.out_dir
    site = stage
    issue_dir = site / issue.site_path
    writer = _SiteWriter(stage, SITE_DIR)
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
        timings = ((records.get(article.slug) or {}).get("audio") or {}).get("timings") or {}
        outdated = None
        if placement.listen and isinstance(timings, dict) and timings.get("path"):
            outdated = outdated_sentence(article, out_dir / str(timings["path"]))
        if outdated is not None:
            result.failures.append(
                f"网页：《{article.title}》的音频是按修改前的文字生成的（{outdated}），"
                "页面上的文字与音频、字幕对不上；请重新生成音频（issuepub build 期刊文件夹 --only audio site）。")
        html = pages.article_page(
            issue, column, article, listen=placement.listen, note=placement.note,
            previous=articles[index - 1][1] if index > 0 else None,
            following=articles[index + 1][1] if index + 1 < len(articles) else None,
            figures=_place_figures(issue, article, folder, writer, result.failures),
        )
        page = writer.write(folder / "index.html", html.encode("utf-8"))
        record: dict[str, Any] = {
            "page": writer.record(page),
            "url": issue.article_url(article),
            "audio_status": placement.status,
        }
        if outdated is not None:
            record["audio_outdated"] = True  # publish refuses it (P030)
        if placement.listen:
            listen = placement.listen
            record["audio"] = {**writer.record(folder / listen.mp3),
                               "url": issue.article_url(article) + listen.mp3,
                               "duration": listen.duration,
                               "final": placement.status == "final"}
            if listen.vtt:
                record["subtitles"] = {**writer.record(folder / listen.vtt),
                                       "url": issue.article_url(article) + listen.vtt}
            episodes.append(episode(issue, article, listen))
        result.articles[article.slug] = record

    listens = {slug: p.listen for slug, p in placements.items()}
    index_page = writer.write(issue_dir / "index.html",
                              pages.issue_page(issue, listens, tuple(cover_size)).encode("utf-8"))
    feed_data = rss.feed_bytes(issue_channel(issue), [rss.episode_item(e) for e in episodes])
    feed = writer.write(issue_dir / pages.FEED_NAME, feed_data)

    artwork_url = issue.issue_url + ARTWORK_NAME
    page_sizes = [r["page"]["size"] for r in result.articles.values()]
    preview = [slug for slug, p in placements.items() if p.status == "preview"]
    cover_record = {**writer.record(cover), "width": cover_size[0], "height": cover_size[1]}
    result.record = {
        "root": SITE_DIR,
        "url": issue.issue_url,
        "index": {**writer.record(index_page), "url": issue.issue_url},
        "feed": {**writer.record(feed), "url": issue.issue_url + pages.FEED_NAME,
                 "episodes": len(episodes)},
        "stylesheet": writer.record(css),
        "cover": cover_record,
        "artwork": {**writer.record(artwork), "url": artwork_url},
        "pages": len(page_sizes) + 1,
        "largest_page": max(page_sizes + [index_page.stat().st_size]),
        "preview_audio": preview,
    }
    final_index = site_root(out_dir) / issue.site_path / "index.html"
    result.summary.append(
        f"网页：{final_index}（{len(page_sizes)} 篇文章页，最大 {result.record['largest_page'] / 1024:.0f} KB；"
        f"播客 {len(episodes)} 集：{final_index.with_name(pages.FEED_NAME)}）"
    )
    waiting = [slug for slug, p in placements.items() if p.status == "not-built"]
    if waiting:
        result.summary.append(f"提示：{len(waiting)} 篇文章还没有音频，网页暂只有文字；"
                              f"生成音频后再构建网页（issuepub build … --only audio site）。")
    if preview:
        result.summary.append(f"注意：网页中有 {len(preview)} 篇音频是离线引擎的试听版，"
                              f"正式上线前请用 --tts edge 重新生成音频和网页。")
    entry = mag.IssueEntry(
        id=issue.id, label=pages.issue_label(issue), date=issue.date.isoformat(),
        site_path=issue.site_path, articles=len(issue.articles), narrated=len(episodes),
        cover=issue.site_path + pages.COVER_NAME, cover_size=(cover_size[0], cover_size[1]),
        page_urls=(issue.issue_url, *(issue.article_url(a) for a in issue.articles)),
        total_number=issue.total_number)
    return _Sibling(entry, feed_data, artwork_url)
