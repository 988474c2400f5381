"""The read-aloud EPUB (EPUB 3 Media Overlays): EPUBCheck clean, every clip paired with the
sentence the narration says there, clips in order inside the audio, media metadata, and
articles without usable narration left without an overlay.

Most tests use a stand-in narration written here, so each property is checked on known
times: per article a timings file (sentences from the model through ``split_sentences``, times
from their length) and an MP3 of that length (mono 24 kHz 48 kbit/s, made with ffmpeg). The
end-to-end test at the end uses the real offline narration.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import itertools
import json
import zipfile
from pathlib import Path, PurePosixPath

import pytest
from conftest import EXAMPLE, assert_epubcheck_clean
from support.media import make_mp3, mp3_seconds
from lxml import etree

from issuepub.build import base_manifest, run_build
from issuepub.outputs import epub as epub_output
from issuepub.outputs.base import BuildContext, BuildOptions
from issuepub.outputs.epub import overlays, xhtml
from issuepub.sources import load_issue
from issuepub.text import split_sentences

NS = {"x": "http://www.w3.org/1999/xhtml", "opf": "http://www.idpf.org/2007/opf",
      "s": "http://www.w3.org/ns/SMIL", "epub": "http://www.idpf.org/2007/ops"}
ISSUE_ID = "tjzbsh-2025-03a"
SECONDS_PER_CHAR = 0.06  # fast speech keeps the stand-in MP3s small
PAUSE = 0.25
LEAD_IN = 0.3


# --- stand-in narration --------------------------------------------------------------------

def spoken_sentences(article) -> list[tuple[str, int | None, int, str]]:
    """What a narrator says, derived from the model independently of the EPUB code:
    the opening (column, title, subtitle, byline) then every non-caption block."""
    parts: list[tuple[str, int | None, str]] = [("column", None, article.column),
                                                ("title", None, article.title)]
    if article.subtitle:
        parts.append(("subtitle", None, article.subtitle))
    if article.byline:
        parts.append(("byline", None, article.byline))  # "文 / " is printed, not said
    parts += [("block", i, b.text) for i, b in enumerate(article.blocks) if b.kind != "caption"]
    return [(target, block, n, s) for target, block, text in parts
            for n, s in enumerate(split_sentences(text))]


def tag_like_the_audio_output(mp3: Path, issue, article) -> None:
    """ID3v2 tags with the cover picture, as the audio output writes them."""
    from mutagen.id3 import APIC, ID3, TIT2

    tags = ID3()
    tags.add(TIT2(encoding=3, text=[article.title]))
    tags.add(APIC(encoding=3, mime="image/png", type=3, desc="封面", data=issue.cover.read_bytes()))
    tags.save(mp3, v2_version=4)


def without_id3(data: bytes) -> bytes:
    """The MPEG frames of an MP3: its bytes after the leading ID3v2 tag (mutagen's size)."""
    from mutagen.id3 import ID3, ID3NoHeaderError

    try:
        return data[ID3(io.BytesIO(data)).size:]
    except ID3NoHeaderError:
        return data


def fake_narration(issue, out_dir: Path, manifest: dict, *, skip: tuple[str, ...] = ()) -> None:
    """Write timings + MP3 for every narrated article and record them as the audio output would."""
    records = {r["slug"]: r for r in manifest["articles"]}
    for article in issue.articles:
        if not article.narrate or article.slug in skip:
            continue
        t = LEAD_IN
        segments = []
        for target, block, n, text in spoken_sentences(article):
            length = max(0.4, SECONDS_PER_CHAR * len(text))
            segments.append({"target": target, "block": block, "sentence": n, "text": text,
                             "spoken": text, "start": round(t, 3), "end": round(t + length, 3)})
            t += length + PAUSE
        duration = round(t, 3)
        stem = f"audio/{article.number:02d}-{article.slug}"
        mp3 = out_dir / f"{stem}.mp3"
        make_mp3(mp3, duration, frequency=330)
        tag_like_the_audio_output(mp3, issue, article)
        timings = out_dir / f"{stem}.timings.json"
        timings.write_text(json.dumps({"version": 1, "slug": article.slug, "duration": duration,
                                       "segments": segments}, ensure_ascii=False), encoding="utf-8")
        records[article.slug]["audio"] = {
            "path": f"{stem}.mp3", "size": mp3.stat().st_size,
            "sha256": hashlib.sha256(mp3.read_bytes()).hexdigest(), "duration": duration,
            "engine": "offline", "voice": "cmn", "final": False,
            "timings": {"path": f"{stem}.timings.json"},
        }


def build_read_aloud(out_dir: Path, *, issue_dir: Path = EXAMPLE, skip: tuple[str, ...] = (),
                     edit=None):
    """Run the epub output with --read-aloud over stand-in narration; ``edit(out_dir, manifest)``
    may spoil it first. Returns (epub path, OutputResult, manifest)."""
    issue = load_issue(issue_dir)
    out_dir = out_dir / issue.id
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest = base_manifest(issue, {})
    fake_narration(issue, out_dir, manifest, skip=skip)
    if edit:
        edit(out_dir, manifest)
    ctx = BuildContext(issue=issue, out_dir=out_dir, options=BuildOptions(read_aloud=True),
                       manifest=manifest)
    result = epub_output.build(ctx)
    return out_dir / f"{issue.id}-read-aloud.epub", result, manifest


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_read_aloud(tmp_path_factory.mktemp("ra"))


# --- reading the EPUB back ---------------------------------------------------------------

def _xml(z: zipfile.ZipFile, name: str):
    return etree.fromstring(z.read(name))


def _resolve(base: str, href: str) -> str:
    """An href relative to the zip entry ``base`` as a zip entry name."""
    parts: list[str] = []
    for part in (PurePosixPath(base).parent / href).parts:
        if part == "..":
            parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts)


def seconds(clock: str) -> float:
    h, m, s = clock.split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


def read_overlays(epub: Path) -> dict:
    """Per narrated document: its SMIL's pars as (span text, audio entry, begin, end), the OPF."""
    out = {}
    with zipfile.ZipFile(epub) as z:
        opf_name = "EPUB/content.opf"
        opf = _xml(z, opf_name)
        items = {i.get("id"): i for i in opf.iterfind("opf:manifest/opf:item", NS)}
        for item in items.values():
            if not item.get("media-overlay"):
                continue
            doc_name = _resolve(opf_name, item.get("href"))
            smil_item = items[item.get("media-overlay")]
            assert smil_item.get("media-type") == "application/smil+xml"
            smil_name = _resolve(opf_name, smil_item.get("href"))
            smil = _xml(z, smil_name)
            doc = _xml(z, doc_name)
            pars = []
            for par in smil.iterfind(".//s:par", NS):
                text_src = par.find("s:text", NS).get("src")
                target, fragment = text_src.split("#")
                assert _resolve(smil_name, target) == doc_name
                spans = doc.xpath(f"//*[@id='{fragment}']")
                assert len(spans) == 1, fragment
                audio = par.find("s:audio", NS)
                pars.append({"fragment": fragment, "text": "".join(spans[0].itertext()),
                             "audio": _resolve(smil_name, audio.get("src")),
                             "begin": seconds(audio.get("clipBegin")),
                             "end": seconds(audio.get("clipEnd"))})
            out[doc_name] = {"smil_id": smil_item.get("id"), "pars": pars}
    return out


# --- tests ----------------------------------------------------------------------------------

def test_read_aloud_epub_is_epubcheck_clean(built):
    epub, result, _ = built
    assert not result.failures, result.failures
    assert_epubcheck_clean(epub)


def test_plain_epub_is_still_written_without_overlays(built):
    epub, result, _ = built
    plain = epub.parent / f"{ISSUE_ID}.epub"
    assert plain.is_file() and result.record["file"]["path"] == plain.name
    with zipfile.ZipFile(plain) as z:
        assert not [n for n in z.namelist() if n.endswith((".smil", ".mp3"))]
        assert b"media-overlay" not in z.read("EPUB/content.opf")
        assert b'id="b0-s0"' not in z.read("EPUB/text/a01.xhtml")
    record = result.record["read_aloud"]
    assert record["file"]["path"] == epub.name and record["file"]["size"] == epub.stat().st_size


def test_every_narrated_article_has_an_overlay(built):
    epub, _, _ = built
    found = read_overlays(epub)
    issue = load_issue(EXAMPLE)
    narrated = [a for a in issue.articles if a.narrate]
    assert sorted(found) == sorted(f"EPUB/text/a{a.number:02d}.xhtml" for a in narrated)
    with zipfile.ZipFile(epub) as z:
        for doc in ("EPUB/text/title.xhtml", "EPUB/text/colophon.xhtml", "EPUB/nav.xhtml"):
            assert doc in z.namelist() and doc not in found


def test_clips_are_the_narrations_sentences_in_order_inside_the_audio(built):
    epub, _, manifest = built
    found = read_overlays(epub)
    out_dir = epub.parent
    with zipfile.ZipFile(epub) as z:
        for record in manifest["articles"]:
            doc = f"EPUB/text/a{record['number']:02d}.xhtml"
            timings = json.loads((out_dir / record["audio"]["timings"]["path"]).read_text())
            pars = found[doc]["pars"]
            # One par per sentence the narration says, in the order it says them.
            assert [p["text"] for p in pars] == [s["text"] for s in timings["segments"]]
            audio_entries = {p["audio"] for p in pars}
            assert len(audio_entries) == 1
            audio = z.read(audio_entries.pop())
            # The audio inside the EPUB is the narration's file, byte for byte, without the
            # ID3 tag (whose cover picture would be stored once per article).
            original = (out_dir / record["audio"]["path"]).read_bytes()
            assert len(original) - len(audio) > load_issue(EXAMPLE).cover.stat().st_size
            assert audio == without_id3(original) and not audio.startswith(b"ID3")
            length = mp3_seconds(audio)
            previous_end = 0.0
            for par, seg in zip(pars, timings["segments"]):
                assert par["begin"] < par["end"]
                assert par["begin"] >= previous_end - 1e-9  # in order, no overlap
                assert par["end"] <= length + 0.001  # inside the audio
                # The sentence is spoken inside its clip.
                assert par["begin"] <= seg["start"] + 0.0005 and seg["end"] <= par["end"] + 0.0005
                previous_end = par["end"]
            # The heading and byline spoken in the opening are paired too.
            fragments = [p["fragment"] for p in pars]
            assert fragments[:2] == ["column-s0", "title-s0"]
            if record["author"]:
                assert "byline-s0" in fragments


def test_captions_are_not_paired(built):
    epub, _, _ = built
    issue = load_issue(EXAMPLE)
    found = read_overlays(epub)
    checked = 0
    for article in issue.articles:
        pars = found[f"EPUB/text/a{article.number:02d}.xhtml"]["pars"]
        fragments = {p["fragment"] for p in pars}
        for i, block in enumerate(article.blocks):
            if block.kind == "caption":
                checked += 1
                assert not any(f.startswith(f"b{i}-") for f in fragments)
    assert checked >= 2  # the example has captions in two articles


def test_package_media_metadata(built):
    epub, _, _ = built
    found = read_overlays(epub)
    with zipfile.ZipFile(epub) as z:
        opf = _xml(z, "EPUB/content.opf")
        css = z.read("EPUB/styles/epub.css").decode()
        manifest_types = {i.get("href"): i.get("media-type")
                          for i in opf.iterfind("opf:manifest/opf:item", NS)}
    metas = [(m.get("property"), m.get("refines"), m.text) for m in opf.iterfind("opf:metadata/opf:meta", NS)]
    durations = {ref: seconds(text) for prop, ref, text in metas if prop == "media:duration"}
    for doc in found.values():
        clips = sum(p["end"] - p["begin"] for p in doc["pars"])
        assert durations[f"#{doc['smil_id']}"] == pytest.approx(clips, abs=0.002)
    total = sum(v for k, v in durations.items() if k is not None)
    assert durations[None] == pytest.approx(total, abs=0.002)
    # One narrator line per voice; the stand-in is marked as a proof like the offline engine's.
    assert [text for prop, _, text in metas if prop == "media:narrator"] == [
        "机器朗读：cmn（espeak-ng 离线语音，试听版）"]
    active = [text for prop, _, text in metas if prop == "media:active-class"]
    assert active == ["-epub-media-overlay-active"]
    assert f".{active[0]}" in css
    assert sum(1 for t in manifest_types.values() if t == "audio/mpeg") == len(found)
    props = [(prop, text) for prop, _, text in metas]
    assert ("schema:accessibilityFeature", "synchronizedAudioText") in props
    assert ("schema:accessMode", "auditory") in props
    # Another publication than the plain EPUB: its own identifier and title.
    with zipfile.ZipFile(epub.parent / f"{ISSUE_ID}.epub") as z:
        plain = _xml(z, "EPUB/content.opf")
    ident = "opf:metadata/{http://purl.org/dc/elements/1.1/}identifier"
    assert opf.findtext(ident, namespaces=NS) != plain.findtext(ident, namespaces=NS)
    title = "opf:metadata/{http://purl.org/dc/elements/1.1/}title"
    assert opf.findtext(title, namespaces=NS).startswith(plain.findtext(title, namespaces=NS))


def test_audio_is_stored_not_deflated(built):
    with zipfile.ZipFile(built[0]) as z:
        infos = [i for i in z.infolist() if i.filename.endswith(".mp3")]
        assert infos and all(i.compress_type == zipfile.ZIP_STORED for i in infos)
        assert z.infolist()[0].filename == "mimetype"


def test_sentence_ids_in_markup_match_the_sentence_list():
    """The ids and texts overlays pair against are exactly the spans the XHTML carries."""
    issue = load_issue(EXAMPLE)
    for article in issue.articles:
        body = xhtml.article_body(issue, article, sentences=True)
        root = etree.fromstring(f'<div xmlns:epub="{NS["epub"]}">{body}</div>')
        # itertext: a title's phrases are spans of their own inside its sentence span
        spans = {s.get("id"): "".join(s.itertext()) for s in root.iter("span")
                 if s.get("id") and "-s" in s.get("id")}
        assert spans == xhtml.sentence_texts(article)
        assert len(spans) == len(spoken_sentences(article))


def test_reproducible(tmp_path):
    a, _, _ = build_read_aloud(tmp_path / "a")
    b, _, _ = build_read_aloud(tmp_path / "b")
    assert a.read_bytes() == b.read_bytes()


def _spoil(slug: str, change):
    def edit(out_dir: Path, manifest: dict) -> None:
        record = next(r for r in manifest["articles"] if r["slug"] == slug)
        path = out_dir / record["audio"]["timings"]["path"]
        data = json.loads(path.read_text())
        change(data)
        path.write_text(json.dumps(data, ensure_ascii=False))
    return edit


def test_unnarrated_and_stale_articles_have_no_overlay(tmp_path):
    """No audio record -> included without overlay; timings that no longer match the text
    (the article was edited after narration) -> no overlay and a failure naming it."""
    def stale(data):
        data["segments"][-1]["text"] = "这句话在文章改稿后已经不存在了。"

    articles = load_issue(EXAMPLE).articles
    silent, edited, resynthesised = articles[5], articles[2], articles[3]

    def edit(out_dir: Path, manifest: dict) -> None:
        _spoil(edited.slug, stale)(out_dir, manifest)
        # Audio replaced behind the manifest's back: the timings may not fit it any more.
        record = next(r for r in manifest["articles"] if r["slug"] == resynthesised.slug)
        with open(out_dir / record["audio"]["path"], "ab") as fh:
            fh.write(b"\0" * 100)

    epub, result, _ = build_read_aloud(tmp_path, skip=(silent.slug,), edit=edit)
    found = read_overlays(epub)
    assert "EPUB/text/a06.xhtml" not in found  # no audio record
    assert "EPUB/text/a03.xhtml" not in found  # stale timings
    assert "EPUB/text/a04.xhtml" not in found  # audio does not match its record
    assert len(found) == 3
    assert len(result.failures) == 2
    assert edited.title in result.failures[0] and "这句话在文章改稿后已经不存在了" in result.failures[0]
    assert resynthesised.title in result.failures[1] and "与清单记录不符" in result.failures[1]
    assert result.record["read_aloud"]["articles"] == [
        a.slug for a in articles if a not in (silent, edited, resynthesised)]
    with zipfile.ZipFile(epub) as z:
        assert z.read("EPUB/text/a06.xhtml").count(b'id="b0-s0"') == 1  # still in the book
    assert_epubcheck_clean(epub)


def test_no_narration_at_all_writes_no_read_aloud_epub(tmp_path):
    issue = load_issue(EXAMPLE)
    epub, result, _ = build_read_aloud(tmp_path, skip=tuple(a.slug for a in issue.articles))
    assert not epub.exists() and (epub.parent / f"{ISSUE_ID}.epub").exists()
    assert "read_aloud" not in result.record
    assert len(result.failures) == 1 and "朗读版" in result.failures[0]


# --- pairing rules on their own ----------------------------------------------------------------

def _narration(article, *, shift=None, duration=None):
    segs = []
    t = 0.5
    for target, block, n, text in spoken_sentences(article):
        segs.append(overlays.Segment(target, block, n, text, t, t + 1.0))
        t += 1.2
    if shift:
        segs = shift(segs)
    return overlays.Narration(audio=Path("x.mp3"), duration_ms=round((duration or t) * 1000),
                              engine="offline", voice="cmn", segments=tuple(segs))


def test_pair_makes_contiguous_clips_from_sentence_starts():
    article = load_issue(EXAMPLE).articles[1]
    narration = _narration(article)
    clips = overlays.pair(article, narration)
    assert len(clips) == len(narration.segments)
    assert clips[0].begin_ms == 500 and clips[-1].end_ms == round(narration.segments[-1].end * 1000)
    for a, b in itertools.pairwise(clips):
        assert a.end_ms == b.begin_ms  # the pause after a sentence plays with it
    assert [c.text for c in clips] == [s.text for s in narration.segments]


@pytest.mark.parametrize("spoil, message", [
    (lambda s: [s[1], s[0], *s[2:]], "早于前一句"),
    (lambda s: [s[0], dataclasses.replace(s[1], start=s[0].start), *s[2:]], "早于前一句"),
    (lambda s: [*s[:-1], dataclasses.replace(s[-1], end=s[-1].end + 5)], "音频之外"),
    (lambda s: [s[0], dataclasses.replace(s[1], end=s[1].start), *s[2:]], "起止时间"),
    (lambda s: [s[0], dataclasses.replace(s[1], sentence=99), *s[2:]], "找不到"),
    (lambda s: [s[0], dataclasses.replace(s[1], text="别的话。"), *s[2:]], "不一致"),
    (lambda s: [*s, s[-1]], "重复"),
    (lambda s: [], "没有句子"),
])
def test_pair_refuses_timings_that_do_not_fit(spoil, message):
    article = load_issue(EXAMPLE).articles[1]
    with pytest.raises(overlays.NarrationProblem, match=message):
        overlays.pair(article, _narration(article, shift=spoil))


def test_clock_values():
    assert overlays.clock(0) == "0:00:00.000"
    assert overlays.clock(3_723_456) == "1:02:03.456"
    assert seconds(overlays.clock(61_001)) == pytest.approx(61.001)


# --- end to end with the real narration ---------------------------------------------------------

def test_end_to_end_with_offline_narration(tmp_path):
    report = run_build(EXAMPLE, tmp_path, only=["epub"], options=BuildOptions(read_aloud=True))
    assert "audio" in report.outputs
    assert not report.failures, report.failures
    epub = report.out_dir / f"{ISSUE_ID}-read-aloud.epub"
    assert_epubcheck_clean(epub)
    manifest = json.loads(report.manifest_path.read_text())
    found = read_overlays(epub)
    with zipfile.ZipFile(epub) as z:
        for record in manifest["articles"]:
            if not record["narrate"]:
                continue
            timings = json.loads((report.out_dir / record["audio"]["timings"]["path"]).read_text())
            pars = found[f"EPUB/text/a{record['number']:02d}.xhtml"]["pars"]
            assert [p["text"].strip() for p in pars] == [s["text"].strip() for s in timings["segments"]]
            audio = z.read(pars[0]["audio"])
            assert audio == without_id3((report.out_dir / record["audio"]["path"]).read_bytes())
            length = mp3_seconds(audio)
            assert length == pytest.approx(record["audio"]["duration"], abs=0.2)
            for a, b in itertools.pairwise(pars):
                assert a["begin"] < a["end"] <= b["begin"]
            assert pars[-1]["end"] <= length + 0.001
