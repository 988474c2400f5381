"""What is spoken, how it is cut into requests, and how engine marks become sentence times."""

from __future__ import annotations

import re

import pytest
from support.issues import article, short_issue

from issuepub.outputs.audio.align import piece_times
from issuepub.outputs.audio.cache import chunk_key
from issuepub.outputs.audio.chunking import chunk_units, request_bytes, split_sentence
from issuepub.outputs.audio.engines.base import Mark
from issuepub.outputs.audio.normalize import is_speakable
from issuepub.outputs.audio.script import article_script
from issuepub.text import split_sentences


def test_narration_opens_with_column_title_subtitle_byline(tmp_path):
    a = short_issue(tmp_path).articles[1]
    units = article_script(a)
    assert [u.target for u in units[:4]] == ["column", "title", "subtitle", "byline"]
    assert units[0].sentences[0].text == "特别关注"
    assert units[2].sentences[0].text == "——记某商圈党建联盟"
    assert units[2].sentences[0].spoken == "记某商圈党建联盟"
    assert units[3].sentences[0].text == a.byline == "本刊记者 卢艳芝"


def test_captions_end_marks_and_the_print_hint_are_never_spoken(tmp_path):
    a = article("x", "标题", [
        "第一段的最后一句。✎",
        ("caption", "社区党员在楼门口听取居民意见"),
        "扫码收听有声文章",
        "■",
        ("quote", "引文也要读。"),
    ])
    units = article_script(a)
    spoken = "".join(s.spoken for u in units for s in u.sentences)
    assert "听取居民意见" not in spoken and "扫码收听" not in spoken
    assert "✎" not in spoken and "■" not in spoken
    assert [u.block for u in units if u.target == "block"] == [0, 4]  # paragraph, quote
    # the displayed sentences are split_sentences of the block, indices included
    first = units[-2]
    assert [s.text for s in first.sentences] == [split_sentences(a.blocks[0].text)[0]]


def test_sentence_indices_point_into_split_sentences(tmp_path):
    for a in short_issue(tmp_path).articles:
        for u in article_script(a):
            source = {"column": a.column, "title": a.title, "subtitle": a.subtitle,
                      "byline": a.byline}.get(u.target) or a.blocks[u.block].text
            for s in u.sentences:
                assert split_sentences(source)[s.index] == s.text


PARAGRAPH = ("2024年，社区把原来的8个大网格细分为26个小网格，每个网格30-50户，由一名党员担任“红色管家”。"
             "一年下来，管家们累计走访1.2万余人次，收集意见建议430多条，办结率达到96.5%。"
             "居民有事可以直接拨打社区服务热线022-23456789！也可以在楼门口的意见箱里留言；"
             "去年冬天，一场大雪让老旧小区的坡道结了冰，管家们连夜铲雪撒盐，GT Show 车迷嘉年华照常举行……")


@pytest.mark.parametrize("limit", [60, 120, 200, 4000])
@pytest.mark.parametrize("latin", ["spell", "keep"])
def test_chunks_respect_the_limit_and_the_text(limit, latin):
    a = article("x", "把网格划到楼门口", [PARAGRAPH, ("heading", "让服务有温度"), PARAGRAPH])
    units = article_script(a, latin=latin)
    chunks = chunk_units(units, limit)
    for c in chunks:
        assert request_bytes(c.text) <= limit
        assert is_speakable(c.text), c.text  # never punctuation only
    # chunks never cross a unit, and joined back they are exactly the spoken text
    for u, unit in enumerate(units):
        joined = "".join(c.text for c in chunks if c.unit == u)
        assert joined == "".join(s.spoken for s in unit.sentences)
    # no cut falls inside a Latin word or a spoken number
    word = re.compile(r"[A-Za-z]{2}|[零一二三四五六七八九十百千万亿点〇]{2}")
    for previous, current in zip(chunks, chunks[1:]):
        if previous.unit == current.unit:
            assert not word.fullmatch(previous.text[-1] + current.text[0]), (previous.text, current.text)
    # and when whole sentences fit, cuts fall at sentence ends
    if limit >= 200:
        assert all(c.text[-1] in "。！？；" for c in chunks if units[c.unit].kind == "paragraph")


def test_a_long_sentence_is_cut_after_clause_punctuation_first():
    text = "第一部分很长很长，第二部分也很长很长很长，第三部分ABC DEF GHI结束。"
    assert split_sentence(text, 40) == ["第一部分很长很长，", "第二部分也很长很长很长，",
                                        "第三部分ABC DEF GHI结束。"]
    for piece in split_sentence(text, 30):
        assert request_bytes(piece) <= 30
        assert not re.search(r"[A-Z]$", piece) or piece.endswith(("ABC", "DEF", "GHI"))
    assert "".join(split_sentence(text, 30)) == text


def test_editing_one_paragraph_changes_only_its_chunks():
    identity = {"engine": "offline", "engine_version": "1", "voice": "cmn",
                "rate": "+0%", "volume": "+0%", "pitch": "+0Hz"}
    before = article("x", "标题", ["第一段。", "第二段，原来的说法。", "第三段。"])
    after = article("x", "标题", ["第一段。", "第二段，改过的说法。", "第三段。"])

    def keys(a):
        return [(c.unit, chunk_key(identity, c.text)) for c in chunk_units(article_script(a), 4000)]

    old, new = keys(before), keys(after)
    changed = [u for (u, k1), (_, k2) in zip(old, new) if k1 != k2]
    edited_unit = next(i for i, u in enumerate(article_script(after)) if u.block == 1)
    assert changed == [edited_unit]
    assert chunk_key({**identity, "rate": "+10%"}, "第一段。") != chunk_key(identity, "第一段。")


def test_sentence_times_from_sentence_marks():
    text = "你好。我们很好！再见。"
    spans = [(0, 3), (3, 8), (8, 11)]
    marks = [Mark(0, 3, 0.1, 0.6), Mark(3, 8, 1.0, 2.0), Mark(8, 11, 2.5, 3.0)]
    assert piece_times(text, spans, marks, 3.2) == [(0.1, 0.6), (1.0, 2.0), (2.5, 3.0)]


def test_sentence_times_when_the_engine_splits_differently():
    text = "你好。我们很好！再见。"
    spans = [(0, 3), (3, 8), (8, 11)]
    # one mark for two of our sentences, word marks, no marks at all
    for marks in ([Mark(0, 8, 0.1, 2.0), Mark(8, 11, 2.5, 3.0)],
                  [Mark(i, i + 1, 0.25 * i, 0.25 * i + 0.2) for i in range(len(text))],
                  []):
        times = piece_times(text, spans, marks, 3.2)
        assert all(0 <= s <= e <= 3.2 for s, e in times)
        assert all(times[i][1] <= times[i + 1][0] for i in range(len(times) - 1))
        assert times[0][0] < times[1][0] < times[2][0]


def test_emoji_stay_in_the_printed_sentence_and_leave_the_spoken_one():
    # Subtitles, the read-aloud EPUB and the review page use the printed sentence; the voice
    # gets the spoken one. A sentence of emoji alone is not narrated, and the index of each
    # sentence still points at its printed place (the sentence after it keeps its number).
    a = article("x", "点赞👍🏽", ["表情😀👍🏽👨‍👩‍👧不读。👍👍！第三句🇨🇳。"])
    units = article_script(a)
    title = next(u for u in units if u.target == "title").sentences[0]
    body = units[-1].sentences
    assert title.text == "点赞👍🏽" and title.spoken == "点赞"
    assert [(s.index, s.text, s.spoken) for s in body] == [
        (0, "表情😀👍🏽👨‍👩‍👧不读。", "表情不读。"), (2, "第三句🇨🇳。", "第三句。")]
