"""Polyphones of the real issue (shared/corpus): how often libespeak-ng reads them as the phrase
dictionary does, on its own and steered (``engines/offline_polyphones.py``). Prints a table; the
test tests/test_polyphones.py asserts the same measurement.

    .venv/bin/python bench/bench_polyphones.py
"""

from __future__ import annotations

import argparse
import collections
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / ".." / "shared" / "corpus" / "tjzbsh-2024-11b.txt"
sys.path.insert(0, str(ROOT / "src"))

import pypinyin  # noqa: E402

from issuepub.importer import import_issue_text  # noqa: E402
from issuepub.outputs.audio import engines  # noqa: E402
from issuepub.outputs.audio.engines import offline_polyphones as op  # noqa: E402
from issuepub.outputs.audio.engines.offline import Espeak, OfflineEngine  # noqa: E402
from issuepub.outputs.audio.normalize import normalize  # noqa: E402
from issuepub.outputs.audio.review import render_review  # noqa: E402
from issuepub.outputs.audio.script import speakable_text  # noqa: E402
from issuepub.outputs.base import BuildOptions  # noqa: E402
from issuepub.sources import load_issue  # noqa: E402
from issuepub.text import split_sentences  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args()
    if not args.corpus.is_file():
        print(f"corpus not found: {args.corpus}")
        return 1
    espeak = Espeak.get()
    started = time.perf_counter()
    op.syllable_table(espeak)
    table_seconds = time.perf_counter() - started
    lines = [line.strip() for line in args.corpus.read_text(encoding="utf-8").splitlines()]
    texts = [normalize(speakable_text(s), latin=OfflineEngine.latin)
             for line in lines if line for s in split_sentences(line)]
    started = time.perf_counter()
    for text in texts:  # what a build of the whole issue adds in its main process
        op.steer(espeak, text)
    steer_seconds = time.perf_counter() - started
    started = time.perf_counter()
    result, wrong = op.measure(espeak, texts)
    seconds = time.perf_counter() - started
    n = result.occurrences
    print(f"libespeak-ng {espeak.version}, pypinyin {pypinyin.__version__}, {len(texts)} sentences")
    print()
    print("| measure | result |")
    print("| --- | ---: |")
    print(f"| polyphone occurrences | {n} |")
    print(f"| read as the dictionary, espeak alone | {result.agree_unsteered} ({result.rate(result.agree_unsteered):.2%}) |")
    print(f"| read as the dictionary, steered | {result.agree_steered} ({result.rate(result.agree_steered):.2%}) |")
    print(f"| occurrences steered (homophone given) | {result.steered} |")
    print(f"| reading not measurable (no syllable split) | {result.unknown} |")
    print(f"| syllable table learnt from espeak | {table_seconds:.2f} s |")
    print(f"| steering every sentence of the issue | {steer_seconds:.2f} s |")
    print(f"| measuring (steering again, reading back) | {seconds:.2f} s |")
    with tempfile.TemporaryDirectory() as tmp:
        import_issue_text(args.corpus, Path(tmp) / "issue")
        issue = load_issue(Path(tmp) / "issue")
        engine = engines.create(issue.audio, BuildOptions(tts="offline"))
        started = time.perf_counter()
        review = render_review(issue, engine)
        review_seconds = time.perf_counter() - started
    print(f"| review page of the issue (spoken.html, {len(review.html.encode()) // 1024} KB) "
          f"| {review_seconds:.2f} s |")
    left = collections.Counter(f"{r.char} {r.pinyin} (espeak {h})" for _, r, h in wrong)
    if left:
        print()
        print("still read otherwise:", "; ".join(f"{k} x{v}" for k, v in left.most_common(10)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
