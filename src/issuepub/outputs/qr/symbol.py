"""The QR symbol of one permanent URL, and the print rules it must meet (pure, no I/O).

Decisions, so that a code printed once keeps scanning at first try:

- The URL is encoded as one 8-bit byte segment, exactly as given (no case folding into
  the alphanumeric mode): what a phone decodes is, byte for byte, the permanent URL.
- The smallest version that holds the URL at the chosen error correction (M, or Q for
  rough printing): fewer modules means bigger modules at the same printed size. The URL
  must fit version 4 (33 × 33 modules), whose modules stay large at small print sizes.
- ``size_mm`` is the printed size of the whole square *including* the four-module quiet
  zone: the artwork the designer places is exactly that square, white background included,
  so nothing can be laid into the quiet zone by accident.
- Every module must be at least 0.5 mm: smaller modules stop scanning reliably from a phone
  at reading distance on uncoated paper.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ...diagnostics import Problem, UserError

QUIET_ZONE = 4  # modules of white around the symbol (ISO/IEC 18004 minimum)
MAX_VERSION = 4
MIN_MODULE_MM = 0.5
EC_LEVELS = ("M", "Q")
CAPTION = "扫码收听有声文章"


def _ec_constant(level: str) -> int:
    import qrcode.constants as c

    return {"L": c.ERROR_CORRECT_L, "M": c.ERROR_CORRECT_M,
            "Q": c.ERROR_CORRECT_Q, "H": c.ERROR_CORRECT_H}[level]


def byte_capacity(version: int, level: str) -> int:
    """How many bytes one byte-mode segment can hold (versions 1-9: 8-bit count field)."""
    from qrcode.util import BIT_LIMIT_TABLE

    bits = BIT_LIMIT_TABLE[_ec_constant(level)][version]
    return (bits - 4 - 8) // 8


def modules_for(version: int) -> int:
    """Side of the printed square in modules: the symbol plus the quiet zone on both sides."""
    return 17 + 4 * version + 2 * QUIET_ZONE


def min_size_mm(version: int) -> float:
    return modules_for(version) * MIN_MODULE_MM


@dataclass(frozen=True)
class QrSymbol:
    url: str
    level: str  # M | Q
    version: int
    matrix: tuple[tuple[bool, ...], ...]  # True = dark; quiet zone included

    @property
    def modules(self) -> int:
        return len(self.matrix)


def encode(url: str, level: str) -> QrSymbol:
    """The QR symbol for ``url`` at error correction ``level`` (smallest version, best mask)."""
    import qrcode
    from qrcode.util import MODE_8BIT_BYTE, QRData

    qr = qrcode.QRCode(error_correction=_ec_constant(level), border=QUIET_ZONE, box_size=1)
    qr.add_data(QRData(url.encode("ascii"), mode=MODE_8BIT_BYTE))
    qr.make(fit=True)
    matrix = tuple(tuple(bool(v) for v in row) for row in qr.get_matrix())
    return QrSymbol(url=url, level=level, version=qr.version, matrix=matrix)


def rects(matrix: tuple[tuple[bool, ...], ...]) -> list[tuple[int, int, int, int]]:
    """Dark modules merged into rectangles (x, y, width, height), in module units.

    Horizontal runs first; a run that repeats exactly on the next row extends the rectangle
    downwards. Fewer, larger shapes: smaller files, and no seams between modules in any
    renderer, since they are all drawn as one path.
    """
    open_rects: dict[tuple[int, int], list[int]] = {}  # (x, w) -> [x, y, w, h]
    done: list[list[int]] = []
    for y, row in enumerate(matrix):
        runs = []
        x = 0
        n = len(row)
        while x < n:
            if row[x]:
                start = x
                while x < n and row[x]:
                    x += 1
                runs.append((start, x - start))
            else:
                x += 1
        still_open: dict[tuple[int, int], list[int]] = {}
        for run in runs:
            rect = open_rects.pop(run, None)
            if rect is not None:
                rect[3] += 1
            else:
                rect = [run[0], y, run[1], 1]
            still_open[run] = rect
        done.extend(open_rects.values())
        open_rects = still_open
    done.extend(open_rects.values())
    return [(r[0], r[1], r[2], r[3]) for r in sorted(done, key=lambda r: (r[1], r[0]))]


# --- the print rules, as user errors ---------------------------------------------------------

def check_level(level: str, issue_toml: Path) -> str:
    if level not in EC_LEVELS:
        raise UserError(Problem(
            "Q005", issue_toml, None, f"二维码纠错等级“{level}”不可用。",
            "在 issue.toml 的 [qr] 中写 error_correction = \"M\"（默认）或 \"Q\"（印刷条件差时）。"))
    return level


def check_url(url: str, base_url: str, level: str, issue_toml: Path, title: str) -> None:
    """The URL must be an https URL in ASCII that fits version 4 at ``level``."""
    if not base_url.startswith("https://"):
        raise UserError(Problem(
            "Q004", issue_toml, None,
            f"issue.toml 的 [audio] base_url（现为“{base_url}”）不是 https 网址，二维码无从指向。",
            "写上收听页面的根网址，例如 base_url = \"https://ting.example.cn\"。"))
    if not url.isascii():
        raise UserError(Problem(
            "Q004", issue_toml, None,
            f"文章《{title}》的网址“{url}”含有非 ASCII 字符，部分手机扫码后无法打开。",
            "issue.toml 的 [audio] base_url 只用英文字母、数字和 . - / 等符号；中文域名请写成 xn-- 开头的形式。"))
    capacity = byte_capacity(MAX_VERSION, level)
    if len(url) > capacity:
        path_len = len(url) - len(base_url.rstrip("/"))
        raise UserError(Problem(
            "Q001", issue_toml, None,
            f"文章《{title}》的永久网址 {url} 有 {len(url)} 个字符，纠错等级 {level} 下"
            f"二维码超出版本 {MAX_VERSION}（最多 {capacity} 个字符），印成 20 毫米左右时模块太小，"
            f"手机难以一次扫出。",
            f"缩短 issue.toml 中 [audio] 的 base_url（现为“{base_url}”，{len(base_url)} 个字符），"
            f"使它不超过 {capacity - path_len} 个字符，例如用更短的域名或去掉多余的路径。"
            " 注意：已经印出的二维码会指向旧网址，只能在首次印刷前修改。"))


def check_size(size_mm: float, version: int, issue_toml: Path) -> float:
    """The module size in mm; a UserError naming the minimum size when below 0.5 mm."""
    n = modules_for(version)
    module_mm = size_mm / n
    if module_mm < MIN_MODULE_MM - 1e-9:
        raise UserError(Problem(
            "Q002", issue_toml, None,
            f"二维码印刷尺寸 {size_mm:g} 毫米太小：版本 {version} 的二维码连同四周静区共 {n} × {n} 个模块，"
            f"每个模块只有 {module_mm:.3f} 毫米，小于 {MIN_MODULE_MM} 毫米，手机不易扫出。",
            f"把 issue.toml 中 [qr] 的 size_mm 改为至少 {min_size_mm(version):g}（毫米，含静区）。"))
    return module_mm
