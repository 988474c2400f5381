"""Real servers for the publish tests, on 127.0.0.1 only.

- ``S3Server``: moto's standalone S3 API server (``moto[server]``), spoken to over HTTP by boto3
  in the test process and by ``issuepub publish`` subprocesses alike.
- ``FolderWebServer``: a threaded static web server over a folder that maps ``dir/`` to
  ``dir/index.html``, sets the Content-Types the README asks for and answers byte-range
  requests with 206 (Python's http.server does not), as a listener-facing host must.
"""

from __future__ import annotations

import mimetypes
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
               "AWS_DEFAULT_REGION": "us-east-1"}


class S3Server:
    def __init__(self):
        from moto.server import ThreadedMotoServer

        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"

    def client(self):
        import boto3

        return boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing",
            region_name="us-east-1").client("s3", endpoint_url=self.endpoint)

    def objects(self, bucket: str, prefix: str = "") -> dict[str, dict]:
        """key -> head_object answer, for every object under ``prefix``."""
        client = self.client()
        keys = [o["Key"] for page in client.get_paginator("list_objects_v2").paginate(
            Bucket=bucket, Prefix=prefix) for o in page.get("Contents", [])]
        return {k: client.head_object(Bucket=bucket, Key=k) for k in keys}

    def stop(self) -> None:
        self._server.stop()


TYPES = {".html": "text/html; charset=utf-8", ".mp3": "audio/mpeg",
         ".vtt": "text/vtt; charset=utf-8", ".xml": "application/rss+xml"}
RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _handler(folder: Path, prefix: str):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep test output quiet
            pass

        def _file(self) -> Path | None:
            path = unquote(urlsplit(self.path).path)
            if not path.startswith(prefix):
                return None
            rel = path[len(prefix):].lstrip("/")
            target = (folder / rel).resolve()
            if folder.resolve() not in (target, *target.parents):
                return None
            if target.is_dir():
                target = target / "index.html"
            return target if target.is_file() else None

        def do_HEAD(self):
            self.do_GET(body=False)

        def do_GET(self, body: bool = True):
            target = self._file()
            if target is None:
                self.send_error(404)
                return
            data = target.read_bytes()
            kind = TYPES.get(target.suffix) or mimetypes.guess_type(target.name)[0] \
                or "application/octet-stream"
            status, start, end = 200, 0, len(data) - 1
            match = RANGE.match(self.headers.get("Range", ""))
            if match and (match.group(1) or match.group(2)):
                if match.group(1):
                    start = int(match.group(1))
                    end = min(int(match.group(2)), len(data) - 1) if match.group(2) else end
                else:  # suffix range: the last N bytes
                    start = max(0, len(data) - int(match.group(2)))
                if start > end:
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{len(data)}")
                    self.end_headers()
                    return
                status = 206
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Accept-Ranges", "bytes")
            if status == 206:
                self.send_header("Content-Range", f"bytes {start}-{end}/{len(data)}")
            self.send_header("Content-Length", str(end - start + 1))
            self.end_headers()
            if body:
                self.wfile.write(data[start:end + 1])

    return Handler


class FolderWebServer:
    """Serves ``folder`` at ``http://127.0.0.1:PORT{prefix}/``."""

    def __init__(self, folder: Path, prefix: str = ""):
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(Path(folder), prefix))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}{prefix}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
