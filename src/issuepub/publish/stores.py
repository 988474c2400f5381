"""Where a publish writes: an S3-compatible bucket (boto3) or a local folder.

Both stores answer the same questions: what is stored under a key (its sha256, type and cache
rule), write one object, delete one, list every key. Keys are relative to the prefix.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Protocol
from urllib.parse import unquote, urlsplit

from ..diagnostics import Problem, UserError
from ..fsutil import PART_SUFFIX, atomic_write_bytes, remove_stale_parts, sha256_file
from .plan import Upload

SHA256_META = "sha256"  # stored as x-amz-meta-sha256


@dataclass(frozen=True)
class Destination:
    kind: str  # "s3" | "folder"
    text: str  # as the user wrote it
    bucket: str = ""
    prefix: str = ""  # without leading or trailing slash
    folder: Path | None = None


@dataclass(frozen=True)
class Stored:
    """What the store holds under one key."""

    size: int
    sha256: str | None
    content_type: str | None = None
    cache_control: str | None = None


def parse_destination(text: str) -> Destination:
    if text.startswith("s3://"):
        rest = text[len("s3://"):]
        bucket, _, prefix = rest.partition("/")
        if not bucket:
            raise UserError(Problem("P008", None, None, f"--to {text} 没有写存储桶名。",
                                    "写成 s3://存储桶名/前缀，例如 s3://tjzbsh-ting"))
        return Destination("s3", text, bucket=bucket, prefix=prefix.strip("/"))
    if text.startswith("file://"):
        parts = urlsplit(text)
        if parts.netloc not in ("", "localhost"):  # file://var/www/ting would mean /www/ting
            raise UserError(Problem("P008", None, None,
                                    f"--to {text} 里“{parts.netloc}”是主机名，不是文件夹：file:// 后面要再写一个 /。",
                                    f"写成 file:///{parts.netloc}{parts.path} 或直接写文件夹路径。"))
        path = unquote(parts.path)  # as a browser or file manager copies it: %20, %E5%8F%91…
        if not path:
            raise UserError(Problem("P008", None, None, f"--to {text} 没有写文件夹路径。",
                                    "写成 file:///var/www/ting 或直接写文件夹路径。"))
        return Destination("folder", text, folder=Path(path))
    if "://" in text:
        raise UserError(Problem("P008", None, None, f"不认识的发布目标 {text}。",
                                "写 s3://存储桶名/前缀（S3 兼容的对象存储），或一个本地文件夹路径。"))
    return Destination("folder", text, folder=Path(text))


class Store(Protocol):
    def describe(self, key: str) -> str: ...
    def keys(self) -> dict[str, int]: ...  # every key under the prefix -> size
    def stored(self, key: str) -> Stored | None: ...
    def put(self, upload: Upload, data: bytes) -> None: ...  # data: the upload's bytes
    def delete(self, key: str) -> None: ...


def is_part(path: Path) -> bool:
    """A temporary name of fsutil's (``.NAME.PID.RANDOM.part``), never a published object."""
    return path.name.startswith(".") and path.name.endswith(PART_SUFFIX)


class FolderStore:
    """A local folder that a web server serves as the base URL (or that rsync copies there)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def describe(self, key: str) -> str:
        return str(self.folder / key)

    def keys(self) -> dict[str, int]:
        if not self.folder.is_dir():
            return {}
        # A killed publish leaves its temporary file beside the object it was writing: gone
        # with its process, it is removed; one a running publish writes is not an object.
        remove_stale_parts(self.folder, locked=False)
        return {p.relative_to(self.folder).as_posix(): p.stat().st_size
                for p in self.folder.rglob("*") if p.is_file() and not is_part(p)}

    def stored(self, key: str) -> Stored | None:
        path = self.folder / key
        if not path.is_file():
            return None
        return Stored(path.stat().st_size, sha256_file(path))

    def put(self, upload: Upload, data: bytes) -> None:
        atomic_write_bytes(self.folder / upload.key, data)

    def delete(self, key: str) -> None:
        path = self.folder / key
        path.unlink(missing_ok=True)
        parent = path.parent
        while parent != self.folder and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent


def _store_error(exc: Exception, dest: Destination, endpoint: str | None) -> UserError:
    """A store failure the user can fix, in Chinese, with the fix."""
    from botocore import exceptions as bx

    where = f"{dest.text}" + (f"（{endpoint}）" if endpoint else "")
    if isinstance(exc, bx.NoCredentialsError):
        return UserError(Problem("P011", None, None, f"连接 {where} 时找不到访问密钥。",
                                 "设置环境变量 AWS_ACCESS_KEY_ID 和 AWS_SECRET_ACCESS_KEY，"
                                 "或写入 ~/.aws/credentials（也可用 AWS_PROFILE 选择配置）。"))
    if isinstance(exc, (bx.EndpointConnectionError, bx.ConnectTimeoutError, bx.ReadTimeoutError)):
        return UserError(Problem("P014", None, None, f"连接不上对象存储 {where}：{exc}",
                                 "检查网络和 --endpoint-url（或环境变量 AWS_ENDPOINT_URL）；"
                                 "阿里云 OSS、腾讯云 COS、MinIO 要写它们的 S3 兼容地址。"))
    if isinstance(exc, bx.ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
        if code in ("NoSuchBucket", "404"):
            return UserError(Problem("P012", None, None, f"存储桶 {dest.bucket} 不存在（{where}）。",
                                     "在对象存储的控制台里建好存储桶，或改正 --to 里的桶名。"))
        if code in ("AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "403",
                    "AllAccessDisabled"):
            return UserError(Problem("P013", None, None, f"对象存储拒绝访问 {where}（{code}）。",
                                     "检查访问密钥是否正确，以及它对这个存储桶有读、写、列目录的权限。"))
        return UserError(Problem("P015", None, None, f"对象存储报错 {where}：{code} {exc}",
                                 "按报错处理后再运行一次；已上传的不会重复上传。"))
    return UserError(Problem("P015", None, None, f"对象存储报错 {where}：{exc}",
                             "按报错处理后再运行一次；已上传的不会重复上传。"))


class S3Store:
    """Any S3-compatible bucket through boto3; credentials as the AWS SDK finds them."""

    def __init__(self, dest: Destination, endpoint_url: str | None = None):
        import boto3
        from botocore.config import Config

        self.dest = dest
        # None lets botocore honour AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_S3 and the config file.
        self.endpoint = endpoint_url or os.environ.get("AWS_ENDPOINT_URL_S3") \
            or os.environ.get("AWS_ENDPOINT_URL")
        self.client = boto3.session.Session().client(
            "s3", endpoint_url=endpoint_url or None,
            config=Config(retries={"mode": "standard", "max_attempts": 5}))
        self._keys: dict[str, int] | None = None

    def _full(self, key: str) -> str:
        return f"{self.dest.prefix}/{key}" if self.dest.prefix else key

    def describe(self, key: str) -> str:
        return f"s3://{self.dest.bucket}/{self._full(key)}"

    def _call(self, fn, **kwargs):
        from botocore import exceptions as bx

        try:
            return fn(**kwargs)
        except (bx.BotoCoreError, bx.ClientError) as exc:
            raise _store_error(exc, self.dest, self.endpoint) from exc

    def _pages(self) -> Iterator[dict]:
        from botocore import exceptions as bx

        paginator = self.client.get_paginator("list_objects_v2")
        start = f"{self.dest.prefix}/" if self.dest.prefix else ""
        try:
            yield from paginator.paginate(Bucket=self.dest.bucket, Prefix=start)
        except (bx.BotoCoreError, bx.ClientError) as exc:
            raise _store_error(exc, self.dest, self.endpoint) from exc

    def keys(self) -> dict[str, int]:
        if self._keys is None:
            start = len(f"{self.dest.prefix}/") if self.dest.prefix else 0
            self._keys = {obj["Key"][start:]: obj["Size"]
                          for page in self._pages() for obj in page.get("Contents", [])}
        return self._keys

    def stored(self, key: str) -> Stored | None:
        from botocore import exceptions as bx

        try:
            head = self.client.head_object(Bucket=self.dest.bucket, Key=self._full(key))
        except bx.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise _store_error(exc, self.dest, self.endpoint) from exc
        except bx.BotoCoreError as exc:
            raise _store_error(exc, self.dest, self.endpoint) from exc
        return Stored(head["ContentLength"], head.get("Metadata", {}).get(SHA256_META),
                      head.get("ContentType"), head.get("CacheControl"))

    def put(self, upload: Upload, data: bytes) -> None:
        self._call(self.client.put_object, Bucket=self.dest.bucket,
                   Key=self._full(upload.key), Body=data,
                   ContentType=upload.content_type, CacheControl=upload.cache_control,
                   Metadata={SHA256_META: upload.sha256})

    def delete(self, key: str) -> None:
        self._call(self.client.delete_object, Bucket=self.dest.bucket, Key=self._full(key))


def open_store(dest: Destination, endpoint_url: str | None = None) -> Store:
    if dest.kind == "s3":
        return S3Store(dest, endpoint_url)
    return FolderStore(dest.folder)
