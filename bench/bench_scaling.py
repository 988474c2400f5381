"""How the text algorithms grow with their input: 1x, 10x and 100x the base size.

Prints one table row per algorithm and size with the time (best of --repeat) and the growth
over the 1x row; near-linear means the 10x row is about 10 times the 1x one, the 100x row
about 100 times (a quadratic algorithm shows 100 and 10,000).

    .venv/bin/python bench/bench_scaling.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from issuepub.outputs.audio.chunking import split_sentence  # noqa: E402
from issuepub.outputs.audio.normalize import normalize  # noqa: E402
from issuepub.sources import check_issue  # noqa: E402
from issuepub.sources.markdown import join_lines  # noqa: E402
from issuepub.text import split_sentences  # noqa: E402

PHRASE = "基层党组织把服务做到居民家门口，"  # clause punctuation every 16 characters
UNPUNCTUATED = "党建联盟聚合力"


def _paragraph(n: int, unit: str) -> str:
    return (unit * (n // len(unit) + 1))[:n]


def chunk_long_sentence(n: int) -> Callable[[], object]:
    text = _paragraph(n, UNPUNCTUATED)  # no sentence end: cut between Han characters
    return lambda: split_sentence(text, 4096)


def sentences_and_normalise(n: int) -> Callable[[], object]:
    text = _paragraph(n, PHRASE)
    return lambda: [normalize(s) for s in split_sentences(text)]


def normalise_ascii_run(unit: str) -> Callable[[int], Callable[[], object]]:
    """A run of digits or letters with no space or Chinese in it (a pasted code, a table)."""
    def make(n: int) -> Callable[[], object]:
        text = "编号" + _paragraph(n, unit) + "。"
        return lambda: normalize(text)
    return make


def join_paragraph_lines(n: int) -> Callable[[], object]:
    lines = ["社区把议事桌搬进楼道居民有事当面商量"] * n
    return lambda: join_lines(lines)


def import_joined_lines(n: int) -> Callable[[], object]:
    from support.importer_sample import long_paragraph_raw  # noqa: PLC0415
    from issuepub.importer import analyse_text  # noqa: PLC0415

    raw = long_paragraph_raw(n)
    return lambda: analyse_text(raw)


def check_columns(n: int) -> Callable[[], object]:
    folder = Path(tempfile.mkdtemp(prefix="bench-scaling-"))
    head = (ROOT / "examples" / "tjzbsh-2025-03a" / "issue.toml").read_text(encoding="utf-8")
    head = head[: head.index("[[columns]]")].replace('cover = "cover.png"\n', "")
    (folder / "a").mkdir()
    parts = [head]
    for i in range(n):
        (folder / "a" / f"a{i}.md").write_text(f"---\ntitle: 标题{i}\n---\n\n正文。\n", encoding="utf-8")
        parts.append(f'[[columns]]\nname = "栏目{i}"\narticles = ["a/a{i}.md"]\n\n')
    (folder / "issue.toml").write_text("".join(parts), encoding="utf-8")

    def run():
        issue, problems = check_issue(folder)
        assert issue is not None, problems[:3]
    return run


BENCHES = [
    ("chunking: one unpunctuated sentence (characters)", chunk_long_sentence, 10_000),
    ("sentence split + normalise (characters)", sentences_and_normalise, 10_000),
    ("normalise: one run of digits (characters)", normalise_ascii_run("1"), 1_000),
    ("normalise: one run of letters and digits (characters)", normalise_ascii_run("a1"), 1_000),
    ("source paragraph line joining (lines)", join_paragraph_lines, 40_000),
    ("import: one paragraph cut into lines (lines)", import_joined_lines, 400),
    ("check: issue.toml columns (columns)", check_columns, 100),
]


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()  # garbage of the previous row is not charged to this one
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print("| algorithm | size | n | time | growth over 1x |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, make, base in BENCHES:
        first = None
        for factor in (1, 10, 100):
            n = base * factor
            seconds = best(make(n), args.repeat)
            first = first or seconds
            print(f"| {name} | {factor}x | {n:,} | {seconds:.4f} s | {seconds / first:.1f}x |", flush=True)


if __name__ == "__main__":
    main()
