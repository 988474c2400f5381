"""Typography warnings for hand-written article files (``issuepub check``) and their in-place
repair (``issuepub check --fix``).

The rules are the importer's (``issuepub.typography``): what the import repairs in extracted
text, ``check`` reports in text an editor wrote, as warnings T001–T014 with file:line:column
and the fix. Only text readers see is looked at: in an article, the front matter's title,
subtitle, author, author_role and credit, headings, quotes, captions (not the picture's file
name) and paragraphs, whose lines are read together (a straight quote opened on one line
closes on the next); in issue.toml, the strings of feature, intro, statement and
cover_caption. ``--fix`` changes exactly the characters concerned and writes each file atomically,
keeping its BOM and line ends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..diagnostics import Problem
from ..fsutil import atomic_write_bytes
from ..typography import RULE_BY_KIND, Repair, edits, unpaired_corner_quotes
from ..fsutil import contained

LINTED_KEYS = ("title", "subtitle", "author", "author_role", "credit")
_KEY_RE = re.compile(r"^(?P<key>[a-z_]+)\s*:\s*")
_HEADING_RE = re.compile(r"^#{1,6}\s+")
_QUOTE_RE = re.compile(r"^>\s*")
_CAPTION_RE = re.compile(r"^!\[(?P<text>[^\]]*)\]")


@dataclass(frozen=True)
class Finding:
    line: int  # 1-based
    column: int  # 1-based, in characters
    repair: Repair


@dataclass(frozen=True)
class _Segment:
    line: int  # index into the file's lines
    start: int  # offset of the linted text in that line
    end: int


def _segments(lines: list[str]) -> list[list[_Segment]]:
    """The linted parts of the file, grouped: one group per paragraph or one-line field."""
    groups: list[list[_Segment]] = []
    k = 0
    if lines and lines[0].strip() == "---":
        k = 1
        while k < len(lines) and lines[k].strip() != "---":
            m = _KEY_RE.match(lines[k])
            if m and m.group("key") in LINTED_KEYS:
                start, end = m.end(), len(lines[k].rstrip())
                value = lines[k][start:end]
                if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                    start, end = start + 1, end - 1  # quoting of the front matter, not text
                if end > start:
                    groups.append([_Segment(k, start, end)])
            k += 1
        k += 1
    paragraph: list[_Segment] = []
    for i in range(k, len(lines)):
        text = lines[i].rstrip()
        stripped = text.lstrip()
        indent = len(text) - len(stripped)
        if not stripped:
            if paragraph:
                groups.append(paragraph)
                paragraph = []
            continue
        single = None
        if m := _HEADING_RE.match(stripped):
            single = _Segment(i, indent + m.end(), len(text))
        elif m := _QUOTE_RE.match(stripped):
            single = _Segment(i, indent + m.end(), len(text))
        elif m := _CAPTION_RE.match(stripped):
            single = _Segment(i, indent + m.start("text"), indent + m.end("text"))
        if single is not None:
            if paragraph:
                groups.append(paragraph)
                paragraph = []
            groups.append([single])
        else:
            paragraph.append(_Segment(i, indent, len(text)))
    if paragraph:
        groups.append(paragraph)
    return groups


_TOML_KEY_RE = re.compile(r"^\s*(?P<key>[A-Za-z_]+)\s*=\s*")
_TOML_STRING_RE = re.compile(r'"(?P<basic>[^"\\]*)"|\'(?P<literal>[^\']*)\'')
# issue.toml's running text: not the masthead's label-value lines (邮发代号 6-268), names or
# settings.
TOML_TEXT_KEYS = ("feature", "intro", "statement", "cover_caption")


def toml_segments(lines: list[str]) -> list[list[_Segment]]:
    """The strings of issue.toml's text keys, one group each; strings with escapes are left
    alone (a repair there would need the escape rewritten)."""
    groups: list[list[_Segment]] = []
    in_array = False
    for i, line in enumerate(lines):
        m = _TOML_KEY_RE.match(line)
        rest_at = 0
        if m:
            in_array = False
            if m.group("key") not in TOML_TEXT_KEYS:
                continue
            rest_at = m.end()
            in_array = line[rest_at:].lstrip().startswith("[")
            if not in_array and not line[rest_at:].lstrip().startswith(('"', "'")):
                continue
        elif not in_array:
            continue
        if "\\" in line:
            continue  # an escape somewhere: string bounds are not a plain match, leave it
        for sm in _TOML_STRING_RE.finditer(line, rest_at):
            name = "basic" if sm.group("basic") is not None else "literal"
            if sm.start(name) < sm.end(name):
                groups.append([_Segment(i, sm.start(name), sm.end(name))])
        if in_array and "]" in _TOML_STRING_RE.sub("", line[rest_at:]):
            in_array = False
    return groups


def _groups(text: str, segments):
    """(group, joined text, start of each piece in it) of every linted group of the file."""
    lines = text.split("\n")
    lines = [ln[:-1] if ln.endswith("\r") else ln for ln in lines]
    for group in (segments or _segments)(lines):
        pieces = [lines[s.line][s.start:s.end] for s in group]
        starts = []
        pos = 0
        for piece in pieces:
            starts.append(pos)
            pos += len(piece) + 1
        yield group, "\n".join(pieces), starts


def _place(group, starts: list[int], start: int) -> tuple[_Segment, int]:
    """The segment holding offset ``start`` of the joined text, and the offset in its line."""
    n = max(j for j, s in enumerate(starts) if s <= start)
    return group[n], group[n].start + start - starts[n]


def find(text: str, segments=None, language: str = "zh-CN") -> list[Finding]:
    """Every typographic repair the rules make in one file's text (no BOM): an article file,
    or issue.toml with ``segments=toml_segments``."""
    found: list[Finding] = []
    for group, joined, starts in _groups(text, segments):
        for start, end, new, kind in edits(joined, language):
            seg, offset = _place(group, starts, start)
            before = joined[start:end]
            if "\n" in before:
                continue  # never across a line end: the loader joins those lines itself
            found.append(Finding(seg.line + 1, offset + 1, Repair(kind, offset, before, new)))
    return found


def unpaired(text: str, segments=None, language: str = "zh-CN") -> list[tuple[int, int, str]]:
    """(line, column, mark) of the 「」『』 the repair leaves alone: they do not pair up within
    their paragraph or stand in Japanese or code (T009 without a repair)."""
    out = []
    for group, joined, starts in _groups(text, segments):
        for start in unpaired_corner_quotes(joined, language):
            seg, offset = _place(group, starts, start)
            out.append((seg.line + 1, offset + 1, joined[start]))
    return out


# Characters a run of one rule's repairs may hold unchanged: a year's zeros are one warning
# (二○二○年), whatever digits stand between them.
_RUN_GAP = {"year-zero": set("一二三四五六七八九〇")}


@dataclass(frozen=True)
class Run:
    """Findings of one rule next to each other on one line, shown as one warning
    (２０２４年 is one run of full-width digits, not four); ``--fix`` still makes each."""

    line: int
    column: int  # of the first finding
    kind: str
    before: str  # the run as written, unchanged characters between the findings included
    after: str


def runs(text: str, findings: list[Finding]) -> list[Run]:
    """``findings`` grouped into runs: same rule, same line, nothing between them but the
    characters ``_RUN_GAP`` allows for that rule."""
    lines = text.split("\n")
    out: list[Run] = []
    group: list[Finding] = []

    def close() -> None:
        if group:
            line = lines[group[0].line - 1]
            a = group[0].repair.offset
            b = group[-1].repair.offset + len(group[-1].repair.before)
            after, pos = [], a
            for f in group:
                after += [line[pos:f.repair.offset], f.repair.after]
                pos = f.repair.offset + len(f.repair.before)
            out.append(Run(group[0].line, group[0].column, group[0].repair.kind, line[a:b], "".join(after)))
            group.clear()

    for f in sorted(findings, key=lambda f: (f.line, f.column)):
        if group:
            last = group[-1]
            end = last.repair.offset + len(last.repair.before)
            gap = lines[f.line - 1][end:f.repair.offset] if f.line == last.line else None
            if not (gap is not None and f.repair.kind == last.repair.kind and last.repair.before.strip()
                    and f.repair.before.strip() and set(gap) <= _RUN_GAP.get(f.repair.kind, set())):
                close()
        group.append(f)
    close()
    return out


def _context(line: str, column: int, width: int) -> str:
    start = max(0, column - 1 - 6)
    return line[start:column - 1 + width + 6]


def problems_for(path: Path, text: str, segments=None, language: str = "zh-CN") -> list[Problem]:
    lines = text.split("\n")
    out = []
    rule = RULE_BY_KIND["corner-quotes"]
    for line, column, mark in unpaired(text, segments, language):
        context = _context(lines[line - 1].rstrip("\r"), column, 1)
        out.append(Problem(rule.code, path, line,
                           f"{rule.label}配不成对，或在日文、代码里：“{context}”中的“{mark}”。",
                           "没有自动修改：横排简体中文用弯引号，请对照原稿改成成对的“”（里层‘’）；"
                           "日文或代码里的引号照原样保留即可。",
                           severity="warning", column=column))
    for f in runs(text, find(text, segments, language)):
        rule = RULE_BY_KIND[f.kind]
        shown = "空格" if not f.before.strip() else f"“{f.before}”"
        after = f"改为“{f.after}”" if f.after else "删去"
        context = _context(lines[f.line - 1].rstrip("\r"), f.column, len(f.before))
        out.append(Problem(rule.code, path, f.line,
                           f"{rule.label}：“{context}”中的{shown}。",
                           f"{rule.fix}：{after}；或用 issuepub check --fix 自动修改。",
                           severity="warning", column=f.column))
    return out


def listed_articles(root: Path, columns: Any) -> list[Path]:
    """The article files issue.toml lists (that exist), in reading order, each once.

    Only files the loader accepts: inside the issue folder once symlinks are resolved (else
    ``check --fix`` would rewrite a file outside it, S036) and whose name the system takes."""
    out: list[Path] = []
    seen: set[Path] = set()
    if not isinstance(columns, list):
        return out
    for column in columns:
        rels = column.get("articles") if isinstance(column, dict) else None
        if not isinstance(rels, list):
            continue
        for rel in rels:
            # Only files inside the folder (the loader reports the others, S036): --fix must
            # never rewrite a file elsewhere, nor a warning quote one.
            real = contained(root, rel) if isinstance(rel, str) else None
            if real is not None and real not in seen and _is_file(real):
                seen.add(real)
                out.append(root / rel)  # named as issue.toml names it, like the loader's messages
    return out


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # a name too long, say: the loader reports it
        return False


def _read(path: Path) -> tuple[bool, str] | None:
    """(had a BOM, text) or None when the file is not UTF-8 (the loader reports that)."""
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    bom = text.startswith("\ufeff")
    return bom, text[1:] if bom else text


def _linted(root: Path, columns: Any):
    """(path, segmenter) of every file ``check`` lints: issue.toml, then the articles."""
    yield root / "issue.toml", toml_segments
    for path in listed_articles(root, columns):
        yield path, None


def lint_sources(root: Path, columns: Any, language: Any = "zh-CN") -> list[Problem]:
    """Typography warnings for issue.toml's text and every listed article file (``language``:
    the issue's, which decides whether 「」『』 are to be “”‘’)."""
    language = language if isinstance(language, str) else "zh-CN"
    out: list[Problem] = []
    for path, segments in _linted(root, columns):
        read = _read(path)
        if read is not None:
            out.extend(sorted(problems_for(path, read[1], segments, language),
                              key=lambda p: (p.line or 0, p.column or 0)))
    return out


def apply(text: str, findings: list[Finding]) -> str:
    """``text`` with the findings' repairs made: only those characters change."""
    lines = text.split("\n")
    by_line: dict[int, list[Finding]] = {}
    for f in findings:
        by_line.setdefault(f.line - 1, []).append(f)
    for index, fs in by_line.items():
        line = lines[index]
        for f in sorted(fs, key=lambda f: f.repair.offset, reverse=True):
            a = f.repair.offset
            assert line[a:a + len(f.repair.before)] == f.repair.before
            line = line[:a] + f.repair.after + line[a + len(f.repair.before):]
        lines[index] = line
    return "\n".join(lines)


@dataclass(frozen=True)
class FixedFile:
    path: Path
    findings: tuple[Finding, ...]


def fix_sources(root: Path, columns: Any, language: Any = "zh-CN") -> list[FixedFile]:
    """Repair issue.toml's text and every listed article file in place (atomically);
    returns what changed."""
    language = language if isinstance(language, str) else "zh-CN"
    fixed: list[FixedFile] = []
    for path, segments in _linted(root, columns):
        read = _read(path)
        if read is None:
            continue
        bom, text = read
        findings = find(text, segments, language)
        if not findings:
            continue
        new = apply(text, findings)
        atomic_write_bytes(path, (("\ufeff" if bom else "") + new).encode("utf-8"))
        fixed.append(FixedFile(path, tuple(findings)))
    return fixed


__all__ = ["Finding", "FixedFile", "Run", "runs", "find", "unpaired", "apply", "lint_sources", "fix_sources", "listed_articles",
           "problems_for", "toml_segments"]
