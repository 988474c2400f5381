"""Listener pages and podcast feeds, checked on the files the site output writes."""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import html
import json
import shutil
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import lxml.html
import pytest
from lxml import etree
from PIL import Image

from support import site as support
from issuepub.diagnostics import UserError
from issuepub.model import Block
from issuepub.outputs import site
from issuepub.outputs.site import feed as rss
from issuepub.outputs.site import pages
from issuepub.styles import stylesheet

from conftest import EXAMPLE

ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"


def html_pages(out_dir: Path) -> list[Path]:
    return sorted((out_dir / "site").rglob("*.html"))


def parse_page(path: Path):
    return lxml.html.fromstring(path.read_bytes())


def meta(doc, key: str) -> str | None:
    found = doc.xpath(f'//meta[@property="{key}" or @name="{key}"]/@content')
    assert len(found) <= 1, key
    return found[0] if found else None


def site_files(out_dir: Path) -> dict[str, bytes]:
    root = out_dir / "site"
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def built(tmp_path):
    return support.narrated_issue(tmp_path)


@pytest.fixture
def evil(tmp_path):
    return support.narrated_issue(tmp_path, evil=True)


# --- escaping -----------------------------------------------------------------------------------


def test_source_text_is_escaped_everywhere(evil):
    issue, out_dir, manifest = evil
    for path in html_pages(out_dir):
        raw = path.read_text(encoding="utf-8")
        assert "<script>alert" not in raw and "<img src=x" not in raw and "<b>粗" not in raw, path
        doc = parse_page(path)
        scripts = doc.xpath("//script")
        assert all(s.text == pages.CUE_SCRIPT for s in scripts), path
        handlers = [a for el in doc.iter() if isinstance(el.tag, str) for a in el.attrib if a.startswith("on")]
        assert not handlers, (path, handlers)
        assert not doc.xpath("//b[contains(., '粗')] | //i | //q | //br | //h1//h1"), path

    first = issue.articles[0]
    doc = parse_page(out_dir / "site" / issue.article_path(first) / "index.html")
    # The text survives exactly, as text.
    assert doc.xpath("string(//h1)") == first.title
    assert doc.xpath("string(//title)") == f"{first.title} - {issue.magazine.title}"
    assert meta(doc, "og:title") == f"{first.title} - {issue.magazine.title}"
    assert meta(doc, "og:description") == pages.summary(first)
    assert doc.xpath("string(//p[@class='subtitle'])") == first.subtitle
    assert doc.xpath("string(//p[@class='byline'])") == f"文 / {first.byline}"
    assert doc.xpath("string(//p[@class='credit'])") == f"（{first.credit}）"
    texts = [t.text_content() for t in doc.xpath("//div[@class='text']/*")]
    assert texts == [b.text for b in first.blocks]
    assert doc.xpath("string(//audio/@aria-label)").startswith(f"收听《{first.title}》")
    assert doc.xpath("string(//p[@class='column'])").startswith(issue.columns[0].name)

    index = parse_page(out_dir / "site" / issue.site_path / "index.html")
    assert index.xpath("string(//nav//h2)") == issue.columns[0].name
    assert index.xpath("//nav//li/a/span[1]/text()") == [a.title for a in issue.articles]


def test_feed_keeps_hostile_text_as_text(evil):
    issue, out_dir, manifest = evil
    root = etree.fromstring((out_dir / "site" / issue.site_path / "feed.xml").read_bytes())
    items = root.findall("channel/item")
    first = issue.articles[0]
    assert items[0].findtext("title") == first.title
    assert items[0].findtext(f"{ITUNES}title") == first.title
    # description is entity-encoded HTML: one more unescape gives the plain text back
    description = html.unescape(items[0].findtext("description"))
    assert "<script>" not in items[0].findtext("description")
    assert first.subtitle.lstrip("—") in description


# --- the feed -----------------------------------------------------------------------------------


def test_issue_feed_is_podcast_rss(built):
    issue, out_dir, manifest = built
    data = (out_dir / "site" / issue.site_path / "feed.xml").read_bytes()
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False))  # strict: raises if invalid
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert root.tag == "rss" and root.get("version") == "2.0"
    assert root.nsmap["itunes"] == "http://www.itunes.com/dtds/podcast-1.0.dtd"
    (channel,) = root.findall("channel")
    for tag in ("title", "link", "description", "language"):
        assert channel.findtext(tag), tag
    assert channel.findtext("link") == issue.issue_url
    self_link = channel.find("{http://www.w3.org/2005/Atom}link")
    assert self_link.get("rel") == "self" and self_link.get("href") == issue.issue_url + "feed.xml"
    assert channel.find(f"{ITUNES}image").get("href") == issue.issue_url + "artwork.jpg"
    assert channel.find(f"{ITUNES}category").get("text")
    assert channel.findtext(f"{ITUNES}explicit") == "false"
    assert channel.findtext(f"{ITUNES}author")
    with Image.open(out_dir / "site" / issue.site_path / "artwork.jpg") as art:
        assert art.size == (1400, 1400)

    records = {r["slug"]: r for r in manifest["articles"]}
    narrated = [a for a in issue.articles if a.narrate]
    items = channel.findall("item")
    assert [i.findtext("guid") for i in items] == [issue.article_url(a) for a in narrated]
    for item, article in zip(items, narrated):
        record = records[article.slug]
        guid = item.find("guid")
        assert guid.get("isPermaLink") == "true" and guid.text == record["url"] == item.findtext("link")
        enclosure = item.find("enclosure")
        assert enclosure.get("type") == "audio/mpeg"
        assert enclosure.get("url") == record["site"]["audio"]["url"]
        assert enclosure.get("url").startswith(issue.audio.base_url + "/")
        target = support.site_file_for_url(out_dir, issue, enclosure.get("url"))
        assert int(enclosure.get("length")) == target.stat().st_size == record["audio"]["size"]
        assert abs(int(item.findtext(f"{ITUNES}duration")) - record["audio"]["duration"]) <= 0.5
        published = email.utils.parsedate_to_datetime(item.findtext("pubDate"))
        assert published.date() == issue.date and published.tzinfo is not None
        assert item.findtext(f"{ITUNES}episode") == str(article.number)
    # Newest first in apps that sort by date = reading order.
    dates = [email.utils.parsedate_to_datetime(i.findtext("pubDate")) for i in items]
    assert dates == sorted(dates, reverse=True) and len(set(dates)) == len(dates)
    assert email.utils.parsedate_to_datetime(channel.findtext("pubDate")) == dates[0]


def test_feed_across_issues(tmp_path):
    older, older_dir, older_manifest = support.narrated_issue(tmp_path)  # 2024-11b
    older_audio = {r["slug"]: r["audio"] for r in older_manifest["articles"] if "audio" in r}
    newer = support.tiny_issue(tmp_path / "issue2", number=3, edition="上半月", year=2025,
                               date=dt.date(2025, 3, 1), articles=2)
    out_root = tmp_path / "build"
    newer_audio = {a.slug: support.make_audio(out_root / newer.id, a, 2.0) for a in newer.articles}
    result, manifest, newer_dir = support.build_site(newer, out_root, newer_audio)
    magazine_feed = out_root / "site" / "feed.xml"

    def guids() -> list[str]:
        root = etree.fromstring(magazine_feed.read_bytes())
        channel = root.find("channel")
        assert channel.find("{http://www.w3.org/2005/Atom}link").get("href") == \
            newer.audio.base_url + "/feed.xml"
        return [i.findtext("guid") for i in channel.findall("item")]

    support.build_site(older, out_root, older_audio)
    expected = [newer.article_url(a) for a in newer.articles] + \
               [older.article_url(a) for a in older.articles if a.narrate]
    assert guids() == expected  # newest issue first, reading order inside each
    record = json.loads((older_dir / "manifest.json").read_text())["outputs"]["site"]["magazine"]
    assert record["issues"] == [newer.id, older.id]
    assert record["feed"]["path"] == "../site/feed.xml"
    assert record["feed"]["sha256"] == hashlib.sha256(magazine_feed.read_bytes()).hexdigest()
    assert not (out_root / "feed.xml").exists()  # the old root feed is gone

    # Building the newer issue again gives the same feed (order does not depend on build order).
    before = magazine_feed.read_bytes()
    support.build_site(newer, out_root, newer_audio)
    assert magazine_feed.read_bytes() == before

    # A sibling whose feed no longer matches its manifest is left out, not trusted.
    (older_dir / "site" / older.site_path / "feed.xml").write_bytes(b"<rss/>")
    support.build_site(newer, out_root, newer_audio)
    assert guids() == [newer.article_url(a) for a in newer.articles]


def test_another_base_url_in_the_same_root_is_refused(tmp_path):
    issue, out_dir, manifest = support.narrated_issue(tmp_path)
    out_root = out_dir.parent
    before = {p: p.read_bytes() for p in out_root.rglob("*") if p.is_file()}
    other = support.tiny_issue(tmp_path / "issue3", number=4, edition="上半月", year=2025,
                               date=dt.date(2025, 4, 1), articles=1,
                               base_url="https://other.example.cn/x")
    with pytest.raises(UserError) as info:
        support.build_site(other, out_root, {})
    problem = info.value.problems[0]
    assert problem.code == "W001" and problem.file == out_dir / "manifest.json"
    assert "--out" in problem.fix and "https://other.example.cn/x" in problem.message
    assert not (out_root / other.id / "site").exists()
    assert {p: p.read_bytes() for p in out_root.rglob("*") if p.is_file() and other.id not in p.parts} == before
    # The command line says it with exit 2 and no traceback, before writing anything.
    other_root = tmp_path / "cli"
    shutil.copytree(out_root, other_root)
    from issuepub.cli import main

    example_out = other_root / "tjzbsh-2025-03a"
    assert main(["build", str(EXAMPLE), "--out", str(other_root), "--only", "site"]) == 2
    assert not (example_out / "site").exists()


# --- links, URLs, files -------------------------------------------------------------------------


def test_every_manifest_url_is_a_file_in_the_site(built):
    issue, out_dir, manifest = built
    outputs = manifest["outputs"]["site"]
    for record in manifest["articles"]:
        page = support.site_file_for_url(out_dir, issue, record["url"])
        assert page.is_file(), record["url"]
        assert record["site"]["page"]["path"] == page.relative_to(out_dir).as_posix()
        assert record["site"]["page"]["size"] == page.stat().st_size
        if "audio" in record["site"]:
            mp3 = support.site_file_for_url(out_dir, issue, record["site"]["audio"]["url"])
            assert hashlib.sha256(mp3.read_bytes()).hexdigest() == record["audio"]["sha256"]
            vtt = out_dir / record["site"]["subtitles"]["path"]
            assert vtt.read_bytes() == (out_dir / record["audio"]["subtitles"]["path"]).read_bytes()
    for key in ("index", "feed", "artwork"):
        path = support.site_file_for_url(out_dir, issue, outputs[key]["url"])
        assert path == out_dir / outputs[key]["path"] and path.is_file(), key
    assert outputs["index"]["url"] == issue.issue_url == manifest["issue"]["url"]
    assert (out_dir / outputs["stylesheet"]["path"]).read_bytes() == stylesheet("site.css")


def test_links_are_relative_and_resolve(built):
    """Links resolve in the tree publish uploads: the issue's site and the magazine files
    side by side (``ROOT/<id>/site/`` and ``ROOT/site/`` at the same prefix)."""
    issue, out_dir, manifest = built
    site_dir = out_dir.parent / "public"
    shutil.copytree(out_dir / "site", site_dir)
    shutil.copytree(out_dir.parent / "site", site_dir, dirs_exist_ok=True)
    reached: set[Path] = set()
    for path in sorted(site_dir.rglob("*.html")):
        if path.name == "404.html":
            continue  # served at any address: absolute links, tested on its own
        doc = parse_page(path)
        for el, attr in [(e, a) for e in doc.iter() if isinstance(e.tag, str) for a in ("href", "src")
                         if e.get(a) is not None]:
            value = el.get(attr)
            if el.tag == "link" and el.get("rel") == "canonical":
                assert value.startswith(issue.audio.base_url + "/")
                continue
            if value == "data:,":  # the empty icon
                continue
            parts = urlsplit(value)
            assert not parts.scheme and not parts.netloc and not value.startswith("/"), (path, value)
            if not parts.path:
                assert doc.get_element_by_id(parts.fragment) is not None, (path, value)
                continue
            target = (path.parent / parts.path).resolve()
            if value.endswith("/") or target.is_dir():
                target = target / "index.html"
            assert target.is_file() and site_dir.resolve() in target.parents, (path, value)
            reached.add(target)
    # Every file of the site but the share images and the feed's artwork is linked from a page.
    files = {p.resolve() for p in site_dir.rglob("*") if p.is_file()}
    unlinked = {p.name for p in files - reached}
    served = {"404.html", "robots.txt", "sitemap.xml"}  # found by the server and crawlers
    assert unlinked == ({"cover.jpg", "artwork.jpg"} - {p.name for p in reached}) | served, unlinked


def test_article_page_markup(built):
    issue, out_dir, manifest = built
    article = issue.articles[0]
    record = manifest["articles"][0]
    doc = parse_page(out_dir / "site" / issue.article_path(article) / "index.html")
    assert doc.get("lang") == "zh-CN"
    for landmark in ("header", "main", "nav", "footer"):
        assert doc.xpath(f"//body//{landmark}"), landmark
    assert doc.xpath("//nav/@aria-label")
    assert meta(doc, "og:type") == "article"
    assert meta(doc, "og:url") == record["url"] == doc.xpath("string(//link[@rel='canonical']/@href)")
    assert meta(doc, "og:audio") == record["site"]["audio"]["url"]
    assert meta(doc, "og:image") == issue.issue_url + "cover.jpg"
    assert meta(doc, "description") == pages.summary(article)
    assert meta(doc, "viewport")
    (audio,) = doc.xpath("//audio")
    assert audio.get("preload") == "none" and audio.get("controls") is not None
    assert audio.get("autoplay") is None
    (track,) = audio.xpath("track")
    assert track.get("kind") == "captions" and track.get("srclang") == "zh"
    assert track.get("default") is not None and track.get("label")
    assert doc.xpath("string(//time/@datetime)") == pages.iso_duration(record["audio"]["duration"])
    assert pages.format_duration(record["audio"]["duration"]) in doc.xpath("string(//section[@class='player'])")
    assert doc.xpath("//a[@rel='next']/@href") == ["../02/"] and not doc.xpath("//a[@rel='prev']")
    assert doc.xpath("//a[@rel='next']/text()") == [issue.articles[1].title]
    last = parse_page(out_dir / "site" / issue.article_path(issue.articles[-1]) / "index.html")
    assert last.xpath("//a[@rel='prev']/@href") == ["../02/"] and not last.xpath("//a[@rel='next']")
    # Small pages, no external resources.
    for path in html_pages(out_dir):
        assert path.stat().st_size < 16_000, path
        assert b"http://" not in path.read_bytes()


# --- audio states -------------------------------------------------------------------------------


def test_pages_without_audio_say_why(tmp_path):
    issue = support.tiny_issue(tmp_path / "issue")
    out_root = tmp_path / "build"
    out_dir = out_root / issue.id
    a1, a2, a3 = issue.articles
    audio = {
        a1.slug: support.make_audio(out_dir, a1, 2.0, final=False),  # offline preview
        a3.slug: support.make_audio(out_dir, a3, 2.0),  # stale: a3 is narrate: no
    }
    result, manifest, _ = support.build_site(issue, out_root, audio)
    records = {r["slug"]: r["site"] for r in manifest["articles"]}
    assert records[a1.slug]["audio_status"] == "preview" and records[a1.slug]["audio"]["final"] is False
    assert manifest["outputs"]["site"]["preview_audio"] == [a1.slug]
    assert any("试听" in line for line in result.summary)
    assert records[a2.slug]["audio_status"] == "not-built" and "audio" not in records[a2.slug]
    assert records[a3.slug]["audio_status"] == "not-narrated" and "audio" not in records[a3.slug]
    assert not result.failures

    def page(article):
        return parse_page(out_dir / "site" / issue.article_path(article) / "index.html")

    assert page(a1).xpath("//audio") and not page(a1).xpath("//*[@class='note']")
    assert page(a2).xpath("string(//*[@class='note'])") == pages.NOTE_NOT_BUILT
    assert page(a3).xpath("string(//*[@class='note'])") == pages.NOTE_NOT_NARRATED
    for article in (a2, a3):
        doc = page(article)
        assert not doc.xpath("//audio | //script") and meta(doc, "og:audio") is None
        assert doc.xpath("string(//h1)") == article.title
    assert not list((out_dir / "site").rglob("*-03.mp3"))
    feed = etree.fromstring((out_dir / "site" / issue.site_path / "feed.xml").read_bytes())
    assert [i.findtext("guid") for i in feed.iter("item")] == [issue.article_url(a1)]
    index = parse_page(out_dir / "site" / issue.site_path / "index.html")
    assert index.xpath("//span[@class='dur']/text()")[1:] == ["暂无音频", "仅文字"]

    # The audio file disappears: the page falls back to text and the build reports it.
    (out_dir / audio[a1.slug]["path"]).unlink()
    result, manifest, _ = support.build_site(issue, out_root, audio)
    assert manifest["articles"][0]["site"]["audio_status"] == "missing"
    assert len(result.failures) == 1 and a1.title in result.failures[0]
    assert not page(a1).xpath("//audio")
    assert not list((out_dir / "site").rglob("*.mp3"))  # the old copy went with it


def test_site_mirrors_the_issue_and_links_audio(tmp_path):
    issue, out_dir, manifest = support.narrated_issue(tmp_path)
    mp3 = out_dir / manifest["articles"][0]["site"]["audio"]["path"]
    assert mp3.read_bytes() == (out_dir / manifest["articles"][0]["audio"]["path"]).read_bytes()
    (out_dir / "site" / issue.site_path / "leftover.html").write_text("old")
    # The issue loses its last article: its folder must not linger in the upload.
    shorter = support.tiny_issue(issue.root, articles=2)
    result, manifest, _ = support.build_site(shorter, out_dir.parent)
    assert not (out_dir / "site" / issue.site_path / "03").exists()
    assert not (out_dir / "site" / issue.site_path / "leftover.html").exists()
    assert (out_dir / "site" / issue.site_path / "02" / "index.html").is_file()
    assert not list((out_dir / "site").rglob("*.part"))


# --- determinism --------------------------------------------------------------------------------


def test_same_input_same_bytes(tmp_path):
    issue, out_dir, manifest = support.narrated_issue(tmp_path / "one")
    first = site_files(out_dir)
    audio = {r["slug"]: r["audio"] for r in manifest["articles"] if "audio" in r}
    # A second build elsewhere, from the same audio files.
    other_root = tmp_path / "two" / "build"
    shutil.copytree(out_dir / "audio", other_root / issue.id / "audio")
    _, other_manifest, other_dir = support.build_site(issue, other_root, audio)
    assert site_files(other_dir) == first
    assert [r["site"] for r in other_manifest["articles"]] == [r["site"] for r in manifest["articles"]]
    # And again in place: nothing changes.
    support.build_site(issue, out_dir.parent, audio)
    assert site_files(out_dir) == first
    assert (out_dir.parent / "site" / "feed.xml").read_bytes() == \
        (other_root / "site" / "feed.xml").read_bytes()


# --- pictures, helpers --------------------------------------------------------------------------


def test_caption_pictures_are_scaled_for_phones(tmp_path):
    issue = support.tiny_issue(tmp_path / "issue", articles=1)
    Image.new("RGB", (2400, 1200), (200, 30, 30)).save(issue.root / "p1.png")
    article = issue.articles[0]
    blocks = tuple(replace(b, image="p1.png") if b.kind == "caption" else b for b in article.blocks)
    article = replace(article, blocks=blocks)
    issue = replace(issue, columns=(replace(issue.columns[0], articles=(article,)),))
    _, manifest, out_dir = support.build_site(issue, tmp_path / "build")
    doc = parse_page(out_dir / "site" / issue.article_path(article) / "index.html")
    (img,) = doc.xpath("//figure/img")
    assert img.get("alt") == doc.xpath("string(//figcaption)") == blocks[-1].text
    assert img.get("loading") == "lazy"
    with Image.open(out_dir / "site" / issue.article_path(article) / img.get("src")) as picture:
        assert picture.format == "JPEG" and picture.size == (960, 480)
        assert (int(img.get("width")), int(img.get("height"))) == picture.size


def test_missing_base_url_is_reported_not_crashed(tmp_path):
    issue = support.tiny_issue(tmp_path / "issue", base_url="")
    result, manifest, out_dir = support.build_site(issue, tmp_path / "build")
    assert result.failures and "base_url" in result.failures[0]
    assert not (out_dir / "site").exists()


@pytest.mark.parametrize("seconds, text, iso", [
    (0.4, "0秒", "PT0S"), (45.2, "45秒", "PT45S"), (312.6, "5分13秒", "PT5M13S"),
    (3723, "1小时2分3秒", "PT1H2M3S"),
])
def test_durations(seconds, text, iso):
    assert pages.format_duration(seconds) == text
    assert pages.iso_duration(seconds) == iso


def test_episode_dates_follow_reading_order():
    issue = support.tiny_issue(Path("/nonexistent"))
    dates = [rss.episode_date(issue, a) for a in issue.articles]
    assert all(d.date() == issue.date for d in dates)
    assert dates == sorted(dates, reverse=True)


def test_summary_is_short_and_plain():
    issue = support.tiny_issue(Path("/nonexistent"))
    article = issue.articles[1]  # no subtitle: the first paragraph
    long = replace(article, blocks=(Block("paragraph", "很长的一段。" * 40),))
    assert pages.summary(article) == article.blocks[0].text
    assert len(pages.summary(long)) == 90 and pages.summary(long).endswith("…")
    assert pages.summary(issue.articles[0]) == "记网格服务"


def test_audio_is_copied_when_it_cannot_be_linked(tmp_path, monkeypatch):
    issue = support.tiny_issue(tmp_path / "issue", articles=1)
    out_dir = tmp_path / "build" / issue.id
    audio = {issue.articles[0].slug: support.make_audio(out_dir, issue.articles[0], 1.5)}

    def no_links(*args, **kwargs):
        raise OSError("cross-device link")

    monkeypatch.setattr(site.os, "link", no_links)
    _, manifest, _ = support.build_site(issue, tmp_path / "build", audio)
    source = out_dir / manifest["articles"][0]["audio"]["path"]
    placed = out_dir / manifest["articles"][0]["site"]["audio"]["path"]
    assert placed.read_bytes() == source.read_bytes() and not placed.samefile(source)
    monkeypatch.undo()
    # Linked when possible: the site holds no second copy of the narration.
    shutil.rmtree(out_dir / "site")
    support.build_site(issue, tmp_path / "build", audio)
    assert placed.samefile(source)
