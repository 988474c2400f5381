"""The shared CJK font (issuepub.fonts): Pillow, outlines and embeddable subsets."""

from __future__ import annotations

import io

from PIL import Image, ImageChops, ImageDraw, ImageFont

from issuepub import fonts


def _ink(font, text: str) -> Image.Image:
    image = Image.new("L", (400, 120), 255)
    ImageDraw.Draw(image).text((10, 10), text, font=font, fill=0)
    return image


def test_pil_font_draws_simplified_chinese():
    font = fonts.pil_font(64)
    assert font.getname() == ("Noto Sans CJK SC", "Regular")
    image = _ink(font, "扫码收听")
    assert image.getextrema()[0] == 0  # ink
    # Plain ImageFont.truetype on the path with the SC index, as the cover code may use it.
    plain = ImageFont.truetype(str(fonts.cjk_font_path()), 64, index=fonts.CJK_SC_INDEX)
    assert plain.getname()[0] == "Noto Sans CJK SC"


def test_pil_font_uses_the_simplified_chinese_glyph_forms():
    # 直 and 骨 are drawn differently in the Japanese and the Simplified Chinese faces.
    sc = ImageFont.truetype(str(fonts.cjk_font_path()), 64, index=fonts.CJK_SC_INDEX)
    jp = ImageFont.truetype(str(fonts.cjk_font_path()), 64, index=0)
    assert jp.getname()[0] == "Noto Sans CJK JP"
    assert ImageChops.difference(_ink(sc, "直骨"), _ink(jp, "直骨")).getbbox() is not None


def test_weights_differ():
    regular = _ink(fonts.pil_font(64, "Regular"), "章")
    bold = _ink(fonts.pil_font(64, "Bold"), "章")
    assert sum(bold.point(lambda v: 255 - v).histogram()[1:]) > 0
    assert bold.histogram()[0] > regular.histogram()[0]  # more fully black pixels


def test_outlines_and_advances():
    assert fonts.text_advance("扫码收听有声文章", 10) == 80  # full-width ideographs
    ops = fonts.text_outline("扫", 10, 0, 100, y_down=True)
    assert ops[0][0] == "M" and ("Z", ()) in ops
    xs = [p for op, pts in ops for p in pts[0::2]]
    ys = [p for op, pts in ops for p in pts[1::2]]
    assert 0 <= min(xs) and max(xs) <= 10
    assert 100 - 8.8 - 0.5 <= min(ys) and max(ys) <= 100 + 1.2 + 0.5  # y down: above baseline


def test_embeddable_subset():
    from fontTools.ttLib import TTFont

    text = "天津支部生活　https://ting.example.cn/ 第1页\ue000"
    sub = fonts.embeddable_subset(text)
    assert sub.data == fonts.embeddable_subset(text).data  # deterministic
    font = TTFont(io.BytesIO(sub.data))
    assert "glyf" in font and "CFF " not in font and "CFF2" not in font and "fvar" not in font
    cmap = font.getBestCmap()
    for char in set(text) - {"\ue000"}:
        assert ord(char) in cmap, char
        assert font.getGlyphOrder()[sub.gids[char]] == cmap[ord(char)]
    assert sub.missing == ("\ue000",) and sub.gids["\ue000"] == 0
    assert len(font.getGlyphOrder()) == len(set(text))  # one per character, with .notdef
    assert sub.ps_name.endswith("+NotoSansCJKsc-Regular") and len(sub.ps_name.split("+")[0]) == 6
    assert sub.widths[sub.gids["天"]] == 1000
    assert len(sub.data) < 30_000
