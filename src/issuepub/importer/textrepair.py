"""The typography pass (``issuepub.typography``) applied to the importer's records.

Both import paths call it once the structure is known (contents, titles, bylines and
paragraph joins read the text as extracted), so the repairs change only what readers and
listeners get, never what the structure was read from. Each repair keeps the input line it
was made on, for the report. Pure: records in, records changed, repairs out.
"""

from __future__ import annotations

from typing import Callable

from ..typography import Repair, half_width, repair
from .draft import Dest, DraftArticle, DraftBlock, DraftColumn, Masthead, TextRepair
from .lines import Line, norm_key

LineOf = Callable[[str, "list[int] | None"], "int | None"]


def finder(line_text: dict[int, str]) -> LineOf:
    """``line_of(text, candidates)``: the first input line (among ``candidates``, else all)
    that holds ``text``, compared as printed and then by matching key."""
    def line_of(text: str, candidates: list[int] | None = None) -> int | None:
        numbers = sorted(candidates) if candidates else sorted(line_text)
        for no in numbers:
            if text in line_text.get(no, ""):
                return no
        key = norm_key(text)
        for no in numbers:
            if key and key in norm_key(line_text.get(no, "")):
                return no
        return None
    return line_of


def _block_lines(block: DraftBlock) -> list[tuple[int, int]]:
    """(offset in block.text, input line) where each piece starts."""
    starts, pos = [], 0
    for piece in block.pieces:
        k = block.text.find(piece.text, pos) if piece.text else -1
        if k < 0:
            continue  # a dropped duplicate's line: its text is not in the block
        starts.append((k, piece.line))
        pos = k + len(piece.text)
    return starts


def repair_block(block: DraftBlock, slug: str, language: str = "zh-CN") -> list[TextRepair]:
    text, repairs = repair(block.text, language)
    if not repairs:
        return []
    starts = _block_lines(block) or [(0, block.line)]
    out = []
    for r in repairs:
        line = next((no for k, no in reversed(starts) if k <= r.offset), starts[0][1])
        out.append(TextRepair(line, slug, "body", r))
    block.text = text
    return out


def repair_article(article: DraftArticle, line_of: LineOf, language: str = "zh-CN") -> list[TextRepair]:
    """Repair the article's title, byline, credit and every block in place (``language``: the
    issue's; the PDF import is of a zh-CN magazine)."""
    out: list[TextRepair] = []
    for name in ("title", "subtitle", "author_role", "author", "credit"):
        value = getattr(article, name)
        fixed, repairs = repair(value, language)
        if not repairs:
            continue
        line = article.title_line if name == "title" else None
        line = line or line_of(value, article.lines) or article.title_line
        out.extend(TextRepair(line, article.slug, name, r) for r in repairs)
        setattr(article, name, fixed)
    for block in article.blocks:
        out.extend(repair_block(block, article.slug, language))
    return out


def repair_issue_text(columns: list[DraftColumn], masthead: Masthead, line_of: LineOf) -> list[TextRepair]:
    """Column names, features and introductions, the statement and the cover caption (prose).

    The masthead lines and the price stay as printed: they are label-value pairs laid out in
    two columns (``邮发代号 6-268``), not running text.
    """
    out: list[TextRepair] = []

    def fix(value: str, name: str) -> str:
        fixed, repairs = repair(value)
        if repairs:
            line = line_of(value, None)
            out.extend(TextRepair(line, "", name, r) for r in repairs)
        return fixed

    for column in columns:
        # A column's name is shown to readers ("四强"党支部风采 in the contents); the articles
        # are already filed under it, so renaming it here moves nothing.
        column.name = fix(column.name, "column")
        column.feature = fix(column.feature, "feature")
        column.intro = [fix(p, "intro") for p in column.intro]
    masthead.statement = [fix(p, "statement") for p in masthead.statement]
    masthead.cover_caption = fix(masthead.cover_caption, "cover_caption")
    return out


def half_width_lines(lines: list[Line]) -> tuple[list[Line], list[tuple[int, Repair]]]:
    """Full-width digits and letters made half-width in every line, before the structure is
    read: contents page numbers (０１), dates and the ISSN then read as printed."""
    out, repairs = [], []
    for ln in lines:
        text, found = half_width(ln.text)
        if found:
            ln = Line(ln.no, text)
            repairs.extend((ln.no, r) for r in found)
        out.append(ln)
    return out, repairs


def placed(repairs: list[tuple[int, Repair]], prov: dict[int, Dest]) -> list[TextRepair]:
    """The early repairs, each named after the file its line went to (an article, else issue.toml)."""
    out = []
    for no, r in repairs:
        dest = prov.get(no)
        out.append(TextRepair(no, dest.ref if dest is not None and dest.kind == "article" else "", "text", r))
    return out
