"""Print safety: a code goes on paper only if the address it names can really be put online.

A placeholder base URL (the importer's ``https://ting.example.invalid``, the example issue's
``https://ting.example.cn``, any ``example.*``, ``.invalid``, ``.test``, ``.localhost``) or a
non-https one is refused unless the build is a draft (``build --draft``), whose code files and
proof sheet then carry 样张 — 网址未定，不可付印. Pure, apart from raising ``UserError``.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from ...diagnostics import Problem, UserError

# Names reserved for documentation and tests (RFC 2606, RFC 6761): never a real site.
RESERVED_TLDS = ("invalid", "test", "example", "localhost", "local")
RESERVED_LABELS = ("example",)  # example.com, example.cn, ting.example.cn …


def placeholder_reason(base_url: str) -> str | None:
    """Why ``base_url`` cannot be printed (Chinese), or None when it can."""
    parts = urlsplit(base_url)
    if parts.scheme != "https":
        return "不是 https 网址"
    host = (parts.hostname or "").lower().rstrip(".")
    labels = host.split(".") if host else []
    if not labels or len(labels) < 2 and labels[0] != "localhost":
        return "没有完整的域名"
    if labels[-1] in RESERVED_TLDS or any(label in RESERVED_LABELS for label in labels):
        return "是示例用的占位网址，不是真实的网站"
    return None


def check_print_safety(base_url: str, draft: bool, issue_toml: Path) -> None:
    """Q006: no code for print without a real https base URL, unless ``draft``."""
    reason = placeholder_reason(base_url)
    if reason is None or draft:
        return
    raise UserError(Problem(
        "Q006", issue_toml, None,
        f"issue.toml 的 [audio] base_url“{base_url}”{reason}：印出的二维码会指向一个打不开的地址。",
        "把 base_url 改成收听网页真正发布的 https 网址（刊物自己的域名）后再生成二维码；"
        "只想看排版效果时加 --draft，二维码和校样会标明“样张 — 网址未定，不可付印”。"))
