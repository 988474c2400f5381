"""Print QR codes (扫码收听有声文章) for the articles' permanent URLs, and a proof sheet."""

from .output import NAME, build, check, settings_problems

__all__ = ["NAME", "build", "check", "settings_problems"]
