"""Import speed on the real issue (shared/corpus): the pure analysis alone, and the whole
``issuepub import`` (analysis, writing the folder, the loader's check, the report). Prints a
table; no thresholds are asserted.

    .venv/bin/python bench/bench_import.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / ".." / "shared" / "corpus" / "tjzbsh-2024-11b.txt"
sys.path.insert(0, str(ROOT / "src"))

from issuepub.importer import analyse_text, import_issue_text  # noqa: E402


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args()
    if not args.corpus.is_file():
        print(f"corpus not found: {args.corpus}")
        return 1
    text = args.corpus.read_text(encoding="utf-8")
    lines = text.count("\n") + 1
    start = time.perf_counter()
    issue = analyse_text(text, source_name=args.corpus.name)
    cold = time.perf_counter() - start
    print(f"corpus: {args.corpus.name}, {lines} lines, {len(text)} characters -> "
          f"{len(issue.columns)} columns, {len(issue.articles)} articles")
    analysis = timed(lambda: analyse_text(text, source_name=args.corpus.name), args.repeat)
    with tempfile.TemporaryDirectory() as tmp:
        counter = iter(range(10**6))
        full = timed(lambda: import_issue_text(args.corpus, Path(tmp) / f"out{next(counter)}"), args.repeat)
    print(f"{'step':<40}{'min':>10}{'median':>10}{'max':>10}")
    for name, values in (("first analysis (cold caches)", [cold]),
                         ("analysis (pure)", analysis),
                         ("full import (write + check + report)", full)):
        print(f"{name:<40}{min(values) * 1000:>8.1f}ms{statistics.median(values) * 1000:>8.1f}ms"
              f"{max(values) * 1000:>8.1f}ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
