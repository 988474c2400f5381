"""The listener pages' HTML: pure functions from the model (plus where the audio was placed)
to one page's text. No I/O here.

Every string from the sources goes through ``escape`` (text and attributes alike). Links
between pages are relative (``../03/``, ``../site.css``) so the folder works under any prefix;
only the share metadata (og:url, canonical, og:audio, og:image) is absolute, because it must be.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from html import escape

from ...model import Article, Column, Issue

CSS_NAME = "site.css"  # in the issue folder: an issue's pages never depend on another issue's
FEED_NAME = "feed.xml"  # the issue's feed in its folder; the magazine's at the root of base_url
COVER_NAME = "cover.jpg"

NOTE_NOT_NARRATED = "本文不提供朗读音频，欢迎阅读全文。"
NOTE_NOT_BUILT = "本文的朗读音频尚未发布，请先阅读全文，稍后再来收听。"

# Shows the sentence being read under the player. Optional: without JavaScript the player and
# the text work as they are. The track is switched to "hidden" so it loads and fires cuechange
# in browsers that show no captions for <audio>. The line keeps the last sentence through the
# pauses between cues, so the page does not jump while playing.
CUE_SCRIPT = (
    "(function(){var a=document.getElementById('player'),o=document.getElementById('cue');"
    "if(!a||!o||!a.textTracks||!a.textTracks.length)return;var t=a.textTracks[0];"
    "t.mode='hidden';t.addEventListener('cuechange',function(){var c=t.activeCues;"
    "if(c&&c.length)o.textContent=c[0].text;});})();"
)


@dataclass(frozen=True)
class Listen:
    """An article's narration as placed in its page folder."""

    mp3: str  # file name in the article folder
    vtt: str | None  # file name in the article folder, when the audio output wrote subtitles
    duration: float  # seconds
    size: int  # bytes of the MP3


@dataclass(frozen=True)
class Figure:
    """A picture placed in the article folder (already scaled for phones)."""

    src: str
    width: int
    height: int


def format_duration(seconds: float) -> str:
    """5分12秒, 45秒, 1小时2分3秒: how a listener reads a length."""
    total = max(0, int(round(seconds)))
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    if h:
        return f"{h}小时{m}分{s}秒"
    if m:
        return f"{m}分{s}秒"
    return f"{s}秒"


def iso_duration(seconds: float) -> str:
    total = max(0, int(round(seconds)))
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return "PT" + (f"{h}H" if h else "") + (f"{m}M" if m else "") + f"{s}S"


def format_size(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB" if size >= 100_000 else f"{max(1, round(size / 1000))} KB"


def chinese_date(date: _dt.date) -> str:
    return f"{date.year}年{date.month}月{date.day}日"


def issue_label(issue: Issue) -> str:
    """2025年第3期（上半月）, the issue without the magazine's name."""
    return f"{issue.year}年第{issue.number}期（{issue.edition}）"


def summary(article: Article, limit: int = 90) -> str:
    """A share description: the subtitle, else the opening of the first paragraph."""
    text = article.subtitle.lstrip("—－- ").strip()
    if not text:
        text = next((b.text for b in article.blocks if b.kind == "paragraph"), article.title)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def article_file_base(issue: Issue, article: Article) -> str:
    """Name of the article's media files: stable ids only, so enclosure URLs never change with
    a slug, and a downloaded file still says which issue and article it is."""
    return f"{issue.id}-{article.number:02d}"


def magazine_home(issue: Issue, depth: int = 0) -> str:
    """Relative link to the magazine's root (base_url/) from the issue page (depth 0) or an
    article page (depth 1): relative, so the site works under any prefix."""
    return "../" * (issue.site_path.count("/") + depth)


def magazine_feed(issue: Issue, depth: int = 0) -> str:
    """Relative link to the magazine's podcast feed: what every subscribe link names."""
    return magazine_home(issue, depth) + FEED_NAME


def _head(*, title: str, description: str, url: str, css: str, feed: str, og_type: str,
          site_name: str, image: str | None, audio: str | None, lang: str) -> list[str]:
    e = escape
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{e(lang)}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(title)}</title>",
        f'<meta name="description" content="{e(description)}">',
        f'<link rel="canonical" href="{e(url)}">',
        f'<link rel="stylesheet" href="{e(css)}">',
        # No icon: saves the browser's request for /favicon.ico, outside our folder anyway.
        '<link rel="icon" href="data:,">',
        f'<link rel="alternate" type="application/rss+xml" title="{e(site_name)} 播客" href="{e(feed)}">',
        f'<meta property="og:type" content="{e(og_type)}">',
        f'<meta property="og:site_name" content="{e(site_name)}">',
        f'<meta property="og:title" content="{e(title)}">',
        f'<meta property="og:description" content="{e(description)}">',
        f'<meta property="og:url" content="{e(url)}">',
        '<meta property="og:locale" content="zh_CN">',
    ]
    if image:
        parts.append(f'<meta property="og:image" content="{e(image)}">')
    if audio:
        parts.append(f'<meta property="og:audio" content="{e(audio)}">')
        parts.append('<meta property="og:audio:type" content="audio/mpeg">')
    parts += [
        '<meta name="twitter:card" content="summary">',
        f'<meta name="twitter:title" content="{e(title)}">',
        f'<meta name="twitter:description" content="{e(description)}">',
        '<meta name="format-detection" content="telephone=no">',
        "</head>",
    ]
    return parts


def _masthead(issue: Issue, home: str) -> str:
    return (
        f'<a class="skip" href="#main">跳到正文</a>\n'
        f'<header class="masthead"><a href="{escape(home)}">{escape(issue.magazine.title)}'
        f"<span>{escape(issue_label(issue))}</span></a></header>"
    )


def _footer(issue: Issue, *, home: str | None, depth: int) -> str:
    m = issue.magazine
    links = [f'<a href="{escape(home)}">本期目录</a>'] if home else []
    links += [f'<a href="{escape(magazine_home(issue, depth))}">全部期刊</a>',
              f'<a href="{escape(magazine_feed(issue, depth))}">播客订阅（RSS）</a>']
    lines = ['<p class="links">' + " · ".join(links) + "</p>"]
    number = f"{issue.magazine.title} {issue_label(issue)}"
    if issue.total_number:
        number += f" 总第{issue.total_number}期"
    lines.append(f"<p>{escape(number)}</p>")
    ids = " ".join(x for x in (f"ISSN {m.issn}" if m.issn else "", f"CN {m.cn}" if m.cn else "") if x)
    if ids:
        lines.append(f"<p>{escape(ids)}</p>")
    if m.publisher:
        lines.append(f"<p>{escape(m.publisher)}</p>")
    return '<footer class="site-footer">\n' + "\n".join(lines) + "\n</footer>"


def _blocks(article: Article, figures: dict[int, Figure]) -> list[str]:
    parts = []
    for index, block in enumerate(article.blocks):
        text = escape(block.text)
        if block.kind == "heading":
            parts.append(f"<h2>{text}</h2>")
        elif block.kind == "quote":
            parts.append(f"<blockquote><p>{text}</p></blockquote>")
        elif block.kind == "caption":
            figure = figures.get(index)
            if figure:
                parts.append(
                    f'<figure><img src="{escape(figure.src)}" width="{figure.width}" '
                    f'height="{figure.height}" loading="lazy" decoding="async" alt="{text}">'
                    f"<figcaption>{text}</figcaption></figure>"
                )
            else:
                parts.append(f'<p class="caption">{text}</p>')
        else:
            parts.append(f"<p>{text}</p>")
    return parts


def _player(article: Article, listen: Listen, audio_url: str) -> list[str]:
    e = escape
    length = format_duration(listen.duration)
    mp3 = e(listen.mp3)
    track = ""
    if listen.vtt:
        track = f'<track kind="captions" srclang="zh" label="中文字幕" src="{e(listen.vtt)}" default>'
    return [
        '<section class="player" aria-labelledby="listen-h">',
        '<h2 id="listen-h" class="vh">收听本文</h2>',
        f'<audio id="player" controls preload="none" src="{mp3}" '
        f'aria-label="{e("收听《" + article.title + "》，时长" + length)}">{track}'
        f'<a href="{mp3}">下载音频</a></audio>',
        f'<p>时长 <time datetime="{iso_duration(listen.duration)}">{length}</time>'
        f' · <a class="download" href="{mp3}" download>下载 MP3（{format_size(listen.size)}）</a></p>',
        '<p id="cue" class="cue" aria-hidden="true"></p>' if listen.vtt else "",
        "</section>",
    ]


def article_page(issue: Issue, column: Column, article: Article, *, listen: Listen | None,
                 note: str, previous: Article | None, following: Article | None,
                 figures: dict[int, Figure]) -> str:
    """The page a QR code opens: ``<article_path>index.html``; ``note`` is shown without audio."""
    e = escape
    url = issue.article_url(article)
    audio_url = url + listen.mp3 if listen else None
    head = _head(
        title=f"{article.title} - {issue.magazine.title}",
        description=summary(article), url=url, css=f"../{CSS_NAME}", feed=magazine_feed(issue, 1),
        og_type="article", site_name=issue.magazine.title,
        image=issue.issue_url + COVER_NAME, audio=audio_url,
        lang=issue.language,
    )
    body = ["<body>", _masthead(issue, "../"), '<main id="main">',
            '<article class="article" aria-labelledby="title">', "<header>"]
    kicker = column.name + (f" · {column.feature}" if column.feature else "")
    body.append(f'<p class="column">{e(kicker)}</p>')
    body.append(f'<h1 id="title">{e(article.title)}</h1>')
    if article.subtitle:
        body.append(f'<p class="subtitle">{e(article.subtitle)}</p>')
    if article.byline:
        body.append(f'<p class="byline">文 / {e(article.byline)}</p>')
    body.append("</header>")
    if listen:
        body += [p for p in _player(article, listen, audio_url or "") if p]
    else:
        body.append(f'<p class="note" role="note">{e(note)}</p>')
    body.append('<div class="text">')
    body += _blocks(article, figures)
    body.append("</div>")
    if article.credit:
        body.append(f'<p class="credit">（{e(article.credit)}）</p>')
    body.append("</article>")
    links = []
    if previous:
        links.append(f'<a class="prev" rel="prev" href="../{previous.number:02d}/">'
                     f"<b>上一篇</b>{e(previous.title)}</a>")
    if following:
        links.append(f'<a class="next" rel="next" href="../{following.number:02d}/">'
                     f"<b>下一篇</b>{e(following.title)}</a>")
    links.append('<a class="up" href="../"><b>本期目录</b>' + e(issue_label(issue)) + "</a>")
    body.append('<nav class="pager" aria-label="文章导航">' + "".join(links) + "</nav>")
    body.append("</main>")
    body.append(_footer(issue, home="../", depth=1))
    if listen and listen.vtt:
        body.append(f"<script>{CUE_SCRIPT}</script>")
    body += ["</body>", "</html>", ""]
    return "\n".join(head + body)


def issue_page(issue: Issue, listens: dict[str, Listen | None], cover_size: tuple[int, int]) -> str:
    """The issue's table of contents: ``<site_path>index.html``, columns, articles, durations.

    ``cover_size`` is the pixel size of cover.jpg (so the layout does not jump as it loads)."""
    e = escape
    description = f"{issue.title}：{len(issue.articles)} 篇文章，扫码或点选收听。"
    head = _head(
        title=issue.title, description=description, url=issue.issue_url, css=CSS_NAME,
        feed=magazine_feed(issue), og_type="website", site_name=issue.magazine.title,
        image=issue.issue_url + COVER_NAME, audio=None, lang=issue.language,
    )
    body = ["<body>", _masthead(issue, "./"), '<main id="main">', '<div class="issue-head">']
    alt = issue.colophon.cover_caption or f"{issue.title} 封面"
    body.append(f'<img src="{COVER_NAME}" alt="{e(alt)}" width="{cover_size[0]}" height="{cover_size[1]}">')
    facts = [chinese_date(issue.date) + "出版"]
    if issue.total_number:
        facts.insert(0, f"总第{issue.total_number}期")
    body += [
        "<div>",
        # The edition in its own nowrap span: a narrow screen breaks before it, not inside it.
        f'<h1>{issue.year}年第{issue.number}期<span class="nowrap">（{e(issue.edition)}）</span></h1>',
        *(f"<p>{e(fact)}</p>" for fact in facts),
        f'<p class="subscribe"><a href="{escape(magazine_feed(issue))}">播客订阅（RSS）</a>'
        f'<a href="{FEED_NAME}">只订阅本期</a></p>',
        "</div>",
        "</div>",
        '<nav class="toc" aria-label="本期目录">',
    ]
    for index, column in enumerate(issue.columns, start=1):
        body.append(f'<section aria-labelledby="col-{index}">')
        body.append(f'<h2 id="col-{index}">{e(column.name)}</h2>')
        if column.feature:
            body.append(f'<p class="feature">{e(column.feature)}</p>')
        body += [f'<p class="intro">{e(text)}</p>' for text in column.intro]
        body.append("<ol>")
        for article in column.articles:
            listen = listens.get(article.slug)
            if listen:
                length = format_duration(listen.duration)
                dur = f'<span class="dur"><span class="vh">时长</span>{length}</span>'
            else:
                dur = f'<span class="dur">{"暂无音频" if article.narrate else "仅文字"}</span>'
            body.append(f'<li><a href="{article.number:02d}/"><span>{e(article.title)}</span>{dur}</a></li>')
        body.append("</ol>")
        body.append("</section>")
    body += ["</nav>", "</main>", _footer(issue, home=None, depth=0), "</body>", "</html>", ""]
    return "\n".join(head + body)
