"""One code as print artwork: SVG and PDF (vector, in millimetres) and PNG (600 dpi). Pure.

Geometry shared by the three formats (``Artwork``): a white square of ``size_mm`` holding
the symbol and its quiet zone; the captioned variant adds a band below the square with
扫码收听有声文章 set in Noto Sans CJK SC Regular, as outlines in SVG/PDF (no font needed
downstream) and rasterised by FreeType in the PNG. The caption stays out of the quiet zone.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from ... import fonts
from .pdfdoc import MM, PdfDocument, num, path_ops, rects_ops
from .symbol import CAPTION, QUIET_ZONE, QrSymbol, rects

PNG_DPI = 600
CAPTION_BAND_EM = 1.25  # caption band height, in caption ems (text box 1 em + white below)


@dataclass(frozen=True)
class Artwork:
    size_mm: float  # side of the square: symbol + quiet zone
    modules: int  # side of the square in modules
    caption: bool
    caption_em_mm: float = 0.0
    caption_x_mm: float = 0.0  # start of the caption's baseline, from the left edge
    caption_baseline_mm: float = 0.0  # from the top edge

    @property
    def module_mm(self) -> float:
        return self.size_mm / self.modules

    @property
    def height_mm(self) -> float:
        return self.size_mm + (self.caption_em_mm * CAPTION_BAND_EM if self.caption else 0.0)


def artwork(symbol: QrSymbol, size_mm: float, caption: bool = False) -> Artwork:
    n = symbol.modules
    if not caption:
        return Artwork(size_mm, n, False)
    module = size_mm / n
    # The caption spans the symbol plus two modules each side: as wide as the eye reads
    # the code, and (8 characters in 20 mm) about 6.4 pt, the smallest comfortable size.
    width = (n - 2 * (QUIET_ZONE - 2)) * module
    em = width / fonts.text_advance(CAPTION, 1.0)
    ascender, _ = fonts.font_metrics()
    baseline = size_mm + em * ascender / fonts.units_per_em()
    return Artwork(size_mm, n, True, em, (size_mm - width) / 2, baseline)


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
    band = (art.height_mm - art.size_mm) * MM
    ops = fonts.text_outline(CAPTION, art.caption_em_mm * MM, x + art.caption_x_mm * MM,
                             top - art.caption_baseline_mm * MM, y_down=False)
    return "\n".join([
        f"q 1 g {num(x)} {num(top - art.size_mm * MM - band)} {num(art.size_mm * MM)} {num(band)} re f Q",
        "q 0 g", path_ops(ops), "f Q",
    ])


def pdf_bytes(symbol: QrSymbol, art: Artwork) -> bytes:
    width = art.size_mm * MM
    height = art.height_mm * MM
    content = code_ops(symbol, 0, height, width)
    if art.caption:
        content += "\n" + caption_ops(art, 0, height)
    doc = PdfDocument()
    doc.add_page(width, height, content + "\n")
    return doc.to_bytes(symbol.url)


# --- PNG -----------------------------------------------------------------------------------

def png_pixels(mm: float, dpi: int = PNG_DPI) -> int:
    return round(mm / 25.4 * dpi)


def png_image(symbol: QrSymbol, art: Artwork, dpi: int = PNG_DPI):
    """The code as a Pillow image: exact physical size at ``dpi`` (± half a pixel), modules
    snapped to whole pixels (11 or 12 px at 0.49 mm), no antialiasing in the code."""
    from PIL import Image, ImageDraw

    side = png_pixels(art.size_mm, dpi)
    height = png_pixels(art.height_mm, dpi) if art.caption else side
    n = art.modules
    edge = [round(k * side / n) for k in range(n + 1)]
    image = Image.new("L" if art.caption else "1", (side, height), 255 if art.caption else 1)
    draw = ImageDraw.Draw(image)
    for x, y, w, h in rects(symbol.matrix):
        draw.rectangle((edge[x], edge[y], edge[x + w] - 1, edge[y + h] - 1), fill=0)
    if art.caption:
        px = dpi / 25.4
        font = fonts.pil_font(round(art.caption_em_mm * px), "Regular")
        draw.text((art.caption_x_mm * px, art.caption_baseline_mm * px), CAPTION, font=font,
                  fill=0, anchor="ls")
    return image


def png_bytes(symbol: QrSymbol, art: Artwork, dpi: int = PNG_DPI) -> bytes:
    out = io.BytesIO()
    png_image(symbol, art, dpi).save(out, format="PNG", dpi=(dpi, dpi), optimize=True)
    return out.getvalue()
