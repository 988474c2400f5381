"""Emoji and rare ideographs in the EPUB: EPUBCheck and Ace pass, and a reader whose fonts lack
them (headless Chromium with Noto Sans CJK SC and Debian's DejaVu, no emoji font) draws every
one with a real glyph, from the fallback fonts the build embeds (outputs/epub/fallback.py),
not as a box. Screenshots are kept in build/screenshots/epub-rare-characters-*.png.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from conftest import assert_epubcheck_clean
from issuepub.build import run_build
from issuepub.outputs.epub.fallback import fallback_fonts
from test_epub_accessibility import assert_ace_clean
from test_site_browser import CHROMIUM_FLAGS, PHONE, SCREENSHOTS, browser, require_browser  # noqa: F401

# Emoji with a skin tone, a ZWJ family, a flag, a variation selector; 𠮷 (Extension B, in Noto
# Sans CJK SC); 㐀 (Extension A).
EMOJI = ["😀", "👍🏽", "👨‍👩‍👧", "🇨🇳", "❤️"]
RARE = ["𠮷", "㐀"]
ARTICLE = (
    "---\ntitle: 春风化雨😀 吉𠮷祥\nslug: juanshou\npage: 1\nnarrate: yes\nprint_qr: yes\n---\n\n"
    "表情😀👍🏽👨‍👩‍👧不读，国旗🇨🇳，红心❤️。\n\n"
    "生僻字𠮷（吉的异体）和㐀。\n"
)


def _build(issue: Path, out: Path) -> Path:
    (issue / "articles" / "01-juanshou.md").write_text(ARTICLE, encoding="utf-8")
    report = run_build(issue, out, only=["epub"])
    return report.out_dir / f"{report.issue.id}.epub"


@pytest.fixture
def rare_epub(example_copy, tmp_path) -> Path:
    return _build(example_copy, tmp_path / "out")


def test_the_book_with_emoji_and_rare_ideographs_passes_epubcheck_and_ace(rare_epub, tmp_path):
    assert_epubcheck_clean(rare_epub)
    assert_ace_clean(rare_epub, tmp_path / "ace")


def test_the_fallback_fonts_hold_every_rare_character_and_nothing_else(rare_epub, example_copy, tmp_path):
    with zipfile.ZipFile(rare_epub) as z:
        opf = z.read("EPUB/content.opf").decode("utf-8")
        css = z.read("EPUB/styles/epub.css").decode("utf-8")
        hanzi = TTFont(io.BytesIO(z.read("EPUB/fonts/hanzi.ttf")))
        emoji = TTFont(io.BytesIO(z.read("EPUB/fonts/emoji.ttf")))
    assert 'href="fonts/hanzi.ttf"' in opf and 'media-type="font/ttf"' in opf
    assert set(hanzi.getBestCmap()) == {ord(c) for c in RARE}
    needed = {ord(c) for seq in EMOJI for c in seq}
    assert needed <= set(emoji.getBestCmap())
    assert len(hanzi.getGlyphOrder()) <= 3 and len(emoji.getGlyphOrder()) < 40  # subsets
    assert "unicode-range: U+3400, U+20BB7;" in css
    assert '"issuepub-hanzi", "issuepub-emoji";' in css
    # Same sources: the same bytes (fonts included).
    again = _build(example_copy, tmp_path / "again")
    assert again.read_bytes() == rare_epub.read_bytes()


def test_an_issue_without_rare_characters_embeds_no_font(tmp_path):
    from conftest import EXAMPLE

    report = run_build(EXAMPLE, tmp_path, only=["epub"])
    with zipfile.ZipFile(report.out_dir / f"{report.issue.id}.epub") as z:
        assert not [n for n in z.namelist() if n.startswith("EPUB/fonts/")]
        assert "@font-face" not in z.read("EPUB/styles/epub.css").decode("utf-8")
    assert fallback_fonts(["没有生僻字，2024年。"]).fonts == ()


def test_a_character_no_font_has_is_named(tmp_path):
    found = fallback_fonts(["𪚥和😀"])  # 𪚥 (U+2A6A5) is not in Noto Sans CJK SC
    assert found.missing == ("𪚥",)
    assert [f.chars for f in found.fonts] == [("😀",)]


# Which font Chromium drew each wrapped character with (CDP CSS.getPlatformFontsForNode).
WRAP = """(chars) => {
  let n = 0;
  for (const ch of chars) {
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const node = walker.currentNode, at = node.textContent.indexOf(ch);
      if (at < 0 || node.parentNode.classList.contains('probe')) continue;
      const hit = node.splitText(at); hit.splitText(ch.length);
      const span = document.createElement('span'); span.className = 'probe'; span.dataset.ch = ch;
      hit.parentNode.replaceChild(span, hit); span.appendChild(hit); n++;
      break;
    }
  }
  return n;
}"""


@pytest.fixture
def bare_browser(tmp_path):
    """Chromium with the machine's own fonts only (Debian's DejaVu: no CJK, no emoji font)."""
    executable = require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS)
        try:
            yield b.new_context(viewport=PHONE, device_scale_factor=2, locale="zh-CN")
        finally:
            b.close()


@pytest.mark.parametrize("fonts", ["reader with Noto Sans CJK SC", "no CJK or emoji font"])
def test_chromium_draws_every_emoji_and_rare_ideograph_with_a_real_glyph(fonts, rare_epub, tmp_path, request):
    context = request.getfixturevalue("browser" if fonts.startswith("reader") else "bare_browser")
    folder = tmp_path / "book"
    with zipfile.ZipFile(rare_epub) as z:
        z.extractall(folder)
    page = context.new_page()
    page.goto((folder / "EPUB" / "text" / "a01.xhtml").as_uri(), wait_until="load")
    page.evaluate("document.fonts.ready.then(() => true)")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"epub-rare-characters-{fonts.split()[0]}.png"))
    wanted = EMOJI + RARE
    assert page.evaluate(WRAP, wanted) == len(wanted)
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    drawn = {}
    for node in cdp.send("DOM.querySelectorAll", {"nodeId": root, "selector": "span.probe"})["nodeIds"]:
        attrs = cdp.send("DOM.getAttributes", {"nodeId": node})["attributes"]
        ch = attrs[attrs.index("data-ch") + 1]
        fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
        drawn.setdefault(ch, set()).update((f["familyName"], f["isCustomFont"]) for f in fonts)
    assert set(drawn) == set(wanted)
    # Every one from a font that has it: the book's own (a custom font), or, for 𠮷 and 㐀, the
    # reader's Noto Sans CJK SC where it is installed. Without the fallback fonts the emoji
    # came from DejaVu (😀 only) or were boxes, and 𠮷 a box where no CJK font is installed.
    for ch in EMOJI:
        assert drawn[ch] == {("Noto Emoji", True)}, (ch, drawn[ch])
    for ch in RARE:
        assert drawn[ch] in ({("Noto Sans CJK SC", True)}, {("Noto Sans CJK SC", False)}), (ch, drawn[ch])


def test_the_cheap_prefilter_lets_through_every_character_the_fallback_looks_for():
    """fallback._MAYBE (stdlib re, so a book without such characters never imports regex) must
    match every code point _RARE_HANZI or the emoji pattern matches, over all of Unicode, and
    no ordinary Chinese punctuation."""
    from issuepub.outputs.epub import fallback

    everything = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)
    wanted = set(fallback._RARE_HANZI.findall(everything)) | set(fallback._emoji().findall(everything))
    assert len(wanted) > 90_000  # the ideograph planes and about 3,600 emoji code points
    assert sorted(c for c in wanted if not fallback._MAYBE.match(c)) == []
    assert fallback._MAYBE.search("“中文”——《标题》、（括号）……：；！？。，■●□①→") is None
