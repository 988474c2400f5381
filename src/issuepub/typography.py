"""Repair of PDF text-layer artefacts in Chinese text, following the usage rules of Chinese print
(GB/T 15834 for punctuation, W3C *Requirements for Chinese Text Layout* for spacing).

One pure function, ``repair(text) -> (text, repairs)``, shared by both import paths and by
``issuepub check`` (which reports the same repairs as warnings and can apply them in place).
Every rule decides on the *input* text and yields edits at input offsets, so each ``Repair``
names the column where the artefact stands in what the editor wrote; the edits never overlap
and are applied together at the end.

Never touched: decimals (790.3), thousands separators (1,000), times (14:30), ratios and scores
between digits (3:1), URLs, e-mail addresses, and Latin text (``GT Show``, ``Hello, world``):
half-width punctuation changes only where a Chinese character or Chinese punctuation is its
nearest neighbour. Corner brackets 「」『』 become “”‘’ only in horizontal Simplified Chinese
(``language``), and only when they pair up: ``unpaired_corner_quotes`` names the others.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from .text import HAN

_HAN_RE = re.compile(f"[{HAN}]")
# Chinese (full-width) punctuation: its presence next to a mark makes the context Chinese.
CJK_PUNCT = "，。、；：？！（）“”‘’《》〈〉【】「」『』…—·"
# Marks that carry their own spacing: a space beside them is an extraction artefact.
_SPACED_PUNCT = "，。、；：？！（）"
HALF_TO_FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}
_SPACES = " \u00a0\u3000"  # the ideographic space too: editors type it between words and marks
_DIGITS = "0123456789０１２３４５６７８９"

# URL and e-mail spans are masked before any rule runs; trailing punctuation is not part of
# the address (``http://cpc.people.com.cn,`` ends before the comma).
_MASK_RE = re.compile(
    r"(?:https?|ftp)://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+"
    r"|www\.[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+(?:/[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*)?"
    r"|[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+"
)
_MASK_TRAILING = ".,;:!?)'"


@dataclass(frozen=True)
class Rule:
    kind: str  # stable name; the check's problem id and the report's label follow from it
    code: str  # problem id of ``issuepub check`` (T001…)
    label: str  # Chinese, for the import report and the check message
    fix: str  # Chinese, what the repair does


RULES: tuple[Rule, ...] = (
    Rule("punctuation", "T001", "中文里的半角标点", "改成全角标点（，；：？！）"),
    Rule("brackets", "T002", "中文里的半角括号", "改成全角括号（）"),
    Rule("quotes", "T003", "直引号", "改成成对的弯引号“”‘’"),
    Rule("ellipsis", "T004", "省略号写法", "省略号写作六个点“……”"),
    Rule("dash", "T005", "破折号写法", "破折号写作“——”（占两个字的位置）"),
    Rule("space", "T006", "中文与数字、西文之间的空格", "删去空格（中文与数字、西文之间不加空格）"),
    Rule("punct-space", "T007", "全角标点旁的空格", "删去空格（全角标点自带间距）"),
    Rule("fullwidth", "T008", "全角数字或字母", "改成半角数字、字母"),
    Rule("corner-quotes", "T009", "横排文字里的直角引号",
         "横排用弯引号（GB/T 15834）：外层“”、里层‘’"),
    Rule("year-zero", "T010", "年份里的零写法", "汉字年份里的零写作“〇”（GB/T 15835）"),
    Rule("full-stop", "T011", "中文里的半角句点", "句末用全角句号“。”"),
    Rule("middle-dot", "T012", "间隔号写法", "间隔号写作“·”（GB/T 15834）"),
    Rule("title-marks", "T013", "书名号写法", "书名号写作“《》”"),
    Rule("doubled-mark", "T014", "重复的标点", "逗号、顿号、分号、冒号只写一个"),
)
RULE_BY_KIND = {r.kind: r for r in RULES}


@dataclass(frozen=True)
class Repair:
    """One change: ``text[offset:offset + len(before)]`` of the input became ``after``."""

    kind: str
    offset: int  # 0-based, in the input text
    before: str
    after: str

    @property
    def rule(self) -> Rule:
        return RULE_BY_KIND[self.kind]


def is_han(ch: str) -> bool:
    return bool(ch) and bool(_HAN_RE.match(ch))


def _chinese(ch: str) -> bool:
    return is_han(ch) or (bool(ch) and ch in CJK_PUNCT)


def _alnum(ch: str) -> bool:
    """A digit or Latin letter (half- or full-width), or a sign that sticks to a number."""
    return bool(ch) and (ch.isascii() and (ch.isalnum() or ch in "%")
                         or "０" <= ch <= "９" or "Ａ" <= ch <= "Ｚ" or "ａ" <= ch <= "ｚ"
                         or ch in "％‰℃")


def _digit(ch: str) -> bool:
    return bool(ch) and ch in _DIGITS


_MASK_HINT_RE = re.compile(r"://|www\.|@")


def _mask_spans(text: str) -> list[tuple[int, int]]:
    if not _MASK_HINT_RE.search(text):
        return []
    spans = []
    for m in _MASK_RE.finditer(text):
        end = m.end()
        while end > m.start() and text[end - 1] in _MASK_TRAILING:
            end -= 1
        spans.append((m.start(), end))
    return spans


class _Text:
    """The input with its masked spans and the neighbour lookups the rules share."""

    def __init__(self, text: str):
        self.s = text
        self.spans = _mask_spans(text)
        self.has_han = bool(_HAN_RE.search(text))
        self.doubled: list[tuple[int, int]] | None = None  # T014's runs, found once
        self.doubled_tails: set[int] | None = None

    def masked(self, start: int, end: int | None = None) -> bool:
        """Any of ``s[start:end]`` (default: the one character at start) lies in a URL or e-mail."""
        end = start + 1 if end is None else end
        return any(a < end and start < b for a, b in self.spans)

    def char(self, k: int) -> str:
        return self.s[k] if 0 <= k < len(self.s) else ""

    def prev_visible(self, k: int) -> str:
        """Nearest non-space character before index k ('' at the start)."""
        k -= 1
        while k >= 0 and self.s[k].isspace():
            k -= 1
        return self.s[k] if k >= 0 else ""

    def next_visible(self, k: int) -> str:
        while k < len(self.s) and self.s[k].isspace():
            k += 1
        return self.s[k] if k < len(self.s) else ""

    def cjk(self, ch: str) -> bool:
        """Chinese, or a straight double quote, which ``_quotes`` makes “” in Chinese text."""
        return _chinese(ch) or (ch == '"' and self.has_han)

    def chinese_side(self, ch: str) -> bool:
        return self.cjk(ch) or (not ch and self.has_han)

    def chinese_around(self, start: int, end: int) -> bool:
        """The nearest visible character on either side of ``s[start:end]`` is Chinese; the
        start or end of a text that holds Chinese counts as Chinese (``--11月4日…指出``)."""
        before, after = self.prev_visible(start), self.next_visible(end)
        return (self.cjk(before) or self.cjk(after)
                or (self.has_han and (not before or not after)))


Edit = tuple[int, int, str, str]  # (start, end, replacement, kind)


_FULLWIDTH_RE = re.compile("[０-９Ａ-Ｚａ-ｚ．]")


def _fullwidth(t: _Text) -> list[Edit]:
    out: list[Edit] = []
    for m in _FULLWIDTH_RE.finditer(t.s):
        k, ch = m.start(), m.group(0)
        if t.masked(k):
            continue
        if ch != "．":
            out.append((k, k + 1, chr(ord(ch) - 0xFEE0), "fullwidth"))
        elif ch == "．" and _digit(t.char(k - 1)) and _digit(t.char(k + 1)):
            out.append((k, k + 1, ".", "fullwidth"))  # ３．５ is a decimal point
    return out


_ELLIPSIS_RE = re.compile(r"\.{3,}|。{3,}|(?<!…)…(?!…)|…{3,}|⋯+")


def _ellipsis(t: _Text) -> list[Edit]:
    if "..." not in t.s and "。。。" not in t.s and "…" not in t.s and "⋯" not in t.s:
        return []  # the usual case, without a regex scan
    out = []
    for m in _ELLIPSIS_RE.finditer(t.s):
        if t.masked(m.start(), m.end()) or not t.chinese_around(m.start(), m.end()):
            continue
        out.append((m.start(), m.end(), "……", "ellipsis"))
    return out


# -- and the box-drawing, horizontal-bar and full-width-hyphen pairs some fonts and input
# methods give for the two-em dash.
_DASH_RE = re.compile(r"(?<!-)--(?!-)|─{2}|―{2}|－{2}")


def _dash(t: _Text) -> list[Edit]:
    if "--" not in t.s and "──" not in t.s and "――" not in t.s and "－－" not in t.s:
        return []
    out = []
    for m in _DASH_RE.finditer(t.s):
        if t.masked(m.start(), m.end()) or not t.chinese_around(m.start(), m.end()):
            continue
        # Between two digits it is a range (2023--2024), not a dash: left as written.
        if _digit(t.char(m.start() - 1)) and _digit(t.char(m.end())):
            continue
        out.append((m.start(), m.end(), "——", "dash"))
    return out


def _punctuation(t: _Text) -> list[Edit]:
    out = []
    for m in re.finditer(r"[,;:?!]", t.s):
        k, ch = m.start(), m.group(0)
        if t.masked(k) or k in _doubled_tails(t):
            continue  # a repeated mark: T014 removes it
        before, after = t.char(k - 1), t.char(k + 1)
        if _digit(before) and _digit(after):
            continue  # 1,000  14:30  3:1
        if before.isascii() and before.isalpha() and after in _SPACES:
            continue  # Latin punctuation, spaced the Latin way (Hello, world! 然后)
        if t.chinese_around(k, k + 1):
            out.append((k, k + 1, HALF_TO_FULL[ch], "punctuation"))
    return out


def _brackets(t: _Text) -> list[Edit]:
    """A pair converts together when it stands in Chinese text or holds Chinese text."""
    pairs: list[tuple[int, int | None]] = []
    stack: list[int] = []
    for m in re.finditer(r"[()]", t.s):
        k, ch = m.start(), m.group(0)
        if t.masked(k):
            continue
        if ch == "(":
            stack.append(k)
        elif ch == ")":
            if stack:
                pairs.append((stack.pop(), k))
            else:
                pairs.append((k, None))
    pairs.extend((k, None) for k in stack)
    out = []
    for a, b in pairs:
        if b is None:
            if t.chinese_around(a, a + 1):
                out.append((a, a + 1, HALF_TO_FULL[t.s[a]], "brackets"))
            continue
        # Chinese inside, or Chinese on both sides (报告(2024)发布); f(x) in a Chinese
        # sentence is Latin and keeps its brackets.
        if _HAN_RE.search(t.s[a + 1:b]) or (t.chinese_side(t.prev_visible(a))
                                             and t.chinese_side(t.next_visible(b + 1))):
            out.append((a, a + 1, "（", "brackets"))
            out.append((b, b + 1, "）", "brackets"))
    return out


def _quotes(t: _Text) -> list[Edit]:
    """Straight quotes in Chinese text pair up by alternation (“…”, ‘…’).

    A double quote alternates across the whole text (a paragraph) once it holds Chinese; a
    single quote only where it touches Chinese, so apostrophes in Latin (it's) stay.
    """
    if not t.has_han:
        return []
    out = []
    double_open = single_open = True
    for m in re.finditer("[\"']", t.s):
        k, ch = m.start(), m.group(0)
        if t.masked(k):
            continue
        if ch == '"':
            out.append((k, k + 1, "“" if double_open else "”", "quotes"))
            double_open = not double_open
        elif ch == "'" and (_chinese(t.char(k - 1)) or _chinese(t.char(k + 1))
                            # the closing one after a mark turned full-width ('真的吗?')
                            or (not single_open and t.char(k - 1) in HALF_TO_FULL
                                and t.chinese_around(k - 1, k))):
            out.append((k, k + 1, "‘" if single_open else "’", "quotes"))
            single_open = not single_open
    return out


_CORNER = "「」『』"
_CURLY_OPEN = {"“": "”", "‘": "’"}
# Kana: Japanese text, where 「」『』 are the quotation marks of horizontal text too.
_KANA_RE = re.compile("[\u3040-\u30fa\u30fc-\u30ff]")  # not ・ (U+30FB), typed for · too


def _corner_marks(t: _Text) -> tuple[list[Edit], list[int]]:
    """「」『』 as the quotes of horizontal Chinese text (GB/T 15834—2011 4.1: “” outside, ‘’
    inside, “” again at the third level); the level is counted with the curly quotes around,
    whatever the corner mark's own shape (『跨村联建』 on its own is “跨村联建”).

    Returns the edits and, when the marks do not pair up or the text is not Chinese prose
    (Japanese, inline code in backticks), no edit (a wrong repair would be worse than none) and
    the offsets to warn about: the mark that breaks the pairing (a 」 for a 『, a 」 with
    nothing open, a 「 never closed), or every mark of Japanese or code."""
    if not any(c in t.s for c in _CORNER):
        return [], []
    marks = [m.start() for m in re.finditer("[「」『』]", t.s) if not t.masked(m.start())]
    if not marks:
        return [], []
    if _KANA_RE.search(t.s) or not t.has_han or _in_code(t.s, marks):
        return [], marks
    stack: list[str] = []  # open marks, curly and corner
    opened: list[int] = []  # offsets of the open corner marks, innermost last
    out: list[Edit] = []
    for m in re.finditer("[「」『』“”‘’\"]", t.s):
        k, ch = m.start(), m.group(0)
        if ch == '"':  # a straight quote, which _quotes pairs by alternation: a level too
            if t.masked(k):
                continue
            if stack and stack[-1] == '"':
                stack.pop()
            else:
                stack.append(ch)
        elif ch in _CURLY_OPEN:
            stack.append(ch)
        elif ch in "”’":
            if stack and _CURLY_OPEN.get(stack[-1]) == ch:
                stack.pop()
        elif t.masked(k):
            continue
        elif ch in "「『":
            stack.append(ch)
            opened.append(k)
            out.append((k, k + 1, "“" if len(stack) % 2 else "‘", "corner-quotes"))
        else:  # 」 or 』: closes the mark of its own shape, which must be the innermost open
            if not stack or stack[-1] != ("「" if ch == "」" else "『"):
                return [], [k]
            out.append((k, k + 1, "”" if len(stack) % 2 else "’", "corner-quotes"))
            stack.pop()
            opened.pop()
    if opened:
        return [], opened
    return out, []


def _in_code(text: str, marks: list[int]) -> bool:
    """Any mark inside `backticks` (code pasted into the text is quoted as written)."""
    if "`" not in text:
        return False
    inside = [False] * (len(text) + 1)
    for m in re.finditer(r"`[^`]*`", text):
        inside[m.start():m.end()] = [True] * (m.end() - m.start())
    return any(inside[k] for k in marks)


def _corner_quotes(t: _Text) -> list[Edit]:
    return _corner_marks(t)[0]


# A year in Chinese numerals (二〇二四年): its zero is 〇, not the circle ○, the letter O or 零,
# which is the zero of amounts (GB/T 15835—2011 4.1.3: 〇 for numbering, 零 for counting).
_YEAR_ZERO_RE = re.compile("(?<![一二三四五六七八九十百千万亿〇○零OoＯｏ0-9])[一二三四五六七八九〇○零OoＯｏ]{4}(?=年)")


def _year_zero(t: _Text) -> list[Edit]:
    out = []
    for m in _YEAR_ZERO_RE.finditer(t.s):
        year = m.group(0)
        if not re.search("[一二三四五六七八九]", year[0]):
            continue  # a year starts with a digit other than zero
        for i, ch in enumerate(year):
            if ch in "○零OoＯｏ":
                out.append((m.start() + i, m.start() + i + 1, "〇", "year-zero"))
    return out


# A half-width full stop after Chinese (完成了.), where a sentence ends or Chinese goes on; not
# a decimal point, an ellipsis, an abbreviation (No.), a list number (1.) or part of an address.
_FULL_STOP_RE = re.compile(r"(?<!\.)\.(?![.0-9A-Za-z])")


def _full_stop(t: _Text) -> list[Edit]:
    if "." not in t.s or not t.has_han:
        return []
    out = []
    for m in _FULL_STOP_RE.finditer(t.s):
        k = m.start()
        before = t.char(k - 1)
        if t.masked(k) or not (is_han(before) or before in "”’）》\""):
            continue
        nxt = t.char(k + 1)
        if nxt and not (nxt.isspace() or is_han(nxt) or nxt in CJK_PUNCT or nxt == '"'):
            continue
        out.append((k, k + 1, "。", "full-stop"))
    return out


# The bullet, katakana, hyphenation-point and operator dots that input methods and fonts give
# for the middle dot 间隔号 (马克思·恩格斯, “一二·九”, “7·9”), between two Chinese characters
# or digits; Japanese text (kana) keeps its own ・.
_DOT_RE = re.compile("[•・‧∙⋅･]")


def _middle_dot(t: _Text) -> list[Edit]:
    if not _DOT_RE.search(t.s) or not t.has_han or _KANA_RE.search(t.s):
        return []
    out = []
    for m in _DOT_RE.finditer(t.s):
        k = m.start()
        before, after = t.char(k - 1), t.char(k + 1)
        sides = [is_han(before) or _digit(before), is_han(after) or _digit(after)]
        if all(sides) and not t.masked(k):
            out.append((k, k + 1, "·", "middle-dot"))
    return out


# <<方案>> typed for 《方案》: a pair around Chinese text (a << b >> c in code has none).
_TITLE_RE = re.compile(r"<<([^<>\n]{1,60})>>")


def _title_marks(t: _Text) -> list[Edit]:
    if "<<" not in t.s:
        return []
    out = []
    for m in _TITLE_RE.finditer(t.s):
        if _HAN_RE.search(m.group(1)) and not t.masked(m.start(), m.end()):
            out.append((m.start(), m.start() + 2, "《", "title-marks"))
            out.append((m.end() - 2, m.end(), "》", "title-marks"))
    return out


# A comma, enumeration comma, semicolon or colon typed twice in Chinese text (他说，，好,
# 他说,,好: the first is kept, made full-width by T001); doubled ？ and ！ are allowed (GB/T
# 15834 4.4, 4.5: 叠用 for emphasis), 。。。 is T004's ellipsis, std::vector is Latin.
_DOUBLED_RE = re.compile(r"[，,]{2,}|、{2,}|[；;]{2,}|[：:]{2,}")


def _doubled_runs(t: _Text) -> list[tuple[int, int]]:
    if t.doubled is None:
        t.doubled = []
        if re.search("[，,、；;：:]{2}", t.s):
            for m in _DOUBLED_RE.finditer(t.s):
                a, b = m.span()
                if t.masked(a, b) or not t.chinese_around(a, b):
                    continue
                if m.group(0).isascii() and _alnum(t.char(a - 1)) and _alnum(t.char(b)):
                    continue
                t.doubled.append((a, b))
    return t.doubled


def _doubled_tails(t: _Text) -> set[int]:
    """Offsets of the repeated marks T014 removes (all of a run but its first)."""
    if t.doubled_tails is None:
        t.doubled_tails = {k for a, b in _doubled_runs(t) for k in range(a + 1, b)}
    return t.doubled_tails


def _doubled(t: _Text) -> list[Edit]:
    return [(a + 1, b, "", "doubled-mark") for a, b in _doubled_runs(t)]


def _spaces(t: _Text, converted: set[int]) -> list[Edit]:
    """Spaces between Chinese and digits or Latin, and beside full-width punctuation.

    ``converted``: offsets of half-width marks another rule turns full-width.
    """
    out = []
    for m in re.finditer(f"[{_SPACES}]+", t.s):
        a, b = m.start(), m.end()
        if a == 0 or b == len(t.s) or t.masked(a, b):
            continue
        left, right = t.s[a - 1], t.s[b]
        if (is_han(left) and _alnum(right)) or (_alnum(left) and is_han(right)):
            out.append((a, b, "", "space"))
        elif ((left in _SPACED_PUNCT or a - 1 in converted) and not right.isspace()) or \
                ((right in _SPACED_PUNCT or b in converted) and not left.isspace()):
            out.append((a, b, "", "punct-space"))
    return out


_RULE_FUNCS: tuple[Callable[[_Text], list[Edit]], ...] = (_fullwidth, _ellipsis, _dash, _punctuation,
                                                          _brackets, _quotes, _year_zero, _full_stop,
                                                          _middle_dot, _title_marks, _doubled)


def horizontal_simplified(language: str) -> bool:
    """Text set horizontally in Simplified Chinese (zh-CN, zh-Hans, zh-SG): where GB/T 15834's
    “” ‘’ are the quotation marks. Traditional Chinese (zh-TW, zh-HK, zh-Hant) keeps 「」『』."""
    tags = language.lower().replace("_", "-").split("-")
    return tags[0] == "zh" and not {"tw", "hk", "mo", "hant"} & set(tags[1:])


def edits(text: str, language: str = "zh-CN") -> list[Edit]:
    """Every edit the rules make on ``text``, sorted, without overlaps."""
    t = _Text(text)
    found: list[Edit] = []
    funcs = _RULE_FUNCS + ((_corner_quotes,) if horizontal_simplified(language) else ())
    for func in funcs:
        found.extend(func(t))
    converted = {e[0] for e in found if e[3] in ("punctuation", "brackets")}
    found.extend(_spaces(t, converted))
    found.sort(key=lambda e: (e[0], e[1]))
    kept: list[Edit] = []
    for e in found:
        if kept and e[0] < kept[-1][1]:
            continue  # an earlier rule already took these characters
        kept.append(e)
    return kept


def unpaired_corner_quotes(text: str, language: str = "zh-CN") -> list[int]:
    """Offsets of the 「」『』 ``repair`` leaves alone in horizontal Simplified Chinese because
    they do not pair up or stand in Japanese or code (T009's warning without a repair)."""
    if not horizontal_simplified(language):
        return []
    return _corner_marks(_Text(text))[1]


def repair(text: str, language: str = "zh-CN") -> tuple[str, list[Repair]]:
    """``text`` with every PDF artefact repaired, and the list of repairs (input offsets)."""
    found = edits(text, language)
    if not found:
        return text, []
    parts: list[str] = []
    pos = 0
    repairs: list[Repair] = []
    for start, end, new, kind in found:
        parts.append(text[pos:start])
        parts.append(new)
        repairs.append(Repair(kind, start, text[start:end], new))
        pos = end
    parts.append(text[pos:])
    return "".join(parts), repairs


def half_width(text: str) -> tuple[str, list[Repair]]:
    """Only T008, full-width digits and Latin letters made half-width. It maps one character to
    one and needs no context beyond a URL, so the importer can make it before it reads any
    structure (page numbers ０１, dates, the ISSN); the same repair ``repair`` makes."""
    found = _fullwidth(_Text(text)) if _FULLWIDTH_RE.search(text) else []
    if not found:
        return text, []
    chars = list(text)
    for start, _end, new, _kind in found:
        chars[start] = new
    return "".join(chars), [Repair(kind, start, text[start:end], new) for start, end, new, kind in found]


__all__ = ["Rule", "RULES", "RULE_BY_KIND", "Repair", "repair", "edits", "is_han", "half_width",
           "horizontal_simplified", "unpaired_corner_quotes"]
