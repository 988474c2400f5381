"""issuepub publish against a real S3 API server (moto's standalone server on 127.0.0.1) and a
real local web server; boto3 is never mocked. The example issue is built once, with a short
non-placeholder base URL and the offline engine (so publishing it needs --allow-preview).
"""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from support.object_store import CREDENTIALS, FolderWebServer, S3Server

from issuepub import cli
from issuepub.fsutil import sha256_file
from issuepub.publish import make_plan, parse_destination
from issuepub.publish.check import check_store
from issuepub.publish.plan import (CACHE_LONG, CACHE_SHORT, TIER_ASSETS, TIER_INDEXES, TIER_PAGES,
                                   cache_control, content_type, tier)
from issuepub.addresses import placeholder_reason
from issuepub.publish.stores import open_store

from conftest import EXAMPLE

BASE_URL = "https://ting.tjzbsh.cn"
ISSUE_ID = "tjzbsh-2025-03a"


def make_example(target: Path, *, base_url: str = BASE_URL, number: int | None = None) -> Path:
    shutil.copytree(EXAMPLE, target)
    toml = target / "issue.toml"
    text = toml.read_text(encoding="utf-8").replace('base_url = "https://ting.example.cn"',
                                                    f'base_url = "{base_url}"')
    if number is not None:
        text = text.replace("number = 3\n", f"number = {number}\n")
    toml.write_text(text, encoding="utf-8")
    return target


def build(issue_dir: Path, root: Path, *only: str) -> None:
    args = ["build", str(issue_dir), "--out", str(root)] + (["--only", *only] if only else [])
    assert cli.main(args) == 0


@pytest.fixture(scope="session")
def s3():
    server = S3Server()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def aws_env(monkeypatch, tmp_path):
    """Test credentials only; nothing from the user's ~/.aws, no endpoint from the environment."""
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))


@pytest.fixture
def bucket(s3) -> str:
    name = f"ting-{uuid.uuid4().hex[:12]}"
    s3.client().create_bucket(Bucket=name)
    return name


@pytest.fixture(scope="session")
def built_root(tmp_path_factory) -> Path:
    """The example issue, fully built (offline audio) into a root that tests must not change."""
    base = tmp_path_factory.mktemp("publish-build")
    root = base / "root"
    build(make_example(base / "issue"), root)
    return root


@pytest.fixture
def root(built_root, tmp_path) -> Path:
    """A private copy of the built root (the TTS cache left out)."""
    target = tmp_path / "root"
    shutil.copytree(built_root, target, ignore=shutil.ignore_patterns(".cache"))
    return target


def site_files(root: Path) -> dict[str, Path]:
    """Every object a publish of ``root`` must produce: key -> local file."""
    files = {p.relative_to(d / "site").as_posix(): p
             for d in root.iterdir() if (d / "manifest.json").is_file()
             for p in (d / "site").rglob("*") if p.is_file()}
    if (root / "site").is_dir():
        files.update({p.relative_to(root / "site").as_posix(): p
                      for p in (root / "site").rglob("*") if p.is_file()})
    else:
        files["feed.xml"] = root / "feed.xml"
    return files


def publish(*args: str) -> int:
    return cli.main(["publish", *args])


# --- what goes where -------------------------------------------------------------------------

def test_types_cache_rules_and_order_per_key():
    assert content_type("2025/03a/02/index.html") == "text/html; charset=utf-8"
    assert content_type("2025/03a/02/tjzbsh-2025-03a-02.mp3") == "audio/mpeg"
    assert content_type("2025/03a/02/tjzbsh-2025-03a-02.vtt") == "text/vtt; charset=utf-8"
    assert content_type("feed.xml") == "application/rss+xml"
    assert content_type("2025/03a/cover.jpg") == "image/jpeg"
    assert cache_control("2025/03a/02/tjzbsh-2025-03a-02.mp3") == CACHE_LONG
    assert cache_control("2025/03a/artwork.jpg") == CACHE_LONG
    assert cache_control("2025/03a/02/index.html") == CACHE_SHORT
    assert cache_control("feed.xml") == CACHE_SHORT
    assert tier("2025/03a/02/tjzbsh-2025-03a-02.mp3") == TIER_ASSETS
    assert tier("2025/03a/02/index.html") == TIER_PAGES
    assert tier("2025/03a/index.html") == TIER_INDEXES
    assert tier("index.html") == TIER_INDEXES
    assert tier("2025/03a/feed.xml") == TIER_INDEXES


@pytest.mark.parametrize("url", ["https://ting.example.invalid", "https://ting.example.cn",
                                 "https://example.com/ting", "https://localhost:8443",
                                 "https://127.0.0.1", "https://192.168.1.5/t", "http://ting.tjzbsh.cn",
                                 "https://ting.test", "https://100.64.1.1", "https://224.0.0.1",
                                 "https://[fd00::1]/t"])
def test_placeholder_and_non_https_base_urls_are_named(url):
    assert placeholder_reason(url)


@pytest.mark.parametrize("url", ["https://ting.tjzbsh.cn", "https://www.tjzbsh.com/ting",
                                 "https://8.8.8.8/ting"])
def test_real_base_urls_pass(url):
    assert placeholder_reason(url) is None


def test_plan_orders_audio_and_pictures_then_pages_then_indexes(root):
    plan = make_plan(root, allow_preview=True)
    tiers = [u.tier for u in plan.uploads]
    assert tiers == sorted(tiers)
    assert {u.key for u in plan.uploads} == set(site_files(root))
    last_asset = max(i for i, u in enumerate(plan.uploads) if u.key.endswith((".mp3", ".jpg")))
    first_page = min(i for i, u in enumerate(plan.uploads) if u.key.endswith("index.html"))
    assert last_asset < first_page
    assert plan.uploads[-1].tier == TIER_INDEXES
    # Check targets: the five QR URLs of the example (article 6 has no code).
    manifest = json.loads((root / ISSUE_ID / "manifest.json").read_text(encoding="utf-8"))
    qr_urls = [a["qr"]["url"] for a in manifest["articles"] if "qr" in a]
    assert [t.url for t in plan.checks] == qr_urls and len(qr_urls) == 5
    assert all(t.audio is not None and t.audio.key.endswith(".mp3") for t in plan.checks)


# --- S3: the real thing ----------------------------------------------------------------------

def test_publish_to_s3_puts_every_file_with_type_cache_and_sha256(root, s3, bucket, capsys):
    assert publish(str(root), "--to", f"s3://{bucket}", "--endpoint-url", s3.endpoint,
                   "--allow-preview") == 0
    out = capsys.readouterr()
    objects = s3.objects(bucket)
    expected = site_files(root)
    assert set(objects) == set(expected)
    client = s3.client()
    for key, path in expected.items():
        head = objects[key]
        assert head["ContentType"] == content_type(key), key
        assert head["CacheControl"] == cache_control(key), key
        assert head["Metadata"]["sha256"] == sha256_file(path), key
        body = client.get_object(Bucket=bucket, Key=key)["Body"].read()
        assert hashlib.sha256(body).hexdigest() == sha256_file(path), key
    assert objects["2025/03a/02/index.html"]["CacheControl"] == CACHE_SHORT
    assert objects["2025/03a/02/tjzbsh-2025-03a-02.mp3"]["CacheControl"] == CACHE_LONG
    assert f"上传 {len(expected)} 个" in out.out and "未变 0 个" in out.out
    assert "核对 5 个网址的页面和音频在存储中：都在" in out.out
    # Progress: one line per object, in upload order.
    lines = [l for l in out.err.splitlines() if l.startswith("· 上传 ")]
    assert len(lines) == len(expected)
    order = [l.split("] ", 1)[1].split("（", 1)[0] for l in lines]
    assert [tier(k) for k in order] == sorted(tier(k) for k in order)


def test_second_publish_uploads_nothing(root, s3, bucket, capsys):
    args = [str(root), "--to", f"s3://{bucket}", "--endpoint-url", s3.endpoint, "--allow-preview"]
    assert publish(*args) == 0
    before = {k: (h["ETag"], h["LastModified"]) for k, h in s3.objects(bucket).items()}
    capsys.readouterr()
    time.sleep(1.1)  # LastModified has whole seconds: a rewrite would show
    assert publish(*args) == 0
    out = capsys.readouterr()
    assert f"上传 0 个（0 KB），未变 {len(before)} 个" in out.out
    assert "· 上传 " not in out.err
    after = {k: (h["ETag"], h["LastModified"]) for k, h in s3.objects(bucket).items()}
    assert after == before


def test_an_object_that_differs_in_the_store_goes_up_again(root, s3, bucket, capsys):
    args = [str(root), "--to", f"s3://{bucket}", "--endpoint-url", s3.endpoint, "--allow-preview"]
    assert publish(*args) == 0
    client = s3.client()
    key = "2025/03a/02/index.html"
    client.put_object(Bucket=bucket, Key=key, Body=b"<p>old</p>", ContentType="text/html",
                      Metadata={"sha256": "0" * 64})
    client.delete_object(Bucket=bucket, Key="2025/03a/cover.jpg")
    capsys.readouterr()
    assert publish(*args) == 0
    out = capsys.readouterr()
    uploaded = [l.split("] ", 1)[1].split("（", 1)[0] for l in out.err.splitlines()
                if l.startswith("· 上传 ")]
    assert uploaded == ["2025/03a/cover.jpg", key]  # picture first, then the page
    body = client.get_object(Bucket=bucket, Key=key)["Body"].read()
    assert body == (root / ISSUE_ID / "site" / key).read_bytes()


def test_aws_endpoint_url_from_the_environment_is_honoured(root, s3, bucket, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3.endpoint)
    assert publish(str(root), "--to", f"s3://{bucket}", "--allow-preview") == 0
    assert set(s3.objects(bucket)) == set(site_files(root))


def test_dry_run_lists_and_writes_nothing(root, s3, bucket, capsys):
    assert publish(str(root), "--to", f"s3://{bucket}", "--endpoint-url", s3.endpoint,
                   "--allow-preview", "--dry-run") == 0
    out = capsys.readouterr().out
    assert s3.objects(bucket) == {}
    for key in site_files(root):
        assert f"将上传 {key}（新增" in out
    assert "没有写入或删除任何文件" in out


def test_nothing_is_deleted_without_delete(root, s3, bucket, capsys):
    client = s3.client()
    client.put_object(Bucket=bucket, Key="2024/01a/stale.html", Body=b"old")
    args = [str(root), "--to", f"s3://{bucket}", "--endpoint-url", s3.endpoint, "--allow-preview"]
    assert publish(*args) == 0
    assert "2024/01a/stale.html" in s3.objects(bucket)
    assert "另有 1 个文件不在这次的构建中，没有删除" in capsys.readouterr().out
    assert publish(*args, "--dry-run", "--delete") == 0
    assert "将删除 2024/01a/stale.html" in capsys.readouterr().out
    assert "2024/01a/stale.html" in s3.objects(bucket)
    assert publish(*args, "--delete") == 0
    assert "删除 1 个" in capsys.readouterr().out
    assert set(s3.objects(bucket)) == set(site_files(root))


def test_prefix_is_the_base_url_path(tmp_path, s3, bucket, capsys):
    root = tmp_path / "root"
    build(make_example(tmp_path / "issue", base_url=f"{BASE_URL}/tj"), root, "site")
    args = [str(root), "--endpoint-url", s3.endpoint]
    assert publish(*args, "--to", f"s3://{bucket}") == 2
    err = capsys.readouterr().err
    assert "[P009]" in err and f"--to s3://{bucket}/tj" in err
    assert s3.objects(bucket) == {}
    assert publish(*args, "--to", f"s3://{bucket}/tj/") == 0
    keys = set(s3.objects(bucket))
    assert "tj/2025/03a/02/index.html" in keys and "tj/feed.xml" in keys
    assert all(k.startswith("tj/") for k in keys)


# --- refusals --------------------------------------------------------------------------------

def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "issuepub", *args], capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, timeout=300)


def test_preview_audio_is_refused_without_allow_preview(root, s3, bucket):
    proc = run_cli("publish", str(root), "--to", f"s3://{bucket}", "--endpoint-url", s3.endpoint)
    assert proc.returncode == 2
    assert "[P004]" in proc.stderr and "--tts edge" in proc.stderr and "--allow-preview" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert s3.objects(bucket) == {}


def test_placeholder_base_url_is_refused(tmp_path, s3, bucket, capsys):
    root = tmp_path / "root"
    build(make_example(tmp_path / "issue", base_url="https://ting.example.cn"), root, "site")
    assert publish(str(root), "--to", f"s3://{bucket}", "--endpoint-url", s3.endpoint) == 2
    err = capsys.readouterr().err
    assert "[P005]" in err and "base_url" in err
    assert s3.objects(bucket) == {}


def test_non_https_base_url_is_refused(root, s3, bucket, capsys):
    manifest_path = root / ISSUE_ID / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["issue"]["base_url"] = "http://ting.tjzbsh.cn"
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    assert publish(str(root), "--to", f"s3://{bucket}", "--endpoint-url", s3.endpoint,
                   "--allow-preview") == 2
    assert "[P006]" in capsys.readouterr().err


def test_issues_with_different_base_urls_are_refused(root, tmp_path, s3, bucket, capsys):
    other = tmp_path / "other"
    build(make_example(tmp_path / "issue4", base_url="https://ting2.tjzbsh.cn", number=4),
          other, "site")
    shutil.copytree(other / "tjzbsh-2025-04a", root / "tjzbsh-2025-04a")
    assert publish(str(root), "--to", f"s3://{bucket}", "--endpoint-url", s3.endpoint,
                   "--allow-preview") == 2
    err = capsys.readouterr().err
    assert "[P007]" in err and "https://ting2.tjzbsh.cn" in err and BASE_URL in err
    assert s3.objects(bucket) == {}


def test_a_printed_code_whose_page_has_no_audio_is_refused(tmp_path, s3, bucket, capsys):
    """Codes and pages built before the narration: every code would open a page that plays
    nothing, so nothing goes up (the final check used to say 都在)."""
    root = tmp_path / "root"
    build(make_example(tmp_path / "issue"), root, "qr", "site")
    assert publish(str(root), "--to", f"s3://{bucket}", "--endpoint-url", s3.endpoint) == 2
    err = capsys.readouterr().err
    assert "[P018]" in err and "--only audio site" in err and err.count("篇《") == 5
    assert s3.objects(bucket) == {}


def test_a_site_file_changed_after_the_build_is_refused(root, s3, bucket, capsys):
    page = root / ISSUE_ID / "site" / "2025/03a/02/index.html"
    page.write_text(page.read_text(encoding="utf-8") + "<!-- edited -->", encoding="utf-8")
    assert publish(str(root), "--to", f"s3://{bucket}", "--endpoint-url", s3.endpoint,
                   "--allow-preview") == 2
    err = capsys.readouterr().err
    assert "[P010]" in err and "--only site" in err


def test_store_mistakes_are_user_errors(root, s3, bucket, capsys, monkeypatch):
    args = [str(root), "--endpoint-url", s3.endpoint, "--allow-preview"]
    assert publish(*args, "--to", "s3://no-such-bucket-here") == 2
    assert "[P012]" in capsys.readouterr().err
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    assert publish(str(root), "--to", f"s3://{bucket}", "--endpoint-url",
                   f"http://127.0.0.1:{port}", "--allow-preview") == 2
    assert "[P014]" in capsys.readouterr().err
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    assert publish(*args, "--to", f"s3://{bucket}") == 2
    assert "[P011]" in capsys.readouterr().err
    assert publish(str(root), "--to", "ftp://host/x") == 2
    assert "[P008]" in capsys.readouterr().err
    assert publish(str(root), "--to", str(root / "www"), "--allow-preview") == 2
    assert "[P016]" in capsys.readouterr().err
    assert publish(str(root / "nothing-here"), "--to", str(root.parent / "www")) == 2
    assert "[P001]" in capsys.readouterr().err


# --- interrupted and resumed -----------------------------------------------------------------

def add_gallery(root: Path, count: int) -> None:
    """Many pictures in the issue's site, so a publish takes long enough to be killed mid-way."""
    gallery = root / ISSUE_ID / "site" / "2025/03a/gallery"
    gallery.mkdir()
    cover = (root / ISSUE_ID / "site" / "2025/03a/cover.jpg").read_bytes()
    for n in range(count):
        (gallery / f"p{n:03d}.jpg").write_bytes(cover + n.to_bytes(4, "big"))


def test_a_killed_publish_leaves_nothing_dangling_and_a_rerun_finishes(root, s3, bucket, capsys):
    add_gallery(root, 300)
    expected = site_files(root)
    proc = subprocess.Popen(
        [sys.executable, "-m", "issuepub", "publish", str(root), "--to", f"s3://{bucket}",
         "--endpoint-url", s3.endpoint, "--allow-preview"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    started = 0
    for line in proc.stderr:
        if line.startswith("· 上传 "):
            started += 1
            if started == 40:
                proc.send_signal(signal.SIGKILL)
                break
    proc.wait(timeout=60)
    proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    partial = s3.objects(bucket)
    assert 40 <= len(partial) + 1 and len(partial) < len(expected), len(partial)
    # Nothing online links to a file that is not there: no page before its audio and
    # pictures, no index or feed before the pages.
    assert not any(k.endswith("index.html") or k.endswith("feed.xml") for k in partial)
    for key, head in partial.items():
        assert head["Metadata"]["sha256"] == sha256_file(expected[key])  # whole objects only

    assert publish(str(root), "--to", f"s3://{bucket}", "--endpoint-url", s3.endpoint,
                   "--allow-preview") == 0
    out = capsys.readouterr().out
    assert f"上传 {len(expected) - len(partial)} 个" in out and f"未变 {len(partial)} 个" in out
    final = s3.objects(bucket)
    assert set(final) == set(expected)
    assert all(final[k]["Metadata"]["sha256"] == sha256_file(p) for k, p in expected.items())


# --- local folder, public check --------------------------------------------------------------

def test_folder_destination_with_public_check(root, tmp_path, capsys):
    www = tmp_path / "www"
    server = FolderWebServer(www)
    try:
        args = [str(root), "--to", f"file://{www}", "--allow-preview", "--check-url", server.url]
        assert publish(*args) == 0
        out = capsys.readouterr().out
        assert "公网核对（GET 网页、Range 请求音频）：通过" in out
        expected = site_files(root)
        assert {p.relative_to(www).as_posix() for p in www.rglob("*") if p.is_file()} == set(expected)
        assert all(sha256_file(www / k) == sha256_file(p) for k, p in expected.items())
        assert publish(*args) == 0
        assert f"上传 0 个（0 KB），未变 {len(expected)} 个" in capsys.readouterr().out
    finally:
        server.stop()


def test_a_killed_folder_publish_leaves_no_temporary_file_online(root, tmp_path, capsys):
    """A publish killed while copying leaves ``.NAME.PID.RANDOM.part`` in the web folder; the
    rerun removes it (its process is gone) and does not count it as a file of the site.
    One a running publish is writing is left alone."""
    www = tmp_path / "www"
    folder = www / "2025/03a/02"
    folder.mkdir(parents=True)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    stale = folder / f".tjzbsh-2025-03a-02.mp3.{dead}.x1y2.part"
    stale.write_bytes(b"half an mp3")
    running = folder / f".index.html.{os.getpid()}.a1b2.part"
    running.write_bytes(b"<p>being written")
    assert publish(str(root), "--to", str(www), "--allow-preview") == 0
    out = capsys.readouterr().out
    assert not stale.exists() and running.exists()
    assert "另有" not in out and "删除 0 个" in out
    running.unlink()
    assert {p.relative_to(www).as_posix() for p in www.rglob("*") if p.is_file()} == set(site_files(root))


def test_public_check_fails_on_a_server_without_range_requests(root, tmp_path, capsys):
    www = tmp_path / "www"
    www.mkdir()

    class Plain(http.server.SimpleHTTPRequestHandler):  # answers Range with 200 and all
        def __init__(self, *a, **kw):
            super().__init__(*a, directory=str(www), **kw)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Plain)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        assert publish(str(root), "--to", str(www), "--allow-preview", "--check-url",
                       f"http://127.0.0.1:{server.server_address[1]}") == 1
        out = capsys.readouterr().out
        assert out.count("[P020]") == 5 and "206" in out
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_store_check_names_a_missing_object(root, tmp_path):
    www = tmp_path / "www"
    assert publish(str(root), "--to", str(www), "--allow-preview") == 0
    plan = make_plan(root, allow_preview=True)
    store = open_store(parse_destination(str(www)))
    assert check_store(store, plan.checks) == []
    (www / "2025/03a/02/tjzbsh-2025-03a-02.mp3").unlink()
    (www / "2025/03a/04/index.html").write_text("changed", encoding="utf-8")
    failures = check_store(store, plan.checks)
    assert [(f.url, "没有" in f.what) for f in failures] == [
        (f"{BASE_URL}/2025/03a/02/", True), (f"{BASE_URL}/2025/03a/04/", False)]


# --- the magazine-level files, and the issue's "done when" -----------------------------------

def test_magazine_level_files_go_to_the_prefix_itself(root, s3, bucket, capsys):
    """ROOT/site/ (the magazine's index, feed, 404, sitemap, robots, artwork) is published at
    the base URL itself and replaces the older ROOT/feed.xml."""
    magazine = root / "site"
    magazine.mkdir(exist_ok=True)  # the site output writes ROOT/site/ itself now
    files = {"index.html": "<!doctype html><title>天津支部生活</title>", "404.html": "<p>404</p>",
             "sitemap.xml": "<urlset/>", "robots.txt": "User-agent: *\n", "feed.xml": "<rss/>"}
    for name, text in files.items():
        (magazine / name).write_text(text, encoding="utf-8")
    shutil.copy(root / ISSUE_ID / "site/2025/03a/artwork.jpg", magazine / "artwork.jpg")
    (root / "feed.xml").write_text("<rss>older cross-issue feed</rss>", encoding="utf-8")
    assert publish(str(root), "--to", f"s3://{bucket}", "--endpoint-url", s3.endpoint,
                   "--allow-preview") == 0
    objects = s3.objects(bucket)
    assert set(objects) == set(site_files(root))
    body = s3.client().get_object(Bucket=bucket, Key="feed.xml")["Body"].read()
    assert body == b"<rss/>"
    assert objects["robots.txt"]["ContentType"] == "text/plain; charset=utf-8"
    assert objects["artwork.jpg"]["CacheControl"] == CACHE_LONG
    order = [l.split("] ", 1)[1].split("（", 1)[0] for l in capsys.readouterr().err.splitlines()
             if l.startswith("· 上传 ")]
    assert order.index("artwork.jpg") < order.index("2025/03a/02/index.html") < order.index("index.html")


@pytest.fixture
def corpus_issue(corpus_path, tmp_path) -> Path:
    """The real issue imported with a real base URL. Only the articles with a printed code are
    narrated, which keeps the offline synthesis to five articles (about 30 s)."""
    folder = tmp_path / "corpus"
    assert cli.main(["import", str(corpus_path), "--out", str(folder),
                     "--base-url", BASE_URL]) == 0
    for article in (folder / "articles").glob("*.md"):
        text = article.read_text(encoding="utf-8")
        if "print_qr: yes" not in text:
            article.write_text(text.replace("narrate: yes", "narrate: no"), encoding="utf-8")
    return folder


def test_example_and_corpus_in_one_root_publish_and_every_code_answers(
        root, corpus_issue, tmp_path, s3, bucket, capsys):
    build(corpus_issue, root)
    plan = make_plan(root, allow_preview=True)
    assert [i.id for i in plan.issues] == ["tjzbsh-2024-11b", ISSUE_ID]
    qr_urls = [a["qr"]["url"] for folder in ("tjzbsh-2024-11b", ISSUE_ID)
               for a in json.loads((root / folder / "manifest.json").read_text("utf-8"))["articles"]
               if "qr" in a]
    assert len(qr_urls) == 10 and [t.url for t in plan.checks] == qr_urls
    assert all(t.audio is not None for t in plan.checks)

    args = [str(root), "--to", f"s3://{bucket}", "--endpoint-url", s3.endpoint, "--allow-preview"]
    assert publish(*args) == 0
    assert "核对 10 个网址的页面和音频在存储中：都在" in capsys.readouterr().out
    objects = s3.objects(bucket)
    for url in qr_urls:  # the object each printed code names, and the MP3 its page plays
        page = url[len(BASE_URL) + 1:] + "index.html"
        assert objects[page]["ContentType"] == "text/html; charset=utf-8"
        mp3 = [k for k in objects if k.startswith(url[len(BASE_URL) + 1:]) and k.endswith(".mp3")]
        assert len(mp3) == 1 and objects[mp3[0]]["ContentType"] == "audio/mpeg"
    assert publish(*args) == 0
    assert f"上传 0 个（0 KB），未变 {len(objects)} 个" in capsys.readouterr().out

    # The same root through a real web server: GET of every code's page, Range on its MP3.
    www = tmp_path / "www"
    server = FolderWebServer(www)
    try:
        assert publish(str(root), "--to", str(www), "--allow-preview", "--check-url", server.url) == 0
        out = capsys.readouterr().out
        assert "核对 10 个网址" in out and "公网核对（GET 网页、Range 请求音频）：通过" in out
    finally:
        server.stop()


def test_check_url_stands_in_for_the_base_url():
    from issuepub.publish.check import public_url

    url = f"{BASE_URL}/2025/03a/02/"
    assert public_url(url, BASE_URL, BASE_URL) == url  # --check-url without a value
    assert public_url(url, BASE_URL, "http://127.0.0.1:8080/") == "http://127.0.0.1:8080/2025/03a/02/"
