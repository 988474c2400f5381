"""Pure text transforms shared by the outputs (no I/O here)."""

from __future__ import annotations

import re
import shlex
import unicodedata

# Chinese characters (CJK Extension A and the Unified Ideographs), for regex classes: [{HAN}].
HAN = r"\u3400-\u4dbf\u4e00-\u9fff"

# Sentence-final punctuation; closing quotes and brackets that follow stay with the sentence.
_SENTENCE_END = "。！？!?；;…"
_CLOSERS = "”’」』）)》〉】"
_SENTENCE_RE = re.compile(rf"[^{_SENTENCE_END}]*(?:[{_SENTENCE_END}]+[{_CLOSERS}]*|$)")


def split_sentences(text: str) -> list[str]:
    """Split a paragraph into sentences at 。！？；… keeping closing quotes attached.

    Every character of ``text`` ends up in exactly one sentence (joined back they give the
    input minus surrounding whitespace), so outputs can wrap sentences in markup safely.
    """
    text = text.strip()
    out: list[str] = []
    for m in _SENTENCE_RE.finditer(text):
        s = m.group(0)
        if not s:
            continue
        if out and not s.strip(_CLOSERS + " "):
            out[-1] += s
        elif s.strip():
            out.append(s)
        elif out:
            out[-1] += s
    return out


def is_sentence_final(text: str) -> bool:
    """True when text ends a sentence (used to join paragraphs split by page breaks)."""
    t = text.rstrip().rstrip(_CLOSERS)
    return bool(t) and t[-1] in _SENTENCE_END + ".:：✎■"


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


# Characters a POSIX shell takes literally in a word; \w without re.ASCII keeps Chinese names
# unquoted (build/期刊) while spaces, quotes and full-width brackets are quoted.
_SHELL_SAFE = re.compile(r"[\w@%+=:,./-]+")


def shell_word(value: object) -> str:
    """``value`` as one word of a suggested shell command, quoted only when it must be, so a
    command naming ``我的 期刊/第 3 期`` can be pasted as printed."""
    text = str(value)
    return text if _SHELL_SAFE.fullmatch(text) else shlex.quote(text)
