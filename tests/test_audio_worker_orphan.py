"""An offline synthesis worker whose build is gone (killed with SIGTERM, or its terminal
closed) stops quietly. Each worker used to print a BrokenPipeError traceback into the
terminal the build had run in, the only thing the user then saw."""

from __future__ import annotations

import struct
import subprocess
import sys


def test_worker_without_a_reader_exits_without_a_traceback():
    worker = subprocess.Popen(
        [sys.executable, "-m", "issuepub.outputs.audio.engines.offline", "0", "0", "0"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    worker.stdout.close()  # the build died: nobody will read the answers
    text = "这是一句测试用的话，读完就结束。".encode("utf-8")
    for _ in range(3):  # requests still queued in the pipe, as the build pipelines them
        worker.stdin.write(struct.pack(">I", len(text)) + text)
    worker.stdin.close()
    stderr = worker.stderr.read().decode("utf-8", "replace")
    assert worker.wait(timeout=120) == 0, stderr
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr, stderr
