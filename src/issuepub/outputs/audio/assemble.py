"""One article's MP3 from its cached chunks: trimmed, paused, loudness-normalised, encoded.

Chunks are decoded one at a time and appended (with pydub) to a raw PCM file beside the
output, so an article never needs more memory than its largest chunk. Silence the engine left
at either end of a chunk is trimmed and replaced by measured pauses: shorter between the
chunks of one paragraph, longer between paragraphs, longest before a subheading.

Loudness: -16 LUFS integrated with true peak at most -1 dBTP. A gain and a lookahead limiter
are applied in one ffmpeg pass that also encodes the MP3; the MP3 itself is then measured
(ebur128) and, if it missed, encoded again with corrected gain and ceiling.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from . import ffmpeg
from .align import Clock
from .engines.base import Synthesis

TARGET_LUFS = -16.0
LUFS_TOLERANCE = 0.5  # aim well inside the 1 LU the files are held to
PEAK_LIMIT_DBTP = -1.0
OUTPUT_RATE = 24000
BITRATE = "48k"  # edge's voices come at 48 kbit/s: more would only add bytes
SILENCE_DBFS = -50.0  # quieter than this at a chunk's edges is trimmed
_ATTEMPTS = 4
# Starting values measured on both engines' speech (limiting and MP3 encoding take off some
# loudness); a good first guess saves an encoding pass.
_FIRST_GUESS_BOOST = 2.0
_FIRST_CEILING_DBFS = -1.8
_SLOPE = 0.75


@dataclass(frozen=True)
class Placed:
    """A chunk as placed in the article: the pause before it and its pieces' spans."""

    key: str
    text: str
    spans: list[tuple[int, int]]
    gap_before: float


@dataclass(frozen=True)
class PlacedClock:
    """A chunk's clock as placed in the article: its offset and the engine silence trimmed."""

    clock: Clock
    offset: float  # where the chunk's kept audio starts in the article (seconds)
    trimmed: float  # engine silence cut from its start (seconds)
    kept: float  # seconds of the chunk's audio kept

    def span(self, start: int, end: int) -> tuple[float, float]:
        """[start, end) of the chunk's text, in seconds of the article."""
        s, e = self.clock.span(start, end)
        return (self.offset + min(max(s - self.trimmed, 0.0), self.kept),
                self.offset + min(max(e - self.trimmed, 0.0), self.kept))


@dataclass(frozen=True)
class Loudness:
    integrated: float  # LUFS, measured on the MP3
    true_peak: float  # dBTP, measured on the MP3
    duration: float  # seconds of audio the MP3 decodes to
    attempts: int


def write_pcm(placed: list[Placed], load: Callable[[str], Synthesis], sample_rate: int,
              raw_path: Path) -> tuple[list[PlacedClock], float]:
    """Write the article's PCM to ``raw_path``; return each chunk's clock and the length."""
    AudioSegment = ffmpeg.pydub()
    frames = 0
    clocks: list[PlacedClock] = []
    with open(raw_path, "wb") as out:
        for i, part in enumerate(placed):
            synthesis = load(part.key)
            pcm = ffmpeg.to_pcm(synthesis.audio, synthesis.format, synthesis.sample_rate, sample_rate)
            segment = AudioSegment(data=pcm, sample_width=2, frame_rate=sample_rate, channels=1)
            duration = len(pcm) / 2 / sample_rate
            lead = _silence_ms(segment) / 1000
            trail = _silence_ms(segment.reverse()) / 1000 if lead < duration else 0.0
            first, last = round(lead * sample_rate), max(round((duration - trail) * sample_rate), 0)
            if last <= first:  # nothing audible: keep the timings, add no audio
                first = last = 0
            if i > 0 and part.gap_before > 0:
                gap = round(part.gap_before * sample_rate)
                out.write(b"\0\0" * gap)
                frames += gap
            offset = frames / sample_rate
            out.write(pcm[first * 2:last * 2])
            kept = (last - first) / sample_rate
            clocks.append(PlacedClock(Clock(part.text, synthesis.marks, duration), offset,
                                      first / sample_rate, kept))
            frames += last - first
    return clocks, frames / sample_rate


def _silence_ms(segment) -> int:
    from pydub.silence import detect_leading_silence

    return detect_leading_silence(segment, silence_threshold=SILENCE_DBFS, chunk_size=5)


def encode_mp3(raw_path: Path, sample_rate: int, out_path: Path) -> Loudness:
    """Encode ``raw_path`` to MP3 at -16 LUFS / <= -1 dBTP, re-encoding until the file is."""
    source = [*ffmpeg.raw_input(sample_rate), "-i", str(raw_path)]
    measured, _, _ = ffmpeg.loudness(source, true_peak=False)
    if math.isinf(measured):  # silence: nothing to normalise
        measured = TARGET_LUFS
    gain, ceiling = TARGET_LUFS - measured + _FIRST_GUESS_BOOST, _FIRST_CEILING_DBFS
    slope = _SLOPE  # LU gained per dB of gain: under 1 because the limiter takes some
    previous: tuple[float, float] | None = None
    result = Loudness(measured, 0.0, 0.0, 0)
    for attempt in range(1, _ATTEMPTS + 1):
        chain = (f"volume={gain:.2f}dB,"
                 f"alimiter=limit={10 ** (ceiling / 20):.4f}:level=false:attack=5:release=50:latency=true,"
                 f"aresample={OUTPUT_RATE}")
        ffmpeg.run([*source, "-af", chain, "-ac", "1", "-c:a", "libmp3lame", "-b:a", BITRATE,
                    "-compression_level", "7", "-id3v2_version", "0", "-write_id3v1", "0",
                    "-f", "mp3", "-y", str(out_path)], "编码 MP3 ")
        integrated, peak, duration = ffmpeg.file_loudness(out_path)
        result = Loudness(integrated, peak, duration, attempt)
        if math.isinf(integrated) or (
                abs(integrated - TARGET_LUFS) <= LUFS_TOLERANCE and peak <= PEAK_LIMIT_DBTP):
            break
        if previous is not None and abs(gain - previous[0]) > 0.05:
            slope = min(1.0, max(0.3, (integrated - previous[1]) / (gain - previous[0])))
        previous = (gain, integrated)
        gain += (TARGET_LUFS - integrated) / slope
        if peak > PEAK_LIMIT_DBTP - 0.3:
            ceiling -= peak - (PEAK_LIMIT_DBTP - 0.6)
    return result
