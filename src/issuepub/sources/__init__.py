"""Reading an issue folder (``issue.toml`` + article Markdown) into the model, with validation."""

from .loader import check_issue, load_issue

__all__ = ["check_issue", "load_issue"]
