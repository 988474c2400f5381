"""Steering libespeak-ng's Mandarin voice to the reading each polyphone's phrase needs.

espeak's cmn dictionary reads many polyphonic characters with one reading whatever the phrase
(还款 as hái kuǎn, 调处 as diào chǔ, the surname 曾 as céng). ``steer`` finds, in espeak's own
phonemes for the text, how it reads every polyphonic character, compares that with the
reading ``polyphones.readings`` chose from the phrase dictionary, and where they differ puts
in a homophone: a character with only that one reading, which espeak reads as wanted (还款 ->
环款). One character for one, so offsets, word marks and subtitles are unchanged.

Everything here is derived from the installed espeak and pypinyin (``syllable_table``), so a
new version of either is picked up; both versions are part of the offline cache key.
"""

from __future__ import annotations

import functools
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, replace

from pypinyin.phrases_dict import phrases_dict
from pypinyin.pinyin_dict import pinyin_dict

from .. import polyphones
from ..polyphones import Reading, numbered

STEER_REVISION = 1  # bump when the way steering chooses changes (part of the cache key)

_SYLLABLE_CHAR = re.compile(r"[\u3007\u3400-\u9fff\uf900-\ufaff]")  # one syllable each (〇 too)
_TONE = re.compile(r"\d+")
CONTOURS = {"1": "55", "2": "35", "3": "214", "4": "51", "5": "11"}  # espeak's cmn tones


def _clean(mnemonics: str) -> list[str]:
    """espeak's mnemonic output as words without stress marks and pause/word-end codes."""
    text = re.sub(r"_[!:|^]*", " ", mnemonics.replace("'", "").replace(",", ""))
    return text.split()


def _toneless(form: str) -> str:
    return _TONE.sub("", form)


@dataclass(frozen=True)
class SyllableTable:
    form: dict[str, str]  # numbered pinyin -> espeak's form of it (stress marks removed)
    homophone: dict[str, str]  # numbered pinyin -> a one-reading character espeak reads so
    known: frozenset[str]  # every one-syllable form espeak gave a character (for splitting)


@functools.lru_cache(maxsize=1)
def syllable_table(espeak) -> SyllableTable:
    """Learnt from espeak itself: how it reads every character that has a single reading.

    The form most of a syllable's characters get is espeak's form of that syllable; its
    homophone is the most common of those characters (commonness: how many dictionary
    phrases hold it), never a polyphone.
    """
    in_phrases: Counter[str] = Counter()
    for phrase in phrases_dict:
        in_phrases.update(phrase)
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    read_as: dict[str, str] = {}
    shapes: set[str] = set()
    chars_of: dict[str, list[str]] = defaultdict(list)
    for code, entry in pinyin_dict.items():
        if not 0x4E00 <= code <= 0x9FFF:
            continue
        char = chr(code)
        words = _clean(espeak.clause_phonemes(char)[0][2])
        if len(words) != 1:
            continue
        shapes.add(words[0])
        if "," in entry:
            continue  # a polyphone: its form tells nothing about one syllable
        syllable = numbered(entry)
        votes[syllable][words[0]] += 1
        chars_of[syllable].append(char)
        read_as[char] = words[0]
    form, homophone = {}, {}
    for syllable, counter in votes.items():
        best, n = counter.most_common(1)[0]
        if n < 2 or n * 2 < sum(counter.values()):
            continue  # no clear form: espeak's reading of this syllable is not known
        form[syllable] = best
        candidates = [c for c in chars_of[syllable] if read_as[c] == best]
        if candidates:
            homophone[syllable] = max(candidates, key=lambda c: (in_phrases[c], -ord(c)))
    # Syllables with too few one-reading characters to vote (da4, quan1): espeak's form of
    # the same syllable in another tone, with this tone's contour.
    by_base: dict[str, str] = {}
    for syllable, shape in sorted(form.items()):
        by_base.setdefault(syllable[:-1], shape)
    for entry in pinyin_dict.values():
        for reading in entry.split(","):
            syllable = numbered(reading)
            if syllable and syllable not in form and syllable[:-1] in by_base:
                form[syllable] = _TONE.sub(CONTOURS[syllable[-1]], by_base[syllable[:-1]])
    # Every syllable espeak gave a character, in each tone (a syllable's tone changes in
    # context: neutral in compounds, the words' own readings).
    known = {_TONE.sub(tone, f) for f in shapes for tone in CONTOURS.values()}
    return SyllableTable(form, homophone, frozenset(known))


def _split_word(word: str, known: frozenset[str]) -> list[str] | None:
    """One espeak word as its syllables, preferring the fewest syllables."""
    # Fewest syllables up to each end, and where its last syllable starts (the first such
    # start on a tie).
    count: dict[int, int] = {0: 0}
    last: dict[int, int] = {}
    for end in range(1, len(word) + 1):
        for start in range(max(0, end - 12), end):
            if start in count and word[start:end] in known and (
                    end not in count or count[start] + 1 < count[end]):
                count[end], last[end] = count[start] + 1, start
    if len(word) not in count:
        return None
    out, end = [], len(word)
    while end:
        out.append(word[last[end]:end])
        end = last[end]
    return out[::-1]


def _syllables(espeak, text: str, known: frozenset[str]) -> list[str] | None:
    syllables: list[str] = []
    for _, _, mnemonics in espeak.clause_phonemes(text):
        for word in _clean(mnemonics):
            split = _split_word(word, known)
            if split is None:
                return None
            syllables += split
    return syllables


def espeak_readings(espeak, text: str) -> dict[int, str]:
    """Offset of each character of ``text`` -> the form espeak reads it with.

    The whole text is tried first, then clause by clause (cut at punctuation); a stretch
    whose phonemes do not split into exactly one syllable per character is left out.
    """
    known = syllable_table(espeak).known
    out: dict[int, str] = {}
    whole = _syllables(espeak, text, known)
    offsets = [m.start() for m in _SYLLABLE_CHAR.finditer(text)]
    if whole is not None and len(whole) == len(offsets):
        return dict(zip(offsets, whole))
    stretches = [m.span() for m in re.finditer(r"[^，。！？；：、,.!?;:\s]+", text)]
    for start, end in stretches:
        offsets = [start + m.start() for m in _SYLLABLE_CHAR.finditer(text[start:end])]
        found = _syllables(espeak, text[start:end], known) if offsets else None
        if found is not None and len(found) == len(offsets):
            out.update(zip(offsets, found))
    return out


def agrees(table: SyllableTable, reading: Reading, heard: str | None) -> bool | None:
    """Does espeak's form ``heard`` say ``reading``? None when that cannot be told."""
    wanted = table.form.get(reading.pinyin)
    if heard is None:
        return None
    # A neutral tone (wanted, or espeak's in a compound such as 还是 hái shi): the syllable
    # is what matters.
    if reading.pinyin.endswith("5") or re.search(r"11[nN]?$", heard):
        base = [table.form.get(reading.pinyin[:-1] + t) for t in "12345"]
        return any(b is not None and _toneless(b) == _toneless(heard) for b in base)
    if wanted is None:
        return None
    return heard == wanted


@dataclass(frozen=True)
class Steer:
    reading: Reading
    heard: str | None  # espeak's own form, None when not known
    given: str  # the character given to espeak instead (the same one when not steered)

    @property
    def steered(self) -> bool:
        return self.given != self.reading.char


def steer(espeak, text: str) -> tuple[str, tuple[Steer, ...]]:
    """``text`` with each polyphone espeak would misread replaced by a homophone of its reading.

    Sentence by sentence, so a chunk of several sentences is steered exactly as the review
    page steers each of them.
    """
    pieces = [m for m in re.finditer(r"[^。！？；]+[。！？；]*|[。！？；]+", text)]
    if len(pieces) > 1:
        given, decisions = [], []
        for m in pieces:
            piece, found = _steer_sentence(espeak, m[0])
            given.append(piece)
            decisions += [Steer(replace(d.reading, index=d.reading.index + m.start()), d.heard, d.given)
                          for d in found]
        return "".join(given), tuple(decisions)
    return _steer_sentence(espeak, text)


def _steer_sentence(espeak, text: str) -> tuple[str, tuple[Steer, ...]]:
    table = syllable_table(espeak)
    found = polyphones.readings(text)
    if not found:
        return text, ()
    heard = espeak_readings(espeak, text)
    chars = list(text)
    decisions = []
    for reading in found:
        own = heard.get(reading.index)
        if own is None:  # clause not aligned: judge by how espeak reads the character alone
            words = _clean(espeak.clause_phonemes(reading.char)[0][2])
            own = words[0] if len(words) == 1 else None
        given = reading.char
        if agrees(table, reading, own) is False and reading.pinyin in table.homophone:
            given = table.homophone[reading.pinyin]
            chars[reading.index] = given
        decisions.append(Steer(reading, own, given))
    return "".join(chars), tuple(decisions)


def revision(espeak_version: str) -> str:
    return f"{polyphones.revision()}, espeak {espeak_version}, steer {STEER_REVISION}"


@dataclass
class Agreement:
    """How many polyphone occurrences espeak reads as the phrase dictionary does."""

    occurrences: int = 0
    agree_unsteered: int = 0
    agree_steered: int = 0
    unknown: int = 0  # espeak's reading could not be told (unaligned, unknown syllable)
    steered: int = 0

    def rate(self, agree: int) -> float:
        return agree / self.occurrences if self.occurrences else 1.0


def measure(espeak, texts) -> tuple[Agreement, list[tuple[str, Reading, str | None]]]:
    """Agreement over every polyphone of ``texts`` (spoken forms), before and after steering;
    with the occurrences espeak still reads otherwise after steering."""
    table = syllable_table(espeak)
    result, wrong = Agreement(), []
    for text in texts:
        steered_text, decisions = steer(espeak, text)
        after = espeak_readings(espeak, steered_text) if decisions else {}
        for decision in decisions:
            result.occurrences += 1
            result.steered += decision.steered
            before = agrees(table, decision.reading, decision.heard)
            now = agrees(table, decision.reading, after.get(decision.reading.index))
            if before is None or now is None:
                result.unknown += 1
            result.agree_unsteered += before is True
            result.agree_steered += now is True
            if now is False:
                wrong.append((text, decision.reading, after.get(decision.reading.index)))
    return result, wrong
