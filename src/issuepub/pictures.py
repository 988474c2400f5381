"""Pictures more than one output needs: the issue's cover (given or drawn), JPEG re-encoding,
and pictures prepared for e-readers (sized, upright, without metadata).

Bytes in, bytes out; Pillow does the work. Same input and Pillow version, same bytes.
Pillow is imported only when a picture is made: an EPUB of an issue with a cover file needs
none of it, and its import is a good part of a small build's time.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .model import Issue

if TYPE_CHECKING:
    from PIL import Image


def cover_source(issue: Issue) -> bytes:
    """The issue's cover picture as given, or one drawn from the issue when there is none."""
    if issue.cover is not None:
        return issue.cover.read_bytes()
    from .cover import draw_cover  # the font loads only when a cover is drawn

    return draw_cover(issue)


def jpeg(image: Image.Image, quality: int = 80) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=quality, optimize=True, progressive=True)
    return buf.getvalue()


def to_rgb(data: bytes) -> Image.Image:
    """A picture upright (EXIF orientation applied) and flattened on white."""
    from PIL import Image, ImageOps

    with Image.open(io.BytesIO(data)) as im:
        im = ImageOps.exif_transpose(im)
        if im.mode in ("RGBA", "LA", "P"):
            im = im.convert("RGBA")
            flat = Image.new("RGB", im.size, (255, 255, 255))
            flat.paste(im, mask=im.getchannel("A"))
            return flat
        return im.convert("RGB")


def scaled_jpeg(data: bytes, max_width: int, quality: int = 80) -> tuple[bytes, int, int]:
    """A picture re-encoded as a JPEG no wider than max_width (never enlarged)."""
    from PIL import Image

    im = to_rgb(data)
    if im.width > max_width:
        # max(1, …): a 30000×2 strip must not scale to no pixels at all
        im = im.resize((max_width, max(1, round(im.height * max_width / im.width))), Image.LANCZOS)
    return jpeg(im, quality), im.width, im.height


# --- pictures for e-readers --------------------------------------------------------------
# Apple Books refuses pictures above about 4 million pixels (5.6 MP for JPEG in some versions;
# the lower figure is the safe one), and e-ink readers gain nothing from more.
EREADER_MAX_PIXELS = 4_000_000
EREADER_JPEG_QUALITY = 85  # photos: no visible loss at e-reader size, a fraction of the bytes

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# PNG chunks that carry metadata only (text, time, EXIF); dropping them changes no pixel.
_PNG_METADATA_CHUNKS = {b"tEXt", b"zTXt", b"iTXt", b"tIME", b"eXIf"}
# JPEG segments kept when a JPEG goes in without re-encoding: APP0 (JFIF), APP2 (ICC colour
# profile), APP14 (Adobe colour transform). APP1 (EXIF, XMP), other APPn and COM are metadata.
_JPEG_KEPT_APPS = {0xE0, 0xE2, 0xEE}


class PictureError(Exception):
    """A picture that cannot go into a book (message in Chinese)."""


@dataclass(frozen=True)
class PreparedPicture:
    """A picture as written into an e-book, with what it was and what it became."""

    data: bytes
    media_type: str  # from the content, never from the file name
    extension: str  # .jpg | .png
    original_width: int
    original_height: int
    original_bytes: int
    width: int
    height: int

    @property
    def record(self) -> dict:
        return {"media_type": self.media_type,
                "original": {"width": self.original_width, "height": self.original_height,
                             "bytes": self.original_bytes},
                "written": {"width": self.width, "height": self.height, "bytes": len(self.data)}}


def sniff(data: bytes) -> str | None:
    """The media type of a picture from its first bytes (the formats a book carries as such)."""
    if data.startswith(PNG_SIGNATURE):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    return None


def _png_chunks(data: bytes):
    pos = len(PNG_SIGNATURE)
    while pos + 12 <= len(data):
        length = int.from_bytes(data[pos:pos + 4], "big")
        kind = data[pos + 4:pos + 8]
        end = pos + 12 + length
        if end > len(data):
            raise PictureError("PNG 文件不完整")
        yield kind, data[pos:end]
        pos = end
        if kind == b"IEND":
            return
    raise PictureError("PNG 文件不完整（没有 IEND）")


def _png_stripped(data: bytes) -> tuple[bytes, int, int] | None:
    """The PNG without its metadata chunks, and its size; None when it has EXIF (which may
    rotate it) and must go through Pillow."""
    chunks = list(_png_chunks(data))
    if not chunks or chunks[0][0] != b"IHDR":
        raise PictureError("PNG 文件缺少 IHDR")
    if any(kind == b"eXIf" for kind, _ in chunks):
        return None
    header = chunks[0][1]
    width, height = int.from_bytes(header[8:12], "big"), int.from_bytes(header[12:16], "big")
    kept = b"".join(raw for kind, raw in chunks if kind not in _PNG_METADATA_CHUNKS)
    return PNG_SIGNATURE + kept, width, height


def _jpeg_stripped(data: bytes) -> bytes:
    """The JPEG without its metadata segments; entropy-coded data copied unchanged."""
    out = bytearray(data[:2])
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            raise PictureError("JPEG 文件结构不对")
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        length = int.from_bytes(data[pos + 2:pos + 4], "big")
        segment = data[pos:pos + 2 + length]
        if marker == 0xDA:  # start of scan: the rest is image data
            out += data[pos:]
            return bytes(out)
        if not (0xE0 <= marker <= 0xEF and marker not in _JPEG_KEPT_APPS) and marker != 0xFE:
            out += segment
        pos += 2 + length
    raise PictureError("JPEG 文件不完整")


def _fit(width: int, height: int, max_pixels: int) -> tuple[int, int]:
    if width * height <= max_pixels:
        return width, height
    scale = math.sqrt(max_pixels / (width * height))
    return max(1, math.floor(width * scale)), max(1, math.floor(height * scale))


def _to_rgb(im: Image.Image, icc: bytes | None) -> Image.Image:
    """``im`` (CMYK, say) as sRGB: through its embedded profile when Pillow's colour management
    can read it, else by Pillow's plain conversion."""
    try:
        from PIL import ImageCms
    except ImportError:  # Pillow built without littlecms
        icc = None
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            return ImageCms.profileToProfile(im, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
        except (OSError, ValueError, ImageCms.PyCMSError):
            pass
    return im.convert("RGB")


def prepare_for_ereader(data: bytes, *, max_pixels: int = EREADER_MAX_PIXELS,
                        quality: int = EREADER_JPEG_QUALITY) -> PreparedPicture:
    """A picture as an e-book carries it: upright, at most ``max_pixels``, no metadata.

    JPEG stays JPEG (re-encoded only when it must be scaled or turned), PNG stays PNG and
    lossless; any other format Pillow reads becomes a PNG. Pictures that need nothing but
    their metadata removed are copied with those parts cut out, byte for byte otherwise.
    Deterministic: same bytes in, same bytes out (for one Pillow version).
    """
    kind = sniff(data)
    if kind == "image/png":
        stripped = _png_stripped(data)
        if stripped is not None and stripped[1] * stripped[2] <= max_pixels:
            out, width, height = stripped
            return PreparedPicture(out, kind, ".png", width, height, len(data), width, height)

    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as im:
            fmt, (width, height) = im.format, im.size
            orientation = im.getexif().get(0x0112, 1)
            if fmt == "JPEG" and orientation in (0, 1) and width * height <= max_pixels:
                return PreparedPicture(_jpeg_stripped(data), "image/jpeg", ".jpg",
                                       width, height, len(data), width, height)
            target = _fit(width, height, max_pixels)
            if fmt == "JPEG":
                im.draft(im.mode, target)  # decode at a reduced DCT scale: faster, less memory
            im.load()
            icc = im.info.get("icc_profile")
            source_mode = im.mode
            im = ImageOps.exif_transpose(im)
            size = _fit(im.width, im.height, max_pixels)
            if im.size != size:
                # Pillow scales palette and 1-bit pictures by nearest neighbour whatever the
                # filter asked (thin lines and text fall apart): scale their colours instead.
                if im.mode == "P":
                    im = im.convert("RGBA" if "transparency" in im.info else "RGB")
                elif im.mode == "1":
                    im = im.convert("L")
                im = im.resize(size, Image.LANCZOS)
            im.info = {}  # Pillow would write EXIF, comments and text chunks from here again
            buf = io.BytesIO()
            if fmt == "JPEG":
                if im.mode not in ("L", "RGB"):
                    im = _to_rgb(im, icc)
                    icc = None  # the source's profile described its CMYK (or other) colours
                im.save(buf, "JPEG", quality=quality, optimize=True, progressive=True,
                        **({"icc_profile": icc} if icc else {}))
                media, ext = "image/jpeg", ".jpg"
            else:
                if im.mode not in ("1", "L", "LA", "P", "RGB", "RGBA", "I;16"):
                    im = im.convert("RGBA" if "A" in im.getbands() else "RGB")
                if im.mode != source_mode and source_mode not in ("P", "1"):
                    icc = None  # a profile for other colours than the ones written
                im.save(buf, "PNG", optimize=True, **({"icc_profile": icc} if icc else {}))
                media, ext = "image/png", ".png"
            return PreparedPicture(buf.getvalue(), media, ext, width, height, len(data),
                                   im.width, im.height)
    except PictureError:
        raise
    except UnidentifiedImageError:
        raise PictureError("不是能识别的图片文件（请用 JPEG 或 PNG）") from None
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise PictureError(f"图片文件损坏或过大（{exc}）") from None
