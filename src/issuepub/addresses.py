"""Whether a base URL can be printed and published: pure, shared by ``check`` (a warning), the
QR output (refused unless ``--draft``) and anything else that must not send readers nowhere.

A placeholder is a name reserved for documentation and tests (RFC 2606, RFC 6761): the
importer's ``https://ting.example.invalid``, the example issue's ``https://ting.example.cn``,
any ``example.*``, ``.invalid``, ``.test``, ``.example``, ``.localhost``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

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
