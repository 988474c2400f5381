"""One code as print artwork: SVG and PDF (vector, in millimetres) and PNG (at least 600 dpi,
every module a whole number of pixels). Pure.

Geometry shared by the three formats (``Artwork``): a white square of ``size_mm`` holding
the symbol and its quiet zone; the captioned variant adds a band below the square with
扫码收听有声文章 set in Noto Sans CJK SC Regular, as outlines in SVG/PDF (no font needed
downstream) and rasterised by FreeType in the PNG. The caption stays out of the quiet zone. A draft code
(``build --draft``: its base URL is a placeholder) gets one more band at the bottom carrying
样张 — 网址未定，不可付印, so that nobody can mistake it for a code to print.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

from ... import fonts
from .pdfdoc import MM, PdfDocument, num, path_ops, rects_ops
from .symbol import CAPTION, QUIET_ZONE, QrSymbol, rects

PNG_DPI = 600  # the least resolution of a PNG code; the exact one makes modules whole pixels
CAPTION_BAND_EM = 1.25  # caption band height, in caption ems (text box 1 em + white below)
DRAFT_MARK = "样张 — 网址未定，不可付印"


@dataclass(frozen=True)
class Artwork:
    size_mm: float  # side of the square: symbol + quiet zone
    modules: int  # side of the square in modules
    caption: bool
    caption_em_mm: float = 0.0
    caption_x_mm: float = 0.0  # start of the caption's baseline, from the left edge
    caption_baseline_mm: float = 0.0  # from the top edge
    draft: bool = False  # a band marked DRAFT_MARK below everything else
    draft_em_mm: float = 0.0
    draft_x_mm: float = 0.0
    draft_baseline_mm: float = 0.0  # from the top edge

    @property
    def module_mm(self) -> float:
        return self.size_mm / self.modules

    @property
    def caption_bottom_mm(self) -> float:
        return self.size_mm + (self.caption_em_mm * CAPTION_BAND_EM if self.caption else 0.0)

    @property
    def height_mm(self) -> float:
        return self.caption_bottom_mm + (self.draft_em_mm * CAPTION_BAND_EM if self.draft else 0.0)


def artwork(symbol: QrSymbol, size_mm: float, caption: bool = False, draft: bool = False) -> Artwork:
    n = symbol.modules
    module = size_mm / n
    # The caption spans the symbol plus two modules each side: as wide as the eye reads
    # the code, and (8 characters in 20 mm) about 6.4 pt, the smallest comfortable size.
    width = (n - 2 * (QUIET_ZONE - 2)) * module
    ascender, _ = fonts.font_metrics()
    art = Artwork(size_mm, n, False)
    if caption:
        em = width / fonts.text_advance(CAPTION, 1.0)
        baseline = size_mm + em * ascender / fonts.units_per_em()
        art = Artwork(size_mm, n, True, em, (size_mm - width) / 2, baseline)
    if draft:
        em = width / fonts.text_advance(DRAFT_MARK, 1.0)
        baseline = art.caption_bottom_mm + em * ascender / fonts.units_per_em()
        art = Artwork(**{**art.__dict__, "draft": True, "draft_em_mm": em,
                         "draft_x_mm": (size_mm - width) / 2, "draft_baseline_mm": baseline})
    return art


# --- SVG -----------------------------------------------------------------------------------

def _svg_num(value: float) -> str:
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _svg_path(ops: list[fonts.PathOp]) -> str:
    out = []
    for op, pts in ops:
        out.append(op + " ".join(_svg_num(p) for p in pts) if pts else op)
    return "".join(out)


def svg_bytes(symbol: QrSymbol, art: Artwork) -> bytes:
    """The code as SVG; user units are modules, so every module edge is on an integer."""
    n = art.modules
    height_units = art.height_mm / art.module_mm
    d = "".join(f"M{x} {y}h{w}v{h}h-{w}z" for x, y, w, h in rects(symbol.matrix))
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{num(art.size_mm)}mm" '
        f'height="{num(art.height_mm)}mm" viewBox="0 0 {n} {_svg_num(height_units)}">',
        f"<title>{symbol.url}</title>",
        # White background: the quiet zone stays white even on a tinted page.
        f'<rect id="qr-background" width="{n}" height="{_svg_num(height_units)}" fill="#fff"/>',
        f'<path id="qr-modules" fill="#000" shape-rendering="crispEdges" d="{d}"/>',
    ]
    if art.caption:
        scale = 1 / art.module_mm
        ops = fonts.text_outline(CAPTION, art.caption_em_mm * scale, art.caption_x_mm * scale,
                                 art.caption_baseline_mm * scale, y_down=True)
        lines.append(f'<path id="qr-caption" fill="#000" d="{_svg_path(ops)}"/>')
    if art.draft:
        scale = 1 / art.module_mm
        ops = fonts.text_outline(DRAFT_MARK, art.draft_em_mm * scale, art.draft_x_mm * scale,
                                 art.draft_baseline_mm * scale, y_down=True)
        lines.insert(3, f"<desc>{DRAFT_MARK}</desc>")
        lines.append(f'<path id="qr-draft" fill="#000" d="{_svg_path(ops)}"/>')
    lines.append("</svg>")
    return ("\n".join(lines) + "\n").encode("utf-8")


# --- PDF -----------------------------------------------------------------------------------

def code_ops(symbol: QrSymbol, x: float, top: float, size: float) -> str:
    """PDF operators drawing the code (white square + one black path) with its top-left
    corner at (x, top) in points, ``size`` points wide."""
    scale = size / symbol.modules
    return "\n".join([
        f"q 1 g {num(x)} {num(top - size)} {num(size)} {num(size)} re f Q",
        # Module space: origin at the top-left corner, y down, one unit per module.
        f"q 0 g {num(scale)} 0 0 {num(-scale)} {num(x)} {num(top)} cm",
        rects_ops(rects(symbol.matrix)),
        "f Q",
    ])


def caption_ops(art: Artwork, x: float, top: float) -> str:
    """PDF operators for the caption band of ``art`` whose top-left corner is at (x, top)."""
    band = (art.caption_bottom_mm - art.size_mm) * MM
    ops = fonts.text_outline(CAPTION, art.caption_em_mm * MM, x + art.caption_x_mm * MM,
                             top - art.caption_baseline_mm * MM, y_down=False)
    return "\n".join([
        f"q 1 g {num(x)} {num(top - art.size_mm * MM - band)} {num(art.size_mm * MM)} {num(band)} re f Q",
        "q 0 g", path_ops(ops), "f Q",
    ])


def draft_ops(art: Artwork, x: float, top: float) -> str:
    """PDF operators for the draft band of ``art`` whose top-left corner is at (x, top)."""
    band = (art.height_mm - art.caption_bottom_mm) * MM
    ops = fonts.text_outline(DRAFT_MARK, art.draft_em_mm * MM, x + art.draft_x_mm * MM,
                             top - art.draft_baseline_mm * MM, y_down=False)
    return "\n".join([
        f"q 1 g {num(x)} {num(top - art.height_mm * MM)} {num(art.size_mm * MM)} {num(band)} re f Q",
        "q 0 g", path_ops(ops), "f Q",
    ])


def pdf_bytes(symbol: QrSymbol, art: Artwork) -> bytes:
    width = art.size_mm * MM
    height = art.height_mm * MM
    content = code_ops(symbol, 0, height, width)
    if art.caption:
        content += "\n" + caption_ops(art, 0, height)
    if art.draft:
        content += "\n" + draft_ops(art, 0, height)
    doc = PdfDocument()
    doc.add_page(width, height, content + "\n")
    return doc.to_bytes(f"{DRAFT_MARK} {symbol.url}" if art.draft else symbol.url)


# --- PNG -----------------------------------------------------------------------------------

def png_module_pixels(art: Artwork, dpi: int = PNG_DPI) -> int:
    """Pixels per module: the least whole number giving at least ``dpi``."""
    return math.ceil(art.module_mm / 25.4 * dpi - 1e-9)


def png_dpi(art: Artwork, dpi: int = PNG_DPI) -> float:
    """The resolution at which the PNG, with whole-pixel modules, prints at exactly size_mm.

    Stored in the file (as pixels per metre, which is what PNG keeps): InDesign and other
    layout programs place the picture at its true size without any scaling."""
    return art.modules * png_module_pixels(art, dpi) / (art.size_mm / 25.4)


def png_image(symbol: QrSymbol, art: Artwork, dpi: int = PNG_DPI):
    """The code as a Pillow image: every module exactly ``png_module_pixels`` square, no
    antialiasing in the code; bands (caption, draft mark) scaled at the same resolution."""
    from PIL import Image, ImageDraw

    module = png_module_pixels(art, dpi)
    n = art.modules
    side = n * module
    px = png_dpi(art, dpi) / 25.4  # pixels per mm
    banded = art.caption or art.draft
    height = round(art.height_mm * px) if banded else side
    image = Image.new("L" if banded else "1", (side, height), 255 if banded else 1)
    draw = ImageDraw.Draw(image)
    for x, y, w, h in rects(symbol.matrix):
        draw.rectangle((x * module, y * module, (x + w) * module - 1, (y + h) * module - 1), fill=0)
    if not banded:
        return image
    # The bands are drawn on their own strip below the square: a glyph whose rounded pixel
    # size overshoots its ascender would otherwise grey the quiet zone's last row.
    band = Image.new("L", (side, height - side), 255)
    band_draw = ImageDraw.Draw(band)
    for text, on, em, x_mm, base_mm in ((CAPTION, art.caption, art.caption_em_mm, art.caption_x_mm,
                                         art.caption_baseline_mm),
                                        (DRAFT_MARK, art.draft, art.draft_em_mm, art.draft_x_mm,
                                         art.draft_baseline_mm)):
        if on:
            font = fonts.pil_font(round(em * px), "Regular")
            band_draw.text((x_mm * px, base_mm * px - side), text, font=font, fill=0, anchor="ls")
    image.paste(band, (0, side))
    return image


def png_bytes(symbol: QrSymbol, art: Artwork, dpi: int = PNG_DPI) -> bytes:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_itxt("Title", f"{DRAFT_MARK} {symbol.url}" if art.draft else symbol.url, lang="zh-CN")
    out = io.BytesIO()
    exact = png_dpi(art, dpi)
    png_image(symbol, art, dpi).save(out, format="PNG", dpi=(exact, exact), optimize=True, pnginfo=info)
    return out.getvalue()
