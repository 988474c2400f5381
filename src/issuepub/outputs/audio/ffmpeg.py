"""ffmpeg from imageio-ffmpeg (no ffprobe ships with it, so nothing here needs one)."""

from __future__ import annotations

import errno
import functools
import os
import re
import subprocess
import warnings
from pathlib import Path


class AudioError(Exception):
    """ffmpeg failed; the message says what was being done, in Chinese."""


@functools.lru_cache(maxsize=1)
def executable() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


@functools.lru_cache(maxsize=1)
def pydub():
    """pydub's AudioSegment, told where ffmpeg is (imported quietly: it warns that none is on
    PATH, and on Python 3.11-3.12 that its audioop is deprecated)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        from pydub import AudioSegment
    AudioSegment.converter = executable()
    AudioSegment.ffmpeg = executable()
    return AudioSegment


# ffmpeg prints these (strerror) when its output cannot be written. Not EIO: ffmpeg also says
# "Input/output error" of input it cannot decode, which is the audio's fault, not the disk's.
_MACHINE_FAULTS = (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES)


def run(args: list[str], what: str, data: bytes | None = None) -> subprocess.CompletedProcess:
    proc = subprocess.run([executable(), "-hide_banner", "-nostdin", *args], input=data,
                          capture_output=True)
    if proc.returncode != 0:
        text = proc.stderr.decode("utf-8", "replace")
        for err in _MACHINE_FAULTS:  # the disk, not the audio: reported as the machine's fault
            if os.strerror(err) in text:
                raise OSError(err, os.strerror(err))
        tail = text.strip().splitlines()[-3:]
        raise AudioError(f"ffmpeg {what}失败：{' '.join(tail)}")
    return proc


def raw_input(sample_rate: int) -> list[str]:
    return ["-f", "s16le", "-ar", str(sample_rate), "-ac", "1"]


def to_pcm(data: bytes, fmt: str, in_rate: int, out_rate: int) -> bytes:
    """16-bit mono PCM at ``out_rate`` from MP3 or PCM bytes."""
    if fmt == "pcm_s16le" and in_rate == out_rate:
        return data
    source = raw_input(in_rate) if fmt == "pcm_s16le" else ["-f", "mp3"]
    args = [*source, "-i", "pipe:0", *raw_input(out_rate), "pipe:1"]
    return run(args, "解码合成音频", data).stdout


def loudness(input_args: list[str], *, true_peak: bool) -> tuple[float, float | None, float]:
    """EBU R128 integrated loudness (LUFS), true peak (dBTP, if asked) and decoded duration."""
    options = "ebur128=framelog=verbose" + (":peak=true" if true_peak else "")
    proc = run([*input_args, "-af", options, "-f", "null", "-"], "测量响度")
    text = proc.stderr.decode("utf-8", "replace")
    summary = text[text.rfind("Summary:"):]
    m = re.search(r"I:\s+(-?[\d.]+|-inf)\s+LUFS", summary)
    if not m:
        raise AudioError("ffmpeg 测量响度失败：没有读到结果。")
    integrated = float(m.group(1))
    peak = None
    if true_peak:
        p = re.search(r"Peak:\s+(-?[\d.]+|-inf)\s+dBFS", summary)
        peak = float(p.group(1)) if p else None
    # ffmpeg's closing statistics line: time= is how much audio it decoded (10 ms steps).
    times = re.findall(r"time=(\d+):(\d+):(\d+(?:\.\d+)?)", text)
    duration = 0.0
    if times:
        h, mi, sec = times[-1]
        duration = int(h) * 3600 + int(mi) * 60 + float(sec)
    return integrated, peak, duration


def file_loudness(path: Path) -> tuple[float, float, float]:
    """Integrated loudness, true peak and duration of an audio file, measured by decoding it."""
    integrated, peak, duration = loudness(["-i", str(path)], true_peak=True)
    return integrated, float(peak if peak is not None else 0.0), duration
