"""What a publish puts online: read the build ROOT (manifests and site folders), refuse what
must not go online, and list every object with its key, type, cache rule and sha256.

Reads only what the build wrote; never imports the outputs.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..addresses import placeholder_reason
from ..diagnostics import Problem, UserError
from ..fsutil import sha256_file
from ..text import shell_word

MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = "issuepub-manifest"
MAGAZINE_SITE = "site"          # ROOT/site/: the magazine-level files (index, feed, 404, …)
LEGACY_FEED = "feed.xml"        # ROOT/feed.xml: the cross-issue feed of builds before ROOT/site/

# Tiers give the upload order: nothing online may link to a file that is not there yet.
TIER_ASSETS, TIER_PAGES, TIER_INDEXES = 0, 1, 2
TIER_NAMES = {TIER_ASSETS: "音频和图片", TIER_PAGES: "文章页", TIER_INDEXES: "目录页和订阅源"}

# Audio, subtitles and pictures keep their address until re-narrated: cached long.
# Pages, feeds, indexes and the stylesheet change with every build: cached briefly.
CACHE_LONG = "public, max-age=2592000"
CACHE_SHORT = "public, max-age=300"

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".mp3": "audio/mpeg",
    ".vtt": "text/vtt; charset=utf-8",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
    ".xml": "application/xml",
}
LONG_CACHED = {".mp3", ".vtt", ".jpg", ".jpeg", ".png", ".gif", ".webp", ".svg", ".ico"}
INDEX_NAMES = {"feed.xml", "sitemap.xml", "robots.txt", "404.html"}
ARTICLE_PAGE = re.compile(r"^\d{4}/\d{2}[ab]/\d{2}/index\.html$")


@dataclass(frozen=True)
class Upload:
    """One object of the published site: ``key`` is relative to the destination's prefix."""

    key: str
    source: Path
    size: int
    sha256: str
    content_type: str
    cache_control: str
    tier: int


@dataclass(frozen=True)
class CheckTarget:
    """One address a printed code (or, without codes, an article page) sends a listener to."""

    issue_id: str
    url: str
    page: Upload
    audio: Upload | None


@dataclass(frozen=True)
class BuiltIssue:
    id: str
    title: str
    folder: Path
    base_url: str
    preview_audio: tuple[str, ...]  # slugs whose audio was made by the offline engine
    has_qr: bool


@dataclass(frozen=True)
class Plan:
    root: Path
    base_url: str
    issues: tuple[BuiltIssue, ...]
    uploads: tuple[Upload, ...]  # in upload order
    checks: tuple[CheckTarget, ...]

    @property
    def prefix(self) -> str:
        return base_url_path(self.base_url)


def base_url_path(base_url: str) -> str:
    """The path part of a base URL without slashes: the object prefix it corresponds to."""
    return urlsplit(base_url).path.strip("/")


def content_type(key: str) -> str:
    name = key.rsplit("/", 1)[-1]
    if name == "feed.xml":
        return "application/rss+xml"
    suffix = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    return CONTENT_TYPES.get(suffix, "application/octet-stream")


def cache_control(key: str) -> str:
    suffix = "." + key.rsplit(".", 1)[-1].lower() if "." in key.rsplit("/", 1)[-1] else ""
    return CACHE_LONG if suffix in LONG_CACHED else CACHE_SHORT


def tier(key: str) -> int:
    name = key.rsplit("/", 1)[-1]
    if name in INDEX_NAMES:
        return TIER_INDEXES
    if name.endswith(".html"):
        return TIER_PAGES if ARTICLE_PAGE.match(key) else TIER_INDEXES
    return TIER_ASSETS


def _problem(code: str, file: Path | None, message: str, fix: str) -> Problem:
    return Problem(code, file, None, message, fix)


def _read_manifest(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(_problem("P002", path, f"构建清单读不了：{exc}",
                                 "重新构建这一期：issuepub build 期刊文件夹 --out 根目录"))
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
        raise UserError(_problem("P002", path, "这不是 issuepub 的构建清单。",
                                 "发布的根目录只放 issuepub build 的成品（默认 build/）。"))
    return data


def _preview_slugs(manifest: dict[str, Any]) -> tuple[str, ...]:
    """Articles whose listener audio is an offline preview, wherever the manifest says so."""
    slugs: list[str] = []
    site = manifest.get("outputs", {}).get("site", {}) or {}
    for source in (manifest.get("preview_audio"), site.get("preview_audio")):
        if isinstance(source, list):
            slugs += [s for s in source if isinstance(s, str)]
    for article in manifest.get("articles", []):
        audio = (article.get("site") or {}).get("audio") or {}
        if audio and audio.get("final") is False:
            slugs.append(article.get("slug", "?"))
    return tuple(dict.fromkeys(slugs))


def _walk(folder: Path) -> list[tuple[str, Path]]:
    return sorted((p.relative_to(folder).as_posix(), p) for p in folder.rglob("*")
                  if p.is_file() and not p.name.endswith(".part"))


def _upload(key: str, path: Path) -> Upload:
    return Upload(key=key, source=path, size=path.stat().st_size, sha256=sha256_file(path),
                  content_type=content_type(key), cache_control=cache_control(key),
                  tier=tier(key))


def _site_records(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """The site output's file records (paths relative to the issue folder)."""
    records: list[dict[str, Any]] = []
    site = manifest.get("outputs", {}).get("site", {}) or {}
    for name, value in site.items():
        # The cross-issue feed is rewritten by every issue's build: only the last one matches.
        if name != "all_issues_feed" and isinstance(value, dict) and "sha256" in value \
                and str(value.get("path", "")).startswith("site/"):
            records.append(value)
    for article in manifest.get("articles", []):
        for value in (article.get("site") or {}).values():
            if isinstance(value, dict) and "sha256" in value \
                    and str(value.get("path", "")).startswith("site/"):
                records.append(value)
    return records


def find_issue_folders(root: Path) -> list[Path]:
    return sorted(p.parent for p in root.glob(f"*/{MANIFEST_NAME}")
                  if not p.parent.name.startswith(".") and p.parent.name != MAGAZINE_SITE)


def read_issue(folder: Path) -> tuple[BuiltIssue, dict[str, Any]]:
    manifest_path = folder / MANIFEST_NAME
    manifest = _read_manifest(manifest_path)
    record = manifest.get("issue") or {}
    base_url = str(record.get("base_url") or "").rstrip("/")
    if not base_url:
        raise UserError(_problem("P002", manifest_path, "构建清单里没有 base_url。",
                                 "用当前版本的 issuepub 重新构建这一期。"))
    if "site" not in (manifest.get("outputs") or {}) or not (folder / "site").is_dir():
        raise UserError(_problem(
            "P003", manifest_path, f"{folder.name} 还没有生成收听网页，没有可发布的内容。",
            f"先生成网页：issuepub build 期刊文件夹 --out {shell_word(folder.parent)} --only site"))
    issue = BuiltIssue(
        id=str(record.get("id") or folder.name), title=str(record.get("title") or folder.name),
        folder=folder, base_url=base_url, preview_audio=_preview_slugs(manifest),
        has_qr=any("qr" in a for a in manifest.get("articles", [])))
    return issue, manifest


def _stale_pages(issue: BuiltIssue, manifest: dict[str, Any], keys: set[str]) -> list[str]:
    """What in the issue's listener pages is older than its articles and narration.

    A build with ``--only audio`` (or ``epub``, ``qr``) after an edit keeps the pages, and the
    MP3 copies in them, as the last site build made them: an edited article would go online
    with its old audio, and after an article is removed or moved every address behind it would
    open another article's page (a printed code included)."""
    stale: list[str] = []
    pages = {str(r.get("path", ""))[len("site/"):] for r in _site_records(manifest)}

    def part(record: Any, key: str) -> dict[str, Any]:
        value = record.get(key) if isinstance(record, dict) else None
        return value if isinstance(value, dict) else {}

    for article in manifest.get("articles", []):
        if not isinstance(article, dict):
            continue
        name = f"第 {article.get('number')} 篇《{article.get('title')}》"
        url = article.get("url")
        site, audio = part(article, "site"), part(article, "audio")
        qr_url = part(article, "qr").get("url")
        if not site:
            stale.append(f"{name}还没有网页")
        elif site.get("url") != url:
            stale.append(f"{name}的网页还在旧网址 {site.get('url')}（现在应是 {url}）")
        elif qr_url and qr_url != url:
            stale.append(f"{name}的二维码还是旧网址 {qr_url}（现在应是 {url}）")
        elif article.get("narrate", True) and audio.get("sha256") \
                and part(site, "audio").get("sha256") != audio["sha256"]:
            stale.append(f"{name}的网页放的不是最新生成的音频")
        elif site.get("audio_outdated"):
            stale.append(f"{name}的音频是按修改前的文字生成的")
    # An article removed since the last site build: its page is still in site/.
    stale += [f"已删去的文章页 {key}" for key in sorted(keys)
              if key.endswith("index.html") and key not in pages]
    return stale


def _check_targets(issue: BuiltIssue, manifest: dict[str, Any],
                   uploads: dict[str, Upload]) -> list[CheckTarget]:
    """Every QR URL of the issue (without codes, every article page), each with the object its
    address names (``{base_url}/x/`` is ``x/index.html``) and the MP3 that page plays."""
    articles = manifest.get("articles", [])
    coded = [a for a in articles if "qr" in a]
    chosen = coded or articles
    targets = []
    silent = []  # printed codes whose page plays nothing: a listener would scan to no audio
    for article in chosen:
        site = article.get("site") or {}
        url = (article.get("qr") or {}).get("url") or site.get("url") or article.get("url") or ""
        page = None
        if url.startswith(issue.base_url + "/") and url.endswith("/"):
            page = uploads.get(url[len(issue.base_url) + 1:] + "index.html")
        if page is None:
            raise UserError(_problem(
                "P010", issue.folder / MANIFEST_NAME,
                f"第 {article.get('number')} 篇《{article.get('title')}》的网址 {url} "
                "在构建的网页里没有对应的页面。",
                "重新生成二维码和网页：issuepub build 期刊文件夹 --only qr site"))
        audio_path = (site.get("audio") or {}).get("path", "")
        audio = uploads.get(audio_path[len("site/"):]) if audio_path.startswith("site/") else None
        if coded and audio is None:
            silent.append(f"第 {article.get('number')} 篇《{article.get('title')}》")
        targets.append(CheckTarget(issue.id, url, page, audio))
    if silent:
        raise UserError(_problem(
            "P018", issue.folder / MANIFEST_NAME,
            f"{issue.id} 印了二维码的 {len(silent)} 篇文章，网页上没有音频（{'、'.join(silent)}）："
            "读者扫码后听不到。",
            f"先生成音频，再重建网页：issuepub build 期刊文件夹 --out {shell_word(issue.folder.parent)} "
            "--only audio site"))
    return targets


def make_plan(root: Path, *, allow_preview: bool = False) -> Plan:
    """Read ROOT and list the objects to publish; every refusal is a UserError (P001–P019)."""
    root = Path(root)
    if not root.is_dir():
        raise UserError(_problem("P001", root, "发布的根目录不存在。",
                                 "先构建：issuepub build 期刊文件夹（成品默认在 build/），再发布那个目录。"))
    folders = find_issue_folders(root)
    if not folders:
        raise UserError(_problem("P001", root, "这个目录里没有构建好的期刊（找不到 <期号>/manifest.json）。",
                                 "先构建：issuepub build 期刊文件夹 --out 这个目录。"))
    read = [read_issue(folder) for folder in folders]
    issues = [issue for issue, _ in read]

    base_urls = sorted({issue.base_url for issue in issues})
    if len(base_urls) > 1:
        listing = "；".join(f"{i.id}：{i.base_url}" for i in issues)
        raise UserError(_problem(
            "P007", root, f"同一个根目录里的各期网址不一致（{listing}），合在一起发布会互相覆盖。",
            "把各期 issue.toml 的 [audio] base_url 改成同一个网址后重新构建，"
            "或把不同网址的期刊构建到不同的根目录（--out）分别发布。"))
    base_url = base_urls[0]
    reason = placeholder_reason(base_url)
    if reason:
        raise UserError(_problem(
            "P005" if base_url.startswith("https://") else "P006", issues[0].folder / MANIFEST_NAME,
            f"网址 {base_url} {reason}，不能发布（印在刊物上的二维码会指向不存在的地方）。",
            "在 issue.toml 的 [audio] 里把 base_url 改成本刊正式的 https 收听网址，重新构建后再发布。"))

    by_total: dict[Any, list[BuiltIssue]] = {}
    for issue, manifest in read:
        total = (manifest.get("issue") or {}).get("total_number")
        if isinstance(total, int):
            by_total.setdefault(total, []).append(issue)
    for total, same in by_total.items():
        if len(same) > 1:
            # One issue built again after its number was corrected: the old build would stay
            # on the magazine index and in the podcast beside it.
            raise UserError(_problem(
                "P032", root, f"根目录里有 {len(same)} 期都是总第{total}期（{'、'.join(i.id for i in same)}）："
                "多半是改了年份、期号或半月后又构建了一次，改之前的那一期还在。",
                f"删除不要的那一期的文件夹（如 {shell_word(same[0].folder)}），"
                f"再重新构建留下那一期的网页：issuepub build 期刊文件夹 --out {shell_word(root)} --only site"))

    previews = [(i, i.preview_audio) for i in issues if i.preview_audio]
    if previews and not allow_preview:
        listing = "；".join(f"{i.id} 的 {len(slugs)} 篇" for i, slugs in previews)
        raise UserError(_problem(
            "P004", previews[0][0].folder / MANIFEST_NAME,
            f"音频是离线引擎的试听版（{listing}），不是正式音频。",
            "用 issuepub build 期刊文件夹 --tts edge 重新生成音频和网页后再发布；"
            "只是试上线检查，可加 --allow-preview。"))

    uploads: dict[str, Upload] = {}
    origins: dict[str, Path] = {}

    def add(key: str, path: Path) -> Upload:
        upload = _upload(key, path)
        earlier = uploads.get(key)
        if earlier is not None and earlier.sha256 != upload.sha256:
            raise UserError(_problem(
                "P017", path, f"{origins[key]} 和 {path} 要发布到同一个地址 {key}，内容却不同。",
                "同一根目录里的各期必须有不同的年份和期号；把冲突的一期构建到别的根目录。"))
        uploads[key], origins[key] = upload, path
        return upload

    by_source: dict[Path, Upload] = {}
    for issue, manifest in read:
        site_dir = issue.folder / "site"
        for key, path in _walk(site_dir):
            by_source[path] = add(key, path)
        for record in _site_records(manifest):
            path = issue.folder / record["path"]
            upload = by_source.get(path)
            if upload is None or upload.sha256 != record["sha256"]:
                raise UserError(_problem(
                    "P010", path, "网页文件与构建清单不符（构建之后被改动或删除，或上次构建没有完成）。",
                    f"重新生成网页：issuepub build 期刊文件夹 --out {shell_word(root)} --only site"))
        keys = {key for key, _ in _walk(site_dir)}
        stale = _stale_pages(issue, manifest, keys)
        if stale:
            shown = "；".join(stale[:5]) + (f"；等共 {len(stale)} 处" if len(stale) > 5 else "")
            raise UserError(_problem(
                "P030", issue.folder / MANIFEST_NAME,
                f"{issue.id} 的收听网页比文章和音频旧（{shown}）：发布出去，读者会听到旧音频或打开别的文章。",
                f"把音频、二维码和网页一起重新生成：issuepub build 期刊文件夹 --out {shell_word(root)} "
                "--only audio qr site（音频有缓存，只合成改过的部分）"))

    magazine = root / MAGAZINE_SITE
    if magazine.is_dir():
        for key, path in _walk(magazine):
            add(key, path)
    elif (root / LEGACY_FEED).is_file():
        add(LEGACY_FEED, root / LEGACY_FEED)

    checks = [t for issue, manifest in read for t in _check_targets(issue, manifest, uploads)]
    # Within a tier, deeper first: an issue's page before the magazine index that links to it.
    ordered = tuple(sorted(uploads.values(), key=lambda u: (u.tier, -u.key.count("/"), u.key)))
    return Plan(root=root, base_url=base_url, issues=tuple(issues), uploads=ordered,
                checks=tuple(checks))
