"""Measurements of audio files (with ffmpeg) and their pictures (with Pillow) for tests,
made independently of the product code."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import imageio_ffmpeg

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()


def ebur128(path: Path) -> tuple[float, float]:
    """(integrated loudness LUFS, true peak dBTP) of a file, from ffmpeg's ebur128 summary."""
    proc = subprocess.run([FFMPEG, "-hide_banner", "-nostats", "-i", str(path), "-af",
                           "ebur128=peak=true:framelog=verbose", "-f", "null", "-"],
                          capture_output=True, text=True, check=True)
    summary = proc.stderr[proc.stderr.rindex("Summary:"):]
    integrated = float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1))
    peak = float(re.search(r"Peak:\s+(-?[\d.]+) dBFS", summary).group(1))
    return integrated, peak


def decoded_seconds(path: Path, rate: int = 24000) -> float:
    """Exact length of what the file decodes to (samples counted), and no decoding errors."""
    proc = subprocess.run([FFMPEG, "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1",
                           "-ar", str(rate), "-"], capture_output=True, check=True)
    assert not proc.stderr, proc.stderr.decode(errors="replace")
    return len(proc.stdout) / 2 / rate


def silence_spans(path: Path, *, noise_db: float = -45, min_seconds: float = 0.2) -> list[tuple[float, float]]:
    """(start, end) of the silences in a file, from ffmpeg's silencedetect."""
    proc = subprocess.run([FFMPEG, "-hide_banner", "-nostats", "-i", str(path), "-af",
                           f"silencedetect=noise={noise_db}dB:d={min_seconds}", "-f", "null", "-"],
                          capture_output=True, text=True, check=True)
    starts = [float(x) for x in re.findall(r"silence_start: (-?[\d.]+)", proc.stderr)]
    ends = [float(x) for x in re.findall(r"silence_end: ([\d.]+)", proc.stderr)]
    return list(zip(starts, ends))


def parse_vtt(text: str) -> list[tuple[float, float, str]]:
    assert text.startswith("WEBVTT"), "a WebVTT file starts with WEBVTT"

    def seconds(stamp: str) -> float:
        h, m, s = stamp.split(":")
        return int(h) * 3600 + int(m) * 60 + float(s)

    cues = []
    for block in text.strip().split("\n\n")[1:]:
        lines = block.splitlines()
        timing = next(i for i, line in enumerate(lines) if "-->" in line)
        start, end = (seconds(x.strip()) for x in lines[timing].split("-->"))
        cues.append((start, end, "\n".join(lines[timing + 1:])))
    return cues


def picture_difference(embedded: bytes, source: bytes) -> tuple[str, int, float]:
    """The embedded picture's format and width, and its mean per-channel difference (0-255)
    from the source picture scaled to the same size: near 0 when it shows the same thing."""
    from PIL import Image, ImageChops, ImageStat

    with Image.open(io.BytesIO(embedded)) as im:
        fmt, shown = im.format, im.convert("RGB")
    with Image.open(io.BytesIO(source)) as src:
        flat = Image.new("RGB", src.size, (255, 255, 255))
        src = src.convert("RGBA")
        flat.paste(src, mask=src.getchannel("A"))
        original = flat.resize(shown.size, Image.LANCZOS)
    diff = ImageStat.Stat(ImageChops.difference(shown, original)).mean
    return fmt, shown.width, sum(diff) / len(diff)


def make_mp3(path: Path, seconds: float, *, frequency: int = 440, bitrate: str = "48k") -> None:
    """A sine tone as a mono 24 kHz MP3, bit-exact (a stand-in for narration)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [FFMPEG, "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", f"sine=frequency={frequency}:sample_rate=24000:duration={seconds:.3f}",
         "-ac", "1", "-codec:a", "libmp3lame", "-b:a", bitrate, "-map_metadata", "-1",
         "-fflags", "+bitexact", "-flags:a", "+bitexact", str(path)],
        check=True, capture_output=True, timeout=60)


def mp3_seconds(data: bytes | Path) -> float:
    """The length mutagen reads from an MP3's frames (its bytes or its path)."""
    from mutagen.mp3 import MP3

    return float(MP3(io.BytesIO(data) if isinstance(data, bytes) else str(data)).info.length)
