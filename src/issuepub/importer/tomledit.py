"""Textual edits of issue.toml that keep the rest of the file (comments, order, spacing) as is.

Only the one ``articles = [...]`` array that changes is rewritten (in the style it was
written: one line or one entry per line), or a new ``[[columns]]`` table is appended. The
result is parsed again and compared with the intended data; any difference is an error, so
an edit can never silently damage the file.
"""

from __future__ import annotations

import copy
import re
import tomllib

from .writer import toml_str

_HEADER_RE = re.compile(r"^\s*\[")
_COLUMNS_RE = re.compile(r"^\s*\[\[\s*columns\s*\]\]\s*(#.*)?$")
_ARTICLES_RE = re.compile(r"^(?P<indent>\s*)(?P<key>articles|\"articles\"|'articles')\s*=\s*")


class TomlEditError(Exception):
    """The file could not be edited safely (message in Chinese)."""


def _array_span(text: str, start: int) -> tuple[int, int]:
    """(index of '[', index after the matching ']') of the array starting at/after ``start``."""
    i = text.index("[", start)
    depth = 0
    k = i
    while k < len(text):
        ch = text[k]
        if ch in "\"'":
            triple = text[k:k + 3] == ch * 3
            quote = ch * 3 if triple else ch
            k += len(quote)
            while k < len(text) and not text.startswith(quote, k):
                if ch == '"' and text[k] == "\\":
                    k += 1
                k += 1
            k += len(quote)
            continue
        if ch == "#":
            k = text.find("\n", k)
            if k < 0:
                break
            continue
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth == 0:
                return i, k + 1
        k += 1
    raise TomlEditError("issue.toml 里 articles 列表的方括号没有配对。")


def _render_array(values: list[str], original: str, indent: str) -> str:
    if "\n" not in original:
        return "[" + ", ".join(toml_str(v) for v in values) + "]"
    m = re.search(r"\n([ \t]+)\S", original)
    inner = m.group(1) if m else indent + "  "
    return "[\n" + "".join(f"{inner}{toml_str(v)},\n" for v in values) + indent + "]"


def insert_article(text: str, column: str, path: str, *, after: str | None = None,
                   new_column: bool = False) -> str:
    """Return ``text`` with ``path`` added to the articles of ``column`` (after ``after``,
    a path already listed, or at the end). With ``new_column`` a missing column is appended."""
    data = tomllib.loads(text)
    columns = data.get("columns", [])
    names = [c.get("name") for c in columns]
    expected = copy.deepcopy(data)
    if column not in names:
        if not new_column:
            raise KeyError(column)
        expected.setdefault("columns", []).append({"name": column, "articles": [path]})
        addition = f"\n[[columns]]\nname = {toml_str(column)}\narticles = [{toml_str(path)}]\n"
        new_text = text.rstrip("\n") + "\n" + addition
    else:
        index = names.index(column)
        listed = list(columns[index].get("articles", []))
        position = listed.index(after) + 1 if after is not None else len(listed)
        listed.insert(position, path)
        expected["columns"][index]["articles"] = listed
        lines = text.split("\n")
        seen = -1
        start_line = None
        for n, line in enumerate(lines):
            if _COLUMNS_RE.match(line):
                seen += 1
                if seen == index:
                    start_line = n
                    break
        if start_line is None:
            raise TomlEditError("issue.toml 的栏目写法特殊（不是 [[columns]] 段），无法自动修改。")
        offset = sum(len(x) + 1 for x in lines[:start_line + 1])
        key_at = None
        for n in range(start_line + 1, len(lines)):
            if _HEADER_RE.match(lines[n]):
                break
            m = _ARTICLES_RE.match(lines[n])
            if m:
                key_at = (offset, m)
                break
            offset += len(lines[n]) + 1
        if key_at is None:
            raise TomlEditError(f"栏目“{column}”里没有 articles = [...] 一行，无法自动修改。")
        line_start, m = key_at
        open_at, close_at = _array_span(text, line_start + m.end())
        original = text[open_at:close_at]
        inserted = _insert_in_array(original, path, after)
        if inserted is not None:
            candidate = text[:open_at] + inserted + text[close_at:]
            if _parses_to(candidate, expected):
                return candidate
        # Fall back to rewriting this one array (comments inside it are lost).
        new_text = text[:open_at] + _render_array(listed, original, m.group("indent")) + text[close_at:]
    if not _parses_to(new_text, expected):
        raise TomlEditError("修改 issue.toml 的结果与预期不符，没有写入。")
    return new_text


def _parses_to(text: str, expected: dict) -> bool:
    try:
        return tomllib.loads(text) == expected
    except tomllib.TOMLDecodeError:
        return False


def _literals(array: str) -> list[tuple[int, int, str]]:
    """(start, end, value) of the string literals of an array's text."""
    out = []
    k = 0
    while k < len(array):
        ch = array[k]
        if ch == "#":
            nl = array.find("\n", k)
            k = len(array) if nl < 0 else nl
            continue
        if ch in "\"'":
            start = k
            k += 1
            while k < len(array) and array[k] != ch:
                if ch == '"' and array[k] == "\\":
                    k += 1
                k += 1
            k += 1
            try:
                value = tomllib.loads(f"v = {array[start:k]}")["v"]
            except tomllib.TOMLDecodeError:
                return []
            out.append((start, k, value))
            continue
        k += 1
    return out


def _insert_in_array(array: str, path: str, after: str | None) -> str | None:
    """The array's text with one entry added in place, keeping its comments and layout."""
    literals = _literals(array)
    if not literals:
        return None
    if after is not None:
        match = [lit for lit in literals if lit[2] == after]
        if not match:
            return None
        anchor = match[0]
    else:
        anchor = literals[-1]
    start, end, _ = anchor
    if "\n" not in array:
        return array[:end] + ", " + toml_str(path) + array[end:]
    line_start = array.rfind("\n", 0, start) + 1
    indent = array[line_start:start]
    if indent.strip():
        return None  # several entries on one line: not worth guessing
    if re.match(r"\s*,", array[end:]) is None:
        array = array[:end] + "," + array[end:]
        end += 1
    line_end = array.find("\n", end)
    if line_end < 0:
        return None
    return array[:line_end + 1] + f"{indent}{toml_str(path)},\n" + array[line_end + 1:]
