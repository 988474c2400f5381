"""The contract between the build and each output (epub, audio, qr, site).

An output is a module with ``NAME`` and ``build(ctx) -> OutputResult``, and optionally
``check(ctx)``, which raises ``UserError`` for any mistake in the input the output would meet,
and ``WRITES_ROOT = True`` when it also writes files shared by every issue of the output root
(the site's magazine index and feed): the build then runs it under the root's lock. ``check``:
the build runs every chosen output's check before building anything, so a wrong QR size is
reported at once, not after an hour of narration. It reads the model
(``ctx.issue``) and, as data only, what earlier outputs recorded in ``ctx.manifest``; it never
imports another output. Like Pelican's writers, outputs do not know each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..model import Issue


@dataclass(frozen=True)
class BuildOptions:
    tts: str = "offline"  # offline | edge
    tts_chosen: bool = True  # False: the command line named no engine (``tts`` is the default)
    jobs: int | None = None  # None: the engine's own sensible default
    read_aloud: bool = False  # epub: also write <id>-read-aloud.epub with Media Overlays
    qr_all: bool = False  # qr: a code for every narrated article, not only print_qr ones
    qr_error_correction: str | None = None  # override issue.toml's M/Q
    edge_endpoint: str | None = None  # edge-tts WebSocket URL override (tests: local stand-in)
    draft: bool = False  # qr: allow a placeholder base URL; codes and proof marked 样张, not for print


@dataclass
class BuildContext:
    issue: Issue
    out_dir: Path  # build/<issue-id>/
    options: BuildOptions
    # The manifest as it stands: the previous build's records merged with this build's so
    # far. Outputs read other outputs' records from it (data, never code).
    manifest: dict[str, Any]
    progress: Callable[[str], None] = lambda message: None  # one line of Chinese progress


@dataclass
class OutputResult:
    # Per-article records, by slug, stored under manifest["articles"][i][NAME].
    articles: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Issue-level record stored under manifest["outputs"][NAME] (file records, settings).
    record: dict[str, Any] = field(default_factory=dict)
    # Per-article failures (Chinese, one line each); the build goes on and exits 1.
    failures: list[str] = field(default_factory=list)
    # One line for the final summary, e.g. "EPUB: build/x/x.epub (1.2 MB)".
    summary: list[str] = field(default_factory=list)
    # This run's statistics (cache hits, retries, time): shown and tested, never written to
    # the manifest, which must be the same bytes for the same sources and settings.
    run: dict[str, Any] = field(default_factory=dict)
    # An output that stages its files (the site) puts them in place here: the build calls
    # commit(True) once the manifest describing them is written under its temporary name,
    # then renames the manifest, so the files and their records change together;
    # commit(False) when the manifest could not be written. None: nothing staged.
    commit: Callable[[bool], None] | None = None
