"""The magazine-level pages at the root of ``base_url``: the list of issues, the 404 page, the
sitemap and robots.txt. Pure functions from plain data to text; no I/O here.

The index links to each issue with relative links (``2025/03a/``), because the issues' sites
and these files are uploaded side by side under the same prefix. The 404 page is served at
whatever address was missing, so it links absolutely (to ``base_url``) and carries its styles.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from xml.sax.saxutils import escape as xml_escape

from .pages import CSS_NAME, FEED_NAME

INDEX_NAME = "index.html"
NOT_FOUND_NAME = "404.html"
SITEMAP_NAME = "sitemap.xml"
ROBOTS_NAME = "robots.txt"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


@dataclass(frozen=True)
class IssueEntry:
    """One issue of the magazine site: this build's from the model, the others' from their
    manifests."""

    id: str
    label: str  # 2025年第3期（上半月）
    date: str  # ISO date
    site_path: str  # 2025/03a/
    articles: int
    narrated: int  # episodes in its feed
    cover: str | None  # path below the magazine root, e.g. 2025/03a/cover.jpg
    cover_size: tuple[int, int] | None
    page_urls: tuple[str, ...]  # absolute URLs of the issue page and its article pages
    total_number: int | None = None


@dataclass(frozen=True)
class MagazineInfo:
    title: str
    base_url: str  # without trailing slash
    publisher: str = ""
    issn: str = ""
    cn: str = ""
    language: str = "zh-CN"


def chinese_date(iso: str) -> str:
    year, month, day = (int(x) for x in iso.split("-"))
    return f"{year}年{month}月{day}日"


def index_page(magazine: MagazineInfo, entries: list[IssueEntry]) -> str:
    """``index.html`` at base_url: every issue built into the root, newest first."""
    e = escape
    base = magazine.base_url + "/"
    description = f"《{magazine.title}》各期有声文章：扫描刊物上的二维码，或在这里选一期收听。"
    parts = [
        "<!DOCTYPE html>", f'<html lang="{e(magazine.language)}">', "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(magazine.title)} · 有声文章</title>",
        f'<meta name="description" content="{e(description)}">',
        f'<link rel="canonical" href="{e(base)}">',
        f'<link rel="stylesheet" href="{CSS_NAME}">',
        '<link rel="icon" href="data:,">',
        f'<link rel="alternate" type="application/rss+xml" title="{e(magazine.title)} 播客" href="{FEED_NAME}">',
        '<meta property="og:type" content="website">',
        f'<meta property="og:title" content="{e(magazine.title)} · 有声文章">',
        f'<meta property="og:description" content="{e(description)}">',
        f'<meta property="og:url" content="{e(base)}">',
        '<meta property="og:locale" content="zh_CN">',
        '<meta name="format-detection" content="telephone=no">',
        "</head>", "<body>",
        '<a class="skip" href="#main">跳到正文</a>',
        f'<header class="masthead"><a href="./">{e(magazine.title)}<span>有声文章</span></a></header>',
        '<main id="main">',
        f"<h1>{e(magazine.title)} · 各期有声文章</h1>",
        f'<p class="subscribe"><a href="{FEED_NAME}">播客订阅（RSS）</a></p>',
        '<ol class="issues">',
    ]
    for entry in entries:
        cover = ""
        if entry.cover:
            size = (f' width="{entry.cover_size[0]}" height="{entry.cover_size[1]}"'
                    if entry.cover_size else "")
            cover = f'<img src="{e(entry.cover)}" alt=""{size} loading="lazy" decoding="async">'
        facts = [f'<time datetime="{e(entry.date)}">{chinese_date(entry.date)}</time>出版',
                 f"{entry.articles} 篇文章", f"{entry.narrated} 篇可收听"]
        if entry.total_number:
            facts.insert(0, f"总第{entry.total_number}期")
        parts.append(
            f'<li><a href="{e(entry.site_path)}">{cover}<span><b>{e(entry.label)}</b>'
            f'<span class="facts">{" · ".join(f"<span class=nowrap>{x}</span>" for x in facts)}</span>'
            "</span></a></li>")
    if not entries:
        parts.append("<li>还没有发布任何一期。</li>")
    parts += ["</ol>", "</main>", _footer(magazine, "./"), "</body>", "</html>", ""]
    return "\n".join(parts)


def _footer(magazine: MagazineInfo, home: str) -> str:
    e = escape
    lines = [f'<p><a href="{e(home)}">全部期刊</a> · <a href="{e(home)}{FEED_NAME}">播客订阅（RSS）</a></p>',
             f"<p>{e(magazine.title)}</p>"]
    ids = " ".join(x for x in (f"ISSN {magazine.issn}" if magazine.issn else "",
                               f"CN {magazine.cn}" if magazine.cn else "") if x)
    if ids:
        lines.append(f"<p>{e(ids)}</p>")
    if magazine.publisher:
        lines.append(f"<p>{e(magazine.publisher)}</p>")
    return '<footer class="site-footer">\n' + "\n".join(lines) + "\n</footer>"


def not_found_page(magazine: MagazineInfo, css: str) -> str:
    """``404.html``: shown at any missing address, so absolute links and inline styles."""
    e = escape
    base = magazine.base_url + "/"
    return "\n".join([
        "<!DOCTYPE html>", f'<html lang="{e(magazine.language)}">', "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="robots" content="noindex">',
        f"<title>页面不存在 - {e(magazine.title)}</title>",
        '<link rel="icon" href="data:,">',
        f"<style>{css}</style>",
        "</head>", "<body>",
        f'<header class="masthead"><a href="{e(base)}">{e(magazine.title)}<span>有声文章</span></a></header>',
        '<main id="main">',
        "<h1>页面不存在</h1>",
        "<p>这个网址没有对应的页面：可能是网址输错了，或者这一期还没有上线。</p>",
        f'<p class="subscribe"><a href="{e(base)}">查看全部期刊</a></p>',
        "</main>",
        _footer(magazine, base),
        "</body>", "</html>", "",
    ])


def sitemap_xml(magazine: MagazineInfo, entries: list[IssueEntry]) -> bytes:
    """Every page of every issue (absolute URLs, as the sitemap protocol requires)."""
    rows = [f"<url><loc>{xml_escape(magazine.base_url + '/')}</loc>"
            + (f"<lastmod>{entries[0].date}</lastmod>" if entries else "") + "</url>"]
    for entry in entries:
        for url in entry.page_urls:
            rows.append(f"<url><loc>{xml_escape(url)}</loc><lastmod>{entry.date}</lastmod></url>")
    text = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="{SITEMAP_NS}">\n' + "\n".join(rows) + "\n</urlset>\n")
    return text.encode("utf-8")


def robots_txt(magazine: MagazineInfo) -> bytes:
    return f"User-agent: *\nAllow: /\n\nSitemap: {magazine.base_url}/{SITEMAP_NAME}\n".encode("ascii")
