"""One article written in plain Markdown -> an article file of the source format.

The form editors write by hand::

    # 标题
    ## 副题            (or a line ——写在……之际)
    文 / 本刊记者 某某  (or 本版撰文:某某 某某)

    正文段落……

    ### 小标题

    ![图片说明](picture.jpg)

    （某某单位 供稿）

Pure parsing here; ``import_markdown_article`` in the package does the I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import textrepair
from .draft import DraftArticle, DraftBlock, Piece, TextRepair
from ..sources.markdown import CAPTION_RE, join_lines
from .bodies import HEADING_MAX
from .lines import (ENUM_RE, balanced, byline_rest, credit_of, ends_continuing, has_comma,
                    has_inner_sentence_end, is_attribution, is_author_note, is_qr_marker, is_terminal,
                    looks_like_names, split_byline, split_lines, strip_end_mark)

_HEADING_RE = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<text>.+?)\s*#*\s*$")

# Inline Markdown an editor's file may carry. The source format has none (text is text), so
# left in, ``**加粗**`` would be printed with its asterisks; only the words are kept. Single
# ``*`` stays: it also marks notes (*注).
_INLINE_MARKS = (
    (re.compile(r"(?<!!)\[([^\]\n]+)\]\((?:[^()\s]|\([^()\s]*\))+(?:\s+\"[^\"]*\")?\)"), r"\1"),  # [文字](网址)
    (re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*"), r"\1"),  # **加粗**
    (re.compile(r"__(?=\S)(.+?)(?<=\S)__"), r"\1"),  # __加粗__
    (re.compile(r"`([^`\n]+)`"), r"\1"),  # `代码`
)


def plain_inline(text: str) -> tuple[str, int]:
    """``text`` without inline Markdown marks (bold, links, code), and how many there were."""
    count = 0
    for pattern, words in _INLINE_MARKS:
        text, n = pattern.subn(words, text)
        count += n
    return text, count


class MarkdownArticleError(ValueError):
    def __init__(self, line: int | None, message: str, fix: str):
        super().__init__(message)
        self.line, self.message, self.fix = line, message, fix


@dataclass
class ParsedMarkdown:
    article: DraftArticle
    images: list[tuple[int, str]] = field(default_factory=list)  # (block index, path as written)
    joins: list[tuple[int, int]] = field(default_factory=list)  # (last line before, first line after)
    numbered: list[tuple[int, str]] = field(default_factory=list)  # (line, text): heading-like, not joined
    text_repairs: list[TextRepair] = field(default_factory=list)
    inline_marks: list[int] = field(default_factory=list)  # line of each inline mark removed


def numbered_heading(text: str) -> bool:
    """A short numbered line (一、加强组织建设, （二）…, 3、…): a subheading written without
    ``###``, as the PDF-text path reads it, never the first half of a cut paragraph."""
    t = text.strip()
    return bool(ENUM_RE.match(t)) and len(t) <= HEADING_MAX and balanced(t) and not has_comma(t) \
        and not has_inner_sentence_end(t) and not ends_continuing(t)


def join_cut_paragraphs(blocks: list[DraftBlock], numbered: list[tuple[int, str]] | None = None
                        ) -> list[tuple[int, int]]:
    """Paragraphs cut by a page break, joined as the PDF-text path joins them.

    A paragraph that ends without sentence-final punctuation, followed by another paragraph
    (pictures laid out between the halves are skipped and end up after the joined paragraph),
    is one paragraph. Quotation sources (——…指出), author notes and numbered heading-like
    lines stand alone (the latter are added to ``numbered``). Returns the (line, line) of
    every join.
    """
    joins: list[tuple[int, int]] = []
    k = 0
    while k < len(blocks):
        block = blocks[k]
        if block.kind != "paragraph" or is_terminal(block.text) or is_attribution(block.text) \
                or is_author_note(block.text):
            k += 1
            continue
        if numbered_heading(block.text):
            if numbered is not None:
                numbered.append((block.line, block.text))
            k += 1
            continue
        m = k + 1
        while m < len(blocks) and blocks[m].kind == "caption":
            m += 1
        nxt = blocks[m] if m < len(blocks) else None
        if nxt is None or nxt.kind != "paragraph" or is_attribution(nxt.text) or is_author_note(nxt.text):
            k += 1
            continue
        joins.append((block.pieces[-1].line, nxt.line))
        block.text = join_lines([block.text, nxt.text])
        block.pieces.extend(nxt.pieces)
        captions = blocks[k + 1:m]
        del blocks[k + 1:m + 1]
        blocks[k + 1:k + 1] = captions  # the pictures follow the paragraph they interrupted
        # k stays: the joined paragraph may be cut again and is looked at once more.
    return joins


def parse_markdown_article(text: str, language: str = "zh-CN") -> ParsedMarkdown:
    """Parse the hand-written Markdown form; raises ``MarkdownArticleError`` without a title."""
    lines = split_lines(text)
    article = DraftArticle(index=0, column="", title="", page=None)
    result = ParsedMarkdown(article)
    i = 0
    while i < len(lines) and not lines[i].text:
        i += 1
    m = _HEADING_RE.match(lines[i].text) if i < len(lines) else None
    if m is None or len(m.group("hashes")) != 1:
        raise MarkdownArticleError(lines[i].no if i < len(lines) else None, "文章没有以“# 标题”开头。",
                                   "在第一行写“# 文章标题”（一个 # 加空格）。")
    def plain(text: str, line: int) -> str:
        text, n = plain_inline(text)
        result.inline_marks += [line] * n
        return text

    article.title = plain(m.group("text"), lines[i].no)
    article.title_line = lines[i].no
    article.lines.append(lines[i].no)
    i += 1
    blocks = article.blocks
    para: DraftBlock | None = None
    started = False  # body text has begun: later ## lines are headings, not the subtitle

    def end_para() -> None:
        nonlocal para
        para = None

    while i < len(lines):
        ln = lines[i]
        i += 1
        t = ln.text
        if not t:
            end_para()
            continue
        article.lines.append(ln.no)
        if is_qr_marker(t):
            article.print_qr = True
            continue
        heading = _HEADING_RE.match(t)
        if heading:
            end_para()
            level = len(heading.group("hashes"))
            if level == 2 and not started and not article.subtitle:
                article.subtitle = heading.group("text")
            else:
                blocks.append(DraftBlock("heading", [Piece(ln.no, t)], plain(heading.group("text"), ln.no)))
                started = True
            continue
        if not started and not article.subtitle and t.startswith("——"):
            article.subtitle = t
            continue
        rest = byline_rest(t)
        if not started and rest is not None and not article.author:
            role, name = split_byline(rest)
            if not name and i < len(lines) and looks_like_names(lines[i].text):
                name = lines[i].text
                article.lines.append(lines[i].no)
                i += 1
            article.author, article.author_role = name or rest, role if name else ""
            continue
        credit = credit_of(t)
        if credit:
            end_para()
            article.credit = credit
            continue
        cap = CAPTION_RE.match(t)
        if cap:
            end_para()
            blocks.append(DraftBlock("caption", [Piece(ln.no, t)], cap.group("text").strip()))
            if cap.group("image"):
                result.images.append((len(blocks) - 1, cap.group("image").strip()))
            started = True
            continue
        text_part, _mark = strip_end_mark(t)
        if not text_part:
            end_para()
            continue
        started = True
        # Lines of one paragraph (or one quote) are joined as the source loader joins them.
        kind, body = ("quote", text_part[1:].strip()) if text_part.startswith(">") \
            else ("paragraph", text_part)
        body = plain(body, ln.no)
        if para is not None and para.kind == kind:
            para.text = join_lines([para.text, body])
            para.pieces.append(Piece(ln.no, body))
        else:
            para = DraftBlock(kind, [Piece(ln.no, body)], body)
            blocks.append(para)
    if not any(b.kind in ("paragraph", "quote") for b in blocks):
        raise MarkdownArticleError(None, f"《{article.title}》没有正文。",
                                   "在标题和署名之后写正文段落，段落之间空一行。")
    pictures = [(blocks[k], image) for k, image in result.images]
    result.joins = join_cut_paragraphs(blocks, result.numbered)
    # Joins move blocks: the pictures' block indexes are taken again.
    result.images = [(next(k for k, b in enumerate(blocks) if b is block), image)
                     for block, image in pictures]
    # The typography pass comes last, once bylines and joins have read the text as written.
    line_of = textrepair.finder({ln.no: plain_inline(ln.text)[0] for ln in lines if ln.text})
    result.text_repairs = textrepair.repair_article(article, line_of, language)
    return result
