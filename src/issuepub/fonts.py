"""The CJK font issuepub draws with (generated covers, QR captions, the proof sheet).

Noto Sans CJK from PyPI ``manimgx-fonts-cjk`` (SIL Open Font License): a variable OpenType
collection; face index 2 is Simplified Chinese (SC).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

CJK_SC_INDEX = 2  # face of the collection for Simplified Chinese


@lru_cache(maxsize=1)
def cjk_font_path() -> Path:
    import manimgx_fonts_cjk

    path = Path(manimgx_fonts_cjk.__file__).parent / "NotoSansCJK-VF.otf.ttc"
    if not path.is_file():
        raise FileNotFoundError(f"CJK font missing at {path}; reinstall manimgx-fonts-cjk")
    return path


def pil_font(size: int, weight: str = "Regular"):
    """A Pillow font for Simplified Chinese at ``size`` px; weight is a named instance (Bold…)."""
    from PIL import ImageFont

    font = ImageFont.truetype(str(cjk_font_path()), size, index=CJK_SC_INDEX)
    font.set_variation_by_name(weight.encode() if isinstance(font.get_variation_names()[0], bytes) else weight)
    return font
