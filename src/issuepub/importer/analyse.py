"""From the whole extracted text to an ``ImportedIssue``: the pure core of ``issuepub import``.

Order of work: find the contents and read it (with the bodies as evidence), find every
title over its body, split the text between contents and the first body into masthead and
(an article whose title is not printed over its body), rebuild each body, put displaced text
back where it belongs, then account for every input line.
"""

from __future__ import annotations

import datetime as dt
import re

from ..diagnostics import Problem, UserError
from .bodies import BodyIndex, Context, attach_run, build_article, repair_article
from .contents import find_contents, parse_contents
from .draft import (DOUBT, INFO, MISMATCH, REPAIR, TODO, Dest, DraftArticle, DraftColumn,
                    ImportedIssue, Note)
from .lines import credit_org, join_text, norm_key, split_lines
from .masthead import KNOWN_CODES, body_start, parse_masthead
from . import textrepair

FALLBACK_CODE = "magazine"
# Short enough that the codes stay QR version 3, which the default 20 mm size holds.
PLACEHOLDER_BASE_URL = "https://ting.example.invalid"


def _fold_title(text: str) -> str:
    """Title compared as printed, except bracket style and spaces (「」 = “”)."""
    t = re.sub(r"\s+", "", text)
    return t.translate(str.maketrans({"「": "“", "」": "”", "『": "“", "』": "”", "\"": "“"}))


def _slugs(pages: list[int | None]) -> list[str]:
    """``p011`` from the printed first page; a second article on the same page gets ``-2``."""
    out: list[str] = []
    for index, page in enumerate(pages, 1):
        base = f"p{page:03d}" if page is not None else f"a{index:02d}"
        slug, n = base, 2
        while slug in out:
            slug, n = f"{base}-{n}", n + 1
        out.append(slug)
    return out


def analyse_text(text: str, *, source_name: str = "", code: str | None = None,
                 base_url: str | None = None) -> ImportedIssue:
    lines = split_lines(text)
    # Full-width digits and letters (T008) map one character to one: made first, so page
    # numbers, dates and the ISSN are read as printed.
    lines, early_repairs = textrepair.half_width_lines(lines)
    span = find_contents(lines)
    if span is None:
        raise UserError(Problem("I010", None, None,
                                f"{source_name or '输入文字'}里没有找到目录（“目录”一行和“页码 标题”条目）。",
                                "导入需要排版 PDF 提取出的整期文字，其中要有目录页；单篇文章请用 --into 导入。"))
    first, last = span
    index = BodyIndex(lines, set(range(first, last + 1)))
    contents = parse_contents(lines, span, index)
    if not contents.entries:
        raise UserError(Problem("I011", None, lines[first].no, "目录里没有读出任何文章条目。",
                                "目录条目应写成“页码 标题 作者”，例如“11 古街续文脉 党建兴百业 谢小燕”。"))
    notes: list[Note] = list(contents.notes)
    prov: dict[int, Dest] = {}
    for no, _, _ in contents.readings:
        prov[no] = Dest("report", "contents")
    entries = contents.entries
    slugs = _slugs([e.page for e in entries])

    # --- where each title is printed ----------------------------------------------------
    hits = {}
    cursor = -1
    for k, entry in enumerate(entries):
        hit = index.find_title(entry.title, cursor)
        if hit is not None:
            hits[k] = hit
            cursor = hit.rest_pos if hit.rest_pos is not None and hit.rest_pos == hit.pos + 1 else hit.pos
    positions = sorted(h.pos for h in hits.values())

    def range_end(pos: int) -> int:
        later = [p for p in positions if p > pos]
        end = later[0] if later else len(lines)
        if pos < first:
            end = min(end, first)
        return end

    after_contents = [p for p in positions if p > last]
    gap_end = after_contents[0] if after_contents else len(lines)
    gap = [ln for ln in lines[last + 1:gap_end] if ln.text]
    # An article whose title is not printed over its body can only be the text between the
    # masthead and the next printed title (月读·资讯 starts with its first item, 习语金句).
    gap_owner = None
    for k in range(len(entries)):
        if k in hits:
            continue
        prev = [hits[j].pos for j in range(k) if j in hits]
        nxt = [hits[j].pos for j in range(k + 1, len(entries)) if j in hits]
        if (not prev or prev[-1] < first) and (not nxt or nxt[0] > last) and gap_owner is None:
            gap_owner = k
    split = body_start(gap) if gap_owner is not None else len(gap)
    mast_lines, gap_body = gap[:split], gap[split:]
    if gap_owner is not None and not gap_body:
        gap_owner = None
    masthead, mprov, mnotes = parse_masthead(mast_lines)
    prov.update(mprov)
    notes.extend(mnotes)
    if mast_lines:
        notes.append(Note(INFO, "版权页范围", (mast_lines[0].no, mast_lines[-1].no),
                          f"第 {mast_lines[0].no}–{mast_lines[-1].no} 行判定为封面说明、声明和版权页，"
                          "写入 issue.toml。"))
    if not masthead.edition or masthead.year is None or masthead.number is None:
        raise UserError(Problem("I012", None, None, "没有找到期号行（例如“下半月 2024年第11期·总第1148期”）。",
                                "确认提取的文字包含版权页；导入需要从这一行读出版别、年份和期号。"))
    if not masthead.title:
        raise UserError(Problem("I013", None, None, "没有找到刊名（期号行上面的一行，如“天津支部生活”）。",
                                "确认提取的文字包含版权页的刊名一行。"))
    _check_issue_date(masthead)

    # --- columns and articles --------------------------------------------------------------
    columns: dict[str, DraftColumn] = {}
    for col in contents.columns:
        if col.name not in columns:
            columns[col.name] = DraftColumn(col.name, feature=col.feature)
    ctx_columns = {norm_key(name): name for name in columns}
    ctx_features = {norm_key(c.feature): c.name for c in contents.columns if c.feature}
    articles: list[DraftArticle] = []
    runs = []
    qr_lines: list[tuple[int, str]] = []
    for k, entry in enumerate(entries):
        article = DraftArticle(index=k, column=entry.column, title=entry.title, page=entry.page,
                               contents_author=entry.author, slug=slugs[k])
        if k in hits:
            hit = hits[k]
            article.title_line = lines[hit.pos].no
            article.body_title = lines[hit.pos].text
            prov[lines[hit.pos].no] = Dest("article", article.slug)
            article.lines.append(lines[hit.pos].no)
            items = [ln for ln in lines[hit.pos + 1:range_end(hit.pos)] if ln.text]
            rest_no = lines[hit.rest_pos].no if hit.rest_pos is not None else None
            if rest_no is not None:
                article.body_title += " " + lines[hit.rest_pos].text
        elif k == gap_owner:
            items = gap_body
            rest_no = None
            nxt = next((entries[j].title for j in range(k + 1, len(entries)) if j in hits), "")
            notes.append(Note(DOUBT, "文章起点推测", (gap_body[0].no,),
                              f"正文里没有印《{entry.title}》这个标题；第 {gap_body[0].no}–{gap_body[-1].no} 行"
                              f"（版权页之后{f'、《{nxt}》之前' if nxt else ''}）判定为它的正文，"
                              f"从“{gap_body[0].text[:12]}”开始。", article.slug))
        else:
            notes.append(Note(DOUBT, "找不到正文的文章", (entry.line,),
                              f"目录第 {entry.line} 行《{entry.title}》（第 {entry.page} 页）在正文里找不到，"
                              "没有导入这篇文章；请补上它的文字后用 --into 单独导入。"))
            continue
        if not article.title_line and entry.subtitle:
            article.subtitle = entry.subtitle
        built = build_article(article, items, Context(ctx_columns, ctx_features, rest_no))
        notes.extend(built.notes)
        prov.update(built.prov)
        for no in built.qr_lines:
            qr_lines.append((no, article.slug))
        for name, piece in built.intros:
            columns[name].intro.append(piece.text)
        for name, line_no in built.features:
            printed = lines[line_no - 1].text
            if not columns[name].feature:
                columns[name].feature = printed
        runs.extend(built.runs)
        articles.append(article)

    # --- displaced text goes back to the article it was cut from ------------------------
    for run in runs:
        target, reason = attach_run(run, articles)
        span_text = f"第 {run.lines[0]}–{run.lines[-1]} 行"
        if target is run.source:
            target.blocks.extend(run.blocks)
            notes.append(Note(DOUBT, "文末之后的正文", tuple(run.lines),
                              f"{span_text}在《{target.title}》结束（文末标记或供稿行）之后，又找不到它所属的文章，"
                              "暂时接在本文末尾，请核对。", target.slug))
            if run.credit and not target.credit:
                target.credit = run.credit
            elif run.credit:
                prov[run.credit_line] = Dest("report", "unplaced")
                notes.append(Note(DOUBT, "未归属的行", (run.credit_line,),
                                  f"第 {run.credit_line} 行“（{run.credit}）”没有可归属的文章，未使用。"))
        else:
            blocks = list(run.blocks)
            last = target.blocks[-1] if target.blocks else None
            if last is not None and last.kind == "paragraph" and last.open and blocks and blocks[0].kind == "paragraph":
                head = blocks.pop(0)
                notes.append(Note(REPAIR, "跨页断段接续", (last.pieces[-1].line, head.line),
                                  f"第 {last.pieces[-1].line} 行“…{last.text[-8:]}”与错位的第 {head.line} 行"
                                  f"“{head.text[:8]}…”原是一段，已接上。", target.slug))
                last.text = join_text(last.text, head.text)
                last.pieces.extend(head.pieces)
                last.open = head.open
            target.blocks.extend(blocks)
            if run.credit and not target.credit:
                target.credit = run.credit
            notes.append(Note(REPAIR, "错位文字接回", tuple(run.lines),
                              f"{span_text}排在《{run.source.title}》之后，实为《{target.title}》的结尾"
                              f"（依据：{reason}），已接回该文。", target.slug))
        for b in run.blocks:
            for no in b.lines:
                prov[no] = Dest("article", target.slug)
                target.lines.append(no)
        if run.credit_line:
            if target.credit == run.credit:
                prov[run.credit_line] = Dest("article", target.slug)
                target.lines.append(run.credit_line)
            else:
                prov[run.credit_line] = Dest("report", "unplaced")

    for article in articles:
        notes.extend(repair_article(article))
        _check_people(article, notes)

    # Articles left without text are not written (the loader refuses empty articles).
    kept = []
    for article in articles:
        if any(b.kind in ("paragraph", "quote") for b in article.blocks):
            kept.append(article)
            continue
        notes.append(Note(DOUBT, "找不到正文的文章", tuple(article.lines),
                          f"《{article.title}》没有读出正文，没有导入。"))
        for no, dest in list(prov.items()):
            if dest == Dest("article", article.slug):
                prov[no] = Dest("report", "unplaced")
    articles = kept
    for article in articles:
        if article.open_end:
            last_piece = [b for b in article.blocks if b.kind == "paragraph"][-1].pieces[-1]
            notes.append(Note(DOUBT, "未完的段落", (last_piece.line,),
                              f"《{article.title}》的最后一段止于“…{last_piece.text[-10:]}”，没有句末标点，"
                              "也没有找到它的后文，请对照印刷版。", article.slug))
        columns[article.column].articles.append(article)

    # --- PDF artefacts in the text (half-width punctuation, spacing…), structure now known --
    line_of = textrepair.finder({ln.no: ln.text for ln in lines if ln.text})
    text_repairs = [r for a in articles for r in textrepair.repair_article(a, line_of)]
    text_repairs += textrepair.repair_issue_text(list(columns.values()), masthead, line_of)

    # --- every input line is accounted for ---------------------------------------------
    for ln in lines:
        if ln.text and ln.no not in prov:
            prov[ln.no] = Dest("report", "unplaced")
            notes.append(Note(DOUBT, "未归属的行", (ln.no,),
                              f"第 {ln.no} 行“{ln.text}”没有归入任何文章或刊物信息，请确认是否需要。"))
    text_repairs = textrepair.placed(early_repairs, prov) + text_repairs

    # --- issue settings --------------------------------------------------------------------
    if code is None:
        code = KNOWN_CODES.get(masthead.title)
        if code is None:
            code = FALLBACK_CODE
            notes.append(Note(TODO, "待办", (), f"刊名“{masthead.title}”没有预设的英文代号，暂用“{code}”。"
                              "请在 issue.toml 的 [magazine] code 里改成本刊的代号（只用小写字母、数字、连字符；"
                              "它出现在文件名和网址里，定了就不要再改），或导入时加 --code。"))
    placeholder = base_url is None
    if base_url is None:
        base_url = PLACEHOLDER_BASE_URL
        notes.append(Note(TODO, "待办", (), f"收听网页的网址 [audio] base_url 暂用占位地址 {base_url}。"
                          "印刷二维码之前必须改成正式的 https 网址（或导入时加 --base-url）。"))
    if masthead.day is None:
        notes.append(Note(DOUBT, "刊物信息", (), "版权页没有“每月N日出版”，出版日暂定为 "
                          + ("1 日" if masthead.edition == "上半月" else "16 日") + "，请在 issue.toml 里核对 date。"))
    issue = ImportedIssue(
        source_name=source_name, line_count=len(lines) - (1 if text.endswith("\n") else 0),
        masthead=masthead,
        columns=[c for c in columns.values() if c.articles], notes=notes, provenance=prov,
        contents_lines=contents.readings, qr_lines=qr_lines, code=code, base_url=base_url,
        base_url_placeholder=placeholder, text_repairs=text_repairs,
    )
    for col in columns.values():
        if not col.articles:
            notes.append(Note(DOUBT, "空栏目", (), f"栏目“{col.name}”没有导入任何文章，未写入 issue.toml。"))
    return issue


def _source_line(masthead, prefix: str) -> int | None:
    return next((no for no, _, what in masthead.sources if what.startswith(prefix)), None)


def _check_issue_date(masthead) -> None:
    """The issue number is a month and the publication day exists in it (I014, I015)."""
    edition_line = _source_line(masthead, "版别")
    if not 1 <= masthead.number <= 12:
        raise UserError(Problem("I014", None, edition_line,
                                f"期号行写的是第 {masthead.number} 期，月刊的期号应在 1 到 12 之间。",
                                "核对这一行的期号；提取的文字有误时先改正它再导入。"))
    day = masthead.day if masthead.day is not None else 1
    try:
        dt.date(masthead.year, masthead.number, day)
    except ValueError:
        raise UserError(Problem("I015", None, _source_line(masthead, "出版日") or edition_line,
                                f"{masthead.year}年{masthead.number}月没有 {day} 日（版权页写“每月{day}日出版”）。",
                                "核对这一行的出版日，改正后再导入；或删掉这一行，导入后在 issue.toml 里填 date。")) from None


def issue_date(issue: ImportedIssue) -> dt.date:
    m = issue.masthead
    day = m.day if m.day is not None else (1 if m.edition == "上半月" else 16)
    assert m.year is not None and m.number is not None
    return dt.date(m.year, m.number, day)


def _check_people(article: DraftArticle, notes: list[Note]) -> None:
    """Contents author against byline or credit; contents title against the printed one."""
    want = norm_key(article.contents_author)
    if article.author and want and norm_key(article.author) != want:
        notes.append(Note(MISMATCH, "作者不一致", (article.title_line or 0,),
                          f"《{article.title}》：目录作者“{article.contents_author}”，正文署名“{article.author}”。"
                          "已按正文署名导入，请核对哪一个正确。", article.slug))
    elif not article.author and article.credit and want:
        org = norm_key(credit_org(article.credit))
        if org != want:
            notes.append(Note(MISMATCH, "作者与供稿单位写法不同", (article.title_line or 0,),
                              f"《{article.title}》：目录作者“{article.contents_author}”，"
                              f"文末供稿“{article.credit}”，写法不同。正文没有署名，按印刷版只保留供稿行。",
                              article.slug))
    elif not article.author and not article.credit and article.contents_author:
        article.author = article.contents_author
        notes.append(Note(INFO, "作者取自目录", (article.title_line or 0,),
                          f"《{article.title}》正文没有署名和供稿行，作者“{article.contents_author}”取自目录。",
                          article.slug))
    if article.body_title and _fold_title(article.body_title) != _fold_title(article.title):
        notes.append(Note(INFO, "标题写法不同", (article.title_line or 0,),
                          f"正文标题印作“{article.body_title}”，目录作“{article.title}”；已用目录的写法。",
                          article.slug))


__all__ = ["analyse_text", "issue_date", "KNOWN_CODES"]
