"""Which reading each polyphonic character needs in its phrase (还款 huán, 银行 háng).

Pure functions over pypinyin's phrase dictionary, with the project's own fixes for phrases
the dictionary gets wrong for news text (``PHRASE_FIXES``: 还款 is huán kuǎn, not hái). The
offline engine uses the readings to steer libespeak-ng; the review page shows them to editors.
Readings are numbered pinyin (``huan2``; 5 is the neutral tone).
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

import pypinyin
from pypinyin import Style
from pypinyin.contrib.tone_convert import to_tone, to_tone3
from pypinyin.phrases_dict import phrases_dict

# Phrases whose reading pypinyin 0.55 gives differently from how a news reader says them (tone
# marks, one syllable per character). Their digest is part of the offline engine's cache key
# (``revision``), so a changed reading is synthesised again.
PHRASE_FIXES: dict[str, str] = {
    "还款": "huán kuǎn", "还贷": "huán dài", "还债": "huán zhài", "还钱": "huán qián",
    "偿还": "cháng huán", "归还": "guī huán", "还清": "huán qīng", "退还": "tuì huán",
    "为人民": "wèi rén mín", "为群众": "wèi qún zhòng", "为民": "wèi mín", "为企业": "wèi qǐ yè",
    "为人民服务": "wèi rén mín fú wù", "为了": "wèi le", "为此": "wèi cǐ",
    "重装": "chóng zhuāng", "重装上阵": "chóng zhuāng shàng zhèn", "重建": "chóng jiàn",
    "重启": "chóng qǐ", "重塑": "chóng sù", "重温": "chóng wēn",
    "调处": "tiáo chǔ", "调解": "tiáo jiě", "调处纠纷": "tiáo chǔ jiū fēn",
    "曾先生": "zēng xiān sheng", "曾女士": "zēng nǚ shì", "曾书记": "zēng shū jì",
    "曾主任": "zēng zhǔ rèn", "曾老师": "zēng lǎo shī", "曾同志": "zēng tóng zhì",
    "曾大爷": "zēng dà ye", "曾阿姨": "zēng ā yí", "老曾": "lǎo zēng", "小曾": "xiǎo zēng",
    "姓曾": "xìng zēng", "曾国藩": "zēng guó fān",
    "行长": "háng zhǎng", "处长": "chù zhǎng", "着力": "zhuó lì", "着眼": "zhuó yǎn",
    "着手": "zhuó shǒu", "着重": "zhuó zhòng",
}

# Read by tone-sandhi rules the voice applies itself (一个 yí gè, 不是 bú shì): not steered.
SANDHI = frozenset("一不")


@dataclass(frozen=True)
class Reading:
    """One polyphonic character of a text and the reading its phrase needs."""

    index: int  # offset in the text
    char: str
    pinyin: str  # numbered: huan2, de5
    choices: tuple[str, ...]  # every reading the dictionary knows for the character

    @property
    def marked(self) -> str:
        """The reading with its tone mark (huán), as editors read pinyin."""
        return to_tone(self.pinyin)


@functools.lru_cache(maxsize=None)
def numbered(syllable: str) -> str:
    return to_tone3(syllable, neutral_tone_with_five=True)


# A reading counts when at least this many dictionary phrases use it: pypinyin's character
# table also lists rare and historical readings (是 tí, 春 chǔn) no news text needs.
MIN_PHRASES = 3


@functools.lru_cache(maxsize=1)
def _attested() -> dict[str, tuple[str, ...]]:
    """Character -> its readings in use (full tones, most used first), for polyphones only."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for phrase, syllables in phrases_dict.items():
        for char, options in zip(phrase, syllables):
            counts[char][numbered(options[0])] += 1
    for phrase, reading in PHRASE_FIXES.items():
        for char, syllable in zip(phrase, reading.split()):
            counts[char][numbered(syllable)] += MIN_PHRASES
    out = {}
    for char, counter in counts.items():
        used = [r for r, n in counter.most_common() if n >= MIN_PHRASES and not r.endswith("5")]
        if len(used) > 1 and char not in SANDHI:
            out[char] = tuple(used)
    return out


def choices(char: str) -> tuple[str, ...]:
    """The character's readings in use (numbered, most used first), or () for one reading."""
    return _attested().get(char, ())


def is_polyphone(char: str) -> bool:
    return bool(choices(char))


@functools.lru_cache(maxsize=1)
def _load_fixes() -> None:
    # pypinyin keeps one global phrase table; the fixes are added to it once per process.
    pypinyin.load_phrases_dict({phrase: [[s] for s in reading.split()]
                                for phrase, reading in PHRASE_FIXES.items()})


def revision() -> str:
    """What decides the readings, for cache keys: pypinyin's version and the fixes' content
    (a digest, so an edited fix re-synthesises what it changes without a manual bump)."""
    fixes = json.dumps(sorted(PHRASE_FIXES.items()), ensure_ascii=False)
    return f"pypinyin {pypinyin.__version__}, fixes {hashlib.sha256(fixes.encode()).hexdigest()[:16]}"


_HAN_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")


@functools.lru_cache(maxsize=4096)
def readings(text: str) -> tuple[Reading, ...]:
    """Every polyphonic character of ``text`` with the reading its phrase needs."""
    _load_fixes()
    out: list[Reading] = []
    for run in _HAN_RUN.finditer(text):
        if not any(choices(char) for char in run[0]):
            continue  # nothing to read differently; pypinyin is the costly part of steering
        # Tone marks, numbered only for the polyphones: converting every character to TONE3
        # took half of pypinyin's time.
        syllables = pypinyin.lazy_pinyin(run[0], style=Style.TONE,
                                         errors=lambda chars: ["?"] * len(chars))
        for offset, (char, syllable) in enumerate(zip(run[0], syllables)):
            options = choices(char)
            if options and syllable != "?":
                out.append(Reading(run.start() + offset, char, numbered(syllable), options))
    return tuple(out)
