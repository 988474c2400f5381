"""Pictures the sources name, opened and verified before any build starts.

A file that only looks like an image (a truncated download, a header with nothing after it,
a decompression bomb, a text file named .jpg) would otherwise crash an output half-way. Each
one is opened with Pillow, its size checked against a pixel limit before any pixel is decoded,
then decoded in full.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

# Formats an EPUB 3 reading system must display (core media types), by Pillow's name.
EPUB_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
# 40 megapixels: an A3 page scanned at 600 dpi is about 70 MP, a magazine photo at print size
# under 15 MP; decoding 40 MP of RGBA takes 160 MB, the most one picture may cost a build.
MAX_PIXELS = 40_000_000


@dataclass(frozen=True)
class ImageInfo:
    format: str  # Pillow's name: PNG, JPEG, GIF, WEBP
    media_type: str
    width: int
    height: int


class ImageProblem(ValueError):
    """Why a file cannot be used as a picture (Chinese, for the editor)."""


def verify_image(path: Path, *, formats: dict[str, str] = EPUB_FORMATS,
                 max_pixels: int = MAX_PIXELS) -> ImageInfo:
    """Open and fully decode ``path``; raise ``ImageProblem`` saying what is wrong with it."""
    from PIL import Image, UnidentifiedImageError

    names = "、".join(formats)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                kind = im.format or ""
                width, height = im.size
                if kind not in formats:
                    raise ImageProblem(f"是 {kind or '未知'} 格式的图片，电子书只能用 {names}")
                if width < 1 or height < 1 or width * height > max_pixels:
                    raise ImageProblem(f"有 {width}×{height} 像素，超过上限 {max_pixels // 1_000_000} 百万像素")
                im.load()  # decodes every pixel: a truncated file fails here
    except ImageProblem:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        if isinstance(exc, UnidentifiedImageError):
            raise ImageProblem("不是图片文件（或格式认不出）") from None
        raise ImageProblem(f"像素数过大（超过 {max_pixels // 1_000_000} 百万像素）") from None
    except (OSError, ValueError, SyntaxError, EOFError, MemoryError) as exc:
        if isinstance(exc, OSError) and getattr(exc, "errno", None) is not None:
            raise  # the file could not be read: the machine's fault, reported as such
        raise ImageProblem("图片已损坏或不完整（文件被截断，或数据有误）") from None
    return ImageInfo(kind, formats[kind], width, height)
