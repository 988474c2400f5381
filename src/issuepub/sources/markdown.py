"""Reader for one article file: front matter (``key: value`` lines) and body blocks.

Pure: takes the file's text, returns the parsed parts and the problems found, each with the
line it is on. The loader turns these into model objects.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..diagnostics import Problem
from ..model import Block

FRONT_MATTER_KEYS = {
    "title": str,
    "subtitle": str,
    "author": str,
    "author_role": str,
    "credit": str,
    "page": int,
    "narrate": bool,
    "print_qr": bool,
    "slug": str,
}
_TRUE = {"yes", "true", "是", "y", "on"}
_FALSE = {"no", "false", "否", "n", "off"}
CAPTION_RE = re.compile(r"^!\[(?P<text>[^\]]*)\](?:\((?P<image>[^)]*)\))?\s*$")
# ![说明](pictures/p11.jpg "描述"): the optional quoted title is the picture's description
# (its alt text), for readers who cannot see it; the caption itself is shown beside it.
IMAGE_TITLE_RE = re.compile(r'^(?P<image>.*?)\s+"(?P<description>[^"]*)"$')
_ASCII_WORD_END = re.compile(r"[A-Za-z0-9,.;:!?%)]$")
_ASCII_WORD_START = re.compile(r"^[A-Za-z0-9(]")


@dataclass
class ParsedArticle:
    meta: dict[str, object] = field(default_factory=dict)
    meta_lines: dict[str, int] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def join_lines(lines: list[str]) -> str:
    """Join the lines of one paragraph: no space between Chinese characters, one between words."""
    parts: list[str] = []
    for line in (ln.strip() for ln in lines):
        if not line:
            continue
        # Only the last character decides: searching the whole text so far for "$" made
        # joining quadratic in the paragraph's length.
        if parts and _ASCII_WORD_END.match(parts[-1][-1]) and _ASCII_WORD_START.match(line):
            parts.append(" ")
        parts.append(line)
    return "".join(parts)


def _parse_value(key: str, raw: str, path: Path, line: int) -> tuple[object, Problem | None]:
    kind = FRONT_MATTER_KEYS[key]
    value = raw.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1]
    if kind is int:
        if re.fullmatch(r"\d{1,4}", value):
            return int(value), None
        return None, Problem(
            "S022", path, line, f"“{key}”应为页码数字，现在是“{raw.strip()}”。",
            f"写成印刷版的起始页码，例如 {key}: 12。",
        )
    if kind is bool:
        low = value.lower()
        if low in _TRUE:
            return True, None
        if low in _FALSE:
            return False, None
        return None, Problem(
            "S022", path, line, f"“{key}”只能是 yes 或 no，现在是“{raw.strip()}”。",
            f"写成 {key}: yes 或 {key}: no。",
        )
    return value, None


def parse_article(text: str, path: Path) -> ParsedArticle:
    """Parse an article file's text (BOM and CRLF already removed by the caller)."""
    result = ParsedArticle()
    lines = text.split("\n")
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i >= len(lines) or lines[i].strip() != "---":
        result.problems.append(Problem(
            "S020", path, i + 1 if i < len(lines) else 1,
            "文章文件没有以“---”开头的前言（标题、作者、页码等）。",
            "在文件开头加上以“---”开始和结束的前言，至少写 title: 文章标题。",
        ))
        body_start = i
    else:
        start = i
        i += 1
        closed = False
        while i < len(lines):
            raw = lines[i]
            lineno = i + 1
            if raw.strip() == "---":
                closed = True
                i += 1
                break
            if not raw.strip() or raw.lstrip().startswith("#"):
                i += 1
                continue
            m = re.match(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*[:：]\s?(.*)$", raw)
            if not m:
                result.problems.append(Problem(
                    "S020", path, lineno, f"前言中这一行看不懂：“{raw.strip()}”。",
                    "前言每行写成“键: 值”，例如 author: 张三；如果前言已经写完，在这一行之前加一行“---”。",
                ))
            else:
                key, raw_value = m.group(1), m.group(2)
                if key not in FRONT_MATTER_KEYS:
                    import difflib  # only for a mistyped key: not every load's start-up

                    near = difflib.get_close_matches(key, FRONT_MATTER_KEYS, n=1)
                    fix = (f"是不是想写“{near[0]}”？" if near else
                           "可用的键：" + "、".join(FRONT_MATTER_KEYS) + "。")
                    result.problems.append(Problem(
                        "S021", path, lineno, f"前言中有未知的键“{key}”。", fix))
                elif key in result.meta:
                    result.problems.append(Problem(
                        "S020", path, lineno, f"前言中“{key}”写了两次。",
                        f"删去其中一行（第 {result.meta_lines[key]} 行已有）。",
                    ))
                else:
                    value, problem = _parse_value(key, raw_value, path, lineno)
                    if problem:
                        result.problems.append(problem)
                    else:
                        result.meta[key] = value
                        result.meta_lines[key] = lineno
            i += 1
        if not closed:
            result.problems.append(Problem(
                "S020", path, start + 1, "前言以“---”开始，却没有以“---”结束。",
                "在前言最后一行之后加一行“---”。",
            ))
            return result
        body_start = i
    result.blocks = list(_parse_body(lines, body_start, path, result.problems))
    return result


def _parse_body(lines: list[str], start: int, path: Path, problems: list[Problem]):
    para: list[str] = []
    para_line = 0
    quote: list[str] = []
    quote_line = 0

    def flush():
        nonlocal para, quote
        if para:
            text = join_lines(para)
            if text:
                yield Block("paragraph", text, para_line)
            para = []
        if quote:
            text = join_lines(quote)
            if text:
                yield Block("quote", text, quote_line)
            quote = []

    for idx in range(start, len(lines)):
        lineno = idx + 1
        raw = lines[idx]
        line = raw.strip()
        if not line:
            yield from flush()
            continue
        if line.startswith("#"):
            yield from flush()
            m = re.match(r"^(#+)\s*(.*?)\s*#*\s*$", line)
            level = len(m.group(1)) if m else 0
            text = m.group(2) if m else ""
            if level != 3:
                problems.append(Problem(
                    "S023", path, lineno,
                    f"正文里用了 {'#' * level} 标题：“{line}”。正文中的小标题只能用 ###。",
                    "文章标题和副题写在前言的 title: / subtitle: 里；正文小标题写成“### 小标题”。",
                ))
                continue
            if not text:
                problems.append(Problem("S027", path, lineno, "小标题是空的。",
                                        "在 ### 后面写上小标题文字，或删去这一行。"))
                continue
            yield Block("heading", text, lineno)
            continue
        if line.startswith(">"):
            if para:
                yield from flush()
            if not quote:
                quote_line = lineno
            quote.append(line[1:].strip())
            continue
        m = CAPTION_RE.match(line)
        if m and not para and not quote:
            text = m.group("text").strip()
            image = (m.group("image") or "").strip() or None
            description = ""
            titled = IMAGE_TITLE_RE.match(image) if image else None
            if titled:
                image = titled.group("image").strip() or None
                description = titled.group("description").strip()
            if not text:
                problems.append(Problem("S027", path, lineno, "图片说明是空的。",
                                        "在 ![ ] 的方括号里写上说明文字。"))
                continue
            yield Block("caption", text, lineno, image, description)
            continue
        if quote:
            yield from flush()
        if not para:
            para_line = lineno
        para.append(line)
    yield from flush()
