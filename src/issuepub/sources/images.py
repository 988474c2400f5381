"""Pictures the sources name, opened and verified before any build starts.

A file that only looks like an image (a truncated download, a header with nothing after it,
a decompression bomb, a text file named .jpg) would otherwise crash an output half-way. Each
one is opened with Pillow, its size checked against a pixel limit before any pixel is decoded,
then decoded in full.

A PNG (the usual cover) is first read here without Pillow: when every chunk is whole, its
checksums hold and its image data inflates to exactly the rows its header promises, the file
is one Pillow would decode too, and an EPUB build of an issue with such a cover never imports
Pillow (its import and the decode were a third of a small build's time). Anything else about
a PNG, and every other format, goes to Pillow as before, which then decides.
"""

from __future__ import annotations

import warnings
import zlib
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


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# (colour type, bit depth) pairs the PNG specification allows -> samples per pixel
_PNG_CHANNELS = {(0, 1): 1, (0, 2): 1, (0, 4): 1, (0, 8): 1, (0, 16): 1, (2, 8): 3, (2, 16): 3,
                 (3, 1): 1, (3, 2): 1, (3, 4): 1, (3, 8): 1, (4, 8): 2, (4, 16): 2,
                 (6, 8): 4, (6, 16): 4}
# Ancillary chunks whose content Pillow reads without any way to fail once their length is
# right (minimum length; None: any). Others (iCCP, zTXt, iTXt: compressed; eXIf; APNG's) send
# the file to Pillow.
_PNG_PLAIN_CHUNKS = {b"gAMA": 4, b"cHRM": 32, b"sRGB": 1, b"pHYs": 9, b"tIME": 7, b"sBIT": 1,
                     b"bKGD": 1, b"tEXt": None}
_PNG_TEXT_MAX = 1 << 20  # Pillow's MAX_TEXT_CHUNK
_INFLATE_PIECE = 1 << 20  # inflate a megabyte at a time: memory stays small for big pictures


def complete_png(data: bytes, max_pixels: int = MAX_PIXELS) -> tuple[int, int] | None:
    """(width, height) when ``data`` is a whole, well-formed, non-interlaced PNG within
    ``max_pixels`` that Pillow would decode; None when that takes Pillow to decide."""
    if not data.startswith(PNG_SIGNATURE):
        return None
    pos, end = len(PNG_SIGNATURE), len(data)
    header = None
    idat: list[bytes] = []
    seen_idat_end = False
    palette = transparency = None  # lengths of PLTE and tRNS
    while True:
        if pos + 12 > end:
            return None
        length = int.from_bytes(data[pos:pos + 4], "big")
        kind = data[pos + 4:pos + 8]
        body_end = pos + 8 + length
        if body_end + 4 > end or zlib.crc32(data[pos + 4:body_end]) != int.from_bytes(
                data[body_end:body_end + 4], "big"):
            return None
        body = data[pos + 8:body_end]
        pos = body_end + 4
        if header is None:
            if kind != b"IHDR" or length != 13:
                return None
            header = body
            continue
        if kind == b"IEND":
            break
        if kind == b"IDAT":
            if seen_idat_end:
                return None  # IDAT chunks must follow each other
            idat.append(body)
            continue
        if idat:
            seen_idat_end = True
        if kind == b"PLTE" and not idat and palette is None and transparency is None \
                and 3 <= length <= 768 and length % 3 == 0:
            palette = length
        elif kind == b"tRNS" and not idat and transparency is None:
            transparency = length  # checked against the colour type below
        elif kind in _PNG_PLAIN_CHUNKS and length >= (_PNG_PLAIN_CHUNKS[kind] or 0) \
                and (kind != b"tEXt" or length <= _PNG_TEXT_MAX):
            pass
        else:
            return None
    if pos != end or not idat or header is None:
        return None
    width, height = int.from_bytes(header[0:4], "big"), int.from_bytes(header[4:8], "big")
    depth, colour, compression, method, interlace = header[8:13]
    channels = _PNG_CHANNELS.get((colour, depth))
    if channels is None or compression or method or interlace or not 0 < width * height <= max_pixels \
            or (colour == 3) != (palette is not None):
        return None
    if transparency is not None and transparency != {0: 2, 2: 6}.get(colour) \
            and not (colour == 3 and transparency <= palette // 3):
        return None
    stride = 1 + (width * channels * depth + 7) // 8  # filter byte + one row
    expected = stride * height
    inflate = zlib.decompressobj()
    produced = 0
    pending = b"".join(idat)
    try:
        while pending or not inflate.eof:
            piece = inflate.decompress(pending, _INFLATE_PIECE)
            pending = inflate.unconsumed_tail
            if not piece:
                break
            first = -produced % stride  # first filter byte of a row in this piece
            produced += len(piece)
            if produced > expected or max(piece[first::stride], default=0) > 4:
                return None  # more data than rows, or a filter type that does not exist
    except zlib.error:
        return None
    if produced != expected or not inflate.eof or inflate.unused_data:
        return None
    return width, height


def verify_image(path: Path, *, formats: dict[str, str] = EPUB_FORMATS,
                 max_pixels: int = MAX_PIXELS) -> ImageInfo:
    """Open and fully decode ``path``; raise ``ImageProblem`` saying what is wrong with it."""
    if "PNG" in formats:
        with open(path, "rb") as fh:
            data = fh.read(len(PNG_SIGNATURE))
            if data == PNG_SIGNATURE:
                data += fh.read()
        size = complete_png(data, max_pixels)
        if size is not None:
            return ImageInfo("PNG", formats["PNG"], *size)
    return verify_with_pillow(path, formats=formats, max_pixels=max_pixels)


def verify_with_pillow(path: Path, *, formats: dict[str, str] = EPUB_FORMATS,
                       max_pixels: int = MAX_PIXELS) -> ImageInfo:
    """``verify_image`` by Pillow alone: every format, every PNG the check above leaves."""
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
                if kind == "JPEG":
                    # Every block of the picture is still decoded (a truncated or broken file
                    # fails as before), at an eighth of its size: a 12-megapixel photo took
                    # 0.1 s to verify at full size, for pixels nobody looks at.
                    im.draft(im.mode, (max(1, width // 8), max(1, height // 8)))
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
