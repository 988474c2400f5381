"""Podcast RSS 2.0 feeds with iTunes tags, built with lxml (so the XML is always well formed).

One feed per issue (``<site_path>feed.xml``), and the magazine's feed across the issues built
into the same output root, made by concatenating the issue feeds' items newest issue first.
Besides Apple's tags, the Podcast Index namespace: ``podcast:guid`` (the UUIDv5 of the feed URL
that the namespace specifies), ``podcast:locked``, and per episode ``podcast:season`` /
``podcast:episode`` (one season per issue, so episode numbers never repeat within a season)
and ``podcast:transcript`` for the WebVTT subtitles.
"""

from __future__ import annotations

import datetime as _dt
import uuid
from dataclasses import dataclass
from email.utils import format_datetime, parsedate_to_datetime
from html import escape
from typing import Iterable

from lxml import etree

from ...model import Article, Issue

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
ATOM = "http://www.w3.org/2005/Atom"
PODCAST = "https://podcastindex.org/namespace/1.0"
NSMAP = {"itunes": ITUNES, "atom": ATOM, "podcast": PODCAST}
# The namespace's UUIDv5 namespace for podcast:guid (Podcast Index namespace, "guid").
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")
BEIJING = _dt.timezone(_dt.timedelta(hours=8))


@dataclass(frozen=True)
class Channel:
    title: str
    link: str  # the web page the feed belongs to
    self_url: str  # where the feed itself is published
    description: str
    author: str
    language: str
    copyright: str = ""
    image_url: str | None = None  # square artwork (iTunes wants 1400-3000 px)
    owner_name: str = ""  # itunes:owner: whom directories contact about the feed
    owner_email: str = ""


@dataclass(frozen=True)
class Episode:
    title: str
    url: str  # the permanent article URL: link and GUID
    description: str
    enclosure_url: str
    length: int  # bytes
    duration: float  # seconds
    published: _dt.datetime
    number: int
    author: str
    season: int = 0  # the issue's season number (podcast:season, itunes:season); 0: none
    season_name: str = ""  # 2025年第3期（上半月）
    transcript_url: str | None = None  # the WebVTT subtitles


def episode_date(issue: Issue, article: Article) -> _dt.datetime:
    """The issue date (08:00 Beijing time) minus one minute per article position.

    All episodes of an issue share its date; the minute steps make apps that list newest first
    show article 1 first, in the magazine's reading order. Derived only from stable data, so
    the date, like the GUID, never changes between builds.
    """
    start = _dt.datetime.combine(issue.date, _dt.time(8, 0), tzinfo=BEIJING)
    return start - _dt.timedelta(minutes=article.number - 1)


def podcast_guid(feed_url: str) -> str:
    """podcast:guid: UUIDv5 of the feed URL without its scheme and trailing slashes."""
    bare = feed_url.split("://", 1)[-1].rstrip("/")
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, bare))


def rss_language(language: str) -> str:
    return language.lower()  # RSS uses lower-case codes: zh-cn


def _sub(parent: etree._Element, tag: str, text: str | None = None, /, **attrib: str) -> etree._Element:
    element = etree.SubElement(parent, tag, attrib)
    if text is not None:
        element.text = text
    return element


def episode_item(episode: Episode) -> etree._Element:
    item = etree.Element("item", nsmap=NSMAP)
    _sub(item, "title", episode.title)
    _sub(item, "link", episode.url)
    _sub(item, "guid", episode.url, isPermaLink="true")
    _sub(item, "pubDate", format_datetime(episode.published))
    # RSS descriptions are entity-encoded HTML: escaped once more, source text stays text.
    _sub(item, "description", escape(episode.description, quote=False))
    _sub(item, "enclosure", url=episode.enclosure_url, length=str(episode.length), type="audio/mpeg")
    _sub(item, f"{{{ITUNES}}}title", episode.title)
    _sub(item, f"{{{ITUNES}}}author", episode.author)
    _sub(item, f"{{{ITUNES}}}duration", str(max(1, int(round(episode.duration)))))
    _sub(item, f"{{{ITUNES}}}episode", str(episode.number))
    if episode.season:
        _sub(item, f"{{{ITUNES}}}season", str(episode.season))
    _sub(item, f"{{{ITUNES}}}episodeType", "full")
    _sub(item, f"{{{ITUNES}}}explicit", "false")
    if episode.season:
        season = _sub(item, f"{{{PODCAST}}}season", str(episode.season))
        if episode.season_name:
            season.set("name", episode.season_name)
    _sub(item, f"{{{PODCAST}}}episode", str(episode.number))
    if episode.transcript_url:
        _sub(item, f"{{{PODCAST}}}transcript", url=episode.transcript_url, type="text/vtt",
             rel="captions")
    return item


def feed_bytes(channel: Channel, items: Iterable[etree._Element]) -> bytes:
    rss = etree.Element("rss", version="2.0", nsmap=NSMAP)
    ch = _sub(rss, "channel")
    _sub(ch, "title", channel.title)
    _sub(ch, "link", channel.link)
    _sub(ch, f"{{{ATOM}}}link", href=channel.self_url, rel="self", type="application/rss+xml")
    _sub(ch, "description", escape(channel.description, quote=False))
    _sub(ch, "language", rss_language(channel.language))
    if channel.copyright:
        _sub(ch, "copyright", channel.copyright)
    _sub(ch, "generator", "issuepub")
    if channel.image_url:
        image = _sub(ch, "image")
        _sub(image, "url", channel.image_url)
        _sub(image, "title", channel.title)
        _sub(image, "link", channel.link)
        _sub(ch, f"{{{ITUNES}}}image", href=channel.image_url)
    _sub(ch, f"{{{ITUNES}}}author", channel.author)
    if channel.owner_email:
        owner = _sub(ch, f"{{{ITUNES}}}owner")
        _sub(owner, f"{{{ITUNES}}}name", channel.owner_name or channel.author)
        _sub(owner, f"{{{ITUNES}}}email", channel.owner_email)
    _sub(ch, f"{{{ITUNES}}}summary", channel.description)
    _sub(ch, f"{{{ITUNES}}}type", "episodic")
    _sub(ch, f"{{{ITUNES}}}explicit", "false")
    etree.SubElement(ch, f"{{{ITUNES}}}category", text="Government")
    _sub(ch, f"{{{PODCAST}}}guid", podcast_guid(channel.self_url))
    # Locked (no other host may import the feed) once an owner e-mail can confirm a move.
    if channel.owner_email:
        _sub(ch, f"{{{PODCAST}}}locked", "yes", owner=channel.owner_email)
    else:
        _sub(ch, f"{{{PODCAST}}}locked", "no")
    items = list(items)
    if items:
        # The newest item's date: the feed changes only when its content does (no build time).
        newest = max(items, key=lambda i: _parse_date(i.findtext("pubDate") or ""))
        _sub(ch, "pubDate", newest.findtext("pubDate"))
    for item in items:
        ch.append(item)
    etree.indent(rss, space="  ")
    return etree.tostring(rss, xml_declaration=True, encoding="UTF-8") + b"\n"


def _parse_date(text: str) -> _dt.datetime:
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return _dt.datetime.min.replace(tzinfo=_dt.timezone.utc)


def feed_items(data: bytes) -> list[etree._Element]:
    """The <item>s of a feed this module wrote (for the feed across issues)."""
    parser = etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True)
    root = etree.fromstring(data, parser)
    return list(root.iter("item"))
