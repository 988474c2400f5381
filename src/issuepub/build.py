"""The build: load the sources once, run the chosen outputs in order, write the manifest.

Outputs run in a fixed order (audio before epub and site, which read its records). Each gets
the manifest as it stands; the manifest is rewritten atomically at the end, keeping the
records of outputs that were not rebuilt this time.
"""

from __future__ import annotations

import importlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from . import __version__
from .fsutil import atomic_path, atomic_write_text
from .model import Issue
from .outline import article_record, issue_record
from .outputs.base import BuildContext, BuildOptions, OutputResult
from .sources import load_issue

OUTPUT_ORDER = ("audio", "epub", "qr", "site")
MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = "issuepub-manifest"
MANIFEST_VERSION = 1


@dataclass
class BuildReport:
    issue: Issue
    out_dir: Path
    manifest_path: Path
    outputs: list[str]
    summary: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def read_previous_manifest(path: Path) -> dict[str, Any]:
    """The last build's manifest, or {} when missing or unreadable (it is rebuilt, not trusted)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if data.get("format") != MANIFEST_FORMAT or data.get("version") != MANIFEST_VERSION:
        return {}
    return data


def base_manifest(issue: Issue, previous: dict[str, Any]) -> dict[str, Any]:
    """The manifest from the model, carrying over earlier output records of the same articles."""
    old_articles = {a.get("slug"): a for a in previous.get("articles", []) if isinstance(a, dict)}
    articles = []
    for article in issue.articles:
        record = article_record(issue, article)
        old = old_articles.get(article.slug, {})
        for name in OUTPUT_ORDER:
            if name in old:
                record[name] = old[name]
        articles.append(record)
    return {
        "format": MANIFEST_FORMAT,
        "version": MANIFEST_VERSION,
        "generator": f"issuepub {__version__}",
        "issue": issue_record(issue),
        "articles": articles,
        "outputs": {k: v for k, v in previous.get("outputs", {}).items() if k in OUTPUT_ORDER},
    }


def merge_result(manifest: dict[str, Any], name: str, result: OutputResult) -> None:
    for record in manifest["articles"]:
        if record["slug"] in result.articles:
            record[name] = result.articles[record["slug"]]
        elif name in record and name != "audio":
            # Rebuilt without this article (e.g. no longer print_qr): drop the stale record.
            # Audio keeps old records: its files stay valid until re-synthesised.
            del record[name]
    manifest["outputs"][name] = result.record


def selected_outputs(only: list[str] | None, options: BuildOptions) -> list[str]:
    chosen = set(only or OUTPUT_ORDER)
    if options.read_aloud and "epub" in chosen:
        chosen.add("audio")  # the read-aloud EPUB carries the narration
    return [name for name in OUTPUT_ORDER if name in chosen]


def run_build(issue_dir: Path, out_root: Path, *, only: list[str] | None = None,
              options: BuildOptions | None = None,
              progress: Callable[[str], None] = lambda message: None) -> BuildReport:
    options = options or BuildOptions()
    issue = load_issue(Path(issue_dir))
    out_dir = Path(out_root) / issue.id
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest_path = out_dir / MANIFEST_NAME
    manifest = base_manifest(issue, read_previous_manifest(manifest_path))
    outputs = selected_outputs(only, options)
    report = BuildReport(issue, out_dir, manifest_path, outputs)
    progress(f"《{issue.title}》：{len(issue.columns)} 个栏目，{len(issue.articles)} 篇文章")
    modules = {name: importlib.import_module(f"issuepub.outputs.{name}") for name in outputs}
    # One context for all: the manifest in it grows as each output's result is merged.
    ctx = BuildContext(issue=issue, out_dir=out_dir, options=options, manifest=manifest,
                       progress=progress)
    for module in modules.values():  # every input mistake before any long work
        if hasattr(module, "check"):
            module.check(ctx)
    for name, module in modules.items():
        result = module.build(ctx)
        merge_result(manifest, name, result)
        report.summary.extend(result.summary)
        report.failures.extend(result.failures)
        # Written after every output, so an interrupted build keeps what it finished.
        write_manifest(manifest_path, manifest, result.commit)
    return report


def write_manifest(path: Path, manifest: dict[str, Any],
                   commit: Callable[[bool], None] | None = None) -> None:
    """Write the manifest atomically. ``commit`` (an output's staged files) is called with
    True once the new manifest is safely on disk and before it replaces the old one, or with
    False when it could not be written: a failure leaves the old files and the old manifest."""
    if commit is None:
        atomic_write_text(path, dump_manifest(manifest))
        return
    with atomic_path(path) as tmp:
        try:
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.write(dump_manifest(manifest))
                fh.flush()
                os.fsync(fh.fileno())
        except BaseException:
            commit(False)
            raise
        commit(True)


def dump_manifest(manifest: dict[str, Any]) -> str:
    return json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
