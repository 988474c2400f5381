"""The contents page (目录): columns, entries (page, title, author), subtitles, feature titles.

The first half of the contents marks columns with ``■``; the second half lost the markers (and
any part may lose them, the first column included), so a column name and an author both arrive
as a bare line between two entries, and an author may stand on the entry's line or on the next.
The printed bodies decide: an entry's title is the longest reading that is printed over a body,
and a bare line is the author when the body is signed (byline or credit line), else a column
name. ``Evidence`` supplies those facts, so this
module stays a pure function of the lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Protocol

from .draft import DOUBT, Note
from .lines import (EDITION_RE, ENTRY_RE, Line, is_attribution, is_terminal, looks_like_author,
                    looks_like_org, norm_key)


class Evidence(Protocol):
    def title_score(self, title: str) -> int:
        """2: a body line reads exactly so; 1: it is printed split over two lines; 0: nowhere."""

    def signed(self, title: str) -> bool:
        """The body printed under this title carries a byline or a credit line."""

    def credit_keys(self) -> set[str]:
        """Matching keys of every organisation named in a credit line of the bodies."""


@dataclass
class ContentsEntry:
    page: int
    raw: str  # the entry's text after the page number, as printed
    line: int
    column: str = ""
    title: str = ""
    author: str = ""
    author_line: int | None = None
    author_inline: bool = False
    subtitle: str = ""
    subtitle_line: int | None = None


@dataclass
class ContentsColumn:
    name: str
    line: int
    marked: bool  # printed with ■
    feature: str = ""
    feature_line: int | None = None


@dataclass
class Contents:
    start: int  # first and last input line of the contents
    end: int
    columns: list[ContentsColumn] = field(default_factory=list)
    entries: list[ContentsEntry] = field(default_factory=list)
    readings: list[tuple[int, str, str]] = field(default_factory=list)  # (line, text, how read)
    notes: list[Note] = field(default_factory=list)


@dataclass(frozen=True)
class _Tok:
    kind: str  # header | column | entry | subtitle | plain | stop
    line: Line


def _kind(line: Line) -> str:
    t = line.text
    if re.match(r"^目\s*录", t) and len(t) <= 20:
        return "header"
    if t.startswith("■"):
        return "column" if t[1:].strip() else "plain"
    if ENTRY_RE.match(t):
        return "entry"
    if is_attribution(t):
        return "subtitle"
    if (re.match(r"^封面\s*[：:]", t) or t in ("声明", "本刊声明") or EDITION_RE.match(t)
            or (len(t) > 40 and is_terminal(t))):
        return "stop"
    return "plain"


def find_contents(lines: list[Line]) -> tuple[int, int] | None:
    """Indexes (into ``lines``) of the contents' first and last line, or None."""
    start = next((i for i, ln in enumerate(lines) if ln.text and _kind(ln) == "header"), None)
    if start is None:
        # No 目录 heading: the first run of three entries within a few lines.
        for i, ln in enumerate(lines):
            if ln.text and _kind(ln) == "entry":
                near = [x for x in lines[i:i + 12] if x.text and _kind(x) == "entry"]
                if len(near) >= 3:
                    start = i
                    break
    if start is None:
        return None
    last_entry = None
    plain_run = 0
    end = start
    for i in range(start + 1, len(lines)):
        ln = lines[i]
        if not ln.text:
            continue
        kind = _kind(ln)
        if kind == "stop":
            break
        if kind == "entry":
            last_entry, plain_run = i, 0
        elif kind == "plain":
            plain_run += 1
            if plain_run > 3:  # more bare lines than author + column + feature: contents are over
                break
        end = i
    if last_entry is None:
        return None
    # After the last entry at most its subtitle and author line belong to the contents.
    tail = [i for i in range(last_entry + 1, end + 1) if lines[i].text]
    keep = last_entry
    for i in tail:
        kind = _kind(lines[i])
        if kind == "subtitle" and keep == last_entry:
            keep = i
        elif kind == "plain":
            keep = i
            break
        else:
            break
    return start, keep


def split_inline(raw: str, ev: Evidence) -> tuple[str, str, bool]:
    """(title, inline author, evidence found) for an entry's text such as
    ``古街续文脉 党建兴百业 谢小燕``: the longest prefix printed as a body title wins."""
    tokens = raw.split()
    for k in range(len(tokens), 0, -1):
        title = " ".join(tokens[:k])
        if ev.title_score(title) > 0:
            return title, " ".join(tokens[k:]), True
    # No body to compare with: trailing tokens that read as names or an organisation.
    k = len(tokens)
    while k > 1 and looks_like_author(" ".join(tokens[k - 1:k])):
        k -= 1
    if k < len(tokens) and (looks_like_author(" ".join(tokens[k:]))):
        return " ".join(tokens[:k]), " ".join(tokens[k:]), False
    return raw.strip(), "", False


def parse_contents(lines: list[Line], span: tuple[int, int], ev: Evidence) -> Contents:
    """Read the contents between the indexes ``span`` (from ``find_contents``)."""
    first, last = span
    toks = [_Tok(_kind(ln), ln) for ln in lines[first:last + 1] if ln.text]
    result = Contents(start=lines[first].no, end=lines[last].no)
    credit_keys = ev.credit_keys()
    column: ContentsColumn | None = None
    i = 0

    def read(line: Line, how: str) -> None:
        result.readings.append((line.no, line.text, how))

    def new_column(line: Line, name: str, marked: bool) -> ContentsColumn:
        col = ContentsColumn(name=name, line=line.no, marked=marked)
        result.columns.append(col)
        read(line, f"栏目“{name}”" + ("" if marked else "（原文无 ■ 标记，按位置判定）"))
        return col

    def set_feature(col: ContentsColumn, line: Line) -> None:
        if col.feature:
            read(line, "无法归类的目录行")
            result.notes.append(Note(DOUBT, "目录中无法归类的行", (line.no,),
                                     f"目录第 {line.no} 行“{line.text}”无法判定是栏目、作者还是专题标题，未使用。"))
            return
        col.feature, col.feature_line = line.text, line.no
        read(line, f"栏目“{col.name}”的专题标题")

    while i < len(toks):
        tok = toks[i]
        if tok.kind == "header":
            read(tok.line, "目录标题")
            i += 1
            continue
        if tok.kind == "column":
            column = new_column(tok.line, tok.line.text.lstrip("■").strip(), True)
            i += 1
            # Bare lines between a marked column and its first entry: the feature title.
            while i < len(toks) and toks[i].kind == "plain":
                set_feature(column, toks[i].line)
                i += 1
            continue
        if tok.kind == "plain" and column is None:
            # The first column lost its ■ marker: a bare line before the first entry names it,
            # as the bare lines between entries do in the unmarked half of the contents.
            column = new_column(tok.line, tok.line.text, False)
            i += 1
            while i < len(toks) and toks[i].kind == "plain":
                set_feature(column, toks[i].line)
                i += 1
            continue
        if tok.kind != "entry":
            read(tok.line, "无法归类的目录行")
            result.notes.append(Note(DOUBT, "目录中无法归类的行", (tok.line.no,),
                                     f"目录第 {tok.line.no} 行“{tok.line.text}”不在任何目录条目下，未使用。"))
            i += 1
            continue
        m = ENTRY_RE.match(tok.line.text)
        assert m
        entry = ContentsEntry(page=int(m.group("page")), raw=m.group("rest").strip(), line=tok.line.no)
        if column is None:
            column = new_column(tok.line, "未分栏", False)
            result.notes.append(Note(DOUBT, "目录中无法归类的行", (tok.line.no,),
                                     "目录的第一个条目前没有栏目名，暂归入“未分栏”。"))
        entry.column = column.name
        entry.title, entry.author, evidence = split_inline(entry.raw, ev)
        entry.author_inline = bool(entry.author)
        j = i + 1
        following: list[_Tok] = []
        while j < len(toks) and toks[j].kind in ("plain", "subtitle"):
            following.append(toks[j])
            j += 1
        next_kind = toks[j].kind if j < len(toks) else "end"
        subtitles = [t for t in following if t.kind == "subtitle"]
        plains = [t for t in following if t.kind == "plain"]
        if subtitles:
            entry.subtitle, entry.subtitle_line = subtitles[0].line.text, subtitles[0].line.no
            for extra in subtitles[1:]:
                plains.append(extra)
        author_tok: _Tok | None = None
        column_toks: list[_Tok] = []
        if entry.author_inline:
            column_toks = plains if next_kind == "entry" else []
            leftovers = [] if next_kind == "entry" else plains
        elif next_kind == "entry":
            if len(plains) == 1:
                line_text = plains[0].line.text
                signed = ev.signed(entry.title) or norm_key(line_text) in credit_keys or looks_like_org(line_text)
                if signed or (not evidence and looks_like_author(line_text)):
                    author_tok = plains[0]
                else:
                    column_toks = plains
            elif plains:
                author_tok, column_toks = plains[0], plains[1:]
            leftovers = []
        else:
            author_tok = plains[0] if plains else None
            leftovers = plains[1:]
        read(tok.line, f"第 {entry.page} 页《{entry.title}》" + (f"，作者 {entry.author}" if entry.author else ""))
        if entry.subtitle_line:
            read(subtitles[0].line, f"《{entry.title}》的副题")
        if author_tok is not None:
            entry.author, entry.author_line = author_tok.line.text, author_tok.line.no
            read(author_tok.line, f"《{entry.title}》的作者（目录中另起一行）")
        if not evidence:
            result.notes.append(Note(DOUBT, "正文中找不到的目录条目", (tok.line.no,),
                                     f"目录第 {tok.line.no} 行“{tok.line.text}”：正文里找不到这个标题，"
                                     f"标题与作者按目录字面拆分为《{entry.title}》"
                                     + (f" / {entry.author}" if entry.author else "") + "。"))
        result.entries.append(entry)
        for extra in leftovers:
            read(extra.line, "无法归类的目录行")
            result.notes.append(Note(DOUBT, "目录中无法归类的行", (extra.line.no,),
                                     f"目录第 {extra.line.no} 行“{extra.line.text}”无法归类，未使用。"))
        if column_toks:
            column = new_column(column_toks[0].line, column_toks[0].line.text, False)
            for extra in column_toks[1:]:
                set_feature(column, extra.line)
        i = j
    return result
