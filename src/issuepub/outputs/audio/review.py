"""The editors' review page: what the voice is given, beside what is printed.

``build/<issue-id>/audio/spoken.html`` lists every spoken sentence of every narrated article
as printed and as the voice gets it. Spans the normaliser changed are marked on both sides
(the printed 2024 and its 二〇二四), ``[audio.pronunciations]`` fixes are marked and named,
and every polyphonic character carries the pinyin chosen for its phrase, with the homophone
the offline voice was given where it was steered. An editor proofs the narration by reading
this page instead of listening to hours of audio. Same sources and engine: same bytes.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from html import escape
from typing import Iterable

from ...model import Article, Issue
from . import polyphones
from .engines.base import Engine
from .script import Unit, article_script, speakable_text

FILE_NAME = "spoken.html"

_CSS = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC",sans-serif;margin:1.5rem auto;
max-width:72rem;padding:0 1rem;line-height:1.9;color:#1a1a1a}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2.5rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ddd;padding:.3rem .5rem;
vertical-align:top;text-align:left}th{background:#f3f3f3}td.n{color:#777;width:3rem}
mark.n{background:#fff3b0}mark.fix{background:#c8f0c8}
ruby.p rt{color:#777;font-size:.6em}ruby.p.odd rt{color:#b00;font-weight:bold}
ruby.p.steered{background:#ffd6d6}ruby.p.steered rt{color:#b00;font-weight:bold}
.legend span{margin-right:1.5rem}.given{color:#b00;font-size:.8em}
tr.same td{color:#555}
"""


@dataclass
class Counts:
    sentences: int = 0
    changed: int = 0  # sentences whose spoken form differs from the printed one
    spans: int = 0  # changed spans
    polyphones: int = 0
    steered: int = 0
    fixes: int = 0  # [audio.pronunciations] fixes applied

    def record(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Row:
    label: str
    printed: str
    spoken: str
    html_printed: str
    html_spoken: str
    changed: bool


@dataclass
class Review:
    html: str
    counts: Counts = field(default_factory=Counts)


def _fixes_in(text: str, pronunciations: Iterable[tuple[str, str]]) -> list[tuple[int, int, str, str]]:
    """Where ``[audio.pronunciations]`` entries occur in ``text``, longest first, no overlaps."""
    taken: list[tuple[int, int, str, str]] = []
    for written, spoken in sorted(pronunciations, key=lambda p: -len(p[0])):
        at = text.find(written) if written else -1
        while at >= 0:
            end = at + len(written)
            if all(end <= s or at >= e for s, e, _, _ in taken):
                taken.append((at, end, written, spoken))
            at = text.find(written, end)
    return sorted(taken)


def _printed_html(text: str, changes: list[tuple[int, int, str]],
                  fixes: list[tuple[int, int, str, str]]) -> str:
    """The printed sentence, pronunciation fixes and normalised spans marked (fixes win)."""
    marks: list[tuple[int, int, str]] = [
        (start, end, f'<mark class="fix" title="读音修正：{escape(written)} → {escape(spoken)}">')
        for start, end, written, spoken in fixes]
    for start, end, said in changes:
        if start < end and all(end <= s or start >= e for s, e, _ in marks):
            title = f"读作：{said}" if said else "不读出"
            marks.append((start, end, f'<mark class="n" title="{escape(title)}">'))
    out, i = [], 0
    for start, end, tag in sorted(marks):
        if start < i:
            continue
        out.append(escape(text[i:start]) + tag + escape(text[start:end]) + "</mark>")
        i = end
    out.append(escape(text[i:]))
    return "".join(out)


def _spoken_html(spoken: str, inserted: list[tuple[int, int]], steering) -> str:
    readings = {r.index: r for r in polyphones.readings(spoken)}
    steered = {d.reading.index: d.given for d in steering if d.steered}
    in_mark = [False] * len(spoken)
    for start, end in inserted:
        for k in range(start, end):
            in_mark[k] = True
    out: list[str] = []
    for k, char in enumerate(spoken):
        if in_mark[k] and (k == 0 or not in_mark[k - 1]):
            out.append('<mark class="n">')
        reading = readings.get(k)
        if reading is None:
            out.append(escape(char))
        else:
            # Not the character's most used reading (neutral tones, as in 的 de, are usual).
            odd = reading.pinyin != reading.choices[0] and not reading.pinyin.endswith("5")
            classes = "p" + (" odd" if odd else "") + (" steered" if k in steered else "")
            given = (f'<span class="given">→{escape(steered[k])}</span>' if k in steered else "")
            title = "可读：" + "、".join(polyphones.Reading(0, char, c, ()).marked
                                      for c in reading.choices)
            out.append(f'<ruby class="{classes}" title="{escape(title)}">{escape(char)}'
                       f"<rt>{escape(reading.marked)}</rt></ruby>{given}")
        if in_mark[k] and (k + 1 == len(spoken) or not in_mark[k + 1]):
            out.append("</mark>")
    return "".join(out)


def _rows(article: Article, units: list[Unit], engine: Engine,
          pronunciations: tuple[tuple[str, str], ...], counts: Counts) -> list[str]:
    rows: list[str] = []
    labels = {"title": "标题", "subtitle": "副题", "byline": "署名", "column": "栏目"}
    for unit in units:
        for sentence in unit.sentences:
            printed = speakable_text(sentence.text)
            spoken = sentence.spoken
            given, steering = engine.steering(spoken)
            fixes = _fixes_in(printed, pronunciations)
            matcher = difflib.SequenceMatcher(None, printed, spoken, autojunk=False)
            changes, inserted = [], []
            for op, i1, i2, j1, j2 in matcher.get_opcodes():
                if op == "equal":
                    continue
                changes.append((i1, i2, spoken[j1:j2]))
                if j1 < j2:
                    inserted.append((j1, j2))
            counts.sentences += 1
            counts.changed += bool(changes)
            counts.spans += len(changes)
            counts.fixes += len(fixes)
            counts.polyphones += len(polyphones.readings(spoken))
            counts.steered += sum(d.steered for d in steering)
            label = labels.get(unit.target, "小标题" if unit.kind == "heading" else "正文")
            if unit.block is not None and unit.kind != "heading":
                label = f"第{unit.block + 1}段"
            rows.append(
                f'<tr class="{"changed" if changes or given != spoken else "same"}">'
                f'<td class="n">{escape(label)}</td>'
                f"<td>{_printed_html(printed, changes, fixes)}</td>"
                f"<td>{_spoken_html(spoken, inserted, steering)}</td></tr>")
    return rows


def render_review(issue: Issue, engine: Engine) -> Review:
    """The whole page for the narrated articles of ``issue``, as ``engine`` would read them."""
    counts = Counts()
    pronunciations = tuple(issue.audio.pronunciations)
    sections, nav = [], []
    for article in issue.articles:
        if not article.narrate:
            continue
        units = article_script(article, pronunciations=pronunciations, latin=engine.latin)
        rows = _rows(article, units, engine, pronunciations, counts)
        anchor = f"a{article.number:02d}"
        nav.append(f'<li><a href="#{anchor}">{article.number:02d} {escape(article.title)}</a></li>')
        sections.append(
            f'<section id="{anchor}"><h2>{article.number:02d}　{escape(article.column)}：'
            f"{escape(article.title)}</h2><table><thead><tr><th>位置</th><th>印刷文本</th>"
            f"<th>朗读文本（语音收到的）</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
            "</section>")
    fixes = "".join(f"<li>{escape(w)} → {escape(s)}</li>" for w, s in pronunciations)
    engine_note = (f"{escape(engine.name)} {escape(engine.version)}，{escape(engine.voice)}"
                   + ("" if engine.final else "（离线试听版：多音字按词典读音改用同音字引导）"))
    c = counts
    html = (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>朗读校对页：{escape(issue.title)}</title><style>{_CSS}</style></head><body>"
        f"<header><h1>朗读校对页：{escape(issue.title)}</h1>"
        f"<p>朗读引擎：{engine_note}。左栏是印刷的句子，右栏是交给语音的文字。</p>"
        '<p class="legend"><span><mark class="n">黄色</mark>：数字、符号等改写之处（鼠标悬停看读法）</span>'
        '<span><mark class="fix">绿色</mark>：本期读音修正（[audio.pronunciations]）</span>'
        '<span><ruby class="p">行<rt>háng</rt></ruby>：多音字及所选读音</span>'
        '<span><ruby class="p odd">还<rt>huán</rt></ruby>：非常用读音</span>'
        '<span><ruby class="p steered">还<rt>huán</rt></ruby><span class="given">→环</span>'
        "：离线语音改用同音字</span></p>"
        f'<p class="counts">共 {c.sentences} 句，其中 {c.changed} 句有改写（{c.spans} 处）；'
        f"多音字 {c.polyphones} 个，离线语音引导 {c.steered} 个；读音修正 {c.fixes} 处。</p>"
        + (f'<h2>本期读音修正</h2><ul class="fixes">{fixes}</ul>' if fixes else "")
        + f'<nav><ol>{"".join(nav)}</ol></nav></header><main>{"".join(sections)}</main>'
        "</body></html>\n"
    )
    return Review(html, counts)


def write_review(ctx, result) -> None:
    """Write ``audio/spoken.html`` for the build and record it in the audio output's record.

    Written after the narration, atomically, with the engine the narration used; not written
    when no engine could be set up (the build already says why).
    """
    from ...fsutil import atomic_write_text, file_record
    from . import engines
    from .engines.base import EngineError

    if not result.record:
        return
    try:
        engine = engines.create(ctx.issue.audio, ctx.options)
    except EngineError:
        return
    review = render_review(ctx.issue, engine)
    path = ctx.out_dir / "audio" / FILE_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, review.html)
    result.record["review"] = {**file_record(path, ctx.out_dir), "counts": review.counts.record()}
    c = review.counts
    result.summary.append(f"朗读校对页：{c.sentences} 句，改写 {c.spans} 处，多音字 {c.polyphones} 个"
                          f"（引导 {c.steered} 个）→ {path}")
