"""Read-aloud EPUB: EPUB 3 Media Overlays built from the narration's own timings.

The audio output records, per narrated article, its MP3 and a timings file that lists every
spoken sentence with the start and end the synthesiser reported while making the speech. No
forced alignment is involved, so nothing drifts. This module pairs each of those sentences
with its ``<span id>`` in the article's XHTML (ids from ``xhtml.sentence_id``), writes one
SMIL document per article and adds the SMIL, the audio and the ``media:*`` metadata to the book.

Clips are contiguous: a sentence's clip runs from its own start to the next sentence's start,
so the pause after a sentence plays with it. Reading systems play only what the clips cover;
gaps between clips would be cut out of the speech and make it sound hurried.

The audio output is read only through ``ctx.manifest`` and the files it names (outputs never
import each other).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ebooklib import epub
from lxml import etree

from ...fsutil import sha256_file
from ...model import Article
from . import xhtml
from .package import FilePart, article_href, article_uid

SMIL_NS = "http://www.w3.org/ns/SMIL"
EPUB_NS = "http://www.idpf.org/2007/ops"
ACTIVE_CLASS = "-epub-media-overlay-active"  # styles/epub.css has its rule (EPUBCheck CSS-030)
TIMINGS_VERSION = 1
# The last sentence may end a little after the duration the timings report (rounding of
# the synthesiser's offsets); beyond this it is a timings file that does not fit its audio.
END_TOLERANCE_MS = 250
ENGINE_NAMES = {"edge": "微软 Edge 神经网络语音", "offline": "espeak-ng 离线语音"}
AUDIO_TYPES = {".mp3": "audio/mpeg", ".m4a": "audio/mp4"}  # EPUB core media types


class NarrationProblem(Exception):
    """The narration of one article cannot be paired with its text (message in Chinese)."""


@dataclass(frozen=True)
class Segment:
    """One spoken sentence as the timings file records it (times in seconds)."""

    target: str  # column | title | subtitle | byline | block
    block: int | None
    sentence: int
    text: str  # the sentence as displayed
    start: float
    end: float

    @property
    def fragment(self) -> str:
        return xhtml.sentence_id(self.target, self.block, self.sentence)


@dataclass(frozen=True)
class Clip:
    """One ``<par>``: the span ``fragment`` of the article document and its audio clip."""

    fragment: str
    text: str
    begin_ms: int
    end_ms: int


@dataclass(frozen=True)
class Narration:
    """One article's narration, as the audio output left it in the build directory."""

    audio: Path
    duration_ms: int
    engine: str
    voice: str
    segments: tuple[Segment, ...]
    final: bool = True  # False: the offline engine's proof audio, never to be published


@dataclass(frozen=True)
class Overlay:
    article: Article
    narration: Narration
    clips: tuple[Clip, ...]

    @property
    def doc_uid(self) -> str:
        return article_uid(self.article.number)

    @property
    def doc_href(self) -> str:
        return article_href(self.article.number)

    @property
    def smil_id(self) -> str:
        return f"mo-{self.doc_uid}"

    @property
    def smil_href(self) -> str:
        return f"smil/{self.doc_uid}.smil"

    @property
    def audio_id(self) -> str:
        return f"audio-{self.doc_uid}"

    @property
    def audio_href(self) -> str:
        return f"audio/{self.doc_uid}{self.narration.audio.suffix.lower()}"

    @property
    def duration_ms(self) -> int:
        """What the overlay plays: the sum of its clips (media:duration of the SMIL item)."""
        return sum(c.end_ms - c.begin_ms for c in self.clips)


# --- pure parts ------------------------------------------------------------------------

def clock(ms: int) -> str:
    """A SMIL full clock value, e.g. 0:01:02.345 (also media:duration's syntax)."""
    seconds, milli = divmod(int(ms), 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}.{milli:03d}"


def parse_timings(data: Any, slug: str) -> tuple[float, tuple[Segment, ...]]:
    """The duration (s) and segments of a timings file's JSON, checked for shape."""
    if not isinstance(data, dict) or data.get("version") != TIMINGS_VERSION:
        raise NarrationProblem(f"朗读时间表的格式版本不是 {TIMINGS_VERSION}")
    if data.get("slug") != slug:
        raise NarrationProblem(f"朗读时间表属于另一篇文章（{data.get('slug')}）")
    try:
        duration = float(data["duration"])
        segments = tuple(
            Segment(target=str(s["target"]),
                    block=None if s.get("block") is None else int(s["block"]),
                    sentence=int(s["sentence"]), text=str(s["text"]),
                    start=float(s["start"]), end=float(s["end"]))
            for s in data["segments"]
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise NarrationProblem(f"朗读时间表缺少或写错了字段（{exc}）") from None
    return duration, segments


def _same(a: str, b: str) -> bool:
    return a.strip() == b.strip()


def pair(article: Article, narration: Narration) -> tuple[Clip, ...]:
    """The clips of ``article``: every timed sentence paired with its span, in spoken order.

    Raises NarrationProblem when the timings do not belong to the article as it reads now
    (a sentence missing or changed since the audio was made) or do not fit the audio.
    """
    displayed = xhtml.sentence_texts(article)
    segments = narration.segments
    if not segments:
        raise NarrationProblem("朗读时间表里没有句子")
    seen: set[str] = set()
    starts: list[int] = []
    for n, seg in enumerate(segments, start=1):
        fragment = seg.fragment
        if fragment not in displayed:
            raise NarrationProblem(f"朗读的第 {n} 句“{seg.text}”在正文中找不到")
        if not _same(displayed[fragment], seg.text):
            raise NarrationProblem(f"朗读的第 {n} 句“{seg.text}”与正文“{displayed[fragment]}”不一致")
        if fragment in seen:
            raise NarrationProblem(f"朗读的第 {n} 句“{seg.text}”重复出现")
        seen.add(fragment)
        begin, end = round(seg.start * 1000), round(seg.end * 1000)
        if begin < 0 or end <= begin:
            raise NarrationProblem(f"朗读的第 {n} 句“{seg.text}”的起止时间不对（{seg.start}–{seg.end} 秒）")
        if starts and begin <= starts[-1]:
            raise NarrationProblem(f"朗读的第 {n} 句“{seg.text}”的开始时间早于前一句")
        if end > narration.duration_ms + END_TOLERANCE_MS:
            raise NarrationProblem(f"朗读的第 {n} 句“{seg.text}”结束于音频之外")
        starts.append(begin)
    last_end = min(round(segments[-1].end * 1000), narration.duration_ms)
    ends = starts[1:] + [last_end]
    if ends[-1] <= starts[-1]:
        raise NarrationProblem(f"最后一句“{segments[-1].text}”在音频结束之后才开始")
    return tuple(Clip(seg.fragment, displayed[seg.fragment], begin, end)
                 for seg, begin, end in zip(segments, starts, ends))


def smil_document(overlay: Overlay) -> bytes:
    """The SMIL 3.0 Media Overlay document of one article (paths relative to smil/)."""
    doc = "../" + overlay.doc_href
    audio = "../" + overlay.audio_href
    nsmap = {None: SMIL_NS, "epub": EPUB_NS}
    root = etree.Element(f"{{{SMIL_NS}}}smil", nsmap=nsmap, version="3.0")
    body = etree.SubElement(root, f"{{{SMIL_NS}}}body")
    seq = etree.SubElement(body, f"{{{SMIL_NS}}}seq", {"id": "article", f"{{{EPUB_NS}}}textref": doc})
    for clip in overlay.clips:
        par = etree.SubElement(seq, f"{{{SMIL_NS}}}par", id=f"par-{clip.fragment}")
        etree.SubElement(par, f"{{{SMIL_NS}}}text", src=f"{doc}#{clip.fragment}")
        etree.SubElement(par, f"{{{SMIL_NS}}}audio", src=audio,
                         clipBegin=clock(clip.begin_ms), clipEnd=clock(clip.end_ms))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def narrator(narration: Narration) -> str:
    engine = ENGINE_NAMES.get(narration.engine, narration.engine)
    if not narration.final:
        engine += "，试听版"
    return f"机器朗读：{narration.voice}（{engine}）" if narration.voice else f"机器朗读（{engine}）"


# --- the build directory ----------------------------------------------------------------

def _inside(out_dir: Path, relative: Any, what: str) -> Path:
    if not isinstance(relative, str) or not relative:
        raise NarrationProblem(f"清单里没有{what}的路径")
    path = (out_dir / relative).resolve()
    if not path.is_relative_to(out_dir.resolve()):
        raise NarrationProblem(f"清单里{what}的路径“{relative}”不在输出目录中")
    if not path.is_file():
        raise NarrationProblem(f"找不到{what}文件 {path}")
    return path


def read_narration(out_dir: Path, article: Article, record: dict[str, Any]) -> Narration | None:
    """The article's narration from its manifest record, or None when it is not narrated."""
    audio = record.get("audio")
    if not article.narrate or not isinstance(audio, dict) or not audio.get("path"):
        return None
    audio_path = _inside(out_dir, audio.get("path"), "音频")
    if audio_path.suffix.lower() not in AUDIO_TYPES:
        raise NarrationProblem(f"音频文件 {audio_path.name} 不是 EPUB 支持的 MP3 或 M4A")
    if "size" in audio and audio_path.stat().st_size != audio["size"]:
        raise NarrationProblem(f"音频文件 {audio_path.name} 与清单记录不符（大小不同）")
    if "sha256" in audio and sha256_file(audio_path) != audio["sha256"]:
        raise NarrationProblem(f"音频文件 {audio_path.name} 与清单记录不符（内容不同）")
    timings = audio.get("timings")
    timings_path = _inside(out_dir, timings.get("path") if isinstance(timings, dict) else None,
                           "朗读时间表")
    try:
        data = json.loads(timings_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise NarrationProblem(f"读不了朗读时间表 {timings_path.name}（{exc}）") from None
    duration, segments = parse_timings(data, article.slug)
    return Narration(audio=audio_path, duration_ms=round(duration * 1000),
                     engine=str(audio.get("engine", "")), voice=str(audio.get("voice", "")),
                     segments=segments, final=audio.get("final") is not False)


def collect(issue_articles: tuple[Article, ...], out_dir: Path,
            manifest: dict[str, Any]) -> tuple[list[Overlay], list[str]]:
    """The overlays of every narrated article, and one Chinese line per article left out."""
    records = {r.get("slug"): r for r in manifest.get("articles", []) if isinstance(r, dict)}
    overlays: list[Overlay] = []
    failures: list[str] = []
    for article in issue_articles:
        try:
            narration = read_narration(out_dir, article, records.get(article.slug, {}))
            if narration is None:
                continue
            overlays.append(Overlay(article, narration, pair(article, narration)))
        except NarrationProblem as problem:
            failures.append(
                f"朗读版 EPUB：第 {article.number} 篇《{article.title}》没有同步朗读：{problem}。"
                "请重新生成这篇的音频（issuepub build 期刊文件夹 --only audio epub --read-aloud）。"
            )
    return overlays, failures


def id3v2_length(head: bytes) -> int:
    """Length of the ID3v2 tag at the start of an MP3 (0 when there is none).

    The audio output tags every MP3 with the issue's cover; inside the EPUB that picture
    would be stored once per article for nothing, so the tag is left out and the MPEG
    frames (the timings' time base) are copied unchanged.
    """
    if len(head) < 10 or head[:3] != b"ID3" or any(b & 0x80 for b in head[6:10]):
        return 0
    size = (head[6] << 21) | (head[7] << 14) | (head[8] << 7) | head[9]
    footer = 10 if head[5] & 0x10 else 0
    return 10 + size + footer


def audio_part(path: Path) -> FilePart:
    if path.suffix.lower() != ".mp3":
        return FilePart(path)
    with open(path, "rb") as fh:
        offset = id3v2_length(fh.read(10))
    return FilePart(path, offset if offset < path.stat().st_size else 0)


def add_overlays(book: epub.EpubBook, overlays: list[Overlay]) -> dict[str, FilePart]:
    """Add the SMIL documents, the audio and the media:* metadata to ``book``.

    The audio items are empty placeholders; the returned map (zip entry -> file part) is
    what ``package.write_reproducible`` fills them from. The content documents'
    ``media-overlay`` attributes are set by ``make_book``.
    """
    files: dict[str, FilePart] = {}
    for overlay in overlays:
        book.add_item(epub.EpubSMIL(uid=overlay.smil_id, file_name=overlay.smil_href,
                                    content=smil_document(overlay)))
        audio = overlay.narration.audio
        book.add_item(epub.EpubItem(uid=overlay.audio_id, file_name=overlay.audio_href,
                                    media_type=AUDIO_TYPES[audio.suffix.lower()], content=b""))
        files[f"{book.FOLDER_NAME}/{overlay.audio_href}"] = audio_part(audio)
    for overlay in overlays:
        book.add_metadata(None, "meta", clock(overlay.duration_ms),
                          {"property": "media:duration", "refines": f"#{overlay.smil_id}"})
    # EPUBCheck (MED-016) wants the total to be the sum of the overlays' durations.
    book.add_metadata(None, "meta", clock(sum(o.duration_ms for o in overlays)),
                      {"property": "media:duration"})
    for name in dict.fromkeys(narrator(o.narration) for o in overlays):
        book.add_metadata(None, "meta", name, {"property": "media:narrator"})
    book.add_metadata(None, "meta", ACTIVE_CLASS, {"property": "media:active-class"})
    return files
