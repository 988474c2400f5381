"""The EPUB's pages in Chromium: colour contrast in the reading modes readers use, and the
typography of titles and attribution lines on a small screen.

Every XHTML document of the example's EPUB (and of one with pictures and an attribution
line) is opened in headless Chromium (as in test_site_browser) in each mode below; for every
visible element holding text the test reads the computed text colour and the effective
background (the nearest ancestor with one, else the page's canvas) and requires a WCAG
contrast ratio of at least 4.5:1.

Modes: light (no preference), ``prefers-color-scheme: dark`` (reading systems that follow
the system's dark mode: canvas and body text from the browser's dark scheme), Apple Books'
Night and Sepia themes (the theme attribute on the root and the page's background and body
text set by the reader, author colours kept, as Apple Books does), Apple Books' White and Sepia
chosen while the system is dark, Readium's sepia. The
background and text colours of the readers' themes are the values those apps use.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from conftest import EXAMPLE
from issuepub.build import run_build
from test_site_browser import browser, require_browser  # noqa: F401 - the fixture is used

MIN_RATIO = 4.5
# name -> (prefers-color-scheme, Apple Books theme attribute or None, page background, body text)
MODES = {
    "light": ("light", None, None, None),
    "dark (prefers-color-scheme)": ("dark", None, None, None),
    "Apple Books Night": ("light", "*Night", "#121212", "#dcdcdc"),
    "Apple Books Sepia": ("light", "*Sepia", "#f8f1e3", "#5b4636"),
    "Readium sepia": ("light", None, "#faf4e8", "#121212"),
    # Apple Books' light themes chosen while the system is in dark mode
    "Apple Books White, system dark": ("dark", "*White", "#ffffff", "#000000"),
    "Apple Books Sepia, system dark": ("dark", "*Sepia", "#f8f1e3", "#5b4636"),
}

MEASURE = """() => {
  const parse = (c) => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const canvas = (() => { const d = document.createElement('div');
    d.style.backgroundColor = 'Canvas'; document.documentElement.appendChild(d);
    const c = getComputedStyle(d).backgroundColor; d.remove(); return parse(c); })();
  const background = (el) => { for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor); if (c && c[3] > 0) return c; }
    return canvas; };
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const own = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || el.getClientRects().length === 0) continue;
    const s = getComputedStyle(el);
    if (s.visibility === 'hidden') continue;
    out.push({tag: el.tagName.toLowerCase(), cls: el.className || '', text: el.textContent.trim().slice(0, 20),
              fg: parse(s.color), bg: background(el)});
  }
  return out;
}"""


def luminance(rgb) -> float:
    def channel(v: float) -> float:
        v /= 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(v) for v in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def ratio(fg, bg) -> float:
    alpha = fg[3]
    fg = [alpha * f + (1 - alpha) * b for f, b in zip(fg[:3], bg[:3])]  # text over its background
    hi, lo = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_ratio_formula():
    assert ratio((0, 0, 0, 1), (255, 255, 255, 1)) == pytest.approx(21)
    assert ratio((118, 118, 118, 1), (255, 255, 255, 1)) == pytest.approx(4.54, abs=0.01)


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> list[Path]:
    """The XHTML documents of the example's EPUB, its first article with a two-part title as
    long as the corpus's, an attribution line and a picture, unpacked as a reading system
    would read them."""
    root = tmp_path_factory.mktemp("contrast")
    issue_dir = root / "issue"
    shutil.copytree(EXAMPLE, issue_dir)
    pictures = issue_dir / "pictures"
    pictures.mkdir()
    shutil.copy(issue_dir / "cover.png", pictures / "p.png")
    article = issue_dir / "articles" / "01-juanshou.md"
    text = article.read_text(encoding="utf-8").replace(
        "title: 春风化雨 久久为功", "title: 坚定信心真抓实干 敢作敢为善作善成")  # a corpus title
    article.write_text(text + "\n——3月1日市委常委会扩大会议指出\n\n![图注文字](pictures/p.png)\n",
                       encoding="utf-8")
    report = run_build(issue_dir, root / "out", only=["epub"])
    unpacked = root / "epub"
    with zipfile.ZipFile(report.out_dir / f"{report.issue.id}.epub") as z:
        z.extractall(unpacked)
    return sorted(unpacked.rglob("*.xhtml"))


@pytest.mark.parametrize("mode", list(MODES))
def test_every_text_keeps_contrast(browser, pages, mode):  # noqa: F811 - pytest fixture
    scheme, theme, background, text = MODES[mode]
    low: list[str] = []
    measured = coloured = 0
    for path in pages:
        page = browser.new_page()
        page.emulate_media(color_scheme=scheme)
        page.goto(path.as_uri(), wait_until="load")
        if theme:
            page.evaluate(f"document.documentElement.setAttribute('__ibooks_internal_theme', '{theme}')")
        if background:
            page.add_style_tag(content=f"html {{ background-color: {background}; color: {text}; }}")
        body = page.evaluate("getComputedStyle(document.body).color")
        for item in page.evaluate(MEASURE):
            measured += 1
            value = ratio(item["fg"], item["bg"])
            coloured += f"rgb({', '.join(str(int(v)) for v in item['fg'][:3])})" != body
            if value < MIN_RATIO:
                low.append(f"{path.name} <{item['tag']} class='{item['cls']}'> {item['text']!r}: "
                           f"{value:.2f}:1 ({item['fg']} on {item['bg']})")
        page.close()
    assert measured > 100 and coloured > 10, (measured, coloured)  # the test looked at something
    assert not low, f"{mode}: {len(low)} texts below {MIN_RATIO}:1\n" + "\n".join(low)


def test_dark_mode_changes_the_author_colours(browser, pages):  # noqa: F811 - pytest fixture
    article = next(p for p in pages if p.name == "a02.xhtml")
    colours = {}
    for scheme in ("light", "dark"):
        page = browser.new_page()
        page.emulate_media(color_scheme=scheme)
        page.goto(article.as_uri(), wait_until="load")
        colours[scheme] = page.evaluate("""() => ['h2', 'p.column', 'p.byline'].map(
            s => getComputedStyle(document.querySelector(s)).color)""")
        page.close()
    assert all(a != b for a, b in zip(colours["light"], colours["dark"])), colours


def _article_with(pages: list[Path], needle: str) -> Path:
    return next(p for p in pages if p.parent.name == "text" and needle in p.read_text(encoding="utf-8"))


@pytest.mark.parametrize("width", [240, 300, 360])
def test_two_part_titles_break_between_phrases(browser, pages, width):  # noqa: F811
    """On a screen too narrow for the whole title, each phrase stays on one line."""
    path = _article_with(pages, 'class="phrase"')
    page = browser.new_page()
    page.goto(path.as_uri(), wait_until="load")
    # A page that wide (a reading system's column; the emulated phone lays out XHTML without
    # a viewport meta at 980 px)
    page.add_style_tag(content=f"html {{ width: {width}px; }}")
    lines = page.evaluate("""() => {
        const h = document.querySelector('h1'), r = h.getBoundingClientRect();
        const lineHeight = parseFloat(getComputedStyle(h).lineHeight);
        return {title: Math.round(r.height / lineHeight),
                phrases: Array.from(h.querySelectorAll('.phrase')).map(p => {
                  const b = p.getBoundingClientRect(); return Math.round(b.height / lineHeight); })};
    }""")
    page.close()
    assert len(lines["phrases"]) == 2
    assert lines["title"] >= 2  # too narrow for one line: the title did break
    assert lines["phrases"] == [1, 1], lines  # but between the phrases, not inside one


def test_attribution_lines_are_right_aligned_without_indent(browser, pages):  # noqa: F811
    path = _article_with(pages, 'class="attribution"')
    page = browser.new_page()
    page.goto(path.as_uri(), wait_until="load")
    style = page.evaluate("""() => { const s = getComputedStyle(document.querySelector('p.attribution'));
        return [s.textAlign, s.textIndent]; }""")
    page.close()
    assert style == ["right", "0px"]


@pytest.mark.parametrize("width", [240, 300, 360])
def test_contents_page_numbers_stay_beside_their_article(browser, pages, width):  # noqa: F811
    """Like the printed 目录: each printed page at the right end of its own entry, on the
    entry's last line, even when a long title, subtitle and author wrap on a narrow screen."""
    contents = next(p for p in pages if p.name == "contents.xhtml")
    page = browser.new_page()
    page.goto(contents.as_uri(), wait_until="load")
    page.add_style_tag(content=f"html {{ width: {width}px; }}")
    entries = page.evaluate("""() => Array.from(document.querySelectorAll('nav li li')).map(li => {
        const a = li.querySelector('a'), p = a.querySelector('.toc-page').getBoundingClientRect();
        const text = Array.from(a.querySelectorAll('.toc-title, .toc-subtitle, .toc-author'))
            .flatMap(s => Array.from(s.getClientRects())).filter(r => r.width > 0);
        return {title: a.textContent.trim(), page: [p.left, p.top, p.right, p.bottom],
                right: li.getBoundingClientRect().right, align: getComputedStyle(a).textAlign,
                authors: Array.from(a.querySelectorAll('.toc-author')).map(s => s.getClientRects().length),
                lines: Math.round(a.getBoundingClientRect().height / parseFloat(getComputedStyle(a).lineHeight)),
                text: text.map(r => [r.left, r.top, r.right, r.bottom])};
    })""")
    page.close()
    assert entries and any(e["lines"] > 1 for e in entries) or width == 360, entries
    for e in entries:
        left, top, right, bottom = e["page"]
        last = max(e["text"], key=lambda t: t[3])  # a box on the entry's last line
        assert e["authors"] in ([], [1]), e  # an author's name is never cut across lines
        assert e["align"] != "justify", e  # the gap between a title's phrases is not stretched
        assert abs(right - e["right"]) <= 1, e  # at the right edge of the contents
        assert last[1] <= (top + bottom) / 2 <= last[3], e  # on the entry's last line
        for l, t, r, b in e["text"]:  # never on top of the title, subtitle or author
            assert r <= left or l >= right or b <= top or t >= bottom, e


def _contents(pages: list[Path]) -> Path:
    return next(p for p in pages if p.name == "contents.xhtml")


@pytest.mark.parametrize("width", [240, 360])
def test_contents_subtitles_sit_beneath_their_titles_in_smaller_type(browser, pages, width):  # noqa: F811
    """As printed: a column's feature title under the column's name, an article's subtitle
    under its title, each in smaller type than what it stands under."""
    page = browser.new_page()
    page.goto(_contents(pages).as_uri(), wait_until="load")
    page.add_style_tag(content=f"html {{ width: {width}px; }}")
    pairs = page.evaluate("""() => Array.from(document.querySelectorAll('.toc-subtitle, .toc-feature'))
        .map(s => { const above = s.previousElementSibling, a = above.getBoundingClientRect(),
                          b = s.getBoundingClientRect();
          return {cls: s.className, text: s.textContent, above: above.className,
                  aboveBottom: a.bottom, top: b.top, left: b.left, linkLeft: s.parentElement.getBoundingClientRect().left,
                  size: parseFloat(getComputedStyle(s).fontSize),
                  aboveSize: parseFloat(getComputedStyle(above).fontSize),
                  weight: getComputedStyle(s).fontWeight}; })""")
    page.close()
    assert sorted(p["cls"] for p in pairs) == ["toc-feature", "toc-subtitle"], pairs
    for p in pairs:
        assert p["above"] == {"toc-subtitle": "toc-title", "toc-feature": "toc-column-name"}[p["cls"]], p
        assert p["top"] >= p["aboveBottom"] - 1, p  # on a line of its own, beneath
        assert abs(p["left"] - p["linkLeft"]) <= 1, p  # starting where its entry starts
        assert p["size"] < p["aboveSize"], p  # smaller type
        assert p["weight"] == "400", p


@pytest.mark.parametrize("mode", list(MODES))
def test_contents_subtitles_keep_contrast(browser, pages, mode):  # noqa: F811 - pytest fixture
    """The subtitle and feature title colours of the contents page, measured in each mode."""
    scheme, theme, background, text = MODES[mode]
    page = browser.new_page()
    page.emulate_media(color_scheme=scheme)
    page.goto(_contents(pages).as_uri(), wait_until="load")
    if theme:
        page.evaluate(f"document.documentElement.setAttribute('__ibooks_internal_theme', '{theme}')")
    if background:
        page.add_style_tag(content=f"html {{ background-color: {background}; color: {text}; }}")
    found = [i for i in page.evaluate(MEASURE) if i["cls"] in ("toc-subtitle", "toc-feature")]
    page.close()
    assert len(found) == 2, found
    for item in found:
        assert ratio(item["fg"], item["bg"]) >= MIN_RATIO, (mode, item)
