"""Pictures more than one output needs: the issue's cover (given or drawn) and JPEG re-encoding.

Bytes in, bytes out; Pillow does the work. Same input and Pillow version, same bytes.
Pillow is imported only when a picture is made: an EPUB of an issue with a cover file needs
none of it, and its import is a good part of a small build's time.
"""

from __future__ import annotations

import io
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
        im = im.resize((max_width, round(im.height * max_width / im.width)), Image.LANCZOS)
    return jpeg(im, quality), im.width, im.height
