"""Pictures in the EPUB: sized for e-readers, upright, without metadata, under names of their
own whatever the source calls them, typed by their content; alt text that does not repeat
the caption; the visual access mode declared; the manifest says what each picture became.

The pictures are made here with Pillow and read back from the EPUB with Pillow.
"""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path
from urllib.parse import unquote

import pytest
from lxml import etree
from PIL import Image

from conftest import EXAMPLE, assert_epubcheck_clean
from issuepub.build import run_build
from issuepub.pictures import EREADER_MAX_PIXELS, PictureError, prepare_for_ereader
from support.issues import article, issue as model_issue

NS = {"x": "http://www.w3.org/1999/xhtml", "opf": "http://www.idpf.org/2007/opf"}
RED, BLUE, GREEN, YELLOW = (220, 20, 20), (20, 20, 220), (20, 160, 20), (230, 200, 0)
ARTICLE = "articles/02-hongse-guanjia.md"

# (source path, caption line as written in the article)
PICTURES = {
    "pictures/photo.jpg": '![楼门口的议事会](pictures/photo.jpg "居民围坐在楼门口的长桌旁，社区书记站着讲话")',
    "pictures/a-b.png": "![第一张](pictures/a-b.png)",
    "pictures-a/b.png": "![第二张](pictures-a/b.png)",
    "pictures/my photo #1 100%.png": "![名字里有空格、井号和百分号](pictures/my photo #1 100%.png)",
    "pictures/really-png.jpg": "![扩展名说是 JPEG，内容是 PNG](pictures/really-png.jpg)",
    "pictures/poster.png": "![一张大海报](pictures/poster.png)",
}


def halves(size: tuple[int, int], first, second, *, vertical: bool = True) -> Image.Image:
    """Left/right (vertical=True) or top/bottom halves of two colours."""
    im = Image.new("RGB", size, first)
    w, h = size
    im.paste(second, (w // 2, 0, w, h) if vertical else (0, h // 2, w, h))
    return im


def photo_with_exif(width: int = 4000, height: int = 3000, orientation: int = 6) -> bytes:
    """A camera-like JPEG: stored landscape, EXIF says turn it 90° clockwise; with the camera
    model, a GPS position and a comment that must not reach the book."""
    im = halves((width, height), RED, BLUE)  # stored: red left, blue right
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "TestCam"  # Make
    exif[0x0110] = "Model X"  # Model
    exif.get_ifd(0x8825)[2] = (39.0, 7.0, 0.0)  # GPSLatitude
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=92, exif=exif.tobytes(), comment=b"secret comment")
    return buf.getvalue()


def png(size, first, second, **info) -> bytes:
    from PIL.PngImagePlugin import PngInfo

    meta = PngInfo()
    for key, value in info.items():
        meta.add_text(key, value)
    buf = io.BytesIO()
    halves(size, first, second).save(buf, "PNG", pnginfo=meta)
    return buf.getvalue()


@pytest.fixture(scope="module")
def pictured(tmp_path_factory):
    root = tmp_path_factory.mktemp("pictured")
    issue_dir = root / "issue"
    shutil.copytree(EXAMPLE, issue_dir)
    files = {
        "pictures/photo.jpg": photo_with_exif(),
        "pictures/a-b.png": png((300, 200), RED, RED),
        "pictures-a/b.png": png((300, 200), GREEN, GREEN),
        "pictures/my photo #1 100%.png": png((200, 100), YELLOW, BLUE, Author="someone"),
        "pictures/really-png.jpg": png((120, 80), BLUE, BLUE),
        "pictures/poster.png": png((3000, 2000), GREEN, YELLOW, Comment="layout notes"),
    }
    for name, data in files.items():
        (issue_dir / name).parent.mkdir(parents=True, exist_ok=True)
        (issue_dir / name).write_bytes(data)
    source = issue_dir / ARTICLE
    source.write_text(source.read_text(encoding="utf-8") + "\n" + "\n\n".join(PICTURES.values()) + "\n",
                      encoding="utf-8")
    report = run_build(issue_dir, root / "out", only=["epub"])
    epub = report.out_dir / f"{report.issue.id}.epub"
    manifest = json.loads(report.manifest_path.read_text(encoding="utf-8"))
    return issue_dir, epub, manifest, files, report


def _figures(epub: Path) -> dict[str, tuple[str, str, str]]:
    """figcaption -> (src as written, alt, package path) in the article's document."""
    with zipfile.ZipFile(epub) as z:
        doc = etree.fromstring(z.read("EPUB/text/a02.xhtml"))
    out = {}
    for fig in doc.xpath("//x:figure", namespaces=NS):
        img = fig.find("x:img", NS)
        src = img.get("src")
        assert src.startswith("../")
        out[fig.findtext("x:figcaption", namespaces=NS)] = (src, img.get("alt"), "EPUB/" + unquote(src[3:]))
    return out


def _caption(line: str) -> str:
    return line[2:line.index("]")]


def _picture(epub: Path, caption: str) -> tuple[bytes, str]:
    """The bytes of the picture beside ``caption`` and its manifest media type."""
    _, _, path = _figures(epub)[caption]
    with zipfile.ZipFile(epub) as z:
        opf = etree.fromstring(z.read("EPUB/content.opf"))
        data = z.read(path)
    types = {"EPUB/" + unquote(i.get("href")): i.get("media-type") for i in opf.xpath("//opf:item", namespaces=NS)}
    return data, types[path]


def test_epubcheck_clean_with_awkward_names(pictured):
    assert_epubcheck_clean(pictured[1])


def test_large_photo_goes_in_upright_at_ereader_size_without_metadata(pictured):
    _, epub, manifest, files, _ = pictured
    data, media = _picture(epub, _caption(PICTURES["pictures/photo.jpg"]))
    assert media == "image/jpeg" and data.startswith(b"\xff\xd8")
    with Image.open(io.BytesIO(data)) as im:
        assert im.width * im.height <= EREADER_MAX_PIXELS
        assert im.height > im.width  # EXIF orientation 6 applied: the photo stands upright
        assert abs(im.height / im.width - 4000 / 3000) < 0.01
        rgb = im.convert("RGB")
        # turned clockwise, the stored left (red) half is now on top
        top, bottom = rgb.getpixel((im.width // 2, im.height // 4)), rgb.getpixel((im.width // 2, 3 * im.height // 4))
        assert top[0] > 180 and top[2] < 80 and bottom[2] > 180 and bottom[0] < 80
        assert not im.getexif() and "comment" not in im.info
    for secret in (b"Exif", b"TestCam", b"secret comment"):
        assert secret not in data
    assert len(data) < len(files["pictures/photo.jpg"]) / 2
    record = next(p for p in manifest["outputs"]["epub"]["pictures"] if p["source"] == "pictures/photo.jpg")
    assert record["original"] == {"width": 4000, "height": 3000, "bytes": len(files["pictures/photo.jpg"])}
    with Image.open(io.BytesIO(data)) as im:
        assert record["written"] == {"width": im.width, "height": im.height, "bytes": len(data)}


def test_large_png_stays_lossless_png_but_sized(pictured):
    _, epub, manifest, _, _ = pictured
    data, media = _picture(epub, _caption(PICTURES["pictures/poster.png"]))
    assert media == "image/png"
    with Image.open(io.BytesIO(data)) as im:
        assert im.format == "PNG" and im.width * im.height <= EREADER_MAX_PIXELS
        assert abs(im.width / im.height - 1.5) < 0.01
        # flat areas keep their exact colour (no lossy step)
        assert im.convert("RGB").getpixel((im.width // 4, im.height // 2)) == GREEN
        assert im.convert("RGB").getpixel((3 * im.width // 4, im.height // 2)) == YELLOW
    assert b"layout notes" not in data


def test_small_png_goes_in_pixel_for_pixel_without_its_text_chunks(pictured):
    _, epub, _, files, _ = pictured
    data, media = _picture(epub, _caption(PICTURES["pictures/my photo #1 100%.png"]))
    assert media == "image/png" and b"someone" not in data
    with Image.open(io.BytesIO(data)) as a, Image.open(io.BytesIO(files["pictures/my photo #1 100%.png"])) as b:
        assert a.size == b.size and a.tobytes() == b.tobytes()


def test_names_are_unique_encoded_and_typed_by_content(pictured):
    _, epub, manifest, _, _ = pictured
    figures = _figures(epub)
    paths = [path for _, _, path in figures.values()]
    assert len(set(paths)) == len(PICTURES)  # pictures/a-b.png and pictures-a/b.png both kept
    first, _ = _picture(epub, "第一张")
    second, _ = _picture(epub, "第二张")
    with Image.open(io.BytesIO(first)) as a, Image.open(io.BytesIO(second)) as b:
        assert a.convert("RGB").getpixel((5, 5)) == RED and b.convert("RGB").getpixel((5, 5)) == GREEN
    for src, _, _ in figures.values():  # no raw space, # or % reaches a reference
        assert not set(src) & set(" #%"), src
    data, media = _picture(epub, _caption(PICTURES["pictures/really-png.jpg"]))
    assert media == "image/png" and data.startswith(b"\x89PNG")
    assert _figures(epub)[_caption(PICTURES["pictures/really-png.jpg"])][2].endswith(".png")
    with zipfile.ZipFile(epub) as z:
        names = set(z.namelist())
    assert set(paths) <= names
    assert {p["source"] for p in manifest["outputs"]["epub"]["pictures"]} == set(PICTURES)


def test_alt_text_does_not_repeat_the_caption(pictured):
    _, epub, _, _, _ = pictured
    figures = _figures(epub)
    for source, line in PICTURES.items():
        _, alt, _ = figures[_caption(line)]
        if '"' in line:  # a description given in the source is the alt text
            assert alt == "居民围坐在楼门口的长桌旁，社区书记站着讲话"
        else:  # the visible caption says it; alt="" keeps a screen reader from saying it twice
            assert alt == ""


def test_visual_access_mode_with_pictures(pictured):
    with zipfile.ZipFile(pictured[1]) as z:
        opf = etree.fromstring(z.read("EPUB/content.opf"))
    values = lambda prop: [m.text for m in opf.xpath(f"//opf:meta[@property='{prop}']", namespaces=NS)]
    assert values("schema:accessMode") == ["textual", "visual"]
    assert values("schema:accessModeSufficient") == ["textual", "textual,visual"]
    assert "alternativeText" in values("schema:accessibilityFeature")


def test_rebuild_is_byte_identical(pictured, tmp_path):
    issue_dir, epub, _, _, report = pictured
    again = run_build(issue_dir, tmp_path, only=["epub"])
    assert (again.out_dir / epub.name).read_bytes() == epub.read_bytes()
    assert again.manifest_path.read_bytes() == report.manifest_path.read_bytes()


def test_ace_on_the_pictured_epub(pictured, tmp_path):
    from test_epub_accessibility import assert_ace_clean

    assert_ace_clean(pictured[1], tmp_path / "ace")


# --- pictures that cannot go in ------------------------------------------------------

@pytest.mark.parametrize("data", [
    b"this is not a picture at all",
    photo_with_exif(400, 300)[:600],  # truncated JPEG
    png((50, 50), RED, RED)[:40],  # truncated PNG
])
def test_unusable_pictures_are_refused_with_a_message(data):
    with pytest.raises(PictureError) as caught:
        prepare_for_ereader(data)
    assert caught.value.args[0]  # a Chinese reason


def test_a_picture_that_is_not_one_is_left_out_and_the_caption_kept(tmp_path):
    from issuepub.build import base_manifest
    from issuepub.outputs import epub as epub_output
    from issuepub.outputs.base import BuildContext, BuildOptions

    (tmp_path / "pictures").mkdir()
    (tmp_path / "pictures" / "fake.jpg").write_bytes(b"GIF? no: plain text")
    (tmp_path / "pictures" / "ok.jpg").write_bytes(photo_with_exif(400, 300, orientation=1))
    issue = model_issue(tmp_path, [article("juanshou", "坚定信心 真抓实干", [
        "正文。", ("caption", "假图片"), ("caption", "真图片")])])
    blocks = list(issue.articles[0].blocks)
    from dataclasses import replace
    blocks[1] = replace(blocks[1], image="pictures/fake.jpg")
    blocks[2] = replace(blocks[2], image="pictures/ok.jpg")
    a = replace(issue.articles[0], blocks=tuple(blocks))
    issue = replace(issue, columns=(replace(issue.columns[0], articles=(a,)),))
    out = tmp_path / "out" / issue.id
    out.mkdir(parents=True)
    ctx = BuildContext(issue=issue, out_dir=out, options=BuildOptions(), manifest=base_manifest(issue, {}))
    result = epub_output.build(ctx)
    epub = out / f"{issue.id}.epub"
    assert_epubcheck_clean(epub)
    assert any("pictures/fake.jpg" in f for f in result.failures)
    assert [p["source"] for p in result.record["pictures"]] == ["pictures/ok.jpg"]
    assert result.record["accessibility"]["conforms_to"] is None  # no claim with a picture missing
    with zipfile.ZipFile(epub) as z:
        doc = etree.fromstring(z.read("EPUB/text/a01.xhtml"))
        opf = z.read("EPUB/content.opf")
    assert doc.xpath("string(//x:p[@class='caption'])", namespaces=NS) == "假图片"
    assert doc.xpath("string(//x:figcaption)", namespaces=NS) == "真图片"
    assert b"dcterms:conformsTo" not in opf
    # the small, upright JPEG went in without re-encoding: same scan data, no EXIF
    with zipfile.ZipFile(epub) as z:
        src = doc.xpath("string(//x:img/@src)", namespaces=NS)
        written = z.read("EPUB/" + unquote(src[3:]))
    original = (tmp_path / "pictures" / "ok.jpg").read_bytes()
    scan = original.index(b"\xff\xda")
    assert written.endswith(original[scan:]) and b"TestCam" not in written


def _stripes(size=(3000, 2000)) -> Image.Image:
    """One-pixel black and white columns: nearest-neighbour scaling keeps only black and
    white; a real filter averages neighbouring columns into greys."""
    im = Image.new("L", size, 255)
    im.paste(Image.new("L", (1, size[1]), 0), (0, 0))
    columns = Image.new("L", (2, 1), 255)
    columns.putpixel((0, 0), 0)
    return columns.resize(size, Image.NEAREST)


@pytest.mark.parametrize("mode", ["P", "1"])
def test_palette_and_bilevel_pngs_are_scaled_with_a_filter(mode):
    buf = io.BytesIO()
    _stripes().convert(mode).save(buf, "PNG")
    out = prepare_for_ereader(buf.getvalue())
    with Image.open(io.BytesIO(out.data)) as im:
        assert im.format == "PNG" and im.width * im.height <= EREADER_MAX_PIXELS
        greys = set(im.convert("L").tobytes())
    assert len(greys) > 2, sorted(greys)  # filtered, not nearest-neighbour


def test_cmyk_photo_does_not_keep_its_cmyk_profile_once_rgb():
    cmyk = Image.new("CMYK", (3000, 2000), (0, 200, 200, 0))
    buf = io.BytesIO()
    cmyk.save(buf, "JPEG", icc_profile=b"stand-in for a CMYK press profile")
    out = prepare_for_ereader(buf.getvalue())
    with Image.open(io.BytesIO(out.data)) as im:
        assert im.mode == "RGB" and im.width * im.height <= EREADER_MAX_PIXELS
        assert "icc_profile" not in im.info  # a CMYK profile on RGB data would skew the colours
        r, g, b = im.getpixel((10, 10))
        assert r > 200 and g < 120 and b < 120  # still the red it was
