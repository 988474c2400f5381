"""Article bodies: find each contents title over its body, then rebuild the body's blocks.

Pure functions over the input lines. ``BodyIndex`` answers where a title is printed (also
when the body spells it with other quotes, other spaces, or breaks it over two lines);
``build_article`` walks one article's lines and rebuilds paragraphs cut by page breaks,
headings, captions, byline, credit and end marks; text found after an article had ended
(displaced paragraphs, column introductions, captions) is handed back for ``analyse`` to
place.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .draft import DOUBT, REPAIR, Dest, DraftArticle, DraftBlock, Note, Piece
from .lines import (ENUM_RE, Line, balanced, byline_rest, credit_of, credit_org, ends_continuing,
                    has_comma, has_inner_sentence_end, intro_column, is_attribution,
                    is_author_note, is_qr_marker, is_spaced, is_terminal, join_text,
                    looks_like_names, norm_key, split_byline, starts_mid_sentence,
                    strip_end_mark)

# A short unpunctuated line inside a cut paragraph is a picture caption; longer ones are text.
CAPTION_MAX = 60
HEADING_MAX = 40


@dataclass(frozen=True)
class TitleHit:
    pos: int  # index into the input lines of the title line
    rest_pos: int | None = None  # the title's second part, when printed on another line


class BodyIndex:
    """The input lines outside the contents, indexed by matching key (``norm_key``)."""

    def __init__(self, lines: list[Line], skip: set[int]):
        self.lines = lines
        self.order = [i for i, ln in enumerate(lines) if ln.text and i not in skip]
        self.keys = {i: norm_key(lines[i].text) for i in self.order}
        self.by_key: dict[str, list[int]] = {}
        for i in self.order:
            self.by_key.setdefault(self.keys[i], []).append(i)
        self._next = dict(zip(self.order, self.order[1:], strict=False))
        self._credits = {norm_key(c.replace("供稿", "")) for i in self.order
                         if (c := credit_of(lines[i].text))}

    def _following(self, pos: int, count: int) -> list[int]:
        out, p = [], pos
        while len(out) < count and p in self._next:
            p = self._next[p]
            out.append(p)
        return out

    def find_title(self, title: str, start: int = -1) -> TitleHit | None:
        key = norm_key(title)
        if not key:
            return None
        for pos in self.by_key.get(key, ()):
            if pos > start:
                return TitleHit(pos)
        # Printed in two parts: a line holding the first part, the rest on the next line or a
        # little further into the body (党建领航实践路 … 岐黄有术薪火传).
        shortest = max(4, int(len(key) * 0.3))
        for cut in range(len(key) - 1, shortest - 1, -1):
            prefix, rest = key[:cut], key[cut:]
            for pos in self.by_key.get(prefix, ()):
                if pos <= start:
                    continue
                after = self._following(pos, 60)
                if after and self.keys[after[0]] == rest:
                    return TitleHit(pos, after[0])
                for k, q in enumerate(after[1:], 1):
                    if (self.keys[q] == rest and byline_rest(self.lines[after[k - 1]].text) is None
                            and not looks_like_names(self.lines[q].text)):
                        return TitleHit(pos, q)
        return None

    # --- Evidence for the contents parser -----------------------------------------------
    def title_score(self, title: str) -> int:
        hit = self.find_title(title)
        if hit is None:
            return 0
        return 2 if hit.rest_pos is None else 1

    def signed(self, title: str) -> bool:
        hit = self.find_title(title)
        if hit is None:
            return False
        for q in self._following(hit.pos, 4):
            text = self.lines[q].text
            if byline_rest(text) is not None:
                return True
            if not (is_qr_marker(text) or is_attribution(text) or q == hit.rest_pos):
                return False
        return False

    def credit_keys(self) -> set[str]:
        return set(self._credits)


@dataclass
class Run:
    """Text found after its article had ended: displaced paragraphs, maybe with their credit."""

    source: DraftArticle
    blocks: list[DraftBlock] = field(default_factory=list)
    credit: str = ""
    credit_line: int | None = None

    @property
    def lines(self) -> list[int]:
        out = [ln for b in self.blocks for ln in b.lines]
        if self.credit_line:
            out.append(self.credit_line)
        return out


@dataclass
class Context:
    """What the builder knows about the rest of the issue."""

    column_keys: dict[str, str]  # norm_key(column name) -> column name
    feature_keys: dict[str, str]  # norm_key(feature title) -> column name
    title_rest_pos: int | None = None  # input index of the title's second part, if any


@dataclass
class Built:
    notes: list[Note] = field(default_factory=list)
    prov: dict[int, Dest] = field(default_factory=dict)
    intros: list[tuple[str, Piece]] = field(default_factory=list)  # (column, text)
    features: list[tuple[str, int]] = field(default_factory=list)  # (column, line)
    runs: list[Run] = field(default_factory=list)
    qr_lines: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class _Tok:
    kind: str  # text | qr | titlepart | credit | note | attr | feature | intro
    line: Line
    text: str = ""
    mark: bool = False  # carried an end mark (✎ ■)
    ref: str = ""  # column name for feature/intro, credit text for credit


def _tokens(items: list[Line], ctx: Context, column: str, rest_no: int | None) -> list[_Tok]:
    toks: list[_Tok] = []
    for ln in items:
        t = ln.text
        if rest_no is not None and ln.no == rest_no:
            toks.append(_Tok("titlepart", ln, t))
            continue
        if is_qr_marker(t):
            toks.append(_Tok("qr", ln))
            continue
        credit = credit_of(t)
        if credit:
            toks.append(_Tok("credit", ln, t, ref=credit))
            continue
        text, mark = strip_end_mark(t)
        key = norm_key(text)
        if key in ctx.feature_keys and ctx.feature_keys[key] != column:
            toks.append(_Tok("feature", ln, text, mark, ctx.feature_keys[key]))
            continue
        intro = intro_column(text)
        if intro and norm_key(intro) in ctx.column_keys and ctx.column_keys[norm_key(intro)] != column:
            toks.append(_Tok("intro", ln, text, mark, ctx.column_keys[norm_key(intro)]))
            continue
        if is_author_note(text):
            toks.append(_Tok("note", ln, text, mark))
        elif is_attribution(text):
            toks.append(_Tok("attr", ln, text, mark))
        else:
            toks.append(_Tok("text", ln, text, mark))
    return toks


def heading_like(t: str, *, after_heading: bool, spaced_style: bool, after_label: bool = False) -> bool:
    """Could this line be a subheading? (It never ends a sentence and is short.)

    ``after_heading``: the previous block is a heading; ``after_label``: it is a short section
    label such as 焦点 or 现象, under which 月读 prints a headline.
    """
    if not t or is_terminal(t) or ends_continuing(t) or not balanced(t) or has_inner_sentence_end(t):
        return False
    if ENUM_RE.match(t):
        return len(t) <= 60
    if len(t) > HEADING_MAX:
        return False
    if has_comma(t):
        # 现象 / 新职业青年遇上广袤乡村,创造更多可能: a headline right under a section label.
        return after_label
    if len(t) <= 8:
        return True
    # In an article whose headings are all "phrase phrase", an unspaced line is cut text.
    if spaced_style and not is_spaced(t):
        return False
    return True


def strong_heading(t: str, spaced_style: bool) -> bool:
    return heading_like(t, after_heading=False, spaced_style=spaced_style) and bool(
        ENUM_RE.match(t) or (spaced_style and is_spaced(t)))


def _spaced_style(toks: list[_Tok]) -> bool:
    cands = [t.text for t in toks if t.kind == "text" and 9 <= len(t.text) <= HEADING_MAX
             and not is_terminal(t.text) and balanced(t.text) and not has_comma(t.text)
             and not has_inner_sentence_end(t.text) and not ENUM_RE.match(t.text)
             and not ends_continuing(t.text)]
    spaced = sum(1 for c in cands if is_spaced(c))
    return spaced >= 2 and spaced > len(cands) - spaced


def build_article(article: DraftArticle, items: list[Line], ctx: Context) -> Built:
    """Fill ``article`` (byline, blocks, credit, print_qr) from its lines (title excluded)."""
    out = Built()
    here = Dest("article", article.slug)
    toks = _tokens(items, ctx, article.column, ctx.title_rest_pos)
    style = _spaced_style(toks)
    blocks = article.blocks
    i = 0
    n = len(toks)

    def note(kind: str, topic: str, lines: tuple[int, ...], message: str) -> None:
        out.notes.append(Note(kind, topic, lines, message, article.slug))

    def place(tok: _Tok, dest: Dest = here) -> None:
        out.prov[tok.line.no] = dest
        if dest == here:
            article.lines.append(tok.line.no)

    # --- header: title's second part, subtitle, byline, the QR marker --------------------
    while i < n:
        tok = toks[i]
        if tok.kind == "qr":
            article.print_qr = True
            out.qr_lines.append(tok.line.no)
            out.prov[tok.line.no] = Dest("report", "qr")
            i += 1
        elif tok.kind == "titlepart":
            place(tok)
            note(REPAIR, "标题拆行", (tok.line.no,),
                 f"《{article.title}》的后半“{tok.text}”印在第 {tok.line.no} 行，已并入标题。")
            i += 1
        elif tok.kind == "attr" and not article.subtitle and not article.author and not blocks:
            article.subtitle = tok.text
            place(tok)
            i += 1
        elif tok.kind == "text" and not blocks and not article.author and byline_rest(tok.text) is not None:
            rest = byline_rest(tok.text) or ""
            role, name = split_byline(rest, article.contents_author)
            place(tok)
            i += 1
            if not name and i < n and toks[i].kind == "text" and looks_like_names(toks[i].text):
                # 文 / 本刊记者 ⏎ 张婉妮: the name went to the next line.
                name = toks[i].text
                place(toks[i])
                note(REPAIR, "署名拆行", (tok.line.no, toks[i].line.no),
                     f"署名“{tok.text}”的姓名“{name}”在下一行（第 {toks[i].line.no} 行），已合并。")
                i += 1
            article.author, article.author_role = name, role
            if not name:
                note(DOUBT, "署名", (tok.line.no,), f"署名“{tok.text}”里没有找到姓名，已整体作为作者身份保留。")
        else:
            break

    closed = False  # an end mark or the credit line was seen
    held: list[DraftBlock] = []  # captions waiting for the paragraph they interrupt to end
    intro_for: str | None = None  # text now belongs to this column's introduction
    run: Run | None = None

    def next_text(k: int) -> _Tok | None:
        while k < n and toks[k].kind in ("qr", "titlepart"):
            k += 1
        return toks[k] if k < n else None

    def flush() -> None:
        blocks.extend(held)
        held.clear()

    def add_para(target: list[DraftBlock], tok: _Tok, kind: str = "paragraph") -> None:
        if target is blocks:
            flush()
        target.append(DraftBlock(kind, [Piece(tok.line.no, tok.text)], tok.text,
                                 open=kind == "paragraph" and not is_terminal(tok.text)
                                 and tok.kind == "text" and not tok.mark))

    def join(block: DraftBlock, tok: _Tok, where: str) -> None:
        before = block.tail(8)
        block.join(tok.text)
        block.pieces.append(Piece(tok.line.no, tok.text))
        block.open = not is_terminal(tok.text) and not tok.mark
        note(REPAIR, "跨页断段接续", (block.pieces[-2].line, tok.line.no),
             f"{where}第 {block.pieces[-2].line} 行“…{before}”与第 {tok.line.no} 行“{tok.text[:8]}…”"
             "原是一段，已接上。")

    while i < n:
        tok = toks[i]
        i += 1
        if tok.kind == "qr":
            article.print_qr = True
            out.qr_lines.append(tok.line.no)
            out.prov[tok.line.no] = Dest("report", "qr")
            continue
        if tok.kind == "titlepart":
            place(tok)
            note(REPAIR, "标题拆行", (tok.line.no,),
                 f"《{article.title}》的后半“{tok.text}”印在正文中间（第 {tok.line.no} 行），已并入标题，"
                 "前后的正文照常接续。")
            continue
        if tok.kind == "feature":
            out.features.append((tok.ref, tok.line.no))
            out.prov[tok.line.no] = Dest("column", tok.ref)
            intro_for = tok.ref
            continue
        if tok.kind == "intro":
            out.intros.append((tok.ref, Piece(tok.line.no, tok.text)))
            out.prov[tok.line.no] = Dest("column", tok.ref)
            intro_for = tok.ref
            continue
        if tok.kind == "credit":
            if run is not None:
                run.credit, run.credit_line = tok.ref, tok.line.no
                out.runs.append(run)
                run = None
            elif not article.credit:
                article.credit = tok.ref
                place(tok)
            else:
                # A second credit with no text of its own: say so, keep the line in the report.
                out.prov[tok.line.no] = Dest("report", "unplaced")
                note(DOUBT, "未归属的行", (tok.line.no,),
                     f"第 {tok.line.no} 行“{tok.line.text}”是又一个供稿行，前面没有属于它的正文，未使用。")
            closed = True
            intro_for = None
            continue
        if intro_for is not None and tok.kind in ("text", "attr", "note"):
            out.intros.append((intro_for, Piece(tok.line.no, tok.text)))
            out.prov[tok.line.no] = Dest("column", intro_for)
            continue
        if run is not None:
            # Displaced text continues until its credit line or the next title.
            last = run.blocks[-1] if run.blocks else None
            if last is not None and last.open and tok.kind == "text":
                join(last, tok, "错位段落中，")
            else:
                add_para(run.blocks, tok)
            continue
        if tok.kind in ("attr", "note"):
            # ——11月4日…指出 (source of a quotation) and （作者系…） stay as closing paragraphs.
            add_para(blocks, tok)
            blocks[-1].open = False
            place(tok)
            if tok.mark:
                closed = True
            continue
        # tok.kind == "text"
        if closed:
            if len(tok.text) <= CAPTION_MAX and not is_terminal(tok.text) and not ends_continuing(tok.text) \
                    and not tok.mark:
                flush()
                blocks.append(DraftBlock("caption", [Piece(tok.line.no, tok.text)], tok.text))
                place(tok)
                note(DOUBT, "推测的图片说明", (tok.line.no,),
                     f"第 {tok.line.no} 行“{tok.text}”在文末之后、下一篇之前，判定为图片说明。")
                continue
            run = Run(article)
            add_para(run.blocks, tok)
            if tok.mark:
                run.blocks[-1].open = False
            continue
        last = blocks[-1] if blocks else None
        t = tok.text
        if last is not None and last.kind == "paragraph" and last.open:
            nxt = next_text(i)
            nxt_prose = nxt is not None and nxt.kind == "text" and not heading_like(
                nxt.text, after_heading=False, spaced_style=style)
            if is_terminal(t) or len(t) > CAPTION_MAX or ends_continuing(t) or has_inner_sentence_end(t) \
                    or not balanced(t) or tok.mark:
                join(last, tok, "")
            elif not nxt_prose:
                if heading_like(t, after_heading=False, spaced_style=style):
                    flush()
                    blocks.append(DraftBlock("heading", [Piece(tok.line.no, t)], t))
                else:
                    join(last, tok, "")
            elif strong_heading(t, style):
                flush()
                blocks.append(DraftBlock("heading", [Piece(tok.line.no, t)], t))
            else:
                # A short line inside a cut paragraph: a caption printed between its halves.
                # It is held back and placed after the paragraph, which goes on past it.
                held.append(DraftBlock("caption", [Piece(tok.line.no, t)], t))
                note(DOUBT, "推测的图片说明", (tok.line.no,),
                     f"第 {tok.line.no} 行“{t}”夹在被分页切开的段落中间（第 {last.pieces[-1].line} 行之后），"
                     "判定为图片说明，放在该段之后，段落跳过它接续。")
            place(tok)
            if tok.mark:
                closed = True
            continue
        after_heading = last is not None and last.kind == "heading"
        after_label = after_heading and len(last.text) <= 6 and not is_spaced(last.text)
        if not tok.mark and heading_like(t, after_heading=after_heading, spaced_style=style,
                                         after_label=after_label):
            flush()
            blocks.append(DraftBlock("heading", [Piece(tok.line.no, t)], t))
        else:
            add_para(blocks, tok)
            if not is_terminal(t) and not tok.mark and len(t) <= HEADING_MAX and balanced(t) \
                    and not has_comma(t) and not has_inner_sentence_end(t) and not ends_continuing(t):
                note(DOUBT, "判为正文而非小标题", (tok.line.no,),
                     f"第 {tok.line.no} 行“{t}”像小标题，但本文小标题都是“词组 词组”的样子，"
                     "判定为被分页切开的正文。")
        place(tok)
        if tok.mark:
            closed = True
    flush()
    if run is not None:
        out.runs.append(run)
    return out


def repair_article(article: DraftArticle) -> list[Note]:
    """Second pass over one article: drop repeated paragraphs, reunite a paragraph left
    unfinished before a heading with its lost ending (``…为引`` … ``领,两个…``)."""
    notes: list[Note] = []
    seen: dict[str, int] = {}
    kept: list[DraftBlock] = []
    for block in article.blocks:
        if block.kind == "paragraph" and len(block.pieces) == 1 and len(block.text) >= 20:
            key = norm_key(block.text)
            if key in seen:
                notes.append(Note(REPAIR, "重复段落删除", (block.line, seen[key]),
                                  f"第 {block.line} 行与第 {seen[key]} 行文字完全相同（提取时重复），已删去一份。",
                                  article.slug))
                # The kept copy carries the line too, so the text is not lost.
                for b in kept:
                    if any(p.line == seen[key] for p in b.pieces):
                        b.pieces.append(Piece(block.line, block.text))
                continue
        if block.kind == "paragraph":
            for piece in block.pieces:
                seen.setdefault(norm_key(piece.text), piece.line)
        kept.append(block)
    article.blocks[:] = kept
    blocks = article.blocks
    k = 0
    while k < len(blocks):
        block = blocks[k]
        follows = blocks[k + 1] if k + 1 < len(blocks) else None
        if block.kind == "paragraph" and block.open and follows is not None and follows.kind != "paragraph":
            for m in range(k + 2, len(blocks)):
                cand = blocks[m]
                if cand.kind == "paragraph" and starts_mid_sentence(cand.text):
                    notes.append(Note(REPAIR, "跨栏接续", (block.pieces[-1].line, cand.line),
                                      f"第 {block.pieces[-1].line} 行段落止于“…{block.text[-8:]}”，"
                                      f"它的后半在第 {cand.line} 行（“{cand.text[:8]}…”，排版时被挤到后面），已接回。",
                                      article.slug))
                    block.text = join_text(block.text, cand.text)
                    block.pieces.extend(cand.pieces)
                    block.open = cand.open
                    del blocks[m]
                    break
        k += 1
    for block in blocks:
        if block.kind == "paragraph" and block.open and block is not blocks[-1]:
            notes.append(Note(DOUBT, "未完的段落", (block.pieces[-1].line,),
                              f"第 {block.pieces[-1].line} 行的段落没有以句末标点结束（“…{block.text[-10:]}”），"
                              "没有找到它的后半，请对照印刷版。", article.slug))
    return notes


def attach_run(run: Run, articles: list[DraftArticle]) -> tuple[DraftArticle, str]:
    """Choose the article displaced text belongs to; returns (article, reason or '')."""
    org = norm_key(credit_org(run.credit)) if run.credit else ""
    best: tuple[int, int, DraftArticle] | None = None
    for a in articles:
        if a is run.source:
            continue
        score = 0
        if a.open_end:
            score += 2
        names = {norm_key(a.contents_author), norm_key(a.author)} - {""}
        if org and any(org == x or (len(x) >= 4 and (org in x or x in org)) for x in names):
            score += 2
        if run.credit and not a.credit:
            score += 1
        if score < 3:
            continue
        distance = abs(a.index - run.source.index)
        if best is None or (score, -distance) > (best[0], best[1]):
            best = (score, -distance, a)
    if best is None:
        return run.source, ""
    target = best[2]
    reasons = []
    if target.open_end:
        reasons.append(f"《{target.title}》末段没有结束")
    if org and best[0] >= 4 or (org and not target.open_end):
        reasons.append(f"供稿单位“{credit_org(run.credit)}”与该文作者一致")
    return target, "，".join(reasons)


__all__ = ["BodyIndex", "TitleHit", "Context", "Built", "Run", "build_article", "repair_article",
           "attach_run"]
