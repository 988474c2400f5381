"""The listener pages in a real browser: headless Chromium (Debian's ``chromium``) driven by
Playwright, pages served over HTTP from 127.0.0.1 as a web server would.

Outside CI the test skips when Chromium or Playwright is missing; with CI=true it fails.
Screenshots at a phone's viewport go to build/screenshots/ (ignored by git) for a human look.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import threading
from pathlib import Path

import pytest

from support import site as support
from issuepub.outputs.site import pages

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "tjzbsh-2025-03a"
SCREENSHOTS = ROOT / "build" / "screenshots"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
# Only a guard against a hung browser (a promise that never settles), not a timing assertion.
GUARD_MS = "60000"


def _need(condition: bool, reason: str) -> None:
    if condition:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the browser test must run)")
    pytest.skip(reason)


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else None


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".vtt": "text/vtt", ".mp3": "audio/mpeg", ".xml": "application/rss+xml",
                      ".html": "text/html; charset=utf-8", ".css": "text/css"}

    def log_message(self, format, *args):  # noqa: A002 - keep pytest output clean
        pass


@pytest.fixture
def serve():
    """serve(folder) -> http://127.0.0.1:PORT/ for that folder, on a thread."""
    servers = []

    def start(folder: Path) -> str:
        handler = functools.partial(_QuietHandler, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def require_browser() -> str:
    """Chromium's path; skips (fails under CI) when Chromium or Playwright is missing."""
    executable = chromium_path()
    _need(executable is not None, "没有找到 chromium（apt-get install -y chromium）")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _need(False, "没有安装 playwright（pip install playwright）")
    return executable


def _fontconfig(tmp_path: Path) -> dict[str, str]:
    """Environment that lets Chromium find the Noto Sans CJK font shipped on PyPI, so the
    screenshots show Chinese text, not boxes, on a machine without CJK system fonts."""
    from issuepub.fonts import cjk_font_path

    conf = tmp_path / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
        f'  <dir>{cjk_font_path().parent}</dir>\n  <cachedir>{tmp_path / "fc-cache"}</cachedir>\n'
        '</fontconfig>\n', encoding="utf-8")
    return {**os.environ, "FONTCONFIG_FILE": str(conf)}


@pytest.fixture
def browser(tmp_path):
    executable = require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"),  # a fresh user-data-dir
            executable_path=executable, headless=True, args=CHROMIUM_FLAGS,
            env=_fontconfig(tmp_path),
            viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
            locale="zh-CN",
        )
        try:
            yield context
        finally:
            context.close()


def _open(context, url: str):
    page = context.new_page()
    dialogs: list[str] = []
    errors: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: errors.append(str(e)))
    failed: list[str] = []
    # Media requests are routinely cancelled by the browser itself (net::ERR_ABORTED).
    page.on("requestfailed", lambda r: None if "ERR_ABORTED" in (r.failure or "") else failed.append(r.url))
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    page.goto(url, wait_until="load")
    return page, dialogs, errors, failed


def test_article_page_plays_with_subtitles_on_a_phone(tmp_path, serve, browser):
    issue, out_dir, manifest = support.narrated_issue(tmp_path)
    record = manifest["articles"][0]
    base = serve(out_dir / "site")
    url = base + issue.article_path(issue.articles[0])
    page, dialogs, errors, failed = _open(browser, url)

    # Served as written: no autoplay, no preloading on a weak connection.
    assert page.get_attribute("audio", "preload") == "none"
    # Metadata as a tap on play would load it.
    duration = page.evaluate("""() => new Promise((resolve, reject) => {
        const a = document.querySelector('audio');
        a.addEventListener('loadedmetadata', () => resolve(a.duration), {once: true});
        a.addEventListener('error', () => reject('audio error ' + (a.error && a.error.code)), {once: true});
        a.preload = 'metadata'; a.load();
        setTimeout(() => reject('no loadedmetadata'), GUARD_MS);
    })""".replace("GUARD_MS", GUARD_MS))
    assert duration == pytest.approx(record["audio"]["duration"], abs=0.1)
    assert duration == pytest.approx(record["site"]["audio"]["duration"], abs=0.1)

    track = page.evaluate("""() => new Promise((resolve) => {
        const el = document.querySelector('track');
        const done = () => resolve({state: el.readyState, kind: el.track.kind,
                                    lang: el.track.language,
                                    cues: Array.from(el.track.cues || []).map(c => c.text)});
        if (el.readyState >= 2) return done();  // 2 loaded, 3 error
        el.addEventListener('load', done, {once: true});
        el.addEventListener('error', done, {once: true});
        setTimeout(done, GUARD_MS);
    })""".replace("GUARD_MS", GUARD_MS))
    assert track["state"] == 2, track
    assert track["kind"] == "captions" and track["lang"] == "zh"
    assert track["cues"][0] == issue.articles[0].title  # UTF-8 cue text intact

    # What a listener sees once the player knows the length (before playing).
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "site-article.png"))
    page.screenshot(path=str(SCREENSHOTS / "site-article-full.png"), full_page=True)

    # Playing (muted: headless has no user gesture) shows the current cue under the player.
    cue = page.evaluate("""() => new Promise((resolve, reject) => {
        const a = document.querySelector('audio'), o = document.getElementById('cue');
        new MutationObserver(() => { if (o.textContent) resolve(o.textContent); })
            .observe(o, {childList: true, characterData: true, subtree: true});
        a.muted = true;
        a.play().catch(e => reject(String(e)));
        setTimeout(() => reject('no cue shown'), GUARD_MS);
    })""".replace("GUARD_MS", GUARD_MS))
    assert cue == issue.articles[0].title
    page.evaluate("document.querySelector('audio').pause()")

    assert not dialogs and not errors and not failed, (dialogs, errors, failed)
    # Mobile first: nothing wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # Next article, by the page's own link; then the issue page, by the masthead link.
    page.click("a[rel=next]")
    page.wait_for_load_state("load")
    assert page.url == base + issue.article_path(issue.articles[1])
    page.click(".masthead a")
    page.wait_for_load_state("load")
    assert page.url == base + issue.site_path
    titles = page.eval_on_selector_all(".toc li a > span:first-child", "els => els.map(e => e.textContent)")
    assert titles == [a.title for a in issue.articles]
    durations = page.eval_on_selector_all(".toc .dur", "els => els.map(e => e.textContent)")
    assert durations[0].endswith(pages.format_duration(record["audio"]["duration"]))
    assert durations[2] == "仅文字"  # article 3 is not narrated
    page.screenshot(path=str(SCREENSHOTS / "site-issue.png"), full_page=True)
    assert not failed, failed


def test_hostile_text_stays_text_in_the_browser(tmp_path, serve, browser):
    issue, out_dir, manifest = support.narrated_issue(tmp_path, evil=True)
    base = serve(out_dir / "site")
    for article in issue.articles:
        page, dialogs, errors, failed = _open(browser, base + issue.article_path(article))
        assert not dialogs, dialogs  # no injected alert() ran
        assert not errors and not failed, (errors, failed)
        assert page.inner_text("h1") == article.title
        assert page.evaluate("document.title") == f"{article.title} - {issue.magazine.title}"
        assert page.evaluate("document.scripts.length") <= 1
        assert page.evaluate("document.querySelectorAll('.text img').length") == 0
        page.close()
    page, dialogs, *_ = _open(browser, base + issue.site_path)
    assert not dialogs
    assert page.inner_text(".toc h2") == issue.columns[0].name


def test_text_only_page_in_the_browser(tmp_path, serve, browser):
    issue, out_dir, manifest = support.narrated_issue(tmp_path)
    article = issue.articles[2]  # narrate: no
    base = serve(out_dir / "site")
    page, dialogs, errors, failed = _open(browser, base + issue.article_path(article))
    assert page.evaluate("document.querySelectorAll('audio').length") == 0
    assert page.inner_text(".note") == pages.NOTE_NOT_NARRATED
    assert not errors and not failed
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "site-text-only.png"))


@pytest.fixture
def example_build(tmp_path):
    """The example issue built with narration (offline engine) and the site.

    A fixture requested before ``browser``: the audio output runs its own asyncio loop, which
    cannot start inside Playwright's."""
    from issuepub.build import run_build
    from issuepub.outputs.base import BuildOptions

    require_browser()  # no point narrating the issue for a test that will skip
    return run_build(EXAMPLE, tmp_path / "build", only=["audio", "site"],
                     options=BuildOptions(tts="offline"))


def test_example_issue_end_to_end(example_build, serve, browser):
    """The example issue through the real pipeline: narration (offline engine), then the site."""
    from mutagen.mp3 import MP3

    report = example_build
    assert not report.failures, report.failures
    manifest = json.loads(report.manifest_path.read_text(encoding="utf-8"))
    issue, out_dir = report.issue, report.out_dir
    narrated = [r for r in manifest["articles"] if r["narrate"]]
    assert narrated and all(r["site"]["audio_status"] in ("final", "preview") for r in narrated)
    for record in manifest["articles"]:
        page = support.site_file_for_url(out_dir, issue, record["url"])
        assert page.is_file() and page.stat().st_size < 16_000
        if record["narrate"]:
            mp3 = out_dir / record["site"]["audio"]["path"]
            assert MP3(str(mp3)).info.length == pytest.approx(record["audio"]["duration"], abs=0.1)
    feed = (out_dir / manifest["outputs"]["site"]["feed"]["path"]).read_bytes()
    assert feed.count(b"<item>") == len(narrated)

    base = serve(out_dir / "site")
    record = narrated[1]
    page, dialogs, errors, failed = _open(browser, base + record["url"][len(issue.audio.base_url) + 1:])
    duration = page.evaluate("""() => new Promise((resolve, reject) => {
        const a = document.querySelector('audio');
        a.addEventListener('loadedmetadata', () => resolve(a.duration), {once: true});
        a.addEventListener('error', () => reject('audio error'), {once: true});
        a.preload = 'metadata'; a.load();
        setTimeout(() => reject('no loadedmetadata'), GUARD_MS);
    })""".replace("GUARD_MS", GUARD_MS))
    assert duration == pytest.approx(record["audio"]["duration"], abs=0.1)
    cues = page.evaluate("""() => new Promise((resolve) => {
        const el = document.querySelector('track');
        const done = () => resolve(Array.from(el.track.cues || []).map(c => c.text));
        if (el.readyState >= 2) return done();
        el.addEventListener('load', done, {once: true});
        el.addEventListener('error', done, {once: true});
        setTimeout(done, GUARD_MS);
    })""".replace("GUARD_MS", GUARD_MS))
    assert len(cues) > 3
    body = page.inner_text("article")
    # The subtitles are the article's own sentences (spoken forms aside): most appear verbatim.
    assert sum(c.strip() in body for c in cues) >= len(cues) // 2, cues[:5]
    assert not dialogs and not errors and not failed, (dialogs, errors, failed)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "site-example-article.png"))


def _public(out_dir: Path) -> Path:
    """The issue's site and the magazine files side by side, as publish uploads them."""
    public = out_dir.parent / "public"
    shutil.copytree(out_dir / "site", public, dirs_exist_ok=True)
    shutil.copytree(out_dir.parent / "site", public, dirs_exist_ok=True)
    return public


_BOXES = """(selector) => Array.from(document.querySelectorAll(selector)).map(e => {
    const r = e.getBoundingClientRect();
    return {text: e.textContent.trim(), width: r.width, height: r.height};
})"""


def test_tap_targets_and_a_steady_cue_line(tmp_path, serve, browser):
    """Measured in the browser at a phone's size: download, subscribe and footer links are
    at least 44 x 44 px, and the line showing the sentence being read keeps its height (and
    the text under it its place) whatever sentence it shows, also while playing."""
    issue, out_dir, manifest = support.narrated_issue(tmp_path)
    base = serve(_public(out_dir))
    page, dialogs, errors, failed = _open(browser, base + issue.article_path(issue.articles[0]))
    targets = page.evaluate(_BOXES, ".player a.download") + page.evaluate(_BOXES, ".site-footer a")
    assert len(targets) >= 4  # download; 本期目录, 全部期刊, 播客订阅
    small = [t for t in targets if t["height"] < 44 or t["width"] < 44]
    assert not small, small

    def cue_and_text():
        return page.evaluate("""() => {
            const c = document.getElementById('cue').getBoundingClientRect();
            return [c.height, document.querySelector('.text').getBoundingClientRect().top];
        }""")

    empty = cue_and_text()
    assert empty[0] > 20  # the line is there before the first sentence
    seen = {tuple(empty)}
    for text in ("短句。", "一个很长的句子，" * 30):
        page.evaluate("(t) => { document.getElementById('cue').textContent = t; }", text)
        seen.add(tuple(cue_and_text()))
    page.evaluate("() => { document.getElementById('cue').textContent = ''; }")
    # Playing for real: the cue script fills the line; nothing below it moves.
    page.evaluate("""() => new Promise((resolve, reject) => {
        const a = document.querySelector('audio'), o = document.getElementById('cue');
        new MutationObserver(() => { if (o.textContent) resolve(); })
            .observe(o, {childList: true, characterData: true, subtree: true});
        a.muted = true; a.play().catch(e => reject(String(e)));
        setTimeout(() => reject('no cue shown'), GUARD_MS);
    })""".replace("GUARD_MS", GUARD_MS))
    seen.add(tuple(cue_and_text()))
    page.evaluate("document.querySelector('audio').pause()")
    assert len(seen) == 1, seen

    # The issue page's subscribe links and footer; then up to the magazine's list of issues.
    page.goto(base + issue.site_path, wait_until="load")
    targets = page.evaluate(_BOXES, ".subscribe a") + page.evaluate(_BOXES, ".site-footer a")
    assert [t["text"] for t in page.evaluate(_BOXES, ".subscribe a")] == ["播客订阅（RSS）", "只订阅本期"]
    small = [t for t in targets if t["height"] < 44 or t["width"] < 44]
    assert not small, small
    page.click("text=全部期刊")
    page.wait_for_load_state("load")
    assert page.url == base
    assert page.evaluate(_BOXES, ".issues li a")[0]["height"] >= 44
    targets = page.evaluate(_BOXES, ".subscribe a") + page.evaluate(_BOXES, ".site-footer a")
    assert targets and not [t for t in targets if t["height"] < 44 or t["width"] < 44]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "site-magazine.png"), full_page=True)
    # The feed every subscribe link names is served.
    response = page.request.get(base + "feed.xml")
    assert response.status == 200 and b"<rss" in response.body()
    assert not dialogs and not errors and not failed, (dialogs, errors, failed)


def test_the_cue_line_holds_a_maximal_cue_at_a_phones_width(tmp_path, serve, browser):
    """A cue of the most characters the subtitles allow (cues.py: two lines of 16) fits the
    two-line cue line at 390 px without being cut: measured for the widest characters."""
    from issuepub.outputs.audio.cues import MAX_CHARS

    issue, out_dir, manifest = support.narrated_issue(tmp_path)
    base = serve(_public(out_dir))
    page, dialogs, errors, failed = _open(browser, base + issue.article_path(issue.articles[0]))
    assert page.viewport_size["width"] == PHONE["width"]
    widest = ["国" * MAX_CHARS, "，".join(["党建引领"] * 7)[:MAX_CHARS], "W" * MAX_CHARS,
              "“《天津市社区治理条例》”——ABC公司的Smith先生参加了讨论，办结率96.5%"[:MAX_CHARS]]
    for text in widest:
        assert len(text) == MAX_CHARS
        box = page.evaluate("""(t) => {
            const o = document.getElementById('cue');
            o.textContent = t;
            const r = document.createRange(); r.selectNodeContents(o);
            const tops = new Set(Array.from(r.getClientRects()).map(x => Math.round(x.top)));
            return {lines: tops.size, scroll: o.scrollHeight, client: o.clientHeight,
                    width: o.scrollWidth, room: o.clientWidth};
        }""", text)
        assert box["lines"] <= 2 and box["scroll"] <= box["client"] + 1, (text, box)
        assert box["width"] <= box["room"], (text, box)
    assert not dialogs and not errors and not failed, (dialogs, errors, failed)


@pytest.fixture
def example_site(tmp_path) -> Path:
    """The example's pages (no narration), as publish lays them out. Requested before
    ``browser``, like ``example_build``."""
    from issuepub.build import run_build

    require_browser()
    report = run_build(EXAMPLE, tmp_path / "build", only=["site"])
    return _public(report.out_dir)


def test_page_headings_stand_clear_of_the_masthead(example_site, serve, browser):
    """Every page's heading has room under the red masthead (the magazine index's and the 404
    page's touched it: 3 px at a phone's size)."""
    base = serve(example_site)
    for path in ("", "404.html", "2025/03a/", "2025/03a/02/"):
        page, dialogs, errors, failed = _open(browser, base + path)
        gap = page.evaluate("""() => document.querySelector('main h1').getBoundingClientRect().top
                                   - document.querySelector('.masthead').getBoundingClientRect().bottom""")
        assert gap >= 12, (path, gap)
        assert not dialogs and not errors and not failed, (path, dialogs, errors, failed)
        page.close()
