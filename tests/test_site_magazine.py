"""The magazine site at the root of base_url (ROOT/site/), its podcast feed as podcast apps
and directories read it (feedparser; Apple's required tags; the Podcast Index namespace), the
new [magazine] keys, and the issue's site replaced only as a whole."""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import os
import shutil
import uuid
from dataclasses import replace
from pathlib import Path

import feedparser
import lxml.html
import pytest
from lxml import etree
from PIL import Image

from support import site as support
from issuepub.outputs import site
from issuepub.outputs.site import feed as rss
from issuepub.sources import check_issue

from conftest import EXAMPLE

PODCAST = "{https://podcastindex.org/namespace/1.0}"
ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"


def _owned(issue, artwork: Path | None = None):
    return replace(issue, magazine=replace(issue.magazine, owner_name="支部生活社有声部",
                                           owner_email="audio@tjzbsh.cn", artwork=artwork))


@pytest.fixture
def two_issues(tmp_path):
    """Two issues of the magazine built into one root, the newer one last."""
    older = _owned(support.tiny_issue(tmp_path / "older"))  # 2024-11b, 3 articles
    newer = _owned(support.tiny_issue(tmp_path / "newer", number=3, edition="上半月", year=2025,
                                      date=dt.date(2025, 3, 1), articles=2))
    newer = replace(newer, total_number=None)  # its season comes from year and half-month
    out_root = tmp_path / "build"
    for issue in (older, newer):
        audio = {a.slug: support.make_audio(out_root / issue.id, a, 2.0 + a.number)
                 for a in issue.articles if a.narrate}
        support.build_site(issue, out_root, audio)
    return older, newer, out_root


def test_magazine_feed_satisfies_apple_and_parses(two_issues):
    older, newer, out_root = two_issues
    data = (out_root / "site" / "feed.xml").read_bytes()
    parsed = feedparser.parse(data)
    assert not parsed.bozo, parsed.bozo_exception
    f = parsed.feed
    # Apple's required channel tags: title, description, artwork, language, category, explicit.
    assert f.title == "天津支部生活 · 有声文章"
    assert f.description and f.language == "zh-cn"
    assert f.image.href == older.issue_url.replace(older.site_path, newer.site_path) + "artwork.jpg"
    assert [t.term for t in f.tags] == ["Government"]
    # itunes:explicit "false" (feedparser maps only yes/clean to booleans): read it as written.
    assert etree.fromstring(data).find("channel").findtext(f"{ITUNES}explicit") == "false"
    assert f.publisher_detail.email == "audio@tjzbsh.cn"  # itunes:owner
    assert f.publisher_detail.name == "支部生活社有声部"
    # Every narrated article of both issues, newest issue first, each with what Apple requires.
    narrated = [newer.article_url(a) for a in newer.articles if a.narrate] + \
               [older.article_url(a) for a in older.articles if a.narrate]
    assert [e.id for e in parsed.entries] == narrated  # GUIDs: the permanent URLs
    for entry in parsed.entries:
        assert entry.title and entry.enclosures[0].type == "audio/mpeg"
        assert int(entry.enclosures[0].length) > 0 and entry.itunes_duration
    # Podcast Index namespace.
    root = etree.fromstring(data)
    channel = root.find("channel")
    self_url = newer.audio.base_url + "/feed.xml"
    guid = uuid.uuid5(uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6"), self_url.split("://")[1])
    assert channel.findtext(f"{PODCAST}guid") == str(guid)
    locked = channel.find(f"{PODCAST}locked")
    assert locked.text == "yes" and locked.get("owner") == "audio@tjzbsh.cn"
    pairs = []
    for item in channel.findall("item"):
        season, episode = item.find(f"{PODCAST}season"), item.findtext(f"{PODCAST}episode")
        assert item.findtext(f"{ITUNES}season") == season.text
        pairs.append((int(season.text), int(episode)))
        transcript = item.find(f"{PODCAST}transcript")
        assert transcript.get("type") == "text/vtt"
        assert transcript.get("url") == item.findtext("link") + Path(transcript.get("url")).name
        assert transcript.get("url").endswith(".vtt")
    assert len(set(pairs)) == len(pairs)  # episode numbers never repeat within a season
    seasons = {s for s, _ in pairs}
    assert seasons == {1148, 2025 * 100 + 5}  # 总第1148期; 2025年3月上半月 = half-month 5


def test_known_podcast_guid():
    # The namespace's own example: the feed at https://podnews.net/rss.
    assert rss.podcast_guid("https://podnews.net/rss") == "9b024349-ccf0-5f69-a609-6b82873eab3c"
    assert rss.podcast_guid("https://podnews.net/rss/") == "9b024349-ccf0-5f69-a609-6b82873eab3c"


def test_issue_feed_keeps_its_own_guid_and_owner(two_issues):
    older, _, out_root = two_issues
    data = (out_root / older.id / "site" / older.site_path / "feed.xml").read_bytes()
    parsed = feedparser.parse(data)
    assert not parsed.bozo and parsed.feed.publisher_detail.email == "audio@tjzbsh.cn"
    guid = etree.fromstring(data).find("channel").findtext(f"{PODCAST}guid")
    assert guid == rss.podcast_guid(older.issue_url + "feed.xml")


def test_magazine_index_lists_every_issue_newest_first(two_issues):
    older, newer, out_root = two_issues
    page = out_root / "site" / "index.html"
    doc = lxml.html.fromstring(page.read_bytes())
    items = doc.xpath("//ol[@class='issues']/li/a")
    assert [a.get("href") for a in items] == [newer.site_path, older.site_path]
    # Cover, date and article count of each.
    for a, issue in zip(items, (newer, older)):
        img = a.xpath(".//img")[0]
        cover = out_root / issue.id / "site" / img.get("src")
        assert cover.is_file()
        with Image.open(cover) as im:
            assert (int(img.get("width")), int(img.get("height"))) == im.size
        assert a.xpath(".//time")[0].get("datetime") == issue.date.isoformat()
        assert f"{len(issue.articles)} 篇文章" in a.text_content()
    assert doc.xpath('//link[@rel="alternate"]')[0].get("href") == "feed.xml"
    # The same page whichever issue was built last.
    before = page.read_bytes()
    older_audio = {r["slug"]: r["audio"] for r in json.loads(
        (out_root / older.id / "manifest.json").read_text(encoding="utf-8"))["articles"] if "audio" in r}
    support.build_site(older, out_root, older_audio)
    assert page.read_bytes() == before


def test_every_subscribe_link_names_the_magazine_feed(two_issues):
    older, newer, out_root = two_issues
    feed = (out_root / "site" / "feed.xml").resolve()
    for issue in (older, newer):
        site_dir = out_root / issue.id / "site"
        for path in site_dir.rglob("*.html"):
            doc = lxml.html.fromstring(path.read_bytes())
            alternate = doc.xpath('//link[@rel="alternate"]')[0].get("href")
            # Relative; resolved as publish lays the files out (ROOT/<id>/site and ROOT/site at
            # the same prefix), it is the magazine feed.
            rel = path.parent.relative_to(site_dir)
            assert not alternate.startswith(("/", "http"))
            target = (out_root / "site" / rel / alternate).resolve()
            assert target == feed, (path, alternate)
            subscribe = [a.get("href") for a in doc.xpath("//a") if a.text_content().startswith("播客订阅")]
            assert subscribe and all((out_root / "site" / rel / s).resolve() == feed for s in subscribe)
        # The issue's own feed stays, linked from its page.
        issue_page = lxml.html.fromstring((site_dir / issue.site_path / "index.html").read_bytes())
        assert "feed.xml" in [a.get("href") for a in issue_page.xpath("//p[@class='subscribe']/a")]
        assert (site_dir / issue.site_path / "feed.xml").is_file()


def test_404_sitemap_robots(two_issues):
    older, newer, out_root = two_issues
    base = newer.audio.base_url
    doc = lxml.html.fromstring((out_root / "site" / "404.html").read_bytes())
    hrefs = [a.get("href") for a in doc.xpath("//a")]
    assert base + "/" in hrefs and all(h.startswith(base) for h in hrefs)  # works at any address
    assert not doc.xpath('//link[@rel="stylesheet"]') and doc.xpath("//style")
    sitemap = etree.fromstring((out_root / "site" / "sitemap.xml").read_bytes())
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = sitemap.xpath("//s:url/s:loc/text()", namespaces=ns)
    expected = {base + "/"} | {i.issue_url for i in (older, newer)} | \
        {i.article_url(a) for i in (older, newer) for a in i.articles}
    assert set(locs) == expected and len(locs) == len(expected)
    robots = (out_root / "site" / "robots.txt").read_text(encoding="ascii")
    assert f"Sitemap: {base}/sitemap.xml" in robots


def test_magazine_artwork(tmp_path):
    art = tmp_path / "podcast.png"
    Image.new("RGB", (1500, 1500), (20, 90, 160)).save(art)
    issue = _owned(support.tiny_issue(tmp_path / "issue"), artwork=art)
    out_root = tmp_path / "build"
    support.build_site(issue, out_root, {})
    with Image.open(out_root / "site" / "artwork.jpg") as im:
        assert im.size == (1500, 1500) and im.format == "JPEG"
    parsed = feedparser.parse((out_root / "site" / "feed.xml").read_bytes())
    assert parsed.feed.image.href == issue.audio.base_url + "/artwork.jpg"


def _with_toml(tmp_path, extra_magazine: str) -> Path:
    folder = tmp_path / "issue"
    shutil.copytree(EXAMPLE, folder)
    toml = folder / "issue.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace('publisher = "中共天津市委支部生活社"\n',
                                 'publisher = "中共天津市委支部生活社"\n' + extra_magazine, 1),
                    encoding="utf-8")
    return folder


def test_new_magazine_keys_are_loaded_and_checked(tmp_path):
    folder = _with_toml(tmp_path, 'owner_name = "有声部"\nowner_email = "audio@tjzbsh.cn"\n'
                                  'artwork = "podcast.jpg"\n')
    Image.new("RGB", (1400, 1400), (200, 30, 30)).save(folder / "podcast.jpg")
    issue, problems = check_issue(folder)
    assert issue is not None, [p.format() for p in problems]
    assert issue.magazine.owner_email == "audio@tjzbsh.cn" and issue.magazine.owner_name == "有声部"
    assert issue.magazine.artwork == folder / "podcast.jpg"


@pytest.mark.parametrize("extra, make, code", [
    ('owner_email = "not-an-address"\n', None, "S062"),
    ('artwork = "missing.png"\n', None, "S060"),
    ('artwork = "../outside.png"\n', "../outside.png", "S036"),
    ('artwork = "wide.png"\n', "wide.png", "S061"),
    ('artwork = "small.png"\n', "small.png", "S061"),
    ('artwork = "text.png"\n', "text.png", "S061"),
    ('artwork = "cut.png"\n', "cut.png", "S061"),  # truncated: fully decoded, not only sniffed
])
def test_bad_magazine_keys(tmp_path, extra, make, code):
    folder = _with_toml(tmp_path, extra)
    if make:
        target = (folder / make).resolve()
        if make == "wide.png":
            Image.new("RGB", (2000, 1400)).save(target)
        elif make == "text.png":
            target.write_text("not a picture")
        elif make == "cut.png":
            Image.effect_noise((1400, 1400), 64).convert("RGB").save(target)
            target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
        else:
            Image.new("RGB", (1000, 1000) if make == "small.png" else (1400, 1400)).save(target)
    issue, problems = check_issue(folder)
    found = [p for p in problems if p.code == code]
    assert issue is None and found, [p.format() for p in problems]
    assert found[0].line and found[0].fix


# --- the site replaced only as a whole ---------------------------------------------------------


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_a_full_disk_leaves_the_previous_site_and_manifest(tmp_path, monkeypatch):
    issue, out_dir, manifest = support.narrated_issue(tmp_path)
    out_root = out_dir.parent
    before = _tree(out_root)
    audio = {r["slug"]: r["audio"] for r in manifest["articles"] if "audio" in r}
    # A changed issue, so that a complete build would change files.
    changed = replace(issue, columns=issue.columns[:1])
    real_fsync = os.fsync
    calls = {"n": 0}

    def full_disk(fd):
        calls["n"] += 1
        if calls["n"] > 5:  # a few files fit, then the disk is full
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError) as info:
        support.build_site(changed, out_root, audio)
    assert info.value.errno == errno.ENOSPC
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert _tree(out_root) == before  # every file, the manifest included, as it was
    leftovers = [p for p in out_root.rglob(".site-*")]
    assert leftovers == []
    # The next build completes and replaces the site as a whole.
    support.build_site(changed, out_root, audio)
    after = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    pages = {r["slug"]: r["site"]["page"] for r in after["articles"] if "site" in r}
    assert set(pages) == {a.slug for a in changed.articles}
    for record in pages.values():
        path = out_dir / record["path"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == record["sha256"]
    # Pages of the articles no longer in the issue are gone with the old site.
    assert not (out_dir / "site" / issue.article_path(issue.articles[2])).exists()


def test_a_killed_builds_stage_is_removed_but_not_a_running_ones(tmp_path):
    issue, out_dir, manifest = support.narrated_issue(tmp_path)
    dead = out_dir / ".site-staging-999999999"
    dead.mkdir()
    (dead / "index.html").write_text("half")
    running = out_dir / f".site-staging-{os.getppid()}"
    running.mkdir()
    support.build_site(issue, out_dir.parent, {r["slug"]: r["audio"] for r in manifest["articles"]
                                               if "audio" in r})
    assert not dead.exists() and running.exists()


def test_site_output_never_writes_outside_its_folders(two_issues):
    older, newer, out_root = two_issues
    names = {p.name for p in out_root.iterdir()}
    assert names == {older.id, newer.id, "site"}
    assert {p.name for p in (out_root / "site").iterdir()} == {
        "index.html", "feed.xml", "404.html", "sitemap.xml", "robots.txt", "site.css"}
    record = json.loads((out_root / older.id / "manifest.json").read_text())["outputs"]["site"]["magazine"]
    for key in ("index", "feed", "not_found", "sitemap", "robots", "stylesheet"):
        path = (out_root / older.id / record[key]["path"]).resolve()
        assert path.parent == (out_root / "site").resolve()
    assert site.MAGAZINE_DIR == "site"


def _changed(issue):
    return replace(issue, columns=issue.columns[:1])


def test_a_manifest_that_cannot_be_written_keeps_the_previous_site(tmp_path, monkeypatch):
    """The disk fills up exactly when the manifest is written: the new site is complete in
    its stage, but it is not swapped in without the records that describe it."""
    issue, out_dir, manifest = support.narrated_issue(tmp_path)
    out_root = out_dir.parent
    before = _tree(out_root)
    audio = {r["slug"]: r["audio"] for r in manifest["articles"] if "audio" in r}
    real_fsync = os.fsync

    def full_at_manifest(fd):
        if ".manifest.json." in os.readlink(f"/proc/self/fd/{fd}"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", full_at_manifest)
    with pytest.raises(OSError):
        support.build_site(_changed(issue), out_root, audio)
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert _tree(out_root) == before
    assert not list(out_root.rglob(".site-*"))  # the stages were thrown away


def test_a_failed_swap_puts_everything_back(tmp_path, monkeypatch):
    """The second rename (the magazine files) fails: the issue's site already swapped is put
    back, and the manifest stays the old one."""
    issue, out_dir, manifest = support.narrated_issue(tmp_path)
    out_root = out_dir.parent
    before = _tree(out_root)
    audio = {r["slug"]: r["audio"] for r in manifest["articles"] if "audio" in r}
    real_replace = os.replace

    def failing(src, dst, *args, **kwargs):
        if Path(src).name.startswith(".site-staging-") and Path(dst) == out_root / "site":
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", failing)
    with pytest.raises(OSError):
        support.build_site(_changed(issue), out_root, audio)
    monkeypatch.setattr(os, "replace", real_replace)
    assert _tree(out_root) == before
    assert not list(out_root.rglob(".site-*"))


def test_a_sibling_manifest_naming_a_feed_outside_its_folder_is_not_read(two_issues, tmp_path):
    """The magazine feed is made from every issue's manifest; an edited one that names a feed
    outside its own issue folder (with that file's true sha256) brings nothing of it in."""
    older, newer, out_root = two_issues
    canary = "CANARY-outside-feed-7f3a"
    outside = tmp_path / "outside.xml"
    good = (out_root / older.id / json.loads(
        (out_root / older.id / "manifest.json").read_text(encoding="utf-8"))["outputs"]["site"]["feed"]["path"])
    outside.write_bytes(good.read_bytes().replace(older.articles[0].title.encode("utf-8"), canary.encode()))
    manifest_path = out_root / older.id / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["outputs"]["site"]["feed"]["path"] = os.path.relpath(outside, manifest_path.parent)
    manifest["outputs"]["site"]["feed"]["sha256"] = hashlib.sha256(outside.read_bytes()).hexdigest()
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    audio = {a.slug: support.make_audio(out_root / newer.id, a, 2.0 + a.number)
             for a in newer.articles if a.narrate}
    support.build_site(newer, out_root, audio)
    everything = b"".join(p.read_bytes() for p in (out_root / "site").rglob("*") if p.is_file())
    assert canary.encode() not in everything
    # The edited issue is left out until it is rebuilt (its episodes, by their permanent URLs).
    assert b"/2024/11b/" not in (out_root / "site" / "feed.xml").read_bytes()
