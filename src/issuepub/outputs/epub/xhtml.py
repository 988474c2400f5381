"""Body markup of the EPUB's content documents (cover, title page, column openers, articles,
colophon). Pure functions from the model to XHTML body fragments; ebooklib adds the head.

When ``sentences`` is true every displayed sentence gets its own ``<span id=…>`` so that
Media Overlays (the read-aloud EPUB) can point at it. Ids are stable and derived from the
block and sentence index: ``b3-s2`` is sentence 2 of block 3; ``title-s0``, ``subtitle-s0``,
``byline-s0``, ``column-s0`` for the opening.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from html import escape

from ...model import Article, Column, Issue
from ...text import split_sentences
from .package import href

# A two-part title (坚定信心真抓实干 敢作敢为善作善成) breaks at the space between its phrases:
# each phrase is an inline-block, so a narrow screen wraps between them, not inside one.
_PHRASE_GAP = re.compile(r"([ \u3000]+)")
# An attribution line under a quotation or a report (——11月4日市委常委会扩大会议指出): one
# short line naming a source, no sentence of its own. A paragraph of text that merely opens
# with a dash (a reply, an aside) stays body text.
ATTRIBUTION_PREFIX = "——"
ATTRIBUTION_MAX_CHARS = 60
_SENTENCE_END = re.compile(r"[。！？!?]")


def is_attribution(text: str) -> bool:
    text = text.strip()
    return (text.startswith(ATTRIBUTION_PREFIX) and len(text) <= ATTRIBUTION_MAX_CHARS
            and not _SENTENCE_END.search(text))


def sentence_id(target: str, block: int | None, sentence: int) -> str:
    return f"b{block}-s{sentence}" if target == "block" else f"{target}-s{sentence}"


def phrases(text: str) -> str:
    """Escaped ``text`` with each space-separated phrase in a ``span.phrase`` (one phrase:
    the text alone)."""
    parts = _PHRASE_GAP.split(text.strip())
    if len(parts) < 3:
        return escape(text)
    lead = text[:len(text) - len(text.lstrip())]
    tail = text[len(text.rstrip()):]
    return escape(lead) + "".join(
        escape(p) if i % 2 else f'<span class="phrase">{escape(p)}</span>'
        for i, p in enumerate(parts)) + escape(tail)


def _text(text: str, target: str, block: int | None, sentences: bool, markup=escape) -> str:
    if not sentences:
        return markup(text)
    return "".join(
        f'<span id="{sentence_id(target, block, i)}">{markup(s)}</span>'
        for i, s in enumerate(split_sentences(text))
    )


BYLINE_PREFIX = "文 / "  # printed, not spoken: outside the byline's sentence span


def byline_text(article: Article) -> str:
    return f"{BYLINE_PREFIX}{article.byline}" if article.byline else ""


def sentence_texts(article: Article) -> dict[str, str]:
    """Every sentence span of the article's document: id -> displayed text, in document order."""
    return {
        sentence_id(target, block, i): sentence
        for target, block, text in article.read_aloud
        for i, sentence in enumerate(split_sentences(text))
    }


def alt_text(description: str, caption: str) -> str:
    """The picture's alt beside its visible caption: the source's description, unless it only
    repeats the caption (a screen reader would say it twice); else empty."""
    same = re.sub(r"\s+", "", description) == re.sub(r"\s+", "", caption)
    return "" if same else description.strip()


def article_body(issue: Issue, article: Article, *, sentences: bool = False,
                 pictures: Mapping[str, str] | None = None, page_start: bool = True) -> str:
    """``pictures`` maps a block's picture (as the source names it) to its name inside the
    package; a picture not there is left out and its caption kept. ``page_start``: the article
    begins its printed page (a second article on the same page carries no page marker)."""
    pictures = pictures or {}
    parts: list[str] = []
    if article.page is not None and page_start:
        # Start of the article's first printed page, for the page-list.
        parts.append(
            f'<span epub:type="pagebreak" role="doc-pagebreak" id="page-{article.page}" '
            f'aria-label="{article.page}"></span>'
        )
    parts.append(f'<section class="article" aria-labelledby="title-{article.number}">')
    parts.append("<header>")
    parts.append(f'<p class="column">{_text(article.column, "column", None, sentences)}</p>')
    parts.append(f'<h1 id="title-{article.number}">{_text(article.title, "title", None, sentences, phrases)}</h1>')
    if article.subtitle:
        parts.append(f'<p class="subtitle">{_text(article.subtitle, "subtitle", None, sentences)}</p>')
    if article.byline:
        parts.append(f'<p class="byline">{escape(BYLINE_PREFIX)}'
                     f'{_text(article.byline, "byline", None, sentences)}</p>')
    parts.append("</header>")
    for index, block in enumerate(article.blocks):
        body = _text(block.text, "block", index, sentences)
        if block.kind == "heading":
            parts.append(f"<h2>{body}</h2>")
        elif block.kind == "quote":
            parts.append(f"<blockquote><p>{body}</p></blockquote>")
        elif block.kind == "caption":
            if block.image and block.image in pictures:
                # The caption is read beside the picture: alt repeats it never; a description
                # from the source (the Markdown title) is the alt text when there is one.
                parts.append(
                    f'<figure><img src="{escape("../" + href(pictures[block.image]))}" '
                    f'alt="{escape(alt_text(block.description, block.text))}"/>'
                    f"<figcaption>{escape(block.text)}</figcaption></figure>"
                )
            else:
                parts.append(f'<p class="caption">{escape(block.text)}</p>')
        elif block.kind == "paragraph" and is_attribution(block.text):
            parts.append(f'<p class="attribution">{body}</p>')
        else:
            parts.append(f"<p>{body}</p>")
    if article.credit:
        parts.append(f'<p class="credit">（{escape(article.credit)}）</p>')
    parts.append('<p class="endmark" aria-hidden="true">■</p>')
    parts.append("</section>")
    return "\n".join(parts)


def column_body(column: Column, number: int) -> str:
    parts = [f'<section class="column-opener" aria-labelledby="column-{number}">',
             f'<h1 id="column-{number}">{escape(column.name)}</h1>']
    if column.feature:
        parts.append(f'<p class="feature">{phrases(column.feature)}</p>')
    for paragraph in column.intro:
        parts.append(f'<p class="intro">{escape(paragraph)}</p>')
    parts.append("</section>")
    return "\n".join(parts)


def issue_number_line(issue: Issue) -> str:
    line = f"{issue.year}年第{issue.number}期"
    if issue.total_number:
        line += f" · 总第{issue.total_number}期"
    return line


def cover_body(issue: Issue, image: str) -> str:
    return (
        '<section class="cover" epub:type="cover">'
        f'<img src="{escape(image)}" alt="{escape(issue.title)} 封面"/>'
        "</section>"
    )


def title_body(issue: Issue) -> str:
    date = f"{issue.date.year}年{issue.date.month}月{issue.date.day}日"
    return "\n".join([
        '<section class="titlepage" epub:type="titlepage" aria-label="书名页">',
        f'<h1>{escape(issue.magazine.title)}</h1>',
        f'<p class="edition">{escape(issue.edition)}</p>',
        f'<p class="number">{escape(issue_number_line(issue))}</p>',
        f'<p class="date">{date}出版</p>',
        f'<p class="publisher">{escape(issue.magazine.publisher)}</p>' if issue.magazine.publisher else "",
        "</section>",
    ])


def colophon_body(issue: Issue) -> str:
    c = issue.colophon
    rows: list[tuple[str, str]] = [("刊名", issue.magazine.title), ("期号", f"{issue.edition} {issue_number_line(issue)}")]
    if issue.magazine.issn:
        rows.append(("国际标准连续出版物号", f"ISSN {issue.magazine.issn}"))
    if issue.magazine.cn:
        rows.append(("国内统一连续出版物号", f"CN {issue.magazine.cn}"))
    rows.append(("出版日期", f"{issue.date.year}年{issue.date.month}月{issue.date.day}日"))
    parts = ['<section class="colophon" epub:type="colophon" role="doc-colophon" aria-labelledby="colophon-title">',
             '<h1 id="colophon-title">版权信息</h1>', "<dl>"]
    for term, value in rows:
        parts.append(f"<dt>{escape(term)}</dt><dd>{escape(value)}</dd>")
    parts.append("</dl>")
    if c.masthead:
        parts.append('<ul class="masthead">')
        parts.extend(f"<li>{escape(line)}</li>" for line in c.masthead)
        parts.append("</ul>")
    if c.price:
        parts.append(f'<p class="price">{escape(c.price)}</p>')
    if c.cover_caption:
        parts.append(f'<p class="cover-caption">{escape(c.cover_caption)}</p>')
    if c.statement:
        parts.append('<h2>声明</h2>')
        parts.extend(f'<p class="statement">{escape(p)}</p>' for p in c.statement)
    parts.append('<p class="made-with">电子版由 issuepub 制作。</p>')
    parts.append("</section>")
    return "\n".join(parts)
