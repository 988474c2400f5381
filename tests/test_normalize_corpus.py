"""Every digit string of the real issue (tjzbsh-2024-11b) is read by a rule this test names.

The issue is imported from its PDF text, loaded like any issue, and narrated through the real
script (what the voice is given); the masthead's lines (phone, postcode, licence numbers…) are
normalised as well, though they are not narrated, since they are the issue's only codes. The
test decides the kind of each digit string from its printed context alone (a year before 年, a
count before a measure word, a code after 电话…), computes the reading of that kind with the
number primitives (checked against literal tables in test_normalize.py), and requires the
readings to appear in the spoken text in printed order, and the other reading of the same digits
(a code read as an amount, an amount read digit by digit) not at all. A digit string of a kind
not listed here fails the test: a new kind needs a rule named for it.
"""

from __future__ import annotations

import re

import pytest

from issuepub.importer import import_issue_text
from issuepub.outputs.audio.normalize import cardinal, decimal, digits, normalize
from issuepub.outputs.audio.script import article_script
from issuepub.sources import load_issue
from issuepub.text import HAN

# Measure words and units the issue's counts stand before (a count, a duration, an amount).
MEASURE = (
    "平方公里|公里|分钟|小时|延米|世纪|周年|个|家|项|批|种|年|周|天|名|位|人|场|次|户|件|期|栋|米|元|"
    "万|亿|座|处|条|篇|辆|亩|强|笔|份|张|轮|面|类|余|多|来|村|倍"
)
TWO_AS_LIANG = "个家名位场笔座处条张份米种辆人项件批"


def _num(text: str) -> str:
    return decimal(text) if "." in text else cardinal(int(text))


def _count(m: re.Match) -> str:
    n, unit = m["n"], m["unit"]
    return "两" if n == "2" and unit[0] in TWO_AS_LIANG else cardinal(int(n))


# (kind, pattern, reading, the other reading that would be wrong, or None). First match wins;
# each pattern names the digits it reads as group "n" (or the whole match).
KINDS = [
    ("phone", r"(?P<n>0\d{2,3}-\d{7,8})",
     lambda m: "，".join(digits(p) for p in m["n"].split("-")), lambda m: None),
    ("code with a hyphen (ISSN, CN, 邮发代号)", r"(?:(?<=ISSN )|(?<=CN )|(?<=代号 ))(?P<n>\d+-\d+)",
     lambda m: "杠".join(digits(p) for p in m["n"].split("-")), lambda m: None),
    ("long code (licence, postcode)", r"(?<![\d.])(?P<n>\d{6,})(?![\d.])",
     lambda m: digits(m["n"]), lambda m: cardinal(int(m["n"]))),
    ("e-mail address", r"(?<=@)(?P<n>\d+)(?=\.)", lambda m: digits(m["n"]), lambda m: None),
    ("year", r"(?<![\d.])(?P<n>\d{4})(?=年| ?[A-Za-z])",
     lambda m: digits(m["n"], year=True), lambda m: cardinal(int(m["n"]))),
    ("month or day", r"(?<![\d.])(?P<n>\d{1,2})(?=[月日])", lambda m: cardinal(int(m["n"])), lambda m: None),
    ("percentage", r"(?P<n>\d+(?:\.\d+)?)%",
     lambda m: "百分之" + ("百" if m["n"] == "100" else _num(m["n"])), lambda m: None),
    ("middle-dot date", r"(?P<n>(?P<a>\d{1,2})·(?P<b>\d{1,2}))",
     lambda m: digits(m["a"]) + digits(m["b"]), lambda m: cardinal(int(m["a"])) if len(m["a"]) > 1 else None),
    ("price in whole yuan (8.00元)", r"(?P<n>\d+)\.00(?=元)", lambda m: cardinal(int(m["n"])) + "元",
     lambda m: decimal(m[0])),
    ("decimal", r"(?P<n>\d+\.\d+)", lambda m: decimal(m["n"]), lambda m: None),
    ("generation (90后)", r"(?P<n>\d0)(?=后)", lambda m: digits(m["n"][0]) + "零", lambda m: cardinal(int(m["n"]))),
    ("range before a measure word", rf"(?P<n>(?P<a>\d+)-(?P<b>\d+))(?=[{HAN}])",
     lambda m: cardinal(int(m["a"])) + "到" + cardinal(int(m["b"])), lambda m: None),
    ("grade or model name (5A, V1)", r"(?P<n>\d+)(?=[A-Za-z])|(?<=[A-Za-z])(?P<m>\d+)",
     lambda m: digits(m["n"] or m["m"]), lambda m: None),
    ("formula (1+6+N, 1+1>2, “5”即)", r"(?P<n>\d+)(?=[+>”])|(?<=[+>])(?P<m>\d+)",
     lambda m: cardinal(int(m["n"] or m["m"])), lambda m: None),
    ("house number (56号, 8号院)", r"(?P<n>\d+)(?=号)", lambda m: cardinal(int(m["n"])), lambda m: None),
    ("amount per month (99元/月)", r"(?P<n>\d+)(?=元/)", lambda m: cardinal(int(m["n"])), lambda m: None),
    ("clock hour (早上7点)", r"(?:(?<=早上)|(?<=上午)|(?<=下午)|(?<=晚上))(?P<n>\d{1,2})(?=点)",
     lambda m: cardinal(int(m["n"])), lambda m: None),
    ("count before a measure word", rf"(?<![\d.])(?P<n>\d+)\s*(?P<unit>{MEASURE})", _count,
     lambda m: digits(m["n"]) if len(m["n"]) > 1 else None),
]


def _readings(printed: str) -> list[tuple[str, str, str | None, str]]:
    """(kind, reading, wrong reading, printed digits) of every digit string, in printed order."""
    matches = [(kind, reading, wrong, list(re.finditer(pattern, printed)))
               for kind, pattern, reading, wrong in KINDS]
    found, at = [], 0
    while m := re.compile(r"\d").search(printed, at):
        start = m.start()
        hit = next(((kind, reading(km), wrong(km), km[0], km.end())
                    for kind, reading, wrong, kms in matches for km in kms
                    if km.start() <= start < km.end()), None)
        if hit is None:
            end = re.compile(r"\d+").match(printed, start).end()
            found.append(("unclassified", "", None, printed[max(0, start - 6):end + 6]))
            at = end
            continue
        found.append(hit[:4])
        at = hit[4]
    return found


@pytest.fixture(scope="module")
def corpus_sentences(corpus_path, tmp_path_factory) -> list[tuple[str, str]]:
    """(printed, spoken) of every narrated sentence of the real issue, then the masthead lines."""
    out = tmp_path_factory.mktemp("digits") / "tjzbsh-2024-11b"
    import_issue_text(corpus_path, out)
    issue = load_issue(out)
    pairs = [(s.text, s.spoken) for a in issue.articles if a.narrate
             for unit in article_script(a, pronunciations=issue.audio.pronunciations) for s in unit.sentences]
    colophon = list(issue.colophon.masthead) + [issue.colophon.price]
    return pairs + [(line, normalize(line)) for line in colophon]


def test_every_digit_string_of_the_real_issue_is_read_by_a_named_rule(corpus_sentences):
    kinds: dict[str, int] = {}
    wrong = []
    for printed, spoken in corpus_sentences:
        pos = 0
        for kind, reading, other, what in _readings(printed):
            kinds[kind] = kinds.get(kind, 0) + 1
            if kind == "unclassified":
                wrong.append(f"no rule names “{what}” in {printed!r}")
                continue
            k = spoken.find(reading, pos)
            if k < 0:
                wrong.append(f"{kind}: “{what}” should be read {reading} in {printed!r} -> {spoken!r}")
                continue
            pos = k + len(reading)
            if other and other != reading and other in spoken:
                wrong.append(f"{kind}: “{what}” is read {other} in {printed!r} -> {spoken!r}")
        assert not re.search(r"\d", spoken), (printed, spoken)
    assert not wrong, "\n".join(wrong)
    # The kinds the issue has, each found: a change to the corpus's reading or to this
    # classifier that loses a kind shows here.
    expected = {kind for kind, _, _, _ in KINDS}
    assert set(kinds) == expected, sorted(set(kinds) ^ expected)
    assert sum(kinds.values()) >= 350  # 360 digit strings on 2026-12-01
    print("\n".join(f"{n:4d}  {kind}" for kind, n in sorted(kinds.items(), key=lambda kv: -kv[1])))


@pytest.mark.parametrize("printed, kinds", [
    ("编辑部电话 022-23020102", ["phone"]),
    ("2023年11月，共有16个网格", ["year", "month or day", "count before a measure word"]),
    ("邮政编码 300210", ["long code (licence, postcode)"]),
    ("同比增长5.89%", ["percentage"]),
    ("近半数“90后”", ["generation (90后)"]),
    ("约3成", ["unclassified"]),
])
def test_the_classifier_names_what_it_reads(printed, kinds):
    assert [k for k, _, _, _ in _readings(printed)] == kinds


def test_the_real_issues_symbols_are_read_as_the_symbol_table_says(corpus_path, corpus_sentences):
    # Which of the symbols of test_normalize.SYMBOL_CASES the real issue holds: in its PDF text
    # the end marks ✎ and ■ (and ■ as the contents' column marker); no emoji, list numbers in
    # one character, ℃, ‰, arrows or ©. The importer keeps the marks out of the articles;
    # the normaliser drops them from any line that has them, with no pause left behind.
    import regex

    symbols = regex.compile(r"[\p{Extended_Pictographic}■●▲★※→℃‰①-⒇㈠-㈩✎]")
    raw = corpus_path.read_text(encoding="utf-8")
    found = sorted({m[0] for m in symbols.finditer(raw)})
    assert found == ["■", "✎"], found
    marked = [line for line in raw.split("\n") if symbols.search(line)]
    assert len(marked) >= 30  # 21 ✎ and 18 ■ on 2026-12-01
    for line in marked:
        spoken = normalize(line)
        assert not symbols.search(spoken), (line, spoken)
        assert "，，" not in spoken and not spoken.endswith("，") and not spoken.startswith("，"), (line, spoken)
    for printed, spoken in corpus_sentences:
        assert not symbols.search(printed) and not symbols.search(spoken), printed
