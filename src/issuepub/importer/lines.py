"""Line-level recognisers for text extracted from a typeset PDF. Pure functions, no I/O.

Everything here looks at one line (or two) and answers a narrow question: is this a byline,
a credit line, an end mark, a sentence end, a likely heading? The article builder in
``bodies`` combines the answers with context.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from ..text import HAN, is_sentence_final

END_MARKS = "✎■"
# Ending in one of these means the sentence clearly goes on.
CONTINUING = "，,、（(“「『《"
PAIRS = {"“": "”", "「": "」", "『": "』", "《": "》", "（": "）", "(": ")", "【": "】"}
QR_MARKER = "扫码收听有声文章"

ENUM_RE = re.compile(r"^(?:[一二三四五六七八九十]{1,3}[、．.]|[（(][一二三四五六七八九十\d]{1,3}[）)]|\d{1,2}[、．])")
BYLINE_RE = re.compile(
    r"^(?:文\s*[/／]\s*|本版撰文\s*[:：]\s*|撰文\s*[:：/／]\s*|作者\s*[:：]\s*|记者\s*[:：]\s*)(?P<rest>.*)$"
)
CREDIT_RE = re.compile(r"^[（(]\s*(?P<inner>[^（()）]+?供稿)\s*[)）]$")
AUTHOR_NOTE_RE = re.compile(r"^[（(]?\s*作者系")
INTRO_RE = re.compile(r"^本期[“\"「『](?P<name>[^”\"」』]{1,20})[”\"」』]")
ENTRY_RE = re.compile(r"^(?:[-•·*]\s*)?(?P<page>\d{1,3})\s+(?P<rest>\S.*)$")
EDITION_RE = re.compile(
    r"^(?P<edition>上半月|下半月)\s*(?P<year>\d{4})\s*年\s*第\s*(?P<number>\d{1,2})\s*期"
    r"(?:\s*[·・•.]?\s*总第\s*(?P<total>\d{1,5})\s*期)?"
)
HAN_RE = re.compile(f"[{HAN}]")
NAME_TOKEN_RE = re.compile(r"^[\u3400-\u9fff·]{2,4}$")
CJK_SPACE_RE = re.compile(r"[\u3400-\u9fff”’」』》)）\"]\s+[“‘「『《(（\u3400-\u9fff\"]")
# Organisations sign articles too: 和平区委组织部, 天津市审计局机关党委, 天津市水务集团党委.
ORG_SUFFIXES = ("党委", "党组", "组织部", "工作部", "委员会", "研究室", "支部", "局", "公司", "集团",
                "中心", "学院", "大学", "协会", "办公室", "部", "社", "院", "所", "委")
ROLE_SUFFIXES = ("记者", "通讯员", "部长", "书记", "主任", "常委", "委员", "研究员", "编辑", "主编",
                 "社长", "局长", "处长", "科长", "组长", "区长", "县长", "市长", "镇长", "干部",
                 "调研员", "科员", "教授", "馆员", "员", "长")


@dataclass(frozen=True)
class Line:
    no: int  # 1-based line number in the input
    text: str  # stripped text


def split_lines(text: str) -> list[Line]:
    """Every line of the input with its number; text stripped of surrounding whitespace."""
    if text.startswith("\ufeff"):
        text = text[1:]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return [Line(i, raw.replace("\u3000", " ").strip()) for i, raw in enumerate(text.split("\n"), 1)]


_SPACE_RE = re.compile(r"[\s\u200b]+")
_QUOTES_RE = re.compile(r"[“”‘’「」『』\"'〝〞《》〈〉]")
_DOTS_RE = re.compile(r"[·・•‧]")


@functools.lru_cache(maxsize=8192)
def norm_key(text: str) -> str:
    """Matching key: width-folded, no whitespace, no quote marks or brackets, one middle dot.

    The contents writes “一二·九” where the body writes 「一二·九」, spaces differ, and one
    body title even lost its quotes; all of those compare equal under this key.
    """
    t = unicodedata.normalize("NFKC", text)
    t = _SPACE_RE.sub("", t)
    t = _QUOTES_RE.sub("", t)
    t = _DOTS_RE.sub("·", t)
    return t.lower()


def strip_end_mark(text: str) -> tuple[str, bool]:
    """Remove the end-of-article mark (✎ or ■) from the end of a line."""
    t = text.rstrip()
    had = False
    while t and t[-1] in END_MARKS:
        t = t[:-1].rstrip()
        had = True
    return t, had


def is_terminal(text: str) -> bool:
    """True when the text ends a sentence; false for text cut by a page break (…1985).

    A closing dash (…高质量发展——, or -- ── as some text layers write it) introduces the
    following paragraphs and ends this one.
    Straight quotes close a sentence as curly ones do (他说:"好。"): the text is read before
    the typography pass pairs them.
    """
    t = text.rstrip()
    return t.endswith(("——", "--", "──")) or is_sentence_final(t.rstrip("\"'"))


def ends_continuing(text: str) -> bool:
    """Ends with a comma, 顿号 or an opening bracket: the sentence goes on."""
    t = text.rstrip()
    return bool(t) and t[-1] in CONTINUING


def balanced(text: str) -> bool:
    """Quotes and brackets are closed (a cut paragraph often leaves one open)."""
    return all(text.count(opening) == text.count(closing) for opening, closing in PAIRS.items()) \
        and text.count('"') % 2 == 0  # straight quotes of a text layer pair up too


def has_inner_sentence_end(text: str) -> bool:
    """A sentence end before the last character: prose, not a heading."""
    return bool(re.search(r"[。！？!?；;]", text.rstrip()[:-1]))


def has_comma(text: str) -> bool:
    return bool(re.search(r"[，,]", text))


def is_spaced(text: str) -> bool:
    """Two phrases separated by a space, the usual shape of this magazine's subheadings."""
    return bool(CJK_SPACE_RE.search(text))


_LATIN_END = re.compile(r"[A-Za-z0-9%]")
_LATIN_START = re.compile(r"[A-Za-z]")


def join_parts(parts: list[str], b: str) -> None:
    """Append ``b`` to a paragraph held as ``parts`` (joined later with ``"".join``), as
    ``join_text`` would join it: only the last part is looked at, so a paragraph cut into many
    lines costs its length once, not once per line."""
    b = b.lstrip()
    while parts and not parts[-1].rstrip():
        parts.pop()
    if not parts:
        parts.append(b)
        return
    a = parts[-1] = parts[-1].rstrip()
    if b and _LATIN_END.match(a[-1]) and _LATIN_START.match(b):
        parts.append(" ")
    parts.append(b)


def join_text(a: str, b: str) -> str:
    """Join two pieces of one paragraph: no space between Chinese, one between Latin words."""
    parts = [a]
    join_parts(parts, b)
    return "".join(parts)


def credit_of(text: str) -> str | None:
    """``(天津水务集团党委 供稿)`` or ``（…供稿）`` -> ``天津水务集团党委 供稿``."""
    m = CREDIT_RE.match(text.strip())
    return re.sub(r"\s+", " ", m.group("inner")).strip() if m else None


def credit_org(credit: str) -> str:
    return re.sub(r"\s*供稿$", "", credit).strip()


def byline_rest(text: str) -> str | None:
    """The part after ``文 /`` (or ``本版撰文:``), or None when the line is not a byline."""
    m = BYLINE_RE.match(text.strip())
    return m.group("rest").strip() if m else None


def looks_like_names(text: str) -> bool:
    """One to four personal names such as ``张婉妮`` or ``刘会娟 吕华丽``."""
    tokens = text.split()
    return 1 <= len(tokens) <= 4 and all(NAME_TOKEN_RE.match(t) for t in tokens)


def looks_like_org(text: str) -> bool:
    t = text.strip()
    return 4 <= len(t) <= 30 and " " not in t and t.endswith(ORG_SUFFIXES) and bool(HAN_RE.search(t))


def looks_like_author(text: str) -> bool:
    return looks_like_names(text) or looks_like_org(text)


def is_role_token(token: str) -> bool:
    return "、" in token or token.endswith(ROLE_SUFFIXES) and len(token) >= 3 or len(token) > 5


def split_byline(rest: str, expected: str = "") -> tuple[str, str]:
    """Split ``东丽区委常委、区委组织部部长 潘作成`` into (role, name).

    The contents' author is the best evidence of where the name starts; otherwise leading
    tokens that read as titles (contain 、, end in 记者/部长/书记…, or are long) are the role.
    """
    tokens = rest.split()
    if not tokens:
        return "", ""
    exp = expected.split()
    if exp and len(exp) <= len(tokens) and [norm_key(t) for t in tokens[-len(exp):]] == [norm_key(t) for t in exp]:
        return " ".join(tokens[: len(tokens) - len(exp)]), " ".join(tokens[-len(exp):])
    role: list[str] = []
    for i, token in enumerate(tokens):
        if is_role_token(token) and not (i == len(tokens) - 1 and NAME_TOKEN_RE.match(token) and role):
            role.append(token)
        else:
            return " ".join(role), " ".join(tokens[i:])
    return " ".join(role), ""


def first_clause(text: str) -> str:
    m = re.match(r"^[^，,。、；;：:！？!?]*", text)
    return m.group(0) if m else text


def starts_mid_sentence(text: str) -> bool:
    """A piece that can only be the rest of a cut sentence: ``领,两个研究生党支部…``."""
    t = text.lstrip()
    if not t:
        return False
    if t[0] in "，,。、；;：:！？!?）)”’」』》":
        return True
    clause = first_clause(t)
    return len(clause) == 1 and len(t) > 1 and t[1] in "，,、"


def is_attribution(text: str) -> bool:
    """``——11月4日市委常委会扩大会议指出``: the source of a quotation, its own paragraph."""
    return text.startswith(("——", "--", "──"))


def is_author_note(text: str) -> bool:
    return bool(AUTHOR_NOTE_RE.match(text))


def intro_column(text: str) -> str | None:
    """``本期“书记好故事”的主人公是…`` -> 书记好故事."""
    m = INTRO_RE.match(text)
    return m.group("name").strip() if m else None


def is_qr_marker(text: str) -> bool:
    return text.replace(" ", "") == QR_MARKER
