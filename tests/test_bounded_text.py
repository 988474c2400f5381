"""Bounded work in the normaliser: no pass ever scans a long run of digits, letters or spaces.

Many of the normaliser's patterns start a match at every position of such a run and read on
to its end, so their cost is the square of the run's length (a 20,000-digit run took 156 s).
The normaliser cuts runs before those passes; these tests watch what the passes are given
(the growth itself is printed by bench/bench_scaling.py, not timed here).
"""

from __future__ import annotations

import re
import types

import pytest

from issuepub.outputs.audio import normalize as normalize_module
from issuepub.outputs.audio.normalize import normalize

_ASCII_RUN = re.compile(r"[!-~]+")
_SPACE_RUN = re.compile(r"\s+")


@pytest.fixture
def longest_runs(monkeypatch) -> dict[str, int]:
    """The longest visible-ASCII and whitespace runs in any text a ``re.sub`` pass is given."""
    seen = {"ascii": 0, "space": 0}

    def sub(pattern, repl, string, count=0, flags=0):
        seen["ascii"] = max([seen["ascii"], *map(len, _ASCII_RUN.findall(string))])
        seen["space"] = max([seen["space"], *map(len, _SPACE_RUN.findall(string))])
        return re.sub(pattern, repl, string, count=count, flags=flags)

    spy = types.SimpleNamespace(**{name: getattr(re, name) for name in dir(re) if not name.startswith("__")})
    spy.sub = sub
    monkeypatch.setattr(normalize_module, "re", spy)
    return seen


@pytest.mark.parametrize("run", ["1" * 20_000, "a" * 20_000, "a1" * 10_000, "1." * 10_000,
                                 "www.a-b." * 2_500], ids=["digits", "letters", "mixed", "dots", "address"])
def test_long_ascii_runs_reach_the_passes_in_bounded_pieces(run: str, longest_runs):
    spoken = normalize("这里有" + run + "的字样。")
    assert spoken.startswith("这里有") and spoken.endswith("的字样。")
    assert 0 < longest_runs["ascii"] <= normalize_module._MAX_RUN + 1


def test_a_long_run_of_spaces_reaches_the_passes_as_one(longest_runs):
    spoken = normalize("1" + " " * 20_000 + "x")
    assert longest_runs["space"] <= 1
    assert spoken == normalize("1 x")


def test_pieces_read_as_the_whole_run_would():
    # A run of digits longer than a piece is read digit by digit either way.
    run = "7" * 450
    assert normalize("编号" + run + "。") == "编号" + "七" * 450 + "。"
    # Text with short runs is not cut at all: a real address is read as one.
    assert normalize("网址是 https://www.gov.cn/zhengce/2024-11/15/content_6987654.htm 。") == \
        normalize("网址是 https://www.gov.cn/zhengce/2024-11/15/content_6987654.htm 。".replace("  ", " "))
