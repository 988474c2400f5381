"""Where the project's stylesheets live: the top-level ``styles/`` folder of the checkout."""

from __future__ import annotations

from pathlib import Path

STYLES_DIR = Path(__file__).resolve().parents[2] / "styles"


def stylesheet(name: str) -> bytes:
    path = STYLES_DIR / name
    if not path.is_file():
        raise FileNotFoundError(f"stylesheet {path} is missing; issuepub must run from its checkout")
    return path.read_bytes()
