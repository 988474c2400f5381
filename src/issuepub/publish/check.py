"""The check a publish ends with: every address a printed code names is answered.

From the store: the page's object and its MP3 are there with the sha256 just published. With
``--check-url``: a GET of the public address returns that page, and a Range request on its MP3
returns 206 with the right bytes (iOS and WeChat cannot play or seek audio without it).
"""

from __future__ import annotations

import hashlib
import urllib.error
import urllib.request
from dataclasses import dataclass

from .plan import CheckTarget, Upload
from .stores import Store

RANGE_BYTES = 1024
TIMEOUT = 20


@dataclass(frozen=True)
class CheckFailure:
    url: str
    what: str  # Chinese, for the report


def _store_failure(store: Store, upload: Upload) -> str | None:
    stored = store.stored(upload.key)
    if stored is None:
        return f"存储里没有 {store.describe(upload.key)}"
    if stored.sha256 is not None and stored.sha256 != upload.sha256:
        return f"存储里的 {store.describe(upload.key)} 与构建的文件不同"
    return None


def check_store(store: Store, targets: tuple[CheckTarget, ...]) -> list[CheckFailure]:
    failures = []
    for target in targets:
        for upload in (target.page, target.audio):
            if upload is not None and (why := _store_failure(store, upload)):
                failures.append(CheckFailure(target.url, why))
    return failures


def public_url(url: str, base_url: str, public_base: str) -> str:
    """The address to fetch: ``url`` with the base URL replaced by ``public_base``."""
    return public_base.rstrip("/") + url[len(base_url):]


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"User-Agent": "issuepub-publish-check",
                                                   **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, b""


def check_public(targets: tuple[CheckTarget, ...], base_url: str,
                 public_base: str) -> list[CheckFailure]:
    failures = []
    for target in targets:
        url = public_url(target.url, base_url, public_base)
        try:
            status, headers, body = _get(url)
            if status != 200:
                failures.append(CheckFailure(url, f"网页返回 HTTP {status}"))
            elif hashlib.sha256(body).hexdigest() != target.page.sha256:
                failures.append(CheckFailure(url, "网址返回的不是刚发布的网页（缓存未更新，或目录没有映射到 index.html）"))
            elif not headers.get("content-type", "").startswith("text/html"):
                failures.append(CheckFailure(url, f"网页的 Content-Type 是 {headers.get('content-type')}，应为 text/html"))
            if target.audio is None:
                continue
            # Keys are relative to the prefix, which is the base URL's path.
            audio_url = public_base.rstrip("/") + "/" + target.audio.key
            status, headers, body = _get(audio_url, {"Range": f"bytes=0-{RANGE_BYTES - 1}"})
            expected = target.audio.source.read_bytes()[:RANGE_BYTES]
            if status != 206:
                failures.append(CheckFailure(audio_url, f"分段请求（Range）返回 HTTP {status}，应为 206："
                                             "服务器要支持分段请求，苹果手机和微信才能播放、拖动音频"))
            elif body != expected:
                failures.append(CheckFailure(audio_url, "分段请求返回的内容与发布的音频不同"))
        except (urllib.error.URLError, OSError) as exc:
            failures.append(CheckFailure(url, f"访问不了：{getattr(exc, 'reason', exc)}"))
    return failures
