"""Whether a base URL can be printed and published: pure, shared by ``check`` (a warning), the
QR output (refused unless ``--draft``) and ``publish`` (refused): one rule, so a code the build
would print is never one publish would refuse, nor the other way round.

A placeholder is a name reserved for documentation and tests (RFC 2606, RFC 6761): the
importer's ``https://ting.example.invalid``, the example issue's ``https://ting.example.cn``,
any ``example.*``, ``.invalid``, ``.test``, ``.example``, ``.localhost``; so are addresses a
reader's phone cannot reach (loopback, private and link-local IPs).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

RESERVED_TLDS = ("invalid", "test", "example", "localhost", "local")
RESERVED_LABELS = ("example",)  # example.com, example.cn, ting.example.cn …


def placeholder_reason(base_url: str) -> str | None:
    """Why ``base_url`` cannot be printed or published (Chinese), or None when it can."""
    parts = urlsplit(base_url)
    if parts.scheme != "https":
        return "不是 https 网址"
    host = (parts.hostname or "").lower().rstrip(".")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None:
        # Not only loopback and private: carrier-grade NAT (100.64/10), multicast and the
        # reserved ranges are no more reachable from a reader's phone.
        if not address.is_global or address.is_multicast:
            return "不是公网地址（本机、内网或保留地址），读者的手机访问不到"
        return None
    labels = host.split(".") if host else []
    if labels == ["localhost"]:
        return "是本机地址，读者的手机访问不到"
    if len(labels) < 2:
        return "没有完整的域名"
    if labels[-1] in RESERVED_TLDS or any(label in RESERVED_LABELS for label in labels):
        return "是示例用的占位网址，不是真实的网站"
    return None
