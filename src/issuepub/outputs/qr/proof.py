"""The proof sheet (qr-proof.pdf): every code at its true printed size, with what it is for.

A4, for the editor and the printer: column, title, printed page, URL and files beside each
code, in Chinese, in Noto Sans CJK SC embedded as a subset so that the sheet prints the same
everywhere. Crop marks show the edge of each code's white square (its quiet zone), which
would otherwise be invisible on white paper. Pure: returns bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ... import fonts
from .pdfdoc import MM, PdfDocument, num, text_op
from .render import DRAFT_MARK, Artwork, caption_ops, code_ops, draft_ops
from .symbol import QUIET_ZONE, QrSymbol

A4 = (210 * MM, 297 * MM)
MARGIN = 15 * MM
GAP = 8 * MM  # between the codes (room for both crop marks), and before the text
ROW_GAP = 7 * MM
MARK_OFFSET = 1.0 * MM
MARK_LENGTH = 2.0 * MM
FONT = "F1"


@dataclass(frozen=True)
class ProofEntry:
    number: int
    column: str
    title: str
    page: int | None
    url: str
    stem: str  # file name stem under qr/, e.g. 01-juanshou
    symbol: QrSymbol
    art: Artwork
    caption_art: Artwork | None  # the captioned variant, shown beside the plain code


@dataclass
class _Page:
    texts: list[tuple[float, float, float, float, str]] = field(default_factory=list)  # size, x, y, gray, text
    graphics: list[str] = field(default_factory=list)


def _wrap(text: str, size: float, width: float) -> list[str]:
    """Break ``text`` into lines no wider than ``width`` points (between any characters:
    Chinese breaks anywhere; URLs are printed whole on as many lines as they need)."""
    lines, line = [], ""
    for char in text:
        if line and fonts.text_advance(line + char, size) > width:
            lines.append(line)
            line = char
        else:
            line += char
    return lines + [line] if line else lines


def _crop_marks(x: float, top: float, width: float, height: float) -> str:
    """Corner marks just outside the rectangle, 0.25 pt, 60 % grey."""
    left, right, bottom = x, x + width, top - height
    segments = []
    for cx, dx in ((left, -1), (right, 1)):
        for cy, dy in ((top, 1), (bottom, -1)):
            segments.append((cx + dx * MARK_OFFSET, cy, cx + dx * (MARK_OFFSET + MARK_LENGTH), cy))
            segments.append((cx, cy + dy * MARK_OFFSET, cx, cy + dy * (MARK_OFFSET + MARK_LENGTH)))
    body = "\n".join(f"{num(a)} {num(b)} m {num(c)} {num(d)} l" for a, b, c, d in segments)
    return f"q 0.4 G 0.25 w\n{body}\nS Q"


def _entry_block(entry: ProofEntry, text_width: float,
                 draft: bool = False) -> list[tuple[float, float, str, float]]:
    """The text lines beside one code: (size, gray, text, line height)."""
    page = f"第 {entry.page} 页" if entry.page is not None else "未填写"
    art = entry.art
    lines: list[tuple[float, float, str, float]] = []
    for line in _wrap(f"{entry.number:02d}　{entry.title}", 11, text_width):
        lines.append((11, 0, line, 15))
    lines.append((8.5, 0, f"栏目：{entry.column}　　印刷页码：{page}", 13))
    for line in _wrap(f"链接：{entry.url}", 8.5, text_width):
        lines.append((8.5, 0, line, 12))
    files = [f"文件：qr/{entry.stem}.svg｜.pdf｜.png"]
    if entry.caption_art is not None:
        files.append(f"带文字版：qr/{entry.stem}-caption.svg｜.pdf｜.png")
    for line in (part for text in files for part in _wrap(text, 7.5, text_width)):
        lines.append((7.5, 0.35, line, 11))
    # A draft names a placeholder address: it decodes, but to nowhere, so it is not "checked".
    state = DRAFT_MARK if draft else "已解码核对，与链接一致"
    for line in _wrap(f"QR 版本 {entry.symbol.version}，纠错等级 {entry.symbol.level}，"
                      f"{art.modules} × {art.modules} 模块，模块 {art.module_mm:.3f} 毫米；{state}",
                      7.5, text_width):
        lines.append((7.5, 0.35, line, 11))
    return lines


def proof_pdf(title: str, entries: list[ProofEntry], settings_line: str,
              draft: bool = False) -> tuple[bytes, tuple[str, ...]]:
    """The proof sheet, and the characters its font lacks (drawn as empty boxes).

    ``draft``: the base URL is a placeholder; every page says so in its heading and footer."""
    width, height = A4
    pages: list[_Page] = [_Page()]
    page = pages[0]

    def header(p: _Page) -> float:
        y = height - MARGIN - 14
        p.texts.append((14, MARGIN, y, 0, f"{title}　二维码{'样张' if draft else '校样'}"))
        y -= 16
        if draft:
            y -= 6
            p.texts.append((18, MARGIN, y, 0, DRAFT_MARK))
            y -= 10
            for line in _wrap("issue.toml 的 base_url 是占位网址，这些二维码扫出后打不开。"
                              "填写真实网址并去掉 --draft 重新生成后，才能交付印刷。",
                              8.5, width - 2 * MARGIN):
                p.texts.append((8.5, MARGIN, y, 0, line))
                y -= 12
        for line in _wrap(settings_line, 8.5, width - 2 * MARGIN):
            p.texts.append((8.5, MARGIN, y, 0.35, line))
            y -= 12
        p.texts.append((8.5, MARGIN, y, 0.35,
                        "每个二维码均按实际印刷尺寸排放：请以 100% 比例打印，勿“适合页面”缩放。"
                        "角线标出二维码白底（含静区）的边界。"))
        y -= 8
        p.graphics.append(f"q 0.6 G 0.5 w {num(MARGIN)} {num(y)} m {num(width - MARGIN)} {num(y)} l S Q")
        return y - ROW_GAP

    y = header(page)
    on_page = 0
    bottom = MARGIN + 14  # footer line below
    if not entries:
        page.texts.append((11, MARGIN, y - 11, 0, "本期没有需要印刷二维码的文章。"))
    for entry in entries:
        codes_width = entry.art.size_mm * MM
        codes_height = entry.art.height_mm * MM
        if entry.caption_art is not None:
            codes_width += GAP + entry.caption_art.size_mm * MM
            codes_height = max(codes_height, entry.caption_art.height_mm * MM)
        text_x = MARGIN + codes_width + GAP
        block = _entry_block(entry, width - MARGIN - text_x, draft)
        text_height = sum(line[3] for line in block)
        row_height = max(codes_height, text_height)
        if y - row_height < bottom and on_page:
            page = _Page()
            pages.append(page)
            y = header(page)
            on_page = 0
        on_page += 1
        top = y
        x = MARGIN
        for art, with_caption in ((entry.art, False), (entry.caption_art, True)):
            if art is None:
                continue
            size = art.size_mm * MM
            page.graphics.append(code_ops(entry.symbol, x, top, size))
            if with_caption:
                page.graphics.append(caption_ops(art, x, top))
            if art.draft:
                page.graphics.append(draft_ops(art, x, top))
            page.graphics.append(_crop_marks(x, top, size, art.height_mm * MM))
            x += size + GAP
        ty = top
        for size, gray, text, lead in block:
            ty -= lead
            page.texts.append((size, text_x, ty + (lead - size) / 2 + 0.12 * size, gray, text))
        y = top - row_height - ROW_GAP / 2
        page.graphics.append(f"q 0.8 G 0.3 w {num(MARGIN)} {num(y)} m {num(width - MARGIN)} {num(y)} l S Q")
        y -= ROW_GAP / 2

    for number, p in enumerate(pages, start=1):
        kind = f"二维码样张（{DRAFT_MARK}）" if draft else "二维码校样"
        footer = f"{title}　{kind}　第 {number} 页，共 {len(pages)} 页　（issuepub 生成）"
        p.texts.append((7.5, MARGIN, MARGIN, 0.35, footer))

    chars = {c for p in pages for t in p.texts for c in t[4]}
    font = fonts.embeddable_subset(chars)
    doc = PdfDocument()
    doc.add_font(FONT, font)
    for p in pages:
        ops = list(p.graphics)
        for size, x, y_, gray, text in p.texts:
            ops.append(f"{num(gray)} g " + text_op(font, FONT, size, x, y_, text))
        doc.add_page(width, height, "\n".join(ops) + "\n")
    name = f"{title} 二维码样张 {DRAFT_MARK}" if draft else f"{title} 二维码校样"
    return doc.to_bytes(name), font.missing


def settings_line(level: str, size_mm: float, caption: bool, count: int, all_narrated: bool) -> str:
    which = "每篇朗读的文章" if all_narrated else "标注 print_qr 的文章"
    text = (f"共 {count} 个二维码（{which}）；纠错等级 {level}；印刷尺寸 {size_mm:g} × {size_mm:g} 毫米，"
            f"含四周各 {QUIET_ZONE} 个模块的静区；模块不小于 0.5 毫米")
    if caption:
        text += "；另有带“扫码收听有声文章”文字的版本"
    return text + "。"
