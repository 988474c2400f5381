"""The synthesis cache: one file per chunk, audio and its timing marks together.

The key is the chunk's spoken text with what decides the audio (the engine's ``identity``:
service, voice, rate, volume, pitch, output format) and this cache's own format, never a client
library's version: upgrading edge-tts keeps every cached chunk. A rebuild synthesises only
chunks whose text or settings changed. Files are written atomically: a killed build leaves whole
entries or none, and the next build picks up where it stopped. Each entry carries the SHA-256 of
its audio, so a damaged entry is found (and removed, to be synthesised again) before assembly.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from ...fsutil import atomic_write_bytes
from .engines.base import Mark, Synthesis

# Bump when what an entry holds or how keys are made changes (every key changes once).
CACHE_FORMAT = 2
MAGIC = b"issuepub-tts-chunk 2\n"


def chunk_key(identity: dict[str, Any], text: str) -> str:
    payload = json.dumps({"text": text, "cache_format": CACHE_FORMAT, **identity},
                         ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class ChunkCache:
    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.chunk"

    def has(self, key: str) -> bool:
        """True when a whole, undamaged entry is there; a damaged one is removed.

        Every chunk of a build goes through this before assembly, so one build heals all the
        damaged entries it needs, not just the first one assembly would trip over.
        """
        return self.get(key) is not None

    def put(self, key: str, text: str, synthesis: Synthesis) -> None:
        header = {
            "text": text,
            "format": synthesis.format,
            "sample_rate": synthesis.sample_rate,
            "audio_bytes": len(synthesis.audio),
            "audio_sha256": hashlib.sha256(synthesis.audio).hexdigest(),
            "engine_seconds": synthesis.engine_seconds,
            "marks": [[m.start_char, m.end_char, round(m.start, 4), round(m.end, 4)]
                      for m in synthesis.marks],
        }
        line = json.dumps(header, ensure_ascii=False).encode("utf-8") + b"\n"
        atomic_write_bytes(self.path(key), MAGIC + line + synthesis.audio)

    def get(self, key: str) -> Synthesis | None:
        """The cached synthesis, or None when absent or not a whole entry.

        A damaged entry (a disk error, a hand edit: atomic writes rule out a killed build) is
        removed, so this build synthesises that chunk again instead of failing on it forever.
        """
        path = self.path(key)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        try:
            return _parse(data)
        except (ValueError, KeyError, TypeError, IndexError):
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
    if hashlib.sha256(audio).hexdigest() != header["audio_sha256"]:
        raise ValueError("audio damaged")
    marks = tuple(Mark(int(a), int(b), float(s), float(e)) for a, b, s, e in header["marks"])
    return Synthesis(audio, header["format"], int(header["sample_rate"]), marks,
                     float(header.get("engine_seconds", 0.0)))
