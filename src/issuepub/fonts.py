"""The CJK font issuepub draws with (generated covers, QR captions, the proof sheet).

Noto Sans CJK from PyPI ``manimgx-fonts-cjk`` (SIL Open Font License 1.1): a variable
OpenType collection (CFF2 outlines, weight axis 100-900, default Thin); face index 2 is
Simplified Chinese (SC), whose glyph forms follow the mainland standard.

Three ways to use it:

- Pillow (raster): ``pil_font(size, "Regular")`` — the SC face with the weight instance set.
  Plain ``ImageFont.truetype(cjk_font_path(), size, index=CJK_SC_INDEX)`` also works but
  draws the default Thin weight.
- Vector outlines (text as paths, best for print): ``text_outline`` / ``text_advance``.
- PDF embedding: ``embeddable_subset(chars)`` builds a small *static TrueType* font holding
  only the glyphs used, at Regular weight. PDF has no way to embed a variable CFF2 font, so
  the outlines are instanced and converted to quadratic (glyf) curves here; every renderer
  and RIP takes a CIDFontType2 with a TrueType program.
"""

from __future__ import annotations

import hashlib
import io
import os
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

CJK_SC_INDEX = 2  # face of the collection for Simplified Chinese
REGULAR = 400  # wght of the Regular named instance
FONT_FAMILY = "Noto Sans CJK SC"
PS_NAME = "NotoSansCJKsc-Regular"


@lru_cache(maxsize=1)
def cjk_font_path() -> Path:
    import manimgx_fonts_cjk

    path = Path(manimgx_fonts_cjk.__file__).parent / "NotoSansCJK-VF.otf.ttc"
    if not path.is_file():
        raise FileNotFoundError(f"CJK font missing at {path}; reinstall manimgx-fonts-cjk")
    return path


def pil_font(size: int, weight: str = "Regular"):
    """A Pillow font for Simplified Chinese at ``size`` px; weight is a named instance (Bold…)."""
    from PIL import ImageFont

    font = ImageFont.truetype(str(cjk_font_path()), size, index=CJK_SC_INDEX)
    font.set_variation_by_name(weight.encode() if isinstance(font.get_variation_names()[0], bytes) else weight)
    return font


# --- outlines ------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _sc_face():
    from fontTools.ttLib import TTFont

    # lazy: the collection is 32 MB; only the tables and glyphs we touch are parsed.
    return TTFont(str(cjk_font_path()), fontNumber=CJK_SC_INDEX, lazy=True)


@lru_cache(maxsize=4)
def _glyph_set(weight: int):
    return _sc_face().getGlyphSet(location={"wght": weight})


@lru_cache(maxsize=1)
def _cmap() -> dict[int, str]:
    return _sc_face().getBestCmap()


def units_per_em() -> int:
    return _sc_face()["head"].unitsPerEm


def font_metrics() -> tuple[int, int]:
    """(ascender, descender) in font units: the typographic box CJK glyphs are designed in."""
    os2 = _sc_face()["OS/2"]
    return os2.sTypoAscender, os2.sTypoDescender


def has_glyph(char: str) -> bool:
    return ord(char) in _cmap()


def _glyph_name(char: str) -> str:
    return _cmap().get(ord(char), ".notdef")


def text_advance(text: str, em: float, weight: int = REGULAR) -> float:
    """Width of ``text`` set at ``em`` (any unit), without kerning or shaping."""
    glyphs = _glyph_set(weight)
    return sum(glyphs[_glyph_name(c)].width for c in text) * em / units_per_em()


PathOp = tuple[str, tuple[float, ...]]  # ("M"|"L"|"C"|"Z", coordinates)


def text_outline(text: str, em: float, x: float, baseline: float, *, y_down: bool,
                 weight: int = REGULAR) -> list[PathOp]:
    """The outlines of ``text`` as path operations in the caller's coordinates.

    ``em`` is the font size in caller units; ``(x, baseline)`` the start of the baseline;
    ``y_down`` for SVG-like spaces whose y axis points down (PDF's points up). Outlines use
    the nonzero fill rule.
    """
    from fontTools.pens.basePen import BasePen

    glyphs = _glyph_set(weight)
    scale = em / units_per_em()
    sy = -scale if y_down else scale
    ops: list[PathOp] = []

    class _Pen(BasePen):
        def __init__(self, dx: float):
            super().__init__(None)
            self.dx = dx

        def _pt(self, p):
            return (self.dx + p[0] * scale, baseline + p[1] * sy)

        def _moveTo(self, p):
            ops.append(("M", self._pt(p)))

        def _lineTo(self, p):
            ops.append(("L", self._pt(p)))

        def _curveToOne(self, p1, p2, p3):
            ops.append(("C", (*self._pt(p1), *self._pt(p2), *self._pt(p3))))

        def _closePath(self):
            ops.append(("Z", ()))

        _endPath = _closePath

    pen_x = x
    for char in text:
        glyph = glyphs[_glyph_name(char)]
        glyph.draw(_Pen(pen_x))
        pen_x += glyph.width * scale
    return ops


# --- PDF embedding -------------------------------------------------------------------------

@dataclass(frozen=True)
class EmbeddedFont:
    """A static TrueType subset for embedding in a PDF as a CIDFontType2 (CID = glyph id)."""

    data: bytes  # the TrueType font program
    ps_name: str  # with the subset tag, e.g. ABCDEF+NotoSansCJKsc-Regular
    gids: dict[str, int]  # character -> glyph id (0, .notdef, for characters the font lacks)
    widths: tuple[int, ...]  # advance of each glyph id, in 1/1000 em
    ascent: int  # 1/1000 em
    descent: int
    bbox: tuple[int, int, int, int]
    missing: tuple[str, ...]  # characters drawn as .notdef

    def encode(self, text: str) -> bytes:
        """The 2-byte glyph ids of ``text`` (Identity-H encoding)."""
        return b"".join(self.gids.get(c, 0).to_bytes(2, "big") for c in text)

    def advance(self, text: str, size: float) -> float:
        return sum(self.widths[self.gids.get(c, 0)] for c in text) * size / 1000


def _fixed_timestamp() -> int:
    """Font header dates, in seconds since 1904: SOURCE_DATE_EPOCH if given, else a constant,
    so that the same text gives byte-identical fonts (and PDFs)."""
    from fontTools.misc.timeTools import epoch_diff

    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "0") or 0)
    return epoch - epoch_diff


def embeddable_subset(chars: Iterable[str], weight: int = REGULAR) -> EmbeddedFont:
    """A static TrueType font with only the glyphs for ``chars`` (deterministic bytes)."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    face = _sc_face()
    cmap = _cmap()
    glyphs = _glyph_set(weight)
    upm = units_per_em()
    # Everything but control and format characters (U+3000 and other spaces included).
    wanted = sorted({c for c in chars if unicodedata.category(c) not in ("Cc", "Cf", "Cs")})
    order = [".notdef"]
    gids: dict[str, int] = {}
    for char in wanted:
        name = cmap.get(ord(char))
        if name is None:
            gids[char] = 0
            continue
        if name not in order:
            order.append(name)
        gids[char] = order.index(name)
    missing = tuple(c for c in wanted if gids[c] == 0)

    tt_glyphs = {}
    advances = {}
    for name in order:
        pen = TTGlyphPen(None)
        # CFF outlines are cubic; TrueType wants quadratics (max error: 1/1000 em).
        glyphs[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        tt_glyphs[name] = pen.glyph()
        advances[name] = round(glyphs[name].width)

    fb = FontBuilder(upm, isTTF=True)
    fb.setupGlyphOrder(order)
    fb.setupCharacterMap({ord(c): order[g] for c, g in gids.items() if g})
    fb.setupGlyf(tt_glyphs)
    glyf = fb.font["glyf"]
    fb.setupHorizontalMetrics(
        {n: (advances[n], getattr(glyf[n], "xMin", 0) if glyf[n].numberOfContours else 0)
         for n in order})
    ascent, descent = font_metrics()
    fb.setupHorizontalHeader(ascent=ascent, descent=descent)
    names = face["name"]
    fb.setupNameTable({
        "familyName": FONT_FAMILY,
        "styleName": "Regular",
        "psName": PS_NAME,
        "copyright": names.getDebugName(0) or "",
        "licenseDescription": names.getDebugName(13) or "",
        "licenseInfoURL": names.getDebugName(14) or "",
    }, mac=False)
    fb.setupOS2(sTypoAscender=ascent, sTypoDescender=descent, usWinAscent=ascent,
                usWinDescent=-descent, fsType=face["OS/2"].fsType)
    fb.setupPost(keepGlyphNames=False)
    stamp = _fixed_timestamp()
    fb.font["head"].created = stamp
    fb.font["head"].modified = stamp
    fb.font.recalcTimestamp = False
    out = io.BytesIO()
    fb.save(out)
    data = out.getvalue()

    head = fb.font["head"]
    scale = 1000 / upm
    widths = tuple(round(advances[n] * scale) for n in order)
    # The subset tag: six capitals, derived from the content so that it is stable.
    digest = hashlib.sha256(data).digest()
    tag = "".join(chr(65 + b % 26) for b in digest[:6])
    return EmbeddedFont(
        data=data,
        ps_name=f"{tag}+{PS_NAME}",
        gids=gids,
        widths=widths,
        ascent=round(ascent * scale),
        descent=round(descent * scale),
        bbox=tuple(round(v * scale) for v in (head.xMin, head.yMin, head.xMax, head.yMax)),
        missing=missing,
    )
