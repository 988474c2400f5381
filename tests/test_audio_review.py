"""The editors' review page (audio/spoken.html): parsed with lxml and checked against the script.

Properties checked, not snapshots: one row per spoken sentence; the printed column reads as
the printed sentence and the spoken column as what the voice is given; every change the
normaliser made is marked; every polyphone carries the pinyin chosen for it; steered ones name
the homophone; pronunciation fixes are marked; same input, same bytes; recorded in the manifest.
"""

from __future__ import annotations

import json

import pytest
from lxml import html as lxml_html
from support.issues import article, issue

from issuepub.build import run_build
from issuepub.fsutil import sha256_file
from issuepub.model import AudioSettings
from issuepub.outputs.audio import engines, polyphones
from issuepub.outputs.audio.review import FILE_NAME, render_review
from issuepub.outputs.audio.script import article_script, speakable_text
from issuepub.outputs.base import BuildOptions
from issuepub.sources import load_issue

from conftest import EXAMPLE


def _engine(issue_, tts="offline"):
    return engines.create(issue_.audio, BuildOptions(tts=tts))


def _sentences(issue_, engine):
    return [s for a in issue_.articles if a.narrate
            for u in article_script(a, pronunciations=issue_.audio.pronunciations, latin=engine.latin)
            for s in u.sentences]


def _spoken_text(cell) -> str:
    """The spoken column as text: without the pinyin and the homophone notes."""
    cell = lxml_html.fromstring(lxml_html.tostring(cell))
    for node in cell.xpath('.//rt | .//span[@class="given"]'):
        node.drop_tree()
    return cell.text_content()


def _check(page: str, issue_, engine) -> list:
    doc = lxml_html.fromstring(page)
    assert doc.get("lang") == "zh-CN"
    rows = doc.xpath("//main//tbody/tr")
    sentences = _sentences(issue_, engine)
    assert len(rows) == len(sentences)
    for row, sentence in zip(rows, sentences):
        _, printed, spoken = row.xpath("./td")
        assert printed.text_content() == speakable_text(sentence.text)
        assert _spoken_text(spoken) == sentence.spoken
        if speakable_text(sentence.text) != sentence.spoken:
            assert printed.xpath('.//mark') or spoken.xpath('.//mark'), sentence.text
        shown = [(r.xpath("string(./rt)")) for r in spoken.xpath('.//ruby[contains(@class, "p")]')]
        assert shown == [r.marked for r in polyphones.readings(sentence.spoken)]
    return rows


@pytest.fixture
def small_issue(tmp_path):
    return issue(tmp_path, [
        article("huankuan", "按期还款 重装上阵", [
            "2025年1月1日-3月31日，蓟州区为300余家企业办理还款续贷，平均每笔¥50万。",
            "曾先生说，调处纠纷要靠耐心，夜间气温-5℃也要上门。",
        ]),
    ], audio=AudioSettings(base_url="https://ting.example.cn", pronunciations=(("蓟州", "计州"),)))


def test_the_page_shows_every_change_polyphone_and_fix(small_issue):
    engine = _engine(small_issue)
    page = render_review(small_issue, engine).html
    rows = _check(page, small_issue, engine)
    doc = lxml_html.fromstring(page)
    marked = {m.text_content(): m.get("title") for m in doc.xpath('//main//td[2]//mark[@class="n"]')}
    assert marked["2025"] == "读作：二〇二五" and marked["-5℃"] == "读作：零下五摄氏度"
    assert marked["-3"] == "读作：到三" and marked["¥50"] == "读作：五十"
    fixes = doc.xpath('//main//mark[@class="fix"]')
    assert [f.text_content() for f in fixes] == ["蓟州"] and "计州" in fixes[0].get("title")
    assert doc.xpath('//ul[@class="fixes"]/li/text()') == ["蓟州 → 计州"]
    steered = {r.text: (r.xpath("string(./rt)"), r.getnext().text)
               for r in doc.xpath('//main//ruby[contains(@class, "steered")]')}
    # The issue's examples: 还款 huán, 重装 chóng, 调处 tiáo, the surname 曾 zēng, each given
    # to espeak as a homophone with only that reading.
    assert steered["还"][0] == "huán" and steered["重"][0] == "chóng"
    assert steered["调"][0] == "tiáo" and steered["曾"][0] == "zēng"
    for char, (_, given) in steered.items():
        homophone = given.lstrip("→")
        assert not polyphones.is_polyphone(homophone) and homophone != char
    assert len(rows) == 4  # the column, the title and the two sentences


def test_the_edge_voice_gets_the_text_unsteered(small_issue):
    engine = _engine(small_issue, "edge")
    page = render_review(small_issue, engine).html
    _check(page, small_issue, engine)
    doc = lxml_html.fromstring(page)
    assert not doc.xpath('//main//ruby[contains(@class, "steered")]')
    assert doc.xpath('//main//ruby[contains(@class, "p")]')  # readings still shown to editors


def test_the_example_build_writes_the_page_and_records_it(tmp_path):
    report = run_build(EXAMPLE, tmp_path, only=["audio"], options=BuildOptions(tts="offline"))
    assert not report.failures
    page = report.out_dir / "audio" / FILE_NAME
    manifest = json.loads(report.manifest_path.read_text(encoding="utf-8"))
    record = manifest["outputs"]["audio"]["review"]
    assert record["path"] == f"audio/{FILE_NAME}"
    assert record["sha256"] == sha256_file(page) and record["size"] == page.stat().st_size
    issue_ = load_issue(EXAMPLE)
    engine = _engine(issue_)
    rows = _check(page.read_text(encoding="utf-8"), issue_, engine)
    assert record["counts"]["sentences"] == len(rows)
    # What the page shows per sentence is what the engine sends per chunk.
    from issuepub.outputs.audio.pipeline import plan_article

    for a in (a for a in issue_.articles if a.narrate):
        for chunk in plan_article(issue_, a, engine).chunks:
            assert engine.steering(chunk.text)[0] == "".join(
                engine.steering(piece.text)[0] for piece in chunk.pieces)
    first = page.read_bytes()
    # A rebuild from the cache, and a render in this process: the same bytes.
    report = run_build(EXAMPLE, tmp_path, only=["audio"], options=BuildOptions(tts="offline"))
    assert page.read_bytes() == first
    assert render_review(issue_, engine).html.encode("utf-8") == first
    assert not list(page.parent.glob(".*.part")) and not list(page.parent.glob("*.tmp*"))


def test_the_corpus_page_shows_every_normalisation_and_polyphone(corpus_path, tmp_path):
    from issuepub.importer import import_issue_text

    import_issue_text(corpus_path, tmp_path / "issue")
    issue_ = load_issue(tmp_path / "issue")
    engine = _engine(issue_)
    review = render_review(issue_, engine)
    rows = _check(review.html, issue_, engine)
    sentences = _sentences(issue_, engine)
    assert review.counts.polyphones == sum(len(polyphones.readings(s.spoken)) for s in sentences)
    assert review.counts.polyphones > 10000 and review.counts.steered > 100
    changed = [r for r, s in zip(rows, sentences) if speakable_text(s.text) != s.spoken]
    assert review.counts.changed == len(changed) > 100
