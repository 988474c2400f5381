"""The synthesis cache: one file per chunk, audio and its timing marks together.

The key is the chunk's spoken text with everything that shapes the audio (engine, engine
version, voice, rate, volume, pitch), so a rebuild synthesises only chunks whose text or
settings changed. Files are written atomically: a killed build leaves whole entries or none,
and the next build picks up where it stopped.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from ...fsutil import atomic_write_bytes
from .engines.base import Mark, Synthesis

MAGIC = b"issuepub-tts-chunk 1\n"


def chunk_key(identity: dict[str, Any], text: str) -> str:
    payload = json.dumps({"text": text, **identity}, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class ChunkCache:
    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.chunk"

    def has(self, key: str) -> bool:
        return self.path(key).is_file()

    def put(self, key: str, text: str, synthesis: Synthesis) -> None:
        header = {
            "text": text,
            "format": synthesis.format,
            "sample_rate": synthesis.sample_rate,
            "audio_bytes": len(synthesis.audio),
            "engine_seconds": synthesis.engine_seconds,
            "marks": [[m.start_char, m.end_char, round(m.start, 4), round(m.end, 4)]
                      for m in synthesis.marks],
        }
        line = json.dumps(header, ensure_ascii=False).encode("utf-8") + b"\n"
        atomic_write_bytes(self.path(key), MAGIC + line + synthesis.audio)

    def get(self, key: str) -> Synthesis | None:
        """The cached synthesis, or None when absent or not a whole entry.

        A damaged entry (a disk error, a hand edit: atomic writes rule out a killed build) is
        removed, so the next build synthesises that chunk again instead of failing on it forever.
        """
        path = self.path(key)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        try:
            return _parse(data)
        except (ValueError, KeyError, TypeError):
            path.unlink(missing_ok=True)
            return None


def _parse(data: bytes) -> Synthesis:
    if not data.startswith(MAGIC):
        raise ValueError("not a cache entry")
    end = data.find(b"\n", len(MAGIC))
    if end < 0:
        raise ValueError("no header")
    header = json.loads(data[len(MAGIC):end])
    audio = data[end + 1:]
    if len(audio) != header["audio_bytes"]:
        raise ValueError("audio cut short")
    marks = tuple(Mark(int(a), int(b), float(s), float(e)) for a, b, s, e in header["marks"])
    return Synthesis(audio, header["format"], int(header["sample_rate"]), marks,
                     float(header.get("engine_seconds", 0.0)))
