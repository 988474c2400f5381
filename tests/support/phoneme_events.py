"""Print, as JSON, the phonemes libespeak-ng actually synthesises for a text with the cmn voice.

Run in its own process (``python phoneme_events.py TEXT``): it initialises the library with
phoneme events on, which the engine's own instance does not use. The text is synthesised the
way the offline engine does it (after ``respell``, with [[phonemes]] honoured), so the output
shows what a listener hears, language switches like "(en)" included.
"""

from __future__ import annotations

import json
import sys

import espeakng_loader

from issuepub.outputs.audio.engines import offline


def synthesised_phonemes(text: str) -> list[str]:
    lib = offline._load_library()
    lib.espeak_Initialize(2, 0, espeakng_loader.get_data_path().encode(), 1)  # 1: phoneme events
    lib.espeak_SetVoiceByName(offline.VOICE.encode())
    names: list[str] = []

    def on_audio(wav, numsamples, events) -> int:
        i = 0
        while events[i].type != 0:
            if events[i].type == 7:  # espeakEVENT_PHONEME
                names.append(events[i].id.string.decode("utf-8", "replace"))
            i += 1
        return 0

    callback = offline._CALLBACK(on_audio)
    lib.espeak_SetSynthCallback(callback)
    data = offline.respell(text)[0].encode("utf-8")
    lib.espeak_Synth(data, len(data) + 1, 0, 1, 0, offline._CHARS_UTF8 | offline._PHONEMES, None, None)
    return names


if __name__ == "__main__":
    print(json.dumps(synthesised_phonemes(sys.argv[1]), ensure_ascii=False))
