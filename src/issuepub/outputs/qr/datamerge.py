"""``qr/datamerge.csv``: the codes as a data source for InDesign's Data Merge. Pure.

One record per code: article number, title, printed page, URL, and the code files in ``@``
columns (Data Merge places the picture a field names when the field's name starts with ``@``).
The files are named without a folder: the CSV sits beside them in ``qr/``, so the folder can
be copied to the layout team's machine as it is. The text is UTF-16 (little-endian, with a
byte-order mark), what InDesign reads as a Unicode data source, so Chinese titles arrive
intact; comma-separated, fields quoted where needed, CRLF between records.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .proof import ProofEntry

DATAMERGE_NAME = "datamerge.csv"
ENCODING = "utf-16-le"
BOM = "\ufeff"
HEADER = ("文章序号", "栏目", "标题", "页码", "网址", "@二维码PDF", "@二维码PNG")
CAPTION_HEADER = ("@带文字二维码PDF", "@带文字二维码PNG")


def datamerge_rows(entries: list[ProofEntry]) -> list[tuple[str, ...]]:
    with_caption = any(e.caption_art is not None for e in entries)
    rows = [HEADER + (CAPTION_HEADER if with_caption else ())]
    for e in entries:
        row = (f"{e.number:02d}", e.column, e.title, "" if e.page is None else str(e.page), e.url,
               f"{e.stem}.pdf", f"{e.stem}.png")
        if with_caption:
            row += (f"{e.stem}-caption.pdf", f"{e.stem}-caption.png")
        rows.append(row)
    return rows


def datamerge_csv(entries: list[ProofEntry], qr_dir: Path | None = None) -> bytes:
    """The CSV's bytes (``qr_dir`` is where it goes; the paths are relative to it)."""
    out = io.StringIO()
    # Line breaks inside a field would split a record: titles are one line in the model.
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    for row in datamerge_rows(entries):
        writer.writerow([" ".join(cell.split()) for cell in row])
    return (BOM + out.getvalue()).encode(ENCODING)
