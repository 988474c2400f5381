"""The loader's picture verification made cheaper, deciding as before. Its own PNG check
(``sources.images.complete_png``), which lets a build with a PNG cover skip Pillow, may only
accept files that Pillow decodes in full, at the same size; a JPEG decoded at an eighth of its
size must be accepted or refused exactly as a full decode does (last test).

Pictures of every PNG kind Pillow writes (1-bit, grey, grey with alpha, palette of 2, 4 and
256 colours with and without transparency, RGB, RGBA, 16-bit grey, with pHYs and tEXt
chunks) must pass it; then each is damaged many ways: cut short, bytes changed with the
chunk's checksum left wrong, and bytes changed in the image data with the checksum made right
again (so the check must find the damage in the data itself). Every damaged file the check
accepts must decode in Pillow to the same size; every one it leaves is verified by Pillow
exactly as before.
"""

from __future__ import annotations

import io
import random
import zlib
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin

from issuepub.sources.images import (ImageInfo, ImageProblem, complete_png, verify_image,
                                     verify_with_pillow)


def _pictures() -> dict[str, bytes]:
    rng = random.Random(7)
    w, h = 37, 23  # odd sizes: rows of 1-, 2- and 4-bit pixels end inside a byte
    noise = bytes(rng.randrange(256) for _ in range(w * h * 4))
    rgba = Image.frombytes("RGBA", (w, h), noise)
    made: dict[str, bytes] = {}

    def save(name: str, im: Image.Image, **options) -> None:
        buf = io.BytesIO()
        im.save(buf, "PNG", **options)
        made[name] = buf.getvalue()

    info = PngImagePlugin.PngInfo()
    info.add_text("Title", "cover")  # Latin-1: a tEXt chunk
    save("1-bit", rgba.convert("1"))
    save("grey", rgba.convert("L"), dpi=(300, 300))
    save("grey+alpha", rgba.convert("LA"))
    save("palette 2", rgba.convert("P", palette=Image.Palette.ADAPTIVE, colors=2), bits=1)
    save("palette 16", rgba.convert("P", palette=Image.Palette.ADAPTIVE, colors=16), bits=4)
    save("palette 256", rgba.convert("RGB").convert("P", palette=Image.Palette.ADAPTIVE, colors=256))
    save("palette transparent", rgba.convert("RGB").convert("P", palette=Image.Palette.ADAPTIVE, colors=64),
         transparency=3)
    save("rgb", rgba.convert("RGB"), pnginfo=info)
    save("rgb transparent", rgba.convert("RGB"), transparency=(1, 2, 3))
    save("rgba", rgba, optimize=True)
    save("grey 16-bit", rgba.convert("L").convert("I").point(lambda v: v * 257).convert("I;16"))
    return made


PICTURES = _pictures()


def _chunks(data: bytes) -> list[tuple[int, bytes, int]]:
    """(offset of the length field, type, data length) of every chunk."""
    out, pos = [], 8
    while pos + 12 <= len(data):
        length = int.from_bytes(data[pos:pos + 4], "big")
        out.append((pos, data[pos + 4:pos + 8], length))
        pos += 12 + length
    return out


def _with_crc(data: bytearray, chunk: tuple[int, bytes, int]) -> bytearray:
    pos, _, length = chunk
    crc = zlib.crc32(bytes(data[pos + 4:pos + 8 + length]))
    data[pos + 8 + length:pos + 12 + length] = crc.to_bytes(4, "big")
    return data


def _damaged(data: bytes, rng: random.Random):
    for cut in sorted({rng.randrange(len(data)) for _ in range(40)} | {8, 33, len(data) - 12, len(data) - 1}):
        yield f"cut at {cut}", data[:cut]
    chunks = _chunks(data)
    for _ in range(40):
        spot = rng.randrange(8, len(data))
        changed = bytearray(data)
        changed[spot] ^= 1 << rng.randrange(8)
        yield f"bit at {spot}", bytes(changed)
    for _ in range(60):  # inside a chunk's data, checksum made right: only the content is wrong
        chunk = rng.choice([c for c in chunks if c[2]])
        spot = chunk[0] + 8 + rng.randrange(chunk[2])
        changed = bytearray(data)
        changed[spot] = rng.randrange(256)
        yield f"{chunk[1].decode()} byte {spot} (checksum fixed)", bytes(_with_crc(changed, chunk))


def _rewritten(data: bytes, change) -> bytes:
    """The PNG with its inflated image data changed by ``change`` and deflated again into one
    IDAT chunk with a right checksum: a file whose every chunk is whole, wrong inside."""
    chunks = _chunks(data)
    idat = [c for c in chunks if c[1] == b"IDAT"]
    raw = zlib.decompress(b"".join(data[p + 8:p + 8 + n] for p, _, n in idat))
    body = zlib.compress(change(bytearray(raw)))
    chunk = len(body).to_bytes(4, "big") + b"IDAT" + body + zlib.crc32(b"IDAT" + body).to_bytes(4, "big")
    start, end = idat[0][0], idat[-1][0] + 12 + idat[-1][2]
    return data[:start] + chunk + data[end:]


def _badly_encoded(data: bytes, rng: random.Random):
    raw = zlib.decompress(b"".join(data[p + 8:p + 8 + n] for p, t, n in _chunks(data) if t == b"IDAT"))
    stride = len(raw) // 23  # every picture here is 23 rows high

    def filter_type(value: int):
        def change(raw: bytearray) -> bytes:
            raw[stride * rng.randrange(23)] = value
            return bytes(raw)
        return change
    yield "filter type 5", _rewritten(data, filter_type(5))
    yield "filter type 255", _rewritten(data, filter_type(255))
    yield "filter type 4 (exists)", _rewritten(data, filter_type(4))
    yield "one row short", _rewritten(data, lambda raw: bytes(raw[:-stride]))
    yield "one byte short", _rewritten(data, lambda raw: bytes(raw[:-1]))
    yield "one byte more", _rewritten(data, lambda raw: bytes(raw) + b"\0")
    yield "one row more", _rewritten(data, lambda raw: bytes(raw) + bytes(stride))


def _pillow_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as im:
        im.load()
        return im.size


@pytest.mark.parametrize("name", list(PICTURES))
def test_every_kind_of_png_passes_without_pillow(name):
    data = PICTURES[name]
    assert complete_png(data) == _pillow_size(data)


@pytest.mark.parametrize("name", list(PICTURES))
def test_what_the_check_accepts_pillow_decodes(name, tmp_path):
    rng = random.Random(name)
    accepted = left = 0
    for how, data in [*_damaged(PICTURES[name], rng), *_badly_encoded(PICTURES[name], rng)]:
        size = complete_png(data)
        path = tmp_path / "p.png"
        path.write_bytes(data)
        if size is not None:
            accepted += 1
            assert _pillow_size(data) == size, how
            assert verify_image(path) == ImageInfo("PNG", "image/png", *size)
            continue
        left += 1
        try:
            expected = verify_with_pillow(path)
        except ImageProblem as why:
            expected = str(why)
        try:
            got = verify_image(path)
        except ImageProblem as why:
            got = str(why)
        assert got == expected, how
    assert left > 50, (accepted, left)  # the damage was found, not waved through


def test_pictures_it_leaves_to_pillow():
    """Interlaced, an ICC profile or international text (compressed chunks), a pixel count over the limit, a JPEG: all go to
    Pillow, which decides as it always did."""
    rgb = Image.new("RGB", (40, 30), (200, 30, 30))
    buf = io.BytesIO()
    rgb.save(buf, "PNG", icc_profile=b"\0" * 200)
    assert complete_png(buf.getvalue()) is None
    info = PngImagePlugin.PngInfo()
    info.add_text("Title", "封面")  # not Latin-1: an iTXt chunk
    buf = io.BytesIO()
    rgb.save(buf, "PNG", pnginfo=info)
    assert complete_png(buf.getvalue()) is None
    plain = PICTURES["rgb"]
    assert complete_png(plain, max_pixels=37 * 23 - 1) is None
    header = bytearray(plain)
    header[8 + 8 + 12] = 1  # IHDR interlace method: Adam7
    assert complete_png(bytes(_with_crc(header, _chunks(plain)[0]))) is None
    jpeg = io.BytesIO()
    rgb.save(jpeg, "JPEG")
    assert complete_png(jpeg.getvalue()) is None


def test_truncated_cover_is_still_refused(example_copy):
    """The check's fallback keeps S017: a cover cut short never reaches a build."""
    from issuepub.sources import check_issue

    cover = example_copy / "cover.png"
    cover.write_bytes(cover.read_bytes()[:-200])
    issue, problems = check_issue(example_copy)
    assert issue is None and [p.code for p in problems if p.severity == "error"] == ["S017"]


def _verified_at_full_size(path: Path) -> str:
    """The verification as it was before JPEGs were decoded at an eighth of their size."""
    try:
        with Image.open(path) as im:
            size = im.size
            im.load()
        return f"ok {size}"
    except (OSError, ValueError, SyntaxError, EOFError):
        return "refused"


@pytest.mark.parametrize("progressive", [False, True])
def test_jpeg_verified_at_reduced_size_decides_as_at_full_size(progressive, tmp_path):
    """A JPEG is verified decoding every block at an eighth of its size: whole or damaged (cut
    short, bytes changed), each file is accepted or refused exactly as a full decode does."""
    rng = random.Random(progressive)
    noise = bytes(rng.randrange(256) for _ in range(96 * 64 * 3))
    buf = io.BytesIO()
    Image.frombytes("RGB", (96, 64), noise).save(buf, "JPEG", quality=90, progressive=progressive)
    data = buf.getvalue()
    variants = [("whole", data)] + [(f"cut at {c}", data[:c]) for c in
                                    sorted({rng.randrange(2, len(data)) for _ in range(40)})]
    for _ in range(40):
        changed = bytearray(data)
        changed[rng.randrange(2, len(data))] = rng.randrange(256)
        variants.append(("changed", bytes(changed)))
    decided = set()
    for how, variant in variants:
        path = tmp_path / "p.jpg"
        path.write_bytes(variant)
        try:
            info = verify_image(path)
            got = f"ok {(info.width, info.height)}"
        except ImageProblem:
            got = "refused"
        assert got == _verified_at_full_size(path), how
        decided.add(got.split()[0])
    assert decided == {"ok", "refused"}
