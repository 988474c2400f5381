"""Print safety: a code goes on paper only if the address it names can really be put online.

A placeholder base URL (the importer's ``https://ting.example.invalid``, the example issue's
``https://ting.example.cn``, any ``example.*``, ``.invalid``, ``.test``, ``.localhost``) or a
non-https one is refused unless the build is a draft (``build --draft``), whose code files and
proof sheet then carry 样张 — 网址未定，不可付印. Pure, apart from raising ``UserError`` (which
reads issue.toml to name the line of ``base_url``).
"""

from __future__ import annotations

from pathlib import Path

from ...addresses import placeholder_reason
from ...diagnostics import Problem, UserError

__all__ = ["check_print_safety", "placeholder_reason"]


def base_url_line(toml_text: str) -> int | None:
    """The line of ``base_url`` in the ``[audio]`` table of issue.toml's text (1-based)."""
    table = None
    for number, line in enumerate(toml_text.split("\n"), start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            table = stripped.strip("[] \t").split("]")[0].strip()
        elif table == "audio" and stripped.split("=")[0].strip() == "base_url":
            return number
    return None


def check_print_safety(base_url: str, draft: bool, issue_toml: Path) -> None:
    """Q006: no code for print without a real https base URL, unless ``draft``."""
    reason = placeholder_reason(base_url)
    if reason is None or draft:
        return
    try:  # only to point at the line to change; the refusal stands without it
        line = base_url_line(issue_toml.read_text(encoding="utf-8"))
    except (OSError, UnicodeError):
        line = None
    raise UserError(Problem(
        "Q006", issue_toml, line,
        f"issue.toml 的 [audio] base_url“{base_url}”{reason}：印出的二维码会指向一个打不开的地址。",
        "把 base_url 改成收听网页真正发布的 https 网址（刊物自己的域名）后再生成二维码；"
        "只想看排版效果时加 --draft，二维码和校样会标明“样张 — 网址未定，不可付印”。"))
