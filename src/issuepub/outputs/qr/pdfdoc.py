"""A small, deterministic PDF writer: vector pages, one embedded CJK subset font (pure, no I/O).

Just what the QR output needs, written out by hand so that every byte is under control:
no timestamps (unless SOURCE_DATE_EPOCH asks for them), a document ID derived from the
content, fills in DeviceGray (pure K black on press), and fonts embedded as subsets.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
import zlib
from typing import Iterable, Sequence

from ...fonts import EmbeddedFont, PathOp

MM = 72 / 25.4  # points per millimetre


def num(value: float) -> str:
    """A PDF number: at most 4 decimals, no trailing zeros, never ``-0``."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def pdf_string(text: str) -> str:
    """A PDF text string: UTF-16BE with BOM, as hex, for Chinese titles in the Info dict."""
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


def rects_ops(rects: Iterable[tuple[float, float, float, float]]) -> str:
    return "\n".join(f"{num(x)} {num(y)} {num(w)} {num(h)} re" for x, y, w, h in rects)


def path_ops(ops: Sequence[PathOp]) -> str:
    out = []
    for op, pts in ops:
        if op == "M":
            out.append(f"{num(pts[0])} {num(pts[1])} m")
        elif op == "L":
            out.append(f"{num(pts[0])} {num(pts[1])} l")
        elif op == "C":
            out.append(" ".join(num(p) for p in pts) + " c")
        elif op == "Z":
            out.append("h")
    return "\n".join(out)


def text_op(font: EmbeddedFont, resource: str, size: float, x: float, y: float, text: str) -> str:
    return (f"BT /{resource} {num(size)} Tf 1 0 0 1 {num(x)} {num(y)} Tm "
            f"<{font.encode(text).hex().upper()}> Tj ET")


def _to_unicode_cmap(font: EmbeddedFont) -> bytes:
    pairs: dict[int, str] = {}
    for char, gid in sorted(font.gids.items()):
        if gid and gid not in pairs:
            pairs[gid] = char
    lines = [
        "/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def", "/CMapType 2 def",
        "1 begincodespacerange", "<0000> <FFFF>", "endcodespacerange",
    ]
    items = sorted(pairs.items())
    for start in range(0, len(items), 100):  # at most 100 entries per block
        block = items[start:start + 100]
        lines.append(f"{len(block)} beginbfchar")
        for gid, char in block:
            lines.append(f"<{gid:04X}> <{char.encode('utf-16-be').hex().upper()}>")
        lines.append("endbfchar")
    lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return ("\n".join(lines) + "\n").encode("ascii")


def _source_date() -> str | None:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        return None
    moment = _dt.datetime.fromtimestamp(int(epoch), tz=_dt.timezone.utc)
    return moment.strftime("D:%Y%m%d%H%M%SZ")


class PdfDocument:
    """Objects are numbered in the order they are added; pages in the order of ``add_page``."""

    def __init__(self) -> None:
        self._objects: list[bytes | None] = []
        self._pages: list[int] = []
        self._pages_ref = self._reserve()
        self._fonts: dict[str, int] = {}

    def _reserve(self) -> int:
        self._objects.append(None)
        return len(self._objects)

    def _set(self, ref: int, body: str | bytes) -> None:
        self._objects[ref - 1] = body.encode("latin-1") if isinstance(body, str) else body

    def add(self, body: str | bytes) -> int:
        ref = self._reserve()
        self._set(ref, body)
        return ref

    def add_stream(self, data: bytes, extra: str = "") -> int:
        packed = zlib.compress(data, 9)
        head = f"<< /Length {len(packed)} /Filter /FlateDecode{extra} >>\nstream\n".encode("latin-1")
        return self.add(head + packed + b"\nendstream")

    def add_font(self, resource: str, font: EmbeddedFont) -> None:
        """Embed ``font`` as a Type0 / CIDFontType2 font (Identity-H, CID = glyph id)."""
        program = self.add_stream(font.data, f" /Length1 {len(font.data)}")
        bbox = " ".join(str(v) for v in font.bbox)
        descriptor = self.add(
            f"<< /Type /FontDescriptor /FontName /{font.ps_name} /Flags 4 /FontBBox [{bbox}] "
            f"/ItalicAngle 0 /Ascent {font.ascent} /Descent {font.descent} "
            f"/CapHeight {font.ascent} /StemV 80 /FontFile2 {program} 0 R >>")
        widths = " ".join(str(w) for w in font.widths)
        cid_font = self.add(
            f"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{font.ps_name} "
            f"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
            f"/FontDescriptor {descriptor} 0 R /DW 1000 /W [0 [{widths}]] /CIDToGIDMap /Identity >>")
        to_unicode = self.add_stream(_to_unicode_cmap(font))
        self._fonts[resource] = self.add(
            f"<< /Type /Font /Subtype /Type0 /BaseFont /{font.ps_name} /Encoding /Identity-H "
            f"/DescendantFonts [{cid_font} 0 R] /ToUnicode {to_unicode} 0 R >>")

    def add_page(self, width: float, height: float, content: str) -> None:
        """A page of ``width`` × ``height`` points; MediaBox = TrimBox (the artwork's edge)."""
        stream = self.add_stream(content.encode("latin-1"))
        fonts = " ".join(f"/{name} {ref} 0 R" for name, ref in sorted(self._fonts.items()))
        resources = f"<< /Font << {fonts} >> >>" if fonts else "<< >>"
        box = f"[0 0 {num(width)} {num(height)}]"
        self._pages.append(self.add(
            f"<< /Type /Page /Parent {self._pages_ref} 0 R /MediaBox {box} /TrimBox {box} "
            f"/Resources {resources} /Contents {stream} 0 R >>"))

    def to_bytes(self, title: str) -> bytes:
        kids = " ".join(f"{ref} 0 R" for ref in self._pages)
        self._set(self._pages_ref, f"<< /Type /Pages /Kids [{kids}] /Count {len(self._pages)} >>")
        catalog = self.add(f"<< /Type /Catalog /Pages {self._pages_ref} 0 R >>")
        info = f"<< /Title {pdf_string(title)} /Producer (issuepub)"
        date = _source_date()
        if date:
            info += f" /CreationDate ({date}) /ModDate ({date})"
        info_ref = self.add(info + " >>")

        out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for number, body in enumerate(self._objects, start=1):
            assert body is not None, f"object {number} reserved but never written"
            offsets.append(len(out))
            out += f"{number} 0 obj\n".encode("latin-1") + body + b"\nendobj\n"
        doc_id = hashlib.md5(bytes(out)).hexdigest().upper()
        xref = len(out)
        out += f"xref\n0 {len(self._objects) + 1}\n0000000000 65535 f \n".encode("latin-1")
        for offset in offsets:
            out += f"{offset:010d} 00000 n \n".encode("latin-1")
        out += (f"trailer\n<< /Size {len(self._objects) + 1} /Root {catalog} 0 R /Info {info_ref} 0 R "
                f"/ID [<{doc_id}> <{doc_id}>] >>\nstartxref\n{xref}\n%%EOF\n").encode("latin-1")
        return bytes(out)
