"""Faults of the machine (exit 3) name the file the user knows and a fix for the command run.

They used to name the temporary ``.index.html.PID.RANDOM.part`` being written rather than
``index.html``, and publish's fixes spoke of build's ``--out`` and of building again.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLE

BIN = Path(sys.executable).parent


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "issuepub"), *args], capture_output=True, text=True,
                          check=False)


@pytest.fixture(scope="module")
def site_root(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("env-messages")
    issue = base / "issue"
    shutil.copytree(EXAMPLE, issue)
    toml = issue / "issue.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("https://ting.example.cn",
                                                             "https://ting.tjzbsh.cn"),
                    encoding="utf-8")
    proc = run("build", str(issue), "--out", str(base / "root"), "--only", "site")
    assert proc.returncode == 0, proc.stderr
    return base / "root"


def test_publish_names_the_file_not_its_temporary_name(site_root, tmp_path):
    dest = tmp_path / "www"
    (dest / "2025/03a/02/index.html").mkdir(parents=True)  # a folder where a page must go
    proc = run("publish", str(site_root), "--to", str(dest))
    assert proc.returncode == 3
    assert f"{dest}/2025/03a/02/index.html: 错误 [E003]" in proc.stderr
    assert ".part" not in proc.stderr and "Traceback" not in proc.stderr
    assert "再发布一次" in proc.stderr and "构建" not in proc.stderr.split("→", 1)[1]


def test_publish_fix_names_its_own_option(site_root, tmp_path):
    dest = tmp_path / "www"
    dest.mkdir()
    (dest / "2025").write_text("not a folder", encoding="utf-8")
    proc = run("publish", str(site_root), "--to", str(dest))
    assert proc.returncode == 3 and "[E003]" in proc.stderr
    assert "--to" in proc.stderr and "--out" not in proc.stderr


def test_build_names_the_file_not_its_temporary_name(tmp_path):
    issue = tmp_path / "issue"
    shutil.copytree(EXAMPLE, issue)
    root = tmp_path / "root"
    (root / "tjzbsh-2025-03a" / "qr" / "01-juanshou.svg").mkdir(parents=True)
    proc = run("build", str(issue), "--out", str(root), "--only", "qr", "--draft")
    assert proc.returncode == 3
    assert f"{root}/tjzbsh-2025-03a/qr/01-juanshou.svg: 错误 [E003]" in proc.stderr
    assert ".part" not in proc.stderr and "再构建一次" in proc.stderr


def test_ctrl_c_during_publish_speaks_of_uploads(site_root, tmp_path):
    """Ctrl-C said 已完成的成品保留 (the build's words) to someone publishing. The store here is a
    socket on 127.0.0.1 that never answers, so the publish is surely still running."""
    import os
    import signal
    import socket

    from support.object_store import CREDENTIALS

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # connections complete in the kernel; nothing is ever answered
        env = {**os.environ, **CREDENTIALS, "AWS_CONFIG_FILE": str(tmp_path / "none"),
               "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")}
        proc = subprocess.Popen(
            [str(BIN / "issuepub"), "publish", str(site_root), "--to", "s3://ting",
             "--endpoint-url", f"http://127.0.0.1:{silent.getsockname()[1]}"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        seen = []
        for line in proc.stderr:
            seen.append(line)
            if "个文件 →" in line:  # the plan is made; it now waits on the store
                proc.send_signal(signal.SIGINT)
                break
        rest = proc.stderr.read()
        assert proc.wait(timeout=60) == 130, "".join(seen) + rest
    assert "已中断" in rest and "再次运行 issuepub publish 会接着上传" in rest
    assert "成品" not in rest and "Traceback" not in rest
