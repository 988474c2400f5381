"""Helpers for the QR tests: issues built straight from the model, builds, and reading back."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from issuepub.model import (Article, AudioSettings, Block, Column, Issue, Magazine,
                            QrSettings)
from issuepub.outputs.base import BuildContext, BuildOptions, OutputResult

# A real-looking address (never contacted): a placeholder would make every code a draft.
BASE_URL = "https://audio.tjzbsh.cn/tjzbsh"

# (column, slug, title, page, print_qr, narrate), in reading order.
ARTICLES = (
    ("卷首", "juanshou", "春风化雨 久久为功", 1, True, True),
    ("特别关注", "hongse-guanjia", "楼门口的“红色管家”", 4, True, True),
    ("特别关注", "louzhang", "一张清单管到底", 7, False, True),
    ("言论", "yanlun", "少一些“留痕”，多一些“留心”", 15, False, False),
)


def make_issue(root: Path, *, base_url: str = BASE_URL, size_mm: float = 22.0,
               error_correction: str = "M", caption: bool = False,
               articles=ARTICLES) -> Issue:
    columns: dict[str, list[Article]] = {}
    for number, (column, slug, title, page, print_qr, narrate) in enumerate(articles, start=1):
        columns.setdefault(column, []).append(Article(
            number=number, slug=slug, column=column, title=title,
            blocks=(Block("paragraph", "正文第一段。"),), page=page,
            print_qr=print_qr, narrate=narrate, source=root / f"{slug}.md"))
    return Issue(
        root=root,
        magazine=Magazine(title="天津支部生活", code="tjzbsh"),
        edition="上半月", year=2025, number=3, date=dt.date(2025, 3, 1),
        columns=tuple(Column(name, tuple(items)) for name, items in columns.items()),
        audio=AudioSettings(base_url=base_url),
        qr=QrSettings(size_mm=size_mm, error_correction=error_correction, caption=caption),
    )


def run_qr(issue: Issue, out_dir: Path, **options) -> OutputResult:
    from issuepub.outputs import qr

    ctx = BuildContext(issue=issue, out_dir=out_dir, options=BuildOptions(**options), manifest={})
    return qr.build(ctx)


def decode(image) -> list[tuple[str, str, str]]:
    """(text, version, EC level) of every QR code zxing-cpp finds in a Pillow image."""
    import zxingcpp

    found = zxingcpp.read_barcodes(image.convert("L"), formats=zxingcpp.BarcodeFormat.QRCode)
    return [(b.text, b.extra.get("Version"), b.extra.get("ECLevel")) for b in found if b.valid]


def mupdf_render(path: Path, dpi: int = 600, page: int = 0):
    """Render a PDF or SVG page with MuPDF (an independent renderer) to a Pillow image."""
    import pymupdf
    from PIL import Image

    with pymupdf.open(path) as doc:
        pix = doc[page].get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY, alpha=False)
        return Image.frombytes("L", (pix.width, pix.height), pix.samples)


def page_size_mm(path: Path, page: int = 0) -> tuple[float, float]:
    import pymupdf

    with pymupdf.open(path) as doc:
        rect = doc[page].rect
        return rect.width * 25.4 / 72, rect.height * 25.4 / 72
