"""Subtitles a listener can read: short cues cut at natural breaks, timed by the word marks.

The narration is real (libespeak-ng, offline); the MP3's length is measured by decoding it; the
word marks compared with are the engine's own, read back from the synthesis cache.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from support.issues import article, build_audio, issue
from support.media import decoded_seconds, parse_vtt
from issuepub.outputs.audio import engines
from issuepub.outputs.audio.cache import ChunkCache
from issuepub.outputs.audio.cues import CHARACTER, CLAUSE, MAX_CHARS, MAX_SECONDS, WORD, split_cues
from issuepub.outputs.audio.pipeline import PARAGRAPH_GAP, SECTION_GAP, plan_article
from issuepub.outputs.audio.script import speakable_text
from issuepub.outputs.base import BuildOptions

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
PROTECTED = re.compile(r"《[^》]*》|[0-9A-Za-z][0-9A-Za-z.%:/-]*")
# Longer than the limit: a cue's time runs from its first heard mark to the next cue's start
# (or its sentence's end), so it may outlast its own words by the engine's pause at the cut.
SLACK_SECONDS = 0.8

NEVER_CUT = ("先生", "出发点", "落脚点", "党组织", "社区", "群众", "推动", "参加", "讨论")
PHRASES = ["我们要坚持以人民为中心的发展思想", "把群众的急难愁盼作为工作的出发点和落脚点",
           "推动《天津市社区治理条例》落地见效", "让社区党组织和各类组织共同参与基层治理",
           "在2024年完成30-50户的网格划分", "办结率达到96.5%", "ABC公司的Smith先生也参加了讨论"]


def _squash(text: str) -> str:
    return "".join(html.unescape(text).split())


def _without_breaks(text: str) -> list[int]:
    """Offsets where a cue may never start: inside a title, a number or a Latin word."""
    out = []
    for m in PROTECTED.finditer(text):
        out += range(m.start() + 1, m.end())
    return out


def test_a_6000_character_paragraph_without_punctuation_is_cut_into_short_cues():
    # Pure text (no engine): a spoken character takes 0.25 s, so a cue of 32 is 8 s, over 7.
    text = "".join(PHRASES[i % 4] for i in range(400))[:6000]
    assert len(text) >= 6000 and not re.search(r"[，。；：、]", text)

    def times(a: int, b: int) -> tuple[float, float]:
        return a * 0.25, b * 0.25

    cues = split_cues(text, text, times)
    assert "".join(c.text for c in cues) == text
    assert len(cues) > 6000 / MAX_CHARS
    for c in cues:
        assert len(c.text) <= MAX_CHARS and (c.end - c.start) * 0.25 <= MAX_SECONDS, c
    cuts = [c.start for c in cues[1:]]
    assert not set(cuts) & set(_without_breaks(text))
    # Between words, not inside one: every cut is where one of the phrases' words starts
    # (pypinyin's dictionary) or between phrases; never between 出发|点.
    assert all(text[c - 2:c + 1] not in ("出发点", "落脚点", "党组织") for c in cuts)
    assert all(text[c - 1:c + 1] not in ("社区", "群众", "工作", "组织", "推动") for c in cuts)


def test_cues_prefer_clause_punctuation_and_keep_numbers_titles_and_latin_whole():
    text = "，".join(PHRASES) + "。"
    cues = split_cues(text, text, lambda a, b: (a * 0.2, b * 0.2))
    assert "".join(c.text for c in cues) == text
    for c in cues[:-1]:
        assert c.text.endswith("，"), c  # every cut after a comma: the phrases fit
    assert all(len(c.text) <= MAX_CHARS for c in cues)
    # A spoken form longer than the printed one (numbers read out) is timed by the spoken one.
    printed = "在2024年11月4日，市委常委会召开扩大会议，研究部署2025年的30项重点工作任务。"
    spoken = "在二〇二四年十一月四日，市委常委会召开扩大会议，研究部署二〇二五年的三十项重点工作任务。"
    cues = split_cues(printed, spoken, lambda a, b: (a * 0.3, b * 0.3))
    assert "".join(c.text for c in cues) == printed
    assert all((c.spoken_end - c.spoken_start) * 0.3 <= MAX_SECONDS for c in cues)
    assert all(spoken[c.spoken_start:c.spoken_end].endswith("，") for c in cues[:-1])


def _narrated_printed(plan) -> str:
    return "".join(s.text for u in plan.units for s in u.sentences)


def _check_cues(issue_, article_, out_root: Path, record: dict) -> dict:
    """Every property the subtitles of one narrated article must have; returns counts."""
    out = out_root / issue_.id
    cues = parse_vtt((out / record["subtitles"]["path"]).read_text(encoding="utf-8"))
    duration = decoded_seconds(out / record["path"])
    engine = engines.create(issue_.audio, BuildOptions(tts="offline"))
    plan = plan_article(issue_, article_, engine)
    timings = json.loads((out / record["timings"]["path"]).read_text(encoding="utf-8"))
    counts = {"cues": len(cues), "checked_marks": 0, "kinds": {},
              "longest_chars": max(len(_squash(c[2])) for c in cues),
              "longest_seconds": round(max(c[1] - c[0] for c in cues), 3)}
    # The printed text of the narrated blocks, whole and in order (the VTT collapses spaces).
    assert _squash("".join(c[2] for c in cues)) == _squash(_narrated_printed(plan))
    for start, end, text in cues:
        assert "\n" not in text
        assert len(_squash(text)) <= MAX_CHARS, text
        assert end - start <= MAX_SECONDS + SLACK_SECONDS, (text, end - start)
        # ... and long enough to be the voice reading it (no voice reads 10 characters a
        # second): words the engine left out would show as cues squeezed into no time.
        assert end - start >= 0.1 * len(_squash(text)), (text, end - start)
        assert 0 <= start <= end <= duration + 0.001
    for (s0, e0, t0), (s1, e1, t1) in zip(cues, cues[1:]):
        assert e0 <= s1 + 0.0005, (t0, t1)  # in reading order, no overlap
        assert s1 - e0 <= SECTION_GAP + 0.6, (t0, t1, s1 - e0)  # no gap beyond the pauses
    # Cue by cue inside each sentence: where each cut falls, and its time against the marks.
    cache = ChunkCache(out_root / ".cache" / "tts")
    left = list(cues)
    sentence_cues = []
    for seg in timings["segments"]:
        got, text = [], ""
        while _squash(text) != _squash(seg["text"]):
            got.append(left.pop(0))
            text += html.unescape(got[-1][2])
        sentence_cues.append((seg, got))
        assert seg["start"] - 0.001 <= got[0][0] and got[-1][1] <= seg["end"] + 0.001
    assert not left
    where = {}  # (unit, sentence) -> [(offset in sentence, chunk index, offset in chunk)]
    for c, chunk in enumerate(plan.chunks):
        for piece, (a, b) in zip(chunk.pieces, chunk.spans()):
            places = where.setdefault((chunk.unit, piece.sentence), [])
            first = places[-1][0] + places[-1][3] if places else 0
            places.append((first, c, a, b - a))
    flat = [(u, s, sentence) for u, unit in enumerate(plan.units)
            for s, sentence in enumerate(unit.sentences)]
    assert len(flat) == len(sentence_cues)
    anchored: dict[int, list] = {}  # chunk -> [(cue start, mark start, cue)]
    for (u, s, sentence), (seg, got) in zip(flat, sentence_cues):
        printed = seg["text"]
        assert printed == sentence.text
        offsets, at = [], 0
        for _, _, cue in got:
            cue = html.unescape(cue)
            at = printed.index(cue[0], at) if cue else at
            offsets.append(at)
            at += len(cue)
        for cut in offsets[1:]:
            assert cut not in _without_breaks(printed), (printed, cut)
            assert not any(printed[cut - k:cut - k + len(w)] == w for w in NEVER_CUT
                           for k in range(1, len(w))), (printed, cut)
            before, after = printed[cut - 1], printed[cut]
            kind = (CLAUSE if before in "，；：、—”" else
                    WORD if before.isspace() or after.isspace() or not (HAN.match(before) and HAN.match(after))
                    else CHARACTER)
            counts["kinds"][kind] = counts["kinds"].get(kind, 0) + 1
            assert after not in "，。、；：！？”）》", (printed, cut)
        # Marks: only where the voice read the printed text as it stands. Within one chunk
        # (one clock), the distance between two cues' starts must be the distance between the
        # engine's word marks of their first characters. (The chunk's first mark is left
        # out: its start falls in the engine silence that assembly trims.)
        if speakable_text(printed) != sentence.spoken:
            continue
        places = where[(u, s)]
        if len(places) != 1:
            continue
        _, c, local, _ = places[0]
        marks = cache.get(plan.placed[c].key).marks
        for (start, _, cue), offset in zip(got, offsets):
            lead = next((i for i, ch in enumerate(printed[offset:]) if HAN.match(ch)), None)
            if lead is None:
                continue
            m = next((m for m in marks if m.start_char == local + offset + lead), None)
            if m is None or m is marks[0]:
                continue  # the character is inside a word mark (espeak's words): interpolated
            anchored.setdefault(c, []).append((start, m.start, cue))
    for c, found in anchored.items():
        start0, mark0, _ = found[0]
        for start, mark, cue in found[1:]:
            assert abs((start - start0) - (mark - mark0)) <= 0.02, (cue, start - start0, mark - mark0)
            counts["checked_marks"] += 1
    return counts


@pytest.fixture(scope="module")
def long_paragraph(tmp_path_factory):
    # A paragraph with no sentence end at all: before, one cue of the whole paragraph.
    root = tmp_path_factory.mktemp("cues")
    # The first as printed is what the voice reads (its marks are compared); the second has
    # numbers, a title and Latin words, read out in other words.
    plain = "，".join(PHRASES[i % 4] for i in range(40))
    mixed = "，".join(PHRASES[i % len(PHRASES)] for i in range(40))
    # And no punctuation at all (the offline voice left out words of a clause this long).
    bare = "".join(PHRASES[i % 4] for i in range(40))
    iss = issue(root, [article("long", "没有句号的长段落",
                               [plain, mixed, bare, "会议指出，要努力完成全年目标任务！"])])
    result, _ = build_audio(iss, root / "out", tts="offline")
    assert not result.failures
    return iss, root / "out", result


def test_a_long_paragraph_is_narrated_with_short_cues_timed_by_the_word_marks(long_paragraph):
    iss, out_root, result = long_paragraph
    counts = _check_cues(iss, iss.articles[0], out_root, result.articles["long"])
    print(counts)
    assert counts["cues"] > 80
    assert counts["kinds"].get(CLAUSE, 0) >= 60  # the commas are used
    assert counts["checked_marks"] >= 10


def test_the_corpus_articles_have_short_cues(corpus_path, tmp_path):
    from issuepub.importer import import_issue_text
    from issuepub.sources import load_issue

    import_issue_text(corpus_path, tmp_path / "issue")
    full = load_issue(tmp_path / "issue")
    # The three narrated articles with the longest sentences (the hostile review's 240
    # characters), narrated offline as an editor's proof would be.
    engine = engines.create(full.audio, BuildOptions(tts="offline"))
    longest = sorted((a for a in full.articles if a.narrate),
                     key=lambda a: -max(len(s.text) for u in plan_article(full, a, engine).units
                                        for s in u.sentences))[:3]
    wanted = {a.slug for a in longest}
    from dataclasses import replace

    trimmed = replace(full, columns=tuple(
        replace(c, articles=tuple(a if a.slug in wanted else replace(a, narrate=False)
                                  for a in c.articles))
        for c in full.columns))
    result, _ = build_audio(trimmed, tmp_path / "out", tts="offline")
    assert not result.failures and set(result.articles) == wanted
    total = {"cues": 0, "checked_marks": 0, "longest_chars": 0, "longest_seconds": 0.0,
             "longest_sentence": max(len(s.text) for a in longest
                                     for u in plan_article(full, a, engine).units for s in u.sentences)}
    for a in trimmed.articles:
        if a.slug in wanted:
            counts = _check_cues(trimmed, a, tmp_path / "out", result.articles[a.slug])
            for key in ("cues", "checked_marks"):
                total[key] += counts[key]
            for key in ("longest_chars", "longest_seconds"):
                total[key] = max(total[key], counts[key])
    print(total)
    assert total["checked_marks"] >= 20
