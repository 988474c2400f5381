"""Fallback fonts for the few characters a reading system's own fonts often lack.

The book sets no font of its own (the reader's Chinese font is used), but many reading
systems have no glyph for a CJK Extension B character (𠮷) or an emoji (👍🏽, 👨‍👩‍👧, 🇨🇳),
and show a box (tofu) instead. For the characters of those kinds the issue actually uses, the
EPUB carries subsets of two OFL fonts: Noto Sans CJK SC (the rare ideographs it has) and Noto
Emoji (monochrome outlines, which every reading system can draw). ``styles/epub.css`` names the
two families last in every font list, after the system's colour emoji fonts, and the
``@font-face`` rules limit each to its characters (``unicode-range``), so every other character
keeps the reader's font. Same text, same bytes (fixed font timestamps).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

import re

HANZI_FAMILY = "issuepub-hanzi"  # the names styles/epub.css lists
EMOJI_FAMILY = "issuepub-emoji"

# Ideographs outside the BMP's unified block: Extension A (U+3400-4DBF), the supplementary
# planes (Extension B-H, U+20000-3FFFF) and the compatibility supplement.
_RARE_HANZI = re.compile(r"[\u3400-\u4dbf\U00020000-\U0003ffff]")
# Every character _emoji() or _RARE_HANZI can match lies in these ranges (Extended_Pictographic
# below U+1F000, coarsened; a test checks it over all of Unicode); Chinese punctuation, ■ ● □
# (the end marks) and ① → are not. A book without any of them never imports the regex module
# (start-up time of every EPUB build).
_MAYBE = re.compile(r"[\u00a9\u00ae\u200d\u203c\u2049\u20e3\u2122\u2139\u2194-\u21aa\u231a-\u23fa"
                    r"\u24c2\u25aa\u25ab\u25b6\u25c0\u25fb-\u27bf\u2934\u2935\u2b05-\u2b55\u3030"
                    r"\u303d\u3297\u3299\u3400-\u4dbf\ufe0f\U0001f000-\U0003ffff\U000e0020-\U000e007f]")


@lru_cache(maxsize=1)
def _emoji():
    """Emoji and what modifies or joins them (see normalize's _EMOJI_RE, which drops the same)."""
    import regex

    return regex.compile(r"[\p{Extended_Pictographic}\U0001f1e6-\U0001f1ff\U0001f3fb-\U0001f3ff"
                         r"\u20e3\ufe0f\u200d\U000e0020-\U000e007f]")


def _pictographic(char: str) -> bool:
    import regex

    return regex.match(r"\p{Extended_Pictographic}", char) is not None


@dataclass(frozen=True)
class FallbackFont:
    family: str
    file_name: str  # in the package
    data: bytes
    chars: tuple[str, ...]  # what it is used for (its unicode-range)

    def font_face(self, css_href: str) -> str:
        depth = css_href.count("/")
        url = "../" * depth + self.file_name
        ranges = ", ".join(f"U+{ord(c):X}" for c in self.chars)
        return (f'@font-face {{ font-family: "{self.family}"; src: url("{url}") format("truetype"); '
                f"unicode-range: {ranges}; }}\n")


@dataclass(frozen=True)
class Fallback:
    fonts: tuple[FallbackFont, ...]
    missing: tuple[str, ...]  # rare characters no font here has: they stay as the reader's font draws them


def fallback_fonts(texts: Iterable[str]) -> Fallback:
    """The fallback fonts for the rare ideographs and emoji of ``texts`` (none when none)."""
    used: set[str] = set()
    for text in texts:
        if _MAYBE.search(text):
            used.update(_RARE_HANZI.findall(text))
            used.update(_emoji().findall(text))
    hanzi = sorted(c for c in used if _RARE_HANZI.match(c))
    emoji = sorted(c for c in used if not _RARE_HANZI.match(c))
    if not used:
        return Fallback((), ())
    from ... import fonts  # only for an issue that has such characters (start-up time)

    out: list[FallbackFont] = []
    drawn = [c for c in hanzi if fonts.has_glyph(c)]
    if drawn:
        out.append(FallbackFont(HANZI_FAMILY, "fonts/hanzi.ttf", fonts.embeddable_subset(drawn).data,
                                tuple(drawn)))
    emoji_cmap = _emoji_cmap()
    drawable = [c for c in emoji if ord(c) in emoji_cmap]
    if drawable:
        out.append(FallbackFont(EMOJI_FAMILY, "fonts/emoji.ttf", _emoji_subset(drawable), tuple(drawable)))
    missing = tuple(c for c in hanzi if c not in drawn) + tuple(
        c for c in emoji if ord(c) not in emoji_cmap and _pictographic(c))
    return Fallback(tuple(out), missing)


def emoji_font_path() -> Path:
    import manimgx_fonts

    path = Path(manimgx_fonts.__file__).parent / "NotoEmoji[wght].ttf"
    if not path.is_file():
        raise FileNotFoundError(f"emoji font missing at {path}; reinstall manimgx-fonts")
    return path


@lru_cache(maxsize=1)
def _emoji_cmap() -> frozenset[int]:
    from fontTools.ttLib import TTFont

    return frozenset(TTFont(str(emoji_font_path()), lazy=True).getBestCmap())


def _emoji_subset(chars: list[str]) -> bytes:
    """Noto Emoji cut to ``chars`` (with the ligatures among them: ZWJ sequences, flags,
    skin tones) at its Regular weight, as a static TrueType font with fixed timestamps."""
    from fontTools import subset
    from fontTools.ttLib import TTFont
    from fontTools.varLib import instancer

    from ... import fonts

    font = TTFont(str(emoji_font_path()), recalcTimestamp=False)
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]  # copyright and the OFL licence kept
    options.notdef_outline = True
    sub = subset.Subsetter(options)
    sub.populate(unicodes=[ord(c) for c in chars])
    sub.subset(font)
    font = instancer.instantiateVariableFont(font, {"wght": fonts.REGULAR})
    stamp = fonts._fixed_timestamp()
    font["head"].created = stamp
    font["head"].modified = stamp
    font.recalcTimestamp = False
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


__all__ = ["Fallback", "FallbackFont", "fallback_fonts", "HANZI_FAMILY", "EMOJI_FAMILY"]
