"""The offline voice reads the whole real issue as Mandarin, by libespeak-ng's own account.

"Reads as Mandarin" is checked on exactly the text the offline engine hands to espeak
(``normalize`` in spell mode, then ``respell``), line by line over the whole corpus:

1. no ASCII letter or digit is left (nothing for espeak to spell or read as a number in
   another language);
2. espeak_TextToPhonemes (IPA) of every plain-text stretch contains no language switch:
   espeak writes "(en)" before a word it reads with another language's rules and "(cmn)"
   when it comes back, so any "(xx)" marker means a fallback;
3. every distinct character is read as exactly one syllable (one stress mark): this catches
   characters read out as their code point or spelled (e.g. 𠀀 -> 二零零零零);
4. the stretches given as phonemes ([[…]], for syllables espeak's dictionary lacks) are the
   engine's Mandarin table, and synthesising them yields no language switch either.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from issuepub.outputs.audio.engines.offline import RESPELLINGS, Espeak, OfflineEngine, respell
from issuepub.outputs.audio.normalize import normalize
from issuepub.outputs.audio.script import speakable_text

SWITCH = re.compile(r"\((?:[a-z]{2,3})(?:-[A-Za-z0-9-]+)?\)")
PHONEME_INPUT = re.compile(r"\[\[(.*?)\]\]")


def spoken_lines(corpus: Path) -> list[tuple[str, str]]:
    lines = [line.strip() for line in corpus.read_text(encoding="utf-8").splitlines()]
    return [(line, respell(normalize(speakable_text(line), latin=OfflineEngine.latin))[0])
            for line in lines if line]


def test_the_whole_issue_is_read_as_mandarin(corpus_path):
    espeak = Espeak.get()
    lines = spoken_lines(corpus_path)
    assert len(lines) > 700  # every non-empty line of the issue
    leftovers, switches, unknown_phonemes = [], [], []
    characters: set[str] = set()
    for printed, given in lines:
        plain = PHONEME_INPUT.sub("", given)
        if re.search(r"[A-Za-z0-9]", plain):
            leftovers.append((printed, given))
        characters.update(plain)
        for stretch in PHONEME_INPUT.split(given)[::2]:
            phonemes = espeak.phonemes(stretch) if stretch.strip() else ""
            if SWITCH.search(phonemes):
                switches.append((printed[:40], stretch[:40], phonemes[:120]))
        for phonemes in PHONEME_INPUT.findall(given):
            if f"[[{phonemes}]]" not in RESPELLINGS.values():
                unknown_phonemes.append(phonemes)
    assert not leftovers, leftovers[:5]
    assert not switches, switches[:5]
    assert not unknown_phonemes
    odd = []
    for char in sorted(characters):
        phonemes = espeak.phonemes(char)
        syllables = len(re.findall(r"[ˈˌ]", phonemes))
        is_han = bool(re.match(r"[\u3400-\u9fff〇]", char))
        if SWITCH.search(phonemes) or (is_han and syllables != 1) or (not is_han and syllables):
            odd.append((char, phonemes))
    assert not odd, odd[:10]
    assert len(characters) > 1500  # the check covered the issue's whole character set


def test_the_corpus_needs_the_respellings_it_gets(corpus_path):
    """The corpus does contain characters espeak would read in English without the table."""
    espeak = Espeak.get()
    text = corpus_path.read_text(encoding="utf-8")
    missing = sorted({c for c in text if c in RESPELLINGS and c not in "儿兒"})
    assert missing, "expected 雄/熊/穷… in the issue"
    assert all(SWITCH.search(espeak.phonemes(c)) for c in missing)


def test_respelled_syllables_are_synthesised_as_mandarin_phonemes():
    probe = Path(__file__).parent / "support" / "phoneme_events.py"
    proc = subprocess.run([sys.executable, str(probe), "英雄穷困，窘迫。大伙儿到哪儿去？"],
                          capture_output=True, text=True, check=True)
    names = json.loads(proc.stdout)
    assert names and not any(SWITCH.fullmatch(n) for n in names), names
    assert "S;" in names and "'ong" in names  # xiong from the table, as Mandarin phonemes
