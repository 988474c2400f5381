"""The masthead (版权页) and the lines around it: magazine title, edition and number, ISSN, CN,
price, staff lines, the 声明 paragraphs and the cover caption. Pure functions.
"""

from __future__ import annotations

import re

from .draft import DOUBT, INFO, Dest, Masthead, Note
from .lines import EDITION_RE, HAN_RE, Line, is_terminal, looks_like_names

# First words of masthead lines (主编 张春芳, 邮发代号 6-268 …): such a line starts a new entry.
_LABEL_SUFFIXES = ("主办", "主管", "出版", "单位", "编辑", "主编", "社长", "校对", "采编", "顾问",
                   "电话", "地址", "编码", "网址", "邮箱", "媒体", "代号", "范围", "证号", "刊号",
                   "定价", "印刷", "发行", "总监", "设计", "摄影", "记者", "主任", "经理", "总编")
ISSN_RE = re.compile(r"ISSN\s*(\d{4}\s*-\s*\d{3}[\dXx])")
CN_RE = re.compile(r"CN\s*(\d{2}\s*-\s*\d{4}\s*/\s*[A-Z0-9]{1,4})")
DAY_RE = re.compile(r"^每月\s*(\d{1,2})\s*日\s*出版$")
COVER_RE = re.compile(r"^封面\s*[：:]")
PUBLISHER_RE = re.compile(r"^(?:编辑出版|出版|出版单位|出版者)\s*[：:]?\s*(?P<name>\S.*)$")
PRICE_RE = re.compile(r"^(?:定价|零售价|每册定价)")
URL_RE = re.compile(r"^(?:https?://|www\.)\S+$")
# Magazines the importer knows: title -> code (file names, URLs). Others get a placeholder code.
KNOWN_CODES = {"天津支部生活": "tjzbsh"}


def _is_label_line(text: str) -> bool:
    first = text.split()[0] if text.split() else ""
    return first.endswith(_LABEL_SUFFIXES)


def _is_prose(text: str) -> bool:
    return len(text) > 30 and bool(re.search(r"[。，,；;]", text))


def body_start(lines: list[Line]) -> int:
    """Index in ``lines`` (non-blank lines after the contents) where article text begins.

    Masthead lines are short; the 声明 paragraphs after their heading are the only prose. The
    first other prose line starts an article, and a short label right before it (习语金句)
    belongs to that article. ``len(lines)`` when there is no prose at all.
    """
    in_statement = False
    for i, ln in enumerate(lines):
        t = ln.text
        if t in ("声明", "本刊声明"):
            in_statement = True
            continue
        if in_statement and (_is_prose(t) or is_terminal(t)):
            continue
        in_statement = False
        if _is_prose(t):
            if i > 0 and len(lines[i - 1].text) <= 12 and not _is_label_line(lines[i - 1].text) \
                    and lines[i - 1].text not in ("声明", "本刊声明"):
                return i - 1
            return i
    return len(lines)


def parse_masthead(lines: list[Line], *, known_titles: tuple[str, ...] = tuple(KNOWN_CODES)
                   ) -> tuple[Masthead, dict[int, Dest], list[Note]]:
    """Read the masthead lines. Every line gets a destination: a field of issue.toml or,
    for lines only parsed into values (edition line, ISSN…), the report's 刊物信息来源."""
    m = Masthead()
    prov: dict[int, Dest] = {}
    notes: list[Note] = []
    report = Dest("report", "masthead")
    in_statement = False
    masthead_lines: list[tuple[int, str]] = []
    edition_index = None
    for i, ln in enumerate(lines):
        if EDITION_RE.match(ln.text):
            edition_index = i
            break
    for i, ln in enumerate(lines):
        t = ln.text
        if t in ("声明", "本刊声明"):
            in_statement = True
            prov[ln.no] = report
            m.sources.append((ln.no, t, "“声明”标题（声明各段写入 colophon.statement）"))
            continue
        if in_statement and (_is_prose(t) or is_terminal(t)):
            m.statement.append(t)
            prov[ln.no] = Dest("issue", "colophon.statement")
            continue
        in_statement = False
        if COVER_RE.match(t):
            m.cover_caption = t
            prov[ln.no] = Dest("issue", "colophon.cover_caption")
            continue
        em = EDITION_RE.match(t)
        if em:
            m.edition, m.year, m.number = em.group("edition"), int(em.group("year")), int(em.group("number"))
            if em.group("total"):
                m.total_number = int(em.group("total"))
            prov[ln.no] = report
            m.sources.append((ln.no, t, f"版别 {m.edition}、{m.year} 年第 {m.number} 期"
                              + (f"、总第 {m.total_number} 期" if m.total_number else "")))
            continue
        if edition_index is not None and i == edition_index - 1 and not m.title \
                and HAN_RE.search(t) and len(t) <= 12 and not re.search(r"\d", t):
            m.title = t
            prov[ln.no] = Dest("issue", "magazine.title")
            continue
        dm = DAY_RE.match(t)
        if dm:
            m.day = int(dm.group(1))
            prov[ln.no] = report
            m.sources.append((ln.no, t, f"出版日：每月 {m.day} 日"))
            continue
        im = ISSN_RE.search(t)
        if im:
            m.issn = re.sub(r"\s+", "", im.group(1)).upper()
            prov[ln.no] = report
            m.sources.append((ln.no, t, f"ISSN {m.issn}"))
            continue
        cm = CN_RE.search(t)
        if cm:
            m.cn = re.sub(r"\s+", "", cm.group(1))
            prov[ln.no] = report
            m.sources.append((ln.no, t, f"CN {m.cn}"))
            continue
        if PRICE_RE.match(t) and not m.price:
            m.price = t
            prov[ln.no] = Dest("issue", "colophon.price")
            continue
        pm = PUBLISHER_RE.match(t)
        if pm and not m.publisher:
            m.publisher = pm.group("name").strip()
        # A staff line that only continues the previous one: 副总编辑 岳涛 / 王翊, or a URL.
        if masthead_lines and not _is_label_line(t):
            prev_no, prev = masthead_lines[-1]
            prev_values = " ".join(prev.split()[1:])
            if URL_RE.match(t) or (looks_like_names(t) and prev_values and looks_like_names(prev_values)):
                masthead_lines[-1] = (prev_no, f"{prev} {t}")
                prov[ln.no] = Dest("issue", "colophon.masthead")
                notes.append(Note(INFO, "版权页续行合并", (prev_no, ln.no),
                                  f"第 {ln.no} 行“{t}”接在第 {prev_no} 行之后，合为一行：“{prev} {t}”。"))
                continue
        masthead_lines.append((ln.no, t))
        prov[ln.no] = Dest("issue", "colophon.masthead")
    m.masthead = [t for _, t in masthead_lines]
    if not m.title:
        for ln in lines:
            if ln.text in known_titles:
                m.title = ln.text
                break
    if not m.edition:
        notes.append(Note(DOUBT, "刊物信息", (), "版权页里没有找到“上半月/下半月 YYYY年第N期”一行，"
                          "版别、年份、期号需要在 issue.toml 里手工填写。"))
    return m, prov, notes
