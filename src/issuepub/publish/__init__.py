"""``issuepub publish``: put what the build wrote online, in an order that never links to a
missing file, uploading only what changed, and end by checking every printed code's address.

plan.py reads ROOT and decides what goes where; stores.py writes to S3 or a folder; check.py
is the final check. Reads the build's files only, never the outputs' code.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

from ..diagnostics import Problem, UserError
from .check import CheckFailure, check_public, check_store
from .plan import TIER_NAMES, Plan, Upload, make_plan
from .stores import Destination, Store, open_store, parse_destination

__all__ = ["PublishReport", "run_publish", "make_plan", "parse_destination"]


@dataclass
class PublishReport:
    plan: Plan
    destination: Destination
    dry_run: bool
    uploads: list[tuple[Upload, str]] = field(default_factory=list)  # (object, 新增|已变更)
    unchanged: int = 0
    deletions: list[str] = field(default_factory=list)  # removed (or, dry run, to remove)
    extra: list[str] = field(default_factory=list)  # in the store, not in the build, kept
    checked: int = 0
    public_checked: bool = False
    store_failures: list[CheckFailure] = field(default_factory=list)
    public_failures: list[CheckFailure] = field(default_factory=list)

    @property
    def failures(self) -> list[CheckFailure]:
        return self.store_failures + self.public_failures

    def summary(self) -> list[str]:
        size = sum(u.size for u, _ in self.uploads)
        verb = "将上传" if self.dry_run else "上传"
        removed = "将删除" if self.dry_run else "删除"
        lines = [f"{verb} {len(self.uploads)} 个（{_size(size)}），未变 {self.unchanged} 个，"
                 f"{removed} {len(self.deletions)} 个"]
        if self.extra:
            lines.append(f"存储里另有 {len(self.extra)} 个文件不在这次的构建中，没有删除"
                         "（要删除，加 --delete）")
        if self.dry_run:
            lines.append("试运行：没有写入或删除任何文件。")
            return lines
        lines.append(f"核对 {self.checked} 个网址的页面和音频在存储中："
                     + (f"{len(self.store_failures)} 处有问题" if self.store_failures else "都在"))
        if self.public_checked:
            lines.append("公网核对（GET 网页、Range 请求音频）："
                         + (f"{len(self.public_failures)} 处有问题" if self.public_failures else "通过"))
        return lines


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.0f} KB"


def _check_destination(plan: Plan, dest: Destination, endpoint_url: str | None) -> None:
    if dest.kind == "folder":
        if endpoint_url:
            raise UserError(Problem("P008", None, None, "--endpoint-url 只用于 s3:// 目标。",
                                    "发布到本地文件夹时去掉 --endpoint-url。"))
        target, root = dest.folder.resolve(), plan.root.resolve()
        if target == root or root in target.parents or target in root.parents:
            raise UserError(Problem(
                "P016", dest.folder, None, "发布目标与构建根目录重叠，发布会写进（或删掉）构建的成品。",
                "发布到构建根目录以外的文件夹，例如网站服务器的目录。"))
        blocking = next((p for p in (target, *target.parents) if p.exists()), None)
        if blocking is not None and not blocking.is_dir():  # else E003 would say "use --out"
            raise UserError(Problem(
                "P008", dest.folder, None, f"发布目标（或它的上级）{blocking} 是一个文件，不是文件夹。",
                "--to 写网站文件夹的路径（还不存在也可以，会新建）。"))
        return
    if dest.prefix != plan.prefix:
        want = f"s3://{dest.bucket}/{plan.prefix}" if plan.prefix else f"s3://{dest.bucket}"
        raise UserError(Problem(
            "P009", None, None,
            f"发布目标 {dest.text} 的前缀“{dest.prefix}”与各期的网址 {plan.base_url} "
            f"的路径“{plan.prefix}”不对应：页面 {plan.base_url}/年/期/篇/ 必须是对象 "
            f"{plan.prefix + '/' if plan.prefix else ''}年/期/篇/index.html。",
            f"改成 --to {want}（存储桶要绑定 {urlsplit(plan.base_url).hostname} 这个域名），"
            "或改 issue.toml 的 base_url 后重新构建。"))
    if endpoint_url and urlsplit(endpoint_url).scheme not in ("http", "https"):
        raise UserError(Problem("P008", None, None, f"--endpoint-url {endpoint_url} 不是网址。",
                                "写成 https://oss-cn-beijing.aliyuncs.com 这样的地址。"))


def _same(stored: str | None, wanted: str) -> bool:
    """A header as the store gives it back (None: a store that keeps none, like a folder);
    some S3-compatible stores change case or spacing."""
    norm = lambda v: v.replace(" ", "").lower()  # noqa: E731
    return stored is None or norm(stored) == norm(wanted)


def _changes(plan: Plan, store: Store) -> tuple[list, int, list]:
    """(objects to upload with why, unchanged count, keys in the store the build lacks)."""
    existing = store.keys()
    todo, unchanged = [], 0
    for upload in plan.uploads:
        stored = store.stored(upload.key) if existing.get(upload.key) == upload.size else None
        if stored is not None and stored.sha256 == upload.sha256 \
                and _same(stored.content_type, upload.content_type) \
                and _same(stored.cache_control, upload.cache_control):
            unchanged += 1
        else:
            todo.append((upload, "新增" if upload.key not in existing else "已变更"))
    wanted = {u.key for u in plan.uploads}
    return todo, unchanged, sorted(k for k in existing if k not in wanted)


def _planned_bytes(upload: Upload) -> bytes:
    """The file as it was when the plan hashed it. A build of the same root that runs during
    the publish renames new files into place: sent as they are now, they would go up under the
    old sha256 (a store would then call them unchanged) and before the files they link to."""
    data = upload.source.read_bytes()
    if hashlib.sha256(data).hexdigest() != upload.sha256:
        raise UserError(Problem(
            "P031", upload.source, None,
            "这个文件在发布过程中变了（同一个构建根目录正在重新构建？），发布已停止；已上传的文件完整无缺。",
            "等构建结束后再运行一次 issuepub publish：它会接着上传其余的文件。"))
    return data


def run_publish(root: Path, to: str, *, endpoint_url: str | None = None, dry_run: bool = False,
                allow_preview: bool = False, delete: bool = False,
                check_url: str | None = None,
                progress: Callable[[str], None] = lambda message: None) -> PublishReport:
    """Publish ROOT to ``to``. ``check_url``: None no public check, "" the base URL itself,
    else an address that stands in for the base URL (a staging host, a local test server)."""
    dest = parse_destination(to)  # the command's own mistakes first, then the build's
    if check_url and urlsplit(check_url).scheme not in ("http", "https"):
        raise UserError(Problem("P019", None, None, f"--check-url {check_url} 不是网址。",
                                "不写值即核对正式网址；或写一个代替它的 http(s) 地址。"))
    plan = make_plan(Path(root), allow_preview=allow_preview)
    _check_destination(plan, dest, endpoint_url)
    store = open_store(dest, endpoint_url)
    issues = "、".join(i.id for i in plan.issues)
    progress(f"{len(plan.issues)} 期（{issues}），{len(plan.uploads)} 个文件 → {dest.text}")
    todo, unchanged, extra = _changes(plan, store)
    report = PublishReport(plan, dest, dry_run, uploads=todo, unchanged=unchanged)
    if delete:
        report.deletions = extra
    else:
        report.extra = extra
    if dry_run:
        return report

    for index, (upload, why) in enumerate(todo, start=1):
        progress(f"上传 {index}/{len(todo)} [{TIER_NAMES[upload.tier]}] {upload.key}"
                 f"（{why}，{_size(upload.size)}）")
        store.put(upload, _planned_bytes(upload))
    for index, key in enumerate(report.deletions, start=1):
        progress(f"删除 {index}/{len(report.deletions)} {store.describe(key)}")
        store.delete(key)

    progress(f"核对 {len(plan.checks)} 个网址……")
    report.checked = len(plan.checks)
    report.store_failures = check_store(store, plan.checks)
    if check_url is not None:
        report.public_checked = True
        report.public_failures = check_public(plan.checks, plan.base_url, check_url or plan.base_url)
    return report
