"""How much of a long clause without punctuation libespeak-ng 1.52 speaks, with and without
the comma the offline engine puts into runs over ``MAX_CLAUSE_CHARS`` characters.

Prints, for each clause length, the characters the word marks reach and the audio's length.
Without the comma, espeak 1.52 stops after about 200 characters of a clause, or leaves a stretch
out of a longer one (the audio is shorter than the text needs; the README's Narration section
quotes this table).

    .venv/bin/python bench/bench_espeak_clause.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from issuepub.outputs.audio.engines import offline  # noqa: E402

# Characters of ordinary news text, no punctuation; repeated to each length.
TEXT = "村党组织书记带领党员群众发展特色产业改善人居环境提升基层治理水平推动乡村全面振兴"


def spoken(espeak: offline.Espeak, text: str) -> tuple[int, float]:
    pcm, marks, _ = espeak.synthesize(text)
    return max((m.end_char for m in marks), default=0), len(pcm) / 2 / espeak.sample_rate


def main() -> None:
    espeak = offline.Espeak.get()
    print(f"libespeak-ng {espeak.version}; comma put in after {offline.MAX_CLAUSE_CHARS} characters")
    print(f"{'clause':>7}  {'marks reach (as given)':>23}  {'audio':>7}  {'marks reach (with comma)':>25}  {'audio':>7}")
    limit = offline.MAX_CLAUSE_CHARS
    for length in (100, 150, 199, 200, 220, 250, 300, 400):
        text = (TEXT * (length // len(TEXT) + 1))[:length]
        offline.MAX_CLAUSE_CHARS = 10**9
        bare, bare_s = spoken(espeak, text)
        offline.MAX_CLAUSE_CHARS = limit
        fixed, fixed_s = spoken(espeak, text)
        print(f"{length:>7}  {bare:>23}  {bare_s:>6.1f}s  {fixed:>25}  {fixed_s:>6.1f}s")


if __name__ == "__main__":
    main()
