"""Read every code back before it is published: a code that does not decode to its URL fails
the build.

- PNG: the file's bytes are opened with Pillow and decoded with zxing-cpp (an independent
  decoder: it shares no code with the ``qrcode`` encoder).
- SVG and PDF: the geometry in the file's bytes (the module path of the SVG; the fill
  operators of the PDF content stream) is parsed back and rasterised, then decoded with
  zxing-cpp. This checks what was serialised, not the in-memory matrix. (The tests also
  render both with MuPDF, a full independent renderer.)
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zlib
from dataclasses import dataclass


class QrVerificationError(RuntimeError):
    """A written code does not read back as its URL: never ship it."""


@dataclass(frozen=True)
class Decoded:
    text: str
    version: int
    level: str


def decode_all(image) -> list[Decoded]:
    import zxingcpp

    found = zxingcpp.read_barcodes(image.convert("L"), formats=zxingcpp.BarcodeFormat.QRCode)
    return [Decoded(b.text, int(b.extra.get("Version", 0)), str(b.extra.get("ECLevel", "")))
            for b in found if b.valid]


def decode_one(image, what: str) -> Decoded:
    found = decode_all(image)
    if len(found) != 1:
        raise QrVerificationError(f"二维码核对失败：{what} 中识别出 {len(found)} 个二维码，应为 1 个。")
    return found[0]


def expect(decoded: Decoded, url: str, version: int, level: str, what: str) -> None:
    if (decoded.text, decoded.version, decoded.level) != (url, version, level):
        raise QrVerificationError(
            f"二维码核对失败：{what} 解码为“{decoded.text}”（版本 {decoded.version}，纠错 {decoded.level}），"
            f"应为“{url}”（版本 {version}，纠错 {level}）。这个文件不能付印。")


# --- PNG -----------------------------------------------------------------------------------

def png_image(data: bytes):
    from PIL import Image

    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def png_geometry(image, size_mm: float, modules: int, min_dpi: int, what: str) -> float:
    """The PNG's stated resolution, after checking that it is at least ``min_dpi``, that its
    width is a whole number of pixels per module and that at that resolution it prints at
    ``size_mm`` (within a hundredth of a millimetre)."""
    dpi = image.info.get("dpi", (0, 0))
    if abs(dpi[0] - dpi[1]) > 0.01 or dpi[0] < min_dpi - 0.01:
        raise QrVerificationError(f"二维码核对失败：{what} 记录的分辨率是 {dpi}，应不低于 {min_dpi} dpi。")
    if image.width % modules:
        raise QrVerificationError(
            f"二维码核对失败：{what} 宽 {image.width} 像素，不是 {modules} 个模块的整数倍。")
    printed = image.width / dpi[0] * 25.4
    if abs(printed - size_mm) > 0.01:
        raise QrVerificationError(
            f"二维码核对失败：{what} 按 {dpi[0]:.2f} dpi 印出宽 {printed:.3f} 毫米，应为 {size_mm:g} 毫米。")
    return float(dpi[0])


# --- SVG -----------------------------------------------------------------------------------

_SVG = "{http://www.w3.org/2000/svg}"
_MM = re.compile(r"^([0-9.]+)mm$")


def svg_size_mm(data: bytes) -> tuple[float, float]:
    root = ET.fromstring(data)
    sizes = []
    for attr in ("width", "height"):
        match = _MM.match(root.get(attr, ""))
        if not match:
            raise QrVerificationError(f"二维码核对失败：SVG 的 {attr} 不是毫米数（{root.get(attr)!r}）。")
        sizes.append(float(match.group(1)))
    return sizes[0], sizes[1]


def svg_module_rects(data: bytes) -> tuple[list[tuple[float, float, float, float]], float, float]:
    """The rectangles of the SVG's module path, and the viewBox width and height."""
    root = ET.fromstring(data)
    _, _, vw, vh = (float(v) for v in root.get("viewBox", "").split())
    path = next((p for p in root.iter(f"{_SVG}path") if p.get("id") == "qr-modules"), None)
    if path is None:
        raise QrVerificationError("二维码核对失败：SVG 中没有模块路径。")
    out = []
    x = y = 0.0
    points: list[tuple[float, float]] = []
    for cmd, args in re.findall(r"([MmHhVvLlZz])([^MmHhVvLlZz]*)", path.get("d", "")):
        values = [float(v) for v in re.findall(r"-?[0-9.]+", args)]
        if cmd in "Mm":
            x, y = (values[0], values[1]) if cmd == "M" else (x + values[0], y + values[1])
            points = [(x, y)]
        elif cmd in "Ll":
            x, y = (values[0], values[1]) if cmd == "L" else (x + values[0], y + values[1])
            points.append((x, y))
        elif cmd in "Hh":
            x = values[0] if cmd == "H" else x + values[0]
            points.append((x, y))
        elif cmd in "Vv":
            y = values[0] if cmd == "V" else y + values[0]
            points.append((x, y))
        else:  # Z: the subpath must be an axis-aligned rectangle
            xs = sorted({p[0] for p in points})
            ys = sorted({p[1] for p in points})
            if len(points) != 4 or len(xs) != 2 or len(ys) != 2:
                raise QrVerificationError("二维码核对失败：SVG 的模块路径不是矩形。")
            out.append((xs[0], ys[0], xs[1] - xs[0], ys[1] - ys[0]))
            x, y = points[0]
    return out, vw, vh


def raster_svg(data: bytes, px_per_unit: int = 8):
    from PIL import Image, ImageDraw

    boxes, vw, vh = svg_module_rects(data)
    image = Image.new("L", (round(vw * px_per_unit), round(vh * px_per_unit)), 255)
    draw = ImageDraw.Draw(image)
    for x, y, w, h in boxes:
        draw.rectangle((round(x * px_per_unit), round(y * px_per_unit),
                        round((x + w) * px_per_unit) - 1, round((y + h) * px_per_unit) - 1), fill=0)
    return image


# --- PDF -----------------------------------------------------------------------------------

_OBJ = re.compile(rb"(\d+) 0 obj\n(.*?)\nendobj\n", re.S)


def _objects(data: bytes) -> dict[int, bytes]:
    return {int(m.group(1)): m.group(2) for m in _OBJ.finditer(data)}


def _stream(body: bytes) -> bytes:
    head, _, rest = body.partition(b"stream\n")
    raw = rest[: rest.rindex(b"\nendstream")]
    return zlib.decompress(raw) if b"/FlateDecode" in head else raw


def pdf_pages(data: bytes) -> list[tuple[tuple[float, float], bytes]]:
    """(MediaBox width and height in points, decoded content stream) of each page, in order."""
    objects = _objects(data)
    catalog = next(b for b in objects.values() if b"/Type /Catalog" in b)
    pages_ref = int(re.search(rb"/Pages (\d+) 0 R", catalog).group(1))
    kids = [int(k) for k in re.findall(rb"(\d+) 0 R", re.search(rb"/Kids \[(.*?)\]", objects[pages_ref]).group(1))]
    out = []
    for kid in kids:
        page = objects[kid]
        box = [float(v) for v in re.search(rb"/MediaBox \[([^\]]*)\]", page).group(1).split()]
        content = int(re.search(rb"/Contents (\d+) 0 R", page).group(1))
        out.append(((box[2] - box[0], box[3] - box[1]), _stream(objects[content])))
    return out


def _mul(a, b):
    """Concatenate PDF matrices: a then b."""
    return (a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3],
            a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3],
            a[4] * b[0] + a[5] * b[2] + b[4], a[4] * b[1] + a[5] * b[3] + b[5])


def raster_pdf_page(size: tuple[float, float], content: bytes, dpi: int = 600):
    """Rasterise the filled rectangles of a content stream (the codes; text and curves are
    skipped), in DeviceGray, at ``dpi``."""
    from PIL import Image, ImageDraw

    scale = dpi / 72
    width, height = size
    image = Image.new("L", (round(width * scale), round(height * scale)), 255)
    draw = ImageDraw.Draw(image)
    ctm = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    stack = []
    gray = 0.0
    path: list[tuple[float, float, float, float]] = []
    operands: list[float] = []
    in_text = False
    for token in re.findall(rb"<[0-9A-Fa-f]*>|/[^\s/<>\[\]()]+|[-+]?[0-9.]+|[A-Za-z*']+", content):
        if token[:1].isdigit() or token[:1] in b"-+.":
            operands.append(float(token))
            continue
        op = token.decode("latin-1")
        if op == "BT":
            in_text = True
        elif op == "ET":
            in_text = False
        elif in_text:
            pass
        elif op == "q":
            stack.append((ctm, gray))
        elif op == "Q":
            ctm, gray = stack.pop()
        elif op == "cm":
            ctm = _mul(tuple(operands[-6:]), ctm)
        elif op == "g":
            gray = operands[-1]
        elif op == "re":
            x, y, w, h = operands[-4:]
            corners = [(x, y), (x + w, y + h)]
            pts = [(ctm[0] * px + ctm[2] * py + ctm[4], ctm[1] * px + ctm[3] * py + ctm[5])
                   for px, py in corners]
            path.append((min(p[0] for p in pts), min(p[1] for p in pts),
                         max(p[0] for p in pts), max(p[1] for p in pts)))
        elif op in ("f", "F", "f*"):
            shade = round(gray * 255)
            for x0, y0, x1, y1 in path:
                box = (round(x0 * scale), round((height - y1) * scale),
                       round(x1 * scale) - 1, round((height - y0) * scale) - 1)
                if box[2] >= box[0] and box[3] >= box[1]:
                    draw.rectangle(box, fill=shade)
            path = []
        elif op == "n":
            path = []
        operands = []
    return image
