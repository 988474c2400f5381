"""The build: load the sources once, run the chosen outputs in order, write the manifest.

Outputs run in a fixed order (audio before epub and site, which read its records). Each gets
the manifest as it stands; the manifest is rewritten atomically at the end, keeping the
records of outputs that were not rebuilt this time.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import posixpath
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Callable

from . import __version__
from .diagnostics import EnvironmentFault, Problem
from .fsutil import (LOCK_NAME, OutputBusy, atomic_path, atomic_write_text, exclusive_lock,
                     remove_stale_parts)
from .model import Issue
from .outline import article_record, issue_record
from .outputs.base import BuildContext, BuildOptions, OutputResult
from .sources import load_issue

OUTPUT_ORDER = ("audio", "epub", "qr", "site")
MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = "issuepub-manifest"
MANIFEST_VERSION = 1
LOCK_WAIT_SECONDS = 5.0  # a second build of the same folder waits this long, then refuses
ROOT_LOCK_NAME = ".site.lock"  # in the output root: held while the magazine-level files change
ROOT_LOCK_WAIT_SECONDS = 300.0  # another issue's site step takes seconds, not minutes


@dataclass
class BuildReport:
    issue: Issue
    out_dir: Path
    manifest_path: Path
    outputs: list[str]
    summary: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def read_previous_manifest(path: Path) -> dict[str, Any]:
    """The last build's manifest, or {} when missing or unreadable (it is rebuilt, not trusted).

    Only records of the expected shape are kept, and only those whose every ``path`` names a
    file inside the build folder: outputs copy the files these records name (the site copies
    the MP3s), so a garbled or edited manifest must neither crash them nor bring in a file
    from elsewhere (``/etc/passwd`` as an MP3).
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT \
            or data.get("version") != MANIFEST_VERSION:
        return {}
    articles = data.get("articles") if isinstance(data.get("articles"), list) else []
    kept = []
    for article in articles:
        if isinstance(article, dict):
            kept.append({k: v for k, v in article.items()
                         if k not in OUTPUT_ORDER or (isinstance(v, dict) and _paths_inside(v))})
    outputs = data.get("outputs") if isinstance(data.get("outputs"), dict) else {}
    return {**data, "articles": kept,
            "outputs": {k: v for k, v in outputs.items() if isinstance(v, dict) and _paths_inside(v)}}


def _path_inside(path: Any) -> bool:
    """A record's path: relative, in the build folder or in the root's magazine site
    (``../site/``) or synthesis cache (``../.cache/``)."""
    if not isinstance(path, str) or not path or "\0" in path or "\\" in path or path.startswith("/"):
        return False
    parts = PurePosixPath(posixpath.normpath(path)).parts
    return parts[0] != ".." or (len(parts) > 1 and parts[1] in ("site", ".cache"))


def _paths_inside(record: Any) -> bool:
    """Every ``path`` in a record (nested ones too) names a file the build itself writes."""
    if isinstance(record, dict):
        if "path" in record and not _path_inside(record["path"]):
            return False
        return all(_paths_inside(v) for v in record.values())
    if isinstance(record, list):
        return all(_paths_inside(v) for v in record)
    return True


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
              progress: Callable[[str], None] = lambda message: None,
              lock_wait: float = LOCK_WAIT_SECONDS) -> BuildReport:
    options = options or BuildOptions()
    issue = load_issue(Path(issue_dir))
    out_dir = Path(out_root) / issue.id
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        if exc.filename is None:
            exc.filename = str(out_dir)
        raise
    # One build per output folder: held until every output and the manifest are written.
    try:
        with exclusive_lock(out_dir / LOCK_NAME, lock_wait):
            # Under the lock, every temporary file here is a killed build's leftover.
            remove_stale_parts(out_dir, locked=True)
            return _run_locked(issue, out_dir, only, options, progress)
    except OutputBusy as busy:
        raise EnvironmentFault(Problem(
            "E001", busy.lock_path.parent, None,
            f"另一个构建正在写这个输出文件夹（等了 {lock_wait:g} 秒仍未结束）。",
            "等那个构建结束后再运行；或用 --out 指定另一个输出根目录。")) from None


def _run_locked(issue: Issue, out_dir: Path, only: list[str] | None, options: BuildOptions,
                progress: Callable[[str], None]) -> BuildReport:
    manifest_path = out_dir / MANIFEST_NAME
    check_output_paths(out_dir, issue.id)
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
        # An output that also writes the root's shared files (the site: the magazine index and
        # feed, made from every issue's manifest) runs under the root's lock until its manifest
        # is in place, so two builds of different issues never make it from each other's old state.
        shared = (exclusive_lock(out_dir.parent / ROOT_LOCK_NAME, ROOT_LOCK_WAIT_SECONDS)
                  if getattr(module, "WRITES_ROOT", False) else contextlib.nullcontext())
        with shared:
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
# What one synthesis job may take: an offline worker process peaks near 90 MB (bench_audio);
# edge's service throttles a client beyond a few connections.
_JOB_MEMORY = {"offline": 100 << 20, "edge": 20 << 20}
_ENGINE_MAX_JOBS = {"edge": 8}


def _available_memory() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def capped_jobs(requested: int, tts: str) -> tuple[int, str | None]:
    """``--jobs`` held to what the cores, the memory and the engine can take, and why."""
    cores = os.cpu_count() or 1
    limits = []
    if tts == "offline":
        limits.append((2 * cores, f"本机 {cores} 个处理器核心能同时运行的离线合成进程数"))
    memory = _available_memory()
    if memory is not None:
        limits.append((max(1, memory // _JOB_MEMORY.get(tts, 100 << 20)),
                       f"本机可用内存（约 {memory >> 20} MB）"))
    if tts in _ENGINE_MAX_JOBS:
        limits.append((_ENGINE_MAX_JOBS[tts], f"{tts} 服务允许的同时连接数"))
    cap, reason = min(limits, default=(requested, None), key=lambda lr: lr[0])
    return (cap, reason) if requested > cap else (requested, None)


def check_output_paths(out_dir: Path, issue_id: str) -> None:
    """Paths the outputs write must be of the right kind, found before any long work."""
    wrong: list[Problem] = []
    files = (MANIFEST_NAME, f"{issue_id}.epub", f"{issue_id}-read-aloud.epub", "qr-proof.pdf")
    for name in files:
        path = out_dir / name
        if path.exists() and not path.is_file():
            wrong.append(Problem("E003", path, None, "这里应是一个文件，却是一个文件夹或其他特殊文件。",
                                 "把它移走或改名，再构建一次。"))
    for name in ("audio", "qr", "site"):
        path = out_dir / name
        if path.exists() and not path.is_dir():
            wrong.append(Problem("E003", path, None, "这里应是一个文件夹，却是一个文件。",
                                 "把这个文件移走或改名，再构建一次。"))
    if wrong:
        raise EnvironmentFault(wrong)


def dump_manifest(manifest: dict[str, Any]) -> str:
    return json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
